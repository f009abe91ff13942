/* PostgreSQL COPY text format: the header line of a COPY block and its data
 * rows (one row a line, columns separated by TAB, \N = NULL, backslash
 * escapes \\ \b \f \n \r \t \v, \digits (octal, 1-3) and \xHH (1-2 hex
 * digits); any other backslashed character stands for itself). */
#include "calendarserver.h"

#include <string.h>

/* An identifier at *p: "quoted" (with "" for a quote) or plain; lower-cased
 * when plain (PostgreSQL folds unquoted names). Advances *p. */
static char *identifier(const char **p)
{
	const char *s = *p;
	GString *out = g_string_new(NULL);
	if (*s == '"') {
		for (s++; *s; s++) {
			if (*s == '"' && s[1] == '"')
				g_string_append_c(out, *s++);
			else if (*s == '"')
				break;
			else
				g_string_append_c(out, *s);
		}
		if (*s == '"')
			s++;
	} else {
		while (*s && (g_ascii_isalnum(*s) || *s == '_' || *s == '$'))
			g_string_append_c(out, g_ascii_tolower(*s++));
	}
	*p = s;
	return g_string_free(out, out->len == 0);
}

static void skip_blanks(const char **p)
{
	while (g_ascii_isspace(**p))
		(*p)++;
}

/* "(a, b, "c")" -> NULL-terminated vector; NULL when malformed. */
static char **column_list(const char **p)
{
	skip_blanks(p);
	if (**p != '(')
		return NULL;
	(*p)++;
	GPtrArray *cols = g_ptr_array_new();
	for (;;) {
		skip_blanks(p);
		char *name = identifier(p);
		if (!name)
			break;
		g_ptr_array_add(cols, name);
		skip_blanks(p);
		if (**p != ',')
			break;
		(*p)++;
	}
	g_ptr_array_add(cols, NULL);
	char **v = (char **)g_ptr_array_free(cols, FALSE);
	if (**p != ')' || !v[0]) {
		g_strfreev(v);
		return NULL;
	}
	(*p)++;
	return v;
}

/* After the column list: "FROM stdin;" or "FROM '$$PATH$$/1234.dat';". */
static gboolean copy_source(const char *p, char **from_r)
{
	skip_blanks(&p);
	if (g_ascii_strncasecmp(p, "FROM", 4) != 0)
		return FALSE;
	p += 4;
	skip_blanks(&p);
	if (g_ascii_strncasecmp(p, "stdin", 5) == 0) {
		*from_r = NULL;
		return TRUE;
	}
	if (*p != '\'')
		return FALSE;
	const char *end = strchr(p + 1, '\'');
	if (!end)
		return FALSE;
	char *quoted = g_strndup(p + 1, (gsize)(end - p - 1));
	*from_r = g_path_get_basename(quoted);
	g_free(quoted);
	return TRUE;
}

gboolean mfc_copy_parse_header(const char *line, char **table_r, char ***columns_r,
                               char **from_r)
{
	*table_r = NULL;
	*columns_r = NULL;
	*from_r = NULL;
	if (g_ascii_strncasecmp(line, "COPY ", 5) != 0)
		return FALSE;
	const char *p = line + 5;
	skip_blanks(&p);
	char *table = identifier(&p);
	while (table && *p == '.') { /* schema-qualified: keep the last name */
		p++;
		g_free(table);
		table = identifier(&p);
	}
	char **columns = table ? column_list(&p) : NULL;
	char *from = NULL;
	if (!columns || !copy_source(p, &from)) {
		g_free(table);
		g_strfreev(columns);
		return FALSE;
	}
	*table_r = table;
	*columns_r = columns;
	*from_r = from;
	return TRUE;
}

static int hex_digit(char c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* One escape after a backslash at s[0] (s < end); appends its byte and
 * returns how many characters after the backslash it used. */
static gsize unescape_one(const char *s, const char *end, GString *out)
{
	static const char plain[] = "btnrfv", made[] = "\b\t\n\r\f\v";
	const char *hit = strchr(plain, *s);
	if (*s && hit) {
		g_string_append_c(out, made[hit - plain]);
		return 1;
	}
	if (*s >= '0' && *s <= '7') {
		int v = 0;
		gsize n = 0;
		while (n < 3 && s + n < end && s[n] >= '0' && s[n] <= '7')
			v = v * 8 + (s[n++] - '0');
		g_string_append_c(out, (char)(v & 0xff));
		return n;
	}
	if (*s == 'x' && s + 1 < end && hex_digit(s[1]) >= 0) {
		int v = hex_digit(s[1]);
		gsize n = 2;
		if (s + 2 < end && hex_digit(s[2]) >= 0)
			v = v * 16 + hex_digit(s[n++]);
		g_string_append_c(out, (char)v);
		return n;
	}
	g_string_append_c(out, *s);
	return 1;
}

char *mfc_copy_unescape(const char *field, gsize len, gsize *len_r)
{
	if (len == 2 && field[0] == '\\' && field[1] == 'N') {
		if (len_r)
			*len_r = 0;
		return NULL;
	}
	GString *out = g_string_sized_new(len);
	const char *end = field + len;
	for (const char *s = field; s < end;) {
		const char *bs = memchr(s, '\\', (gsize)(end - s));
		if (!bs) {
			g_string_append_len(out, s, end - s);
			break;
		}
		g_string_append_len(out, s, bs - s);
		s = bs + 1;
		if (s < end)
			s += unescape_one(s, end, out);
		else
			g_string_append_c(out, '\\'); /* a lone backslash at the end */
	}
	if (len_r)
		*len_r = out->len;
	return g_string_free(out, FALSE);
}

GPtrArray *mfc_copy_split_row(const char *line, gsize len)
{
	GPtrArray *row = g_ptr_array_new_with_free_func(g_free);
	const char *end = line + len;
	const char *s = line;
	for (;;) {
		const char *tab = memchr(s, '\t', (gsize)(end - s));
		const char *stop = tab ? tab : end;
		g_ptr_array_add(row, mfc_copy_unescape(s, (gsize)(stop - s), NULL));
		if (!tab)
			break;
		s = tab + 1;
	}
	return row;
}

int mfc_column(char *const *columns, const char *name)
{
	for (int i = 0; columns && columns[i]; i++)
		if (strcmp(columns[i], name) == 0)
			return i;
	return -1;
}

const char *mfc_row_get(const GPtrArray *row, char *const *columns, const char *name)
{
	int i = mfc_column(columns, name);
	return i >= 0 && (guint)i < row->len ? row->pdata[i] : NULL;
}
