/* Helpers shared by the calendar repair transforms (see repair.h). */
#include "repair.h"
#include "mailferry/outpath.h"

#include <string.h>

#define DROPPED_MARK "Removing entire property: "

gboolean mfr_is_calendar(const mf_item *item)
{
	return (MF_KIND_BIT(item->kind) & MF_KINDS_CALENDAR) && item->ical;
}

static gboolean is_item_component(icalcomponent *c)
{
	icalcomponent_kind k = icalcomponent_isa(c);
	return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
	       k == ICAL_VJOURNAL_COMPONENT;
}

GPtrArray *mfr_components(const mf_item *item)
{
	GPtrArray *out = g_ptr_array_new();
	if (!item->ical)
		return out;
	if (is_item_component(item->ical)) {
		g_ptr_array_add(out, item->ical);
		return out;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(item->ical, ICAL_ANY_COMPONENT);
	     c; c = icalcomponent_get_next_component(item->ical, ICAL_ANY_COMPONENT))
		if (is_item_component(c))
			g_ptr_array_add(out, c);
	return out;
}

icalcomponent *mfr_master(const mf_item *item)
{
	GPtrArray *comps = mfr_components(item);
	icalcomponent *master = NULL;
	for (guint i = 0; i < comps->len && !master; i++)
		if (!icalcomponent_get_first_property(comps->pdata[i], ICAL_RECURRENCEID_PROPERTY))
			master = comps->pdata[i];
	g_ptr_array_unref(comps);
	return master;
}

static gboolean has_category(icalcomponent *comp, const char *tag)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_CATEGORIES_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_CATEGORIES_PROPERTY)) {
		const char *v = icalproperty_get_categories(p);
		char **parts = g_strsplit(v ? v : "", ",", -1);
		gboolean found = FALSE;
		for (char **s = parts; *s && !found; s++)
			found = strcmp(g_strstrip(*s), tag) == 0;
		g_strfreev(parts);
		if (found)
			return TRUE;
	}
	return FALSE;
}

void mfr_tag(mf_item *item, const char *tag)
{
	mf_item_add_repair_tag(item, tag);
	mf_item_add_category(item, tag);
	GPtrArray *comps = mfr_components(item);
	for (guint i = 0; i < comps->len; i++)
		if (!has_category(comps->pdata[i], tag))
			icalcomponent_add_property(comps->pdata[i], icalproperty_new_categories(tag));
	g_ptr_array_unref(comps);
}

const char *mfr_description(icalcomponent *comp)
{
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_DESCRIPTION_PROPERTY);
	return p ? icalproperty_get_description(p) : NULL;
}

void mfr_append_description(icalcomponent *comp, const char *text)
{
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_DESCRIPTION_PROPERTY);
	const char *old = p ? icalproperty_get_description(p) : NULL;
	if (!p) {
		icalcomponent_add_property(comp, icalproperty_new_description(text));
		return;
	}
	char *joined = old && *old ? g_strconcat(old, "\n\n", text, NULL) : g_strdup(text);
	icalproperty_set_description(p, joined);
	g_free(joined);
}

GPtrArray *mfr_take_parse_errors(icalcomponent *comp, const char *name)
{
	GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
	char *needle = g_strdup_printf(" %s property", name);
	char *needle2 = g_strdup_printf("property %s:", name);
	char *needle3 = g_strdup_printf("property name: %s", name);
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY);
		const char *text = icalproperty_get_xlicerror(p);
		if (text && (strstr(text, needle) || strstr(text, needle2) ||
		             g_str_has_suffix(text, needle3))) {
			const char *dropped = strstr(text, DROPPED_MARK);
			g_ptr_array_add(values, g_strdup(dropped ? dropped + strlen(DROPPED_MARK) : text));
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
		}
		p = next;
	}
	g_free(needle);
	g_free(needle2);
	g_free(needle3);
	return values;
}

gboolean mfr_salvage_time(const char *text, struct icaltimetype *t_r, char **tzid_r)
{
	*tzid_r = NULL;
	GRegex *re = g_regex_new("(?:TZID=\"?([^\":;]+)\"?[:;])?(?:VALUE=[A-Z-]+[:;])?"
	                         "(\\d{8})(?:T(\\d{4,6}))?(Z)?", 0, 0, NULL);
	GMatchInfo *m = NULL;
	gboolean ok = g_regex_match(re, text, 0, &m);
	if (ok) {
		char *tzid = g_match_info_fetch(m, 1), *date = g_match_info_fetch(m, 2);
		char *time = g_match_info_fetch(m, 3), *z = g_match_info_fetch(m, 4);
		char *s = *time ? g_strdup_printf("%sT%s%.*s%s", date, time,
		                                  (int)(6 - MIN(strlen(time), 6)), "0000", z)
		                : g_strdup(date);
		*t_r = icaltime_from_string(s);
		ok = !icaltime_is_null_time(*t_r) && icaltime_is_valid_time(*t_r) && t_r->month >= 1 &&
		     t_r->month <= 12 && t_r->day >= 1 && t_r->day <= 31 && t_r->hour < 24 &&
		     t_r->minute < 60 && t_r->second < 61;
		if (ok && *tzid && !*z)
			*tzid_r = g_strdup(tzid);
		g_free(s);
		g_free(tzid);
		g_free(date);
		g_free(time);
		g_free(z);
	}
	g_match_info_free(m);
	g_regex_unref(re);
	return ok;
}

icalcomponent *mfr_clone(icalcomponent *comp)
{
	char *text = icalcomponent_as_ical_string_r(comp);
	icalcomponent *copy = text && *text ? icalcomponent_new_from_string(text) : NULL;
	free(text);
	if (copy && icalcomponent_isa(copy) != icalcomponent_isa(comp)) {
		icalcomponent_free(copy);
		copy = NULL;
	}
	return copy ? copy : icalcomponent_new_clone(comp);
}

/* TRUE for a content line of DTSTAMP or LAST-MODIFIED (name, then ':' or ';'). */
static gboolean volatile_line(const char *line, gsize len)
{
	static const char *const names[] = { "DTSTAMP", "LAST-MODIFIED" };
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		gsize n = strlen(names[i]);
		if (len > n && g_ascii_strncasecmp(line, names[i], n) == 0 &&
		    (line[n] == ':' || line[n] == ';'))
			return TRUE;
	}
	return FALSE;
}

/* The serialised component without its DTSTAMP and LAST-MODIFIED lines (and
 * their folded continuations), at any depth, then hashed: one serialisation,
 * no copy of the component (this runs for every calendar item). */
char *mfr_content_digest(icalcomponent *comp)
{
	char *text = icalcomponent_as_ical_string_r(comp);
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	gboolean skipping = FALSE;
	for (const char *p = text ? text : ""; *p;) {
		const char *nl = strchr(p, '\n');
		gsize len = nl ? (gsize)(nl - p) + 1 : strlen(p);
		if (p[0] != ' ' && p[0] != '\t')
			skipping = volatile_line(p, len);
		if (!skipping)
			g_checksum_update(sum, (const guchar *)p, (gssize)len);
		p += len;
	}
	char *digest = g_strdup(g_checksum_get_string(sum));
	g_checksum_free(sum);
	free(text);
	return digest;
}

void mfr_note(icalcomponent *comp, const char *text)
{
	icalproperty *p = icalproperty_new_x(text);
	icalproperty_set_x_name(p, MFR_X_REPAIR);
	icalcomponent_add_property(comp, p);
}

char *mfr_flat_text(icalcomponent *comp)
{
	char *text = icalcomponent_as_ical_string_r(comp);
	GRegex *fold = g_regex_new("\r?\n[ \t]", 0, 0, NULL);
	char *unfolded = g_regex_replace_literal(fold, text ? text : "", -1, 0, "", 0, NULL);
	char **lines = g_strsplit_set(g_strstrip(unfolded), "\r\n", -1);
	GString *out = g_string_new(NULL);
	for (char **l = lines; *l; l++)
		if (**l)
			g_string_append_printf(out, "%s%s", out->len ? " | " : "", *l);
	g_strfreev(lines);
	g_free(unfolded);
	g_regex_unref(fold);
	free(text);
	return g_string_free(out, FALSE);
}
