/* HIWATER.MRK (formats.md D.4): a Windows INI file; in a folder, section
 * [Groupware] key FolderClass gives the folder's class.
 *
 * Not GKeyFile: Windows INI files are not key files. GKeyFile rejects a whole
 * file for one line that is not "key=value" (any stray line MDaemon or an
 * admin left), does not take ';' comments, and wants UTF-8 where Windows
 * writes the ANSI code page. Windows' own reader (GetPrivateProfileString)
 * ignores case in sections and keys and skips lines it does not understand;
 * this does the same for the one lookup the reader needs. */
#include "mdaemon.h"

#include <string.h>

/* One line [start, end) trimmed of blanks and CR. */
static void trim(const char **start, const char **end)
{
	while (*start < *end && g_ascii_isspace(**start))
		(*start)++;
	while (*end > *start && g_ascii_isspace((*end)[-1]))
		(*end)--;
}

static gboolean span_is(const char *s, const char *e, const char *want)
{
	gsize n = strlen(want);
	return (gsize)(e - s) == n && g_ascii_strncasecmp(s, want, n) == 0;
}

/* "[name]" -> whether it is `section`; *is_section_r says whether the line is one. */
static gboolean section_line(const char *s, const char *e, const char *section,
                             gboolean *is_section_r)
{
	*is_section_r = e - s >= 2 && s[0] == '[';
	if (!*is_section_r)
		return FALSE;
	const char *close = memchr(s, ']', (gsize)(e - s));
	if (!close)
		return FALSE;
	const char *ns = s + 1, *ne = close;
	trim(&ns, &ne);
	return span_is(ns, ne, section);
}

/* "key = value" -> the value when the key is `key`, else NULL. */
static char *key_line(const char *s, const char *e, const char *key)
{
	const char *eq = memchr(s, '=', (gsize)(e - s));
	if (!eq)
		return NULL;
	const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
	trim(&ks, &ke);
	trim(&vs, &ve);
	if (!span_is(ks, ke, key))
		return NULL;
	return g_strndup(vs, (gsize)(ve - vs));
}

char *mfi_mdaemon_ini_get(const char *text, gsize len, const char *section, const char *key)
{
	if (!text)
		return NULL;
	const char *nul = memchr(text, '\0', len);
	const char *end = nul ? nul : text + len;
	gboolean in_section = FALSE;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (gsize)(end - line));
		const char *s = line, *e = nl ? nl : end;
		line = nl ? nl + 1 : end;
		trim(&s, &e);
		if (s == e || *s == ';' || *s == '#')
			continue;
		gboolean is_section;
		gboolean match = section_line(s, e, section, &is_section);
		if (is_section) {
			in_section = match;
			continue;
		}
		char *value = in_section ? key_line(s, e, key) : NULL;
		if (value)
			return value;
	}
	return NULL;
}

mfi_mdaemon_class mfi_mdaemon_hiwater_class(const char *text, gsize len)
{
	char *value = mfi_mdaemon_ini_get(text, len, "Groupware", "FolderClass");
	mfi_mdaemon_class cls = mfi_mdaemon_class_parse(value);
	g_free(value);
	return cls;
}
