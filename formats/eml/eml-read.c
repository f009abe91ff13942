/* Reads single messages: one .eml file, or every *.eml under a directory in
 * sorted order. The item is the file's bytes, untouched. */
#include "eml.h"
#include "mailferry/file-walk.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define EML_PROBE_DEPTH 8

struct mf_reader {
	char *base_dir;     /* directory the relative paths start from */
	gboolean is_dir;    /* a tree (folders by directory) or one file (root folder) */
	GPtrArray *files;   /* relative paths, sorted */
	GPtrArray *ignored; /* relative paths of other files */
	guint next;
	guint64 done, total;
};

gboolean mfi_eml_head_is_header(const guint8 *head, gsize head_len)
{
	gsize i = 0;
	while (i < head_len && head[i] > 0x20 && head[i] < 0x7f && head[i] != ':')
		i++;
	/* RFC 5322 2.2: field name = printable US-ASCII but ':'; then ':'.
	 * "From " (no colon) is an mbox separator and fails here. */
	return i > 0 && i < head_len && head[i] == ':';
}

int mfi_eml_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	if (is_dir) {
		char *cur = g_build_filename(path, "cur", NULL);
		char *new = g_build_filename(path, "new", NULL);
		gboolean maildir = g_file_test(cur, G_FILE_TEST_IS_DIR) ||
		                   g_file_test(new, G_FILE_TEST_IS_DIR);
		g_free(cur);
		g_free(new);
		if (maildir)
			return MF_PROBE_NO;
		return mf_tree_has_extension(path, "eml", EML_PROBE_DEPTH) ? MF_PROBE_LIKELY
		                                                               : MF_PROBE_NO;
	}
	if (head_len >= 5 && memcmp(head, "From ", 5) == 0)
		return MF_PROBE_NO; /* mbox */
	if (mf_has_extension(path, "eml") || mfi_eml_head_is_header(head, head_len))
		return MF_PROBE_LIKELY;
	return MF_PROBE_NO;
}

static guint64 file_size(const char *dir, const char *rel)
{
	char *path = g_build_filename(dir, rel, NULL);
	struct stat st;
	guint64 size = stat(path, &st) == 0 ? (guint64)st.st_size : 0;
	g_free(path);
	return size;
}

mf_reader *mfi_eml_open(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "stat(%s) failed: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	mf_reader *r = g_new0(mf_reader, 1);
	r->is_dir = S_ISDIR(st.st_mode);
	r->files = g_ptr_array_new_with_free_func(g_free);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	if (r->is_dir) {
		r->base_dir = g_strdup(path);
		if (!mf_walk_files(path, "eml", r->files, r->ignored, error)) {
			mfi_eml_close(r);
			return NULL;
		}
	} else {
		r->base_dir = g_path_get_dirname(path);
		g_ptr_array_add(r->files, g_path_get_basename(path));
	}
	for (guint i = 0; i < r->files->len; i++)
		r->total += file_size(r->base_dir, r->files->pdata[i]);
	return r;
}

static mf_item *new_item(mf_reader *r, const char *rel, const char *path)
{
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, path, rel);
	if (r->is_dir) {
		char **folder = mf_folder_for_file(rel, FALSE);
		mf_item_set_folder(item, (const char *const *)folder);
		g_strfreev(folder);
	}
	return item;
}

mf_next_result mfi_eml_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	if (r->next >= r->files->len)
		return MF_NEXT_END;
	const char *rel = r->files->pdata[r->next++];
	char *path = g_build_filename(r->base_dir, rel, NULL);
	mf_item *item = new_item(r, rel, path);
	char *data = NULL;
	gsize len = 0;
	GError *local = NULL;
	struct stat st;
	if (!g_file_get_contents(path, &data, &len, &local) || stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: cannot read: %s", path,
		            local ? local->message : g_strerror(errno));
		g_clear_error(&local);
		g_free(path);
		*item_r = item;
		return MF_NEXT_BROKEN;
	}
	r->done += len;
	mf_item_take_mime(item, g_bytes_new_take(data, len));
	item->internal_date = mf_mime_date(item->mime);
	if (item->internal_date == 0)
		item->internal_date = st.st_mtime > 0 ? (gint64)st.st_mtime : 0;
	g_free(path);
	*item_r = item;
	return MF_NEXT_ITEM;
}

void mfi_eml_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	*done_r = r->done;
	*total_r = r->total;
}

const GPtrArray *mfi_eml_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfi_eml_close(mf_reader *r)
{
	if (!r)
		return;
	g_ptr_array_unref(r->files);
	g_ptr_array_unref(r->ignored);
	g_free(r->base_dir);
	g_free(r);
}
