/* libpff's "weak" CRC-32, computed with zlib instead of byte at a time.
 *
 * Why: libpff checks the CRC of every data block it reads ([MS-PST] 2.2.2.8.1
 * dwCRC; also the header, allocation maps and LZFu RTF) with libfmapi's
 * libfmapi_checksum_calculate_weak_crc32, a table-driven loop over one byte
 * per step. Profiled on ../shared/corpus/pst/enron.pst it is the biggest
 * single cost of a conversion (see scripts/bench pst). zlib's crc32 computes
 * the same polynomial (0xEDB88320, reflected) several bytes per step.
 *
 * Relation: libfmapi's weak CRC starts from `initial_value` as given and does
 * not invert the result; zlib's crc32(c, ...) inverts on entry and on exit. So
 *     weak(initial, buf) == ~crc32(~initial, buf)         (32-bit arithmetic)
 * (libfmapi_checksum.c in libyal/libfmapi, and the disassembly of the
 * function in Debian's libpff.so.1 20180714, which matches it.)
 *
 * How: libpff.so.1 exports the function and calls it through its PLT (all
 * eight call sites), so a definition with the same name in the executable
 * takes precedence (ELF symbol interposition: the executable comes first in
 * the global lookup scope; the linker exports it because a shared library
 * linked in defines the same symbol). The definition below checks itself
 * once, before its first use, against libpff's own implementation (found with
 * dlsym(RTLD_NEXT, ...)) on fixed test vectors; if any result differs, or
 * MF_PST_NO_FAST_CRC is set, every call goes to libpff's implementation.
 * Calls with invalid arguments always go to libpff's, so errors are libpff's.
 * MF_PST_NO_FAST_CRC=1 exists to compare outputs and timings both ways.
 *
 * Without interposition (a static libpff, another linker) nothing changes:
 * libpff then simply uses its own loop. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include "pst-crc.h"

#include <dlfcn.h>
#include <limits.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>

typedef int (*weak_crc_fn)(uint32_t *, const uint8_t *, size_t, uint32_t, libpff_error_t **);

static const char crc_symbol[] = "libfmapi_checksum_calculate_weak_crc32";
static weak_crc_fn reference_crc; /* libpff's implementation (or bitwise_crc) */
static gboolean use_zlib;

/* Only if libpff's cannot be found (in practice it always is: libpff calls us):
 * the definition, one bit at a time. */
static int bitwise_crc(uint32_t *checksum, const uint8_t *buffer, size_t size,
                       uint32_t initial_value, libpff_error_t **error)
{
	(void)error;
	if (!checksum || !buffer)
		return -1;
	uint32_t c = initial_value;
	for (size_t i = 0; i < size; i++) {
		c ^= buffer[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	*checksum = c;
	return 1;
}

static uint32_t zlib_weak_crc(const uint8_t *buffer, size_t size, uint32_t initial_value)
{
	return ~(uint32_t)crc32_z(~initial_value & 0xffffffffUL, buffer, size);
}

/* Compares zlib's result with libpff's on buffers of awkward lengths and
 * alignments, with several initial values (libpff passes 0; others must hold too). */
static gboolean self_test(weak_crc_fn reference)
{
	static const uint32_t initials[] = { 0, 0xffffffffu, 0x12345678u, 0x80000001u };
	/* libpff's side runs a byte at a time at every start-up: keep it small
	 * (about 40 KB in all) yet cover every tail length zlib's word loop has. */
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33,
		                        63, 64, 255, 471, 1000, 4093 };
	enum { MAX_SIZE = 4093, MAX_SKEW = 7 };
	uint8_t *buf = g_malloc(MAX_SIZE + MAX_SKEW);
	uint32_t x = 0x9e3779b9u; /* xorshift32: fixed pseudo-random bytes */
	for (size_t i = 0; i < MAX_SIZE + MAX_SKEW; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	gboolean ok = TRUE;
	for (size_t s = 0; ok && s < G_N_ELEMENTS(sizes); s++)
		for (size_t skew = 0; ok && skew <= MAX_SKEW; skew += 7)
			for (size_t v = 0; ok && v < G_N_ELEMENTS(initials); v++) {
				uint32_t want = 0;
				libpff_error_t *err = NULL;
				if (reference(&want, buf + skew, sizes[s], initials[v], &err) != 1) {
					libpff_error_free(&err);
					ok = FALSE;
				} else if (zlib_weak_crc(buf + skew, sizes[s], initials[v]) != want)
					ok = FALSE;
			}
	g_free(buf);
	return ok;
}

gboolean mfi_pst_crc_init(void)
{
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		weak_crc_fn lib = (weak_crc_fn)dlsym(RTLD_NEXT, crc_symbol);
		if (!lib || lib == libfmapi_checksum_calculate_weak_crc32) /* never ourselves */
			g_debug("PST: %s not found in libpff", crc_symbol);
		reference_crc = lib && lib != libfmapi_checksum_calculate_weak_crc32 ? lib
		                                                                     : bitwise_crc;
		const char *off = g_getenv("MF_PST_NO_FAST_CRC");
		if (off && *off && strcmp(off, "0") != 0)
			g_debug("PST: weak CRC-32 by libpff (MF_PST_NO_FAST_CRC is set)");
		else if (!self_test(reference_crc))
			g_warning("PST: zlib's CRC-32 differs from libpff's; using libpff's");
		else
			use_zlib = TRUE;
		if (use_zlib)
			g_debug("PST: weak CRC-32 computed with zlib (checked against libpff's)");
		g_once_init_leave(&once, 1);
	}
	return use_zlib;
}

int libfmapi_checksum_calculate_weak_crc32(uint32_t *checksum, const uint8_t *buffer,
                                           size_t size, uint32_t initial_value,
                                           libpff_error_t **error)
{
	if (mfi_pst_crc_init() && checksum && buffer && size <= (size_t)SSIZE_MAX) {
		*checksum = zlib_weak_crc(buffer, size, initial_value);
		return 1;
	}
	return reference_crc(checksum, buffer, size, initial_value, error);
}
