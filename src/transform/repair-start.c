/* Items_MissingStart: an event without DTSTART (or one libical could not
 * parse). In order: the unparseable text when a date can be salvaged from it
 * ("19970324T1200Z", a misquoted TZID), else DUE, RECURRENCE-ID or CREATED;
 * an event with none of these is quarantined. A task or journal may lack
 * DTSTART (RFC 5545): only a broken one is salvaged. */
#include "repair.h"

static icalproperty *start_from_text(GPtrArray *dropped)
{
	for (guint i = 0; i < dropped->len; i++) {
		struct icaltimetype t;
		char *tzid = NULL;
		if (!mfr_salvage_time(dropped->pdata[i], &t, &tzid))
			continue;
		icalproperty *p = icalproperty_new_dtstart(t);
		if (tzid)
			icalproperty_set_parameter(p, icalparameter_new_tzid(tzid));
		g_free(tzid);
		return p;
	}
	return NULL;
}

/* DTSTART from DUE, RECURRENCE-ID or CREATED (with its TZID); NULL if none. */
static icalproperty *start_from_other(icalcomponent *comp, const char **from_r)
{
	static const icalproperty_kind kinds[] = { ICAL_DUE_PROPERTY, ICAL_RECURRENCEID_PROPERTY,
	                                           ICAL_CREATED_PROPERTY };
	static const char *const names[] = { "DUE", "RECURRENCE-ID", "CREATED" };
	for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
		icalproperty *src = icalcomponent_get_first_property(comp, kinds[i]);
		icalvalue *v = src ? icalproperty_get_value(src) : NULL;
		if (!v)
			continue;
		struct icaltimetype t = icalvalue_get_datetime(v);
		if (icaltime_is_null_time(t))
			continue;
		icalproperty *p = icalproperty_new_dtstart(t);
		icalparameter *tz = icalproperty_get_first_parameter(src, ICAL_TZID_PARAMETER);
		if (tz)
			icalproperty_set_parameter(p, icalparameter_new_clone(tz));
		*from_r = names[i];
		return p;
	}
	return NULL;
}

/* FALSE when an event has no start at all. */
static gboolean repair_component(mf_item *item, icalcomponent *comp)
{
	if (icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY))
		return TRUE;
	GPtrArray *dropped = mfr_take_parse_errors(comp, "DTSTART");
	gboolean is_event = icalcomponent_isa(comp) == ICAL_VEVENT_COMPONENT;
	const char *from = "the unparseable DTSTART";
	icalproperty *p = start_from_text(dropped);
	if (!p && (is_event || dropped->len))
		p = start_from_other(comp, &from);
	if (p) {
		icalcomponent_add_property(comp, p);
		char *note = g_strdup_printf("Items_MissingStart: DTSTART taken from %s%s%s", from,
		                             dropped->len ? "; original: " : "",
		                             dropped->len ? (char *)dropped->pdata[0] : "");
		mfr_note(comp, note);
		g_free(note);
		mfr_tag(item, "Items_MissingStart");
	} else if (dropped->len) {
		for (guint i = 0; i < dropped->len; i++) {
			char *text = g_strdup_printf("unparseable DTSTART: %s",
			                             (char *)dropped->pdata[i]);
			icalproperty *x = icalproperty_new_x(text);
			g_free(text);
			icalproperty_set_x_name(x, MFR_X_UNPARSED);
			icalcomponent_add_property(comp, x);
		}
		mfr_tag(item, "Items_MissingStart");
	}
	g_ptr_array_unref(dropped);
	return p || !is_event;
}

static mf_transform_result repair_start(mf_item *item, const mf_options *opts,
                                        mf_report *report, char **reason_r)
{
	(void)opts, (void)report;
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	gboolean ok = TRUE;
	for (guint i = 0; i < comps->len; i++)
		ok = repair_component(item, comps->pdata[i]) && ok;
	g_ptr_array_unref(comps);
	if (ok)
		return MF_TRANSFORM_KEEP;
	if (reason_r)
		*reason_r = g_strdup("Items_MissingStart: event without DTSTART, and no DUE, "
		                     "RECURRENCE-ID or CREATED to take it from");
	return MF_TRANSFORM_QUARANTINE;
}

const mf_transform mf_transform_repair_start = { .name = "repair-start",
                                                 .apply = repair_start };
