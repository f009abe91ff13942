/* Apple travel time (X-APPLE-TRAVEL-DURATION before the event,
 * X-APPLE-TRAVEL-RETURN-DURATION after it). --travel-time:
 *   appointments (default): expand() adds an appointment "Travel: <subject>"
 *     of that length right before (and one right after) the event, busy status
 *     out of office (X-MICROSOFT-CDO-BUSYSTATUS:OOF), category TravelTime,
 *     repeating like the event; the event itself keeps its properties;
 *   keep: the properties stay, nothing is added;
 *   drop: the properties are removed. */
#include "repair.h"

#include <string.h>

#define X_BEFORE "X-APPLE-TRAVEL-DURATION"
#define X_AFTER "X-APPLE-TRAVEL-RETURN-DURATION"

static icalproperty *find_x(icalcomponent *comp, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY))
		if (g_ascii_strcasecmp(icalproperty_get_x_name(p), name) == 0)
			return p;
	return NULL;
}

static gboolean travel_duration(icalcomponent *comp, const char *name,
                                struct icaldurationtype *d_r)
{
	icalproperty *p = find_x(comp, name);
	const char *text = p ? icalproperty_get_value_as_string(p) : NULL;
	if (!text)
		return FALSE;
	*d_r = icaldurationtype_from_string(text);
	return !icaldurationtype_is_bad_duration(*d_r) && !icaldurationtype_is_null_duration(*d_r);
}

static void copy_props(icalcomponent *from, icalcomponent *to, icalproperty_kind kind)
{
	for (icalproperty *p = icalcomponent_get_first_property(from, kind); p;
	     p = icalcomponent_get_next_property(from, kind))
		icalcomponent_add_property(to, icalproperty_new_clone(p));
}

/* A time property of kind `kind` at `t` with the TZID of `like` (may be NULL). */
static icalproperty *time_prop(icalproperty_kind kind, struct icaltimetype t, icalproperty *like)
{
	icalproperty *p = kind == ICAL_DTSTART_PROPERTY ? icalproperty_new_dtstart(t)
	                                                : icalproperty_new_dtend(t);
	icalparameter *tz = like ? icalproperty_get_first_parameter(like, ICAL_TZID_PARAMETER) : NULL;
	if (tz)
		icalproperty_set_parameter(p, icalparameter_new_clone(tz));
	return p;
}

static mf_item *travel_item(const mf_item *item, icalcomponent *ev, gboolean before,
                            struct icaldurationtype d)
{
	icalproperty *start = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	icalproperty *end = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	struct icaltimetype s = icalproperty_get_dtstart(start);
	struct icaltimetype e = icalcomponent_get_dtend(ev);
	if (icaltime_is_null_time(e))
		e = s;
	struct icaltimetype from = before ? icaltime_add(s, icaldurationtype_from_int(
	                                                        -icaldurationtype_as_int(d)))
	                                  : e;
	struct icaltimetype to = before ? s : icaltime_add(e, d);
	icalcomponent *t = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	char *uid = g_strdup_printf("%s-travel-%s", icalcomponent_get_uid(ev),
	                            before ? "before" : "after");
	icalcomponent_add_property(t, icalproperty_new_uid(uid));
	copy_props(ev, t, ICAL_DTSTAMP_PROPERTY);
	icalcomponent_add_property(t, time_prop(ICAL_DTSTART_PROPERTY, from, start));
	icalcomponent_add_property(t, time_prop(ICAL_DTEND_PROPERTY, to, end ? end : start));
	const char *summary = icalcomponent_get_summary(ev);
	char *subject = g_strdup_printf("Travel: %s", summary ? summary : "");
	icalcomponent_add_property(t, icalproperty_new_summary(subject));
	icalproperty *busy = icalproperty_new_x("OOF");
	icalproperty_set_x_name(busy, "X-MICROSOFT-CDO-BUSYSTATUS");
	icalcomponent_add_property(t, busy);
	icalcomponent_add_property(t, icalproperty_new_categories("TravelTime"));
	copy_props(ev, t, ICAL_RRULE_PROPERTY);
	copy_props(ev, t, ICAL_EXDATE_PROPERTY);
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_component(cal, t);
	char *locator = g_strdup_printf("%s, travel %s", item->locator, before ? "before" : "after");
	mf_item *out = mf_item_new_from(item, MF_KIND_EVENT, locator);
	mf_item_add_category(out, "TravelTime");
	out->ical = cal;
	g_free(locator);
	g_free(subject);
	g_free(uid);
	return out;
}

static mf_transform_result travel_time(mf_item *item, const mf_options *opts,
                                       mf_report *report, char **reason_r)
{
	(void)report, (void)reason_r;
	if (!opts || opts->travel_time != MF_TRAVEL_DROP || !mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	for (guint i = 0; i < comps->len; i++) {
		const char *names[] = { X_BEFORE, X_AFTER };
		for (int k = 0; k < 2; k++) {
			icalproperty *p;
			while ((p = find_x(comps->pdata[i], names[k]))) {
				icalcomponent_remove_property(comps->pdata[i], p);
				icalproperty_free(p);
			}
		}
	}
	g_ptr_array_unref(comps);
	return MF_TRANSFORM_KEEP;
}

static void travel_appointments(mf_item *item, const mf_options *opts, mf_report *report,
                                GPtrArray *extra)
{
	(void)report;
	if ((opts && opts->travel_time != MF_TRAVEL_APPOINTMENTS) || !mfr_is_calendar(item) ||
	    item->kind != MF_KIND_EVENT)
		return;
	icalcomponent *ev = mfr_master(item);
	if (!ev || !icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY))
		return;
	struct icaldurationtype d;
	if (travel_duration(ev, X_BEFORE, &d))
		g_ptr_array_add(extra, travel_item(item, ev, TRUE, d));
	if (travel_duration(ev, X_AFTER, &d))
		g_ptr_array_add(extra, travel_item(item, ev, FALSE, d));
}

const mf_transform mf_transform_travel_time = { .name = "travel-time",
                                                .apply = travel_time,
                                                .expand = travel_appointments };
