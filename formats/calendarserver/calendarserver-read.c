/* The calendarserver reader: probe, open (first pass: index the small tables,
 * remember where the calendar_object and addressbook_object rows are), next
 * (second pass: one row at a time), the ignored list (objects of calendars
 * and address books not exported), close.
 * The dump may be gzip-compressed (zlib reads plain files as they are).
 *
 * Custom-format archives (pg_dump -Fc, magic "PGDMP") are compressed and
 * not read: open fails with the pg_restore command that makes plain SQL. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "calendarserver.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define PROBE_SCAN_BYTES (16u << 20)
#define OBJECT_TABLE "calendar_object"
#define CONTACT_TABLE "addressbook_object"

struct mf_reader {
	char *path;
	gzFile gz;
	mfc_index *index;
	GPtrArray *blocks;   /* mfc_block*: every COPY block of the dump */
	GPtrArray *objects;  /* mfc_block* (borrowed): the calendar_object and
	                      * addressbook_object blocks */
	guint next_block;
	const mfc_block *block; /* being read */
	mfc_region region;
	GString *line;
	GPtrArray *ignored;  /* char* */
	gboolean summarized;
	mfc_object_ctx ctx;
	guint64 done_before; /* bytes of object blocks finished */
};

/* TRUE when `needle` occurs in the first `limit` bytes of the (uncompressed)
 * file. */
static gboolean file_contains(const char *path, const char *needle, gsize limit)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return FALSE;
	gsize n = strlen(needle), have = 0, seen = 0;
	char buf[65536];
	gboolean found = FALSE;
	while (!found && seen < limit) {
		int n_read = gzread(gz, buf + have, (unsigned)(sizeof buf - have));
		if (n_read <= 0)
			break;
		gsize got = (gsize)n_read;
		seen += got;
		have += got;
		found = memmem(buf, have, needle, n) != NULL;
		gsize keep = MIN(have, n - 1); /* a match across the chunk border */
		memmove(buf, buf + have - keep, keep);
		have = keep;
	}
	gzclose(gz);
	return found;
}

static gboolean head_has(const guint8 *head, gsize len, const char *text)
{
	return memmem(head, len, text, strlen(text)) != NULL;
}

/* A pg_dump -Fd directory: toc.dat starting with "PGDMP". */
static gboolean is_directory_dump(const char *path)
{
	char *toc = g_build_filename(path, "toc.dat", NULL);
	FILE *fp = fopen(toc, "rb");
	char magic[5] = { 0 };
	gboolean yes = fp && fread(magic, 1, 5, fp) == 5 && memcmp(magic, "PGDMP", 5) == 0;
	if (fp)
		fclose(fp);
	g_free(toc);
	return yes;
}

static int probe_head(const char *path, const guint8 *head, gsize head_len)
{
	gboolean custom = head_len >= 5 && memcmp(head, "PGDMP", 5) == 0;
	gboolean tar = mfc_tar_is_pgdump(head, head_len);
	gboolean plain = head_has(head, head_len, "PostgreSQL database dump") ||
	                 head_has(head, head_len, "COPY public.") ||
	                 (head_len >= 5 && memcmp(head, "COPY ", 5) == 0);
	if (!custom && !tar && !plain)
		return MF_PROBE_NO;
	if (file_contains(path, OBJECT_TABLE, PROBE_SCAN_BYTES))
		return MF_PROBE_SURE;
	return custom || tar ? MF_PROBE_LIKELY : MF_PROBE_MAYBE;
}

int mfc_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	if (is_dir)
		return is_directory_dump(path) ? MF_PROBE_LIKELY : MF_PROBE_NO;
	if (!head)
		return MF_PROBE_NO;
	if (head_len < 2 || head[0] != 0x1f || head[1] != 0x8b)
		return probe_head(path, head, head_len);
	guint8 plain[8192]; /* gzip: look at the uncompressed start */
	gzFile gz = gzopen(path, "rb");
	int n = gz ? gzread(gz, plain, sizeof plain) : -1;
	if (gz)
		gzclose(gz);
	return n > 0 ? probe_head(path, plain, (gsize)n) : MF_PROBE_NO;
}

static gboolean refuse_custom_format(const char *path, const guint8 *head, gsize len,
                                     GError **error)
{
	if (len < 5 || memcmp(head, "PGDMP", 5) != 0)
		return FALSE;
	g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
	            "%s: a pg_dump custom-format archive (-Fc), which mailferry does not read; "
	            "make plain SQL first with: pg_restore -f %s.sql %s", path, path, path);
	return TRUE;
}

/* First pass: the blocks, the small tables indexed, the object blocks. */
static gboolean index_dump(mf_reader *r, gboolean tar, GError **error)
{
	r->blocks = mfc_dump_blocks(r->gz, r->path, tar, r->index, error);
	if (!r->blocks)
		return FALSE;
	r->objects = g_ptr_array_new();
	gboolean homes = FALSE;
	for (guint i = 0; i < r->blocks->len; i++) {
		const mfc_block *b = r->blocks->pdata[i];
		if (strcmp(b->table, OBJECT_TABLE) == 0 || strcmp(b->table, CONTACT_TABLE) == 0)
			g_ptr_array_add(r->objects, (gpointer)b);
		homes = homes || strcmp(b->table, "calendar_home") == 0;
		if (!mfc_index_block(r->index, r->gz, b, error)) {
			g_prefix_error(error, "%s: ", r->path);
			return FALSE;
		}
	}
	if (r->objects->len == 0 && !homes) {
		gboolean inserts = file_contains(r->path, "INSERT INTO public.calendar_", G_MAXSIZE) ||
		                   file_contains(r->path, "INSERT INTO calendar_", G_MAXSIZE);
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
		            inserts ? "%s: a dump made with INSERT statements (pg_dump --inserts); "
		                      "mailferry reads COPY data: restore it into PostgreSQL and dump "
		                      "it again with plain pg_dump"
		                    : "%s: not a CalendarServer dump (no COPY data for calendar_home "
		                      "or calendar_object)", r->path);
		return FALSE;
	}
	mfc_books_finish(r->index);
	mfc_index_finish(r->index);
	return TRUE;
}

static gsize read_head(gzFile gz, guint8 *head, gsize size)
{
	int n = gzread(gz, head, (unsigned)size);
	return n > 0 ? (gsize)n : 0;
}

/* Opens the dump read-only; FALSE with an error naming what it is instead. */
static gboolean open_dump(mf_reader *r, const char *path, GError **error)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && is_directory_dump(path)) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
		            "%s: a pg_dump directory-format archive (-Fd), which mailferry does not "
		            "read; make plain SQL first with: pg_restore -f %s.sql %s", path, path, path);
		return FALSE;
	}
	struct stat st;
	gboolean exists = stat(path, &st) == 0;
	if (!exists || !S_ISREG(st.st_mode) || !(r->gz = gzopen(path, "rb"))) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", path,
		            exists && !S_ISREG(st.st_mode) ? "not a regular file" : g_strerror(errno));
		return FALSE;
	}
	gzbuffer(r->gz, 1u << 17);
	return TRUE;
}

mf_reader *mfc_open(const char *path, const mf_options *opts, GError **error)
{
	icalerror_set_errors_are_fatal(0);
	mf_reader *r = g_new0(mf_reader, 1);
	r->path = g_strdup(path);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	r->line = g_string_new(NULL);
	r->index = mfc_index_new();
	guint8 head[1024];
	gsize head_len = 0;
	if (!open_dump(r, path, error) ||
	    refuse_custom_format(path, head, head_len = read_head(r->gz, head, sizeof head), error) ||
	    !index_dump(r, mfc_tar_is_pgdump(head, head_len), error)) {
		mfc_close(r);
		return NULL;
	}
	r->ctx.path = r->path;
	r->ctx.index = r->index;
	r->ctx.attachments = opts ? opts->attachments_dir : NULL;
	r->ctx.ignored = r->ignored;
	return r;
}

static gint compare_calendars(gconstpointer a, gconstpointer b)
{
	const mfc_calendar *x = *(const mfc_calendar *const *)a;
	const mfc_calendar *y = *(const mfc_calendar *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* One ignored line per calendar whose objects were not exported. */
static void summarize(mf_reader *r)
{
	GPtrArray *cals = g_ptr_array_new();
	GHashTableIter it;
	gpointer cal;
	g_hash_table_iter_init(&it, r->index->calendars);
	while (g_hash_table_iter_next(&it, NULL, &cal))
		g_ptr_array_add(cals, cal);
	g_ptr_array_sort(cals, compare_calendars);
	for (guint i = 0; i < cals->len; i++) {
		const mfc_calendar *c = cals->pdata[i];
		const mfc_home *h = c->home ? mfc_index_home(r->index, c->home) : NULL;
		const char *uid = h && h->uid ? h->uid : "?";
		const char *name = c->display ? c->display : c->bind_name ? c->bind_name : "";
		if (c->skipped)
			g_ptr_array_add(r->ignored, g_strdup_printf(
				"home %s calendar '%s' (id %" G_GINT64_FORMAT "): %u object%s skipped (%s)",
				uid, name, c->id, c->skipped, c->skipped == 1 ? "" : "s", c->skip));
		if (c->trashed)
			g_ptr_array_add(r->ignored, g_strdup_printf(
				"home %s calendar '%s' (id %" G_GINT64_FORMAT "): %u trashed object%s "
				"skipped (in the trash)", uid, name, c->id, c->trashed,
				c->trashed == 1 ? "" : "s"));
	}
	g_ptr_array_unref(cals);
	mfc_books_summarize(r->index, r->ignored);
	r->summarized = TRUE;
}

/* The next data line of the object blocks; FALSE after the last. */
static gboolean next_row_line(mf_reader *r)
{
	for (;;) {
		if (!r->block) {
			if (r->next_block >= r->objects->len)
				return FALSE;
			r->block = r->objects->pdata[r->next_block++];
			mfc_region_open(&r->region, r->gz, r->block->start, r->block->end);
		}
		if (mfc_region_line(&r->region, r->line) && strcmp(r->line->str, "\\.") != 0)
			return TRUE;
		r->done_before += r->block->end - r->block->start;
		mfc_region_close(&r->region);
		r->block = NULL;
	}
}

mf_next_result mfc_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	while (next_row_line(r)) {
		GPtrArray *row = mfc_copy_split_row(r->line->str, r->line->len);
		mf_next_result res = strcmp(r->block->table, CONTACT_TABLE) == 0
		                     ? mfc_contact_item(&r->ctx, row, r->block->columns, item_r, error)
		                     : mfc_object_item(&r->ctx, row, r->block->columns, item_r, error);
		g_ptr_array_unref(row);
		if (res != MF_NEXT_ITEM || *item_r)
			return res;
	}
	if (mfc_read_failed(r->gz)) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: read error in %s or %s", r->path,
		            OBJECT_TABLE, CONTACT_TABLE);
		return MF_NEXT_FATAL;
	}
	if (!r->summarized)
		summarize(r);
	return MF_NEXT_END;
}

void mfc_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	guint64 total = 0;
	for (guint i = 0; r->objects && i < r->objects->len; i++) {
		const mfc_block *b = r->objects->pdata[i];
		total += b->end - b->start;
	}
	*done_r = r->done_before + (r->block ? r->region.pos - r->block->start : 0);
	*total_r = total;
}

const GPtrArray *mfc_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfc_close(mf_reader *r)
{
	if (!r)
		return;
	if (r->block)
		mfc_region_close(&r->region);
	if (r->gz)
		gzclose(r->gz);
	if (r->objects)
		g_ptr_array_unref(r->objects);
	if (r->blocks)
		g_ptr_array_unref(r->blocks);
	mfc_index_free(r->index);
	g_ptr_array_unref(r->ignored);
	g_string_free(r->line, TRUE);
	g_free(r->path);
	g_free(r);
}
