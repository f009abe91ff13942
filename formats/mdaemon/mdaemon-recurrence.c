/* Calendar.mrk <Recurrence> (formats.md D.6, MD_RecurrencePattern) -> RRULE,
 * EXDATE and RECURRENCE-ID overrides, and its <TimeZone> -> a VTIMEZONE.
 *
 * Type 1 daily, 2 weekly, 3 monthly, 4 yearly (2 and 4 observed, 1 and 3 by
 * analogy [I]); Interval -> INTERVAL (yearly: a multiple of 12 is read as
 * months, as Outlook's pattern stores it [I]); DayOfWeekMask Sun=1 .. Sat=64
 * -> BYDAY; Instance 1..4 / 5 = last with a day mask -> the Nth (week)day:
 * BYDAY=2TU for one day, BYDAY=SU,SA;BYSETPOS=1 for several ("first weekend
 * day", formats.md B.1); else DayOfMonth -> BYMONTHDAY (29..31: the last day
 * of a shorter month, as Outlook, BYMONTHDAY=28,29,30;BYSETPOS=-1); MonthOfYear
 * -> BYMONTH.
 * SubType is not needed for any of that and is only kept [U]. Occurrences > 0
 * -> COUNT, else End (4500-08-31 = never) -> UNTIL at the series' time of day.
 * Deleted Occurrence -> EXDATE and Changed Occurrence -> RECURRENCE-ID, both
 * at the date of the occurrence and the series' time of day (the stored time
 * is 00:00). All attributes are also kept verbatim in X-MDAEMON-RECURRENCE.
 *
 * TimeZone Bias is a Windows bias (UTC = local + Bias minutes). MDaemon's API
 * also has DaylightBias/StandardDate/DaylightDate, whose text form in the file
 * is unknown [U]: the VTIMEZONE has the fixed offset of Bias, named
 * "MDaemon UTC+07:00" (a fixed offset maps to no single Olson zone), and any
 * other TimeZone attribute is kept as X-MDAEMON-TIMEZONE-*. */
#include "mdaemon-gw.h"

#include <string.h>

static const char *const day_names[7] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };

/* ---- time zone ------------------------------------------------------------ */

void mfi_mdgw_times_init(mfi_mdgw_times *t, xmlNode *event)
{
	memset(t, 0, sizeof *t);
	t->all_day = mfi_mdgw_attr_int(event, "AllDay", 0) != 0;
	xmlNode *tz = mfi_mdgw_child(mfi_mdgw_child(event, "Recurrence"), "TimeZone");
	gint64 bias = mfi_mdgw_attr_int(tz, "Bias", G_MININT64);
	if (bias < -24 * 60 || bias > 24 * 60)
		return;
	int east = (int)-bias;
	t->has_zone = TRUE;
	t->bias = (int)bias;
	t->tzid = g_strdup_printf("MDaemon UTC%c%02d:%02d", east < 0 ? '-' : '+', ABS(east) / 60,
	                          ABS(east) % 60);
}

void mfi_mdgw_times_clear(mfi_mdgw_times *t)
{
	g_free(t->tzid);
	t->tzid = NULL;
}

icalproperty *mfi_mdgw_time_prop(const mfi_mdgw_times *t,
                                 icalproperty *(*make)(struct icaltimetype),
                                 struct icaltimetype local)
{
	local.zone = NULL;
	if (t->all_day) {
		local.is_date = 1;
		local.hour = local.minute = local.second = 0;
		return make(local);
	}
	icalproperty *p = make(local);
	if (t->has_zone)
		icalproperty_add_parameter(p, icalparameter_new_tzid(t->tzid));
	return p;
}

struct icaltimetype mfi_mdgw_to_utc(const mfi_mdgw_times *t, struct icaltimetype local)
{
	struct icaltimetype u = local;
	u.is_date = 0;
	if (t->has_zone)
		icaltime_adjust(&u, 0, 0, t->bias, 0);
	u.zone = icaltimezone_get_utc_timezone();
	return u;
}

icalcomponent *mfi_mdgw_vtimezone(const mfi_mdgw_times *t)
{
	icalcomponent *vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	icalcomponent_add_property(vtz, icalproperty_new_tzid(t->tzid));
	icalcomponent *std = icalcomponent_new(ICAL_XSTANDARD_COMPONENT);
	struct icaltimetype onset = icaltime_null_time();
	onset.year = 1601, onset.month = 1, onset.day = 1;
	icalcomponent_add_property(std, icalproperty_new_dtstart(onset));
	icalcomponent_add_property(std, icalproperty_new_tzoffsetfrom(-t->bias * 60));
	icalcomponent_add_property(std, icalproperty_new_tzoffsetto(-t->bias * 60));
	icalcomponent_add_property(std, icalproperty_new_tzname(t->tzid + strlen("MDaemon ")));
	icalcomponent_add_component(vtz, std);
	return vtz;
}

/* ---- RRULE ---------------------------------------------------------------- */

typedef struct {
	xmlNode *recur;
	const mfi_mdgw_times *t;
	struct icaltimetype start;
	GString *rule;
	char **why_r;
} rule_ctx;

static void append_days(GString *s, gint64 mask, int nth)
{
	gboolean first = TRUE;
	for (int d = 0; d < 7; d++)
		if (mask & (1 << d)) {
			g_string_append_printf(s, "%s", first ? "" : ",");
			if (nth)
				g_string_append_printf(s, "%d", nth);
			g_string_append(s, day_names[d]);
			first = FALSE;
		}
}

static int popcount7(gint64 mask)
{
	int n = 0;
	for (int d = 0; d < 7; d++)
		n += (mask >> d) & 1;
	return n;
}

/* The Nth (week)day form, or BYMONTHDAY. */
static void add_month_day(rule_ctx *c)
{
	gint64 instance = mfi_mdgw_attr_int(c->recur, "Instance", 0);
	gint64 mask = mfi_mdgw_attr_int(c->recur, "DayOfWeekMask", 0) & 127;
	if (instance >= 1 && instance <= 5 && mask) {
		int nth = instance == 5 ? -1 : (int)instance;
		g_string_append(c->rule, ";BYDAY=");
		if (popcount7(mask) == 1) {
			append_days(c->rule, mask, nth);
		} else {
			append_days(c->rule, mask, 0);
			g_string_append_printf(c->rule, ";BYSETPOS=%d", nth);
		}
		return;
	}
	gint64 day = mfi_mdgw_attr_int(c->recur, "DayOfMonth", 0);
	if (day < 1 || day > 31)
		day = c->start.day;
	if (day < 29) {
		g_string_append_printf(c->rule, ";BYMONTHDAY=%d", (int)day);
		return;
	}
	/* Outlook's "day 31" is the last day of a shorter month [I]; BYMONTHDAY=31
	 * alone would skip those months: the latest of days 28..31 that exists */
	g_string_append(c->rule, ";BYMONTHDAY=28");
	for (int d = 29; d <= day; d++)
		g_string_append_printf(c->rule, ",%d", d);
	g_string_append(c->rule, ";BYSETPOS=-1");
}

static gboolean add_freq(rule_ctx *c)
{
	static const char *const freqs[] = { NULL, "DAILY", "WEEKLY", "MONTHLY", "YEARLY" };
	gint64 type = mfi_mdgw_attr_int(c->recur, "Type", -1);
	gint64 interval = mfi_mdgw_attr_int(c->recur, "Interval", 1);
	gint64 mask = mfi_mdgw_attr_int(c->recur, "DayOfWeekMask", 0) & 127;
	if (type < 1 || type > 4) {
		char *raw = mfi_mdgw_attr(c->recur, "Type");
		*c->why_r = g_strdup_printf("Recurrence Type=%s is not known; only the first "
		                            "occurrence is kept", raw ? raw : "(none)");
		g_free(raw);
		return FALSE;
	}
	if (type == 4 && interval >= 12 && interval % 12 == 0)
		interval /= 12;
	g_string_append_printf(c->rule, "FREQ=%s", freqs[type]);
	if (interval > 1)
		g_string_append_printf(c->rule, ";INTERVAL=%d", (int)MIN(interval, 10000));
	if (type == 2 && interval > 1)
		g_string_append(c->rule, ";WKST=SU"); /* Outlook's default first day of week [I] */
	if ((type == 1 && mask && mask != 127) || type == 2) {
		g_string_append(c->rule, ";BYDAY=");
		append_days(c->rule, mask ? mask : 1 << (icaltime_day_of_week(c->start) - 1), 0);
	} else if (type == 3) {
		add_month_day(c);
	} else if (type == 4) {
		gint64 month = mfi_mdgw_attr_int(c->recur, "MonthOfYear", 0);
		g_string_append_printf(c->rule, ";BYMONTH=%d", month >= 1 && month <= 12
		                                                ? (int)month : c->start.month);
		add_month_day(c);
	}
	return TRUE;
}

/* COUNT, or UNTIL at the series' time of day on the End date (UTC when zoned). */
static void add_end(rule_ctx *c)
{
	gint64 count = mfi_mdgw_attr_int(c->recur, "Occurrences", 0);
	if (count > 0) {
		g_string_append_printf(c->rule, ";COUNT=%d", (int)MIN(count, 100000));
		return;
	}
	char *end_text = mfi_mdgw_child_text(c->recur, "End");
	struct icaltimetype end;
	if (end_text && mfi_mdgw_time(end_text, &end) && end.year < 4500) {
		end.hour = c->start.hour, end.minute = c->start.minute, end.second = c->start.second;
		char *until;
		if (c->t->all_day)
			until = g_strdup_printf("%04d%02d%02d", end.year, end.month, end.day);
		else if (c->t->has_zone)
			until = g_strdup(icaltime_as_ical_string(mfi_mdgw_to_utc(c->t, end)));
		else
			until = g_strdup(icaltime_as_ical_string(end));
		g_string_append_printf(c->rule, ";UNTIL=%s", until);
		g_free(until);
	}
	g_free(end_text);
}

/* ---- occurrences ---------------------------------------------------------- */

/* The occurrence on the date in attribute Occurrence, at the series' time. */
static gboolean occurrence(xmlNode *n, struct icaltimetype series, struct icaltimetype *t_r)
{
	char *s = mfi_mdgw_attr(n, "Occurrence");
	gboolean ok = s && mfi_mdgw_time(g_strstrip(s), t_r);
	g_free(s);
	if (ok)
		t_r->hour = series.hour, t_r->minute = series.minute, t_r->second = series.second;
	return ok;
}

static void keep_raw(icalcomponent *comp, xmlNode *n, const char *what)
{
	char *xml = mfi_mdgw_node_xml(n);
	char *note = g_strdup_printf("%s not decoded: %s", what, xml);
	mfi_mdgw_add_x(comp, "X-MDAEMON-UNDECODED", note);
	g_free(note);
	g_free(xml);
}

static void replace_text(icalcomponent *ov, xmlNode *n, const char *a, const char *b,
                         icalproperty_kind kind, icalproperty *(*make)(const char *))
{
	xmlNode *el = mfi_mdgw_child(n, a) ? mfi_mdgw_child(n, a) : mfi_mdgw_child(n, b);
	if (!el)
		return;
	char *v = mfi_mdgw_text(el);
	mfi_mdgw_remove(ov, kind, NULL);
	if (v && *v)
		icalcomponent_add_property(ov, make(v));
	g_free(v);
}

static icalcomponent *override_base(icalcomponent *master)
{
	static const icalproperty_kind drop[] = { ICAL_RRULE_PROPERTY, ICAL_EXDATE_PROPERTY,
		                                      ICAL_RDATE_PROPERTY, ICAL_DTSTART_PROPERTY,
		                                      ICAL_DTEND_PROPERTY, ICAL_DURATION_PROPERTY };
	icalcomponent *ov = icalcomponent_new_clone(master);
	for (gsize i = 0; i < G_N_ELEMENTS(drop); i++)
		mfi_mdgw_remove(ov, drop[i], NULL);
	mfi_mdgw_remove(ov, ICAL_X_PROPERTY, "X-MDAEMON-RECURRENCE");
	return ov;
}

/* Changed Occurrence: own Start/End and, when present, Subject, Location,
 * Comment, Categories, BusyStatus, ReminderSet/ReminderMin (also the API's
 * New* names); anything else kept as X-MDAEMON-CHANGED-*. */
static icalcomponent *changed(xmlNode *n, const mfi_mdgw_times *t, icalcomponent *master,
                              struct icaltimetype rid, int duration)
{
	static const char *const attrs[] = { "Occurrence", "BusyStatus", "ReminderSet",
		                                 "ReminderMin", NULL };
	static const char *const kids[] = { "Start", "End", "Subject", "NewSubject", "Location",
		                                "NewLocation", "Comment", "NewComment", NULL };
	icalcomponent *ov = override_base(master);
	struct icaltimetype start = rid, end;
	char *s = mfi_mdgw_child_text(n, "Start"), *e = mfi_mdgw_child_text(n, "End");
	if (!s || !mfi_mdgw_time(s, &start))
		start = rid;
	end = start;
	if (!e || !mfi_mdgw_time(e, &end) || icaltime_compare(end, start) < 0) {
		end = start;
		icaltime_adjust(&end, 0, 0, 0, duration);
	}
	if (t->all_day)
		icaltime_adjust(&end, 1, 0, 0, 0);
	g_free(s), g_free(e);
	icalcomponent_add_property(ov, mfi_mdgw_time_prop(t, icalproperty_new_recurrenceid, rid));
	icalcomponent_add_property(ov, mfi_mdgw_time_prop(t, icalproperty_new_dtstart, start));
	icalcomponent_add_property(ov, mfi_mdgw_time_prop(t, icalproperty_new_dtend, end));
	replace_text(ov, n, "Subject", "NewSubject", ICAL_SUMMARY_PROPERTY, icalproperty_new_summary);
	replace_text(ov, n, "Location", "NewLocation", ICAL_LOCATION_PROPERTY,
	             icalproperty_new_location);
	replace_text(ov, n, "Comment", "NewComment", ICAL_DESCRIPTION_PROPERTY,
	             icalproperty_new_description);
	gint64 busy = mfi_mdgw_attr_int(n, "BusyStatus", G_MININT64);
	if (busy != G_MININT64)
		mfi_mdgw_set_busy(ov, busy, FALSE);
	mfi_mdgw_keep_unknown(ov, n, "Changed-", attrs, kids);
	return ov;
}

static void add_occurrences(xmlNode *recur, const mfi_mdgw_times *t, icalcomponent *cal,
                            icalcomponent *master, struct icaltimetype series, int duration)
{
	for (xmlNode *n = recur->children; n; n = n->next) {
		struct icaltimetype when;
		gboolean del = mfi_mdgw_is(n, "Deleted"), chg = mfi_mdgw_is(n, "Changed");
		if (!del && !chg)
			continue;
		if (!occurrence(n, series, &when))
			keep_raw(master, n, del ? "deleted occurrence" : "changed occurrence");
		else if (del)
			icalcomponent_add_property(master, mfi_mdgw_time_prop(t, icalproperty_new_exdate,
			                                                      when));
		else
			icalcomponent_add_component(cal, changed(n, t, master, when, duration));
	}
}

gboolean mfi_mdgw_recurrence_start(xmlNode *recur, struct icaltimetype *start_r)
{
	char *s = mfi_mdgw_child_text(recur, "Start");
	gboolean ok = s && mfi_mdgw_time(s, start_r);
	g_free(s);
	return ok;
}

static void keep_recurrence_raw(icalcomponent *master, xmlNode *recur)
{
	static const char *const attrs[] = { "Type", "SubType", "Interval", "DayOfWeekMask",
		                                 "DayOfMonth", "MonthOfYear", "Instance", "Occurrences",
		                                 NULL };
	static const char *const kids[] = { "Start", "End", "Deleted", "Changed", "TimeZone", NULL };
	static const char *const tz_attrs[] = { "Bias", NULL };
	char *raw = mfi_mdgw_attrs_string(recur);
	mfi_mdgw_add_x(master, "X-MDAEMON-RECURRENCE", raw);
	g_free(raw);
	mfi_mdgw_keep_unknown(master, recur, "Recurrence-", attrs, kids);
	xmlNode *tz = mfi_mdgw_child(recur, "TimeZone");
	if (tz)
		mfi_mdgw_keep_unknown(master, tz, "TimeZone-", tz_attrs, NULL);
}

gboolean mfi_mdgw_recurrence(xmlNode *recur, const mfi_mdgw_times *t, icalcomponent *cal,
                             icalcomponent *master, struct icaltimetype series_start,
                             int duration_secs, char **why_r)
{
	rule_ctx c = { .recur = recur, .t = t, .start = series_start, .rule = g_string_new(NULL),
		           .why_r = why_r };
	keep_recurrence_raw(master, recur);
	gboolean ok = add_freq(&c);
	if (ok) {
		add_end(&c);
		struct icalrecurrencetype r = icalrecurrencetype_from_string(c.rule->str);
		ok = r.freq != ICAL_NO_RECURRENCE;
		if (ok)
			icalcomponent_add_property(master, icalproperty_new_rrule(r));
		else
			*why_r = g_strdup_printf("libical rejects the rule %s", c.rule->str);
	}
	if (ok)
		add_occurrences(recur, t, cal, master, series_start, duration_secs);
	g_string_free(c.rule, TRUE);
	return ok;
}
