/* --meetings flat: meetings become plain appointments. DESCRIPTION gets
 * "Organizer: …" and one "Attendee: …" line per attendee with their response;
 * ORGANIZER and ATTENDEE are removed (what a phased migration needs: nobody
 * gets invitations or updates). --meetings full (default) keeps them. */
#include "repair.h"

static void flatten(icalcomponent *comp)
{
	GString *text = g_string_new(NULL);
	icalproperty_kind kinds[] = { ICAL_ORGANIZER_PROPERTY, ICAL_ATTENDEE_PROPERTY };
	const char *labels[] = { "Organizer", "Attendee" };
	for (int k = 0; k < 2; k++) {
		icalproperty *p;
		while ((p = icalcomponent_get_first_property(comp, kinds[k]))) {
			char *line = mfr_person_line(p);
			g_string_append_printf(text, "%s%s: %s", text->len ? "\n" : "", labels[k], line);
			g_free(line);
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
		}
	}
	if (text->len)
		mfr_append_description(comp, text->str);
	g_string_free(text, TRUE);
}

static mf_transform_result meetings_flat(mf_item *item, const mf_options *opts,
                                         mf_report *report, char **reason_r)
{
	(void)report, (void)reason_r;
	if (!opts || !opts->meetings_flat || !mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	for (guint i = 0; i < comps->len; i++)
		flatten(comps->pdata[i]);
	g_ptr_array_unref(comps);
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_meetings_flat = { .name = "meetings-flat",
                                                  .apply = meetings_flat };
