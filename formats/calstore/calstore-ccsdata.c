/* What CalendarServer stored in a resource, turned back into what its owner
 * saw, before the resource is split into items (formats.md A.7-A.9, A.14);
 * the work itself is the calendarserver reader's (formats/calendarserver):
 *
 *   * per-user data (X-CALENDARSERVER-PERUSER, written by 3.x servers; a
 *     2.x file store has none): the owner's alarms, TRANSP and X- properties
 *     go back into the components, other users' are dropped, hidden
 *     instances become EXDATEs. Resources without any per-user block are
 *     left as stored (the "all-day is transparent" default of 3.x is not
 *     applied to data written before per-user data existed);
 *   * urn:uuid:/urn:x-uid: addresses with an EMAIL parameter become mailto:,
 *     X-CALENDARSERVER-ACCESS becomes CLASS, attendee comments go into the
 *     description, server bookkeeping parameters go, and VTIMEZONEs are added
 *     for Olson TZIDs stored by reference. */
#include "calstore.h"
#include "../calendarserver/calendarserver.h"

#include <string.h>

#define PERUSER_UID "X-CALENDARSERVER-PERUSER-UID"

static gboolean has_peruser(icalcomponent *vcal)
{
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_X_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_X_COMPONENT))
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
			const char *name = icalproperty_get_x_name(p);
			if (name && g_ascii_strcasecmp(name, PERUSER_UID) == 0)
				return TRUE;
		}
	return FALSE;
}

void mfi_calstore_ccs_top_hook(icalcomponent *top, gpointer owner)
{
	if (icalcomponent_isa(top) != ICAL_VCALENDAR_COMPONENT)
		return;
	if (has_peruser(top))
		mfc_peruser_apply(top, owner);
	mfc_clean_calendar(top);
}
