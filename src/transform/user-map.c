/* --map FILE: legacy user ids / addresses -> target SMTP addresses, applied to
 * ORGANIZER and ATTENDEE of calendar items, and (--to ews) to the addresses of
 * messages (user-map-mail.c). FILE has one "old new" pair a line
 * (blank-separated; '#' starts a comment). Matching ignores case and a
 * leading "mailto:"; the old side may be any calendar address
 * ("urn:uuid:…", "/principals/…", "jdoe"). Addresses seen but not mapped are
 * listed in the report for a person to check before the import. */
#include "repair.h"
#include "mailferry/driver.h"

#include <string.h>

char *mfr_address_key(const char *value)
{
	const char *v = value ? value : "";
	while (g_ascii_isspace(*v))
		v++;
	if (g_ascii_strncasecmp(v, "mailto:", 7) == 0)
		v += 7;
	char *key = g_ascii_strdown(v, -1);
	return g_strstrip(key);
}

GHashTable *mf_user_map_load(const char *path, GError **error)
{
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, error)) {
		g_prefix_error(error, "--map %s: ", path);
		return NULL;
	}
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char **lines = g_strsplit(text, "\n", -1);
	gboolean ok = TRUE;
	for (guint n = 0; lines[n] && ok; n++) {
		char *hash = strchr(lines[n], '#');
		if (hash)
			*hash = '\0';
		char **f = g_strsplit_set(g_strstrip(lines[n]), " \t", -1);
		guint count = 0;
		char *pair[2] = { NULL, NULL };
		for (char **x = f; *x; x++)
			if (**x && count < 3)
				count < 2 ? (pair[count++] = *x) : (count++, NULL);
		if (count == 2) {
			g_hash_table_replace(map, mfr_address_key(pair[0]), mfr_address_key(pair[1]));
		} else if (count != 0) {
			g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
			            "--map %s: line %u: expected \"old new\"", path, n + 1);
			ok = FALSE;
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	if (!ok) {
		g_hash_table_destroy(map);
		return NULL;
	}
	return map;
}

GHashTable *mf_user_map_domains(GHashTable *map)
{
	GHashTable *domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, map);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		const char *at = strrchr(key, '@');
		if (at)
			g_hash_table_add(domains, g_strdup(at)); /* keys are lower case */
	}
	return domains;
}

static void map_property(icalproperty *p, GHashTable *map, mf_report *report)
{
	const char *value = icalproperty_get_value_as_string(p);
	char *key = mfr_address_key(value);
	const char *target = g_hash_table_lookup(map, key);
	if (target) {
		char *uri = strchr(target, ':') ? g_strdup(target) : g_strconcat("mailto:", target, NULL);
		icalproperty_set_value_from_string(p, uri, "CAL-ADDRESS");
		g_free(uri);
	} else if (*key && report) {
		mf_report_unmapped(report, key);
	}
	g_free(key);
}

/* The mailbox a multi-user source filed the item under (its output tree). */
static void map_mailbox(mf_item *item, GHashTable *map, mf_report *report)
{
	if (!item->mailbox)
		return;
	char *key = mfr_address_key(item->mailbox);
	const char *target = g_hash_table_lookup(map, key);
	if (target) {
		g_free(item->mailbox);
		item->mailbox = g_strdup(target);
	} else if (*key && !strchr(key, '@') && report) {
		mf_report_unmapped(report, key);
	}
	g_free(key);
}

static mf_transform_result user_map(mf_item *item, const mf_options *opts, mf_report *report,
                                    char **reason_r)
{
	(void)reason_r;
	if (!opts || !opts->user_map)
		return MF_TRANSFORM_KEEP;
	map_mailbox(item, opts->user_map, report);
	if (item->kind == MF_KIND_MESSAGE && opts->to_format && strcmp(opts->to_format, "ews") == 0)
		mfr_map_message_addresses(item, opts->user_map, opts->user_map_domains, report);
	if (!mfr_is_calendar(item))
		return MF_TRANSFORM_KEEP;
	GPtrArray *comps = mfr_components(item);
	for (guint i = 0; i < comps->len; i++) {
		icalcomponent *c = comps->pdata[i];
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
			icalproperty_kind k = icalproperty_isa(p);
			if (k == ICAL_ORGANIZER_PROPERTY || k == ICAL_ATTENDEE_PROPERTY)
				map_property(p, opts->user_map, report);
		}
	}
	g_ptr_array_unref(comps);
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_user_map = { .name = "user-map", .apply = user_map };
