/* The CLDR Windows -> IANA zone table (see include/mailferry/windows-zones.h).
 * Data, not code: data/windowsZones.tsv says where it comes from. */
#include "mailferry/windows-zones.h"

#include <string.h>

#define ZONES_FILE "windowsZones.tsv"

static char *read_table_text(void)
{
	const char *dirs[] = { g_getenv("MAILFERRY_DATADIR"), MF_DATADIR,
#ifdef MF_SOURCE_DATADIR
	                       MF_SOURCE_DATADIR,
#endif
	                       NULL };
	char *text = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(dirs) && !text; i++) {
		if (!dirs[i])
			continue;
		char *path = g_build_filename(dirs[i], ZONES_FILE, NULL);
		if (!g_file_get_contents(path, &text, NULL, NULL))
			text = NULL;
		g_free(path);
	}
	return text;
}

static GHashTable *load_table(void)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char *text = read_table_text();
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		char *tab = strchr(*l, '\t');
		if (**l == '#' || !tab)
			continue;
		char *name = g_ascii_strdown(*l, tab - *l);
		g_hash_table_replace(table, g_strstrip(name), g_strstrip(g_strdup(tab + 1)));
	}
	g_strfreev(lines);
	g_free(text);
	return table;
}

const char *mf_windows_zone_to_iana(const char *windows_name)
{
	static gsize once = 0;
	static GHashTable *table;
	if (g_once_init_enter(&once)) {
		table = load_table();
		g_once_init_leave(&once, 1);
	}
	if (!windows_name)
		return NULL;
	char *key = g_ascii_strdown(windows_name, -1);
	g_strstrip(key);
	gsize n = strlen(key);
	if (n >= 2 && key[0] == '"' && key[n - 1] == '"') {
		memmove(key, key + 1, n - 2);
		key[n - 2] = '\0';
	}
	const char *iana = g_hash_table_lookup(table, key);
	g_free(key);
	return iana;
}

/* IANA zone -> Windows name as the table spells it; the first row wins. */
static GHashTable *load_reverse_table(void)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char *text = read_table_text();
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		char *tab = strchr(*l, '\t');
		if (**l == '#' || !tab)
			continue;
		char *iana = g_strstrip(g_strdup(tab + 1));
		if (g_hash_table_contains(table, iana))
			g_free(iana);
		else
			g_hash_table_insert(table, iana, g_strstrip(g_strndup(*l, tab - *l)));
	}
	g_strfreev(lines);
	g_free(text);
	return table;
}

const char *mf_windows_zone_from_iana(const char *iana)
{
	static gsize once = 0;
	static GHashTable *table;
	if (g_once_init_enter(&once)) {
		table = load_reverse_table();
		g_once_init_leave(&once, 1);
	}
	return iana ? g_hash_table_lookup(table, iana) : NULL;
}
