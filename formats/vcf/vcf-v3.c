/* Normalises one card to vCard 3.0 (RFC 2426) for the writer.
 *
 * vCard 2.1 (versit): bare parameters ("TEL;HOME;VOICE") become TYPE=...,
 * ENCODING=QUOTED-PRINTABLE values are decoded and CHARSET= values converted
 * to UTF-8 (3.0 text is UTF-8; line breaks become "\n"), BASE64 becomes
 * ENCODING=b. vCard 4.0 (RFC 6350): KIND:group and MEMBER become Apple's
 * X-ADDRESSBOOKSERVER-KIND/-MEMBER, which 3.0 readers know. N and FN are
 * REQUIRED in 3.0: a missing one is derived from the other (FN falls back
 * to ORG, EMAIL or TEL). Values that are not UTF-8 and name no charset are
 * read as Windows-1252. */
#include "vcf.h"

#include <string.h>

static char *to_utf8(const char *bytes, gsize len, const char *charset)
{
	if (!charset && g_utf8_validate(bytes, (gssize)len, NULL))
		return g_strndup(bytes, len);
	char *out = g_convert(bytes, (gssize)len, "UTF-8", charset ? charset : "WINDOWS-1252",
	                      NULL, NULL, NULL);
	if (!out) {
		char *raw = g_strndup(bytes, len);
		out = g_utf8_make_valid(raw, -1);
		g_free(raw);
	}
	return out;
}

static int hex_value(char c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* Quoted-printable decoding; line breaks become 3.0's "\n" escape. */
static char *decode_qp(const char *value, const char *charset)
{
	GString *bytes = g_string_new(NULL);
	for (const char *p = value; *p; p++) {
		int hi, lo;
		if (*p == '=' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0) {
			g_string_append_c(bytes, (char)(hi * 16 + lo));
			p += 2;
		} else if (*p != '=') {
			g_string_append_c(bytes, *p);
		}
	}
	char *text = to_utf8(bytes->str, bytes->len, charset);
	g_string_free(bytes, TRUE);
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
	g_free(text);
	return g_string_free(out, FALSE);
}

static gboolean param_is(const char *param, const char *name, const char **value_r)
{
	gsize n = strlen(name);
	if (g_ascii_strncasecmp(param, name, n) != 0 || param[n] != '=')
		return FALSE;
	*value_r = param + n + 1;
	return TRUE;
}

/* Rewrites a property's parameters and value in place for 3.0. */
static void prop_to_v3(mfi_vcf_prop *p)
{
	GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
	const char *charset = NULL, *v;
	gboolean qp = FALSE, b64 = FALSE;
	for (guint i = 0; i < p->params->len; i++) {
		const char *param = p->params->pdata[i];
		const char *bare = strchr(param, '=') ? NULL : param;
		if (param_is(param, "CHARSET", &v))
			charset = v;
		else if ((bare && !g_ascii_strcasecmp(bare, "QUOTED-PRINTABLE")) ||
		         (param_is(param, "ENCODING", &v) && !g_ascii_strcasecmp(v, "QUOTED-PRINTABLE")))
			qp = TRUE;
		else if ((bare && !g_ascii_strcasecmp(bare, "BASE64")) ||
		         (param_is(param, "ENCODING", &v) &&
		          (!g_ascii_strcasecmp(v, "BASE64") || !g_ascii_strcasecmp(v, "b"))))
			b64 = TRUE;
		else if (bare && (!g_ascii_strcasecmp(bare, "8BIT") || !g_ascii_strcasecmp(bare, "7BIT")))
			continue;
		else if (param_is(param, "ENCODING", &v))
			continue; /* 8BIT, 7BIT: plain text in 3.0 */
		else if (bare)
			g_ptr_array_add(params, g_strconcat("TYPE=", bare, NULL));
		else
			g_ptr_array_add(params, g_strdup(param));
	}
	char *value = qp ? decode_qp(p->value, charset)
	              : b64 ? g_strdup(p->value) : to_utf8(p->value, strlen(p->value), charset);
	if (b64) { /* 2.1 folds base64 with bare whitespace; 3.0 folding is ours */
		char *w = value;
		for (const char *r = value; *r; r++)
			if (!g_ascii_isspace(*r))
				*w++ = *r;
		*w = '\0';
		g_ptr_array_add(params, g_strdup("ENCODING=b"));
	}
	g_free(p->value);
	p->value = value;
	g_ptr_array_unref(p->params);
	p->params = params;
	if (strcmp(p->name, "KIND") == 0 || strcmp(p->name, "MEMBER") == 0) {
		char *x = g_strconcat("X-ADDRESSBOOKSERVER-", p->name, NULL);
		g_free(p->name);
		p->name = x;
	}
}

static char *prop_to_line(const mfi_vcf_prop *p)
{
	GString *s = g_string_new(NULL);
	if (p->group)
		g_string_append_printf(s, "%s.", p->group);
	g_string_append(s, p->name);
	for (guint i = 0; i < p->params->len; i++)
		g_string_append_printf(s, ";%s", (char *)p->params->pdata[i]);
	g_string_append_printf(s, ":%s", p->value);
	return g_string_free(s, FALSE);
}

static const mfi_vcf_prop *find_prop(GPtrArray *props, const char *name)
{
	for (guint i = 0; i < props->len; i++) {
		const mfi_vcf_prop *p = props->pdata[i];
		if (strcmp(p->name, name) == 0 && *p->value)
			return p;
	}
	return NULL;
}

/* FN from N: "Prefix Given Additional Family Suffix". */
static char *fn_from_n(const char *n)
{
	char **parts = g_strsplit(n, ";", 5);
	static const int order[] = { 3, 1, 2, 0, 4 };
	GString *fn = g_string_new(NULL);
	guint len = g_strv_length(parts);
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		if ((guint)order[i] >= len || !*g_strstrip(parts[order[i]]))
			continue;
		if (fn->len)
			g_string_append_c(fn, ' ');
		g_string_append(fn, parts[order[i]]);
	}
	g_strfreev(parts);
	return g_string_free(fn, FALSE);
}

/* N from FN: the last word is the family name, the rest the given names. */
static char *n_from_fn(const char *fn)
{
	char *copy = g_strstrip(g_strdup(fn));
	char *space = strrchr(copy, ' ');
	char *n = space ? (*space = '\0', g_strdup_printf("%s;%s;;;", space + 1, copy))
	                : g_strdup_printf("%s;;;;", copy);
	g_free(copy);
	return n;
}

static char *fallback_fn(GPtrArray *props)
{
	static const char *const names[] = { "ORG", "EMAIL", "TEL", NULL };
	for (const char *const *name = names; *name; name++) {
		const mfi_vcf_prop *p = find_prop(props, *name);
		if (p) {
			char **parts = g_strsplit(p->value, ";", 2);
			char *fn = g_strdup(parts[0]);
			g_strfreev(parts);
			return fn;
		}
	}
	return g_strdup("");
}

/* Adds the "N:" / "FN:" lines the card lacks to `out`. */
static void add_names(GPtrArray *props, GString *out)
{
	const mfi_vcf_prop *n = find_prop(props, "N"), *fn = find_prop(props, "FN");
	char *fn_text = fn ? NULL : n ? fn_from_n(n->value) : NULL;
	if (!fn && (!fn_text || !*fn_text)) {
		g_free(fn_text);
		fn_text = fallback_fn(props);
	}
	if (fn_text) {
		char *line = g_strconcat("FN:", fn_text, NULL);
		mfi_vcf_append_folded(out, line);
		g_free(line);
	}
	if (!n) {
		char *n_text = n_from_fn(fn ? fn->value : fn_text);
		char *line = g_strconcat("N:", n_text, NULL);
		mfi_vcf_append_folded(out, line);
		g_free(line);
		g_free(n_text);
	}
	g_free(fn_text);
}

static gboolean skip_property(const mfi_vcf_prop *p)
{
	return strcmp(p->name, "BEGIN") == 0 || strcmp(p->name, "END") == 0 ||
	       strcmp(p->name, "VERSION") == 0 ||
	       ((strcmp(p->name, "N") == 0 || strcmp(p->name, "FN") == 0) && !*p->value);
}

char *mfi_vcf_card_to_v3(const char *text)
{
	GPtrArray *lines = mfi_vcf_unfold(text);
	GPtrArray *props = g_ptr_array_new_with_free_func((GDestroyNotify)mfi_vcf_prop_free);
	for (guint i = 0; i < lines->len; i++) {
		mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[i]);
		if (p && !skip_property(p)) {
			prop_to_v3(p);
			g_ptr_array_add(props, p);
		} else {
			mfi_vcf_prop_free(p);
		}
	}
	g_ptr_array_unref(lines);
	GString *out = g_string_new("BEGIN:VCARD\r\nVERSION:3.0\r\n");
	add_names(props, out);
	for (guint i = 0; i < props->len; i++) {
		char *line = prop_to_line(props->pdata[i]);
		mfi_vcf_append_folded(out, line);
		g_free(line);
	}
	g_string_append(out, "END:VCARD\r\n");
	g_ptr_array_unref(props);
	return g_string_free(out, FALSE);
}
