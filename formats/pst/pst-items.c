/* iTIP methods by message class (the item kinds are mfi_pst_class_kind's,
 * pst-read.c), the dispatcher, and what events, tasks and
 * notes share: UID, dates, summary/description, class, priority, categories,
 * reminders. Mapping per [MS-OXCICAL] 2.1.3.1.1.20. */
#include "pst-items.h"

#include <string.h>

enum {
	PR_SEARCH_KEY = 0x300b,
	PR_LAST_MODIFICATION_TIME = 0x3008,
	LID_GLOBAL_OBJECT_ID = 0x0003,       /* PSETID_Meeting */
	LID_CLEAN_GLOBAL_OBJECT_ID = 0x0023, /* PSETID_Meeting */
};

static gboolean class_is(const char *cls, const char *base)
{
	gsize n = strlen(base);
	return g_ascii_strncasecmp(cls, base, n) == 0 && (cls[n] == '\0' || cls[n] == '.');
}

const char *mfi_pst_itip_method(const char *cls)
{
	if (!cls)
		return "PUBLISH";
	if (class_is(cls, "IPM.Schedule.Meeting.Request"))
		return "REQUEST";
	if (class_is(cls, "IPM.Schedule.Meeting.Canceled"))
		return "CANCEL";
	if (g_ascii_strncasecmp(cls, "IPM.Schedule.Meeting.Resp.", 26) == 0)
		return "REPLY";
	return "PUBLISH";
}

mf_item *mfi_pst_item_convert(const mfi_pst_file *pf, libpff_item_t *item, mf_kind kind,
                              const char *locator, GError **error)
{
	switch (kind) {
	case MF_KIND_EVENT:
		return mfi_pst_item_to_event(pf, item, locator, error);
	case MF_KIND_TASK:
		return mfi_pst_item_to_task(pf, item, locator, error);
	case MF_KIND_NOTE:
		return mfi_pst_item_to_note(pf, item, locator, error);
	case MF_KIND_CONTACT:
		return mfi_pst_item_to_contact(pf, item, locator, error);
	case MF_KIND_DISTLIST:
		return mfi_pst_item_to_distlist(pf, item, locator, error);
	default:
		g_set_error(error, MF_ERROR, 0, "%s: %s: not a calendar or contact item", pf->path,
		            locator);
		return NULL;
	}
}

mf_item *mfi_pst_item_new(const mfi_pst_file *pf, libpff_item_t *item, mf_kind kind,
                          const char *locator, int codepage)
{
	mf_item *it = mf_item_new(kind, pf->path, locator);
	gint64 t = 0;
	if (mfi_pst_get_time(item, PR_LAST_MODIFICATION_TIME, &t) == 1 ||
	    mfi_pst_get_time(item, MFI_PR_CREATION_TIME, &t) == 1)
		it->internal_date = t;
	char **cats = mfi_pst_get_strings(item, "Keywords", 0, codepage);
	for (char **c = cats; c && *c; c++)
		if (**c)
			mf_item_add_category(it, *c);
	g_strfreev(cats);
	return it;
}

icalcomponent *mfi_pst_vcalendar_wrap(icalcomponent *comp, icalcomponent *vtz)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//mailferry//PST import//EN"));
	if (vtz)
		icalcomponent_add_component(cal, vtz);
	icalcomponent_add_component(cal, comp);
	return cal;
}

static char *hex_upper(const guint8 *d, gsize len)
{
	GString *s = g_string_sized_new(len * 2);
	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02X", d[i]);
	return g_string_free(s, FALSE);
}

char *mfi_pst_goid_to_uid(const guint8 *data, gsize len)
{
	static const guint8 byte_array_id[16] = { 0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xe0, 0x00,
	                                          0x74, 0xc5, 0xb7, 0x10, 0x1a, 0x82, 0xe0, 0x08 };
	static const guint8 vcal_marker[12] = { 'v', 'C', 'a', 'l', '-', 'U', 'i', 'd', 1, 0, 0, 0 };
	if (!data || len < 40 || memcmp(data, byte_array_id, 16) != 0)
		return NULL;
	gsize size = data[36] | (data[37] << 8) | ((gsize)data[38] << 16) | ((gsize)data[39] << 24);
	const guint8 *payload = data + 40;
	gsize avail = MIN(size, len - 40);
	if (avail > sizeof vcal_marker && memcmp(payload, vcal_marker, sizeof vcal_marker) == 0) {
		const guint8 *s = payload + sizeof vcal_marker;
		gsize n = strnlen((const char *)s, avail - sizeof vcal_marker);
		if (n > 0 && g_utf8_validate((const char *)s, (gssize)n, NULL))
			return g_strndup((const char *)s, n);
	}
	/* An Outlook id: the instance date (bytes 17-20) zeroed, all hex encoded. */
	guint8 *copy = g_memdup2(data, len);
	memset(copy + 16, 0, 4);
	char *uid = hex_upper(copy, len);
	g_free(copy);
	return uid;
}

char *mfi_pst_item_uid(const mfi_pst_file *pf, libpff_item_t *item, mfi_pst_named *named)
{
	char *uid = NULL;
	GBytes *b = mfi_pst_named_binary(named, MFI_PSET_MEETING, LID_GLOBAL_OBJECT_ID);
	if (!b)
		b = mfi_pst_named_binary(named, MFI_PSET_MEETING, LID_CLEAN_GLOBAL_OBJECT_ID);
	if (b) {
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(b, &len);
		uid = mfi_pst_goid_to_uid(d, len);
		g_bytes_unref(b);
	}
	if (uid)
		return uid;
	if (mfi_pst_get_binary(item, PR_SEARCH_KEY, &b) == 1) {
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(b, &len);
		char *hex = hex_upper(d, len);
		g_bytes_unref(b);
		uid = g_strdup_printf("%s-%s@pst.mailferry", hex, pf->id_hash);
		g_free(hex);
		return uid;
	}
	uint32_t id = 0;
	libpff_item_get_identifier(item, &id, NULL);
	return g_strdup_printf("node-%u-%s@pst.mailferry", id, pf->id_hash);
}

static struct icaltimetype utc_time(gint64 t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

/* CLASS from PR_SENSITIVITY ([MS-OXCICAL] 2.1.3.1.1.20.5). */
static void add_class(icalcomponent *comp, gint64 sensitivity)
{
	switch (sensitivity) {
	case 1:
		icalcomponent_add_property(comp, icalproperty_new_from_string("CLASS:X-PERSONAL"));
		break;
	case 2:
		icalcomponent_add_property(comp, icalproperty_new_class(ICAL_CLASS_PRIVATE));
		break;
	case 3:
		icalcomponent_add_property(comp, icalproperty_new_class(ICAL_CLASS_CONFIDENTIAL));
		break;
	default:
		icalcomponent_add_property(comp, icalproperty_new_class(ICAL_CLASS_PUBLIC));
		break;
	}
}

static void add_text(icalcomponent *comp, icalproperty *(*make)(const char *), char *text)
{
	const char *p = text;
	while (p && g_ascii_isspace(*p))
		p++;
	if (p && *p)
		icalcomponent_add_property(comp, make(text));
	g_free(text);
}

void mfi_pst_add_common_props(const mfi_pst_file *pf, libpff_item_t *item,
                              mfi_pst_named *named, icalcomponent *comp, int codepage)
{
	char *uid = mfi_pst_item_uid(pf, item, named);
	icalcomponent_add_property(comp, icalproperty_new_uid(uid));
	g_free(uid);
	gint64 created = 0, modified = 0, v = 0;
	gboolean has_created = mfi_pst_get_time(item, MFI_PR_CREATION_TIME, &created) == 1;
	gboolean has_modified = mfi_pst_get_time(item, PR_LAST_MODIFICATION_TIME, &modified) == 1;
	/* DTSTAMP is required; deterministic: the item's own last change. */
	icalcomponent_add_property(comp, icalproperty_new_dtstamp(utc_time(
		has_modified ? modified : has_created ? created : 0)));
	if (has_created)
		icalcomponent_add_property(comp, icalproperty_new_created(utc_time(created)));
	if (has_modified)
		icalcomponent_add_property(comp, icalproperty_new_lastmodified(utc_time(modified)));
	add_text(comp, icalproperty_new_summary, mfi_pst_get_subject(item, codepage));
	add_text(comp, icalproperty_new_description, mfi_pst_get_string(item, MFI_PR_BODY, codepage));
	add_class(comp, mfi_pst_get_int(item, MFI_PR_SENSITIVITY, &v) == 1 ? v : 0);
	if (mfi_pst_get_int(item, MFI_PR_IMPORTANCE, &v) == 1 && v != 1)
		icalcomponent_add_property(comp, icalproperty_new_priority(v == 2 ? 1 : 9));
	char **cats = mfi_pst_get_strings(item, "Keywords", 0, codepage);
	for (char **c = cats; c && *c; c++)
		if (**c)
			icalcomponent_add_property(comp, icalproperty_new_categories(*c));
	g_strfreev(cats);
}
