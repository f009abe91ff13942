/* --rename 's/FROM/TO/[g]': rewrites the folder path "a/b/c" with GRegex, in the
 * order the options were given, then splits it back into segments. */
#include "mailferry/transform.h"
#include "mailferry/driver.h"

#include <string.h>

/* Splits "s<d>FROM<d>TO<d>[g]" honouring backslash-escaped delimiters. */
static gboolean split_spec(const char *spec, char **from_r, char **to_r, char **flags_r)
{
	if (!spec || spec[0] != 's' || !spec[1] || g_ascii_isalnum(spec[1]) || spec[1] == '\\')
		return FALSE;
	char delim = spec[1];
	GString *parts[3] = { g_string_new(""), g_string_new(""), g_string_new("") };
	int part = 0;
	for (const char *p = spec + 2; *p; p++) {
		if (part < 2 && *p == '\\' && p[1] == delim) {
			g_string_append_c(parts[part], delim);
			p++;
		} else if (part < 2 && *p == delim) {
			part++;
		} else {
			g_string_append_c(parts[part], *p);
		}
	}
	if (part != 2) {
		for (int i = 0; i < 3; i++)
			g_string_free(parts[i], TRUE);
		return FALSE;
	}
	*from_r = g_string_free(parts[0], FALSE);
	*to_r = g_string_free(parts[1], FALSE);
	*flags_r = g_string_free(parts[2], FALSE);
	return TRUE;
}

mf_rename *mf_rename_parse(const char *spec, GError **error)
{
	char *from, *to, *flags;
	if (!split_spec(spec, &from, &to, &flags)) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
		            "--rename '%s': expected s/FROM/TO/ (optionally with a g flag)", spec);
		return NULL;
	}
	gboolean global = strchr(flags, 'g') != NULL;
	GRegexCompileFlags cflags = strchr(flags, 'i') ? G_REGEX_CASELESS : 0;
	gboolean flags_ok = strspn(flags, "gi") == strlen(flags);
	GError *re_error = NULL;
	GRegex *regex = flags_ok ? g_regex_new(from, cflags, 0, &re_error) : NULL;
	mf_rename *rename = NULL;
	if (!flags_ok) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--rename '%s': unknown flags '%s'",
		            spec, flags);
	} else if (!regex) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--rename '%s': %s", spec,
		            re_error->message);
		g_error_free(re_error);
	} else if (!g_regex_check_replacement(to, NULL, &re_error)) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--rename '%s': %s", spec,
		            re_error->message);
		g_error_free(re_error);
		g_regex_unref(regex);
	} else {
		rename = g_new0(mf_rename, 1);
		rename->regex = regex;
		rename->replacement = g_strdup(to);
		rename->global = global;
	}
	g_free(from);
	g_free(to);
	g_free(flags);
	return rename;
}

void mf_rename_free(mf_rename *rename)
{
	if (!rename)
		return;
	g_regex_unref(rename->regex);
	g_free(rename->replacement);
	g_free(rename);
}

static char *replace_first(const mf_rename *r, const char *path)
{
	GMatchInfo *m = NULL;
	char *next;
	if (g_regex_match(r->regex, path, 0, &m)) {
		int start, end;
		g_match_info_fetch_pos(m, 0, &start, &end);
		char *expanded = g_match_info_expand_references(m, r->replacement, NULL);
		next = g_strdup_printf("%.*s%s%s", start, path, expanded ? expanded : "", path + end);
		g_free(expanded);
	} else {
		next = g_strdup(path);
	}
	g_match_info_free(m);
	return next;
}

static mf_transform_result folder_rename(mf_item *item, const mf_options *opts,
                                         mf_report *report, char **reason_r)
{
	(void)report;
	(void)reason_r;
	if (!opts->renames || opts->renames->len == 0)
		return MF_TRANSFORM_KEEP;
	char *path = mf_folder_to_string((const char *const *)item->folder);
	for (guint i = 0; i < opts->renames->len; i++) {
		mf_rename *r = opts->renames->pdata[i];
		char *next = r->global
			? g_regex_replace(r->regex, path, -1, 0, r->replacement, 0, NULL)
			: replace_first(r, path);
		if (next) {
			g_free(path);
			path = next;
		}
	}
	char **segments = mf_folder_from_string(path);
	g_strfreev(item->folder);
	item->folder = segments;
	g_free(path);
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_folder_rename = { .name = "folder-rename", .apply = folder_rename };
