/* Items_InvalidProperty: whatever libical could not parse and no earlier
 * repair took care of (its X-LIC-ERROR notes, anywhere in the item) is kept
 * as X-MAILFERRY-UNPARSED properties holding libical's message with the
 * original text, so nothing is lost and every consumer can read the item.
 * Alarms are made valid the same way (repair_alarms). */
#include "repair.h"

static guint keep_unparsed(icalcomponent *comp)
{
	guint n = 0;
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY);
		const char *text = icalproperty_get_xlicerror(p);
		icalproperty *x = icalproperty_new_x(text ? text : "");
		icalproperty_set_x_name(x, MFR_X_UNPARSED);
		icalcomponent_remove_property(comp, p);
		icalproperty_free(p);
		icalcomponent_add_property(comp, x);
		n++;
		p = next;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		n += keep_unparsed(c);
	return n;
}

/* Properties RFC 5545 allows at most once in VEVENT/VTODO/VJOURNAL/VALARM
 * (DESCRIPTION may repeat in VJOURNAL). */
static gboolean singleton(icalcomponent *comp, icalproperty_kind k)
{
	static const icalproperty_kind once[] = {
		ICAL_CLASS_PROPERTY, ICAL_CREATED_PROPERTY, ICAL_DTSTART_PROPERTY,
		ICAL_GEO_PROPERTY, ICAL_LASTMODIFIED_PROPERTY, ICAL_LOCATION_PROPERTY,
		ICAL_ORGANIZER_PROPERTY, ICAL_PRIORITY_PROPERTY, ICAL_DTSTAMP_PROPERTY,
		ICAL_SEQUENCE_PROPERTY, ICAL_STATUS_PROPERTY, ICAL_SUMMARY_PROPERTY,
		ICAL_TRANSP_PROPERTY, ICAL_URL_PROPERTY, ICAL_RECURRENCEID_PROPERTY,
		ICAL_DTEND_PROPERTY, ICAL_DURATION_PROPERTY, ICAL_DUE_PROPERTY,
		ICAL_COMPLETED_PROPERTY, ICAL_PERCENTCOMPLETE_PROPERTY, ICAL_UID_PROPERTY,
		ICAL_ACTION_PROPERTY, ICAL_TRIGGER_PROPERTY, ICAL_REPEAT_PROPERTY,
	};
	if (k == ICAL_DESCRIPTION_PROPERTY)
		return icalcomponent_isa(comp) != ICAL_VJOURNAL_COMPONENT;
	for (gsize i = 0; i < G_N_ELEMENTS(once); i++)
		if (once[i] == k)
			return TRUE;
	return FALSE;
}

/* A second DTSTART, CLASS, ACTION…: the first stays, the others are kept as
 * X-MAILFERRY-UNPARSED "duplicate NAME…" text. */
static guint keep_duplicates(icalcomponent *comp)
{
	guint n = 0;
	icalcomponent_kind ck = icalcomponent_isa(comp);
	if (ck == ICAL_VEVENT_COMPONENT || ck == ICAL_VTODO_COMPONENT ||
	    ck == ICAL_VJOURNAL_COMPONENT || ck == ICAL_VALARM_COMPONENT) {
		GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
		icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY);
		while (p) {
			icalproperty *next = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY);
			icalproperty_kind k = icalproperty_isa(p);
			if (singleton(comp, k) && !g_hash_table_add(seen, GINT_TO_POINTER(k))) {
				char *line = icalproperty_as_ical_string_r(p);
				char *text = g_strdup_printf("duplicate %s", g_strstrip(line));
				icalproperty *x = icalproperty_new_x(text);
				icalproperty_set_x_name(x, MFR_X_UNPARSED);
				icalcomponent_remove_property(comp, p);
				icalproperty_free(p);
				icalcomponent_add_property(comp, x);
				g_free(text);
				free(line);
				n++;
			}
			p = next;
		}
		g_hash_table_destroy(seen);
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		n += keep_duplicates(c);
	return n;
}

static void keep_as_unparsed(icalcomponent *comp, const char *what, const char *text)
{
	char *line = g_strdup_printf("%s %s", what, text);
	icalproperty *x = icalproperty_new_x(line);
	icalproperty_set_x_name(x, MFR_X_UNPARSED);
	icalcomponent_add_property(comp, x);
	g_free(line);
}

/* ACTION, TRIGGER and REPEAT belong to a VALARM only; in an event, task or
 * journal they are the remains of an alarm whose BEGIN line was broken
 * ("BCGIN:VALARM"). Kept as "misplaced ACTION:AUDIO" text. */
static guint keep_misplaced(icalcomponent *comp)
{
	static const icalproperty_kind alarm_only[] = { ICAL_ACTION_PROPERTY,
	                                                ICAL_TRIGGER_PROPERTY,
	                                                ICAL_REPEAT_PROPERTY };
	guint n = 0;
	for (gsize i = 0; i < G_N_ELEMENTS(alarm_only); i++) {
		icalproperty *p;
		while ((p = icalcomponent_get_first_property(comp, alarm_only[i]))) {
			char *line = icalproperty_as_ical_string_r(p);
			keep_as_unparsed(comp, "misplaced", g_strstrip(line));
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
			free(line);
			n++;
		}
	}
	return n;
}

/* RFC 5545 3.6.6: a VALARM has a TRIGGER and an ACTION; a DISPLAY or EMAIL
 * alarm a DESCRIPTION. Without ACTION (old Mozilla alarms) it becomes a
 * DISPLAY alarm showing the item's SUMMARY; without TRIGGER it cannot fire
 * and is removed, its text kept in the item. Returns the repairs made. */
static guint repair_alarms(icalcomponent *item)
{
	guint n = 0;
	icalcomponent *a = icalcomponent_get_first_component(item, ICAL_VALARM_COMPONENT);
	while (a) {
		icalcomponent *next = icalcomponent_get_next_component(item, ICAL_VALARM_COMPONENT);
		if (!icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY)) {
			char *flat = mfr_flat_text(a);
			keep_as_unparsed(item, "alarm without TRIGGER, removed:", flat);
			icalcomponent_remove_component(item, a);
			icalcomponent_free(a);
			g_free(flat);
			n++;
			a = next;
			continue;
		}
		icalproperty *action = icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY);
		if (!action) {
			icalcomponent_add_property(a, icalproperty_new_action(ICAL_ACTION_DISPLAY));
			mfr_note(a, "Items_InvalidProperty: alarm without ACTION; ACTION:DISPLAY added");
			n++;
		}
		icalproperty_action kind = action ? icalproperty_get_action(action)
		                                  : ICAL_ACTION_DISPLAY;
		if ((kind == ICAL_ACTION_DISPLAY || kind == ICAL_ACTION_EMAIL) &&
		    !icalcomponent_get_first_property(a, ICAL_DESCRIPTION_PROPERTY)) {
			const char *summary = icalcomponent_get_summary(item);
			icalcomponent_add_property(a, icalproperty_new_description(
				summary && *summary ? summary : "Reminder"));
			mfr_note(a, "Items_InvalidProperty: alarm without DESCRIPTION; the item's "
			            "SUMMARY added");
			n++;
		}
		a = next;
	}
	return n;
}

static guint repair_components(mf_item *item)
{
	GPtrArray *comps = mfr_components(item);
	guint n = 0;
	for (guint i = 0; i < comps->len; i++)
		n += keep_misplaced(comps->pdata[i]) + repair_alarms(comps->pdata[i]);
	g_ptr_array_unref(comps);
	return n;
}

static mf_transform_result repair_unparsed(mf_item *item, const mf_options *opts,
                                           mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (mfr_is_calendar(item) &&
	    keep_unparsed(item->ical) + keep_duplicates(item->ical) + repair_components(item) > 0)
		mfr_tag(item, "Items_InvalidProperty");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_unparsed = { .name = "repair-unparsed",
                                                    .apply = repair_unparsed };
