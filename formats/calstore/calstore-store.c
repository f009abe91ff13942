/* What the walkers found in a store: its collections (directories whose files
 * become items, with folder and owner) and everything else, listed as
 * ignored. Listings are sorted by name; links are never followed. */
#include "calstore.h"
#include "mailferry/file-walk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IGNORE_TREE_DEPTH 32

static void collection_free(gpointer data)
{
	mfi_calstore_collection *c = data;
	g_free(c->rel);
	g_strfreev(c->folder);
	g_free(c->mailbox);
	g_ptr_array_unref(c->files);
	g_free(c);
}

mfi_calstore_store *mfi_calstore_store_new(const char *root)
{
	mfi_calstore_store *s = g_new0(mfi_calstore_store, 1);
	s->root = g_strdup(root);
	for (gsize n = strlen(s->root); n > 1 && s->root[n - 1] == '/'; n--)
		s->root[n - 1] = '\0';
	s->collections = g_ptr_array_new_with_free_func(collection_free);
	s->ignored = g_ptr_array_new_with_free_func(g_free);
	s->folders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return s;
}

void mfi_calstore_store_free(mfi_calstore_store *s)
{
	if (!s)
		return;
	g_ptr_array_unref(s->collections);
	g_ptr_array_unref(s->ignored);
	g_hash_table_destroy(s->folders);
	g_free(s->root);
	g_free(s);
}

char *mfi_calstore_join(const char *rel, const char *name)
{
	return *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
}

char *mfi_calstore_path(const mfi_calstore_store *s, const char *rel)
{
	return *rel ? g_build_filename(s->root, rel, NULL) : g_strdup(s->root);
}

char *mfi_calstore_utf8(const char *name)
{
	char *valid = g_utf8_make_valid(name, -1);
	char *nfc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFC);
	g_free(valid);
	return nfc ? nfc : g_strdup("");
}

void mfi_calstore_ignore(mfi_calstore_store *s, const char *rel, const char *why)
{
	char *name = mfi_calstore_utf8(*rel ? rel : ".");
	g_ptr_array_add(s->ignored, g_strdup_printf("%s (%s)", name, why));
	g_free(name);
}

static void entry_free(gpointer data)
{
	mfi_calstore_entry *e = data;
	g_free(e->name);
	g_free(e);
}

static gint compare_entries(gconstpointer a, gconstpointer b)
{
	const mfi_calstore_entry *x = *(mfi_calstore_entry *const *)a;
	const mfi_calstore_entry *y = *(mfi_calstore_entry *const *)b;
	return strcmp(x->name, y->name);
}

GPtrArray *mfi_calstore_list(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return NULL;
	GPtrArray *entries = g_ptr_array_new_with_free_func(entry_free);
	const char *name;
	while ((name = g_dir_read_name(d))) {
		mfi_calstore_entry *e = g_new0(mfi_calstore_entry, 1);
		e->name = g_strdup(name);
		char *path = g_build_filename(dir, name, NULL);
		struct stat st;
		if (lstat(path, &st) == 0) {
			e->is_dir = S_ISDIR(st.st_mode);
			e->is_reg = S_ISREG(st.st_mode);
			e->is_link = S_ISLNK(st.st_mode);
		}
		g_free(path);
		g_ptr_array_add(entries, e);
	}
	g_dir_close(d);
	g_ptr_array_sort(entries, compare_entries);
	return entries;
}

gboolean mfi_calstore_has(const char *path, const char *name, gboolean want_dir)
{
	char *child = g_build_filename(path, name, NULL);
	struct stat st;
	gboolean yes = lstat(child, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
	g_free(child);
	return yes;
}

static void ignore_tree_at(mfi_calstore_store *s, const char *rel, const char *why, int depth)
{
	char *dir = mfi_calstore_path(s, rel);
	GPtrArray *entries = depth > 0 ? mfi_calstore_list(dir) : NULL;
	g_free(dir);
	if (!entries || entries->len == 0) {
		char *what = g_strdup_printf("%s; %s directory", why,
		                             !entries ? "unread" : "empty");
		mfi_calstore_ignore(s, rel, what);
		g_free(what);
	}
	for (guint i = 0; entries && i < entries->len; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child = mfi_calstore_join(rel, e->name);
		if (e->is_dir)
			ignore_tree_at(s, child, why, depth - 1);
		else
			mfi_calstore_ignore(s, child, e->is_reg ? why : mfi_calstore_entry_why(e));
		g_free(child);
	}
	if (entries)
		g_ptr_array_unref(entries);
}

void mfi_calstore_ignore_tree(mfi_calstore_store *s, const char *rel, const char *why)
{
	ignore_tree_at(s, rel, why, IGNORE_TREE_DEPTH);
}

/* Makes `folder` unique for `mailbox` among the collections so far. */
static char **unique_folder(mfi_calstore_store *s, const char *const *folder, const char *mailbox)
{
	char **f = g_strdupv((char **)folder);
	guint n = g_strv_length(f);
	char *base = n ? g_strdup(f[n - 1]) : NULL;
	for (guint copy = 2;; copy++) {
		char *path = mf_folder_to_string((const char *const *)f);
		char *key = g_strdup_printf("%s\n%s", mailbox ? mailbox : "", path);
		g_free(path);
		if (!g_hash_table_contains(s->folders, key)) {
			g_hash_table_add(s->folders, key);
			break;
		}
		g_free(key);
		if (!n) { /* the root twice: name the second one */
			g_strfreev(f);
			f = g_new0(char *, 2);
			base = g_strdup("Calendar");
			n = 1;
		}
		g_free(f[n - 1]);
		f[n - 1] = g_strdup_printf("%s (%u)", base, copy);
	}
	g_free(base);
	return f;
}

const char *mfi_calstore_why(const char *name, gboolean is_reg)
{
	if (!is_reg)
		return "not a regular file or directory; not followed";
	if (strcmp(name, ".DS_Store") == 0)
		return "Finder metadata";
	if (g_str_has_prefix(name, "._"))
		return "AppleDouble sidecar (extended attributes copied off HFS+); not read";
	if (g_str_has_prefix(name, ".db.sqlite"))
		return "CalendarServer collection index; the resource files are authoritative";
	if (strcmp(name, "Info.plist") == 0)
		return "property list; metadata only";
	if (g_str_has_prefix(name, "Calendar Cache"))
		return "Calendar.app Core Data SQLite cache of the same events; not read, the .ics "
		       "files are authoritative";
	if (g_str_has_prefix(name, "Calendar.sqlitedb"))
		return "Calendar.app SQLite store; not read (only the .ics files are)";
	return "not a calendar resource";
}

const char *mfi_calstore_entry_why(const mfi_calstore_entry *e)
{
	if (e->is_link)
		return "symbolic link; not followed";
	return mfi_calstore_why(e->name, e->is_reg);
}

/* The entries of collection sub-directory `sub` ("" = the collection itself):
 * resources to c->files, the rest ignored. */
static void collect_dir(mfi_calstore_store *s, mfi_calstore_collection *c, const char *sub,
                        const char *ext, gboolean recursive, const char *skip_name, int depth)
{
	char *rel = mfi_calstore_join(c->rel, sub);
	char *dir = mfi_calstore_path(s, rel);
	GPtrArray *entries = mfi_calstore_list(dir);
	g_free(dir);
	if (!entries)
		mfi_calstore_ignore(s, rel, "directory cannot be read");
	for (guint i = 0; entries && i < entries->len; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child_sub = mfi_calstore_join(sub, e->name);
		char *child_rel = mfi_calstore_join(c->rel, child_sub);
		if (e->is_reg && mf_has_extension(e->name, ext) && e->name[0] != '.')
			g_ptr_array_add(c->files, g_strdup(child_sub));
		else if (e->is_dir && recursive && depth > 0)
			collect_dir(s, c, child_sub, ext, recursive, NULL, depth - 1);
		else if (e->is_dir)
			mfi_calstore_ignore_tree(s, child_rel, "directory inside a collection; not read");
		else if (!skip_name || strcmp(e->name, skip_name) != 0)
			mfi_calstore_ignore(s, child_rel, mfi_calstore_entry_why(e));
		g_free(child_sub);
		g_free(child_rel);
	}
	if (entries)
		g_ptr_array_unref(entries);
	g_free(rel);
}

mfi_calstore_collection *mfi_calstore_add_collection(mfi_calstore_store *s, const char *rel,
                                                     const char *const *folder,
                                                     const char *mailbox, const char *ext,
                                                     gboolean recursive, const char *skip_name)
{
	mfi_calstore_collection *c = g_new0(mfi_calstore_collection, 1);
	c->rel = g_strdup(rel);
	c->folder = unique_folder(s, folder, mailbox);
	c->mailbox = g_strdup(mailbox);
	c->decoder = g_ascii_strcasecmp(ext, "vcf") == 0 ? &mf_vcf_reader : &mf_ics_reader;
	c->files = g_ptr_array_new_with_free_func(g_free);
	collect_dir(s, c, "", ext, recursive, skip_name, IGNORE_TREE_DEPTH);
	g_ptr_array_add(s->collections, c);
	return c;
}

guint8 *mfi_calstore_read_file(const char *path, gsize max, gsize *len_r, GError **error)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s", path,
		            fd < 0 ? g_strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if ((guint64)st.st_size > max) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %lld bytes: larger than the %"
		            G_GSIZE_FORMAT " bytes read for it", path, (long long)st.st_size, max);
		close(fd);
		return NULL;
	}
	guint8 *buf = g_malloc((gsize)st.st_size + 1);
	gsize got = 0;
	ssize_t n;
	while (got < (gsize)st.st_size && (n = read(fd, buf + got, (gsize)st.st_size - got)) > 0)
		got += (gsize)n;
	close(fd);
	buf[got] = '\0';
	*len_r = got;
	return buf;
}
