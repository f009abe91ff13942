/* What CalendarServer changed in the data it stored, undone for export
 * (formats.md A.7-A.9, Part B; Apple's calendarserver_export does the same):
 * - ORGANIZER/ATTENDEE "urn:x-uid:<uid>", "urn:uuid:<uid>" or a principal
 *   path with an EMAIL parameter -> "mailto:<EMAIL>" (the parameter goes);
 *   without EMAIL the value stays for --map (keys like "urn:x-uid:<uid>");
 * - X-CALENDARSERVER-ATTENDEE-COMMENT (an attendee's private comment, kept in
 *   the organizer's copy) -> a paragraph of DESCRIPTION naming the attendee;
 * - X-CALENDARSERVER-ACCESS (VCALENDAR level) -> CLASS on each component;
 * - server bookkeeping parameters X-CALENDARSERVER-DTSTAMP and
 *   X-CALENDARSERVER-RESET-PARTSTAT are removed;
 * - VTIMEZONEs stripped at store time ("timezones by reference") are added
 *   back from libical's built-in Olson database. */
#include "calendarserver.h"
#include "../ics/ics.h"

#include <string.h>

#define COMMENT "X-CALENDARSERVER-ATTENDEE-COMMENT"
#define COMMENT_REF "X-CALENDARSERVER-ATTENDEE-REF"
#define ACCESS "X-CALENDARSERVER-ACCESS"

static gboolean is_item(icalcomponent *c)
{
	icalcomponent_kind k = icalcomponent_isa(c);
	return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
	       k == ICAL_VJOURNAL_COMPONENT;
}

static gboolean server_address(const char *value)
{
	return value && (g_ascii_strncasecmp(value, "urn:x-uid:", 10) == 0 ||
	                 g_ascii_strncasecmp(value, "urn:uuid:", 9) == 0 ||
	                 g_str_has_prefix(value, "/principals/") ||
	                 strstr(value, "/principals/__uids__/") != NULL);
}

static void to_mailto(icalproperty *p)
{
	const char *value = icalproperty_get_value_as_string(p);
	const char *email = icalproperty_get_parameter_as_string(p, "EMAIL");
	if (!server_address(value) || !email || !strchr(email, '@'))
		return;
	char *uri = g_strconcat("mailto:", email, NULL);
	icalproperty_set_value_from_string(p, uri, "CAL-ADDRESS");
	icalproperty_remove_parameter_by_name(p, "EMAIL");
	g_free(uri);
}

static void drop_bookkeeping(icalproperty *p)
{
	icalproperty_remove_parameter_by_name(p, "X-CALENDARSERVER-DTSTAMP");
	icalproperty_remove_parameter_by_name(p, "X-CALENDARSERVER-RESET-PARTSTAT");
}

/* The attendee a comment refers to, by name: CN, else EMAIL, else address. */
static char *attendee_name(icalcomponent *c, const char *ref)
{
	for (icalproperty *a = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY); a;
	     a = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
		const char *value = icalproperty_get_value_as_string(a);
		if (!ref || !value || g_ascii_strcasecmp(value, ref) != 0)
			continue;
		const char *cn = icalproperty_get_parameter_as_string(a, "CN");
		const char *email = icalproperty_get_parameter_as_string(a, "EMAIL");
		return g_strdup(cn && *cn ? cn : email && *email ? email : value);
	}
	const char *bare = ref && g_ascii_strncasecmp(ref, "mailto:", 7) == 0 ? ref + 7 : ref;
	return g_strdup(bare && *bare ? bare : "an attendee");
}

/* Every attendee comment of `c` -> DESCRIPTION; the properties go. They are
 * collected first: attendee_name() and mfi_ics_append_description() walk the
 * same component's properties, which resets the one iterator libical keeps. */
static void comments_to_description(icalcomponent *c)
{
	GPtrArray *comments = g_ptr_array_new();
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY))
		if (g_ascii_strcasecmp(icalproperty_get_x_name(p), COMMENT) == 0)
			g_ptr_array_add(comments, p);
	for (guint i = 0; i < comments->len; i++) {
		icalproperty *p = comments->pdata[i];
		const char *text = icalproperty_get_value_as_string(p);
		char *who = attendee_name(c, icalproperty_get_parameter_as_string(p, COMMENT_REF));
		if (text && *text) {
			char *unescaped = g_strcompress(text);
			char *line = g_strdup_printf("Comment from %s: %s", who, unescaped);
			mfi_ics_append_description(c, line);
			g_free(line);
			g_free(unescaped);
		}
		g_free(who);
		icalcomponent_remove_property(c, p);
		icalproperty_free(p);
	}
	g_ptr_array_unref(comments);
}

/* X-CALENDARSERVER-ACCESS -> the CLASS it means (A.7), removed from `vcal`. */
static icalproperty_class take_access(icalcomponent *vcal)
{
	icalproperty_class cls = ICAL_CLASS_NONE;
	icalproperty *p = icalcomponent_get_first_property(vcal, ICAL_X_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(vcal, ICAL_X_PROPERTY);
		if (g_ascii_strcasecmp(icalproperty_get_x_name(p), ACCESS) == 0) {
			const char *v = icalproperty_get_value_as_string(p);
			if (v && g_ascii_strcasecmp(v, "PRIVATE") == 0)
				cls = ICAL_CLASS_PRIVATE;
			else if (v && (g_ascii_strcasecmp(v, "CONFIDENTIAL") == 0 ||
			               g_ascii_strcasecmp(v, "RESTRICTED") == 0))
				cls = ICAL_CLASS_CONFIDENTIAL;
			else if (v && g_ascii_strcasecmp(v, "PUBLIC") == 0)
				cls = ICAL_CLASS_PUBLIC;
			icalcomponent_remove_property(vcal, p);
			icalproperty_free(p);
		}
		p = next;
	}
	return cls;
}

static void set_class(icalcomponent *c, icalproperty_class cls)
{
	icalproperty *old;
	while ((old = icalcomponent_get_first_property(c, ICAL_CLASS_PROPERTY))) {
		icalcomponent_remove_property(c, old);
		icalproperty_free(old);
	}
	icalcomponent_add_property(c, icalproperty_new_class(cls));
}

static void clean_component(icalcomponent *c, icalproperty_class cls)
{
	comments_to_description(c);
	if (cls != ICAL_CLASS_NONE)
		set_class(c, cls);
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
		icalproperty_kind k = icalproperty_isa(p);
		if (k == ICAL_ORGANIZER_PROPERTY || k == ICAL_ATTENDEE_PROPERTY) {
			drop_bookkeeping(p);
			to_mailto(p);
		}
	}
}

static void collect_tzids(icalcomponent *comp, GHashTable *tzids)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
		icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		const char *id = tz ? icalparameter_get_tzid(tz) : NULL;
		if (id && *id)
			g_hash_table_add(tzids, g_strdup(id));
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		collect_tzids(c, tzids);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A VTIMEZONE from libical's built-in database for each TZID used without one. */
static void add_vtimezones(icalcomponent *vcal)
{
	GHashTable *used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
		if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT)
			collect_tzids(c, used);
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_VTIMEZONE_COMPONENT);
	     c; c = icalcomponent_get_next_component(vcal, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		if (p && icalproperty_get_tzid(p))
			g_hash_table_remove(used, icalproperty_get_tzid(p));
	}
	GPtrArray *ids = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, used);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(ids, key);
	g_ptr_array_sort(ids, compare_strings); /* deterministic order */
	for (guint i = 0; i < ids->len; i++) {
		icaltimezone *zone = icaltimezone_get_builtin_timezone(ids->pdata[i]);
		icalcomponent *vtz = zone ? icaltimezone_get_component(zone) : NULL;
		if (!vtz)
			continue; /* not Olson: repair-timezone decides */
		vtz = icalcomponent_new_clone(vtz);
		icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
		if (p)
			icalproperty_set_tzid(p, ids->pdata[i]);
		icalcomponent_add_component(vcal, vtz);
	}
	g_ptr_array_unref(ids);
	g_hash_table_destroy(used);
}

void mfc_clean_calendar(icalcomponent *vcal)
{
	icalproperty_class cls = take_access(vcal);
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
		if (is_item(c))
			clean_component(c, cls);
	add_vtimezones(vcal);
}
