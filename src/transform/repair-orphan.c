/* Items_OrphanException: RECURRENCE-ID overrides whose master is not there
 * (e.g. a meeting update sent for one occurrence). Each becomes a single
 * event at its own DTSTART: RECURRENCE-ID removed (kept in a note). The first
 * keeps the UID; further ones get "<UID>-<RECURRENCE-ID>" and expand() splits
 * them off as items of their own, so every item is one calendar object. */
#include "repair.h"

#include <string.h>

static gboolean is_orphan_set(const mf_item *item)
{
	GPtrArray *comps = mfr_components(item);
	gboolean orphan = comps->len > 0 && !mfr_master(item);
	g_ptr_array_unref(comps);
	return orphan;
}

static void make_single(icalcomponent *comp, guint index)
{
	icalproperty *rid = icalcomponent_get_first_property(comp, ICAL_RECURRENCEID_PROPERTY);
	char *value = icalproperty_get_value_as_string_r(rid);
	char *note = g_strdup_printf("Items_OrphanException: was the occurrence RECURRENCE-ID:%s "
	                             "of a recurring event not in the source", value);
	mfr_note(comp, note);
	if (index > 0) {
		char *uid = g_strdup_printf("%s-%s", icalcomponent_get_uid(comp), value);
		icalcomponent_set_uid(comp, uid);
		g_free(uid);
	}
	icalcomponent_remove_property(comp, rid);
	icalproperty_free(rid);
	g_free(note);
	free(value);
}

static mf_transform_result repair_orphan(mf_item *item, const mf_options *opts,
                                         mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (!mfr_is_calendar(item) || !is_orphan_set(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	for (guint i = 0; i < comps->len; i++)
		make_single(comps->pdata[i], i);
	g_ptr_array_unref(comps);
	mfr_tag(item, "Items_OrphanException");
	return MF_TRANSFORM_KEEP;
}

/* Components whose UID differs from the first one's become items of their own. */
static void split_orphans(mf_item *item, const mf_options *opts, mf_report *report,
                          GPtrArray *extra)
{
	(void)opts, (void)report;
	if (!mfr_is_calendar(item) ||
	    icalcomponent_isa(item->ical) != ICAL_VCALENDAR_COMPONENT)
		return;
	GPtrArray *comps = mfr_components(item);
	const char *first = comps->len ? icalcomponent_get_uid(comps->pdata[0]) : NULL;
	for (guint i = 1; first && i < comps->len; i++) {
		icalcomponent *c = comps->pdata[i];
		if (g_strcmp0(icalcomponent_get_uid(c), first) == 0)
			continue;
		char *locator = g_strdup_printf("%s, %s", item->locator, icalcomponent_get_uid(c));
		mf_item *single = mf_item_new(item->kind, item->source, locator);
		mf_item_set_folder(single, (const char *const *)item->folder);
		single->ical = icalcomponent_new_clone(item->ical);
		/* keep only this component (VTIMEZONEs stay; the writer uses what is used) */
		GPtrArray *copies = mfr_components(single);
		for (guint j = 0; j < copies->len; j++)
			if (j != i) {
				icalcomponent_remove_component(single->ical, copies->pdata[j]);
				icalcomponent_free(copies->pdata[j]);
			}
		g_ptr_array_unref(copies);
		for (guint t = 0; t < item->repair_tags->len; t++)
			mf_item_add_repair_tag(single, item->repair_tags->pdata[t]);
		for (guint t = 0; t < item->categories->len; t++)
			mf_item_add_category(single, item->categories->pdata[t]);
		icalcomponent_remove_component(item->ical, c);
		icalcomponent_free(c);
		g_ptr_array_add(extra, single);
		g_free(locator);
	}
	g_ptr_array_unref(comps);
}

const mf_transform mf_transform_repair_orphan = { .name = "repair-orphan",
                                                  .apply = repair_orphan,
                                                  .expand = split_orphans };
