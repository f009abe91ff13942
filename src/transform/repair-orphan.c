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

/* The item as a copy holding only its component number `keep` (of
 * mfr_components' order) and the VTIMEZONEs (the writer uses what is used). */
static icalcomponent *copy_with_only(const mf_item *item, guint keep)
{
	mf_item tmp = *item;
	tmp.ical = mfr_clone(item->ical);
	GPtrArray *copies = mfr_components(&tmp);
	for (guint j = 0; j < copies->len; j++)
		if (j != keep) {
			icalcomponent_remove_component(tmp.ical, copies->pdata[j]);
			icalcomponent_free(copies->pdata[j]);
		}
	g_ptr_array_unref(copies);
	return tmp.ical;
}

/* Components whose UID differs from the first one's become items of their
 * own. All copies are made before the item loses any component, so component
 * numbers mean the same in the item and in its copies. */
static void split_orphans(mf_item *item, const mf_options *opts, mf_report *report,
                          GPtrArray *extra)
{
	(void)opts, (void)report;
	if (!mfr_is_calendar(item) ||
	    icalcomponent_isa(item->ical) != ICAL_VCALENDAR_COMPONENT)
		return;
	GPtrArray *comps = mfr_components(item);
	const char *first = comps->len ? icalcomponent_get_uid(comps->pdata[0]) : NULL;
	GPtrArray *moved = g_ptr_array_new();
	for (guint i = 1; first && i < comps->len; i++) {
		icalcomponent *c = comps->pdata[i];
		if (g_strcmp0(icalcomponent_get_uid(c), first) == 0)
			continue;
		char *locator = g_strdup_printf("%s, %s", item->locator, icalcomponent_get_uid(c));
		mf_item *single = mf_item_new_from(item, item->kind, locator);
		single->ical = copy_with_only(item, i);
		for (guint t = 0; t < item->repair_tags->len; t++)
			mf_item_add_repair_tag(single, item->repair_tags->pdata[t]);
		for (guint t = 0; t < item->categories->len; t++)
			mf_item_add_category(single, item->categories->pdata[t]);
		g_ptr_array_add(moved, c);
		g_ptr_array_add(extra, single);
		g_free(locator);
	}
	for (guint i = 0; i < moved->len; i++) {
		icalcomponent_remove_component(item->ical, moved->pdata[i]);
		icalcomponent_free(moved->pdata[i]);
	}
	g_ptr_array_unref(moved);
	g_ptr_array_unref(comps);
}

const mf_transform mf_transform_repair_orphan = { .name = "repair-orphan",
                                                  .apply = repair_orphan,
                                                  .expand = split_orphans };
