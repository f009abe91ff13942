/* Tasks (VTODO) as typed t:Task items: ItemType head, reminder, then
 * TaskType in schema order (ews.md §3.7): CompleteDate, DueDate,
 * PercentComplete, Recurrence, StartDate, Status. */
#include "ews.h"
#include "../../src/transform/repair.h"

static void write_date(xmlTextWriterPtr w, const char *name, icaltimetype t)
{
	if (icaltime_is_null_time(t))
		return;
	char *s = t.is_date ? g_strdup_printf("%04d-%02d-%02dT00:00:00Z", t.year, t.month, t.day)
	                    : mfi_ews_utc((gint64)icaltime_as_timet_with_zone(t, t.zone));
	mfi_ews_text(w, name, s);
	g_free(s);
}

static const char *task_status(icalcomponent *c, int percent)
{
	switch (icalcomponent_get_status(c)) {
	case ICAL_STATUS_COMPLETED: return "Completed";
	case ICAL_STATUS_INPROCESS: return "InProgress";
	case ICAL_STATUS_CANCELLED: return "Deferred";
	default: return percent >= 100 ? "Completed" : percent > 0 ? "InProgress" : "NotStarted";
	}
}

gboolean mfi_ews_write_task(xmlTextWriterPtr w, const mf_item *item, GError **error)
{
	icalcomponent *c = item->ical ? mfr_master(item) : NULL;
	if (!c || icalcomponent_isa(c) != ICAL_VTODO_COMPONENT)
		c = item->ical ? icalcomponent_get_first_component(item->ical, ICAL_VTODO_COMPONENT) : NULL;
	if (!c) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: task without a VTODO",
		            item->source, item->locator);
		return FALSE;
	}
	icalproperty *pc = icalcomponent_get_first_property(c, ICAL_PERCENTCOMPLETE_PROPERTY);
	int percent = pc ? CLAMP(icalproperty_get_percentcomplete(pc), 0, 100) : 0;
	const char *status = task_status(c, percent);
	if (g_str_equal(status, "Completed"))
		percent = 100;
	icaltimetype start = icalcomponent_get_dtstart(c);
	icaltimetype due = icalcomponent_get_due(c);
	icalproperty *rrule = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
	GString *body = g_string_new(icalcomponent_get_description(c));
	mfi_ews_attach_links(body, item, NULL); /* files by URI: no bytes to upload */
	icaltimetype anchor = icaltime_is_null_time(start) ? due : start;
	gboolean recur = rrule && !icaltime_is_null_time(anchor);
	char *recurrence = NULL; /* the t:Recurrence element, when EWS can express the rule */
	if (recur) {
		mfi_ews_doc probe;
		mfi_ews_doc_begin(&probe, TRUE);
		gboolean ok = mfi_ews_recurrence(probe.w, rrule, anchor);
		recurrence = mfi_ews_doc_end(&probe, NULL);
		if (!ok)
			g_clear_pointer(&recurrence, g_free);
	}
	if (rrule && !recurrence)
		g_string_append_printf(body, "%sRecurrence EWS cannot express: %s",
		                       body->len ? "\n\n" : "", icalproperty_get_value_as_string(rrule));

	xmlTextWriterStartElement(w, BAD_CAST "t:Task");
	mfi_ews_item_head(w, c, item, body->str);
	icalproperty *completed = icalcomponent_get_first_property(c, ICAL_COMPLETED_PROPERTY);
	if (completed)
		write_date(w, "t:CompleteDate", icalproperty_get_completed(completed));
	write_date(w, "t:DueDate", due);
	mfi_ews_textf(w, "t:PercentComplete", "%d", percent);
	if (recurrence)
		xmlTextWriterWriteRaw(w, BAD_CAST recurrence);
	write_date(w, "t:StartDate", start);
	mfi_ews_text(w, "t:Status", status);
	xmlTextWriterEndElement(w);
	g_string_free(body, TRUE);
	g_free(recurrence);
	return TRUE;
}
