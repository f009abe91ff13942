/* Tasks (IPM.Task) -> VTODO and notes (IPM.StickyNote) -> VJOURNAL.
 * Task properties: [MS-OXOTASK] 2.2.2.2; the task recurrence is a plain
 * RecurrencePattern ([MS-OXOCAL] 2.2.1.44.1) over dates. */
#include "pst-items.h"
#include "pst-vtodo.h"

enum {
	/* PSETID_Task */
	LID_TASK_STATUS = 0x8101,
	LID_PERCENT_COMPLETE = 0x8102,
	LID_TASK_START = 0x8104,
	LID_TASK_DUE = 0x8105,
	LID_TASK_DATE_COMPLETED = 0x810f,
	LID_TASK_RECURRENCE = 0x8116,
	LID_TASK_COMPLETE = 0x811c,
	LID_TASK_F_RECURRING = 0x8126,
	/* PSETID_Common */
	LID_REMINDER_TIME = 0x8502,
	LID_REMINDER_SET = 0x8503,
	/* PSETID_Log (journal entries) */
	LID_LOG_TYPE = 0x8700,
	LID_LOG_START = 0x8706,
	/* PSETID_Note */
	LID_NOTE_COLOR = 0x8b00,
};

/* Task dates are stored as midnight UTC of the intended local date. */
static struct icaltimetype date_of(gint64 utc)
{
	return mfi_pst_local_icaltime(utc, TRUE);
}

static void add_status(icalcomponent *todo, mfi_pst_named *named)
{
	gint64 status = 0, complete = 0;
	double pct = 0;
	mfi_pst_named_int(named, MFI_PSET_TASK, LID_TASK_STATUS, &status);
	mfi_pst_named_int(named, MFI_PSET_TASK, LID_TASK_COMPLETE, &complete);
	if (complete)
		status = 2;
	icalcomponent_add_property(todo, icalproperty_new_status(
		status == 1 ? ICAL_STATUS_INPROCESS :
		status == 2 ? ICAL_STATUS_COMPLETED : ICAL_STATUS_NEEDSACTION));
	if (mfi_pst_named_double(named, MFI_PSET_TASK, LID_PERCENT_COMPLETE, &pct) == 1 && pct > 0)
		icalcomponent_add_property(todo, icalproperty_new_percentcomplete(
			(int)CLAMP(pct * 100.0 + 0.5, 0, 100)));
	gint64 done = 0;
	if (status == 2 &&
	    mfi_pst_named_time(named, MFI_PSET_TASK, LID_TASK_DATE_COMPLETED, &done) == 1)
		icalcomponent_add_property(todo, icalproperty_new_completed(
			icaltime_from_timet_with_zone((time_t)done, 0,
			                              icaltimezone_get_utc_timezone())));
}

static void add_reminder(icalcomponent *comp, mfi_pst_named *named)
{
	gint64 set = 0, when = 0;
	if (mfi_pst_named_int(named, MFI_PSET_COMMON, LID_REMINDER_SET, &set) != 1 || !set ||
	    mfi_pst_named_time(named, MFI_PSET_COMMON, LID_REMINDER_TIME, &when) != 1)
		return;
	icalcomponent *alarm = mfi_pst_valarm(0);
	icalproperty *trig = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
	struct icaltriggertype t = icaltriggertype_from_int(0);
	t.time = icaltime_from_timet_with_zone((time_t)when, 0, icaltimezone_get_utc_timezone());
	icalproperty_set_trigger(trig, t);
	icalcomponent_add_component(comp, alarm);
}

/* The recurrence blob of a recurring task, or NULL (tagged when unreadable). */
static mfi_pst_recur *load_recur(mfi_pst_named *named, int cp, mf_item *it)
{
	gint64 rec = 0;
	GBytes *b = NULL;
	if (mfi_pst_named_int(named, MFI_PSET_TASK, LID_TASK_F_RECURRING, &rec) != 1 || !rec ||
	    !(b = mfi_pst_named_binary(named, MFI_PSET_TASK, LID_TASK_RECURRENCE)))
		return NULL;
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(b, &len);
	mfi_pst_recur *r = mfi_pst_recur_parse(d, len, FALSE, cp, NULL);
	g_bytes_unref(b);
	if (!r)
		mf_item_add_repair_tag(it, "PST_RecurrenceUnreadable");
	return r;
}

/* DTSTART (the series start when recurring on a fixed schedule), DUE, RRULE. */
static void add_dates(icalcomponent *todo, mfi_pst_named *named, int cp, mf_item *it)
{
	gint64 start = 0, due = 0;
	gboolean has_start = mfi_pst_named_time(named, MFI_PSET_TASK, LID_TASK_START, &start) == 1;
	gboolean has_due = mfi_pst_named_time(named, MFI_PSET_TASK, LID_TASK_DUE, &due) == 1;
	mfi_pst_recur *r = load_recur(named, cp, it);
	if (r && !mfi_pst_task_regenerates(r)) {
		start = mfi_pst_recur_first_start(r);
		has_start = TRUE;
	}
	if (has_start && (!has_due || due >= start))
		icalcomponent_add_property(todo, icalproperty_new_dtstart(date_of(start)));
	if (has_due)
		icalcomponent_add_property(todo, icalproperty_new_due(date_of(due)));
	if (r) {
		GPtrArray *tags = g_ptr_array_new();
		mfi_pst_task_recurrence(todo, r, tags);
		for (guint i = 0; i < tags->len; i++)
			mf_item_add_repair_tag(it, tags->pdata[i]);
		g_ptr_array_unref(tags);
	}
	mfi_pst_recur_free(r);
}

typedef void (*fill_fn)(icalcomponent *comp, libpff_item_t *item, mfi_pst_named *named, int cp,
                        mf_item *it);

static mf_item *convert(const mfi_pst_file *pf, libpff_item_t *item, const char *locator,
                        mf_kind kind, icalcomponent_kind comp_kind, fill_fn fill, GError **error)
{
	mfi_pst_named *named = mfi_pst_named_load(item);
	if (!mfi_pst_named_readable(named)) {
		g_set_error(error, MF_ERROR, 0, "%s: %s: cannot read the item's properties", pf->path,
		            locator);
		mfi_pst_named_free(named);
		return NULL;
	}
	int cp = mfi_pst_item_codepage(item, pf->ascii_codepage);
	mf_item *it = mfi_pst_item_new(pf, item, kind, locator, cp);
	icalcomponent *comp = icalcomponent_new(comp_kind);
	mfi_pst_add_common_props(pf, item, named, comp, cp);
	fill(comp, item, named, cp, it);
	mfi_pst_add_ical_attachments(pf, item, comp, it);
	it->ical = mfi_pst_vcalendar_wrap(comp, NULL);
	mfi_pst_named_free(named);
	return it;
}

static void fill_task(icalcomponent *todo, libpff_item_t *item, mfi_pst_named *named, int cp,
                      mf_item *it)
{
	(void)item;
	add_dates(todo, named, cp, it);
	add_status(todo, named);
	add_reminder(todo, named);
}

static void fill_note(icalcomponent *journal, libpff_item_t *item, mfi_pst_named *named, int cp,
                      mf_item *it)
{
	static const char *const colors[] = { "BLUE", "GREEN", "PINK", "YELLOW", "WHITE" };
	gint64 created = 0, color = -1;
	(void)it;
	if (mfi_pst_named_time(named, MFI_PSET_LOG, LID_LOG_START, &created) == 1 ||
	    mfi_pst_get_time(item, MFI_PR_CREATION_TIME, &created) == 1)
		icalcomponent_add_property(journal, icalproperty_new_dtstart(
			icaltime_from_timet_with_zone((time_t)created, 0,
			                              icaltimezone_get_utc_timezone())));
	if (mfi_pst_named_int(named, MFI_PSET_NOTE, LID_NOTE_COLOR, &color) == 1 && color >= 0 &&
	    color <= 4) {
		icalproperty *p = icalproperty_new_x(colors[color]);
		icalproperty_set_x_name(p, "X-OUTLOOK-NOTE-COLOR");
		icalcomponent_add_property(journal, p);
	}
	char *type = mfi_pst_named_string(named, MFI_PSET_LOG, LID_LOG_TYPE, cp);
	if (type && *type) { /* journal entry type: "Phone call", "Meeting", ... */
		icalproperty *p = icalproperty_new_x(type);
		icalproperty_set_x_name(p, "X-OUTLOOK-JOURNAL-TYPE");
		icalcomponent_add_property(journal, p);
	}
	g_free(type);
}

mf_item *mfi_pst_item_to_task(const mfi_pst_file *pf, libpff_item_t *item,
                              const char *locator, GError **error)
{
	return convert(pf, item, locator, MF_KIND_TASK, ICAL_VTODO_COMPONENT, fill_task, error);
}

mf_item *mfi_pst_item_to_note(const mfi_pst_file *pf, libpff_item_t *item,
                              const char *locator, GError **error)
{
	return convert(pf, item, locator, MF_KIND_NOTE, ICAL_VJOURNAL_COMPONENT, fill_note, error);
}
