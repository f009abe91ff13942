/* The mbox reader: one file, or a directory tree of them (Thunderbird's
 * "Local Folders" with X.sbd/ subfolder directories, an Evolution or mutt
 * ~/Mail). Each file gets a detection pass (mbox-scan.c) and is then read
 * message by message with one line of lookahead: a From_ line ends the
 * current message only when it follows an empty line, and that empty line
 * belongs to neither message. Only the message being built is held in memory.
 */
#include "mailferry/file-walk.h"
#include "mbox.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define MBOX_MAX_MESSAGE ((gsize)512 * 1024 * 1024)
#define PROBE_MAX_ENTRIES 5000

struct mf_reader {
	GPtrArray *files;    /* full paths, in walk order */
	GPtrArray *relpaths; /* the same, relative to the root (basename for a file) */
	GPtrArray *ignored;  /* relative paths of files that are not mbox */
	guint next_file;
	guint64 total, done_before;

	/* the file being read */
	gboolean file_open;
	mbox_lines lines;
	mbox_variant variant;
	char **folder;
	gboolean have_line;  /* lines.line holds the From_ line of the next message */
	gboolean at_start;
	gboolean file_failed; /* a read error or a changed file: go on with the next file */

	GString *msg;        /* the message being built */
	gboolean too_big;
};

char **mbox_folder_from_relpath(const char *relpath)
{
	static const char *const exts[] = { ".mbox", ".mbx", ".mbs" };
	char **seg = mf_folder_from_string(relpath);
	guint n = g_strv_length(seg);
	for (guint i = 0; i < n; i++) {
		gsize len = strlen(seg[i]);
		if (i + 1 < n) {
			if (len > 4 && g_ascii_strcasecmp(seg[i] + len - 4, ".sbd") == 0)
				seg[i][len - 4] = '\0';
			continue;
		}
		for (guint e = 0; e < G_N_ELEMENTS(exts); e++) {
			gsize el = strlen(exts[e]);
			if (len > el && g_ascii_strcasecmp(seg[i] + len - el, exts[e]) == 0)
				seg[i][len - el] = '\0';
		}
	}
	return seg;
}

/* ---- probing and the directory walk ---- */

/* An unreadable directory lists as empty. */
static GPtrArray *sorted_entries(const char *dir)
{
	GPtrArray *names = mf_list_dir_sorted(dir, NULL);
	return names ? names : g_ptr_array_new_with_free_func(g_free);
}

/* Probe walk: 1 found an mbox file, 0 none, -1 found a Maildir-ish cur/ or new/. */
static int probe_dir(const char *dir, guint *budget)
{
	GPtrArray *names = sorted_entries(dir);
	int found = 0;
	for (guint i = 0; i < names->len && found >= 0 && *budget > 0; i++, (*budget)--) {
		const char *name = names->pdata[i];
		char *full = g_build_filename(dir, name, NULL);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0)
				found = -1;
			else {
				int sub = probe_dir(full, budget);
				found = sub < 0 ? -1 : MAX(found, sub);
			}
		} else if (!found && S_ISREG(st.st_mode) && st.st_size > 0 &&
		           mbox_file_looks_like_mbox(full)) {
			found = 1;
		}
		g_free(full);
	}
	g_ptr_array_unref(names);
	return found;
}

int mbox_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	if (is_dir) {
		guint budget = PROBE_MAX_ENTRIES;
		return probe_dir(path, &budget) > 0 ? MF_PROBE_LIKELY : MF_PROBE_NO;
	}
	if (!head)
		return MF_PROBE_NO;
	gsize bom = mbox_bom_length(head, head_len);
	const guint8 *nl = memchr(head + bom, '\n', head_len - bom);
	gsize len = nl ? (gsize)(nl - head) + 1 - bom : head_len - bom;
	return mbox_from_parse((const char *)head + bom, len, NULL) ? MF_PROBE_SURE : MF_PROBE_NO;
}

static void walk_dir(mf_reader *r, const char *dir, const char *rel)
{
	GPtrArray *names = sorted_entries(dir);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		char *full = g_build_filename(dir, name, NULL);
		char *relname = *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk_dir(r, full, relname);
		} else if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		           (st.st_size == 0 || mbox_file_looks_like_mbox(full))) {
			g_ptr_array_add(r->files, g_steal_pointer(&full));
			g_ptr_array_add(r->relpaths, g_steal_pointer(&relname));
			r->total += (guint64)st.st_size;
		} else {
			g_ptr_array_add(r->ignored, g_steal_pointer(&relname));
		}
		g_free(full);
		g_free(relname);
	}
	g_ptr_array_unref(names);
}

/* ---- one file ---- */

static gboolean open_file(mf_reader *r, GError **error)
{
	const char *path = r->files->pdata[r->next_file];
	if (!mbox_lines_open(&r->lines, path, error))
		return FALSE;
	r->file_open = TRUE;
	if (!mbox_detect_variant(&r->lines, &r->variant, error))
		return FALSE;
	r->folder = mbox_folder_from_relpath(r->relpaths->pdata[r->next_file]);
	r->have_line = FALSE;
	r->at_start = TRUE;
	r->file_failed = FALSE;
	return TRUE;
}

static void close_file(mf_reader *r)
{
	if (r->file_open) {
		struct stat st;
		if (stat(r->files->pdata[r->next_file], &st) == 0)
			r->done_before += (guint64)st.st_size;
		mbox_lines_close(&r->lines);
	}
	g_clear_pointer(&r->folder, g_strfreev);
	r->file_open = FALSE;
	r->next_file++;
}

static void msg_append(mf_reader *r, const char *data, gsize len)
{
	if (r->too_big)
		return;
	if (r->msg->len + len > MBOX_MAX_MESSAGE) {
		r->too_big = TRUE;
		g_string_truncate(r->msg, 0);
		return;
	}
	g_string_append_len(r->msg, data, (gssize)len);
}

/* Appends the current line, less one '>' when the variant quotes it. */
static void msg_append_line(mf_reader *r)
{
	const char *line = r->lines.line;
	gsize len = r->lines.len;
	if (mbox_line_is_quoted(line, len, r->variant))
		msg_append(r, line + 1, len - 1);
	else
		msg_append(r, line, len);
}

/* From_-separated body: up to the next From_ line that follows an empty line. */
static int read_until_from(mf_reader *r, GError **error)
{
	char held[2];
	gsize held_len = 0;
	int n;
	while ((n = mbox_lines_next(&r->lines, error)) > 0) {
		const char *line = r->lines.line;
		gsize len = r->lines.len;
		if (mbox_line_is_blank(line, len)) {
			msg_append(r, held, held_len);
			memcpy(held, line, len);
			held_len = len;
			continue;
		}
		if (held_len && mbox_lines_at_from(&r->lines)) {
			r->have_line = TRUE;
			return 1;
		}
		msg_append(r, held, held_len);
		held_len = 0;
		msg_append_line(r);
	}
	r->have_line = FALSE;
	return n; /* 0 at the end, -1 on a read error; a held empty line is dropped */
}

static int cl_mismatch(mf_reader *r, guint64 msg_off, GError **error)
{
	g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
	            "%s: offset %" G_GUINT64_FORMAT ": Content-Length no longer matches "
	            "(the file changed while it was read)", r->lines.path, msg_off);
	return -1;
}

/* After a Content-Length body: EOF, or an optional empty line and a From_ line. */
static int cl_expect_next(mf_reader *r, guint64 msg_off, GError **error)
{
	int n = mbox_lines_next(&r->lines, error);
	if (n > 0 && mbox_line_is_blank(r->lines.line, r->lines.len))
		n = mbox_lines_next(&r->lines, error);
	r->have_line = n > 0;
	if (n > 0 && !mbox_lines_at_from(&r->lines))
		return cl_mismatch(r, msg_off, error);
	return n;
}

/* Content-Length split: headers up to the empty line, then exactly that many bytes. */
static int read_by_length(mf_reader *r, guint64 msg_off, GError **error)
{
	gint64 length = -1;
	int n;
	while ((n = mbox_lines_next(&r->lines, error)) > 0) {
		const char *line = r->lines.line;
		gsize len = r->lines.len;
		if (len > 15 && g_ascii_strncasecmp(line, "Content-Length:", 15) == 0)
			length = (gint64)g_ascii_strtoull(line + 15, NULL, 10);
		msg_append_line(r);
		if (mbox_line_is_blank(line, len))
			break;
	}
	if (n <= 0 || length < 0) {
		r->have_line = FALSE;
		return n < 0 ? n : cl_mismatch(r, msg_off, error);
	}
	guint64 remaining = (guint64)length;
	while (remaining > 0 && (n = mbox_lines_next(&r->lines, error)) > 0) {
		if (r->lines.len > remaining)
			return cl_mismatch(r, msg_off, error);
		msg_append_line(r);
		remaining -= r->lines.len;
	}
	if (n < 0)
		return n;
	if (remaining > 0)
		return cl_mismatch(r, msg_off, error);
	return cl_expect_next(r, msg_off, error);
}

static mf_item *build_item(mf_reader *r, guint64 msg_off, const mbox_from *from)
{
	char *locator = g_strdup_printf("offset %" G_GUINT64_FORMAT, msg_off);
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, r->lines.path, locator);
	g_free(locator);
	mf_item_set_folder(item, (const char *const *)r->folder);
	item->envelope_sender = g_strdup(from->sender);
	item->internal_date = from->has_date ? from->date : 0;
	if (!r->too_big) {
		mbox_flags_from_headers(r->msg->str, r->msg->len, &item->flags, item->keywords);
		/* a NUL after the bytes (not counted) makes the text safe to scan */
		char *copy = g_malloc(r->msg->len + 1);
		memcpy(copy, r->msg->str, r->msg->len + 1);
		mf_item_take_mime(item, g_bytes_new_take(copy, r->msg->len));
	}
	return item;
}

/* One message of the open file. MF_NEXT_END at its end. */
static mf_next_result file_next(mf_reader *r, mf_item **item_r, GError **error)
{
	if (r->file_failed)
		return MF_NEXT_END;
	if (!r->have_line) {
		int n = mbox_lines_next(&r->lines, error);
		if (n == 0)
			return MF_NEXT_END;
		if (n < 0) {
			mbox_from none = { 0 };
			r->too_big = TRUE; /* nothing of it to keep */
			*item_r = build_item(r, r->lines.line_off, &none);
			if (error && *error)
				(*error)->code = MF_ERROR_ITEM;
			r->file_failed = TRUE;
			return MF_NEXT_BROKEN;
		}
	}
	guint64 msg_off = r->lines.line_off;
	mbox_from from = { 0 };
	gboolean junk = r->at_start && !mbox_line_starts_from(r->lines.line, r->lines.len);
	r->at_start = FALSE;
	g_string_truncate(r->msg, 0);
	r->too_big = FALSE;
	if (junk)
		msg_append_line(r); /* no From_ line: keep the bytes for the quarantine */
	else
		mbox_from_parse(r->lines.line, r->lines.len, &from); /* lenient on line 1 */
	int n = (r->variant == MBOX_VARIANT_CL || r->variant == MBOX_VARIANT_CL2) && !junk
	                ? read_by_length(r, msg_off, error)
	                : read_until_from(r, error);
	*item_r = build_item(r, msg_off, &from);
	mbox_from_clear(&from);
	if (n < 0) {
		/* The rest of this file cannot be read: keep what we have of this
		 * message and go on with the next file. */
		if (error && *error)
			(*error)->code = MF_ERROR_ITEM;
		r->file_failed = TRUE;
		return MF_NEXT_BROKEN;
	}
	if (junk || r->too_big) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: offset %" G_GUINT64_FORMAT ": %s",
		            r->lines.path, msg_off,
		            junk ? "data before the first From_ line"
		                 : "message larger than the mbox reader's limit");
		return MF_NEXT_BROKEN;
	}
	return MF_NEXT_ITEM;
}

/* ---- the driver entry points ---- */

void mbox_reader_close(mf_reader *r)
{
	if (!r)
		return;
	if (r->file_open)
		mbox_lines_close(&r->lines);
	g_strfreev(r->folder);
	g_ptr_array_unref(r->files);
	g_ptr_array_unref(r->relpaths);
	g_ptr_array_unref(r->ignored);
	g_string_free(r->msg, TRUE);
	g_free(r);
}

mf_reader *mbox_reader_open(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	mf_reader *r = g_new0(mf_reader, 1);
	r->files = g_ptr_array_new_with_free_func(g_free);
	r->relpaths = g_ptr_array_new_with_free_func(g_free);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	r->msg = g_string_sized_new(64 * 1024);
	if (S_ISDIR(st.st_mode)) {
		walk_dir(r, path, "");
		return r;
	}
	g_ptr_array_add(r->files, g_strdup(path));
	g_ptr_array_add(r->relpaths, g_path_get_basename(path));
	r->total = (guint64)st.st_size;
	if (!open_file(r, error)) { /* a single file that cannot be read is the whole source */
		mbox_reader_close(r);
		return NULL;
	}
	return r;
}

/* A file of a tree that cannot be opened: one broken "item" naming it. */
static mf_next_result broken_file(mf_reader *r, mf_item **item_r, GError **error)
{
	const char *path = r->files->pdata[r->next_file];
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, path, "offset 0");
	char **folder = mbox_folder_from_relpath(r->relpaths->pdata[r->next_file]);
	mf_item_set_folder(item, (const char *const *)folder);
	g_strfreev(folder);
	*item_r = item;
	if (error && *error)
		(*error)->code = MF_ERROR_ITEM;
	close_file(r);
	return MF_NEXT_BROKEN;
}

mf_next_result mbox_reader_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	for (;;) {
		if (!r->file_open) {
			if (r->next_file >= r->files->len)
				return MF_NEXT_END;
			if (!open_file(r, error))
				return broken_file(r, item_r, error);
		}
		mf_next_result res = file_next(r, item_r, error);
		if (res != MF_NEXT_END)
			return res;
		close_file(r);
	}
}

void mbox_reader_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	guint64 done = r->done_before;
	if (r->file_open)
		done += r->lines.next_off;
	*done_r = MIN(done, r->total);
	*total_r = r->total;
}

const GPtrArray *mbox_reader_ignored(mf_reader *r)
{
	return r->ignored;
}

mbox_variant mbox_reader_variant(mf_reader *r)
{
	return r->variant;
}
