/* The pipeline: reader -> transforms -> writer (or a companion writer for kinds
 * the chosen format cannot hold), every step counted in the report.
 *
 * Companions: a mail format cannot hold events or contacts and ICS cannot hold
 * messages, yet nothing may be dropped. Items the primary writer does not take
 * go to the writer made for their kind, opened lazily in the same OUTDIR:
 * calendar items to "ics", contacts to "vcf", messages to "maildir" under
 * OUTDIR/Maildir.
 */
#include "mailferry/pipeline.h"
#include "mailferry/outpath.h"
#include "mailferry/progress.h"
#include "mailferry/transform.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define QUARANTINE_DIR "quarantine"
#define COMPANION_MAILDIR "Maildir"

typedef struct {
	const mf_writer_driver *driver;
	mf_writer *writer;
	gboolean companion;
} writer_slot;

enum { SLOT_PRIMARY, SLOT_MAIL, SLOT_CALENDAR, SLOT_CARDS, SLOT_N };

/* The writers of one output tree: OUTDIR itself, or OUTDIR/<mailbox>/ for each
 * mailbox of a multi-user source. */
typedef struct {
	mf_options opts; /* the run's, with this tree's outdir (and EWS mailbox) */
	char *outdir;
	writer_slot slots[SLOT_N];
	guint64 items; /* handed to its writers */
} output_tree;

struct mf_pipeline {
	const mf_options *opts;
	mf_report *report;
	const mf_writer_driver *primary;
	output_tree *root;
	GHashTable *trees;  /* item mailbox -> output_tree* */
	mf_namer *tree_names;
	guint quarantine_seq;
	mf_progress *progress;
	guint64 items;
};

static gboolean writes_output(const mf_pipeline *p)
{
	return p->primary && !p->opts->dry_run;
}

static output_tree *tree_new(const mf_pipeline *p, const char *outdir, const char *mailbox)
{
	output_tree *t = g_new0(output_tree, 1);
	t->opts = *p->opts;
	t->outdir = g_strdup(outdir);
	t->opts.outdir = t->outdir;
	if (mailbox && !t->opts.mailbox && strchr(mailbox, '@'))
		t->opts.mailbox = mailbox; /* lives as long as the trees table's key */
	t->slots[SLOT_PRIMARY].driver = p->primary;
	t->slots[SLOT_MAIL].driver = mf_writer_driver_find("maildir");
	t->slots[SLOT_CALENDAR].driver = mf_writer_driver_find("ics");
	t->slots[SLOT_CARDS].driver = mf_writer_driver_find("vcf");
	return t;
}

static gboolean tree_finish(output_tree *t, GError **error)
{
	gboolean ok = TRUE;
	for (int i = 0; i < SLOT_N; i++) {
		writer_slot *slot = &t->slots[i];
		if (!slot->writer)
			continue;
		GError *err = NULL;
		if (!slot->driver->close(slot->writer, &err)) {
			if (ok)
				g_propagate_error(error, err);
			else
				g_clear_error(&err);
			ok = FALSE;
		}
		slot->writer = NULL;
	}
	return ok;
}

static void tree_free(gpointer data)
{
	output_tree *t = data;
	tree_finish(t, NULL);
	g_free(t->outdir);
	g_free(t);
}

static gboolean slot_open(output_tree *t, writer_slot *slot, const char *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "cannot create %s: %s", dir,
		            g_strerror(errno));
		return FALSE;
	}
	slot->writer = slot->driver->open(dir, &t->opts, error);
	return slot->writer != NULL;
}

mf_pipeline *mf_pipeline_new(const mf_options *opts, const mf_writer_driver *writer,
                             mf_report *report, GError **error)
{
	mf_pipeline *p = g_new0(mf_pipeline, 1);
	p->opts = opts;
	p->report = report;
	p->progress = mf_progress_new(opts->progress);
	p->primary = writer;
	p->root = tree_new(p, opts->outdir, NULL);
	p->trees = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, tree_free);
	p->tree_names = mf_namer_new(NULL);
	/* The root tree's writer opens now, so that option errors show before
	 * any reading; a run that turns out to hold only multi-user mailboxes
	 * leaves the (empty) root output in place. */
	if (writes_output(p) && !slot_open(p->root, &p->root->slots[SLOT_PRIMARY], opts->outdir, error)) {
		mf_pipeline_free(p);
		return NULL;
	}
	return p;
}

/* The output tree of an item: OUTDIR, or OUTDIR/<mailbox>/ (a safe name). */
static output_tree *tree_for(mf_pipeline *p, const mf_item *item)
{
	if (!item->mailbox || (p->primary && p->primary->keeps_mailboxes))
		return p->root;
	output_tree *t = g_hash_table_lookup(p->trees, item->mailbox);
	if (t)
		return t;
	const char *segments[] = { item->mailbox, NULL };
	char **mapped = mf_namer_map(p->tree_names, segments);
	char *dir = g_build_filename(p->opts->outdir, mapped[0], NULL);
	char *key = g_strdup(item->mailbox);
	t = tree_new(p, dir, key);
	g_hash_table_insert(p->trees, key, t);
	g_free(dir);
	g_strfreev(mapped);
	return t;
}

/* The slot that takes `kind`: the primary writer if it can, else a companion. */
static writer_slot *slot_for(output_tree *t, gboolean writes, mf_kind kind, GError **error)
{
	writer_slot *primary = &t->slots[SLOT_PRIMARY];
	int index = SLOT_PRIMARY;
	if (!(primary->driver->kinds & MF_KIND_BIT(kind)))
		index = kind == MF_KIND_MESSAGE                   ? SLOT_MAIL
		        : (MF_KIND_BIT(kind) & MF_KINDS_CALENDAR) ? SLOT_CALENDAR
		                                                  : SLOT_CARDS;
	writer_slot *slot = &t->slots[index];
	slot->companion = index != SLOT_PRIMARY;
	if (!slot->writer && writes) {
		char *dir = index == SLOT_MAIL ? g_build_filename(t->outdir, COMPANION_MAILDIR, NULL)
		                               : g_strdup(t->outdir);
		gboolean ok = slot_open(t, slot, dir, error);
		g_free(dir);
		if (!ok)
			return NULL;
	}
	return slot;
}

static const char *quarantine_extension(const mf_item *item)
{
	/* Raw bytes a calendar or contact reader kept of an item it could not
	 * decode are iCalendar or vCard text, not a message. */
	if (item->mime && item->kind != MF_KIND_MESSAGE)
		return (MF_KIND_BIT(item->kind) & MF_KINDS_CALENDAR) ? "ics" : "vcf";
	if (item->mime)
		return "eml";
	if (item->ical)
		return "ics";
	return item->vcard ? "vcf" : NULL;
}

/* Keeps whatever content a quarantined item has under OUTDIR/quarantine/, so a
 * person can look at it; returns the relative name, or NULL when nothing to keep. */
static char *save_quarantined(mf_pipeline *p, const mf_item *item)
{
	const char *ext = item ? quarantine_extension(item) : NULL;
	if (!ext || !writes_output(p))
		return NULL;
	if (!mf_mkdir_under(p->opts->outdir, QUARANTINE_DIR, NULL))
		return NULL;
	char *name = g_strdup_printf("%06u.%s", ++p->quarantine_seq, ext);
	char *rel = g_build_filename(QUARANTINE_DIR, name, NULL);
	char *final = g_build_filename(p->opts->outdir, rel, NULL);
	char *tmp = g_strconcat(final, ".tmp", NULL);
	/* NULL when libical cannot serialise the item: then nothing is kept */
	char *ical = !item->mime && item->ical ? icalcomponent_as_ical_string_r(item->ical) : NULL;
	gconstpointer data = ical ? ical : item->vcard;
	gsize len = data ? strlen(data) : 0;
	if (item->mime)
		data = g_bytes_get_data(item->mime, &len);
	gboolean ok = (item->mime || data) &&
	              mf_write_atomic(tmp, final, data, len, item->internal_date, FALSE, NULL);
	free(ical);
	g_free(tmp);
	g_free(final);
	g_free(name);
	if (!ok) {
		g_free(rel);
		return NULL;
	}
	return rel;
}

static void quarantine(mf_pipeline *p, const char *source, const mf_item *item,
                       const char *const *folder, mf_kind kind, const char *locator,
                       const char *reason)
{
	char *saved = save_quarantined(p, item);
	mf_report_count(p->report, source, folder, kind, MF_COUNT_QUARANTINED);
	mf_report_quarantine(p->report, source, locator, folder, kind, reason, saved);
	g_free(saved);
}

/* Runs the transforms from number `first` on; TRUE when the item goes on to
 * a writer. Items a transform makes from this one go to `extras` (mf_item*),
 * each followed by the index of the transform to continue with. */
static gboolean transform(mf_pipeline *p, const char *source, mf_item *item,
                          const char *const *folder, guint first, GPtrArray *extras)
{
	const mf_transform *const *all = mf_transforms();
	for (guint i = 0; all[i]; i++) {
		const mf_transform *t = all[i];
		if (i < first)
			continue;
		char *reason = NULL;
		mf_transform_result r = t->apply(item, p->opts, p->report, &reason);
		if (r == MF_TRANSFORM_FILTER) {
			mf_report_count(p->report, source, folder, item->kind, MF_COUNT_FILTERED);
			if (reason)
				mf_report_filtered(p->report, source, item->locator, folder, item->kind,
				                   reason);
			g_free(reason);
			return FALSE;
		}
		if (r == MF_TRANSFORM_QUARANTINE) {
			char *why = g_strdup_printf("%s: %s", t->name, reason ? reason : "rejected");
			quarantine(p, source, item, folder, item->kind, item->locator, why);
			g_free(why);
			g_free(reason);
			return FALSE;
		}
		g_free(reason);
		if (t->expand) {
			guint before = extras->len;
			t->expand(item, p->opts, p->report, extras);
			for (guint j = before; j < extras->len; j += 2)
				g_ptr_array_insert(extras, (gint)j + 1, GUINT_TO_POINTER(i + 1));
		}
	}
	return TRUE;
}

/* Writers stamp files with the internal date (Maildir mtime, mbox From_ line).
 * An item without one gets its Date: header, else the source file's mtime, so
 * the output never depends on when the run happened. */
static void settle_internal_date(mf_item *item)
{
	if (item->internal_date > 0)
		return;
	item->internal_date = mf_mime_date(item->mime);
	struct stat st;
	if (item->internal_date <= 0 && item->source && stat(item->source, &st) == 0)
		item->internal_date = st.st_mtime > 0 ? st.st_mtime : 1;
}

/* Counts the repairs of an item once the transforms are done with it and it
 * goes on to a writer. */
static void count_repairs(mf_pipeline *p, const mf_item *item)
{
	for (guint i = 0; i < item->repair_tags->len; i++)
		mf_report_repair(p->report, item->repair_tags->pdata[i]);
}

/* Hands a kept item to its writer. FALSE only when the output itself failed. */
static gboolean write_item(mf_pipeline *p, const char *source, mf_item *item,
                           const char *const *f, GError **error)
{
	settle_internal_date(item);
	if (!p->primary) {
		mf_report_count(p->report, source, f, item->kind, MF_COUNT_WRITTEN);
		return TRUE;
	}
	output_tree *tree = tree_for(p, item);
	tree->items++;
	writer_slot *slot = slot_for(tree, writes_output(p), item->kind, error);
	if (!slot)
		return FALSE;
	if (slot->companion)
		mf_report_set_companion(p->report, source, f, item->kind, slot->driver->name);
	GError *put_error = NULL;
	if (!slot->writer || slot->driver->put(slot->writer, item, &put_error)) {
		mf_report_count(p->report, source, f, item->kind, MF_COUNT_WRITTEN);
	} else if (put_error && put_error->code == MF_ERROR_OUTPUT) {
		g_propagate_error(error, put_error);
		return FALSE;
	} else {
		char *why = g_strdup_printf("%s writer: %s", slot->driver->name,
		                            put_error ? put_error->message : "item refused");
		quarantine(p, source, item, f, item->kind, item->locator, why);
		g_free(why);
		g_clear_error(&put_error);
	}
	return TRUE;
}

/* Takes one item through the transforms from number `first` (0 for an item
 * from the reader, more for one a transform made) and writes it,
 * then the items the transforms made from it. FALSE only when the output
 * itself failed. */
static gboolean process_from(mf_pipeline *p, const char *source, mf_item *item, guint first,
                             GError **error)
{
	char **folder = mf_item_listed_folder(item); /* rows: the source's mailbox/folder */
	const char *const *f = (const char *const *)folder;
	GPtrArray *extras = g_ptr_array_new(); /* mf_item*, next transform index, ... */
	/* Items a transform made were not in the source: "created", not "read". */
	mf_report_count(p->report, source, f, item->kind, first == 0 ? MF_COUNT_READ : MF_COUNT_CREATED);
	gboolean keep = transform(p, source, item, f, first, extras);
	if (keep) /* a filtered duplicate's repairs are its original's, counted once */
		count_repairs(p, item);
	gboolean ok = !keep || write_item(p, source, item, f, error);
	for (guint i = 0; i + 1 < extras->len; i += 2) {
		mf_item *extra = extras->pdata[i];
		if (ok)
			ok = process_from(p, source, extra, GPOINTER_TO_UINT(extras->pdata[i + 1]), error);
		mf_item_free(extra);
	}
	g_ptr_array_unref(extras);
	g_strfreev(folder);
	return ok;
}

static gboolean process_item(mf_pipeline *p, const char *source, mf_item *item, GError **error)
{
	return process_from(p, source, item, 0, error);
}

/* The source's SHA-256 is left to the report, which computes it only when it
 * is written as JSON (--report): hashing a large PST costs about as much CPU
 * as converting it, and nothing else uses the digest. */
static void record_source(mf_pipeline *p, const char *path, const mf_reader_driver *driver)
{
	struct stat st;
	guint64 bytes = 0;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		bytes = (guint64)st.st_size;
	mf_report_add_source(p->report, path, driver->name, NULL, bytes);
}

static void handle_broken(mf_pipeline *p, const char *path, mf_item *item, GError *err)
{
	static const char *const root[] = { NULL };
	char **owned = item ? mf_item_listed_folder(item) : NULL;
	const char *const *folder = owned ? (const char *const *)owned : root;
	mf_kind kind = item ? item->kind : MF_KIND_MESSAGE;
	mf_report_count(p->report, path, folder, kind, MF_COUNT_READ);
	quarantine(p, path, item, folder, kind, item ? item->locator : NULL,
	           err ? err->message : "unreadable item");
	g_strfreev(owned);
}

gboolean mf_pipeline_run(mf_pipeline *p, const char *path, GError **error)
{
	if (!mf_source_kind_ok(path, error))
		return FALSE;
	const mf_reader_driver *driver = p->opts->from_format
		? mf_reader_driver_find(p->opts->from_format)
		: mf_reader_driver_detect(path, error);
	if (!driver) {
		if (error && !*error)
			g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "unknown source format '%s'",
			            p->opts->from_format);
		return FALSE;
	}
	record_source(p, path, driver);
	mf_reader *reader = driver->open(path, p->opts, error);
	if (!reader)
		return FALSE;

	gboolean ok = TRUE;
	for (;;) {
		mf_item *item = NULL;
		GError *err = NULL;
		mf_next_result r = driver->next(reader, &item, &err);
		if (r == MF_NEXT_END)
			break;
		if (r == MF_NEXT_FATAL) {
			g_propagate_error(error, err);
			mf_item_free(item);
			ok = FALSE;
			break;
		}
		p->items++;
		if (r == MF_NEXT_BROKEN)
			handle_broken(p, path, item, err);
		else if (!process_item(p, path, item, error))
			ok = FALSE;
		g_clear_error(&err);
		mf_item_free(item);
		if (!ok)
			break;
		if (driver->progress) {
			guint64 done = 0, total = 0;
			driver->progress(reader, &done, &total);
			mf_progress_update(p->progress, path, p->items, done, total);
		}
	}
	mf_progress_done(p->progress);
	const GPtrArray *ignored = driver->ignored ? driver->ignored(reader) : NULL;
	for (guint i = 0; ignored && i < ignored->len; i++)
		mf_report_source_ignored(p->report, path, ignored->pdata[i]);
	driver->close(reader);
	return ok;
}

/* A run whose items all belonged to mailboxes leaves the root writer's empty
 * skeleton (a Maildir's cur/new/tmp) beside the mailbox trees: it goes. Only
 * empty directories are removed (rmdir refuses others). */
static void prune_empty_root(mf_pipeline *p)
{
	if (p->root->items > 0 || g_hash_table_size(p->trees) == 0 || !writes_output(p))
		return;
	GDir *dir = g_dir_open(p->opts->outdir, 0, NULL);
	const char *name;
	while (dir && (name = g_dir_read_name(dir))) {
		char *path = g_build_filename(p->opts->outdir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			g_rmdir(path);
		g_free(path);
	}
	if (dir)
		g_dir_close(dir);
}

gboolean mf_pipeline_finish(mf_pipeline *p, GError **error)
{
	gboolean ok = tree_finish(p->root, error);
	GHashTableIter it;
	gpointer tree;
	g_hash_table_iter_init(&it, p->trees);
	while (g_hash_table_iter_next(&it, NULL, &tree))
		if (!tree_finish(tree, ok ? error : NULL))
			ok = FALSE;
	prune_empty_root(p);
	return ok;
}

void mf_pipeline_free(mf_pipeline *p)
{
	if (!p)
		return;
	mf_pipeline_finish(p, NULL);
	tree_free(p->root);
	g_hash_table_destroy(p->trees);
	mf_namer_free(p->tree_names);
	mf_progress_free(p->progress);
	g_free(p);
}
