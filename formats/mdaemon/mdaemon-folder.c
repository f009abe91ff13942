/* What one MDaemon folder directory holds (formats.md D.1-D.4): *.msg message
 * files, groupware files (Calendar.mrk, ...), IMAP.MRK (flags, UIDs, dates,
 * joined to the files by name, ignoring case), HIWATER.MRK (folder class).
 * Everything else is reported, never skipped silently: unknown files,
 * symbolic links (not followed), IMAP.MRK records without a file, index damage.
 * *.IMAP sub-directories are folders of their own (mdaemon-walk.c). */
#include "mdaemon.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INDEX_BYTES (64u << 20)  /* IMAP.MRK: ~1.8 million records */
#define MAX_HIWATER_BYTES (1u << 20)
#define WORLDCLIENT_DIR "WC"         /* D.5: webmail cache, rebuilt by MDaemon */

/* Reads `len` bytes of fd; fewer when the file shrank meanwhile. NULL on a read error. */
static GBytes *read_all(int fd, gsize len)
{
	gsize got = 0;
	guint8 *data = g_malloc(len + 1);
	while (got < len) {
		ssize_t n = read(fd, data + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_free(data);
			return NULL;
		}
		if (n == 0)
			break;
		got += (gsize)n;
	}
	return g_bytes_new_take(data, got);
}

GBytes *mfi_mdaemon_read_file(const char *path, gsize max, GError **error)
{
	/* O_NONBLOCK: a FIFO planted in the store must not hang the run */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	const char *why = NULL;
	GBytes *bytes = NULL;
	if (fd < 0 || fstat(fd, &st) != 0)
		why = g_strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((guint64)st.st_size > max)
		why = "file too large";
	else if (!(bytes = read_all(fd, (gsize)st.st_size)))
		why = g_strerror(errno);
	if (why)
		g_set_error_literal(error, MF_ERROR, MF_ERROR_ITEM, why);
	if (fd >= 0)
		close(fd);
	return bytes;
}

static void ignore(GPtrArray *ignored, const char *rel, const char *name, const char *why)
{
	char *path = mfi_mdaemon_rel_join(rel, name);
	char *utf8 = mfi_mdaemon_name_utf8(path, -1);
	g_ptr_array_add(ignored, g_strdup_printf("%s: %s", utf8, why));
	g_free(utf8);
	g_free(path);
}

static GBytes *read_marker(const char *dir, const char *rel, const char *name, gsize max,
                           GPtrArray *ignored)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;
	GBytes *bytes = mfi_mdaemon_read_file(path, max, &error);
	if (!bytes) {
		ignore(ignored, rel, name, error->message);
		g_error_free(error);
	}
	g_free(path);
	return bytes;
}

/* IMAP.MRK damage that costs flags: reported, never fatal. */
static void load_index(mfi_mdaemon_contents *c, const char *dir, const char *rel,
                       const char *name, GPtrArray *ignored)
{
	GBytes *bytes = read_marker(dir, rel, name, MAX_INDEX_BYTES, ignored);
	gsize len = 0;
	const guint8 *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
	if (bytes && !mfi_mdaemon_mrk_parse(data, len, &c->mrk))
		ignore(ignored, rel, name, "shorter than its 36-byte header: no flags, UIDs or dates");
	char why[128];
	if (c->mrk.records && c->mrk.version != 1) {
		g_snprintf(why, sizeof why, "header version %u, read as version 1", c->mrk.version);
		ignore(ignored, rel, name, why);
	}
	if (c->mrk.bad_names) {
		g_snprintf(why, sizeof why, "%u records with an unusable file name skipped",
		           c->mrk.bad_names);
		ignore(ignored, rel, name, why);
	}
	if (c->mrk.trailing) {
		g_snprintf(why, sizeof why,
		           "%" G_GSIZE_FORMAT " bytes of a truncated record at the end", c->mrk.trailing);
		ignore(ignored, rel, name, why);
	}
	if (bytes)
		g_bytes_unref(bytes);
}

static void load_hiwater(mfi_mdaemon_contents *c, const char *dir, const char *rel,
                         const char *name, GPtrArray *ignored)
{
	GBytes *bytes = read_marker(dir, rel, name, MAX_HIWATER_BYTES, ignored);
	gsize len = 0;
	const char *text = bytes ? g_bytes_get_data(bytes, &len) : NULL;
	if (text)
		c->cls = mfi_mdaemon_hiwater_class(text, len);
	if (bytes)
		g_bytes_unref(bytes);
}

/* IMAP.MRK and HIWATER.MRK of the folder: the first of each name in sorted
 * order (a store copied onto a case-sensitive file system may hold two). */
static void load_markers(mfi_mdaemon_contents *c, const char *dir, const char *rel,
                         GPtrArray *names, const char **index_r, const char **hiwater_r,
                         GPtrArray *ignored)
{
	*index_r = *hiwater_r = NULL;
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		gboolean is_index = mfi_mdaemon_name_is(name, MFI_MDAEMON_INDEX_FILE);
		gboolean is_hiwater = mfi_mdaemon_name_is(name, MFI_MDAEMON_HIWATER_FILE);
		const char **slot = is_index ? index_r : is_hiwater ? hiwater_r : NULL;
		if (!slot)
			continue;
		if (*slot) {
			ignore(ignored, rel, name,
			       "second copy of the file under another case; not read");
			continue;
		}
		*slot = name;
		if (is_index)
			load_index(c, dir, rel, name, ignored);
		else
			load_hiwater(c, dir, rel, name, ignored);
	}
}

static void add_file(mfi_mdaemon_contents *c, const char *name, mfi_mdaemon_file_kind kind,
                     const struct stat *st)
{
	mfi_mdaemon_file f = { g_strdup(name), kind, (guint64)st->st_size,
	                       st->st_mtime > 0 ? (gint64)st->st_mtime : 0, NULL };
	g_array_append_val(c->files, f);
	c->bytes += f.size;
}

/* A directory inside a folder: a sub-folder (walked on its own) or reported. */
static void classify_dir(const char *rel, const char *name, gboolean is_inbox,
                         GPtrArray *ignored)
{
	char *segment = mfi_mdaemon_folder_segment(name);
	if (!segment) {
		gboolean wc = is_inbox && mfi_mdaemon_name_is(name, WORLDCLIENT_DIR);
		ignore(ignored, rel, name, wc ? "directory: WorldClient cache (messages.idx), not read"
		                              : "directory, not a .IMAP folder");
	}
	g_free(segment);
}

static void classify(mfi_mdaemon_contents *c, const char *dir, const char *rel,
                     const char *name, gboolean is_inbox, GPtrArray *ignored)
{
	char *path = g_build_filename(dir, name, NULL);
	struct stat st;
	if (lstat(path, &st) != 0)
		ignore(ignored, rel, name, g_strerror(errno));
	else if (S_ISLNK(st.st_mode))
		ignore(ignored, rel, name, "symbolic link, not followed");
	else if (S_ISDIR(st.st_mode))
		classify_dir(rel, name, is_inbox, ignored);
	else if (!S_ISREG(st.st_mode))
		ignore(ignored, rel, name, "not a regular file");
	else if (mfi_mdaemon_is_msg_name(name))
		add_file(c, name, MFI_MD_FILE_MESSAGE, &st);
	else if (mfi_mdaemon_is_groupware_file(name))
		add_file(c, name, MFI_MD_FILE_GROUPWARE, &st);
	else
		ignore(ignored, rel, name, c->cls == MFI_MD_CLASS_DOCUMENTS
		                               ? "file in a documents folder, not converted"
		                               : "unknown file");
	g_free(path);
}

/* Gives each message file its IMAP.MRK record; reports records without a
 * (message) file and second records for one file. */
static void join_records(mfi_mdaemon_contents *c, const char *rel, const char *index_name,
                         GPtrArray *ignored)
{
	GHashTable *by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < c->files->len; i++) {
		mfi_mdaemon_file *f = &g_array_index(c->files, mfi_mdaemon_file, i);
		if (f->kind == MFI_MD_FILE_MESSAGE)
			g_hash_table_insert(by_name, g_ascii_strdown(f->name, -1), f);
	}
	for (guint i = 0; c->mrk.records && i < c->mrk.records->len; i++) {
		const mfi_mdaemon_mrk_record *rec =
			&g_array_index(c->mrk.records, mfi_mdaemon_mrk_record, i);
		char *key = g_ascii_strdown(rec->name, -1);
		mfi_mdaemon_file *f = g_hash_table_lookup(by_name, key);
		char why[128];
		if (f && !f->record) {
			f->record = rec;
		} else {
			g_snprintf(why, sizeof why, "record %s uid %u: %s", rec->name, rec->uid,
			           f ? "second record for this file, not used" : "no such file");
			ignore(ignored, rel, index_name, why);
		}
		g_free(key);
	}
	g_hash_table_destroy(by_name);
}

static void file_clear(gpointer p)
{
	g_free(((mfi_mdaemon_file *)p)->name);
}

static gint file_compare(gconstpointer a, gconstpointer b)
{
	return strcmp(((const mfi_mdaemon_file *)a)->name, ((const mfi_mdaemon_file *)b)->name);
}

void mfi_mdaemon_contents_load(mfi_mdaemon_contents *c, const char *dir, const char *rel,
                               const char *segment, GPtrArray *ignored)
{
	memset(c, 0, sizeof *c);
	c->files = g_array_new(FALSE, FALSE, sizeof(mfi_mdaemon_file));
	g_array_set_clear_func(c->files, file_clear);
	GPtrArray *names = mfi_mdaemon_list_dir(dir);
	if (!names) {
		ignore(ignored, *rel ? rel : ".", "", "cannot list the folder directory");
		return;
	}
	const char *index_name, *hiwater_name;
	load_markers(c, dir, rel, names, &index_name, &hiwater_name, ignored);
	if (c->cls == MFI_MD_CLASS_MAIL && segment)
		c->cls = mfi_mdaemon_class_from_segment(segment);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		if (name != index_name && name != hiwater_name)
			classify(c, dir, rel, name, segment == NULL, ignored);
	}
	g_array_sort(c->files, file_compare);
	join_records(c, rel, index_name ? index_name : MFI_MDAEMON_INDEX_FILE, ignored);
	g_ptr_array_unref(names);
}

void mfi_mdaemon_contents_clear(mfi_mdaemon_contents *c)
{
	if (c->files)
		g_array_unref(c->files);
	c->files = NULL;
	mfi_mdaemon_mrk_clear(&c->mrk);
}
