/* Buffered line reading over one mbox file, and the variant detection pass.
 *
 * Files are read through stdio with one fixed-size buffer; only the current
 * line is held (and, in the reader, the current message). Detection is a
 * first streaming pass: a file is split by Content-Length only when every
 * message has one and each lands exactly on the next From_ line (optionally
 * after the blank separator line) or on the end of the file; anything less
 * and the From_ lines decide, as in mboxo/mboxrd.
 */
#include "mbox.h"

#include <errno.h>
#include <string.h>

#define MBOX_IO_BUFFER (64 * 1024)

gsize mbox_bom_length(const guint8 *head, gsize len)
{
	return (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
}

gboolean mbox_lines_open(mbox_lines *lines, const char *path, GError **error)
{
	memset(lines, 0, sizeof *lines);
	lines->fp = fopen(path, "rb");
	if (!lines->fp) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", path, g_strerror(errno));
		return FALSE;
	}
	lines->path = g_strdup(path);
	lines->iobuf = g_malloc(MBOX_IO_BUFFER);
	setvbuf(lines->fp, lines->iobuf, _IOFBF, MBOX_IO_BUFFER);
	guint8 head[3];
	gsize n = fread(head, 1, sizeof head, lines->fp);
	lines->start = mbox_bom_length(head, n);
	if (!mbox_lines_rewind(lines, error))
		return FALSE;
	mbox_from first = { 0 };
	int r = mbox_lines_next(lines, error);
	lines->dateless_ok = r > 0 && mbox_from_parse(lines->line, lines->len, &first) &&
	                     !first.has_date;
	mbox_from_clear(&first);
	return r >= 0 && mbox_lines_rewind(lines, error);
}

gboolean mbox_lines_at_from(const mbox_lines *lines)
{
	mbox_from from = { 0 };
	gboolean ok = mbox_from_parse(lines->line, lines->len, &from) &&
	              (from.has_date || lines->dateless_ok);
	mbox_from_clear(&from);
	return ok;
}

void mbox_lines_close(mbox_lines *lines)
{
	if (lines->fp)
		fclose(lines->fp);
	g_free(lines->iobuf);
	g_free(lines->line);
	g_free(lines->path);
	memset(lines, 0, sizeof *lines);
}

gboolean mbox_lines_rewind(mbox_lines *lines, GError **error)
{
	if (fseeko(lines->fp, (off_t)lines->start, SEEK_SET) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", lines->path,
		            g_strerror(errno));
		return FALSE;
	}
	clearerr(lines->fp);
	lines->line_off = lines->next_off = lines->start;
	lines->len = 0;
	return TRUE;
}

int mbox_lines_next(mbox_lines *lines, GError **error)
{
	ssize_t n = getline(&lines->line, &lines->cap, lines->fp);
	if (n < 0) {
		lines->len = 0;
		lines->line_off = lines->next_off;
		if (!ferror(lines->fp))
			return 0;
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: offset %" G_GUINT64_FORMAT ": %s",
		            lines->path, lines->next_off, g_strerror(errno));
		return -1;
	}
	lines->len = (gsize)n;
	lines->line_off = lines->next_off;
	lines->next_off += (guint64)n;
	return 1;
}

typedef enum { CL_FROM, CL_HEADERS, CL_BODY, CL_AFTER_BLANK, CL_FAILED } cl_state;

typedef struct {
	cl_state state;
	gint64 length;       /* Content-Length of the current message, -1 if none */
	guint64 target;      /* where its body ends */
	guint messages;
	gboolean body_from;  /* an unquoted ^From  inside a Content-Length body */
	gboolean quoted;     /* some ^>From  */
	gboolean deep_quoted;/* some ^>>+From  */
} detect_state;

static void detect_new_message(detect_state *d, const mbox_lines *lines)
{
	if (mbox_lines_at_from(lines)) {
		d->state = CL_HEADERS;
		d->length = -1;
		d->messages++;
	} else {
		d->state = CL_FAILED;
	}
}

static void detect_headers(detect_state *d, const char *line, gsize len, guint64 off)
{
	if (mbox_line_is_blank(line, len)) {
		d->state = d->length < 0 ? CL_FAILED : CL_BODY;
		d->target = off + len + (guint64)d->length;
	} else if (len > 15 && g_ascii_strncasecmp(line, "Content-Length:", 15) == 0) {
		char *end;
		const char *v = line + 15;
		while (*v == ' ' || *v == '\t')
			v++;
		guint64 n = g_ascii_strtoull(v, &end, 10);
		d->length = (end != v && n < G_MAXINT64) ? (gint64)n : -1;
	}
}

static void detect_step(detect_state *d, const mbox_lines *lines)
{
	const char *line = lines->line;
	gsize len = lines->len;
	guint64 off = lines->line_off;
	gsize depth = mbox_line_quote_depth(line, len);
	d->quoted |= depth == 1;
	d->deep_quoted |= depth > 1;
	switch (d->state) {
	case CL_FROM:
	case CL_AFTER_BLANK:
		detect_new_message(d, lines);
		break;
	case CL_HEADERS:
		detect_headers(d, line, len, off);
		break;
	case CL_BODY:
		if (off < d->target)
			d->body_from |= mbox_line_starts_from(line, len);
		else if (off > d->target)
			d->state = CL_FAILED;
		else if (mbox_line_is_blank(line, len))
			d->state = CL_AFTER_BLANK;
		else
			detect_new_message(d, lines);
		break;
	case CL_FAILED:
		break;
	}
}

gboolean mbox_detect_variant(mbox_lines *lines, mbox_variant *variant_r, GError **error)
{
	detect_state d = { .state = CL_FROM, .length = -1 };
	int r;
	while ((r = mbox_lines_next(lines, error)) > 0)
		detect_step(&d, lines);
	if (r < 0)
		return FALSE;
	gboolean cl_ok = d.messages > 0 &&
	                 ((d.state == CL_BODY && d.target == lines->next_off) ||
	                  d.state == CL_AFTER_BLANK);
	if (cl_ok)
		*variant_r = (!d.body_from && d.quoted) ? MBOX_VARIANT_CL : MBOX_VARIANT_CL2;
	else
		*variant_r = d.deep_quoted ? MBOX_VARIANT_RD : MBOX_VARIANT_O;
	return mbox_lines_rewind(lines, error);
}

gboolean mbox_file_looks_like_mbox(const char *path)
{
	guint8 head[1024];
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return FALSE;
	gsize n = fread(head, 1, sizeof head, fp);
	fclose(fp);
	gsize bom = mbox_bom_length(head, n);
	const guint8 *nl = memchr(head + bom, '\n', n - bom);
	gsize line_len = nl ? (gsize)(nl - head) + 1 - bom : n - bom;
	return mbox_from_parse((const char *)head + bom, line_len, NULL);
}
