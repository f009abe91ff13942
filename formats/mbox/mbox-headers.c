/* Message state kept in mbox headers, and the header rewrite the writer does.
 *
 * mbox has no side files: a message's flags live in its own headers, as mutt,
 * Dovecot and Thunderbird write them. Status: R = seen, O = old (the message
 * is not recent); X-Status: A answered, F flagged, T draft, D deleted;
 * X-Keywords: IMAP keywords. Thunderbird's X-Mozilla-Status bit field is read
 * too. $Forwarded has no letter anywhere, so it travels as a keyword.
 */
#include "mbox.h"

#include <stdlib.h>
#include <string.h>

#define KEYWORD_FORWARDED "$Forwarded"

static gsize line_end(const char *msg, gsize len, gsize pos)
{
	const char *nl = memchr(msg + pos, '\n', len - pos);
	return nl ? (gsize)(nl - msg) + 1 : len;
}

/* [0, *hend_r) is the header block; *body_r is where the body starts (after
 * the empty line). FALSE when there is no empty line: all of it is headers. */
static gboolean header_block(const char *msg, gsize len, gsize *hend_r, gsize *body_r)
{
	for (gsize pos = 0; pos < len;) {
		gsize e = line_end(msg, len, pos);
		if (mbox_line_is_blank(msg + pos, e - pos)) {
			*hend_r = pos;
			*body_r = e;
			return TRUE;
		}
		pos = e;
	}
	*hend_r = *body_r = len;
	return FALSE;
}

/* One header with its continuation lines: [*start_r, *end_r). */
static gboolean next_header(const char *msg, gsize hend, gsize *pos, gsize *start_r, gsize *end_r)
{
	if (*pos >= hend)
		return FALSE;
	*start_r = *pos;
	gsize e = line_end(msg, hend, *pos);
	while (e < hend && (msg[e] == ' ' || msg[e] == '\t'))
		e = line_end(msg, hend, e);
	*end_r = *pos = e;
	return TRUE;
}

static gboolean header_is(const char *h, gsize len, const char *name)
{
	gsize n = strlen(name);
	if (len <= n || g_ascii_strncasecmp(h, name, n) != 0)
		return FALSE;
	while (n < len && (h[n] == ' ' || h[n] == '\t'))
		n++;
	return n < len && h[n] == ':';
}

/* The unfolded, trimmed value of one header. Caller frees. */
static char *header_value(const char *h, gsize len)
{
	const char *colon = memchr(h, ':', len);
	GString *v = g_string_new(NULL);
	for (const char *p = colon ? colon + 1 : h + len; p < h + len; p++)
		if (*p != '\r' && *p != '\n')
			g_string_append_c(v, *p);
	return g_strstrip(g_string_free(v, FALSE));
}

static void add_keywords(const char *value, guint *flags, GPtrArray *keywords)
{
	char **words = g_strsplit_set(value, ", \t", -1);
	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		if (g_ascii_strcasecmp(*w, KEYWORD_FORWARDED) == 0)
			*flags |= MF_FLAG_FORWARDED;
		else if (keywords) {
			gboolean seen = FALSE;
			for (guint i = 0; i < keywords->len && !seen; i++)
				seen = strcmp(keywords->pdata[i], *w) == 0;
			if (!seen)
				g_ptr_array_add(keywords, g_strdup(*w));
		}
	}
	g_strfreev(words);
}

char *mbox_header_get(const char *msg, gsize len, const char *name)
{
	gsize hend, body, pos = 0, s, e;
	header_block(msg, len, &hend, &body);
	while (next_header(msg, hend, &pos, &s, &e))
		if (header_is(msg + s, e - s, name))
			return header_value(msg + s, e - s);
	return NULL;
}

static guint mozilla_flags(const char *value)
{
	guint64 bits = g_ascii_strtoull(value, NULL, 16);
	guint flags = 0;
	if (bits & 0x0001) flags |= MF_FLAG_SEEN;
	if (bits & 0x0002) flags |= MF_FLAG_ANSWERED;
	if (bits & 0x0004) flags |= MF_FLAG_FLAGGED;
	if (bits & 0x0008) flags |= MF_FLAG_DELETED;
	if (bits & 0x1000) flags |= MF_FLAG_FORWARDED;
	return flags;
}

void mbox_flags_from_headers(const char *msg, gsize len, guint *flags_r, GPtrArray *keywords)
{
	gsize hend, body, pos = 0, s, e;
	guint flags = 0;
	gboolean old = FALSE;
	header_block(msg, len, &hend, &body);
	while (next_header(msg, hend, &pos, &s, &e)) {
		const char *h = msg + s;
		gsize hl = e - s;
		if (!header_is(h, hl, "Status") && !header_is(h, hl, "X-Status") &&
		    !header_is(h, hl, "X-Keywords") && !header_is(h, hl, "X-Mozilla-Status"))
			continue;
		char *v = header_value(h, hl);
		if (header_is(h, hl, "Status")) {
			if (strchr(v, 'R')) flags |= MF_FLAG_SEEN;
			if (strchr(v, 'O')) old = TRUE;
		} else if (header_is(h, hl, "X-Status")) {
			if (strchr(v, 'A')) flags |= MF_FLAG_ANSWERED;
			if (strchr(v, 'F')) flags |= MF_FLAG_FLAGGED;
			if (strchr(v, 'T')) flags |= MF_FLAG_DRAFT;
			if (strchr(v, 'D')) flags |= MF_FLAG_DELETED;
		} else if (header_is(h, hl, "X-Keywords"))
			add_keywords(v, &flags, keywords);
		else
			flags |= mozilla_flags(v);
		g_free(v);
	}
	if (!old)
		flags |= MF_FLAG_RECENT;
	*flags_r = flags;
}

static gboolean header_dropped(const char *h, gsize len, gboolean drop_length)
{
	return header_is(h, len, "Status") || header_is(h, len, "X-Status") ||
	       header_is(h, len, "X-Keywords") ||
	       (drop_length && header_is(h, len, "Content-Length"));
}

/* A keyword as one header-safe word. */
static void append_keyword(GString *out, const char *kw)
{
	if (out->len && out->str[out->len - 1] != ' ')
		g_string_append_c(out, ' ');
	for (const char *p = kw; *p; p++)
		g_string_append_c(out, ((guchar)*p <= ' ' || *p == ',' || *p == 0x7f) ? '_' : *p);
}

static void append_state_headers(GString *out, const mf_item *item, const char *eol)
{
	guint f = item->flags;
	GString *v = g_string_new(NULL);
	if (f & MF_FLAG_SEEN) g_string_append_c(v, 'R');
	if (!(f & MF_FLAG_RECENT)) g_string_append_c(v, 'O');
	if (v->len)
		g_string_append_printf(out, "Status: %s%s", v->str, eol);
	g_string_truncate(v, 0);
	if (f & MF_FLAG_ANSWERED) g_string_append_c(v, 'A');
	if (f & MF_FLAG_FLAGGED) g_string_append_c(v, 'F');
	if (f & MF_FLAG_DRAFT) g_string_append_c(v, 'T');
	if (f & MF_FLAG_DELETED) g_string_append_c(v, 'D');
	if (v->len)
		g_string_append_printf(out, "X-Status: %s%s", v->str, eol);
	g_string_truncate(v, 0);
	for (guint i = 0; item->keywords && i < item->keywords->len; i++)
		if (*(const char *)item->keywords->pdata[i])
			append_keyword(v, item->keywords->pdata[i]);
	if (f & MF_FLAG_FORWARDED)
		append_keyword(v, KEYWORD_FORWARDED);
	if (v->len)
		g_string_append_printf(out, "X-Keywords: %s%s", v->str, eol);
	g_string_free(v, TRUE);
}

GString *mbox_message_head(const mf_item *item, gboolean set_length, mbox_body *body_r)
{
	gsize len = 0, hend, body, pos = 0, s, e;
	const char *msg = item->mime ? g_bytes_get_data(item->mime, &len) : "";
	const char *nl = memchr(msg, '\n', len);
	const char *eol = (nl && nl > msg && nl[-1] == '\r') ? "\r\n" : "\n";
	gboolean has_blank = header_block(msg, len, &hend, &body);
	GString *out = g_string_sized_new(MIN(hend, 65536) + 256);
	while (next_header(msg, hend, &pos, &s, &e))
		/* Content-Length is mbox storage, not message content: after quoting it
		 * would be stale, and readers that trust it (Dovecot) would cut the
		 * message wrongly. Dropped always; set again for mboxcl2. */
		if (!header_dropped(msg + s, e - s, TRUE))
			g_string_append_len(out, msg + s, (gssize)(e - s));
	if (out->len && out->str[out->len - 1] != '\n')
		g_string_append(out, eol);
	append_state_headers(out, item, eol);
	gboolean ends_nl = body < len && msg[len - 1] == '\n';
	if (set_length)
		g_string_append_printf(out, "Content-Length: %" G_GSIZE_FORMAT "%s",
		                       len - body + (body < len && !ends_nl ? strlen(eol) : 0), eol);
	if (has_blank || set_length)
		g_string_append_len(out, has_blank ? msg + hend : eol,
		                    has_blank ? (gssize)(body - hend) : -1);
	body_r->data = msg + body;
	body_r->len = len - body;
	body_r->tail = body < len && !ends_nl ? eol : "";
	body_r->eol = eol;
	return out;
}
