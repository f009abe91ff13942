/* One parsed VCALENDAR -> items.
 *
 * An item is one calendar object as CalDAV stores it (RFC 4791 4.1): every
 * VEVENT, VTODO or VJOURNAL of the VCALENDAR sharing one UID (the master and
 * its RECURRENCE-ID overrides), in a fresh VCALENDAR with VERSION, the
 * source's PRODID and the VTIMEZONEs those components reference. A component
 * without UID is an item on its own. Other components (VFREEBUSY, X-...) are
 * listed as ignored, never dropped silently; calendar components inside them
 * (a VCALENDAR nested in the VCALENDAR, a custom wrapper) are taken out first
 * and become items like the others.
 *
 * libical notes what it could not parse as X-LIC-ERROR properties. A note
 * that an empty property was dropped is removed (tag Ical_EmptyPropertyDropped);
 * the others stay in the item, where they are not the end of it: the repair
 * transforms (src/transform/repair-*.c) read them, repair what they can and
 * keep the rest of the text as X-MAILFERRY-UNPARSED with a tag. A date libical
 * accepted out of range (year -1) gets the same note. A
 * top-level component that is not an iCalendar object but a known one
 * (a bare VTIMEZONE, VALARM, VFREEBUSY...) is listed as ignored. */
#include "ics.h"

#include <string.h>

typedef struct ics_group {
	icalcomponent_kind kind;
	char *uid;        /* NULL: component without UID */
	guint first_no;   /* 1-based position of its first component in the VCALENDAR */
	GPtrArray *comps; /* icalcomponent*, borrowed from the VCALENDAR */
} ics_group;

static void group_free(gpointer data)
{
	ics_group *g = data;
	g_free(g->uid);
	g_ptr_array_unref(g->comps);
	g_free(g);
}

void mfi_ics_result_free(mfi_ics_result *res)
{
	if (!res)
		return;
	mf_item_free(res->item);
	g_clear_error(&res->error);
	g_free(res);
}

static mf_kind item_kind(icalcomponent_kind kind)
{
	switch (kind) {
	case ICAL_VTODO_COMPONENT:
		return MF_KIND_TASK;
	case ICAL_VJOURNAL_COMPONENT:
		return MF_KIND_NOTE;
	default:
		return MF_KIND_EVENT;
	}
}

static void push_result(GQueue *results, mf_next_result result, mf_item *item, GError *error)
{
	mfi_ics_result *res = g_new0(mfi_ics_result, 1);
	res->result = result;
	res->item = item;
	res->error = error;
	g_queue_push_tail(results, res);
}

static char *instance_key(icalcomponent *c)
{
	icalproperty *p = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
	return p ? icalproperty_get_value_as_string_r(p) : g_strdup("");
}

static gboolean group_has_instance(const ics_group *g, icalcomponent *c)
{
	char *want = instance_key(c);
	gboolean found = FALSE;
	for (guint i = 0; i < g->comps->len && !found; i++) {
		char *have = instance_key(g->comps->pdata[i]);
		found = strcmp(have, want) == 0;
		g_free(have);
	}
	g_free(want);
	return found;
}

/* libical's name for the component's kind; "X" for one it does not know
 * (libical 3.0 keeps no name for those). Caller frees. */
static char *component_name(icalcomponent *comp)
{
	const char *known = icalcomponent_kind_to_string(icalcomponent_isa(comp));
	return g_strdup(known && *known ? known : "X");
}

/* Moves the VEVENT/VTODO/VJOURNAL and VTIMEZONE components found anywhere in
 * `container` (a VCALENDAR nested in the VCALENDAR, a custom wrapper
 * component) to the end of `vcal`, so they become items like the others;
 * returns how many. */
static guint lift_nested(icalcomponent *vcal, icalcomponent *container)
{
	guint n = 0;
	icalcomponent *c = icalcomponent_get_first_component(container, ICAL_ANY_COMPONENT);
	while (c) {
		icalcomponent *next = icalcomponent_get_next_component(container, ICAL_ANY_COMPONENT);
		icalcomponent_kind kind = icalcomponent_isa(c);
		if (mfi_ics_is_item_kind(kind) || kind == ICAL_VTIMEZONE_COMPONENT) {
			icalcomponent_remove_component(container, c);
			icalcomponent_add_component(vcal, c);
			n++;
		} else {
			n += lift_nested(vcal, c);
		}
		c = next;
	}
	return n;
}

/* Groups the item components of `vcal` by (type, UID), in order of first
 * appearance; other non-VTIMEZONE components go to `ignored`, after the
 * calendar components inside them were moved to the end of `vcal` (and so
 * are grouped by this same loop). */
static GPtrArray *group_components(icalcomponent *vcal, const mfi_ics_origin *origin,
                                   GPtrArray *ignored)
{
	GPtrArray *groups = g_ptr_array_new_with_free_func(group_free);
	GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint no = 0;
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind kind = icalcomponent_isa(c);
		no++;
		if (kind == ICAL_VTIMEZONE_COMPONENT)
			continue;
		if (!mfi_ics_is_item_kind(kind)) {
			guint lifted = lift_nested(vcal, c);
			char *name = component_name(c);
			g_ptr_array_add(ignored, lifted
				? g_strdup_printf("%s: VCALENDAR %u: %s component %u (the %u "
				                  "calendar components in it are read as items)",
				                  origin->path, origin->vcal_no, name, no, lifted)
				: g_strdup_printf("%s: VCALENDAR %u: %s component %u", origin->path,
				                  origin->vcal_no, name, no));
			g_free(name);
			continue;
		}
		const char *uid = icalcomponent_get_uid(c);
		char *key = uid && *uid ? g_strdup_printf("%d:%s", (int)kind, uid) : NULL;
		ics_group *g = key ? g_hash_table_lookup(by_key, key) : NULL;
		/* A second copy of a component already in the group (same RECURRENCE-ID,
		 * or a second master) starts an item of its own: dedupe decides. */
		for (guint copy = 2; g && group_has_instance(g, c); copy++) {
			g_free(key);
			key = g_strdup_printf("%d:%s#%u", (int)kind, uid, copy);
			g = g_hash_table_lookup(by_key, key);
		}
		if (!g) {
			g = g_new0(ics_group, 1);
			g->kind = kind;
			g->uid = key ? g_strdup(uid) : NULL;
			g->first_no = no;
			g->comps = g_ptr_array_new();
			g_ptr_array_add(groups, g);
			if (key)
				g_hash_table_insert(by_key, g_strdup(key), g);
		}
		g_ptr_array_add(g->comps, c);
		g_free(key);
	}
	g_hash_table_destroy(by_key);
	return groups;
}

static icalcomponent *find_vtimezone(icalcomponent *vcal, const char *tzid)
{
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_VTIMEZONE_COMPONENT);
	     c; c = icalcomponent_get_next_component(vcal, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		const char *id = p ? icalproperty_get_tzid(p) : NULL;
		if (id && strcmp(id, tzid) == 0)
			return c;
	}
	return NULL;
}

/* The item's own VCALENDAR: VERSION, the source PRODID, the VTIMEZONEs its
 * components use (copied: several items may share one), then the components
 * (moved out of the source VCALENDAR). */
static icalcomponent *item_calendar(icalcomponent *vcal, ics_group *g)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalproperty *prodid = icalcomponent_get_first_property(vcal, ICAL_PRODID_PROPERTY);
	if (prodid)
		icalcomponent_add_property(cal, icalproperty_new_clone(prodid));
	GPtrArray *tzids = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < g->comps->len; i++)
		mfi_ics_collect_tzids(g->comps->pdata[i], tzids);
	for (guint i = 0; i < tzids->len; i++) {
		icalcomponent *vtz = find_vtimezone(vcal, tzids->pdata[i]);
		if (vtz)
			icalcomponent_add_component(cal, mfi_ics_clone(vtz));
	}
	g_ptr_array_unref(tzids);
	for (guint i = 0; i < g->comps->len; i++) {
		icalcomponent_remove_component(vcal, g->comps->pdata[i]);
		icalcomponent_add_component(cal, g->comps->pdata[i]);
	}
	return cal;
}

static void emit_group(icalcomponent *vcal, ics_group *g, const mfi_ics_origin *origin,
                       GQueue *results)
{
	char *locator = g->uid ? g_strdup_printf("VCALENDAR %u, UID %s", origin->vcal_no, g->uid)
	                       : g_strdup_printf("VCALENDAR %u, component %u", origin->vcal_no,
	                                         g->first_no);
	mf_item *item = mf_item_new(item_kind(g->kind), origin->path, locator);
	mf_item_set_folder(item, origin->folder);
	item->ical = item_calendar(vcal, g);
	mfi_ics_flag_bad_times(item->ical);
	if (mfi_ics_drop_empty_value_notes(item->ical) > 0)
		mf_item_add_repair_tag(item, "Ical_EmptyPropertyDropped");
	push_result(results, MF_NEXT_ITEM, item, NULL);
	g_free(locator);
}

/* A top-level component that is not a VCALENDAR: a bare item component gets
 * wrapped; another well-formed known component is ignored; anything else is
 * BROKEN. Returns the VCALENDAR or NULL. */
static icalcomponent *as_vcalendar(icalcomponent *top, const mfi_ics_origin *origin,
                                   GQueue *results, GPtrArray *ignored)
{
	icalcomponent_kind kind = icalcomponent_isa(top);
	if (kind == ICAL_VCALENDAR_COMPONENT)
		return top;
	icalcomponent *vcal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	if (mfi_ics_is_item_kind(kind)) {
		icalcomponent_add_component(vcal, top);
		return vcal;
	}
	/* A wrapper around calendar components (BEGIN:MYCOMP ... BEGIN:VEVENT):
	 * the components are the items; the wrapper is listed as ignored. */
	guint lifted = lift_nested(vcal, top);
	if (lifted > 0) {
		char *name = component_name(top);
		const char *problem = mfi_ics_first_parse_error(top);
		g_ptr_array_add(ignored, g_strdup_printf("%s: top-level component %u: %s (the %u "
		                                         "calendar components in it are read as "
		                                         "items)%s%s",
		                                         origin->path, origin->vcal_no, name,
		                                         lifted, problem ? "; " : "",
		                                         problem ? problem : ""));
		g_free(name);
		icalcomponent_free(top);
		return vcal;
	}
	icalcomponent_free(vcal);
	if (kind != ICAL_XLICINVALID_COMPONENT && kind != ICAL_NO_COMPONENT &&
	    kind != ICAL_X_COMPONENT && !mfi_ics_first_parse_error(top)) {
		g_ptr_array_add(ignored, g_strdup_printf("%s: top-level component %u: %s",
		                                         origin->path, origin->vcal_no,
		                                         icalcomponent_kind_to_string(kind)));
		icalcomponent_free(top);
		return NULL;
	}
	char *locator = g_strdup_printf("VCALENDAR %u", origin->vcal_no);
	mf_item *item = mf_item_new(MF_KIND_EVENT, origin->path, locator);
	mf_item_set_folder(item, origin->folder);
	const char *problem = mfi_ics_first_parse_error(top);
	GError *error = g_error_new(MF_ERROR, MF_ERROR_ITEM, "%s: %s: not an iCalendar object (%s)%s%s",
	                            origin->path, locator, icalcomponent_kind_to_string(kind),
	                            problem ? ": " : "", problem ? problem : "");
	icalcomponent_free(top);
	push_result(results, MF_NEXT_BROKEN, item, error);
	g_free(locator);
	return NULL;
}

void mfi_ics_split(icalcomponent *top, const mfi_ics_origin *origin, GQueue *results,
                   GPtrArray *ignored)
{
	icalcomponent *vcal = as_vcalendar(top, origin, results, ignored);
	if (!vcal)
		return;
	GPtrArray *groups = group_components(vcal, origin, ignored);
	if (groups->len == 0)
		g_ptr_array_add(ignored, g_strdup_printf("%s: VCALENDAR %u: no VEVENT, VTODO or VJOURNAL",
		                                         origin->path, origin->vcal_no));
	for (guint i = 0; i < groups->len; i++)
		emit_group(vcal, groups->pdata[i], origin, results);
	g_ptr_array_unref(groups);
	icalcomponent_free(vcal);
}
