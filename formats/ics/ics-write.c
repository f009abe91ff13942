/* Writes one VCALENDAR per folder: OUTDIR/<mapped parent dirs>/<name>.ics, the
 * root (or INBOX) folder as OUTDIR/calendar.ics.
 *
 * METHOD:PUBLISH (issue 2: one VCALENDAR per folder, published), as Google
 * and Outlook exports carry it. Their events keep ATTENDEEs although iTIP's
 * PUBLISH rules (RFC 5546 3.2.1) allow none: those rules are for scheduling
 * messages; the file is checked against RFC 5545 (see test_calendar_rescue).
 *
 * Streaming: put() serializes the item's components (libical folds lines at
 * 75 octets and ends them with CRLF) and appends them to the folder's spool
 * (src/folder-files.c), remembering only the TZIDs they use and the
 * VTIMEZONEs items supplied. close() writes ".<name>.ics.tmp" = header, the
 * VTIMEZONEs needed (one per TZID, first
 * definition wins, else libical's built-in zone for an Olson name), the
 * spooled body and END:VCALENDAR, then renames it into place. Output depends
 * only on the items and their order. */
#include "ics.h"
#include "mailferry/folder-files.h"
#include "mailferry/outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ICS_HEADER                                                                       \
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailferry//mailferry " MF_VERSION   \
	"//EN\r\nMETHOD:PUBLISH\r\n"
#define ICS_FOOTER "END:VCALENDAR\r\n"

/* Per folder, beside its spool. */
typedef struct ics_out {
	guint count;            /* items spooled */
	GPtrArray *tzids;       /* char*: TZIDs the written components use, first-use order */
	GHashTable *vtimezones; /* TZID -> icalcomponent* (owned) supplied by items */
} ics_out;

struct mf_writer {
	mf_folder_files *files;
	mf_file_namer *names; /* folder -> output file name */
};

static void out_free(gpointer data)
{
	ics_out *o = data;
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
	w->files = mf_folder_files_new(outdir, opts && opts->fsync_items, out_free);
	w->names = mf_file_namer_new("ics", "calendar");
	return w;
}

/* The folder's file with its spool open for appending at *fp_r. */
static mf_folder_file *folder_file(mf_writer *w, const char *const *folder, FILE **fp_r,
                                   GError **error)
{
	char *rel = mf_file_namer_path(w->names, folder);
	mf_folder_file *f = mf_folder_files_open(w->files, rel, fp_r, error);
	g_free(rel);
	if (f && !f->data) {
		ics_out *o = g_new0(ics_out, 1);
		o->tzids = g_ptr_array_new_with_free_func(g_free);
		o->vtimezones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                      (GDestroyNotify)icalcomponent_free);
		f->data = o;
	}
	return f;
}

static void remember_vtimezone(ics_out *o, icalcomponent *vtz)
{
	icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	const char *tzid = p ? icalproperty_get_tzid(p) : NULL;
	if (tzid && *tzid && !g_hash_table_contains(o->vtimezones, tzid))
		g_hash_table_insert(o->vtimezones, g_strdup(tzid), mfi_ics_clone(vtz));
}

/* FALSE when libical cannot serialise the component (an X- component
 * without a name, in libical 3.0). */
static gboolean append_component(GString *body, icalcomponent *comp, GPtrArray *tzids)
{
	icalcomponent *copy = mfi_ics_clone(comp);
	if (!copy)
		return FALSE;
	mfi_ics_keep_unparsed(copy);
	if (mfi_ics_is_item_kind(icalcomponent_isa(copy)))
		mfi_ics_ensure_dtstamp(copy);
	mfi_ics_collect_tzids(copy, tzids);
	mfi_ics_append_serialized(body, copy);
	icalcomponent_free(copy);
	return TRUE;
}

/* Serializes the item's components (not its VTIMEZONEs) into `body`, records
 * the TZIDs they use and the VTIMEZONEs the item carries. Returns how many
 * components there were; *unwritable_r counts those libical cannot write. */
static guint item_body(ics_out *o, icalcomponent *ical, GString *body, GPtrArray *tzids,
                       guint *unwritable_r)
{
	*unwritable_r = 0;
	if (icalcomponent_isa(ical) != ICAL_VCALENDAR_COMPONENT) {
		if (!append_component(body, ical, tzids))
			(*unwritable_r)++;
		return 1;
	}
	guint n = 0;
	for (icalcomponent *c = icalcomponent_get_first_component(ical, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(ical, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind kind = icalcomponent_isa(c);
		if (kind == ICAL_VTIMEZONE_COMPONENT) {
			remember_vtimezone(o, c);
		} else if (kind != ICAL_XLICINVALID_COMPONENT) {
			if (!append_component(body, c, tzids))
				(*unwritable_r)++;
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
	FILE *spool;
	mf_folder_file *f = folder_file(w, (const char *const *)item->folder, &spool, error);
	if (!f)
		return FALSE;
	ics_out *o = f->data;
	GString *body = g_string_new(NULL);
	GPtrArray *tzids = g_ptr_array_new_with_free_func(g_free);
	guint unwritable = 0;
	guint n = item_body(o, item->ical, body, tzids, &unwritable);
	gboolean ok = n > 0 && unwritable == 0;
	if (n == 0)
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: no calendar component to write",
		            item->source, item->locator);
	else if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM,
		            "%s: %s: %u component(s) libical cannot write (unnamed X- component?)",
		            item->source, item->locator, unwritable);
	else if (fwrite(body->str, 1, body->len, spool) != body->len) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "write(%s) failed: %s", f->spool_path,
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

#define ICS_MAX_ONSETS 10000

/* How many onsets of the observance `obs` (local DTSTART, rule `r`, offset
 * before each onset `from_s` seconds) fall on or before r.until (UTC);
 * 0 when it cannot be told. */
static int onsets_until(struct icaltimetype start, struct icalrecurrencetype r, int from_s)
{
	time_t until = icaltime_as_timet(r.until);
	r.until = icaltime_null_time();
	r.count = 0;
	icalrecur_iterator *it = icalrecur_iterator_new(r, start);
	if (!it)
		return 0;
	int n = 0;
	struct icaltimetype t;
	while (n < ICS_MAX_ONSETS && !icaltime_is_null_time(t = icalrecur_iterator_next(it)) &&
	       icaltime_as_timet(t) - from_s <= until)
		n++;
	icalrecur_iterator_free(it);
	return n < ICS_MAX_ONSETS ? MAX(n, 1) : 0;
}

/* RFC 5545 3.3.10 wants an observance's RRULE UNTIL in UTC while its DTSTART
 * is local time; python-icalendar (dateutil) refuses exactly that mix. The
 * same onsets are written as COUNT, which every reader takes. */
static void observance_until_to_count(icalcomponent *vtz)
{
	for (icalcomponent *obs = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); obs;
	     obs = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalproperty *rrule = icalcomponent_get_first_property(obs, ICAL_RRULE_PROPERTY);
		icalproperty *start = icalcomponent_get_first_property(obs, ICAL_DTSTART_PROPERTY);
		icalproperty *from = icalcomponent_get_first_property(obs, ICAL_TZOFFSETFROM_PROPERTY);
		if (!rrule || !start || !from)
			continue;
		struct icalrecurrencetype r = icalproperty_get_rrule(rrule);
		struct icaltimetype t = icalproperty_get_dtstart(start);
		if (icaltime_is_null_time(r.until) || !icaltime_is_utc(r.until) || t.is_date ||
		    icaltime_is_utc(t))
			continue;
		int n = onsets_until(t, r, icalproperty_get_tzoffsetfrom(from));
		if (n > 0) {
			r.until = icaltime_null_time();
			r.count = n;
			icalproperty_set_rrule(rrule, r);
		}
	}
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
		observance_until_to_count(vtz);
		GString *text = g_string_new(NULL);
		mfi_ics_append_serialized(text, vtz);
		ok = fwrite(text->str, 1, text->len, out) == text->len;
		g_string_free(text, TRUE);
		if (!given)
			icalcomponent_free(vtz);
	}
	return ok;
}

static gboolean copy_spool(const mf_folder_file *f, FILE *out)
{
	FILE *in = fopen(f->spool_path, "rb");
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

/* Assembles the final file around the complete spool (mf_folder_finish_fn). */
static gboolean out_finish(mf_folder_file *f, gboolean do_fsync, gpointer user, GError **error)
{
	(void)user;
	ics_out *o = f->data;
	if (!o || o->count == 0) { /* every item failed: an empty VCALENDAR is not valid */
		unlink(f->spool_path);
		return TRUE;
	}
	char *dir = g_path_get_dirname(f->final_path), *base = g_path_get_basename(f->final_path);
	char *tmp_name = g_strconcat(".", base, ".tmp", NULL);
	char *tmp_path = g_build_filename(dir, tmp_name, NULL);
	FILE *out = fopen(tmp_path, "wb");
	gboolean ok = out && fputs(ICS_HEADER, out) >= 0 && write_vtimezones(o, out) &&
	              copy_spool(f, out) && fputs(ICS_FOOTER, out) >= 0 && fflush(out) == 0 &&
	              (!do_fsync || fsync(fileno(out)) == 0);
	int saved = errno;
	if (out && fclose(out) != 0 && ok) {
		ok = FALSE;
		saved = errno;
	}
	if (ok && rename(tmp_path, f->final_path) != 0) {
		ok = FALSE;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp_path);
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "writing %s failed: %s", f->final_path,
		            g_strerror(saved));
	}
	unlink(f->spool_path);
	g_free(dir);
	g_free(base);
	g_free(tmp_name);
	g_free(tmp_path);
	return ok;
}

gboolean mfi_ics_writer_close(mf_writer *w, GError **error)
{
	if (!w)
		return TRUE;
	gboolean ok = mf_folder_files_close(w->files, out_finish, NULL, error);
	mf_file_namer_free(w->names);
	g_free(w);
	return ok;
}
