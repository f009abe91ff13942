/* The reader over a walked store (calstore-apple.c, calstore-ccs.c): the
 * resources of each collection in order, each decoded by the ics (or vcf)
 * reader opened on that one file — so one resource is in memory at a time,
 * and iCalendar is split into items (one per UID, with its overrides and
 * VTIMEZONEs), upgraded and repaired exactly as a loose .ics file would be.
 * Items get the collection's folder and owner, and a locator that starts
 * with the resource's path in the store. A resource that gives no item at
 * all (empty, not iCalendar, unreadable) is one BROKEN result that keeps its
 * raw bytes (as message bytes; up to MFI_CALSTORE_KEEP_MAX) for quarantine.
 * For a CalendarServer store each stored VCALENDAR is first turned back into
 * its owner's view (calstore-ccsdata.c, through the ics reader's top hook). */
#include "calstore.h"
#include "../ics/ics.h"

#include <string.h>
#include <sys/stat.h>

struct mf_reader {
	mfi_calstore_store *store;
	guint coll, file;   /* the next resource: collections[coll]->files[file] */
	const mfi_calstore_collection *cur;
	mf_reader *sub;     /* the decoder open on the current resource */
	char *path, *rel;   /* its absolute path and its path in the store */
	guint results;      /* items and BROKEN results it gave so far */
	guint64 done, total, cur_size;
};

static guint64 file_size(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (guint64)st.st_size : 0;
}

static mf_reader *open_store(const char *path, gboolean (*walk)(mfi_calstore_store *, GError **),
                             GError **error)
{
	mfi_calstore_store *s = mfi_calstore_store_new(path);
	if (!walk(s, error)) {
		mfi_calstore_store_free(s);
		return NULL;
	}
	mf_reader *r = g_new0(mf_reader, 1);
	r->store = s;
	for (guint i = 0; i < s->collections->len; i++) {
		const mfi_calstore_collection *c = s->collections->pdata[i];
		for (guint j = 0; j < c->files->len; j++) {
			char *rel = mfi_calstore_join(c->rel, c->files->pdata[j]);
			char *abs = mfi_calstore_path(s, rel);
			r->total += file_size(abs);
			g_free(abs);
			g_free(rel);
		}
	}
	return r;
}

mf_reader *mfi_calstore_open_apple(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	return open_store(path, mfi_calstore_apple_walk, error);
}

mf_reader *mfi_calstore_open_ccs(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	mf_reader *r = open_store(path, mfi_calstore_ccs_walk, error);
	if (r)
		r->store->calendarserver = TRUE;
	return r;
}

/* Moves the decoder's ignored notes to the store's list, naming the resource
 * by its path in the store instead of its absolute path. */
static void take_sub_ignored(mf_reader *r)
{
	const GPtrArray *notes = r->cur->decoder->ignored ? r->cur->decoder->ignored(r->sub) : NULL;
	for (guint i = 0; notes && i < notes->len; i++) {
		const char *note = notes->pdata[i];
		gsize n = strlen(r->path);
		char *rel = mfi_calstore_utf8(r->rel);
		g_ptr_array_add(r->store->ignored, strncmp(note, r->path, n) == 0
			? g_strconcat(rel, note + n, NULL)
			: g_strdup_printf("%s: %s", rel, note));
		g_free(rel);
	}
}

static void end_resource(mf_reader *r)
{
	if (r->sub) {
		take_sub_ignored(r);
		r->cur->decoder->close(r->sub);
		r->sub = NULL;
	}
	r->done += r->cur_size;
	r->cur_size = 0;
	g_clear_pointer(&r->path, g_free);
	g_clear_pointer(&r->rel, g_free);
}

/* Steps to the next resource file; FALSE at the end of the store. */
static gboolean next_resource(mf_reader *r)
{
	while (r->coll < r->store->collections->len) {
		const mfi_calstore_collection *c = r->store->collections->pdata[r->coll];
		if (r->file < c->files->len) {
			r->cur = c;
			r->rel = mfi_calstore_join(c->rel, c->files->pdata[r->file++]);
			r->path = mfi_calstore_path(r->store, r->rel);
			r->cur_size = file_size(r->path);
			r->results = 0;
			return TRUE;
		}
		r->coll++;
		r->file = 0;
	}
	return FALSE;
}

/* The raw bytes of the current resource, when it is a regular file of at
 * most MFI_CALSTORE_KEEP_MAX bytes; NULL otherwise. */
static GBytes *raw_bytes(const char *path)
{
	gsize len = 0;
	guint8 *buf = mfi_calstore_read_file(path, MFI_CALSTORE_KEEP_MAX, &len, NULL);
	if (buf && len == 0)
		g_clear_pointer(&buf, g_free);
	return buf ? g_bytes_new_take(buf, len) : NULL;
}

static void set_locator(mf_reader *r, mf_item *item)
{
	char *rel = mfi_calstore_utf8(r->rel);
	char *locator = item->locator && *item->locator
		? g_strdup_printf("%s: %s", rel, item->locator)
		: g_strdup(rel);
	g_free(rel);
	g_free(item->locator);
	item->locator = locator;
}

/* Gives an item from the current resource its place in the store. */
static void place_item(mf_reader *r, mf_item *item)
{
	mf_item_set_folder(item, (const char *const *)r->cur->folder);
	g_free(item->mailbox);
	item->mailbox = g_strdup(r->cur->mailbox);
	set_locator(r, item);
	if (!item->source)
		item->source = g_strdup(r->path);
}

/* A BROKEN result for the current resource: the decoder's item (or a new
 * one) with the resource's raw bytes when it holds no content. */
static mf_item *broken_item(mf_reader *r, mf_item *item)
{
	if (!item) {
		gboolean cards = r->cur->decoder == &mf_vcf_reader;
		item = mf_item_new(cards ? MF_KIND_CONTACT : MF_KIND_EVENT, r->path, NULL);
	}
	place_item(r, item);
	if (!item->ical && !item->vcard && !item->mime) {
		GBytes *raw = raw_bytes(r->path);
		if (raw)
			mf_item_take_mime(item, raw);
	}
	return item;
}

/* The decoder gave nothing for the whole resource and noted nothing. */
static mf_next_result silent_resource(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = broken_item(r, NULL);
	g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s", r->path,
	            r->cur_size == 0 ? "empty resource file" : "no calendar data in the resource file");
	return MF_NEXT_BROKEN;
}

/* Opens the decoder on the current resource; BROKEN when it cannot. */
static mf_next_result start_resource(mf_reader *r, mf_item **item_r, GError **error)
{
	GError *err = NULL;
	struct stat st;
	/* listed as a regular file; a link put in its place since is not followed */
	if (lstat(r->path, &st) != 0 || !S_ISREG(st.st_mode))
		g_set_error(&err, MF_ERROR, MF_ERROR_ITEM, "no longer a regular file");
	else
		r->sub = r->cur->decoder->open(r->path, NULL, &err);
	if (r->sub && r->store->calendarserver && r->cur->decoder == &mf_ics_reader)
		mfi_ics_set_top_hook(r->sub, mfi_calstore_ccs_top_hook, r->cur->mailbox);
	if (r->sub)
		return MF_NEXT_ITEM;
	*item_r = broken_item(r, NULL);
	g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s", r->path,
	            err ? err->message : "cannot be opened");
	g_clear_error(&err);
	end_resource(r);
	return MF_NEXT_BROKEN;
}

mf_next_result mfi_calstore_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	for (;;) {
		if (!r->sub) {
			if (!next_resource(r))
				return MF_NEXT_END;
			if (start_resource(r, item_r, error) == MF_NEXT_BROKEN)
				return MF_NEXT_BROKEN;
		}
		mf_item *item = NULL;
		mf_next_result res = r->cur->decoder->next(r->sub, &item, error);
		if (res == MF_NEXT_ITEM) {
			r->results++;
			place_item(r, item);
			*item_r = item;
			return MF_NEXT_ITEM;
		}
		if (res == MF_NEXT_BROKEN || res == MF_NEXT_FATAL) {
			/* a decoder that cannot go on ends this resource, not the store */
			r->results++;
			*item_r = broken_item(r, item);
			if (res == MF_NEXT_FATAL)
				end_resource(r);
			return MF_NEXT_BROKEN;
		}
		const GPtrArray *notes = r->cur->decoder->ignored ? r->cur->decoder->ignored(r->sub) : NULL;
		gboolean silent = r->results == 0 && (!notes || notes->len == 0);
		res = silent ? silent_resource(r, item_r, error) : MF_NEXT_END;
		end_resource(r);
		if (silent)
			return res;
	}
}

void mfi_calstore_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	guint64 sub_done = 0, sub_total = 0;
	if (r->sub && r->cur->decoder->progress)
		r->cur->decoder->progress(r->sub, &sub_done, &sub_total);
	*done_r = r->done + MIN(sub_done, r->cur_size);
	*total_r = r->total;
}

const GPtrArray *mfi_calstore_ignored(mf_reader *r)
{
	return r->store->ignored;
}

void mfi_calstore_close(mf_reader *r)
{
	if (!r)
		return;
	if (r->sub)
		end_resource(r);
	g_free(r->path);
	g_free(r->rel);
	mfi_calstore_store_free(r->store);
	g_free(r);
}
