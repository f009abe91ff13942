/* Tasks.mrk -> VTODO and Notes.mrk -> VJOURNAL (MF_KIND_TASK, MF_KIND_NOTE).
 *
 * Neither file name nor element names are confirmed by any source (formats.md
 * D.7: "Tasks.mrk? Notes.mrk?" [U]); only the folders (Tasks.IMAP, Notes.IMAP
 * by analogy, classes IPF.Task / IPF.StickyNote) and MDaemon's API structures
 * MD_TaskItem and MD_NoteItem are known. The decoder assumes the Calendar.mrk
 * shape (D.6): a root element whose child elements are the items, with an ID
 * attribute, their fields as attributes or child elements named like the API
 * fields, dates as "YYYY-MM-DD HH:MM[:SS]". Any attribute or element not
 * mapped below becomes an X-MDAEMON-<NAME> property (its XML when it has
 * elements inside: e.g. a task's Recurrence is kept, not expanded), so a file
 * with other names loses nothing.
 *
 * MD_TaskItem: iCalUid -> UID, Subject -> SUMMARY, Comment -> DESCRIPTION,
 * CommentHtml -> X-ALT-DESC, Categories, StartDate/DueDate -> DTSTART/DUE
 * (dates when the time is 00:00, as Outlook stores task dates; else floating),
 * CompletedDate -> COMPLETED, Complete -> PERCENT-COMPLETE, Status (Outlook
 * OlTaskStatus: 0 not started, 1 in progress, 2 complete, 3 waiting, 4
 * deferred) -> STATUS NEEDS-ACTION/IN-PROCESS/COMPLETED (3 and 4 keep their
 * value in X-MDAEMON-STATUS), Priority -> PRIORITY, Reminder -> VALARM at that
 * time, Sequence, ModifiedTime -> LAST-MODIFIED, Creator -> X-MDAEMON-CREATOR,
 * IsPrivate -> CLASS:PRIVATE.
 * MD_NoteItem: Body -> DESCRIPTION and its first line -> SUMMARY, BodyHtml ->
 * X-ALT-DESC, Color 0..4 -> X-OUTLOOK-NOTE-COLOR (as the PST reader),
 * DateCreated -> DTSTART and CREATED, ModifiedTime, Categories, Creator.
 * Times without a zone in these files are taken as UTC where iCalendar
 * requires UTC (COMPLETED, CREATED, LAST-MODIFIED, alarm time) [U]. */
#include "mdaemon-gw.h"

#include <string.h>

typedef struct {
	mfi_mdgw_file *f;
	xmlNode *n;
	mf_item *item;
	icalcomponent *comp;
	GPtrArray *known; /* field names consumed */
} pim_ctx;

static char *field(pim_ctx *c, const char *name)
{
	char *v = mfi_mdgw_child_text(c->n, name);
	if (!v && (v = mfi_mdgw_attr(c->n, name)) && !*g_strstrip(v)) {
		g_free(v);
		v = NULL;
	}
	g_ptr_array_add(c->known, (gpointer)name);
	return v;
}

static void text_prop(pim_ctx *c, const char *name, icalproperty *(*make)(const char *))
{
	char *v = mfi_mdgw_text(mfi_mdgw_child(c->n, name));
	if (!v)
		v = mfi_mdgw_attr(c->n, name);
	g_ptr_array_add(c->known, (gpointer)name);
	if (v && *v)
		icalcomponent_add_property(c->comp, make(v));
	g_free(v);
}

static gboolean time_field(pim_ctx *c, const char *name, struct icaltimetype *t_r)
{
	char *v = field(c, name);
	gboolean ok = v && mfi_mdgw_time(v, t_r);
	if (v && !ok) {
		char *x = mfi_mdgw_xname(name);
		mfi_mdgw_add_x(c->comp, x, v);
		g_free(x);
	}
	g_free(v);
	return ok;
}

static struct icaltimetype as_utc(struct icaltimetype t)
{
	t.is_date = 0;
	t.zone = icaltimezone_get_utc_timezone();
	return t;
}

static gint64 int_field(pim_ctx *c, const char *name, gint64 dflt)
{
	char *v = field(c, name), *end = NULL;
	gint64 out = dflt;
	if (v) {
		gint64 x = g_ascii_strtoll(v, &end, 10);
		if (end && !*end)
			out = x;
	}
	g_free(v);
	return out;
}

static void common(pim_ctx *c, const char *locator)
{
	char *uid = field(c, "iCalUid");
	if (!uid)
		uid = mfi_mdgw_fallback_uid(c->f, locator);
	icalcomponent_add_property(c->comp, icalproperty_new_uid(uid));
	g_free(uid);
	struct icaltimetype t;
	if (time_field(c, "ModifiedTime", &t) || time_field(c, "Modified", &t))
		icalcomponent_add_property(c->comp, icalproperty_new_lastmodified(as_utc(t)));
	char *cats = field(c, "Categories");
	mfi_mdgw_set_categories(c->comp, c->item, cats);
	g_free(cats);
	char *creator = field(c, "Creator");
	if (creator)
		mfi_mdgw_add_x(c->comp, "X-MDAEMON-CREATOR", creator);
	g_free(creator);
	if (int_field(c, "IsPrivate", 0) != 0)
		icalcomponent_add_property(c->comp, icalproperty_new_class(ICAL_CLASS_PRIVATE));
	gint64 seq = int_field(c, "Sequence", -1);
	if (seq >= 0)
		icalcomponent_add_property(c->comp, icalproperty_new_sequence((int)MIN(seq, G_MAXINT)));
}

/* ---- tasks ------------------------------------------------------------------- */

static struct icaltimetype task_date(struct icaltimetype t)
{
	if (t.hour == 0 && t.minute == 0 && t.second == 0)
		t.is_date = 1;
	return t;
}

static void task_dates(pim_ctx *c)
{
	struct icaltimetype start, due, done;
	gboolean has_start = time_field(c, "StartDate", &start);
	if (has_start)
		icalcomponent_add_property(c->comp, icalproperty_new_dtstart(task_date(start)));
	if (time_field(c, "DueDate", &due)) {
		/* DUE has DTSTART's value type and is not before it (RFC 5545 3.8.2.3) */
		due = task_date(due);
		if (has_start)
			due.is_date = task_date(start).is_date;
		if (has_start && icaltime_compare(due, task_date(start)) < 0)
			mfi_mdgw_add_x(c->comp, "X-MDAEMON-DUEDATE", icaltime_as_ical_string(due));
		else
			icalcomponent_add_property(c->comp, icalproperty_new_due(due));
	}
	if (time_field(c, "CompletedDate", &done))
		icalcomponent_add_property(c->comp, icalproperty_new_completed(as_utc(done)));
	if (time_field(c, "Reminder", &done)) {
		icalcomponent *alarm = mfi_mdgw_valarm(0, NULL);
		icalproperty *trig = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
		struct icaltriggertype tr = icaltriggertype_from_int(0);
		tr.time = as_utc(done);
		icalproperty_set_trigger(trig, tr);
		icalcomponent_add_component(c->comp, alarm);
	}
}

static void task_status(pim_ctx *c)
{
	gint64 status = int_field(c, "Status", -1), pct = int_field(c, "Complete", -1);
	char *raw = field(c, "Status");
	if (status >= 0)
		icalcomponent_add_property(c->comp, icalproperty_new_status(
			status == 1 ? ICAL_STATUS_INPROCESS :
			status == 2 ? ICAL_STATUS_COMPLETED : ICAL_STATUS_NEEDSACTION));
	if (raw && status != 0 && status != 1 && status != 2)
		mfi_mdgw_add_x(c->comp, "X-MDAEMON-STATUS", raw);
	g_free(raw);
	if (pct >= 0 && pct <= 100)
		icalcomponent_add_property(c->comp, icalproperty_new_percentcomplete((int)pct));
	else if (pct != -1)
		mfi_mdgw_add_x(c->comp, "X-MDAEMON-COMPLETE", "out of range");
	gint64 prio = int_field(c, "Priority", G_MININT64);
	if (prio != G_MININT64)
		mfi_mdgw_set_importance(c->comp, prio);
}

static void fill_task(pim_ctx *c, const char *locator)
{
	common(c, locator);
	text_prop(c, "Subject", icalproperty_new_summary);
	text_prop(c, "Comment", icalproperty_new_description);
	task_dates(c);
	task_status(c);
}

/* ---- notes ------------------------------------------------------------------- */

static void fill_note(pim_ctx *c, const char *locator)
{
	static const char *const colors[] = { "BLUE", "GREEN", "PINK", "YELLOW", "WHITE" };
	common(c, locator);
	char *body = mfi_mdgw_text(mfi_mdgw_child(c->n, "Body"));
	g_ptr_array_add(c->known, (gpointer)"Body");
	if (body && *body) {
		char *first = g_strndup(body, strcspn(body, "\r\n"));
		if (*g_strstrip(first))
			icalcomponent_add_property(c->comp, icalproperty_new_summary(first));
		icalcomponent_add_property(c->comp, icalproperty_new_description(body));
		g_free(first);
	}
	g_free(body);
	struct icaltimetype t;
	if (time_field(c, "DateCreated", &t)) {
		icalcomponent_add_property(c->comp, icalproperty_new_dtstart(as_utc(t)));
		icalcomponent_add_property(c->comp, icalproperty_new_created(as_utc(t)));
	}
	gint64 color = int_field(c, "Color", -1);
	if (color >= 0 && color <= 4)
		mfi_mdgw_add_x(c->comp, "X-OUTLOOK-NOTE-COLOR", colors[color]);
	else if (color != -1) {
		char *raw = g_strdup_printf("%" G_GINT64_FORMAT, color);
		mfi_mdgw_add_x(c->comp, "X-MDAEMON-COLOR", raw);
		g_free(raw);
	}
}

/* ---- items ------------------------------------------------------------------- */

static void add_html(pim_ctx *c, const char *name)
{
	char *html = mfi_mdgw_text(mfi_mdgw_child(c->n, name));
	g_ptr_array_add(c->known, (gpointer)name);
	if (html && *html) {
		icalproperty *p = icalproperty_new_x(html);
		icalproperty_set_x_name(p, "X-ALT-DESC");
		icalproperty_add_parameter(p, icalparameter_new_fmttype("text/html"));
		icalcomponent_add_property(c->comp, p);
	}
	g_free(html);
}

static void decode_item(mfi_mdgw_file *f, xmlNode *n, guint position, gboolean task)
{
	pim_ctx c = { .f = f, .n = n, .known = g_ptr_array_new() };
	char *locator = mfi_mdgw_locator(f, n, position);
	c.item = mf_item_new(task ? MF_KIND_TASK : MF_KIND_NOTE, f->path, locator);
	c.comp = icalcomponent_new(task ? ICAL_VTODO_COMPONENT : ICAL_VJOURNAL_COMPONENT);
	g_ptr_array_add(c.known, (gpointer)"ID");
	if (task)
		fill_task(&c, locator);
	else
		fill_note(&c, locator);
	add_html(&c, task ? "CommentHtml" : "BodyHtml");
	g_ptr_array_add(c.known, NULL);
	mfi_mdgw_keep_unknown(c.comp, n, NULL, (const char *const *)c.known->pdata,
	                      (const char *const *)c.known->pdata);
	c.item->ical = mfi_mdgw_vcalendar();
	icalcomponent_add_component(c.item->ical, c.comp);
	char *xml_error = mfi_mdgw_node_error(f, n);
	if (xml_error) { /* what libxml2 could not read is in the source lines */
		char *raw = mfi_mdgw_node_source(f, n);
		mfi_mdgw_add_x(c.comp, "X-MDAEMON-DAMAGED-XML", raw);
		g_free(raw);
	}
	mfi_mdgw_add(f, c.item, xml_error ? g_strdup_printf("damaged XML (%s)", xml_error) : NULL);
	g_free(xml_error);
	g_free(locator);
	g_ptr_array_unref(c.known);
}

static void decode_all(mfi_mdgw_file *f, xmlNode *root, gboolean task)
{
	guint position = 0;
	for (xmlNode *n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			decode_item(f, n, ++position, task);
}

void mfi_mdgw_tasks(mfi_mdgw_file *f, xmlNode *root) { decode_all(f, root, TRUE); }
void mfi_mdgw_notes(mfi_mdgw_file *f, xmlNode *root) { decode_all(f, root, FALSE); }
