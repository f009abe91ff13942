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
 * token as usual; pst-mime.c then replaces each token line with the bytes
 * encoded by g_mime_encoding_base64_encode_close, which is the encoder GMime's
 * filter runs, line length and line ends included: the message is the same
 * byte for byte (test_pst compares every corpus message with GMime's own
 * writing, MF_PST_GMIME_WRITE=1).
 *
 * The token holds a random value drawn once per process, so no content of
 * the store (a subject, a body) can contain it; the output does not depend on
 * it, as every token is replaced. */
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

static gboolean gmime_writes_all(void)
{
	const char *v = g_getenv("MF_PST_GMIME_WRITE");
	return v && *v && strcmp(v, "0") != 0;
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
	guint replaced = 0;
	gboolean *done = g_new0(gboolean, b->raw->len);
	while (p < end) { /* p is at a line start */
		gsize tlen = 0;
		gint64 n = token_at(p, end, &tlen);
		if (n >= 0 && n < (gint64)b->raw->len && !done[n]) {
			gsize len = 0;
			const guint8 *d = g_bytes_get_data(b->raw->pdata[n], &len);
			guint at = out->len;
			g_byte_array_set_size(out, at + (guint)GMIME_BASE64_ENCODE_LEN(len));
			int state = 0;
			guint32 save = 0;
			gsize w = g_mime_encoding_base64_encode_close(d, len, out->data + at, &state, &save);
			g_byte_array_set_size(out, at + (guint)w);
			done[n] = TRUE;
			replaced++;
			p += tlen;
			continue;
		}
		const guint8 *nl = memchr(p, '\n', (gsize)(end - p));
		const guint8 *stop = nl ? nl + 1 : end;
		g_byte_array_append(out, p, (guint)(stop - p));
		p = stop;
	}
	g_free(done);
	if (replaced != b->raw->len) { /* a token GMime did not write as one line */
		g_byte_array_unref(out);
		return FALSE;
	}
	g_byte_array_unref(in);
	*buf = out;
	return TRUE;
}
