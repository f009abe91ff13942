/* Events as typed t:CalendarItem elements in schema order (ews.md §3.1/3.2):
 * ItemType part (Subject, Sensitivity, Body, Categories, Importance,
 * reminder), then UID, Start, End, IsAllDayEvent, LegacyFreeBusyStatus,
 * Location, attendees, Recurrence, StartTimeZone, EndTimeZone.
 *
 * Times with a zone are written in UTC ("…Z") plus the Windows zone name
 * (data/windowsZones.tsv) so the server expands recurrences across DST; dates
 * of all-day events and floating times are written without an offset.
 * A meeting whose organizer is not the target mailbox becomes an appointment
 * with organizer and attendees in the body: the server would make the
 * mailbox owner the organizer (ews.md §3.5). */
#include "ews.h"
#include "mailferry/windows-zones.h"
#include "../../src/transform/repair.h"

#include <string.h>

/* ---- time zones ---- */

/* The Windows name for a TZID: a Windows name itself, an IANA golden zone,
 * or one with a libical prefix ("/freeassociation.sourceforge.net/Europe/…"). */
static const char *windows_zone_for(const char *tzid, icaltimezone *zone)
{
	const char *iana = tzid ? mf_windows_zone_to_iana(tzid) : NULL;
	if (iana)
		return mf_windows_zone_from_iana(iana) ? mf_windows_zone_from_iana(iana) : tzid;
	const char *names[] = { tzid, zone ? icaltimezone_get_location(zone) : NULL };
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		for (const char *p = names[i]; p && *p; p = strchr(p + 1, '/')) {
			const char *s = *p == '/' ? p + 1 : p;
			const char *w = mf_windows_zone_from_iana(s);
			if (w)
				return w;
		}
	}
	return NULL;
}

static const char *tzid_of(icalproperty *p)
{
	icalparameter *param = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;
	return param ? icalparameter_get_tzid(param) : NULL;
}

/* xs:dateTime: UTC for zoned times, no offset for dates and floating times. */
static char *ews_time(icaltimetype t)
{
	if (t.is_date)
		return g_strdup_printf("%04d-%02d-%02dT00:00:00", t.year, t.month, t.day);
	if (t.zone || icaltime_is_utc(t))
		return mfi_ews_utc((gint64)icaltime_as_timet_with_zone(t, t.zone));
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
	                       t.minute, t.second);
}

static void write_time(xmlTextWriterPtr w, const char *name, icaltimetype t)
{
	char *s = ews_time(t);
	mfi_ews_text(w, name, s);
	g_free(s);
}

/* ---- recurrence (ews.md §3.3) ---- */

typedef struct {
	const char *pattern;  /* element name */
	int interval;         /* 0: none written */
	char *days;           /* DaysOfWeek, owned */
	const char *index;    /* DayOfWeekIndex */
	int day_of_month;
	int month;
} recur_plan;

static const char *const day_names[] = { NULL, "Sunday", "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday" };
static const char *const month_names[] = { NULL, "January", "February", "March", "April",
                                           "May", "June", "July", "August", "September",
                                           "October", "November", "December" };

static int count_by(const short *a, int size)
{
	int n = 0;
	while (n < size && a[n] != ICAL_RECURRENCE_ARRAY_MAX)
		n++;
	return n;
}

static const char *index_name(int pos)
{
	static const char *const names[] = { NULL, "First", "Second", "Third", "Fourth" };
	if (pos >= 1 && pos <= 4)
		return names[pos];
	return pos == -1 ? "Last" : NULL;
}

/* Bit mask of weekdays (1 << 1 Sunday … 1 << 7 Saturday); -1 when one has an ordinal. */
static int day_mask(const struct icalrecurrencetype *r)
{
	int mask = 0;
	for (int i = 0; i < count_by(r->by_day, ICAL_BY_DAY_SIZE); i++) {
		if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
			return -1;
		mask |= 1 << icalrecurrencetype_day_day_of_week(r->by_day[i]);
	}
	return mask;
}

#define WEEKDAYS 0x7c /* Monday..Friday: bits 2..6 */
#define WEEKEND ((1 << 1) | (1 << 7))
#define ALLDAYS (0xfe)

static char *days_list(int mask)
{
	GString *s = g_string_new(NULL);
	for (int d = 1; d <= 7; d++)
		if (mask & (1 << d))
			g_string_append_printf(s, "%s%s", s->len ? " " : "", day_names[d]);
	return g_string_free(s, FALSE);
}

/* The single DaysOfWeek value a relative pattern can take for a day set. */
static char *relative_days(int mask)
{
	if (mask == WEEKEND)
		return g_strdup("WeekendDay");
	if (mask == WEEKDAYS)
		return g_strdup("Weekday");
	if (mask == ALLDAYS)
		return g_strdup("Day");
	for (int d = 1; d <= 7; d++)
		if (mask == (1 << d))
			return g_strdup(day_names[d]);
	return NULL;
}

/* BYDAY (+BYSETPOS) of a monthly/yearly rule as DaysOfWeek + DayOfWeekIndex. */
static gboolean plan_relative(const struct icalrecurrencetype *r, recur_plan *p)
{
	int ndays = count_by(r->by_day, ICAL_BY_DAY_SIZE);
	int nset = count_by(r->by_set_pos, ICAL_BY_SETPOS_SIZE);
	if (ndays == 1 && nset == 0) {
		int pos = icalrecurrencetype_day_position(r->by_day[0]);
		p->index = index_name(pos);
		p->days = g_strdup(day_names[icalrecurrencetype_day_day_of_week(r->by_day[0])]);
		return p->index != NULL;
	}
	int mask = day_mask(r);
	if (mask <= 0 || nset != 1 || !(p->index = index_name(r->by_set_pos[0])))
		return FALSE;
	p->days = relative_days(mask);
	return p->days != NULL;
}

static gboolean plan_monthly(const struct icalrecurrencetype *r, icaltimetype start,
                             recur_plan *p, int interval)
{
	int nmd = count_by(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
	p->interval = interval;
	if (count_by(r->by_day, ICAL_BY_DAY_SIZE) > 0) {
		p->pattern = "t:RelativeMonthlyRecurrence";
		return nmd == 0 && plan_relative(r, p);
	}
	if (count_by(r->by_set_pos, ICAL_BY_SETPOS_SIZE) > 0 || nmd > 1)
		return FALSE;
	int day = nmd ? r->by_month_day[0] : start.day;
	if (day == -1) {
		p->pattern = "t:RelativeMonthlyRecurrence";
		p->days = g_strdup("Day");
		p->index = "Last";
		return TRUE;
	}
	p->pattern = "t:AbsoluteMonthlyRecurrence";
	p->day_of_month = day;
	return day >= 1 && day <= 31;
}

static gboolean plan_yearly(const struct icalrecurrencetype *r, icaltimetype start,
                            recur_plan *p)
{
	int nmonth = count_by(r->by_month, ICAL_BY_MONTH_SIZE);
	if (nmonth > 1)
		return FALSE;
	if (r->interval > 1) /* EWS yearly patterns have no interval: every 12n months */
		return (nmonth == 0 || r->by_month[0] == start.month) &&
		       plan_monthly(r, start, p, 12 * r->interval);
	p->month = nmonth ? r->by_month[0] : start.month;
	int nmd = count_by(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
	if (count_by(r->by_day, ICAL_BY_DAY_SIZE) > 0) {
		p->pattern = "t:RelativeYearlyRecurrence";
		return nmd == 0 && plan_relative(r, p);
	}
	p->pattern = "t:AbsoluteYearlyRecurrence";
	p->day_of_month = nmd ? r->by_month_day[0] : start.day;
	return nmd <= 1 && p->day_of_month >= 1 && p->day_of_month <= 31 &&
	       count_by(r->by_set_pos, ICAL_BY_SETPOS_SIZE) == 0;
}

static gboolean plan_recurrence(const struct icalrecurrencetype *r, icaltimetype start,
                                recur_plan *p)
{
	memset(p, 0, sizeof *p);
	/* EWS patterns count Gregorian months: a rule in another calendar's
	 * (RFC 7529 RSCALE) would land on other dates */
	if (r->rscale && g_ascii_strcasecmp(r->rscale, "GREGORIAN") != 0)
		return FALSE;
	if (count_by(r->by_second, ICAL_BY_SECOND_SIZE) || count_by(r->by_minute, ICAL_BY_MINUTE_SIZE) ||
	    count_by(r->by_hour, ICAL_BY_HOUR_SIZE) || count_by(r->by_year_day, ICAL_BY_YEARDAY_SIZE) ||
	    count_by(r->by_week_no, ICAL_BY_WEEKNO_SIZE))
		return FALSE;
	int interval = r->interval > 0 ? r->interval : 1;
	int mask = day_mask(r);
	gboolean plain_days = count_by(r->by_month_day, ICAL_BY_MONTHDAY_SIZE) == 0 &&
	                      count_by(r->by_month, ICAL_BY_MONTH_SIZE) == 0 &&
	                      count_by(r->by_set_pos, ICAL_BY_SETPOS_SIZE) == 0;
	switch (r->freq) {
	case ICAL_DAILY_RECURRENCE:
		if (plain_days && mask == 0) {
			p->pattern = "t:DailyRecurrence";
			p->interval = interval;
			return TRUE;
		}
		if (plain_days && mask > 0 && interval == 1) { /* every weekday */
			p->pattern = "t:WeeklyRecurrence";
			p->interval = 1;
			p->days = days_list(mask);
			return TRUE;
		}
		return FALSE;
	case ICAL_WEEKLY_RECURRENCE:
		if (!plain_days || mask < 0)
			return FALSE;
		p->pattern = "t:WeeklyRecurrence";
		p->interval = interval;
		p->days = days_list(mask ? mask : 1 << icaltime_day_of_week(start));
		return TRUE;
	case ICAL_MONTHLY_RECURRENCE:
		if (count_by(r->by_month, ICAL_BY_MONTH_SIZE) == 0)
			return plan_monthly(r, start, p, interval);
		/* monthly, limited to one month: yearly ("BYDAY=-1SU;BYMONTH=10") */
		return interval == 1 && count_by(r->by_month, ICAL_BY_MONTH_SIZE) == 1 &&
		       plan_yearly(r, start, p);
	case ICAL_YEARLY_RECURRENCE:
		return plan_yearly(r, start, p);
	default:
		return FALSE;
	}
}

static void write_range(xmlTextWriterPtr w, const struct icalrecurrencetype *r,
                        icaltimetype start)
{
	char *start_date = g_strdup_printf("%04d-%02d-%02d", start.year, start.month, start.day);
	if (r->count > 0) {
		xmlTextWriterStartElement(w, BAD_CAST "t:NumberedRecurrence");
		mfi_ews_text(w, "t:StartDate", start_date);
		mfi_ews_textf(w, "t:NumberOfOccurrences", "%d", r->count);
	} else if (!icaltime_is_null_time(r->until)) {
		icaltimetype until = r->until;
		if (!until.is_date && start.zone)
			until = icaltime_convert_to_zone(until, (icaltimezone *)start.zone);
		xmlTextWriterStartElement(w, BAD_CAST "t:EndDateRecurrence");
		mfi_ews_text(w, "t:StartDate", start_date);
		mfi_ews_textf(w, "t:EndDate", "%04d-%02d-%02d", until.year, until.month, until.day);
	} else {
		xmlTextWriterStartElement(w, BAD_CAST "t:NoEndRecurrence");
		mfi_ews_text(w, "t:StartDate", start_date);
	}
	xmlTextWriterEndElement(w);
	g_free(start_date);
}

static void write_plan(xmlTextWriterPtr w, const recur_plan *p)
{
	xmlTextWriterStartElement(w, BAD_CAST p->pattern);
	if (p->interval)
		mfi_ews_textf(w, "t:Interval", "%d", p->interval);
	if (p->day_of_month)
		mfi_ews_textf(w, "t:DayOfMonth", "%d", p->day_of_month);
	mfi_ews_text(w, "t:DaysOfWeek", p->days);
	mfi_ews_text(w, "t:DayOfWeekIndex", p->index);
	if (p->month)
		mfi_ews_text(w, "t:Month", month_names[p->month]);
	xmlTextWriterEndElement(w);
}

gboolean mfi_ews_recurrence_ok(icalproperty *rrule, icaltimetype start)
{
	struct icalrecurrencetype r = icalproperty_get_rrule(rrule);
	recur_plan p;
	gboolean ok = plan_recurrence(&r, start, &p);
	g_free(p.days);
	return ok;
}

/* TRUE when written; FALSE (nothing written) when EWS cannot express the rule. */
gboolean mfi_ews_recurrence(xmlTextWriterPtr w, icalproperty *rrule, icaltimetype start)
{
	struct icalrecurrencetype r = icalproperty_get_rrule(rrule);
	recur_plan p;
	gboolean ok = plan_recurrence(&r, start, &p);
	if (ok) {
		xmlTextWriterStartElement(w, BAD_CAST "t:Recurrence");
		write_plan(w, &p);
		write_range(w, &r, start);
		xmlTextWriterEndElement(w);
	}
	g_free(p.days);
	return ok;
}

/* ---- item parts ---- */

static char *address_of(icalproperty *p)
{
	const char *v = icalproperty_get_value_as_string(p);
	if (!v)
		return g_strdup("");
	if (g_ascii_strncasecmp(v, "mailto:", 7) == 0)
		v += 7;
	return g_strstrip(g_strdup(v));
}

void mfi_ews_ical_categories(GPtrArray *names, icalcomponent *c, const mf_item *item)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_CATEGORIES_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_CATEGORIES_PROPERTY)) {
		char **parts = g_strsplit(icalproperty_get_categories(p), ",", -1);
		for (char **s = parts; *s; s++)
			mfi_ews_add_unique(names, g_strstrip(*s));
		g_strfreev(parts);
	}
	for (guint i = 0; item->categories && i < item->categories->len; i++)
		mfi_ews_add_unique(names, item->categories->pdata[i]);
	for (guint i = 0; item->repair_tags && i < item->repair_tags->len; i++)
		mfi_ews_add_unique(names, item->repair_tags->pdata[i]);
}

void mfi_ews_item_head(xmlTextWriterPtr w, icalcomponent *c, const mf_item *item,
                       const char *body)
{
	mfi_ews_text(w, "t:Subject", icalcomponent_get_summary(c));
	icalproperty *cls = icalcomponent_get_first_property(c, ICAL_CLASS_PROPERTY);
	if (cls) {
		enum icalproperty_class v = icalproperty_get_class(cls);
		mfi_ews_text(w, "t:Sensitivity", v == ICAL_CLASS_PRIVATE ? "Private"
		             : v == ICAL_CLASS_CONFIDENTIAL ? "Confidential" : "Normal");
	}
	mfi_ews_body(w, body);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	mfi_ews_ical_categories(names, c, item);
	mfi_ews_categories(w, names);
	g_ptr_array_unref(names);
	icalproperty *prio = icalcomponent_get_first_property(c, ICAL_PRIORITY_PROPERTY);
	int pr = prio ? icalproperty_get_priority(prio) : 0;
	if (pr > 0)
		mfi_ews_text(w, "t:Importance", pr < 5 ? "High" : pr == 5 ? "Normal" : "Low");
}

#define MAX_REMINDER_MINUTES 2629800 /* the schema's limit (five years) */

/* Minutes before start of the first VALARM, or -1. */
static int reminder_minutes(icalcomponent *c, icaltimetype start)
{
	icalcomponent *alarm = icalcomponent_get_first_component(c, ICAL_VALARM_COMPONENT);
	icalproperty *p = alarm ? icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY) : NULL;
	if (!p)
		return -1;
	struct icaltriggertype t = icalproperty_get_trigger(p);
	int seconds;
	if (!icaltime_is_null_time(t.time))
		seconds = (int)(icaltime_as_timet_with_zone(start, start.zone) -
		                icaltime_as_timet_with_zone(t.time, t.time.zone));
	else
		seconds = -icaldurationtype_as_int(t.duration);
	return seconds > 0 ? MIN(seconds / 60, MAX_REMINDER_MINUTES) : 0;
}

static const char *busy_status(icalcomponent *c, const mf_item *item)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		if (g_ascii_strcasecmp(icalproperty_get_x_name(p), "X-MICROSOFT-CDO-BUSYSTATUS") != 0)
			continue;
		const char *v = icalproperty_get_x(p);
		static const char *const map[][2] = { { "FREE", "Free" }, { "TENTATIVE", "Tentative" },
			{ "BUSY", "Busy" }, { "OOF", "OOF" }, { "WORKINGELSEWHERE", "WorkingElsewhere" } };
		for (gsize i = 0; v && i < G_N_ELEMENTS(map); i++)
			if (g_ascii_strcasecmp(v, map[i][0]) == 0)
				return map[i][1];
	}
	for (guint i = 0; item->categories && i < item->categories->len; i++)
		if (strcmp(item->categories->pdata[i], "TravelTime") == 0)
			return "OOF";
	icalproperty *transp = icalcomponent_get_first_property(c, ICAL_TRANSP_PROPERTY);
	if (transp && icalproperty_get_transp(transp) == ICAL_TRANSP_TRANSPARENT)
		return "Free";
	return icalcomponent_get_status(c) == ICAL_STATUS_TENTATIVE ? "Tentative" : "Busy";
}

static const char *response_type(icalproperty *p)
{
	icalparameter *ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
	switch (ps ? icalparameter_get_partstat(ps) : ICAL_PARTSTAT_NONE) {
	case ICAL_PARTSTAT_ACCEPTED: return "Accept";
	case ICAL_PARTSTAT_DECLINED: return "Decline";
	case ICAL_PARTSTAT_TENTATIVE: return "Tentative";
	case ICAL_PARTSTAT_NEEDSACTION: return "NoResponseReceived";
	default: return "Unknown";
	}
}

/* 0 required, 1 optional, 2 resource. */
static int attendee_group(icalproperty *p)
{
	icalparameter *cu = icalproperty_get_first_parameter(p, ICAL_CUTYPE_PARAMETER);
	if (cu && (icalparameter_get_cutype(cu) == ICAL_CUTYPE_RESOURCE ||
	           icalparameter_get_cutype(cu) == ICAL_CUTYPE_ROOM))
		return 2;
	icalparameter *role = icalproperty_get_first_parameter(p, ICAL_ROLE_PARAMETER);
	if (role && (icalparameter_get_role(role) == ICAL_ROLE_OPTPARTICIPANT ||
	             icalparameter_get_role(role) == ICAL_ROLE_NONPARTICIPANT))
		return 1;
	return 0;
}

static void write_attendees(xmlTextWriterPtr w, icalcomponent *c, const char *organizer)
{
	static const char *const groups[] = { "t:RequiredAttendees", "t:OptionalAttendees",
	                                      "t:Resources" };
	for (int g = 0; g < 3; g++) {
		gboolean open = FALSE;
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
			char *addr = address_of(p);
			if (attendee_group(p) != g || !*addr || g_ascii_strcasecmp(addr, organizer) == 0) {
				g_free(addr);
				continue;
			}
			if (!open)
				xmlTextWriterStartElement(w, BAD_CAST groups[g]);
			open = TRUE;
			icalparameter *cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
			xmlTextWriterStartElement(w, BAD_CAST "t:Attendee");
			xmlTextWriterStartElement(w, BAD_CAST "t:Mailbox");
			mfi_ews_text(w, "t:Name", cn ? icalparameter_get_cn(cn) : NULL);
			mfi_ews_text(w, "t:EmailAddress", addr);
			if (strchr(addr, '@'))
				mfi_ews_text(w, "t:RoutingType", "SMTP");
			xmlTextWriterEndElement(w);
			mfi_ews_text(w, "t:ResponseType", response_type(p));
			xmlTextWriterEndElement(w);
			g_free(addr);
		}
		if (open)
			xmlTextWriterEndElement(w);
	}
}

/* Body text: DESCRIPTION, plus organizer/attendee lines when the meeting is
 * imported as an appointment, plus what EWS cannot carry in CreateItem. */
/* EWS has one recurrence pattern and no extra dates: a second RRULE, EXRULE
 * and RDATE would be lost, so they are written out in the body. */
static void unexpressed_rules(GString *s, icalcomponent *c)
{
	static const struct {
		icalproperty_kind kind;
		guint skip; /* the first RRULE is the pattern */
		const char *label;
	} extra[] = {
		{ ICAL_RRULE_PROPERTY, 1, "Further recurrence rule (not imported)" },
		{ ICAL_EXRULE_PROPERTY, 0, "Exception rule (not imported)" },
		{ ICAL_RDATE_PROPERTY, 0, "Extra occurrence dates (not imported)" },
	};
	for (gsize k = 0; k < G_N_ELEMENTS(extra); k++) {
		guint n = 0;
		for (icalproperty *p = icalcomponent_get_first_property(c, extra[k].kind); p;
		     p = icalcomponent_get_next_property(c, extra[k].kind))
			if (n++ >= extra[k].skip)
				g_string_append_printf(s, "%s%s: %s", s->len ? "\n\n" : "", extra[k].label,
				                       icalproperty_get_value_as_string(p));
	}
}

static char *body_text(const mf_item *item, icalcomponent *c, gboolean flatten,
                       const char *rrule_lost)
{
	GString *s = g_string_new(icalcomponent_get_description(c));
	if (flatten) {
		icalproperty *org = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
		icalproperty_kind kinds[] = { ICAL_ORGANIZER_PROPERTY, ICAL_ATTENDEE_PROPERTY };
		const char *labels[] = { "Organizer", "Attendee" };
		for (int k = 0; k < 2; k++)
			for (icalproperty *p = k == 0 ? org : icalcomponent_get_first_property(c, kinds[k]);
			     p; p = k == 0 ? NULL : icalcomponent_get_next_property(c, kinds[k])) {
				char *line = mfr_person_line(p);
				g_string_append_printf(s, "%s%s: %s", s->len ? "\n" : "", labels[k], line);
				g_free(line);
			}
	}
	mfi_ews_attach_links(s, item, NULL); /* files by URI: no bytes to upload */
	unexpressed_rules(s, c);
	if (rrule_lost)
		g_string_append_printf(s, "%sRecurrence EWS cannot express (first occurrence only): %s",
		                       s->len ? "\n\n" : "", rrule_lost);
	if (!rrule_lost)
		return g_string_free(s, FALSE); /* exceptions: follow-up requests (ews-occurrences.c) */
	GString *ex = g_string_new(NULL);
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_EXDATE_PROPERTY))
		g_string_append_printf(ex, "%s%s", ex->len ? ", " : "", icalproperty_get_value_as_string(p));
	if (ex->len)
		g_string_append_printf(s, "%sDeleted occurrences: %s",
		                       s->len ? "\n\n" : "", ex->str);
	g_string_free(ex, TRUE);
	guint overrides = 0;
	for (icalcomponent *o = icalcomponent_get_first_component(item->ical, ICAL_VEVENT_COMPONENT);
	     o; o = icalcomponent_get_next_component(item->ical, ICAL_VEVENT_COMPONENT))
		if (o != c && icalcomponent_get_first_property(o, ICAL_RECURRENCEID_PROPERTY))
			overrides++;
	if (overrides)
		g_string_append_printf(s, "%sModified occurrences (not imported): %u",
		                       s->len ? "\n\n" : "", overrides);
	return g_string_free(s, FALSE);
}

static icalcomponent *master_event(const mf_item *item)
{
	icalcomponent *m = item->ical ? mfr_master(item) : NULL;
	if (m && icalcomponent_isa(m) == ICAL_VEVENT_COMPONENT)
		return m;
	if (item->ical && icalcomponent_isa(item->ical) == ICAL_VEVENT_COMPONENT)
		return item->ical;
	return item->ical ? icalcomponent_get_first_component(item->ical, ICAL_VEVENT_COMPONENT) : NULL;
}

static void write_zones(xmlTextWriterPtr w, icalcomponent *c, icaltimetype start,
                        icaltimetype end)
{
	if (start.is_date || !start.zone || icaltime_is_utc(start))
		return;
	const char *sw = windows_zone_for(tzid_of(icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY)),
	                                  (icaltimezone *)start.zone);
	if (!sw)
		return;
	icalproperty *dtend = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
	const char *ew = end.zone && dtend ? windows_zone_for(tzid_of(dtend), (icaltimezone *)end.zone)
	                                   : sw;
	xmlTextWriterStartElement(w, BAD_CAST "t:StartTimeZone");
	xmlTextWriterWriteAttribute(w, BAD_CAST "Id", BAD_CAST sw);
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "t:EndTimeZone");
	xmlTextWriterWriteAttribute(w, BAD_CAST "Id", BAD_CAST (ew ? ew : sw));
	xmlTextWriterEndElement(w);
}

gboolean mfi_ews_write_calendar(xmlTextWriterPtr w, const mf_item *item, const char *mailbox,
                                GError **error)
{
	icalcomponent *c = master_event(item);
	icaltimetype start = c ? icalcomponent_get_dtstart(c) : icaltime_null_time();
	if (!c || icaltime_is_null_time(start)) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: event without a start",
		            item->source, item->locator);
		return FALSE;
	}
	icaltimetype end = icalcomponent_get_dtend(c);
	if (icaltime_is_null_time(end) || icaltime_compare(end, start) < 0) {
		end = start;
		if (start.is_date)
			icaltime_adjust(&end, 1, 0, 0, 0);
	}
	icalproperty *org = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
	char *organizer = org ? address_of(org) : g_strdup("");
	gboolean meeting = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY) != NULL;
	gboolean full = meeting && g_ascii_strcasecmp(organizer, mailbox) == 0;
	icalproperty *rrule = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
	recur_plan probe;
	struct icalrecurrencetype rt;
	gboolean expressible = TRUE;
	if (rrule) {
		rt = icalproperty_get_rrule(rrule);
		expressible = plan_recurrence(&rt, start, &probe);
		g_free(probe.days);
	}
	char *body = body_text(item, c, meeting && !full,
	                       expressible ? NULL : icalproperty_get_value_as_string(rrule));

	xmlTextWriterStartElement(w, BAD_CAST "t:CalendarItem");
	mfi_ews_item_head(w, c, item, body);
	int minutes = reminder_minutes(c, start);
	if (minutes >= 0) {
		mfi_ews_text(w, "t:ReminderIsSet", "true");
		mfi_ews_textf(w, "t:ReminderMinutesBeforeStart", "%d", minutes);
	} else {
		mfi_ews_text(w, "t:ReminderIsSet", "false");
	}
	mfi_ews_text(w, "t:UID", icalcomponent_get_uid(c));
	write_time(w, "t:Start", start);
	write_time(w, "t:End", end);
	mfi_ews_text(w, "t:IsAllDayEvent", start.is_date ? "true" : "false");
	mfi_ews_text(w, "t:LegacyFreeBusyStatus", busy_status(c, item));
	mfi_ews_text(w, "t:Location", icalcomponent_get_location(c));
	if (full)
		write_attendees(w, c, organizer);
	if (rrule && expressible)
		mfi_ews_recurrence(w, rrule, start);
	write_zones(w, c, start, end);
	xmlTextWriterEndElement(w);
	g_free(body);
	g_free(organizer);
	return TRUE;
}
