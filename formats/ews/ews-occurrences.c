/* Exceptions of a recurring event. CreateItem cannot carry them (the
 * ModifiedOccurrences/DeletedOccurrences elements are server-computed), so
 * they become follow-up requests on occurrences (ews.md §3.3):
 *   EXDATE (and overrides with STATUS:CANCELLED) -> DeleteItem,
 *   other RECURRENCE-ID overrides               -> UpdateItem (Start, End,
 *                                                  Subject, Location, Body),
 * addressed as OccurrenceItemId RecurringMasterId="mailferry-item:KEY"
 * InstanceIndex=N. N is counted with libical from DTSTART; the uploader
 * replaces the placeholder by the ItemId CreateItem returned for the master. */
#include "ews.h"
#include "../../src/transform/repair.h"

#include <string.h>

#define MAX_INSTANCES 100000 /* bound on counting occurrences */

static gboolean same_instance(icaltimetype t, icaltimetype want, icaltimetype dtstart)
{
	if (t.is_date || want.is_date)
		return t.year == want.year && t.month == want.month && t.day == want.day;
	const icaltimezone *tz = t.zone ? t.zone : dtstart.zone;
	const icaltimezone *wz = want.zone ? want.zone : tz;
	return icaltime_as_timet_with_zone(t, tz) == icaltime_as_timet_with_zone(want, wz);
}

/* 1-based position of `want` in the series, or 0. */
static int instance_index(icalproperty *rrule, icaltimetype dtstart, icaltimetype want)
{
	icalrecur_iterator *it = icalrecur_iterator_new(icalproperty_get_rrule(rrule), dtstart);
	if (!it)
		return 0;
	int n = 0, found = 0;
	icaltimetype wz = want;
	if (!want.is_date && !dtstart.is_date && dtstart.zone && (want.zone || icaltime_is_utc(want)))
		wz = icaltime_convert_to_zone(want, (icaltimezone *)dtstart.zone);
	for (icaltimetype t = icalrecur_iterator_next(it); !found && !icaltime_is_null_time(t) &&
	     n < MAX_INSTANCES; t = icalrecur_iterator_next(it)) {
		n++;
		if (same_instance(t, want, dtstart))
			found = n;
		else if (icaltime_compare_date_only(t, wz) > 0)
			break;
	}
	icalrecur_iterator_free(it);
	return found;
}

static void occurrence_id(xmlTextWriterPtr w, const char *key, int index)
{
	xmlTextWriterStartElement(w, BAD_CAST "t:OccurrenceItemId");
	xmlTextWriterWriteAttribute(w, BAD_CAST "RecurringMasterId", BAD_CAST key);
	xmlTextWriterWriteFormatAttribute(w, BAD_CAST "InstanceIndex", "%d", index);
	xmlTextWriterEndElement(w);
}

static void set_field(xmlTextWriterPtr w, const char *uri, const char *element, const char *value,
                      gboolean body)
{
	if (!value)
		return;
	xmlTextWriterStartElement(w, BAD_CAST "t:SetItemField");
	xmlTextWriterStartElement(w, BAD_CAST "t:FieldURI");
	xmlTextWriterWriteAttribute(w, BAD_CAST "FieldURI", BAD_CAST uri);
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "t:CalendarItem");
	if (body)
		mfi_ews_body(w, *value ? value : " ");
	else
		mfi_ews_text(w, element, value);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}

static char *utc_or_local(icaltimetype t)
{
	if (t.is_date)
		return g_strdup_printf("%04d-%02d-%02dT00:00:00", t.year, t.month, t.day);
	if (t.zone || icaltime_is_utc(t))
		return mfi_ews_utc((gint64)icaltime_as_timet_with_zone(t, t.zone));
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
	                       t.minute, t.second);
}

static void write_change(xmlTextWriterPtr w, icalcomponent *o, const char *key, int index)
{
	xmlTextWriterStartElement(w, BAD_CAST "t:ItemChange");
	occurrence_id(w, key, index);
	xmlTextWriterStartElement(w, BAD_CAST "t:Updates");
	/* FieldURI order does not matter; ItemType fields first as in the schema. */
	set_field(w, "item:Subject", "t:Subject", icalcomponent_get_summary(o), FALSE);
	const char *d = icalcomponent_get_description(o);
	set_field(w, "item:Body", NULL, d, TRUE);
	icaltimetype s = icalcomponent_get_dtstart(o), e = icalcomponent_get_dtend(o);
	if (!icaltime_is_null_time(s)) {
		char *v = utc_or_local(s);
		set_field(w, "calendar:Start", "t:Start", v, FALSE);
		g_free(v);
	}
	if (!icaltime_is_null_time(e) && icaltime_compare(e, s) >= 0) {
		char *v = utc_or_local(e);
		set_field(w, "calendar:End", "t:End", v, FALSE);
		g_free(v);
	}
	set_field(w, "calendar:Location", "t:Location", icalcomponent_get_location(o), FALSE);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}

gboolean mfi_ews_occurrences(const mf_item *item, const char *key, char **deletes_r,
                             guint *n_deletes_r, char **updates_r, guint *n_updates_r,
                             GString *unresolved)
{
	*deletes_r = *updates_r = NULL;
	*n_deletes_r = *n_updates_r = 0;
	icalcomponent *m = item->ical ? mfr_master(item) : NULL;
	icalproperty *rrule = m ? icalcomponent_get_first_property(m, ICAL_RRULE_PROPERTY) : NULL;
	if (!rrule || icalcomponent_isa(m) != ICAL_VEVENT_COMPONENT)
		return FALSE;
	icaltimetype dtstart = icalcomponent_get_dtstart(m);
	if (icaltime_is_null_time(dtstart) || !mfi_ews_recurrence_ok(rrule, dtstart))
		return FALSE; /* the calendar writer lists the exceptions in the body */
	mfi_ews_doc del, upd;
	mfi_ews_doc_begin(&del, TRUE);
	mfi_ews_doc_begin(&upd, TRUE);
	for (icalproperty *p = icalcomponent_get_first_property(m, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(m, ICAL_EXDATE_PROPERTY)) {
		int index = instance_index(rrule, dtstart, icalproperty_get_datetime_with_component(p, m));
		if (index > 0) {
			occurrence_id(del.w, key, index);
			(*n_deletes_r)++;
		} else {
			g_string_append_printf(unresolved, "%sEXDATE %s", unresolved->len ? ", " : "",
			                       icalproperty_get_value_as_string(p));
		}
	}
	GPtrArray *comps = mfr_components(item);
	for (guint i = 0; i < comps->len; i++) {
		icalcomponent *o = comps->pdata[i];
		icalproperty *rid = icalcomponent_get_first_property(o, ICAL_RECURRENCEID_PROPERTY);
		if (o == m || !rid || icalcomponent_isa(o) != ICAL_VEVENT_COMPONENT)
			continue;
		int index = instance_index(rrule, dtstart, icalproperty_get_datetime_with_component(rid, o));
		if (index <= 0) {
			g_string_append_printf(unresolved, "%sRECURRENCE-ID %s", unresolved->len ? ", " : "",
			                       icalproperty_get_value_as_string(rid));
		} else if (icalcomponent_get_status(o) == ICAL_STATUS_CANCELLED) {
			occurrence_id(del.w, key, index);
			(*n_deletes_r)++;
		} else {
			write_change(upd.w, o, key, index);
			(*n_updates_r)++;
		}
	}
	g_ptr_array_unref(comps);
	*deletes_r = mfi_ews_doc_end(&del, NULL);
	*updates_r = mfi_ews_doc_end(&upd, NULL);
	if (!*n_deletes_r)
		g_clear_pointer(deletes_r, g_free);
	if (!*n_updates_r)
		g_clear_pointer(updates_r, g_free);
	return *n_deletes_r || *n_updates_r;
}
