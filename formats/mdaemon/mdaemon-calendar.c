/* Calendar.mrk (formats.md D.6): every <Event> becomes an MF_KIND_EVENT item
 * whose VCALENDAR holds the VEVENT, its RECURRENCE-ID overrides and the
 * VTIMEZONE they use.
 *
 * Mapping (observed values and API names in D.6; [I] = interpretation):
 *   iCalUid -> UID (missing: a digest of the file path and locator, so runs agree);
 *   Sequence -> SEQUENCE; Subject/Comment/CommentHtml/Location -> SUMMARY,
 *   DESCRIPTION, X-ALT-DESC;FMTTYPE=text/html, LOCATION; Categories -> CATEGORIES;
 *   Planner -> ORGANIZER (the only organizer field MDaemon has [I]); absent with
 *   attendees: no ORGANIZER, so the repair-organizer transform tags the item
 *   Meetings_MissingOrganizer; Creator -> X-MDAEMON-CREATOR;
 *   Attendee/Email -> ATTENDEE;CN=..:mailto:..; its Type/Status/Invite/Sent are
 *   undocumented [U]: PARTSTAT=NEEDS-ACTION, ROLE=REQ-PARTICIPANT and the raw
 *   values kept as X-MDAEMON-TYPE/-STATUS/-INVITE/-SENT parameters (any other
 *   attribute or child of Attendee likewise);
 *   BusyStatus/IntendedBusyStatus -> TRANSP + X-MICROSOFT-CDO-BUSYSTATUS /
 *   -INTENDEDSTATUS; Priority -> PRIORITY + X-MICROSOFT-CDO-IMPORTANCE;
 *   ReminderSet/ReminderMin -> VALARM; IsPrivate -> CLASS:PRIVATE;
 *   AllDay -> DTSTART;VALUE=DATE, DTEND = End date + 1 day (the stored End is
 *   23:59 of the last day, an inclusive end).
 * Times: Start/End are wall-clock times without a zone. Only a Recurrence
 * carries one (TimeZone Bias); then every time of the event uses a fixed-offset
 * VTIMEZONE (mdaemon-recurrence.c). Other events stay floating: nothing in
 * the file says which zone the server or user had, and guessing one would move
 * every event by the guess. (The repair-timezone transform leaves floating
 * times alone; it only acts on TZIDs.) Modified -> LAST-MODIFIED, read in the
 * event's zone when it has one, else as UTC: its zone is not known [U].
 * Anything else -- attributes, elements -- is kept as X-MDAEMON-<NAME>. */
#include "mdaemon-gw.h"

#include <string.h>

static const char *const event_attrs[] = {
	"ID", "Sequence", "Priority", "BusyStatus", "IntendedBusyStatus", "ReminderSet",
	"ReminderMin", "AllDay", "IsPrivate", NULL,
};
static const char *const event_children[] = {
	"Modified", "iCalUid", "Start", "End", "Subject", "Comment", "CommentHtml", "Categories",
	"Creator", "Planner", "Location", "Attendee", "Recurrence", NULL,
};

typedef struct {
	mfi_mdgw_file *f;
	xmlNode *ev;
	char *locator;
	mfi_mdgw_times t;
	mf_item *item;
	GString *problems;
} ev_ctx;

static void problem(ev_ctx *c, const char *text)
{
	g_string_append_printf(c->problems, "%s%s", c->problems->len ? "; " : "", text);
}

static void add_text(icalcomponent *ev, xmlNode *n, const char *name,
                     icalproperty *(*make)(const char *))
{
	char *v = mfi_mdgw_text(mfi_mdgw_child(n, name));
	if (v && *v)
		icalcomponent_add_property(ev, make(v));
	g_free(v);
}

static void add_html(icalcomponent *ev, xmlNode *n)
{
	char *html = mfi_mdgw_text(mfi_mdgw_child(n, "CommentHtml"));
	if (html && *html) {
		icalproperty *p = icalproperty_new_x(html);
		icalproperty_set_x_name(p, "X-ALT-DESC");
		icalproperty_add_parameter(p, icalparameter_new_fmttype("text/html"));
		icalcomponent_add_property(ev, p);
	}
	g_free(html);
}

/* An X-MDAEMON-<NAME> parameter; a parameter value cannot hold '"' or
 * control characters (RFC 5545 3.1), so those become ' and space. */
static void add_x_param(icalproperty *p, const char *name, const char *value)
{
	char *x = mfi_mdgw_xname(name);
	char *v = g_strdup(value);
	for (char *c = v; *c; c++)
		if (*c == '"')
			*c = '\'';
		else if ((guchar)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	icalparameter *param = icalparameter_new_x(v);
	icalparameter_set_xname(param, x);
	icalproperty_add_parameter(p, param);
	g_free(v);
	g_free(x);
}

/* ATTENDEE from Attendee/Email; every attribute (Type, Status, Invite, Sent,
 * whose codes are undocumented) and any other child element is kept on the
 * property as an X-MDAEMON-<NAME> parameter. */
static void add_attendee(icalcomponent *ev, xmlNode *att)
{
	char *mailbox = mfi_mdgw_child_text(att, "Email");
	icalproperty *p = mfi_mdgw_person(mailbox ? mailbox : "", FALSE);
	g_free(mailbox);
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
	for (xmlAttr *a = att->properties; a; a = a->next) {
		char *v = mfi_mdgw_attr(att, (const char *)a->name);
		if (v && *v)
			add_x_param(p, (const char *)a->name, v);
		g_free(v);
	}
	for (xmlNode *n = att->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || mfi_mdgw_is(n, "Email"))
			continue;
		char *v = mfi_mdgw_node_value(n);
		add_x_param(p, (const char *)n->name, v);
		g_free(v);
	}
	icalcomponent_add_property(ev, p);
}

static void add_people(ev_ctx *c, icalcomponent *ev)
{
	char *planner = mfi_mdgw_child_text(c->ev, "Planner");
	if (planner)
		icalcomponent_add_property(ev, mfi_mdgw_person(planner, TRUE));
	g_free(planner);
	char *creator = mfi_mdgw_child_text(c->ev, "Creator");
	if (creator)
		mfi_mdgw_add_x(ev, "X-MDAEMON-CREATOR", creator);
	g_free(creator);
	for (xmlNode *n = c->ev->children; n; n = n->next)
		if (mfi_mdgw_is(n, "Attendee"))
			add_attendee(ev, n);
}

static void add_uid(ev_ctx *c, icalcomponent *ev)
{
	char *uid = mfi_mdgw_child_text(c->ev, "iCalUid");
	if (!uid)
		uid = mfi_mdgw_fallback_uid(c->f, c->locator);
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	g_free(uid);
}

static void add_modified(ev_ctx *c, icalcomponent *ev)
{
	char *m = mfi_mdgw_child_text(c->ev, "Modified");
	struct icaltimetype t;
	if (m && mfi_mdgw_time(m, &t))
		icalcomponent_add_property(ev, icalproperty_new_lastmodified(mfi_mdgw_to_utc(&c->t, t)));
	else if (m)
		mfi_mdgw_add_x(ev, "X-MDAEMON-MODIFIED", m);
	g_free(m);
}

static void add_flags(ev_ctx *c, icalcomponent *ev)
{
	gint64 v;
	if ((v = mfi_mdgw_attr_int(c->ev, "Sequence", -1)) >= 0)
		icalcomponent_add_property(ev, icalproperty_new_sequence((int)MIN(v, G_MAXINT)));
	if ((v = mfi_mdgw_attr_int(c->ev, "Priority", G_MININT64)) != G_MININT64)
		mfi_mdgw_set_importance(ev, v);
	if ((v = mfi_mdgw_attr_int(c->ev, "BusyStatus", G_MININT64)) != G_MININT64)
		mfi_mdgw_set_busy(ev, v, FALSE);
	if ((v = mfi_mdgw_attr_int(c->ev, "IntendedBusyStatus", G_MININT64)) != G_MININT64)
		mfi_mdgw_set_busy(ev, v, TRUE);
	if (mfi_mdgw_attr_int(c->ev, "IsPrivate", 0) != 0)
		icalcomponent_add_property(ev, icalproperty_new_class(ICAL_CLASS_PRIVATE));
	mfi_mdgw_add_x(ev, "X-MICROSOFT-CDO-ALLDAYEVENT", c->t.all_day ? "TRUE" : "FALSE");
	if (mfi_mdgw_attr_int(c->ev, "ReminderSet", 0) != 0)
		icalcomponent_add_component(ev, mfi_mdgw_valarm(mfi_mdgw_attr_int(c->ev, "ReminderMin",
		                                                                   15), NULL));
}

static void add_props(ev_ctx *c, icalcomponent *ev)
{
	add_uid(c, ev);
	add_text(ev, c->ev, "Subject", icalproperty_new_summary);
	add_text(ev, c->ev, "Location", icalproperty_new_location);
	add_text(ev, c->ev, "Comment", icalproperty_new_description);
	add_html(ev, c->ev);
	char *cats = mfi_mdgw_text(mfi_mdgw_child(c->ev, "Categories"));
	mfi_mdgw_set_categories(ev, c->item, cats);
	g_free(cats);
	add_people(c, ev);
	add_flags(c, ev);
	add_modified(c, ev);
	mfi_mdgw_keep_unknown(ev, c->ev, NULL, event_attrs, event_children);
}

/* ---- times ---------------------------------------------------------------- */

static gboolean child_time(ev_ctx *c, const char *name, struct icaltimetype *t_r,
                           gboolean required)
{
	char *s = mfi_mdgw_child_text(c->ev, name);
	gboolean ok = s && mfi_mdgw_time(s, t_r);
	if (!ok && (s || required)) {
		char *why = s ? g_strdup_printf("%s \"%s\" is not a date", name, s)
		              : g_strdup_printf("no %s", name);
		problem(c, why);
		g_free(why);
	}
	g_free(s);
	return ok;
}

/* DTSTART/DTEND of a single event or of the series' first occurrence. */
static void add_times(ev_ctx *c, icalcomponent *ev, struct icaltimetype start,
                      struct icaltimetype end)
{
	if (c->t.all_day) {
		start.is_date = end.is_date = 1;
		if (icaltime_compare_date_only(end, start) < 0)
			end = start;
		icaltime_adjust(&end, 1, 0, 0, 0); /* inclusive last day -> exclusive DTEND */
	} else if (icaltime_compare(end, start) < 0) {
		end = start;
	}
	icalcomponent_add_property(ev, mfi_mdgw_time_prop(&c->t, icalproperty_new_dtstart, start));
	icalcomponent_add_property(ev, mfi_mdgw_time_prop(&c->t, icalproperty_new_dtend, end));
}

/* The master and, for a series, its overrides, in a new VCALENDAR. */
static icalcomponent *build(ev_ctx *c)
{
	struct icaltimetype start, end, first;
	icalcomponent *cal = mfi_mdgw_vcalendar(), *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	xmlNode *recur = mfi_mdgw_child(c->ev, "Recurrence");
	gboolean series = recur && mfi_mdgw_recurrence_start(recur, &first);
	gboolean has_start = child_time(c, "Start", &start, !series);
	if (!child_time(c, "End", &end, FALSE) && has_start)
		end = start;
	int duration = has_start ? (int)(icaltime_as_timet(end) - icaltime_as_timet(start)) : 0;
	if (series) {
		start = first, has_start = TRUE;
		end = start;
		icaltime_adjust(&end, 0, 0, 0, MAX(duration, 0));
	}
	if (has_start)
		add_times(c, ev, start, end);
	add_props(c, ev);
	if (c->t.has_zone && !c->t.all_day)
		icalcomponent_add_component(cal, mfi_mdgw_vtimezone(&c->t));
	icalcomponent_add_component(cal, ev);
	char *why = NULL;
	if (recur && !has_start) { /* nothing to anchor it: kept as it is */
		char *xml = mfi_mdgw_node_xml(recur);
		mfi_mdgw_add_x(ev, "X-MDAEMON-RECURRENCE-XML", xml);
		g_free(xml);
	} else if (recur &&
	    !mfi_mdgw_recurrence(recur, &c->t, cal, ev, start, MAX(duration, 0), &why)) {
		mf_item_add_repair_tag(c->item, "MDaemon_RecurrenceUnsupported");
		mfi_mdgw_add_x(ev, "X-MAILFERRY-RECURRENCE-NOTE", why);
	}
	g_free(why);
	return cal;
}

static void decode_event(mfi_mdgw_file *f, xmlNode *n, guint position)
{
	ev_ctx c = { .f = f, .ev = n, .problems = g_string_new(NULL) };
	c.locator = mfi_mdgw_locator(f, n, position);
	c.item = mf_item_new(MF_KIND_EVENT, f->path, c.locator);
	mfi_mdgw_times_init(&c.t, n);
	char *xml_error = mfi_mdgw_node_error(f, n);
	if (xml_error) {
		char *why = g_strdup_printf("damaged XML (%s)", xml_error);
		problem(&c, why);
		g_free(why);
	}
	c.item->ical = build(&c);
	if (xml_error) { /* what libxml2 could not read is in the source lines */
		char *raw = mfi_mdgw_node_source(f, n);
		mfi_mdgw_add_x(icalcomponent_get_first_component(c.item->ical, ICAL_VEVENT_COMPONENT),
		               "X-MDAEMON-DAMAGED-XML", raw);
		g_free(raw);
	}
	mfi_mdgw_add(f, c.item, c.problems->len ? g_strdup(c.problems->str) : NULL);
	g_free(xml_error);
	mfi_mdgw_times_clear(&c.t);
	g_string_free(c.problems, TRUE);
	g_free(c.locator);
}

void mfi_mdgw_calendar(mfi_mdgw_file *f, xmlNode *root)
{
	guint position = 0;
	if (!mfi_mdgw_is(root, "Calendar")) {
		mfi_mdgw_add(f, NULL, g_strdup_printf("%s: root element <%s> is not <Calendar>; "
		                                      "its <Event> children are still read", f->name,
		                                      (const char *)root->name));
	}
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		position++;
		if (mfi_mdgw_is(n, "Event")) {
			decode_event(f, n, position);
		} else {
			char *loc = mfi_mdgw_locator(f, n, position);
			char *xml = mfi_mdgw_node_xml(n);
			mfi_mdgw_add(f, NULL, g_strdup_printf("%s: unknown element, not decoded: %.200s",
			                                      loc, xml));
			g_free(xml);
			g_free(loc);
		}
	}
}
