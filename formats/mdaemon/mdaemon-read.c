/* MDaemon mail store reader (formats.md D.1-D.7): one mail directory, a domain
 * directory (Users/<domain>) or a whole server's Users directory.
 *
 * Order: mailboxes sorted by domain then name; in each, the inbox then the
 * *.IMAP folders depth first, siblings sorted; in each folder its files in
 * byte order. One folder's listing (and IMAP.MRK) and one message are in
 * memory at a time; a groupware file's decoded entries are handed out one by
 * one. Messages take flags, UID and internal date from IMAP.MRK; a message
 * without a record is unseen and dated by its Date: header, else its mtime.
 * Items of a multi-user source carry item->mailbox = "mailbox@domain". */
#include "mdaemon.h"

#include <string.h>
#include <sys/stat.h>

struct mf_reader {
	char *root;
	GPtrArray *boxes;             /* mfi_mdaemon_box* */
	guint next_box;
	const mfi_mdaemon_box *box;   /* the current one, borrowed from boxes */
	GPtrArray *folders;           /* mfi_mdaemon_folder* of the current box */
	guint next_folder;
	const mfi_mdaemon_folder *folder;
	mfi_mdaemon_contents contents;/* the current folder's */
	guint next_file;
	GPtrArray *entries;           /* mfi_mdaemon_entry* of the current groupware file */
	guint next_entry;
	char *entries_rel;            /* that file, relative to root */
	GPtrArray *ignored;
	guint64 done, total;
};

int mfi_mdaemon_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	(void)head;
	(void)head_len;
	if (!is_dir)
		return MF_PROBE_NO;
	int score = MF_PROBE_NO;
	mfi_mdaemon_detect_layout(path, &score);
	return score;
}

mf_reader *mfi_mdaemon_reader_open(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
		            "%s: not a directory (an MDaemon store is a mail directory, a "
		            "domain directory or the Users directory)", path);
		return NULL;
	}
	int score = MF_PROBE_NO;
	mfi_mdaemon_layout layout = mfi_mdaemon_detect_layout(path, &score);
	if (layout == MFI_MD_LAYOUT_NONE)
		layout = MFI_MD_LAYOUT_MAILBOX; /* --from mdaemon on a directory without hints */
	mf_reader *r = g_new0(mf_reader, 1);
	r->root = g_strdup(path);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	r->boxes = mfi_mdaemon_find_boxes(path, layout, r->ignored);
	return r;
}

static mf_item *new_item(mf_reader *r, mf_kind kind, const char *locator)
{
	char *utf8 = mfi_mdaemon_name_utf8(locator, -1);
	mf_item *item = mf_item_new(kind, r->root, utf8);
	g_free(utf8);
	mf_item_set_folder(item, (const char *const *)r->folder->segments);
	item->mailbox = g_strdup(r->box->address);
	return item;
}

static void apply_record(mf_item *item, const mfi_mdaemon_file *f)
{
	if (f->record) {
		item->flags = mfi_mdaemon_mrk_flags(f->record->raw_flags);
		item->internal_date = f->record->date;
	}
	if (item->internal_date <= 0)
		item->internal_date = mf_mime_date(item->mime);
	if (item->internal_date <= 0)
		item->internal_date = f->mtime;
}

static mf_next_result read_message(mf_reader *r, const mfi_mdaemon_file *f, mf_item **item_r,
                                   GError **error)
{
	char *rel = mfi_mdaemon_rel_join(r->folder->rel, f->name);
	char *locator = f->record ? g_strdup_printf("%s uid %u", rel, f->record->uid)
	                          : g_strdup_printf("%s (no IMAP.MRK record)", rel);
	mf_item *item = *item_r = new_item(r, MF_KIND_MESSAGE, locator);
	char *path = g_build_filename(r->root, rel, NULL);
	GError *read_error = NULL;
	GBytes *bytes = mfi_mdaemon_read_file(path, G_MAXSSIZE, &read_error);
	mf_next_result result = MF_NEXT_ITEM;
	if (!bytes || g_bytes_get_size(bytes) == 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: %s", r->root, item->locator,
		            bytes ? "empty message file" : read_error->message);
		result = MF_NEXT_BROKEN;
		if (bytes)
			g_bytes_unref(bytes);
	} else {
		r->done += g_bytes_get_size(bytes);
		mf_item_take_mime(item, bytes);
		apply_record(item, f);
	}
	g_clear_error(&read_error);
	g_free(path);
	g_free(locator);
	g_free(rel);
	return result;
}

/* Decodes a groupware file into r->entries; FALSE (with a broken item for the
 * whole file) when it cannot be decoded at all. */
static gboolean load_groupware(mf_reader *r, const mfi_mdaemon_file *f, mf_item **item_r,
                               GError **error)
{
	char *rel = mfi_mdaemon_rel_join(r->folder->rel, f->name);
	char *path = g_build_filename(r->root, rel, NULL);
	GError *gw_error = NULL;
	r->entries = g_ptr_array_new_with_free_func(mfi_mdaemon_entry_free);
	r->next_entry = 0;
	r->done += f->size;
	gboolean ok = mfi_mdaemon_groupware_read(path, r->entries, &gw_error);
	if (!ok) {
		*item_r = new_item(r, mfi_mdaemon_class_kind(r->contents.cls), rel);
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: cannot decode groupware file: %s",
		            r->root, (*item_r)->locator,
		            gw_error ? gw_error->message : "unknown error");
		g_clear_error(&gw_error);
		g_clear_pointer(&r->entries, g_ptr_array_unref);
		g_free(rel);
	} else {
		g_free(r->entries_rel);
		r->entries_rel = rel;
	}
	g_free(path);
	return ok;
}

/* The next decoded groupware entry: an item, or a broken one with its problem. */
static mf_next_result next_entry(mf_reader *r, mf_item **item_r, GError **error)
{
	mfi_mdaemon_entry *e = r->entries->pdata[r->next_entry++];
	char *locator = e->item && e->item->locator
	                    ? mfi_mdaemon_rel_join(r->folder->rel, e->item->locator)
	                    : g_strdup_printf("%s entry %u", r->entries_rel, r->next_entry);
	mf_kind kind = e->item ? e->item->kind : mfi_mdaemon_class_kind(r->contents.cls);
	mf_item *item = e->item ? e->item : mf_item_new(kind, NULL, NULL);
	e->item = NULL;
	g_free(item->source);
	item->source = g_strdup(r->root);
	g_free(item->locator);
	item->locator = mfi_mdaemon_name_utf8(locator, -1);
	mf_item_set_folder(item, (const char *const *)r->folder->segments);
	g_free(item->mailbox);
	item->mailbox = g_strdup(r->box->address);
	*item_r = item;
	g_free(locator);
	if (!e->problem)
		return MF_NEXT_ITEM;
	g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: %s", r->root, item->locator, e->problem);
	return MF_NEXT_BROKEN;
}

/* Moves to the next folder (of this or the next mailbox); FALSE at the end. */
static gboolean next_folder(mf_reader *r)
{
	while (!r->folders || r->next_folder >= r->folders->len) {
		if (r->next_box >= r->boxes->len)
			return FALSE;
		r->box = r->boxes->pdata[r->next_box++];
		if (r->folders)
			g_ptr_array_unref(r->folders);
		r->folders = mfi_mdaemon_find_folders(r->root, r->box, r->ignored);
		r->next_folder = 0;
	}
	r->folder = r->folders->pdata[r->next_folder++];
	mfi_mdaemon_contents_clear(&r->contents);
	char *dir = *r->folder->rel ? g_build_filename(r->root, r->folder->rel, NULL)
	                            : g_strdup(r->root);
	guint n = r->folder->segments ? g_strv_length(r->folder->segments) : 0;
	mfi_mdaemon_contents_load(&r->contents, dir, r->folder->rel,
	                          n ? r->folder->segments[n - 1] : NULL, r->ignored);
	r->total += r->contents.bytes;
	r->next_file = 0;
	g_free(dir);
	return TRUE;
}

mf_next_result mfi_mdaemon_reader_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	for (;;) {
		if (r->entries && r->next_entry < r->entries->len)
			return next_entry(r, item_r, error);
		g_clear_pointer(&r->entries, g_ptr_array_unref);
		if (!r->contents.files || r->next_file >= r->contents.files->len) {
			if (!next_folder(r))
				return MF_NEXT_END;
			continue;
		}
		const mfi_mdaemon_file *f =
			&g_array_index(r->contents.files, mfi_mdaemon_file, r->next_file++);
		if (f->kind == MFI_MD_FILE_MESSAGE)
			return read_message(r, f, item_r, error);
		if (!load_groupware(r, f, item_r, error))
			return MF_NEXT_BROKEN;
	}
}

void mfi_mdaemon_reader_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	*done_r = r->done;
	*total_r = MAX(r->total, r->done);
}

const GPtrArray *mfi_mdaemon_reader_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfi_mdaemon_reader_close(mf_reader *r)
{
	if (!r)
		return;
	if (r->entries)
		g_ptr_array_unref(r->entries);
	mfi_mdaemon_contents_clear(&r->contents);
	if (r->folders)
		g_ptr_array_unref(r->folders);
	g_ptr_array_unref(r->boxes);
	g_ptr_array_unref(r->ignored);
	g_free(r->entries_rel);
	g_free(r->root);
	g_free(r);
}
