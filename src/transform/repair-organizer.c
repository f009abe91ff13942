/* Meetings_MissingOrganizer: attendees but no ORGANIZER. With --owner the
 * meeting keeps its attendees and the calendar owner becomes the organizer;
 * without, it becomes an appointment: the attendees (name, address, response)
 * are listed at the end of DESCRIPTION and the ATTENDEE properties removed
 * (Outlook and Exchange do not accept a meeting without organizer). */
#include "repair.h"

#include <string.h>

/* "Name <mailto:a@b> (ACCEPTED)" for an ATTENDEE or ORGANIZER. Caller frees. */
char *mfr_person_line(icalproperty *p)
{
	icalparameter *cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
	icalparameter *ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
	icalparameter *role = icalproperty_get_first_parameter(p, ICAL_ROLE_PARAMETER);
	const char *addr = icalproperty_get_value_as_string(p);
	GString *s = g_string_new(NULL);
	if (cn && icalparameter_get_cn(cn))
		g_string_append_printf(s, "%s <%s>", icalparameter_get_cn(cn), addr ? addr : "");
	else
		g_string_append(s, addr ? addr : "");
	if (role && icalparameter_get_role(role) != ICAL_ROLE_REQPARTICIPANT)
		g_string_append_printf(s, ", %s", icalparameter_as_ical_string(role) + 5);
	if (ps)
		g_string_append_printf(s, " (%s)", icalparameter_as_ical_string(ps) + 9);
	return g_string_free(s, FALSE);
}

static void flatten_attendees(icalcomponent *comp)
{
	GString *text = g_string_new("Attendees (meeting without organizer):");
	icalproperty *p;
	while ((p = icalcomponent_get_first_property(comp, ICAL_ATTENDEE_PROPERTY))) {
		char *line = mfr_person_line(p);
		g_string_append_printf(text, "\n%s", line);
		g_free(line);
		icalcomponent_remove_property(comp, p);
		icalproperty_free(p);
	}
	mfr_append_description(comp, text->str);
	g_string_free(text, TRUE);
}

static gboolean repair_component(icalcomponent *comp, const char *owner)
{
	if (!icalcomponent_get_first_property(comp, ICAL_ATTENDEE_PROPERTY) ||
	    icalcomponent_get_first_property(comp, ICAL_ORGANIZER_PROPERTY))
		return FALSE;
	if (owner && *owner) {
		char *uri = strchr(owner, ':') ? g_strdup(owner) : g_strconcat("mailto:", owner, NULL);
		icalcomponent_add_property(comp, icalproperty_new_organizer(uri));
		mfr_note(comp, "Meetings_MissingOrganizer: organizer set to the calendar owner");
		g_free(uri);
	} else {
		flatten_attendees(comp);
		mfr_note(comp, "Meetings_MissingOrganizer: made an appointment; attendees "
		               "listed in DESCRIPTION");
	}
	return TRUE;
}

static mf_transform_result repair_organizer(mf_item *item, const mf_options *opts,
                                            mf_report *report, char **reason_r)
{
	(void)report, (void)reason_r;
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	/* Without --owner, a multi-user source's mailbox is the calendar owner
	 * when it is an address (after --map). */
	const char *owner = opts && opts->owner ? opts->owner
		: item->mailbox && strchr(item->mailbox, '@') ? item->mailbox : NULL;
	GPtrArray *comps = mfr_components(item);
	gboolean changed = FALSE;
	for (guint i = 0; i < comps->len; i++)
		if (icalcomponent_isa(comps->pdata[i]) != ICAL_VJOURNAL_COMPONENT)
			changed = repair_component(comps->pdata[i], owner) || changed;
	g_ptr_array_unref(comps);
	if (changed)
		mfr_tag(item, "Meetings_MissingOrganizer");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_organizer = { .name = "repair-organizer",
                                                     .apply = repair_organizer };
