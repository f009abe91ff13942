/* Small xmlTextWriter helpers shared by the item writers. */
#include "ews.h"

#include <string.h>

char *mfi_ews_clean(const char *text)
{
	char *valid = g_utf8_make_valid(text, -1);
	GString *out = g_string_sized_new(strlen(valid));
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		gboolean ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0xFFFE &&
		              c != 0xFFFF && (c < 0xD800 || c > 0xDFFF));
		if (ok)
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

void mfi_ews_text(xmlTextWriterPtr w, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	char *clean = mfi_ews_clean(value);
	xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST clean);
	g_free(clean);
}

void mfi_ews_textf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *value = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	mfi_ews_text(w, name, value);
	g_free(value);
}

char *mfi_ews_utc(gint64 t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	if (!dt)
		dt = g_date_time_new_from_unix_utc(0);
	char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return s;
}

void mfi_ews_body(xmlTextWriterPtr w, const char *text)
{
	if (!text || !*text)
		return;
	char *clean = mfi_ews_clean(text);
	xmlTextWriterStartElement(w, BAD_CAST "t:Body");
	xmlTextWriterWriteAttribute(w, BAD_CAST "BodyType", BAD_CAST "Text");
	xmlTextWriterWriteString(w, BAD_CAST clean);
	xmlTextWriterEndElement(w);
	g_free(clean);
}

void mfi_ews_categories(xmlTextWriterPtr w, GPtrArray *names)
{
	if (!names || names->len == 0)
		return;
	xmlTextWriterStartElement(w, BAD_CAST "t:Categories");
	for (guint i = 0; i < names->len; i++)
		mfi_ews_text(w, "t:String", names->pdata[i]);
	xmlTextWriterEndElement(w);
}

void mfi_ews_add_unique(GPtrArray *names, const char *name)
{
	if (!name || !*name)
		return;
	for (guint i = 0; i < names->len; i++)
		if (g_ascii_strcasecmp(names->pdata[i], name) == 0)
			return;
	g_ptr_array_add(names, g_strdup(name));
}
