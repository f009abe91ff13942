/* One user's view of a stored calendar object (formats.md A.7, after
 * CalendarServer's PerUserDataFilter and HiddenInstanceFilter):
 *
 *   BEGIN:X-CALENDARSERVER-PERUSER            (one per user, top level)
 *   X-CALENDARSERVER-PERUSER-UID:<home owner UID>
 *   BEGIN:X-CALENDARSERVER-PERINSTANCE        (RECURRENCE-ID absent = master)
 *   TRANSP, X- properties, VALARMs
 *
 * 1. other users' blocks are removed; 2. a PERINSTANCE goes into the
 * component with the same RECURRENCE-ID, else into an override derived from
 * the master; 3. overrides without their own PERINSTANCE get the master's;
 * 4. with no block at all, an all-day VEVENT without TRANSP is TRANSPARENT.
 * Then overrides marked X-CALENDARSERVER-HIDDEN-INSTANCE become EXDATEs.
 *
 * libical 3.0 keeps no name for X- components, so the blocks are known by
 * their content: a top-level X component with X-CALENDARSERVER-PERUSER-UID is
 * a PERUSER block, its X sub-components are PERINSTANCEs. */
#include "calendarserver.h"

#include <stdlib.h>
#include <string.h>

#define PERUSER_UID "X-CALENDARSERVER-PERUSER-UID"
#define HIDDEN "X-CALENDARSERVER-HIDDEN-INSTANCE"

static icalproperty *x_property(icalcomponent *comp, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY))
		if (g_ascii_strcasecmp(icalproperty_get_x_name(p), name) == 0)
			return p;
	return NULL;
}

/* Copies through the text form: libical 3.0's icalproperty_new_clone() loses
 * non-standard values of enumerated properties ("TRANSP:Weird" becomes
 * "TRANSP:"), and so does icalcomponent_new_clone(). */
static icalproperty *copy_property(icalproperty *p)
{
	char *text = icalproperty_as_ical_string_r(p);
	icalproperty *copy = text ? icalproperty_new_from_string(text) : NULL;
	free(text);
	return copy ? copy : icalproperty_new_clone(p);
}

static icalcomponent *copy_component(icalcomponent *c)
{
	char *text = icalcomponent_as_ical_string_r(c);
	icalcomponent *copy = text && *text ? icalcomponent_new_from_string(text) : NULL;
	free(text);
	if (copy && icalcomponent_isa(copy) != icalcomponent_isa(c)) {
		icalcomponent_free(copy);
		copy = NULL;
	}
	return copy ? copy : icalcomponent_new_clone(c);
}

static gboolean is_item(icalcomponent *c)
{
	icalcomponent_kind k = icalcomponent_isa(c);
	return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
	       k == ICAL_VJOURNAL_COMPONENT;
}

/* The RECURRENCE-ID as a comparable UTC-or-floating string; "" for none. */
static char *instance_key(icalcomponent *c)
{
	icalproperty *p = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
	if (!p)
		return g_strdup("");
	struct icaltimetype t = icalproperty_get_recurrenceid(p);
	icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	icaltimezone *zone = tz ? icaltimezone_get_builtin_timezone(icalparameter_get_tzid(tz))
	                        : NULL;
	if (zone && !t.is_date)
		t = icaltime_convert_to_zone(icaltime_set_timezone(&t, zone),
		                             icaltimezone_get_utc_timezone());
	return g_strdup(icaltime_as_ical_string(t));
}

/* Takes the owner's PERUSER block out of `vcal` (NULL when none) and frees
 * every other user's. */
static icalcomponent *take_peruser(icalcomponent *vcal, const char *owner)
{
	icalcomponent *mine = NULL;
	icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_X_COMPONENT);
	while (c) {
		icalcomponent *next = icalcomponent_get_next_component(vcal, ICAL_X_COMPONENT);
		icalproperty *uid = x_property(c, PERUSER_UID);
		if (uid) {
			icalcomponent_remove_component(vcal, c);
			const char *who = icalproperty_get_value_as_string(uid);
			if (!mine && owner && who && g_ascii_strcasecmp(who, owner) == 0)
				mine = c;
			else
				icalcomponent_free(c);
		}
		c = next;
	}
	return mine;
}

/* Copies the per-user properties and components of `pi` into `target`. A
 * single-valued property the target has already (TRANSP) is replaced. */
static void merge_instance(icalcomponent *pi, icalcomponent *target)
{
	for (icalproperty *p = icalcomponent_get_first_property(pi, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(pi, ICAL_ANY_PROPERTY)) {
		icalproperty_kind k = icalproperty_isa(p);
		if (k == ICAL_RECURRENCEID_PROPERTY || k == ICAL_UID_PROPERTY)
			continue;
		if (k == ICAL_TRANSP_PROPERTY || k == ICAL_CLASS_PROPERTY) {
			icalproperty *old;
			while ((old = icalcomponent_get_first_property(target, k))) {
				icalcomponent_remove_property(target, old);
				icalproperty_free(old);
			}
		}
		icalcomponent_add_property(target, copy_property(p));
	}
	for (icalcomponent *s = icalcomponent_get_first_component(pi, ICAL_ANY_COMPONENT); s;
	     s = icalcomponent_get_next_component(pi, ICAL_ANY_COMPONENT))
		icalcomponent_add_component(target, copy_component(s));
}

static icalcomponent *find_master(icalcomponent *vcal)
{
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
		if (is_item(c) && !icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY))
			return c;
	return NULL;
}

static void remove_all(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty *p;
	while ((p = icalcomponent_get_first_property(c, kind))) {
		icalcomponent_remove_property(c, p);
		icalproperty_free(p);
	}
}

/* An override of `master` for the instance `rid` (a RECURRENCE-ID property),
 * with the master's duration. */
static icalcomponent *derive_override(icalcomponent *master, icalproperty *rid)
{
	icalcomponent *o = copy_component(master);
	struct icaltimetype start = icalcomponent_get_dtstart(master);
	struct icaltimetype end = icalcomponent_get_dtend(master);
	gboolean has_end = icalcomponent_get_first_property(master, ICAL_DTEND_PROPERTY) != NULL;
	struct icaldurationtype span = has_end ? icaltime_subtract(end, start)
	                                       : icaldurationtype_null_duration();
	remove_all(o, ICAL_RRULE_PROPERTY);
	remove_all(o, ICAL_RDATE_PROPERTY);
	remove_all(o, ICAL_EXDATE_PROPERTY);
	remove_all(o, ICAL_EXRULE_PROPERTY);
	remove_all(o, ICAL_DTSTART_PROPERTY);
	remove_all(o, ICAL_DTEND_PROPERTY);
	for (icalcomponent *a; (a = icalcomponent_get_first_component(o, ICAL_VALARM_COMPONENT));) {
		icalcomponent_remove_component(o, a); /* per-user: the PERINSTANCE brings its own */
		icalcomponent_free(a);
	}
	icalcomponent_add_property(o, copy_property(rid));
	struct icaltimetype t = icalproperty_get_recurrenceid(rid);
	icalproperty *dtstart = icalproperty_new_dtstart(t);
	icalparameter *tz = icalproperty_get_first_parameter(rid, ICAL_TZID_PARAMETER);
	if (tz)
		icalproperty_add_parameter(dtstart, icalparameter_new_clone(tz));
	icalcomponent_add_property(o, dtstart);
	if (has_end) {
		icalproperty *dtend = icalproperty_new_dtend(icaltime_add(t, span));
		if (tz)
			icalproperty_add_parameter(dtend, icalparameter_new_clone(tz));
		icalcomponent_add_property(o, dtend);
	}
	return o;
}

/* Steps 2 and 3 for the PERINSTANCEs of `mine`. */
static void apply_instances(icalcomponent *vcal, icalcomponent *mine)
{
	GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (icalcomponent *pi = icalcomponent_get_first_component(mine, ICAL_ANY_COMPONENT); pi;
	     pi = icalcomponent_get_next_component(mine, ICAL_ANY_COMPONENT))
		g_hash_table_insert(by_key, instance_key(pi), pi);
	icalcomponent *master_pi = g_hash_table_lookup(by_key, "");
	GHashTable *used = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
		if (!is_item(c))
			continue;
		char *key = instance_key(c);
		icalcomponent *pi = g_hash_table_lookup(by_key, key);
		g_free(key);
		if (pi)
			g_hash_table_add(used, pi);
		if (pi || master_pi)
			merge_instance(pi ? pi : master_pi, c);
	}
	icalcomponent *master = find_master(vcal);
	GHashTableIter it;
	gpointer key, pi;
	g_hash_table_iter_init(&it, by_key);
	GPtrArray *derive = g_ptr_array_new();
	while (g_hash_table_iter_next(&it, &key, &pi))
		if (*(const char *)key && !g_hash_table_contains(used, pi))
			g_ptr_array_add(derive, pi);
	for (guint i = 0; master && i < derive->len; i++) {
		icalproperty *rid = icalcomponent_get_first_property(derive->pdata[i],
		                                                     ICAL_RECURRENCEID_PROPERTY);
		icalcomponent *o = derive_override(master, rid);
		merge_instance(derive->pdata[i], o);
		icalcomponent_add_component(vcal, o);
	}
	g_ptr_array_unref(derive);
	g_hash_table_destroy(used);
	g_hash_table_destroy(by_key);
}

/* Step 4: no per-user data for this user. */
static void default_transparency(icalcomponent *vcal)
{
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_VEVENT_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_VEVENT_COMPONENT)) {
		icalproperty *start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
		if (start && icalproperty_get_dtstart(start).is_date &&
		    !icalcomponent_get_first_property(c, ICAL_TRANSP_PROPERTY))
			icalcomponent_add_property(c, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
	}
}

/* Overrides marked hidden for this user: removed, their instance an EXDATE
 * of the master (with the RECURRENCE-ID's TZID). */
static void hide_instances(icalcomponent *vcal)
{
	icalcomponent *master = find_master(vcal);
	icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT);
	while (c) {
		icalcomponent *next = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT);
		icalproperty *hidden = is_item(c) ? x_property(c, HIDDEN) : NULL;
		icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
		if (hidden && rid && master) {
			icalproperty *ex = icalproperty_new_exdate(icalproperty_get_recurrenceid(rid));
			icalparameter *tz = icalproperty_get_first_parameter(rid, ICAL_TZID_PARAMETER);
			if (tz)
				icalproperty_add_parameter(ex, icalparameter_new_clone(tz));
			icalcomponent_add_property(master, ex);
			icalcomponent_remove_component(vcal, c);
			icalcomponent_free(c);
		} else if (hidden) {
			icalcomponent_remove_property(c, hidden);
			icalproperty_free(hidden);
		}
		c = next;
	}
}

void mfc_peruser_apply(icalcomponent *vcal, const char *owner)
{
	icalcomponent *mine = take_peruser(vcal, owner);
	if (mine) {
		apply_instances(vcal, mine);
		icalcomponent_free(mine);
	} else {
		default_transparency(vcal);
	}
	hide_instances(vcal);
}
