/* Sorted directory walks for file-per-item readers (see include/mailferry/file-walk.h). */
#include "mailferry/file-walk.h"
#include "mailferry/driver.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

gboolean mf_has_extension(const char *name, const char *ext)
{
	gsize n = strlen(name), e = strlen(ext);
	return n > e + 1 && name[n - e - 1] == '.' && g_ascii_strcasecmp(name + n - e, ext) == 0;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *mf_list_dir_sorted(const char *dir, GError **error)
{
	GDir *d = g_dir_open(dir, 0, error);
	if (!d)
		return NULL;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	return names;
}

static void walk_dir(const char *root, const char *rel, const char *ext, GPtrArray *files,
                     GPtrArray *ignored)
{
	char *dir = *rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
	GPtrArray *names = mf_list_dir_sorted(dir, NULL);
	if (!names)
		g_ptr_array_add(ignored, g_strdup_printf("%s/ (unreadable directory)", *rel ? rel : "."));
	for (guint i = 0; names && i < names->len; i++) {
		const char *name = names->pdata[i];
		char *child_rel = *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
		char *child = g_build_filename(dir, name, NULL);
		struct stat st;
		gboolean ok = lstat(child, &st) == 0;
		if (ok && S_ISDIR(st.st_mode)) {
			walk_dir(root, child_rel, ext, files, ignored);
			g_free(child_rel);
		} else if (ok && S_ISREG(st.st_mode) && mf_has_extension(name, ext)) {
			g_ptr_array_add(files, child_rel);
		} else {
			g_ptr_array_add(ignored, child_rel);
		}
		g_free(child);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(dir);
}

gboolean mf_walk_files(const char *root, const char *ext, GPtrArray *files_r,
                        GPtrArray *ignored_r, GError **error)
{
	GError *local = NULL;
	GPtrArray *top = mf_list_dir_sorted(root, &local);
	if (!top) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "opendir(%s) failed: %s", root,
		            local->message);
		g_error_free(local);
		return FALSE;
	}
	g_ptr_array_unref(top);
	walk_dir(root, "", ext, files_r, ignored_r);
	return TRUE;
}

gboolean mf_tree_has_extension(const char *root, const char *ext, int depth)
{
	GPtrArray *names = depth >= 0 ? mf_list_dir_sorted(root, NULL) : NULL;
	gboolean found = FALSE;
	for (guint i = 0; names && i < names->len && !found; i++) {
		char *child = g_build_filename(root, names->pdata[i], NULL);
		struct stat st;
		gboolean ok = lstat(child, &st) == 0;
		if (ok && S_ISREG(st.st_mode))
			found = mf_has_extension(names->pdata[i], ext);
		else if (ok && S_ISDIR(st.st_mode))
			found = mf_tree_has_extension(child, ext, depth - 1);
		g_free(child);
	}
	if (names)
		g_ptr_array_unref(names);
	return found;
}

char **mf_folder_for_file(const char *rel, gboolean with_basename)
{
	char **parts = g_strsplit(rel, "/", -1);
	guint n = g_strv_length(parts);
	if (n == 0)
		return parts;
	if (with_basename) {
		char *dot = strrchr(parts[n - 1], '.');
		if (dot && dot != parts[n - 1])
			*dot = '\0';
	} else {
		g_free(parts[n - 1]);
		parts[n - 1] = NULL;
	}
	return parts;
}
