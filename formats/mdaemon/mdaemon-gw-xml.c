/* The XML layer of the MDaemon groupware files (Calendar.mrk, AddrBook.mrk, ...):
 * libxml2 with recovery, no network, no entity substitution, no DTD loading.
 * The files have no XML declaration (UTF-8 in the observed Calendar.mrk, D.6);
 * bytes that are not UTF-8 are read as Windows-1252, the code page of the
 * Windows servers that write them. What libxml2 recovered from is kept with
 * its line, so the element it belongs to can carry it as its problem. */
#include "mdaemon-gw.h"

#include <libxml/parser.h>
#include <string.h>

#define MAX_FILE_BYTES (1024u * 1024u * 1024u) /* 1 GiB: beyond any real groupware file */
#define MAX_ERRORS 64

static void collect_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	mfi_mdgw_file *f = ctxt ? ctxt->_private : NULL;
	if (!f || !e || f->errs->len >= MAX_ERRORS || e->level == XML_ERR_WARNING)
		return;
	mfi_mdgw_xml_error err = { .line = e->line };
	char *msg = g_strstrip(g_strdelimit(g_strdup(e->message ? e->message : "XML error"), "\r\n", ' '));
	/* "Premature end of data in tag X line N" (libxml2 reports the innermost
	 * unclosed tag, N in int1): it belongs to that tag, not to the end of file */
	if (e->code == XML_ERR_TAG_NOT_FINISHED && e->int1 > 0)
		err.line = e->int1;
	if (e->code == XML_ERR_TAG_NOT_FINISHED && ctxt->nameNr <= 1)
		err.root_unclosed = TRUE;
	err.msg = g_strdup_printf("line %d: %s", e->line, msg);
	g_free(msg);
	g_array_append_val(f->errs, err);
}

static xmlDoc *parse(mfi_mdgw_file *f, const char *data, gsize len)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return NULL;
	ctxt->sax->serror = collect_error;
	ctxt->_private = f;
	/* a byte order mark says it all (libxml2 reads it); else UTF-8 when valid */
	gboolean bom = len >= 2 && (((guchar)data[0] == 0xff && (guchar)data[1] == 0xfe) ||
	                            ((guchar)data[0] == 0xfe && (guchar)data[1] == 0xff) ||
	                            (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0));
	const char *enc = bom ? NULL
	                      : g_utf8_validate(data, (gssize)len, NULL) ? "UTF-8" : "WINDOWS-1252";
	xmlDoc *doc = xmlCtxtReadMemory(ctxt, data, (int)len, f->path, enc,
	                                XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_BIG_LINES |
	                                XML_PARSE_NOWARNING);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

xmlDoc *mfi_mdgw_load(mfi_mdgw_file *f, GError **error)
{
	char *data = NULL;
	gsize len = 0;
	GError *err = NULL;
	if (!g_file_get_contents(f->path, &data, &len, &err)) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: cannot read: %s", f->path,
		            err->message);
		g_error_free(err);
		return NULL;
	}
	xmlDoc *doc = NULL;
	if (len > MAX_FILE_BYTES)
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %" G_GSIZE_FORMAT
		            " bytes is too large for a groupware file", f->path, len);
	else if (len > 0)
		doc = parse(f, data, len);
	f->data = data;
	f->len = len;
	if (doc && !xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc && error && !*error) {
		char *why = mfi_mdgw_unclaimed_errors(f);
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: no XML element in the file%s%s",
		            f->path, why ? ": " : "", why ? why : "");
		g_free(why);
	}
	return doc;
}

/* The last line that belongs to n: the line before its next element sibling,
 * else the last line of its descendants (G_MAXINT for the root). */
static long node_last_line(xmlNode *n)
{
	for (xmlNode *s = n->next; s; s = s->next)
		if (s->type == XML_ELEMENT_NODE)
			return MAX(xmlGetLineNo(s) - 1, xmlGetLineNo(n));
	if (!n->parent || n->parent->type != XML_ELEMENT_NODE)
		return G_MAXINT;
	long last = xmlGetLineNo(n);
	for (xmlNode *c = n->last; c; c = c->prev) {
		long l = c->type == XML_ELEMENT_NODE ? node_last_line(c) : xmlGetLineNo(c);
		if (l > last && l != G_MAXINT)
			last = l;
	}
	/* a text node's line is where it ends; the closing tag may be one further */
	return last + 1;
}

char *mfi_mdgw_node_error(mfi_mdgw_file *f, xmlNode *n)
{
	long first = xmlGetLineNo(n), last = node_last_line(n);
	GString *out = NULL;
	for (guint i = 0; i < f->errs->len; i++) {
		mfi_mdgw_xml_error *e = &g_array_index(f->errs, mfi_mdgw_xml_error, i);
		if (e->root_unclosed || e->line < first || e->line > last)
			continue;
		e->claimed = TRUE;
		if (!out)
			out = g_string_new(NULL);
		g_string_append_printf(out, "%s%s", out->len ? "; " : "", e->msg);
	}
	return out ? g_string_free(out, FALSE) : NULL;
}

char *mfi_mdgw_unclaimed_errors(const mfi_mdgw_file *f)
{
	GString *out = NULL;
	for (guint i = 0; i < f->errs->len; i++) {
		const mfi_mdgw_xml_error *e = &g_array_index(f->errs, mfi_mdgw_xml_error, i);
		if (e->claimed)
			continue;
		if (!out)
			out = g_string_new(NULL);
		g_string_append_printf(out, "%s%s", out->len ? "; " : "", e->msg);
	}
	return out ? g_string_free(out, FALSE) : NULL;
}

char *mfi_mdgw_node_source(const mfi_mdgw_file *f, xmlNode *n)
{
	long first = xmlGetLineNo(n), last = node_last_line(n), line = 1;
	const char *p = f->data, *end = f->data + f->len, *from = NULL;
	for (; p && p < end && line <= last; p++) {
		if (line == first && !from)
			from = p;
		if (*p == '\n')
			line++;
	}
	if (!from)
		return g_strdup("");
	gsize n_bytes = MIN((gsize)(p - from), 64 * 1024);
	if (g_utf8_validate(from, (gssize)n_bytes, NULL))
		return g_strndup(from, n_bytes);
	char *utf8 = g_convert(from, (gssize)n_bytes, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	return utf8 ? utf8 : g_utf8_make_valid(from, (gssize)n_bytes);
}

void mfi_mdgw_file_clear(mfi_mdgw_file *f)
{
	g_free(f->data);
	for (guint i = 0; f->errs && i < f->errs->len; i++)
		g_free(g_array_index(f->errs, mfi_mdgw_xml_error, i).msg);
	if (f->errs)
		g_array_unref(f->errs);
	g_free(f->name);
}

/* ---- element access ------------------------------------------------------ */

gboolean mfi_mdgw_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->name &&
	       g_ascii_strcasecmp((const char *)n->name, name) == 0;
}

xmlNode *mfi_mdgw_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (mfi_mdgw_is(c, name))
			return c;
	return NULL;
}

char *mfi_mdgw_text(const xmlNode *n)
{
	if (!n)
		return NULL;
	xmlChar *x = xmlNodeGetContent(n);
	char *s = g_strdup(x ? (const char *)x : "");
	xmlFree(x);
	return s;
}

char *mfi_mdgw_child_text(const xmlNode *n, const char *name)
{
	char *s = mfi_mdgw_text(mfi_mdgw_child(n, name));
	if (s && !*g_strstrip(s)) {
		g_free(s);
		s = NULL;
	}
	return s;
}

char *mfi_mdgw_attr(const xmlNode *n, const char *name)
{
	for (xmlAttr *a = n ? n->properties : NULL; a; a = a->next)
		if (a->name && g_ascii_strcasecmp((const char *)a->name, name) == 0) {
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			char *s = g_strdup(v ? (const char *)v : "");
			xmlFree(v);
			return s;
		}
	return NULL;
}

gint64 mfi_mdgw_attr_int(const xmlNode *n, const char *name, gint64 dflt)
{
	char *v = mfi_mdgw_attr(n, name), *end = NULL;
	gint64 out = dflt;
	if (v && *g_strstrip(v)) {
		gint64 x = g_ascii_strtoll(v, &end, 10);
		if (end && *end == '\0')
			out = x;
	}
	g_free(v);
	return out;
}

char *mfi_mdgw_xname(const char *name)
{
	char *up = g_ascii_strup(name ? name : "", -1);
	for (char *p = up; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-')
			*p = '-';
	char *x = g_strconcat("X-MDAEMON-", up, NULL);
	g_free(up);
	return x;
}

char *mfi_mdgw_node_xml(xmlNode *n)
{
	xmlBuffer *buf = xmlBufferCreate();
	xmlNodeDump(buf, n->doc, n, 0, 0);
	char *s = g_strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

char *mfi_mdgw_node_value(xmlNode *n)
{
	gboolean nested = n->properties != NULL;
	for (xmlNode *c = n->children; c && !nested; c = c->next)
		nested = c->type == XML_ELEMENT_NODE;
	return nested ? mfi_mdgw_node_xml(n) : mfi_mdgw_text(n);
}

gboolean mfi_mdgw_time(const char *text, struct icaltimetype *t_r)
{
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
	if (!text)
		return FALSE;
	int n = sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
	if (n == 3 && strchr(text, 'T')) /* ISO form "2023-10-03T03:39:03" */
		n = sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
	if (n != 3 && n < 5)
		return FALSE;
	if (y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > icaltime_days_in_month(mo, y) || h > 23 || mi > 59 || s > 60 || h < 0 ||
	    mi < 0 || s < 0)
		return FALSE;
	struct icaltimetype t = icaltime_null_time();
	t.year = y, t.month = mo, t.day = d, t.hour = h, t.minute = mi, t.second = MIN(s, 59);
	*t_r = t;
	return TRUE;
}
