/* Items_InvalidRecurrence: an RRULE (or EXRULE) libical could not parse, or
 * one it parses but cannot expand from DTSTART. The event keeps its first
 * occurrence (DTSTART/DTEND as they are, no rule) and the original rule text
 * goes at the end of DESCRIPTION, where a person sees it. A rule Outlook can
 * express (e.g. FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1) is never touched. */
#include "repair.h"

static gboolean rule_expands(icalcomponent *comp, icalproperty *rrule)
{
	struct icalrecurrencetype r = icalproperty_get_rrule(rrule);
	if (r.freq == ICAL_NO_RECURRENCE)
		return FALSE;
	icalproperty *start = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
	if (!start)
		return TRUE; /* nothing to expand from: not the rule's fault */
	icalrecur_iterator *it = icalrecur_iterator_new(r, icalproperty_get_dtstart(start));
	if (!it)
		return FALSE;
	icalrecur_iterator_free(it);
	return TRUE;
}

static void keep_text(icalcomponent *comp, const char *name, const char *text)
{
	char *para = g_strdup_printf("Original recurrence rule (could not be used): %s:%s",
	                             name, text);
	mfr_append_description(comp, para);
	char *note = g_strdup_printf("Items_InvalidRecurrence: removed %s:%s", name, text);
	mfr_note(comp, note);
	g_free(note);
	g_free(para);
}

static gboolean repair_component(icalcomponent *comp)
{
	gboolean changed = FALSE;
	const char *names[] = { "RRULE", "EXRULE" };
	for (int k = 0; k < 2; k++) {
		GPtrArray *bad = mfr_take_parse_errors(comp, names[k]);
		for (guint i = 0; i < bad->len; i++)
			keep_text(comp, names[k], bad->pdata[i]);
		changed = changed || bad->len > 0;
		g_ptr_array_unref(bad);
	}
	/* Collected first: rule_expands() looks up DTSTART, which resets the
	 * component's one property iterator under a get_next_property() walk. */
	GPtrArray *rules = g_ptr_array_new();
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_RRULE_PROPERTY))
		g_ptr_array_add(rules, p);
	for (guint i = 0; i < rules->len; i++) {
		icalproperty *p = rules->pdata[i];
		if (!rule_expands(comp, p)) {
			char *text = icalproperty_get_value_as_string_r(p);
			keep_text(comp, "RRULE", text ? text : "");
			free(text);
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
			changed = TRUE;
		}
	}
	g_ptr_array_unref(rules);
	return changed;
}

static mf_transform_result repair_recurrence(mf_item *item, const mf_options *opts,
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
		mfr_tag(item, "Items_InvalidRecurrence");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_recurrence = { .name = "repair-recurrence",
                                                      .apply = repair_recurrence };
