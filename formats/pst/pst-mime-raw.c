/* Attachment bytes base64-encoded outside GMime's stream filters.
 *
 * Why: GMime writes a part's content through a filter chain (base64 encoder,
 * then a newline filter that walks every byte), and for attachments that
 * chain was half of the instructions of a PST conversion (callgrind on
 * ../shared/corpus/pst/enron.pst: 395 of 780 million under
 * g_mime_object_write_to_stream, 227 million in the filter machinery alone).
 *
 * How: the part gets its transfer encoding (base64) and, as already-encoded
 * content, a one-line token, so GMime writes the headers, boundaries and
 * token as usual; pst-mime.c then replaces each token line with the encoded
 * bytes in GMime's layout (76 characters and "\n" a line): the message is the
 * same byte for byte (test_pst compares every corpus message with GMime's own
 * writing, MF_PST_GMIME_WRITE=1).
 *
 * The encoder is written here, not GMime's g_mime_encoding_base64_encode_close:
 * that one works a byte at a time (callgrind: 20 instructions a byte, 146 of
 * the remaining 529 million on enron.pst); this one takes 3 bytes at a time,
 * two characters a table lookup.
 * test_pst (unit) compares the two on every length up to 1 KiB and on 1 MiB.
 *
 * The token holds a random value drawn once per process, so no content of
 * the store (a subject, a body) can contain it; the output does not depend on
 * it, as every token is replaced. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "pst.h"

#include <string.h>

#define TOKEN_PREFIX "MFRAW"
#define NONCE_HEX 32

static const char *nonce(void)
{
	static gsize once = 0;
	static char hex[NONCE_HEX + 1];
	if (g_once_init_enter(&once)) {
		for (int i = 0; i < NONCE_HEX; i += 8)
			g_snprintf(hex + i, 9, "%08x", g_random_int());
		g_once_init_leave(&once, 1);
	}
	return hex;
}

/* MF_PST_GMIME_WRITE set (to anything but "0"): GMime writes the content
 * itself, for tests that compare the two. Read once, not for every part. */
static gboolean gmime_writes_all(void)
{
	static gsize once = 0;
	static gboolean on;
	if (g_once_init_enter(&once)) {
		const char *v = g_getenv("MF_PST_GMIME_WRITE");
		on = v && *v && strcmp(v, "0") != 0;
		g_once_init_leave(&once, 1);
	}
	return on;
}

void mfi_pst_raw_content(mfi_pst_build *b, GMimePart *part, GBytes *data)
{
	GMimeStream *stream;
	GMimeContentEncoding wrapped = GMIME_CONTENT_ENCODING_DEFAULT;
	if (gmime_writes_all()) {
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(data, &len);
		GByteArray *copy = g_byte_array_sized_new((guint)len);
		g_byte_array_append(copy, d, (guint)len);
		stream = g_mime_stream_mem_new_with_byte_array(copy);
	} else {
		if (!b->raw)
			b->raw = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		char *token = g_strdup_printf(TOKEN_PREFIX "%s.%u\n", nonce(), b->raw->len);
		g_ptr_array_add(b->raw, g_bytes_ref(data));
		stream = g_mime_stream_mem_new_with_buffer(token, strlen(token));
		g_free(token);
		wrapped = GMIME_CONTENT_ENCODING_BASE64; /* GMime copies it as it is */
	}
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(stream, wrapped);
	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_object_unref(w);
	g_object_unref(stream);
}

static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The two base64 characters of every 12-bit value. */
static const guint8 (*pairs(void))[2]
{
	static gsize once = 0;
	static guint8 table[4096][2];
	if (g_once_init_enter(&once)) {
		for (int v = 0; v < 4096; v++) {
			table[v][0] = (guint8)digits[v >> 6];
			table[v][1] = (guint8)digits[v & 63];
		}
		g_once_init_leave(&once, 1);
	}
	return (const guint8 (*)[2])table;
}

gsize mfi_pst_base64_lines(const guint8 *in, gsize len, guint8 *out)
{
	const guint8 (*pair)[2] = pairs();
	guint8 *o = out;
	while (len > 0) {
		gsize line = MIN(len, 57); /* 57 bytes: 76 characters */
		gsize whole = line - line % 3;
		for (gsize i = 0; i < whole; i += 3, o += 4) {
			guint32 v = (guint32)in[i] << 16 | (guint32)in[i + 1] << 8 | in[i + 2];
			memcpy(o, pair[v >> 12], 2);
			memcpy(o + 2, pair[v & 0xfff], 2);
		}
		if (line > whole) { /* 1 or 2 bytes: only on the last line */
			gboolean two = line - whole == 2;
			guint32 v = (guint32)in[whole] << 16 | (two ? (guint32)in[whole + 1] << 8 : 0);
			o[0] = (guint8)digits[v >> 18];
			o[1] = (guint8)digits[(v >> 12) & 63];
			o[2] = two ? (guint8)digits[(v >> 6) & 63] : '=';
			o[3] = '=';
			o += 4;
		}
		*o++ = '\n';
		in += line;
		len -= line;
	}
	return (gsize)(o - out);
}

/* The token's index, when `p` starts a whole token line; else -1. */
static gint64 token_at(const guint8 *p, const guint8 *end, gsize *len_r)
{
	gsize head = strlen(TOKEN_PREFIX) + NONCE_HEX + 1;
	if ((gsize)(end - p) < head + 2 || memcmp(p, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 ||
	    memcmp(p + strlen(TOKEN_PREFIX), nonce(), NONCE_HEX) != 0 || p[head - 1] != '.')
		return -1;
	gint64 n = 0;
	const guint8 *q = p + head;
	for (; q < end && g_ascii_isdigit(*q) && n < G_MAXINT32; q++)
		n = n * 10 + (*q - '0');
	if (q == p + head || q >= end || *q != '\n')
		return -1;
	*len_r = (gsize)(q + 1 - p);
	return n;
}

gboolean mfi_pst_raw_splice(mfi_pst_build *b, GByteArray **buf)
{
	if (!b->raw || b->raw->len == 0)
		return TRUE;
	gsize extra = 0;
	for (guint i = 0; i < b->raw->len; i++)
		extra += GMIME_BASE64_ENCODE_LEN(g_bytes_get_size(b->raw->pdata[i]));
	GByteArray *in = *buf;
	GByteArray *out = g_byte_array_sized_new((guint)MIN(in->len + extra, G_MAXUINT));
	const guint8 *p = in->data, *end = in->data + in->len;
	char prefix[sizeof TOKEN_PREFIX + NONCE_HEX];
	g_snprintf(prefix, sizeof prefix, "%s%s", TOKEN_PREFIX, nonce());
	gsize prefix_len = strlen(prefix);
	guint replaced = 0;
	gboolean *done = g_new0(gboolean, b->raw->len);
	/* Copy the runs between tokens in one piece; a token counts only as a
	 * whole line, and each part's once. */
	for (const guint8 *hit; p < end &&
	                        (hit = memmem(p, (gsize)(end - p), prefix, prefix_len));) {
		gsize tlen = 0;
		gint64 n = hit == in->data || hit[-1] == '\n' ? token_at(hit, end, &tlen) : -1;
		const guint8 *stop = hit + (n >= 0 ? 0 : prefix_len);
		g_byte_array_append(out, p, (guint)(stop - p));
		p = stop;
		if (n < 0)
			continue;
		if (n >= (gint64)b->raw->len || done[n]) {
			g_byte_array_append(out, p, (guint)tlen);
			p += tlen;
			continue;
		}
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(b->raw->pdata[n], &len);
		guint at = out->len;
		g_byte_array_set_size(out, at + (guint)GMIME_BASE64_ENCODE_LEN(len));
		gsize w = mfi_pst_base64_lines(d, len, out->data + at);
		g_byte_array_set_size(out, at + (guint)w);
		done[n] = TRUE;
		replaced++;
		p += tlen;
	}
	g_byte_array_append(out, p, (guint)(end - p));
	g_free(done);
	if (replaced != b->raw->len) { /* a token GMime did not write as one line */
		g_byte_array_unref(out);
		return FALSE;
	}
	g_byte_array_unref(in);
	*buf = out;
	return TRUE;
}
