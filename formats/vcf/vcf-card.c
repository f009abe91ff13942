/* vCard text helpers: unfolding, content lines, 2.1/4.0 -> 3.0, folding.
 * References: vCard 2.1 (versit), RFC 2426 (3.0), RFC 6350 (4.0). */
#include "vcf.h"

#include <string.h>

#define VCF_FOLD_OCTETS 75

static gboolean is_quoted_printable(const char *logical)
{
	const char *colon = strchr(logical, ':');
	gsize head = colon ? (gsize)(colon - logical) : strlen(logical);
	char *up = g_ascii_strup(logical, head);
	gboolean qp = strstr(up, "QUOTED-PRINTABLE") != NULL;
	g_free(up);
	return qp;
}

gboolean mfi_vcf_is_continuation(const char *logical, const char *physical)
{
	if (physical[0] == ' ' || physical[0] == '\t')
		return TRUE;
	gsize n = strlen(logical);
	return n > 0 && logical[n - 1] == '=' && is_quoted_printable(logical);
}

void mfi_vcf_unfold_append(GString *logical, const char *physical)
{
	if (physical[0] == ' ' || physical[0] == '\t') {
		g_string_append(logical, physical + 1);
	} else {
		g_string_truncate(logical, logical->len - 1); /* the soft break '=' */
		g_string_append(logical, physical);
	}
}

GPtrArray *mfi_vcf_unfold(const char *text)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	char **phys = g_strsplit(text, "\n", -1);
	GString *logical = NULL;
	for (char **p = phys; *p; p++) {
		gsize n = strlen(*p);
		if (n > 0 && (*p)[n - 1] == '\r')
			(*p)[n - 1] = '\0';
		if (logical && mfi_vcf_is_continuation(logical->str, *p)) {
			mfi_vcf_unfold_append(logical, *p);
			continue;
		}
		if (logical)
			g_ptr_array_add(lines, g_string_free(logical, FALSE));
		logical = g_string_new(*p);
	}
	if (logical)
		g_ptr_array_add(lines, g_string_free(logical, FALSE));
	g_strfreev(phys);
	return lines;
}

/* Splits at `sep` outside double quotes. */
static GPtrArray *split_unquoted(const char *s, gsize len, char sep)
{
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	gsize start = 0;
	gboolean quoted = FALSE;
	for (gsize i = 0; i <= len; i++) {
		if (i < len && s[i] == '"')
			quoted = !quoted;
		if (i == len || (s[i] == sep && !quoted)) {
			g_ptr_array_add(parts, g_strndup(s + start, i - start));
			start = i + 1;
		}
	}
	return parts;
}

mfi_vcf_prop *mfi_vcf_prop_parse(const char *line)
{
	gboolean quoted = FALSE;
	const char *colon = NULL;
	for (const char *p = line; *p && !colon; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ':' && !quoted)
			colon = p;
	}
	if (!colon || colon == line)
		return NULL;
	GPtrArray *head = split_unquoted(line, colon - line, ';');
	mfi_vcf_prop *prop = g_new0(mfi_vcf_prop, 1);
	const char *name = head->pdata[0];
	const char *dot = strchr(name, '.');
	if (dot) {
		prop->group = g_strndup(name, dot - name);
		name = dot + 1;
	}
	prop->name = g_ascii_strup(name, -1);
	g_strstrip(prop->name);
	prop->params = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 1; i < head->len; i++)
		if (*(char *)head->pdata[i])
			g_ptr_array_add(prop->params, g_strdup(head->pdata[i]));
	prop->value = g_strdup(colon + 1);
	g_ptr_array_unref(head);
	if (!*prop->name) {
		mfi_vcf_prop_free(prop);
		return NULL;
	}
	return prop;
}

void mfi_vcf_prop_free(mfi_vcf_prop *prop)
{
	if (!prop)
		return;
	g_free(prop->group);
	g_free(prop->name);
	g_ptr_array_unref(prop->params);
	g_free(prop->value);
	g_free(prop);
}

mf_kind mfi_vcf_card_kind(const char *text)
{
	GPtrArray *lines = mfi_vcf_unfold(text);
	mf_kind kind = MF_KIND_CONTACT;
	for (guint i = 0; i < lines->len && kind == MF_KIND_CONTACT; i++) {
		mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[i]);
		if (p && (strcmp(p->name, "KIND") == 0 ||
		          strcmp(p->name, "X-ADDRESSBOOKSERVER-KIND") == 0) &&
		    g_ascii_strcasecmp(g_strstrip(p->value), "group") == 0)
			kind = MF_KIND_DISTLIST;
		mfi_vcf_prop_free(p);
	}
	g_ptr_array_unref(lines);
	return kind;
}

void mfi_vcf_append_folded(GString *out, const char *line)
{
	gsize len = strlen(line), pos = 0, room = VCF_FOLD_OCTETS;
	while (len - pos > room) {
		gsize cut = pos + room;
		/* Never between the bytes of one UTF-8 character. */
		while (cut > pos + 1 && ((guchar)line[cut] & 0xC0) == 0x80)
			cut--;
		g_string_append_len(out, line + pos, cut - pos);
		g_string_append(out, "\r\n ");
		pos = cut;
		room = VCF_FOLD_OCTETS - 1; /* the leading space counts */
	}
	g_string_append(out, line + pos);
	g_string_append(out, "\r\n");
}

char *mfi_vcf_escape_text(const char *s)
{
	GString *o = g_string_new(NULL);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == ',' || *s == ';')
			g_string_append_c(o, '\\');
		if (*s == '\r')
			continue;
		if (*s == '\n')
			g_string_append(o, "\\n");
		else
			g_string_append_c(o, *s);
	}
	return g_string_free(o, FALSE);
}

void mfi_vcf_append_line(GString *out, const char *name, const char *raw_value)
{
	char *l = g_strconcat(name, ":", raw_value, NULL);
	mfi_vcf_append_folded(out, l);
	g_free(l);
}

void mfi_vcf_append_text(GString *out, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	char *e = mfi_vcf_escape_text(value);
	mfi_vcf_append_line(out, name, e);
	g_free(e);
}

void mfi_vcf_append_list(GString *out, const char *name, const char *const *values)
{
	GString *v = g_string_new(NULL);
	for (const char *const *x = values; x && *x; x++) {
		char *e = mfi_vcf_escape_text(*x);
		if (*e)
			g_string_append_printf(v, "%s%s", v->len ? "," : "", e);
		g_free(e);
	}
	if (v->len)
		mfi_vcf_append_line(out, name, v->str);
	g_string_free(v, TRUE);
}

char *mfi_vcf_param_value(const char *value)
{
	GString *o = g_string_new(NULL);
	gboolean quote = FALSE;
	for (const char *s = value; s && *s; s++) {
		guchar c = (guchar)*s;
		if (c < 0x20 || c == 0x7f)
			continue;
		quote |= c == ',' || c == ':' || c == ';';
		g_string_append_c(o, c == '"' ? '\'' : (char)c);
	}
	if (quote) {
		g_string_prepend_c(o, '"');
		g_string_append_c(o, '"');
	}
	return g_string_free(o, FALSE);
}

char *mfi_vcf_prop_param(const mfi_vcf_prop *prop, const char *name)
{
	gsize n = strlen(name);
	for (guint i = 0; i < prop->params->len; i++) {
		const char *param = prop->params->pdata[i];
		if (g_ascii_strncasecmp(param, name, n) != 0 || param[n] != '=')
			continue;
		const char *v = param + n + 1;
		gsize len = strlen(v);
		if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
			return g_strndup(v + 1, len - 2);
		return g_strdup(v);
	}
	return NULL;
}

void mfi_vcf_append_binary(GString *out, const char *name, const char *type,
                           const char *filename, const void *data, gsize len)
{
	GString *head = g_string_new(name);
	g_string_append(head, ";ENCODING=b");
	if (type && *type) {
		char *v = mfi_vcf_param_value(type);
		g_string_append_printf(head, ";TYPE=%s", v);
		g_free(v);
	}
	if (filename && *filename) {
		char *v = mfi_vcf_param_value(filename);
		g_string_append_printf(head, ";X-FILENAME=%s", v);
		g_free(v);
	}
	char *b64 = g_base64_encode(data, len);
	mfi_vcf_append_line(out, head->str, b64);
	g_free(b64);
	g_string_free(head, TRUE);
}
