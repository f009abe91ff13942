/* iCalendar pieces shared by the MDaemon event, task and note decoders:
 * X-MDAEMON-* properties for what has no standard place, people, busy status,
 * importance, categories, reminders ([MS-OXCICAL] choices, as the PST reader). */
#include "mdaemon-gw.h"

#include <gmime/gmime.h>
#include <string.h>

void mfi_mdgw_add_x(icalcomponent *comp, const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value ? value : "");
	icalproperty_set_x_name(p, name);
	icalcomponent_add_property(comp, p);
}

static gboolean listed(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (g_ascii_strcasecmp(name, *list) == 0)
			return TRUE;
	return FALSE;
}

static void keep_one(icalcomponent *comp, const char *prefix, const char *name, char *value)
{
	char *full = g_strconcat(prefix ? prefix : "", name, NULL);
	char *x = mfi_mdgw_xname(full);
	mfi_mdgw_add_x(comp, x, value);
	g_free(x);
	g_free(full);
	g_free(value);
}

void mfi_mdgw_keep_unknown(icalcomponent *comp, xmlNode *n, const char *prefix,
                           const char *const *known_attrs, const char *const *known_children)
{
	for (xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && !listed((const char *)a->name, known_attrs))
			keep_one(comp, prefix, (const char *)a->name,
			         mfi_mdgw_attr(n, (const char *)a->name));
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || listed((const char *)c->name, known_children))
			continue;
		keep_one(comp, prefix, (const char *)c->name, mfi_mdgw_node_value(c));
	}
}

char *mfi_mdgw_attrs_string(xmlNode *n)
{
	GString *s = g_string_new(NULL);
	for (xmlAttr *a = n->properties; a; a = a->next) {
		char *v = mfi_mdgw_attr(n, (const char *)a->name);
		g_string_append_printf(s, "%s%s=%s", s->len ? ";" : "", (const char *)a->name, v);
		g_free(v);
	}
	return g_string_free(s, FALSE);
}

/* Name and address of the first mailbox in `text` (GMime's RFC 5322 parser). */
static void parse_mailbox(const char *text, char **name_r, char **addr_r)
{
	InternetAddressList *list = internet_address_list_parse(NULL, text);
	*name_r = *addr_r = NULL;
	if (list && internet_address_list_length(list) > 0) {
		InternetAddress *ia = internet_address_list_get_address(list, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			const char *nm = internet_address_get_name(ia);
			*addr_r = a && strchr(a, '@') ? g_strdup(a) : NULL;
			*name_r = nm && *nm ? g_strdup(nm) : NULL;
		}
	}
	if (list)
		g_object_unref(list);
	if (!*addr_r && !*name_r)
		*name_r = g_strstrip(g_strdup(text));
}

icalproperty *mfi_mdgw_person(const char *mailbox, gboolean organizer)
{
	char *name = NULL, *addr = NULL;
	parse_mailbox(mailbox, &name, &addr);
	char *uri = addr ? g_strconcat("mailto:", addr, NULL) : g_strdup("invalid:nomail");
	icalproperty *p = organizer ? icalproperty_new_organizer(uri) : icalproperty_new_attendee(uri);
	if (name && *name)
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
	g_free(uri);
	g_free(name);
	g_free(addr);
	return p;
}

void mfi_mdgw_remove(icalcomponent *comp, icalproperty_kind kind, const char *xname)
{
	icalproperty *p = icalcomponent_get_first_property(comp, kind);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, kind);
		if (!xname || g_ascii_strcasecmp(icalproperty_get_x_name(p), xname) == 0) {
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
		}
		p = next;
	}
}

void mfi_mdgw_set_busy(icalcomponent *comp, gint64 status, gboolean intended)
{
	static const char *const names[] = { "FREE", "TENTATIVE", "BUSY", "OOF", "WORKINGELSEWHERE" };
	const char *x = intended ? "X-MICROSOFT-CDO-INTENDEDSTATUS" : "X-MICROSOFT-CDO-BUSYSTATUS";
	mfi_mdgw_remove(comp, ICAL_X_PROPERTY, x);
	if (status < 0 || status > 4) {
		char *raw = g_strdup_printf("%" G_GINT64_FORMAT, status);
		mfi_mdgw_add_x(comp, intended ? "X-MDAEMON-INTENDEDBUSYSTATUS" : "X-MDAEMON-BUSYSTATUS",
		               raw);
		g_free(raw);
		return;
	}
	mfi_mdgw_add_x(comp, x, names[status]);
	if (intended)
		return;
	mfi_mdgw_remove(comp, ICAL_TRANSP_PROPERTY, NULL);
	icalcomponent_add_property(comp, icalproperty_new_transp(
		status == 0 ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
}

void mfi_mdgw_set_importance(icalcomponent *comp, gint64 importance)
{
	if (importance < 0 || importance > 2) {
		char *raw = g_strdup_printf("%" G_GINT64_FORMAT, importance);
		mfi_mdgw_add_x(comp, "X-MDAEMON-PRIORITY", raw);
		g_free(raw);
		return;
	}
	if (importance != 1)
		icalcomponent_add_property(comp, icalproperty_new_priority(importance == 2 ? 1 : 9));
	mfi_mdgw_add_x(comp, "X-MICROSOFT-CDO-IMPORTANCE", importance == 0 ? "0"
	                                                 : importance == 1 ? "1" : "2");
}

void mfi_mdgw_set_categories(icalcomponent *comp, mf_item *item, const char *list)
{
	char **parts = g_strsplit_set(list ? list : "", ",;", -1);
	for (char **p = parts; *p; p++) {
		g_strstrip(*p);
		if (!**p)
			continue;
		icalcomponent_add_property(comp, icalproperty_new_categories(*p));
		if (item)
			mf_item_add_category(item, *p);
	}
	g_strfreev(parts);
}

icalcomponent *mfi_mdgw_valarm(gint64 minutes, const char *text)
{
	if (minutes < 0 || minutes > 366 * 1440)
		minutes = 15; /* Outlook's default lead time for an unusable value */
	icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
	icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
	struct icaltriggertype trigger = icaltriggertype_from_int(0);
	trigger.duration = icaldurationtype_from_int((int)(-minutes * 60));
	icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
	icalcomponent_add_property(alarm, icalproperty_new_description(text && *text ? text
	                                                                             : "Reminder"));
	return alarm;
}

icalcomponent *mfi_mdgw_vcalendar(void)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//mailferry//MDaemon import//EN"));
	return cal;
}
