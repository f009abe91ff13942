/* libpff's weak CRC-32 computed with zlib (pst-crc.c). */
#ifndef MAILFERRY_PST_CRC_H
#define MAILFERRY_PST_CRC_H

#include <glib.h>
#include <libpff.h>
#include <stddef.h>
#include <stdint.h>

/* Decides, once, whether libpff's block checksums are computed with zlib:
 * yes unless MF_PST_NO_FAST_CRC is set (to anything but "0") or the zlib
 * result differs from libpff's own on the self-test vectors. Returns TRUE when
 * the zlib path is in use. Called when a PST is opened; also links pst-crc.o
 * into the program (nothing else refers to it by name). */
gboolean mfi_pst_crc_init(void);

/* Same name and signature as libfmapi's (bundled in libpff.so.1, exported),
 * so that libpff's calls through its PLT bind to this definition. */
int libfmapi_checksum_calculate_weak_crc32(uint32_t *checksum, const uint8_t *buffer,
                                           size_t size, uint32_t initial_value,
                                           libpff_error_t **error);


/* pst-nameid.c: libpff's name-to-id map lookup from a hash index (same
 * interposition). Drops the index; called when a PST is closed. */
void mfi_pst_nameid_forget(void);
/* Same name as libpff's internal (exported, PLT-called) function. */
int libpff_name_to_id_map_entry_get_entry_by_identifier(void *list, uint32_t identifier,
                                                        void **entry, libpff_error_t **error);

#endif
