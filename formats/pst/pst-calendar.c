/* Appointments and meetings -> VEVENT ([MS-OXCICAL] 2.1.3.1.1.20, [MS-OXOCAL]):
 * times in the appointment's own time zone (VTIMEZONE from the time zone
 * blobs), the recurrence blob as RRULE/EXDATE plus one RECURRENCE-ID VEVENT
 * per modified occurrence, busy status, reminder, all-day, attendees. */
#include "pst-items.h"
#include "pst-vevent.h"

#include <string.h>

enum {
	/* PSETID_Appointment */
	LID_SEQUENCE = 0x8201,
	LID_BUSY_STATUS = 0x8205,
	LID_LOCATION = 0x8208,
	LID_START_WHOLE = 0x820d,
	LID_END_WHOLE = 0x820e,
	LID_SUB_TYPE = 0x8215, /* all-day */
	LID_RECUR = 0x8216,
	LID_STATE_FLAGS = 0x8217,
	LID_RECURRING = 0x8223,
	LID_INTENDED_BUSY = 0x8224,
	LID_EXCEPTION_REPLACE_TIME = 0x8228,
	LID_TZ_STRUCT = 0x8233,
	LID_TZ_DESCRIPTION = 0x8234,
	LID_TZDEF_START = 0x825e,
	LID_TZDEF_RECUR = 0x8260,
	/* PSETID_Common */
	LID_REMINDER_DELTA = 0x8501,
	LID_REMINDER_SET = 0x8503,
	LID_COMMON_START = 0x8516,
	LID_COMMON_END = 0x8517,
	/* tags */
	PR_START_DATE = 0x0060,
	PR_END_DATE = 0x0061,
	PR_EXCEPTION_REPLACE_TIME = 0x7ff9,
	/* PidLidAppointmentStateFlags */
	ASF_MEETING = 0x1,
	ASF_CANCELED = 0x4,
};

typedef struct {
	const mfi_pst_file *pf;
	libpff_item_t *item;
	mfi_pst_named *named;
	int codepage;
	GPtrArray *tags;     /* repair tags, may be NULL */
	mfi_pst_tz *tz;      /* NULL: UTC times (or floating for a zone-less series) */
	mfi_pst_recur *recur;
	gboolean all_day;
} cal_ctx;

static void tag(cal_ctx *c, const char *t)
{
	if (c->tags)
		g_ptr_array_add(c->tags, (gpointer)t);
}

/* ---- times ---------------------------------------------------------------- */

/* A date-time property from a wall-clock time in the event's zone. */
static icalproperty *local_prop(const cal_ctx *c, icalproperty *(*make)(struct icaltimetype),
                                gint64 local)
{
	return mfi_pst_local_prop(make, local, c->tz, c->all_day);
}

static gint64 utc_to_local(const cal_ctx *c, gint64 utc)
{
	if (c->tz)
		return mfi_pst_tz_utc_to_local(c->tz, utc);
	/* all-day without a zone: the stored midnight is local; take the nearest day */
	return c->all_day ? (utc + 43200) / 86400 * 86400 : utc;
}

/* A date-time property from a UTC time: local with TZID when a zone is known. */
static icalproperty *utc_prop(const cal_ctx *c, icalproperty *(*make)(struct icaltimetype),
                              gint64 utc)
{
	if (!c->tz && !c->all_day)
		return make(icaltime_from_timet_with_zone((time_t)utc, 0,
		                                          icaltimezone_get_utc_timezone()));
	return local_prop(c, make, utc_to_local(c, utc));
}

static gboolean start_end(libpff_item_t *item, mfi_pst_named *named, gint64 *start, gint64 *end)
{
	gboolean has = mfi_pst_named_time(named, MFI_PSET_APPOINTMENT, LID_START_WHOLE, start) == 1 ||
	          mfi_pst_named_time(named, MFI_PSET_COMMON, LID_COMMON_START, start) == 1 ||
	          mfi_pst_get_time(item, PR_START_DATE, start) == 1;
	if (!has)
		return FALSE;
	if (mfi_pst_named_time(named, MFI_PSET_APPOINTMENT, LID_END_WHOLE, end) != 1 &&
	    mfi_pst_named_time(named, MFI_PSET_COMMON, LID_COMMON_END, end) != 1 &&
	    mfi_pst_get_time(item, PR_END_DATE, end) != 1)
		*end = *start;
	return TRUE;
}

/* ---- time zone ------------------------------------------------------------ */

static mfi_pst_tz *tz_from_definition(cal_ctx *c, guint32 lid, const char *name)
{
	GBytes *b = mfi_pst_named_binary(c->named, MFI_PSET_APPOINTMENT, lid);
	if (!b)
		return NULL;
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(b, &len);
	mfi_pst_tz *tz = mfi_pst_tz_from_definition(d, len, name);
	g_bytes_unref(b);
	return tz;
}

/* Series: the recurrence definition, else PidLidTimeZoneStruct ([MS-OXOCAL]
 * 2.2.1.39/2.2.1.42); single: the start display definition. */
static mfi_pst_tz *load_tz(cal_ctx *c)
{
	char *name = mfi_pst_named_string(c->named, MFI_PSET_APPOINTMENT, LID_TZ_DESCRIPTION,
	                                  c->codepage);
	mfi_pst_tz *tz = tz_from_definition(c, c->recur ? LID_TZDEF_RECUR : LID_TZDEF_START, name);
	if (!tz && c->recur) {
		GBytes *b = mfi_pst_named_binary(c->named, MFI_PSET_APPOINTMENT, LID_TZ_STRUCT);
		if (b) {
			gsize len = 0;
			const guint8 *d = g_bytes_get_data(b, &len);
			tz = mfi_pst_tz_from_struct(d, len, name);
			g_bytes_unref(b);
		}
	}
	if (!tz && !c->recur)
		tz = tz_from_definition(c, LID_TZDEF_RECUR, name);
	g_free(name);
	return tz;
}

/* ---- simple properties ---------------------------------------------------- */

static void add_alarm(cal_ctx *c, icalcomponent *ev)
{
	gint64 set = 0, delta = 15;
	if (mfi_pst_named_int(c->named, MFI_PSET_COMMON, LID_REMINDER_SET, &set) != 1 || !set)
		return;
	mfi_pst_named_int(c->named, MFI_PSET_COMMON, LID_REMINDER_DELTA, &delta);
	icalcomponent_add_component(ev, mfi_pst_valarm(delta));
}

/* IPM.Schedule.Meeting.Resp.Pos / .Tent / .Neg */
static icalparameter_partstat reply_partstat(const char *cls)
{
	const char *kind = cls + strlen("IPM.Schedule.Meeting.Resp.");
	if (g_ascii_strncasecmp(kind, "Pos", 3) == 0)
		return ICAL_PARTSTAT_ACCEPTED;
	if (g_ascii_strncasecmp(kind, "Neg", 3) == 0)
		return ICAL_PARTSTAT_DECLINED;
	return ICAL_PARTSTAT_TENTATIVE;
}

static void add_event_props(cal_ctx *c, icalcomponent *ev)
{
	gint64 v = 0;
	mfi_pst_add_common_props(c->pf, c->item, c->named, ev, c->codepage);
	char *loc = mfi_pst_named_string(c->named, MFI_PSET_APPOINTMENT, LID_LOCATION, c->codepage);
	if (loc && *loc)
		icalcomponent_add_property(ev, icalproperty_new_location(loc));
	g_free(loc);
	if (mfi_pst_named_int(c->named, MFI_PSET_APPOINTMENT, LID_SEQUENCE, &v) == 1 && v >= 0)
		icalcomponent_add_property(ev, icalproperty_new_sequence((int)v));
	if (mfi_pst_named_int(c->named, MFI_PSET_APPOINTMENT, LID_BUSY_STATUS, &v) == 1)
		mfi_pst_set_busy(ev, v);
	if (mfi_pst_named_int(c->named, MFI_PSET_APPOINTMENT, LID_INTENDED_BUSY, &v) == 1 &&
	    v >= 0 && v <= 4) {
		static const char *const names[] = { "FREE", "TENTATIVE", "BUSY", "OOF",
			                                 "WORKINGELSEWHERE" };
		mfi_pst_add_x(ev, "X-MICROSOFT-CDO-INTENDEDSTATUS", names[v]);
	}
	mfi_pst_add_x(ev, "X-MICROSOFT-CDO-ALLDAYEVENT", c->all_day ? "TRUE" : "FALSE");
	gint64 flags = 0;
	mfi_pst_named_int(c->named, MFI_PSET_APPOINTMENT, LID_STATE_FLAGS, &flags);
	char *cls = mfi_pst_get_string(c->item, MFI_PR_MESSAGE_CLASS, c->codepage);
	const char *method = mfi_pst_itip_method(cls);
	if ((flags & ASF_CANCELED) || strcmp(method, "CANCEL") == 0)
		icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CANCELLED));
	if (strcmp(method, "REPLY") == 0)
		mfi_pst_add_reply_people(ev, c->item, c->codepage, reply_partstat(cls));
	else
		mfi_pst_add_attendees(ev, c->item, c->codepage, (flags & ASF_MEETING) != 0);
	g_free(cls);
	add_alarm(c, ev);
}

/* ---- recurrence ----------------------------------------------------------- */

static void load_recur(cal_ctx *c)
{
	GBytes *b = mfi_pst_named_binary(c->named, MFI_PSET_APPOINTMENT, LID_RECUR);
	gint64 recurring = 1;
	mfi_pst_named_int(c->named, MFI_PSET_APPOINTMENT, LID_RECURRING, &recurring);
	if (!b)
		return;
	if (recurring) {
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(b, &len);
		c->recur = mfi_pst_recur_parse(d, len, TRUE, c->codepage, NULL);
		if (!c->recur)
			tag(c, "PST_RecurrenceUnreadable");
	}
	g_bytes_unref(b);
}

/* ---- modified occurrences ------------------------------------------------- */

/* What the exception's embedded message ([MS-OXOCAL] 2.2.10.1) adds: its body,
 * and its own attendee list when it has one. */
static void apply_embedded(cal_ctx *c, icalcomponent *ov, libpff_item_t *msg,
                           const mfi_pst_exception *e)
{
	char *body = mfi_pst_get_string(msg, MFI_PR_BODY, c->codepage);
	if (body && (*body || (e->flags & MFI_ARO_EXCEPTIONAL_BODY))) {
		mfi_pst_remove_props(ov, ICAL_DESCRIPTION_PROPERTY);
		if (*body)
			icalcomponent_add_property(ov, icalproperty_new_description(body));
	}
	g_free(body);
	icalcomponent *people = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	if (mfi_pst_add_attendees(people, msg, c->codepage, FALSE) > 0) {
		mfi_pst_remove_props(ov, ICAL_ATTENDEE_PROPERTY);
		icalproperty *p;
		while ((p = icalcomponent_get_first_property(people, ICAL_ATTENDEE_PROPERTY))) {
			icalcomponent_remove_property(people, p);
			icalcomponent_add_property(ov, p);
		}
	}
	icalcomponent_free(people);
}

/* The embedded message replacing the occurrence that started at `original`
 * (local), found by PidLidExceptionReplaceTime (UTC). Caller frees. */
static libpff_item_t *exception_message(cal_ctx *c, gint64 original)
{
	int n = 0;
	if (libpff_message_get_number_of_attachments(c->item, &n, NULL) != 1)
		return NULL;
	for (int i = 0; i < n; i++) {
		libpff_item_t *att = NULL, *msg = NULL;
		int type = 0;
		if (libpff_message_get_attachment(c->item, i, &att, NULL) != 1)
			continue;
		if (libpff_attachment_get_type(att, &type, NULL) == 1 &&
		    type == LIBPFF_ATTACHMENT_TYPE_ITEM &&
		    libpff_attachment_get_item(att, &msg, NULL) == 1) {
			mfi_pst_named *mn = mfi_pst_named_load(msg);
			gint64 replace = 0;
			gboolean has = mfi_pst_named_time(mn, MFI_PSET_APPOINTMENT,
			                                  LID_EXCEPTION_REPLACE_TIME, &replace) == 1 ||
			               mfi_pst_get_time(att, PR_EXCEPTION_REPLACE_TIME, &replace) == 1;
			mfi_pst_named_free(mn);
			if (has && utc_to_local(c, replace) / 86400 == original / 86400) {
				libpff_item_free(&att, NULL);
				return msg;
			}
			libpff_item_free(&msg, NULL);
		}
		libpff_item_free(&att, NULL);
	}
	return NULL;
}

static void add_overrides(cal_ctx *c, icalcomponent *cal, icalcomponent *master)
{
	for (guint i = 0; i < c->recur->exceptions->len; i++) {
		const mfi_pst_exception *e = c->recur->exceptions->pdata[i];
		libpff_item_t *msg = exception_message(c, MFI_MINUTES_1601_TO_LOCAL(e->original_start));
		icalcomponent *ov = mfi_pst_recur_override(e, master, c->tz, c->all_day);
		if (msg) {
			apply_embedded(c, ov, msg, e);
			libpff_item_free(&msg, NULL);
		}
		icalcomponent_add_component(cal, ov);
	}
}

/* ---- the event ------------------------------------------------------------ */

static void add_single_times(cal_ctx *c, icalcomponent *ev, gint64 start, gint64 end)
{
	if (end < start)
		end = start;
	if (c->all_day && utc_to_local(c, end) - utc_to_local(c, start) < 86400)
		end = start + 86400;
	icalcomponent_add_property(ev, utc_prop(c, icalproperty_new_dtstart, start));
	icalcomponent_add_property(ev, utc_prop(c, icalproperty_new_dtend, end));
}

/* Series times, RRULE, EXDATEs; FALSE when the pattern has no RRULE form (the
 * first occurrence is still there, and a note says why). A rule counting the
 * months of another calendar is tagged: many programs ignore its RSCALE. */
static gboolean add_series(cal_ctx *c, icalcomponent *ev)
{
	const char *why = NULL;
	if (mfi_pst_recur_apply(c->recur, ev, c->tz, c->all_day, &why)) {
		if (mfi_pst_recur_calendar_name(c->recur))
			tag(c, "PST_RecurrenceNonGregorian");
		return TRUE;
	}
	tag(c, "PST_RecurrenceUnsupported");
	mfi_pst_add_x(ev, "X-MAILFERRY-RECURRENCE-NOTE", why);
	return FALSE;
}

static icalcomponent *build(cal_ctx *c)
{
	gint64 start = 0, end = 0, v = 0;
	gboolean has_times = start_end(c->item, c->named, &start, &end);
	c->all_day = mfi_pst_named_int(c->named, MFI_PSET_APPOINTMENT, LID_SUB_TYPE, &v) == 1 && v;
	load_recur(c);
	c->tz = load_tz(c);
	if (c->recur && !c->tz && has_times && !c->all_day) /* anchor the series at its first start */
		c->tz = mfi_pst_tz_fixed((gint32)((start - mfi_pst_recur_first_start(c->recur)) / 60));
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	add_event_props(c, ev);
	gboolean series = c->recur && add_series(c, ev);
	if (!c->recur && has_times) {
		add_single_times(c, ev, start, end);
	} else if (!c->recur) {
		tag(c, "PST_MissingStart");
		gint64 created = 0;
		mfi_pst_get_time(c->item, MFI_PR_CREATION_TIME, &created);
		add_single_times(c, ev, created, created);
	}
	icalcomponent *cal = mfi_pst_vcalendar_wrap(ev, c->tz && !c->all_day
	                                                    ? mfi_pst_tz_to_vtimezone(c->tz) : NULL);
	if (series)
		add_overrides(c, cal, ev);
	return cal;
}

icalcomponent *mfi_pst_build_vcalendar(const mfi_pst_file *pf, libpff_item_t *item,
                                       const char *locator, GPtrArray *tags, GError **error)
{
	cal_ctx c = { .pf = pf, .item = item, .tags = tags };
	c.named = mfi_pst_named_load(item);
	if (!mfi_pst_named_readable(c.named)) {
		g_set_error(error, MF_ERROR, 0, "%s: %s: cannot read the appointment's properties",
		            pf->path, locator);
		mfi_pst_named_free(c.named);
		return NULL;
	}
	c.codepage = mfi_pst_item_codepage(item, pf->ascii_codepage);
	icalcomponent *cal = build(&c);
	mfi_pst_named_free(c.named);
	mfi_pst_recur_free(c.recur);
	mfi_pst_tz_free(c.tz);
	return cal;
}

/* The series (or single) VEVENT: the one without RECURRENCE-ID. */
static icalcomponent *master_vevent(icalcomponent *cal)
{
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (!icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY))
			return c;
	return NULL;
}

mf_item *mfi_pst_item_to_event(const mfi_pst_file *pf, libpff_item_t *item,
                               const char *locator, GError **error)
{
	GPtrArray *tags = g_ptr_array_new();
	icalcomponent *cal = mfi_pst_build_vcalendar(pf, item, locator, tags, error);
	if (!cal) {
		g_ptr_array_unref(tags);
		return NULL;
	}
	int cp = mfi_pst_item_codepage(item, pf->ascii_codepage);
	mf_item *it = mfi_pst_item_new(pf, item, MF_KIND_EVENT, locator, cp);
	it->ical = cal;
	icalcomponent *master = master_vevent(cal);
	if (master)
		mfi_pst_add_ical_attachments(pf, item, master, it);
	for (guint i = 0; i < tags->len; i++)
		mf_item_add_repair_tag(it, tags->pdata[i]);
	g_ptr_array_unref(tags);
	return it;
}
