/* Maildir reader: one folder's listing and one message in memory at a time.
 *
 * Folders come from maildir-folders.c. When the reader reaches a folder it
 * lists new/ and cur/ (sorted by file name, then cur before new), notes tmp/
 * and dot files as ignored, and loads the folder's dovecot-keywords. Each
 * next() reads one file whole: Maildir messages are small, and nothing of
 * earlier messages is kept.
 */
#include "maildir.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

typedef struct entry {
	char *name;
	const char *sub; /* "cur" or "new" (static) */
	guint64 size;
	gint64 mtime;
} entry;

struct mf_reader {
	char *root;
	GPtrArray *folders;          /* mfi_maildir_folder*, all of them */
	guint next_folder;
	const mfi_maildir_folder *folder; /* borrowed from folders: the current one */
	GArray *entries;             /* entry, the current folder's messages */
	guint next_entry;
	mfi_maildir_keywords keywords; /* the current folder's */
	GPtrArray *ignored;          /* char*, paths relative to root */
	guint64 done, total;
};

static void entry_clear(gpointer p) { g_free(((entry *)p)->name); }

static gint entry_compare(gconstpointer a, gconstpointer b)
{
	const entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->sub, y->sub);
}

static void ignore(mf_reader *r, const char *rel_dir, const char *what)
{
	char *rel = mfi_maildir_rel_join(rel_dir, what);
	g_ptr_array_add(r->ignored, g_utf8_make_valid(rel, -1));
	g_free(rel);
}

static void list_messages(mf_reader *r, const char *sub)
{
	const char *rel_dir = r->folder->rel_dir;
	char *dir = g_build_filename(r->root, rel_dir, sub, NULL);
	GPtrArray *names = mfi_maildir_list_dir(dir);
	if (!names && errno != ENOENT) {
		char *what = g_strdup_printf("%s/ (cannot list: %s)", sub, g_strerror(errno));
		ignore(r, rel_dir, what);
		g_free(what);
	}
	for (guint i = 0; names && i < names->len; i++) {
		const char *name = names->pdata[i];
		char *rel = g_strconcat(sub, "/", name, NULL);
		char *path = g_build_filename(dir, name, NULL);
		struct stat st;
		if (name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			ignore(r, rel_dir, rel);
		} else {
			entry e = { g_strdup(name), sub, (guint64)st.st_size, (gint64)st.st_mtime };
			g_array_append_val(r->entries, e);
			r->total += e.size;
		}
		g_free(path);
		g_free(rel);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(dir);
}

/* tmp/ holds deliveries in progress: never messages, but never silently skipped. */
static void list_tmp(mf_reader *r)
{
	char *dir = g_build_filename(r->root, r->folder->rel_dir, "tmp", NULL);
	GPtrArray *names = mfi_maildir_list_dir(dir);
	for (guint i = 0; names && i < names->len; i++) {
		char *rel = g_strconcat("tmp/", (const char *)names->pdata[i], NULL);
		ignore(r, r->folder->rel_dir, rel);
		g_free(rel);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(dir);
}

static void load_keywords(mf_reader *r)
{
	mfi_maildir_keywords_clear(&r->keywords);
	char *path = g_build_filename(r->root, r->folder->rel_dir, MFI_MAILDIR_KEYWORDS_FILE, NULL);
	char *text;
	gsize len;
	if (g_file_get_contents(path, &text, &len, NULL)) {
		GArray *bad = g_array_new(FALSE, FALSE, sizeof(guint));
		mfi_maildir_keywords_parse(text, len, &r->keywords, bad);
		for (guint i = 0; i < bad->len; i++) {
			char *what = g_strdup_printf(MFI_MAILDIR_KEYWORDS_FILE " line %u",
			                             g_array_index(bad, guint, i));
			ignore(r, r->folder->rel_dir, what);
			g_free(what);
		}
		g_array_unref(bad);
		g_free(text);
	}
	g_free(path);
}

static void load_folder(mf_reader *r, const mfi_maildir_folder *folder)
{
	r->folder = folder;
	g_array_set_size(r->entries, 0);
	r->next_entry = 0;
	list_messages(r, "cur");
	list_messages(r, "new");
	list_tmp(r);
	g_array_sort(r->entries, entry_compare);
	load_keywords(r);
}

mf_reader *mfi_maildir_reader_open(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	mf_reader *r = g_new0(mf_reader, 1);
	r->root = g_strdup(path);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	r->entries = g_array_new(FALSE, FALSE, sizeof(entry));
	g_array_set_clear_func(r->entries, entry_clear);
	r->folders = mfi_maildir_find_folders(path, r->ignored, error);
	if (!r->folders) {
		mfi_maildir_reader_close(r);
		return NULL;
	}
	return r;
}

/* Flags from the file name; keyword letters through the folder's dovecot-keywords. */
static void apply_info(mf_reader *r, mf_item *item, const entry *e)
{
	mfi_maildir_info info;
	mfi_maildir_info_parse(e->name, &info);
	item->flags = info.flags;
	if (strcmp(e->sub, "new") == 0)
		item->flags |= MF_FLAG_RECENT;
	GString *missing = g_string_new("");
	for (const char *k = info.keywords; *k; k++) {
		const char *name = r->keywords.names[*k - 'a'];
		if (name)
			mf_item_add_keyword(item, name);
		else
			g_string_append_c(missing, *k);
	}
	if (missing->len)
		g_ptr_array_add(r->ignored, g_strdup_printf("%s: keyword letters '%s' not in %s",
		                                            item->locator, missing->str,
		                                            MFI_MAILDIR_KEYWORDS_FILE));
	if (info.unknown[0])
		g_ptr_array_add(r->ignored, g_strdup_printf("%s: unknown flag characters '%s'",
		                                            item->locator, info.unknown));
	g_string_free(missing, TRUE);
}

static mf_next_result read_entry(mf_reader *r, const entry *e, mf_item **item_r,
                                 GError **error)
{
	char *sub_rel = g_strconcat(e->sub, "/", e->name, NULL);
	char *rel = mfi_maildir_rel_join(r->folder->rel_dir, sub_rel);
	char *locator = g_utf8_make_valid(rel, -1);
	char *path = g_build_filename(r->root, rel, NULL);
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, r->root, locator);
	mf_item_set_folder(item, (const char *const *)r->folder->segments);
	item->internal_date = e->mtime > 0 ? e->mtime : 0;

	char *data;
	gsize len;
	GError *read_error = NULL;
	mf_next_result result = MF_NEXT_ITEM;
	if (!g_file_get_contents(path, &data, &len, &read_error)) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: cannot read message: %s",
		            r->root, locator, read_error->message);
		g_error_free(read_error);
		r->done += e->size;
		result = MF_NEXT_BROKEN;
	} else {
		mf_item_take_mime(item, g_bytes_new_take(data, len));
		apply_info(r, item, e);
		r->done += len;
		if (len > e->size) /* grew since it was listed */
			r->total += len - e->size;
	}
	*item_r = item;
	g_free(path);
	g_free(locator);
	g_free(rel);
	g_free(sub_rel);
	return result;
}

mf_next_result mfi_maildir_reader_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	while (r->next_entry >= r->entries->len) {
		if (r->next_folder >= r->folders->len)
			return MF_NEXT_END;
		load_folder(r, r->folders->pdata[r->next_folder++]);
	}
	const entry *e = &g_array_index(r->entries, entry, r->next_entry);
	r->next_entry++;
	return read_entry(r, e, item_r, error);
}

void mfi_maildir_reader_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	*done_r = r->done;
	*total_r = r->total > r->done ? r->total : r->done;
}

const GPtrArray *mfi_maildir_reader_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfi_maildir_reader_close(mf_reader *r)
{
	if (!r)
		return;
	if (r->folders)
		g_ptr_array_unref(r->folders);
	g_array_unref(r->entries);
	mfi_maildir_keywords_clear(&r->keywords);
	g_ptr_array_unref(r->ignored);
	g_free(r->root);
	g_free(r);
}

int mfi_maildir_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	(void)head;
	(void)head_len;
	if (!is_dir)
		return MF_PROBE_NO;
	if (mfi_maildir_is_maildir(path))
		return MF_PROBE_SURE;
	return mfi_maildir_has_descendant(path, 3) ? MF_PROBE_LIKELY : MF_PROBE_NO;
}
