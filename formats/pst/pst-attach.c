/* Attachments -> MIME parts ([MS-OXCMAIL] 2.2.5.x):
 *   by value           the bytes, base64, with the long file name (RFC 2231),
 *                      PidTagAttachMimeTag or a type guessed from name and bytes;
 *                      Content-ID and inline when the HTML body shows it (cid:)
 *   embedded message   message/rfc822, converted recursively
 *   OLE, reference     application/octet-stream with what the store has, and a
 *                      Content-Description saying what it was
 * An attachment libpff cannot read becomes a text/plain note naming it and the
 * error, and a line in b->damaged. */
#include "pst.h"

#include <gio/gio.h>
#include <string.h>

enum {
	ATTACH_BY_VALUE = 1,
	ATTACH_BY_REFERENCE = 2,
	ATTACH_BY_REF_RESOLVE = 3,
	ATTACH_BY_REF_ONLY = 4,
	ATTACH_EMBEDDED_MSG = 5,
	ATTACH_OLE = 6,
	ATTACH_BY_WEB_REF = 7,
};

#define READ_CHUNK 65536

GBytes *mfi_pst_attachment_data(libpff_item_t *att, char **text_r)
{
	libpff_error_t *err = NULL;
	size64_t size = 0;
	int r = libpff_attachment_get_data_size(att, &size, &err);
	if (r == 0)
		return g_bytes_new(NULL, 0);
	if (r != 1 || libpff_attachment_data_seek_offset(att, 0, SEEK_SET, &err) < 0) {
		*text_r = mfi_pst_error_text(&err);
		return NULL;
	}
	GByteArray *buf = g_byte_array_sized_new((guint)MIN(size, G_MAXUINT));
	guint8 chunk[READ_CHUNK];
	while ((size64_t)buf->len < size) {
		size_t want = (size_t)MIN((size64_t)READ_CHUNK, size - buf->len);
		ssize_t got = libpff_attachment_data_read_buffer(att, chunk, want, &err);
		if (got <= 0) {
			*text_r = got < 0 ? mfi_pst_error_text(&err)
			                  : g_strdup_printf("data ends after %u of %llu bytes", buf->len,
			                                    (unsigned long long)size);
			g_byte_array_unref(buf);
			return NULL;
		}
		g_byte_array_append(buf, chunk, (guint)got);
	}
	return g_byte_array_free_to_bytes(buf);
}

char *mfi_pst_attachment_name(libpff_item_t *att, int cp, int index)
{
	static const guint32 tags[] = { MFI_PR_ATTACH_LONG_FILENAME, MFI_PR_ATTACH_FILENAME,
		                        MFI_PR_DISPLAY_NAME };
	for (gsize i = 0; i < G_N_ELEMENTS(tags); i++) {
		char *name = mfi_pst_get_string(att, tags[i], cp);
		if (name && *g_strstrip(name))
			return name;
		g_free(name);
	}
	return g_strdup_printf("attachment-%d", index + 1);
}

/* Types whose bodies MIME parses as structure (RFC 2046 5): bytes stored by
 * value cannot be sent as those in base64, so they stay opaque. */
static gboolean structured_type(const char *type)
{
	return g_ascii_strncasecmp(type, "multipart/", 10) == 0 ||
	       g_ascii_strncasecmp(type, "message/", 8) == 0;
}

char *mfi_pst_attachment_type(libpff_item_t *att, int cp, const char *name, GBytes *data)
{
	char *tag = mfi_pst_get_string(att, MFI_PR_ATTACH_MIME_TAG, cp);
	if (tag && strchr(g_strstrip(tag), '/') && !strchr(tag, ' ') && !structured_type(tag))
		return tag;
	g_free(tag);
	gsize len = 0;
	const guchar *d = data ? g_bytes_get_data(data, &len) : NULL;
	char *guess = g_content_type_guess(name, d, MIN(len, 4096), NULL);
	char *mime = guess ? g_content_type_get_mime_type(guess) : NULL;
	g_free(guess);
	if (!mime || !strchr(mime, '/') || g_str_has_prefix(mime, "text/") ||
	    structured_type(mime)) {
		/* A text type would invite charset and line-end rewriting; multipart and
		 * message types would be parsed as structure. Keep the bytes opaque. */
		g_free(mime);
		mime = g_strdup("application/octet-stream");
	}
	return mime;
}

static GMimePart *bytes_part(mfi_pst_build *b, const char *content_type, GBytes *data)
{
	GMimeContentType *ct = g_mime_content_type_parse(NULL, content_type);
	GMimePart *part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
	                                            g_mime_content_type_get_media_subtype(ct));
	g_object_unref(ct);
	mfi_pst_raw_content(b, part, data); /* base64 */
	return part;
}

#define RFC2231_SEGMENT 60

/* ";\n name*0*=utf-8''%E6%97...;\n name*1*=..." ([RFC 2231] 3, 4): segments end on
 * character boundaries, so each one decodes on its own (as Python's email does). */
static void append_rfc2231(GString *out, const char *param, const char *value)
{
	GPtrArray *segs = g_ptr_array_new_with_free_func(g_free);
	GString *seg = g_string_new(NULL);
	for (const char *p = value; *p; p = g_utf8_next_char(p)) {
		GString *enc = g_string_new(NULL);
		for (const char *q = p; q < g_utf8_next_char(p); q++) {
			guchar c = (guchar)*q;
			if (g_ascii_isalnum(c) || strchr("!#$&+-.^_`|~", c))
				g_string_append_c(enc, (char)c);
			else
				g_string_append_printf(enc, "%%%02X", c);
		}
		if (seg->len > 0 && seg->len + enc->len > RFC2231_SEGMENT) {
			g_ptr_array_add(segs, g_string_free(seg, FALSE));
			seg = g_string_new(NULL);
		}
		g_string_append_len(seg, enc->str, (gssize)enc->len);
		g_string_free(enc, TRUE);
	}
	g_ptr_array_add(segs, g_string_free(seg, FALSE));
	for (guint i = 0; i < segs->len; i++) {
		g_string_append_printf(out, ";\n %s*", param);
		if (segs->len > 1)
			g_string_append_printf(out, "%u*", i);
		g_string_append_printf(out, "=%s%s", i == 0 ? "utf-8''" : "", (char *)segs->pdata[i]);
	}
	g_ptr_array_unref(segs);
}

static void set_raw_header(GMimeObject *part, const char *name, const char *head,
                           const char *param, const char *value)
{
	GMimeHeader *h = g_mime_header_list_get_header(g_mime_object_get_header_list(part), name);
	if (!h)
		return;
	GString *raw = g_string_new(" ");
	g_string_append(raw, head);
	append_rfc2231(raw, param, value);
	g_string_append_c(raw, '\n');
	g_mime_header_set_raw_value(h, raw->str);
	g_string_free(raw, TRUE);
}

/* The file name in Content-Disposition (filename) and Content-Type (name); set
 * last, after everything else about the part. Non-ASCII names are written as
 * RFC 2231 parameters by hand: GMime splits continuations inside characters. */
static void set_filename(GMimeObject *part, const char *name)
{
	if (GMIME_IS_PART(part))
		g_mime_part_set_filename(GMIME_PART(part), name);
	else
		g_mime_object_set_content_disposition_parameter(part, "filename", name);
	gboolean ascii = TRUE;
	for (const char *p = name; *p; p++)
		if ((guchar)*p >= 0x80 || (guchar)*p < 0x20)
			ascii = FALSE;
	if (ascii)
		return;
	set_raw_header(part, "Content-Disposition",
	               g_mime_content_disposition_get_disposition(
	                       g_mime_object_get_content_disposition(part)),
	               "filename", name);
	if (GMIME_IS_PART(part)) {
		char *type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));
		set_raw_header(part, "Content-Type", type, "name", name);
		g_free(type);
	}
}

static void add_note(mfi_pst_build *b, GMimeMultipart *mixed, int index, const char *name,
                     const char *why)
{
	char *line = g_strdup_printf("attachment %d (%s): %s", index + 1, name, why);
	char *text = g_strdup_printf("mailferry: %s could not be read from the PST: %s\n",
	                             name, why);
	GMimeTextPart *note = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(note, text);
	g_mime_part_set_content_encoding(GMIME_PART(note),
	                                 g_mime_part_get_best_content_encoding(
	                                         GMIME_PART(note), GMIME_ENCODING_CONSTRAINT_7BIT));
	g_mime_object_set_header(GMIME_OBJECT(note), "Content-Description",
	                         "unreadable attachment", NULL);
	g_mime_multipart_add(mixed, GMIME_OBJECT(note));
	g_object_unref(note);
	g_ptr_array_add(b->damaged, line);
	g_free(text);
}

/* Content-ID without brackets, when the attachment has one. */
static char *content_id(libpff_item_t *att, int cp)
{
	char *cid = mfi_pst_get_string(att, MFI_PR_ATTACH_CONTENT_ID, cp);
	if (cid && !*mfi_pst_bare_id(cid))
		g_clear_pointer(&cid, g_free);
	return cid;
}

static gboolean html_uses_cid(const char *html, const char *cid)
{
	if (!html || !cid)
		return FALSE;
	char *ref = g_strdup_printf("cid:%s", cid);
	gboolean used = strstr(html, ref) != NULL;
	g_free(ref);
	return used;
}

static void add_file(mfi_pst_build *b, libpff_item_t *att, int index, int method,
                     const char *html, GMimeMultipart *mixed, GMimeMultipart *related)
{
	int cp = mfi_pst_item_codepage(att, b->pf->ascii_codepage);
	char *name = mfi_pst_attachment_name(att, cp, index);
	char *why = NULL;
	GBytes *data = mfi_pst_attachment_data(att, &why);
	if (!data) {
		add_note(b, mixed, index, name, why);
		g_free(why);
		g_free(name);
		return;
	}
	gboolean opaque = method == ATTACH_OLE || (method >= ATTACH_BY_REFERENCE &&
	                                           method <= ATTACH_BY_REF_ONLY) ||
	                  method == ATTACH_BY_WEB_REF;
	char *type = opaque ? g_strdup("application/octet-stream")
	                    : mfi_pst_attachment_type(att, cp, name, data);
	GMimePart *part = bytes_part(b, type, data);
	char *cid = content_id(att, cp);
	gboolean inline_image = related && html_uses_cid(html, cid);
	if (cid)
		g_mime_object_set_content_id(GMIME_OBJECT(part), cid);
	g_mime_object_set_disposition(GMIME_OBJECT(part), inline_image ? "inline" : "attachment");
	set_filename(GMIME_OBJECT(part), name);
	if (opaque) {
		char *path = mfi_pst_get_string(att, MFI_PR_ATTACH_LONG_PATHNAME, cp);
		char *desc = method == ATTACH_OLE
		                     ? g_strdup("OLE object attachment, kept as stored")
		                     : g_strdup_printf("reference attachment%s%s, kept as stored",
		                                       path ? " to " : "", path ? path : "");
		g_mime_object_set_header(GMIME_OBJECT(part), "Content-Description", desc, "utf-8");
		g_free(desc);
		g_free(path);
	}
	g_mime_multipart_add(inline_image ? related : mixed, GMIME_OBJECT(part));
	g_object_unref(part);
	g_free(cid);
	g_free(type);
	g_bytes_unref(data);
	g_free(name);
}

static void add_embedded(mfi_pst_build *b, libpff_item_t *att, int index,
                         GMimeMultipart *mixed)
{
	int cp = mfi_pst_item_codepage(att, b->pf->ascii_codepage);
	char *name = mfi_pst_attachment_name(att, cp, index);
	libpff_item_t *sub = NULL;
	libpff_error_t *err = NULL;
	if (b->depth >= 16 || libpff_attachment_get_item(att, &sub, &err) != 1) {
		char *why = b->depth >= 16 ? g_strdup("embedded messages nested too deep")
		                           : mfi_pst_error_text(&err);
		add_note(b, mixed, index, name, why);
		g_free(why);
		g_free(name);
		return;
	}
	b->depth++;
	GMimeMessage *inner = mfi_pst_build_message(b, sub, NULL);
	b->depth--;
	libpff_item_free(&sub, NULL);
	GMimeMessagePart *part = g_mime_message_part_new_with_message("rfc822", inner);
	g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
	char *fname = g_str_has_suffix(name, ".eml") ? g_strdup(name)
	                                             : g_strconcat(name, ".eml", NULL);
	set_filename(GMIME_OBJECT(part), fname);
	g_mime_multipart_add(mixed, GMIME_OBJECT(part));
	g_object_unref(part);
	g_object_unref(inner);
	g_free(fname);
	g_free(name);
}

void mfi_pst_each_attachment(libpff_item_t *message, mfi_pst_attachment_fn fn, gpointer data)
{
	libpff_error_t *err = NULL;
	int n = 0;
	if (libpff_message_get_number_of_attachments(message, &n, &err) != 1) {
		char *why = mfi_pst_error_text(&err);
		fn(NULL, -1, "the attachment table", why, data);
		g_free(why);
		return;
	}
	for (int i = 0; i < n; i++) {
		libpff_item_t *att = NULL;
		if (libpff_message_get_attachment(message, i, &att, &err) != 1) {
			char *why = mfi_pst_error_text(&err);
			char *name = g_strdup_printf("attachment-%d", i + 1);
			fn(NULL, i, name, why, data);
			g_free(name);
			g_free(why);
			continue;
		}
		fn(att, i, NULL, NULL, data);
		libpff_item_free(&att, NULL);
	}
}

typedef struct {
	mfi_pst_build *b;
	const char *html;
	GMimeMultipart *mixed, *related;
} mime_attach_ctx;

static void add_one(libpff_item_t *att, int index, const char *name, const char *why,
                    gpointer data)
{
	mime_attach_ctx *c = data;
	if (!att) {
		add_note(c->b, c->mixed, index, name, why);
		return;
	}
	int type = 0;
	gint64 method = 0;
	libpff_error_t *err = NULL;
	if (libpff_attachment_get_type(att, &type, &err) != 1)
		libpff_error_free(&err);
	mfi_pst_get_int(att, MFI_PR_ATTACH_METHOD, &method);
	if (type == LIBPFF_ATTACHMENT_TYPE_ITEM)
		add_embedded(c->b, att, index, c->mixed);
	else
		add_file(c->b, att, index, (int)method, c->html, c->mixed, c->related);
}

void mfi_pst_add_attachments(mfi_pst_build *b, libpff_item_t *message, const char *html,
                             GMimeMultipart *mixed, GMimeMultipart *related)
{
	mime_attach_ctx c = { b, html, mixed, related };
	mfi_pst_each_attachment(message, add_one, &c);
}
