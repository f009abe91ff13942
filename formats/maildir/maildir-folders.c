/* Finding the Maildirs under a source directory.
 *
 * A directory is a Maildir when it has cur/ or new/. Below a Maildir, a
 * directory ".A.B" is a Maildir++ subfolder named ["A","B"] (each part decoded
 * from IMAP modified UTF-7, as Dovecot stores them); any other directory is a
 * plain nested Maildir (or holds some) named by its directory name. Only the
 * folder list is kept in memory; the files of a folder are listed when the
 * reader reaches it (maildir-read.c).
 */
#include "maildir.h"
#include "mailferry/driver.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 32

void mfi_maildir_folder_free(gpointer p)
{
	mfi_maildir_folder *folder = p;
	if (!folder)
		return;
	g_free(folder->rel_dir);
	g_strfreev(folder->segments);
	g_free(folder);
}

char *mfi_maildir_rel_join(const char *rel_dir, const char *name)
{
	return rel_dir && *rel_dir ? g_strconcat(rel_dir, "/", name, NULL) : g_strdup(name);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *mfi_maildir_list_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL; /* errno from opendir() */
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
		errno = 0;
	}
	int saved = errno;
	closedir(d);
	if (saved) {
		g_ptr_array_unref(names);
		errno = saved;
		return NULL;
	}
	g_ptr_array_sort(names, compare_names);
	return names;
}

static gboolean is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static gboolean has_subdir(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL);
	gboolean yes = is_dir(path);
	g_free(path);
	return yes;
}

gboolean mfi_maildir_is_maildir(const char *dir)
{
	return has_subdir(dir, "cur") || has_subdir(dir, "new");
}

gboolean mfi_maildir_has_descendant(const char *dir, int levels)
{
	if (levels <= 0)
		return FALSE;
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return FALSE;
	gboolean found = FALSE;
	const char *name;
	while (!found && (name = g_dir_read_name(d))) {
		char *child = g_build_filename(dir, name, NULL);
		if (is_dir(child))
			found = mfi_maildir_is_maildir(child) ||
			        mfi_maildir_has_descendant(child, levels - 1);
		g_free(child);
	}
	g_dir_close(d);
	return found;
}

/* ---- the walk ---- */

typedef struct walk {
	const char *root;
	GPtrArray *folders;  /* mfi_maildir_folder* */
	GPtrArray *ignored;  /* char* */
	GHashTable *visited; /* "dev:ino" of directories entered (symlink loops) */
} walk;

static void walk_dir(walk *w, const char *rel_dir, GPtrArray *segments, int depth,
                     gboolean in_plusplus);

static char *name_to_utf8(const char *name)
{
	return g_utf8_make_valid(name, -1);
}

/* ".A.B" -> "A", "B" appended to `segments`; FALSE when no part is left. */
static gboolean plusplus_segments(const char *dirname, GPtrArray *segments)
{
	gboolean any = FALSE;
	char **parts = g_strsplit(dirname + 1, ".", -1);
	for (char **p = parts; *p; p++) {
		if (!**p)
			continue;
		char *decoded = mfi_imap_utf7_decode(*p);
		g_ptr_array_add(segments, decoded ? decoded : name_to_utf8(*p));
		any = TRUE;
	}
	g_strfreev(parts);
	return any;
}

static void add_folder(walk *w, const char *rel_dir, GPtrArray *segments)
{
	mfi_maildir_folder *folder = g_new0(mfi_maildir_folder, 1);
	folder->rel_dir = g_strdup(rel_dir);
	folder->segments = g_new0(char *, segments->len + 1);
	for (guint i = 0; i < segments->len; i++)
		folder->segments[i] = g_strdup(segments->pdata[i]);
	g_ptr_array_add(w->folders, folder);
}

static gboolean first_visit(walk *w, const struct stat *st)
{
	char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);
	if (g_hash_table_contains(w->visited, key)) {
		g_free(key);
		return FALSE;
	}
	g_hash_table_add(w->visited, key);
	return TRUE;
}

static gboolean is_maildir_part(const char *name)
{
	return strcmp(name, "cur") == 0 || strcmp(name, "new") == 0 || strcmp(name, "tmp") == 0;
}

/* Files a Maildir holds besides messages that this reader uses itself. */
static gboolean is_used_file(const char *name)
{
	return strcmp(name, MFI_MAILDIR_KEYWORDS_FILE) == 0 ||
	       strcmp(name, MFI_MAILDIR_FOLDER_MARKER) == 0;
}

static void add_ignored_dir(walk *w, const char *rel)
{
	char *with_slash = g_strconcat(rel, "/", NULL);
	g_ptr_array_add(w->ignored, name_to_utf8(with_slash));
	g_free(with_slash);
}

static void walk_child_dir(walk *w, const char *rel, const char *name, GPtrArray *segments,
                           int depth, gboolean parent_is_maildir, gboolean in_plusplus)
{
	guint before = segments->len;
	if (name[0] != '.') {
		g_ptr_array_add(segments, name_to_utf8(name));
		walk_dir(w, rel, segments, depth + 1, in_plusplus);
	} else if (parent_is_maildir && !in_plusplus && plusplus_segments(name, segments)) {
		walk_dir(w, rel, segments, depth + 1, TRUE);
	} else {
		/* .notmuch, .git, ".A" below a Maildir++ subfolder, ...: not mail */
		add_ignored_dir(w, rel);
	}
	g_ptr_array_set_size(segments, before);
}

static void walk_entry(walk *w, const char *rel_dir, const char *name, GPtrArray *segments,
                       int depth, gboolean is_maildir, gboolean in_plusplus)
{
	if (is_maildir && (is_maildir_part(name) || is_used_file(name)))
		return; /* cur/ new/ are read per folder; tmp/ is listed there too */
	char *rel = mfi_maildir_rel_join(rel_dir, name);
	char *path = g_build_filename(w->root, rel, NULL);
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		g_ptr_array_add(w->ignored, name_to_utf8(rel));
	else if (depth >= WALK_MAX_DEPTH || !first_visit(w, &st))
		add_ignored_dir(w, rel);
	else
		walk_child_dir(w, rel, name, segments, depth, is_maildir, in_plusplus);
	g_free(path);
	g_free(rel);
}

static void walk_dir(walk *w, const char *rel_dir, GPtrArray *segments, int depth,
                     gboolean in_plusplus)
{
	char *dir = g_build_filename(w->root, rel_dir, NULL);
	gboolean is_maildir = mfi_maildir_is_maildir(dir);
	if (is_maildir)
		add_folder(w, rel_dir, segments);
	GPtrArray *names = mfi_maildir_list_dir(dir);
	if (!names) {
		g_ptr_array_add(w->ignored, g_strdup_printf("%s/ (cannot list: %s)", *rel_dir ? rel_dir : ".",
		                                            g_strerror(errno)));
	} else {
		for (guint i = 0; i < names->len; i++)
			walk_entry(w, rel_dir, names->pdata[i], segments, depth, is_maildir,
			           in_plusplus);
		g_ptr_array_unref(names);
	}
	g_free(dir);
}

GPtrArray *mfi_maildir_find_folders(const char *root, GPtrArray *ignored, GError **error)
{
	struct stat st;
	if (stat(root, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "stat(%s) failed: %s", root,
		            g_strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: not a directory", root);
		return NULL;
	}
	DIR *probe = opendir(root);
	if (!probe) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "opendir(%s) failed: %s", root,
		            g_strerror(errno));
		return NULL;
	}
	closedir(probe);

	walk w = {
		.root = root,
		.folders = g_ptr_array_new_with_free_func(mfi_maildir_folder_free),
		.ignored = ignored,
		.visited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	};
	first_visit(&w, &st);
	GPtrArray *segments = g_ptr_array_new_with_free_func(g_free);
	walk_dir(&w, "", segments, 0, FALSE);
	g_ptr_array_unref(segments);
	g_hash_table_destroy(w.visited);
	return w.folders;
}
