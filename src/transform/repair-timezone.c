/* Time zones every consumer can resolve. For each TZID a component uses:
 * - libical knows it (IANA/Olson name): kept;
 * - a UTC alias (UTC, GMT, Etc/UTC, Z): the time becomes a UTC time;
 * - a Windows zone name ("W. Europe Standard Time"): replaced by its IANA zone
 *   from the CLDR table (data/windowsZones.tsv), whose VTIMEZONE the ics writer
 *   adds; not a repair, the meaning is unchanged;
 * - else, when the item carries a VTIMEZONE for it: kept as it is;
 * - else: the time is kept as floating (wall-clock) time, the old name in an
 *   X-MAILFERRY-TZID parameter, and the item tagged Items_UnknownTimezone.
 * First the item's VTIMEZONEs are made readable (repair_vtimezones). */
#include "repair.h"
#include "mailferry/windows-zones.h"

#include <string.h>

static gboolean item_has_vtimezone(const mf_item *item, const char *tzid)
{
	if (icalcomponent_isa(item->ical) != ICAL_VCALENDAR_COMPONENT)
		return FALSE;
	for (icalcomponent *c = icalcomponent_get_first_component(item->ical,
	                                                          ICAL_VTIMEZONE_COMPONENT);
	     c; c = icalcomponent_get_next_component(item->ical, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		if (p && g_strcmp0(icalproperty_get_tzid(p), tzid) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean libical_knows(const char *tzid)
{
	return icaltimezone_get_builtin_timezone(tzid) != NULL ||
	       icaltimezone_get_builtin_timezone_from_tzid(tzid) != NULL;
}

static gboolean is_utc_alias(const char *tzid)
{
	static const char *const names[] = { "UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z", "Zulu",
	                                     "Universal", "Etc/Universal", "Etc/Zulu", NULL };
	for (const char *const *n = names; *n; n++)
		if (g_ascii_strcasecmp(tzid, *n) == 0)
			return TRUE;
	return FALSE;
}

/* Sets the time value(s) of `p` to UTC (is_utc) or floating (no zone). */
static void rezone_value(icalproperty *p, gboolean utc)
{
	icalvalue *v = icalproperty_get_value(p);
	if (!v)
		return;
	icaltimezone *zone = utc ? icaltimezone_get_utc_timezone() : NULL;
	if (icalvalue_isa(v) == ICAL_DATETIME_VALUE || icalvalue_isa(v) == ICAL_DATE_VALUE) {
		struct icaltimetype t = icalvalue_get_datetime(v);
		if (!t.is_date)
			t.zone = zone;
		icalvalue_set_datetime(v, t);
	} else if (icalvalue_isa(v) == ICAL_DATETIMEPERIOD_VALUE) {
		struct icaldatetimeperiodtype dp = icalvalue_get_datetimeperiod(v);
		if (!icaltime_is_null_time(dp.time) && !dp.time.is_date)
			dp.time.zone = zone;
		if (!icaltime_is_null_time(dp.period.start))
			dp.period.start.zone = zone;
		if (!icaltime_is_null_time(dp.period.end))
			dp.period.end.zone = zone;
		icalvalue_set_datetimeperiod(v, dp);
	}
}

/* Returns TRUE when a TZID had to be dropped (floating time). */
static gboolean fix_property(const mf_item *item, icalproperty *p)
{
	icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	const char *tzid = param ? icalparameter_get_tzid(param) : NULL;
	if (!tzid || libical_knows(tzid))
		return FALSE;
	if (is_utc_alias(tzid)) {
		icalproperty_remove_parameter_by_kind(p, ICAL_TZID_PARAMETER);
		rezone_value(p, TRUE);
		return FALSE;
	}
	const char *iana = mf_windows_zone_to_iana(tzid);
	if (iana && libical_knows(iana)) {
		icalparameter_set_tzid(param, iana);
		return FALSE;
	}
	if (item_has_vtimezone(item, tzid))
		return FALSE;
	icalparameter *keep = icalparameter_new_x(tzid);
	icalparameter_set_xname(keep, "X-MAILFERRY-TZID");
	icalproperty_add_parameter(p, keep);
	icalproperty_remove_parameter_by_kind(p, ICAL_TZID_PARAMETER);
	rezone_value(p, FALSE);
	return TRUE;
}

static guint fix_component(const mf_item *item, icalcomponent *comp)
{
	guint dropped = 0;
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY))
		dropped += fix_property(item, p) ? 1 : 0;
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		dropped += fix_component(item, c);
	return dropped;
}

/* The onset of an observance without DTSTART: salvaged from an unparseable
 * DTSTART, else its earliest RDATE; a null time when neither gives one. */
static struct icaltimetype observance_onset(icalcomponent *obs, const char **from_r)
{
	struct icaltimetype best = icaltime_null_time();
	GPtrArray *dropped = mfr_take_parse_errors(obs, "DTSTART");
	for (guint i = 0; i < dropped->len && icaltime_is_null_time(best); i++) {
		char *tzid = NULL;
		if (mfr_salvage_time(dropped->pdata[i], &best, &tzid))
			*from_r = "the unparseable DTSTART";
		else
			best = icaltime_null_time();
		g_free(tzid);
	}
	g_ptr_array_unref(dropped);
	for (icalproperty *p = icalcomponent_get_first_property(obs, ICAL_RDATE_PROPERTY);
	     p && *from_r == NULL; p = icalcomponent_get_next_property(obs, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype dp = icalproperty_get_rdate(p);
		struct icaltimetype t = icaltime_is_null_time(dp.time) ? dp.period.start : dp.time;
		if (icaltime_is_null_time(t))
			continue;
		if (icaltime_is_null_time(best) || icaltime_compare(t, best) < 0)
			best = t;
	}
	if (!*from_r && !icaltime_is_null_time(best))
		*from_r = "its earliest RDATE";
	best.is_date = 0;
	best.zone = NULL; /* observance onsets are local time (RFC 5545 3.6.5) */
	return best;
}

/* Makes one STANDARD/DAYLIGHT observance readable by every consumer; FALSE
 * when it cannot be (no onset, no offsets): the caller removes it. */
static gboolean repair_observance(icalcomponent *vtz, icalcomponent *obs)
{
	if (!icalcomponent_get_first_property(obs, ICAL_TZOFFSETTO_PROPERTY) ||
	    !icalcomponent_get_first_property(obs, ICAL_TZOFFSETFROM_PROPERTY))
		return FALSE;
	icalproperty *start = icalcomponent_get_first_property(obs, ICAL_DTSTART_PROPERTY);
	char *note = NULL;
	if (!start) {
		const char *from = NULL;
		struct icaltimetype t = observance_onset(obs, &from);
		if (icaltime_is_null_time(t))
			return FALSE;
		icalcomponent_add_property(obs, icalproperty_new_dtstart(t));
		note = g_strdup_printf("%s without DTSTART: taken from %s",
		                       icalcomponent_kind_to_string(icalcomponent_isa(obs)), from);
	} else if (icalproperty_get_dtstart(start).is_date) {
		/* A date: the onset at 00:00:00 that day, as a local date-time. */
		struct icaltimetype t = icalproperty_get_dtstart(start);
		char *old = icalproperty_get_value_as_string_r(start);
		t.is_date = 0;
		t.hour = t.minute = t.second = 0;
		icalproperty_remove_parameter_by_kind(start, ICAL_VALUE_PARAMETER);
		icalproperty_set_dtstart(start, t);
		note = g_strdup_printf("%s DTSTART was the date %s; now 00:00:00 that day",
		                       icalcomponent_kind_to_string(icalcomponent_isa(obs)), old);
		free(old);
	}
	if (note)
		mfr_note(vtz, note);
	g_free(note);
	return TRUE;
}

/* VTIMEZONEs whose observances lack a date-time DTSTART (a DATE, a typo in
 * the name) are repaired in place with a note in the VTIMEZONE; the meaning
 * is kept, so no tag. An observance that cannot be repaired is removed (its
 * text kept in the note) and one left without observances is removed whole:
 * its TZID is then unknown and handled below. TRUE when a zone lost data. */
static gboolean repair_vtimezones(mf_item *item)
{
	if (icalcomponent_isa(item->ical) != ICAL_VCALENDAR_COMPONENT)
		return FALSE;
	gboolean lost = FALSE;
	icalcomponent *vtz = icalcomponent_get_first_component(item->ical,
	                                                       ICAL_VTIMEZONE_COMPONENT);
	while (vtz) {
		icalcomponent *next_vtz = icalcomponent_get_next_component(item->ical,
		                                                           ICAL_VTIMEZONE_COMPONENT);
		guint kept = 0;
		icalcomponent *obs = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
		while (obs) {
			icalcomponent *next = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT);
			icalcomponent_kind k = icalcomponent_isa(obs);
			if ((k == ICAL_XSTANDARD_COMPONENT || k == ICAL_XDAYLIGHT_COMPONENT) &&
			    !repair_observance(vtz, obs)) {
				char *flat = mfr_flat_text(obs);
				char *note = g_strdup_printf("unusable observance removed: %s", flat);
				mfr_note(vtz, note);
				icalcomponent_remove_component(vtz, obs);
				icalcomponent_free(obs);
				g_free(note);
				g_free(flat);
				lost = TRUE;
			} else if (k == ICAL_XSTANDARD_COMPONENT || k == ICAL_XDAYLIGHT_COMPONENT) {
				kept++;
			}
			obs = next;
		}
		if (kept == 0) {
			icalcomponent_remove_component(item->ical, vtz);
			icalcomponent_free(vtz);
			lost = TRUE;
		}
		vtz = next_vtz;
	}
	return lost;
}

static mf_transform_result repair_timezone(mf_item *item, const mf_options *opts,
                                           mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	gboolean zone_lost = repair_vtimezones(item);
	GPtrArray *comps = mfr_components(item);
	guint dropped = 0;
	for (guint i = 0; i < comps->len; i++)
		dropped += fix_component(item, comps->pdata[i]);
	g_ptr_array_unref(comps);
	if (dropped || zone_lost)
		mfr_tag(item, "Items_UnknownTimezone");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_timezone = { .name = "repair-timezone",
                                                    .apply = repair_timezone };
