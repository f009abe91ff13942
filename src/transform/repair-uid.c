/* Items_MissingUID: a component without UID gets one derived from its content
 * (SHA-256 of its text without DTSTAMP/LAST-MODIFIED), so the same input gives
 * the same UID on every run and two different items never share one. */
#include "repair.h"

static mf_transform_result repair_uid(mf_item *item, const mf_options *opts,
                                      mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	gboolean changed = FALSE;
	for (guint i = 0; i < comps->len; i++) {
		icalcomponent *c = comps->pdata[i];
		const char *uid = icalcomponent_get_uid(c);
		if (uid && *uid)
			continue;
		icalproperty *empty;
		while ((empty = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY))) {
			icalcomponent_remove_property(c, empty);
			icalproperty_free(empty);
		}
		char *digest = mfr_content_digest(c);
		char *derived = g_strdup_printf("mailferry-%.32s", digest);
		icalcomponent_add_property(c, icalproperty_new_uid(derived));
		mfr_note(c, "Items_MissingUID: UID derived from the content");
		g_free(derived);
		g_free(digest);
		changed = TRUE;
	}
	g_ptr_array_unref(comps);
	if (changed)
		mfr_tag(item, "Items_MissingUID");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_uid = { .name = "repair-uid", .apply = repair_uid };
