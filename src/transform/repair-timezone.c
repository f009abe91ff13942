/* Time zones every consumer can resolve. For each TZID a component uses:
 * - libical knows it (IANA/Olson name): kept;
 * - a UTC alias (UTC, GMT, Etc/UTC, Z): the time becomes a UTC time;
 * - a Windows zone name ("W. Europe Standard Time"): replaced by its IANA zone
 *   from the CLDR table (data/windowsZones.tsv), whose VTIMEZONE the ics writer
 *   adds; not a repair, the meaning is unchanged;
 * - else, when the item carries a VTIMEZONE for it: kept as it is;
 * - else: the time is kept as floating (wall-clock) time, the old name in an
 *   X-MAILFERRY-TZID parameter, and the item tagged Items_UnknownTimezone. */
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

static mf_transform_result repair_timezone(mf_item *item, const mf_options *opts,
                                           mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	guint dropped = 0;
	for (guint i = 0; i < comps->len; i++)
		dropped += fix_component(item, comps->pdata[i]);
	g_ptr_array_unref(comps);
	if (dropped)
		mfr_tag(item, "Items_UnknownTimezone");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_timezone = { .name = "repair-timezone",
                                                    .apply = repair_timezone };
