/* Items_InvalidDuration: an end before the start (DTEND or DUE < DTSTART, or a
 * negative DURATION), both DTEND/DUE and DURATION, or a DURATION libical could
 * not parse. The end that contradicts the start is removed (the component then
 * lasts a moment, or a day when all-day) and its original value is kept in an
 * X-MAILFERRY-REPAIR note; with both, DTEND/DUE wins when it is valid. */
#include "repair.h"

static void drop(icalcomponent *comp, icalproperty *p, const char *why)
{
	char *value = icalproperty_get_value_as_string_r(p);
	char *note = g_strdup_printf("Items_InvalidDuration: %s; removed %s:%s", why,
	                             icalproperty_get_property_name(p), value ? value : "");
	mfr_note(comp, note);
	icalcomponent_remove_property(comp, p);
	icalproperty_free(p);
	g_free(note);
	free(value);
}

static gboolean before_start(icalcomponent *comp, icalproperty *end)
{
	icalproperty *start = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
	if (!start || !end)
		return FALSE;
	struct icaltimetype s = icalvalue_get_datetime(icalproperty_get_value(start));
	struct icaltimetype e = icalvalue_get_datetime(icalproperty_get_value(end));
	if (icaltime_is_null_time(s) || icaltime_is_null_time(e))
		return FALSE;
	/* Compare wall-clock values when zones are unresolved: same as the source. */
	return icaltime_compare(e, s) < 0;
}

static gboolean repair_component(icalcomponent *comp)
{
	gboolean changed = FALSE;
	GPtrArray *bad = mfr_take_parse_errors(comp, "DURATION");
	for (guint i = 0; i < bad->len; i++) {
		char *note = g_strdup_printf("Items_InvalidDuration: unparseable DURATION:%s",
		                             (char *)bad->pdata[i]);
		mfr_note(comp, note);
		g_free(note);
		changed = TRUE;
	}
	g_ptr_array_unref(bad);
	icalproperty_kind end_kind = icalcomponent_isa(comp) == ICAL_VTODO_COMPONENT
		? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY;
	icalproperty *end = icalcomponent_get_first_property(comp, end_kind);
	icalproperty *dur = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
	if (end && before_start(comp, end)) {
		drop(comp, end, "end before start");
		end = NULL;
		changed = TRUE;
	}
	if (dur) {
		struct icaldurationtype d = icalproperty_get_duration(dur);
		if (d.is_neg) {
			drop(comp, dur, "negative duration");
			changed = TRUE;
		} else if (end) {
			drop(comp, dur, "both an end and a DURATION");
			changed = TRUE;
		}
	}
	return changed;
}

static mf_transform_result repair_duration(mf_item *item, const mf_options *opts,
                                           mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	gboolean changed = FALSE;
	for (guint i = 0; i < comps->len; i++)
		changed = repair_component(comps->pdata[i]) || changed;
	g_ptr_array_unref(comps);
	if (changed)
		mfr_tag(item, "Items_InvalidDuration");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_duration = { .name = "repair-duration",
                                                    .apply = repair_duration };
