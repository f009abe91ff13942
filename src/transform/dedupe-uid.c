/* Items_DuplicateUID: two items of one folder with the same UID. The first
 * keeps it. A later copy with the same content (ignoring DTSTAMP and
 * LAST-MODIFIED) is the same item twice: it is filtered, counted as
 * "filtered" and listed with its reason in the report. A later copy that
 * differs gets a UID derived from the old one and its content, and the tag. */
#include "repair.h"

static char *item_digest(const mf_item *item)
{
	GPtrArray *comps = mfr_components(item);
	GString *all = g_string_new(NULL);
	for (guint i = 0; i < comps->len; i++) {
		char *d = mfr_content_digest(comps->pdata[i]);
		g_string_append(all, d);
		g_free(d);
	}
	g_ptr_array_unref(comps);
	return g_string_free(all, FALSE);
}

static mf_transform_result dedupe_uid(mf_item *item, const mf_options *opts,
                                      mf_report *report, char **reason_r)
{
	(void)opts;
	icalcomponent *first = NULL;
	GPtrArray *comps = mfr_is_calendar(item) && report ? mfr_components(item) : NULL;
	if (comps && comps->len)
		first = comps->pdata[0];
	char *uid = first ? g_strdup(icalcomponent_get_uid(first)) : NULL;
	if (!uid || !*uid) {
		g_free(uid);
		if (comps)
			g_ptr_array_unref(comps);
		return MF_TRANSFORM_KEEP;
	}
	char *folder = mf_folder_to_string((const char *const *)item->folder);
	char *key = g_strdup_printf("%s\x01%s\x01%d\x01%s", item->mailbox ? item->mailbox : "",
	                            folder, (int)item->kind, uid);
	char *digest = item_digest(item);
	const char *seen = mf_report_remember(report, "uid", key, digest);
	char *derived = g_strdup_printf("%s-%.12s", uid, digest);
	if (seen && !g_str_equal(seen, digest)) {
		/* A third copy may equal the second, which already got `derived`. */
		char *key2 = g_strdup_printf("%s\x01%d\x01%s", folder, (int)item->kind, derived);
		seen = mf_report_remember(report, "uid", key2, digest);
		if (seen && !g_str_equal(seen, digest)) { /* 48-bit prefix clash: use it all */
			g_free(derived);
			derived = g_strdup_printf("%s-%s", uid, digest);
		}
		g_free(key2);
		if (!seen)
			seen = ""; /* a different item: rename */
	}
	mf_transform_result result = MF_TRANSFORM_KEEP;
	if (seen && g_str_equal(seen, digest)) {
		if (reason_r)
			*reason_r = g_strdup_printf("Items_DuplicateUID: identical copy of UID %s "
			                            "(deduplicated, %u components)", uid, comps->len);
		result = MF_TRANSFORM_FILTER;
	} else if (seen) {
		for (guint i = 0; i < comps->len; i++)
			icalcomponent_set_uid(comps->pdata[i], derived);
		char *note = g_strdup_printf("Items_DuplicateUID: UID was %s, used by another item",
		                             uid);
		mfr_note(first, note);
		mfr_tag(item, "Items_DuplicateUID");
		g_free(note);
	}
	g_free(derived);
	g_free(digest);
	g_free(key);
	g_free(folder);
	g_free(uid);
	g_ptr_array_unref(comps);
	return result;
}

const mf_transform mf_transform_dedupe_uid = { .name = "dedupe-uid", .apply = dedupe_uid };
