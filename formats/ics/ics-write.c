/* Writes one VCALENDAR per folder: OUTDIR/<mapped parent dirs>/<name>.ics, the
 * root (or INBOX) folder as OUTDIR/calendar.ics.
 *
 * Streaming: put() serializes the item's components (libical folds lines at
 * 75 octets and ends them with CRLF) and appends them to a per-folder spool
 * file ".<name>.ics.spool" beside the final file, remembering only the TZIDs
 * they use and the VTIMEZONEs items supplied. close() writes
 * ".<name>.ics.tmp" = header, the VTIMEZONEs needed (one per TZID, first
 * definition wins, else libical's built-in zone for an Olson name), the
 * spooled body and END:VCALENDAR, then renames it into place. Output depends
 * only on the items and their order. */
#include "ics.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ICS_HEADER                                                                       \
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailferry//mailferry " MF_VERSION   \
	"//EN\r\nMETHOD:PUBLISH\r\n"
#define ICS_FOOTER "END:VCALENDAR\r\n"

typedef struct ics_out {
	char *final_path;
	char *spool_path;
	char *tmp_path;
	FILE *spool;            /* open while this folder is the current one */
	gboolean started;       /* spool created (truncated) already */
	guint count;            /* items spooled */
	GPtrArray *tzids;       /* char*: TZIDs the written components use, first-use order */
	GHashTable *vtimezones; /* TZID -> icalcomponent* (owned) supplied by items */
} ics_out;

struct mf_writer {
	char *outdir;
	gboolean do_fsync;
	mf_file_namer *files; /* folder -> output file name */
	GHashTable *outs;  /* folder key -> ics_out* */
	GPtrArray *order;  /* ics_out*, owned, in order of creation */
	ics_out *current;  /* the folder whose spool is open */
};

static void out_free(gpointer data)
{
	ics_out *o = data;
	if (o->spool)
		fclose(o->spool);
	g_free(o->final_path);
	g_free(o->spool_path);
	g_free(o->tmp_path);
	g_ptr_array_unref(o->tzids);
	g_hash_table_destroy(o->vtimezones);
	g_free(o);
}

mf_writer *mfi_ics_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	if (g_mkdir_with_parents(outdir, 0755) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "mkdir(%s) failed: %s", outdir,
		            g_strerror(errno));
		return NULL;
	}
	icalerror_set_errors_are_fatal(0);
	mf_writer *w = g_new0(mf_writer, 1);
	w->outdir = g_strdup(outdir);
	w->do_fsync = opts && opts->fsync_items;
	w->files = mf_file_namer_new("ics", "calendar");
	w->outs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	w->order = g_ptr_array_new_with_free_func(out_free);
	return w;
}

static ics_out *out_new(mf_writer *w, const char *const *folder, GError **error)
{
	char *rel = mf_file_namer_path(w->files, folder);
	char *dir_rel = g_path_get_dirname(rel);
	char *base = g_path_get_basename(rel);
	if (strcmp(dir_rel, ".") != 0 && !mf_mkdir_under(w->outdir, dir_rel, error)) {
		g_free(rel);
		g_free(dir_rel);
		g_free(base);
		return NULL;
	}
	char *dir = g_build_filename(w->outdir, dir_rel, NULL);
	ics_out *o = g_new0(ics_out, 1);
	o->final_path = g_build_filename(w->outdir, rel, NULL);
	char *spool = g_strconcat(".", base, ".spool", NULL);
	char *tmp = g_strconcat(".", base, ".tmp", NULL);
	o->spool_path = g_build_filename(dir, spool, NULL);
	o->tmp_path = g_build_filename(dir, tmp, NULL);
	o->tzids = g_ptr_array_new_with_free_func(g_free);
	o->vtimezones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                      (GDestroyNotify)icalcomponent_free);
	g_free(spool);
	g_free(tmp);
	g_free(dir);
	g_free(rel);
	g_free(dir_rel);
	g_free(base);
	return o;
}

static ics_out *out_for(mf_writer *w, const char *const *folder, GError **error)
{
	char *key = mf_folder_is_inbox(folder) ? g_strdup("") : g_strjoinv("\x01", (char **)folder);
	ics_out *o = g_hash_table_lookup(w->outs, key);
	if (!o && (o = out_new(w, folder, error))) {
		g_hash_table_insert(w->outs, key, o);
		g_ptr_array_add(w->order, o);
		key = NULL;
	}
	g_free(key);
	return o;
}

/* Makes `o` the folder whose spool is open (one open file at a time). */
static gboolean out_activate(mf_writer *w, ics_out *o, GError **error)
{
	if (w->current == o)
		return TRUE;
	if (w->current && w->current->spool) {
		fclose(w->current->spool);
		w->current->spool = NULL;
	}
	w->current = NULL;
	o->spool = fopen(o->spool_path, o->started ? "ab" : "wb");
	if (!o->spool) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "open(%s) failed: %s", o->spool_path,
		            g_strerror(errno));
		return FALSE;
	}
	o->started = TRUE;
	w->current = o;
	return TRUE;
}

static void remember_vtimezone(ics_out *o, icalcomponent *vtz)
{
	icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	const char *tzid = p ? icalproperty_get_tzid(p) : NULL;
	if (tzid && *tzid && !g_hash_table_contains(o->vtimezones, tzid))
		g_hash_table_insert(o->vtimezones, g_strdup(tzid), mfi_ics_clone(vtz));
}

static void append_component(GString *body, icalcomponent *comp, GPtrArray *tzids)
{
	icalcomponent *copy = mfi_ics_clone(comp);
	if (mfi_ics_is_item_kind(icalcomponent_isa(copy)))
		mfi_ics_ensure_dtstamp(copy);
	mfi_ics_collect_tzids(copy, tzids);
	mfi_ics_append_serialized(body, copy);
	icalcomponent_free(copy);
}

/* Serializes the item's components (not its VTIMEZONEs) into `body`, records
 * the TZIDs they use and the VTIMEZONEs the item carries. Returns how many
 * components there were. */
static guint item_body(ics_out *o, icalcomponent *ical, GString *body, GPtrArray *tzids)
{
	if (icalcomponent_isa(ical) != ICAL_VCALENDAR_COMPONENT) {
		append_component(body, ical, tzids);
		return 1;
	}
	guint n = 0;
	for (icalcomponent *c = icalcomponent_get_first_component(ical, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(ical, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind kind = icalcomponent_isa(c);
		if (kind == ICAL_VTIMEZONE_COMPONENT) {
			remember_vtimezone(o, c);
		} else if (kind != ICAL_XLICINVALID_COMPONENT) {
			append_component(body, c, tzids);
			n++;
		}
	}
	return n;
}

gboolean mfi_ics_put(mf_writer *w, const mf_item *item, GError **error)
{
	if (!(MF_KIND_BIT(item->kind) & MF_KINDS_CALENDAR) || !item->ical) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: not an event, task or note",
		            item->source, item->locator);
		return FALSE;
	}
	ics_out *o = out_for(w, (const char *const *)item->folder, error);
	if (!o || !out_activate(w, o, error))
		return FALSE;
	GString *body = g_string_new(NULL);
	GPtrArray *tzids = g_ptr_array_new_with_free_func(g_free);
	guint n = item_body(o, item->ical, body, tzids);
	gboolean ok = n > 0;
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: no calendar component to write",
		            item->source, item->locator);
	else if (fwrite(body->str, 1, body->len, o->spool) != body->len) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "write(%s) failed: %s", o->spool_path,
		            g_strerror(errno));
		ok = FALSE;
	}
	if (ok)
		o->count++;
	for (guint i = 0; ok && i < tzids->len; i++)
		if (!g_ptr_array_find_with_equal_func(o->tzids, tzids->pdata[i], g_str_equal, NULL))
			g_ptr_array_add(o->tzids, g_strdup(tzids->pdata[i]));
	g_ptr_array_unref(tzids);
	g_string_free(body, TRUE);
	return ok;
}

/* Writes the VTIMEZONEs the folder's components use. A TZID with neither a
 * definition from the items nor a libical built-in zone stays unresolved
 * (its components keep the TZID; consumers then treat times as floating). */
static gboolean write_vtimezones(ics_out *o, FILE *out)
{
	gboolean ok = TRUE;
	for (guint i = 0; ok && i < o->tzids->len; i++) {
		const char *tzid = o->tzids->pdata[i];
		icalcomponent *given = g_hash_table_lookup(o->vtimezones, tzid);
		icalcomponent *vtz = given ? given : mfi_ics_builtin_vtimezone(tzid);
		if (!vtz)
			continue;
		GString *text = g_string_new(NULL);
		mfi_ics_append_serialized(text, vtz);
		ok = fwrite(text->str, 1, text->len, out) == text->len;
		g_string_free(text, TRUE);
		if (!given)
			icalcomponent_free(vtz);
	}
	return ok;
}

static gboolean copy_spool(ics_out *o, FILE *out)
{
	FILE *in = fopen(o->spool_path, "rb");
	if (!in)
		return FALSE;
	char buf[65536];
	size_t n;
	gboolean ok = TRUE;
	while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	ok = ok && !ferror(in);
	fclose(in);
	return ok;
}

static gboolean out_finish(mf_writer *w, ics_out *o, GError **error)
{
	if (o->spool && fclose(o->spool) != 0) {
		o->spool = NULL;
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "writing %s failed: %s", o->spool_path,
		            g_strerror(errno));
		return FALSE;
	}
	o->spool = NULL;
	if (o->count == 0) { /* every item failed: an empty VCALENDAR is not valid */
		unlink(o->spool_path);
		return TRUE;
	}
	FILE *out = fopen(o->tmp_path, "wb");
	gboolean ok = out && fputs(ICS_HEADER, out) >= 0 && write_vtimezones(o, out) &&
	              copy_spool(o, out) && fputs(ICS_FOOTER, out) >= 0 && fflush(out) == 0 &&
	              (!w->do_fsync || fsync(fileno(out)) == 0);
	int saved = errno;
	if (out && fclose(out) != 0 && ok) {
		ok = FALSE;
		saved = errno;
	}
	if (ok && rename(o->tmp_path, o->final_path) != 0) {
		ok = FALSE;
		saved = errno;
	}
	if (!ok) {
		unlink(o->tmp_path);
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "writing %s failed: %s", o->final_path,
		            g_strerror(saved));
	}
	unlink(o->spool_path);
	return ok;
}

gboolean mfi_ics_writer_close(mf_writer *w, GError **error)
{
	if (!w)
		return TRUE;
	gboolean ok = TRUE;
	for (guint i = 0; i < w->order->len; i++) {
		GError *local = NULL;
		if (!out_finish(w, w->order->pdata[i], &local)) {
			if (ok)
				g_propagate_error(error, local);
			else
				g_error_free(local);
			ok = FALSE;
		}
	}
	g_ptr_array_unref(w->order);
	g_hash_table_destroy(w->outs);
	mf_file_namer_free(w->files);
	g_free(w->outdir);
	g_free(w);
	return ok;
}
