/* VEVENT assembly from parsed Outlook data ([MS-OXCICAL] 2.1.3.1.1.20, 2.1.3.2);
 * pure, see pst-vevent.h. */
#include "pst-vevent.h"

#include <string.h>

icalproperty *mfi_pst_local_prop(icalproperty *(*make)(struct icaltimetype), gint64 local,
                                 const mfi_pst_tz *tz, gboolean all_day)
{
	if (all_day)
		return make(mfi_pst_local_icaltime(local, TRUE));
	icalproperty *p = make(mfi_pst_local_icaltime(local, FALSE));
	if (tz)
		icalproperty_add_parameter(p, icalparameter_new_tzid(tz->tzid));
	return p;
}

gboolean mfi_pst_recur_apply(const mfi_pst_recur *r, icalcomponent *master,
                             const mfi_pst_tz *tz, gboolean all_day, const char **why_r)
{
	gint64 start = mfi_pst_recur_first_start(r);
	gint64 minutes = (gint64)r->end_offset - r->start_offset;
	if (all_day && minutes < 1440)
		minutes = 1440;
	icalcomponent_add_property(master, mfi_pst_local_prop(icalproperty_new_dtstart, start, tz,
	                                                      all_day));
	icalcomponent_add_property(master, mfi_pst_local_prop(icalproperty_new_dtend,
	                                                      start + MAX(minutes, 0) * 60, tz,
	                                                      all_day));
	icalproperty *rule = mfi_pst_recur_rrule(r, tz, all_day, why_r);
	if (!rule)
		return FALSE;
	icalcomponent_add_property(master, rule);
	mfi_pst_add_calendar_note(master, r);
	GArray *ex = mfi_pst_recur_exdates(r);
	for (guint i = 0; i < ex->len; i++)
		icalcomponent_add_property(master, mfi_pst_local_prop(icalproperty_new_exdate,
		                                                      g_array_index(ex, gint64, i), tz,
		                                                      all_day));
	g_array_unref(ex);
	return TRUE;
}

void mfi_pst_add_calendar_note(icalcomponent *comp, const mfi_pst_recur *r)
{
	const char *name = mfi_pst_recur_calendar_name(r);
	if (!name)
		return;
	char *note = g_strdup_printf("%s calendar: the RRULE counts its months (RSCALE=%s, RFC 7529); "
	                             "programs without RSCALE show other dates",
	                             name, mfi_pst_recur_rscale(r));
	mfi_pst_add_x(comp, "X-MAILFERRY-RECURRENCE-NOTE", note);
	g_free(note);
}

void mfi_pst_remove_props(icalcomponent *comp, icalproperty_kind kind)
{
	icalproperty *p;
	while ((p = icalcomponent_get_first_property(comp, kind))) {
		icalcomponent_remove_property(comp, p);
		icalproperty_free(p);
	}
}

static void remove_x(icalcomponent *comp, const char *name)
{
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY);
		if (g_ascii_strcasecmp(icalproperty_get_x_name(p), name) == 0) {
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
		}
		p = next;
	}
}

static void replace_text(icalcomponent *comp, icalproperty_kind kind,
                         icalproperty *(*make)(const char *), const char *text)
{
	mfi_pst_remove_props(comp, kind);
	if (text && *text)
		icalcomponent_add_property(comp, make(text));
}

void mfi_pst_add_x(icalcomponent *comp, const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);
	icalproperty_set_x_name(p, name);
	icalcomponent_add_property(comp, p);
}

void mfi_pst_set_busy(icalcomponent *comp, gint64 status)
{
	static const char *const names[] = { "FREE", "TENTATIVE", "BUSY", "OOF", "WORKINGELSEWHERE" };
	if (status < 0 || status > 4)
		return;
	mfi_pst_remove_props(comp, ICAL_TRANSP_PROPERTY);
	remove_x(comp, "X-MICROSOFT-CDO-BUSYSTATUS");
	mfi_pst_add_x(comp, "X-MICROSOFT-CDO-BUSYSTATUS", names[status]);
	icalcomponent_add_property(comp, icalproperty_new_transp(
		status == 0 ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
}

icalcomponent *mfi_pst_valarm(gint64 minutes)
{
	/* Outlook's "not set" (0x5AE980E1, the 4501-01-01 "none" date in minutes)
	 * and other values beyond a year: its default lead time. */
	if (minutes < 0 || minutes > 366 * 1440)
		minutes = 15;
	icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
	icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
	struct icaltriggertype trigger = icaltriggertype_from_int(0);
	trigger.duration = icaldurationtype_from_int((int)(-minutes * 60));
	icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
	icalcomponent_add_property(alarm, icalproperty_new_description("Reminder"));
	return alarm;
}

/* ARO_REMINDER turns the master's reminder on or off for this occurrence,
 * ARO_REMINDERDELTA changes its lead time. */
static void override_alarm(icalcomponent *ov, const mfi_pst_exception *e)
{
	if (!(e->flags & (MFI_ARO_REMINDER | MFI_ARO_REMINDERDELTA)))
		return;
	gboolean had = icalcomponent_get_first_component(ov, ICAL_VALARM_COMPONENT) != NULL;
	gboolean on = (e->flags & MFI_ARO_REMINDER) ? e->reminder_set != 0 : had;
	if (on && had && !(e->flags & MFI_ARO_REMINDERDELTA))
		return;
	icalcomponent *a;
	while ((a = icalcomponent_get_first_component(ov, ICAL_VALARM_COMPONENT))) {
		icalcomponent_remove_component(ov, a);
		icalcomponent_free(a);
	}
	if (on)
		icalcomponent_add_component(ov, mfi_pst_valarm((e->flags & MFI_ARO_REMINDERDELTA)
		                                                   ? (gint32)e->reminder_delta : 15));
}

icalcomponent *mfi_pst_recur_override(const mfi_pst_exception *e, icalcomponent *master,
                                      const mfi_pst_tz *tz, gboolean all_day)
{
	static const icalproperty_kind drop[] = { ICAL_RRULE_PROPERTY, ICAL_EXDATE_PROPERTY,
		                                      ICAL_RDATE_PROPERTY, ICAL_DTSTART_PROPERTY,
		                                      ICAL_DTEND_PROPERTY, ICAL_DURATION_PROPERTY };
	icalcomponent *ov = icalcomponent_new_clone(master);
	for (gsize i = 0; i < G_N_ELEMENTS(drop); i++)
		mfi_pst_remove_props(ov, drop[i]);
	remove_x(ov, "X-MAILFERRY-RECURRENCE-NOTE"); /* about the RRULE it no longer has */
	guint32 end = e->end > e->start ? e->end : e->start + (all_day ? 1440 : 0);
	icalcomponent_add_property(ov, mfi_pst_local_prop(icalproperty_new_recurrenceid,
	                                                  MFI_MINUTES_1601_TO_LOCAL(e->original_start),
	                                                  tz, all_day));
	icalcomponent_add_property(ov, mfi_pst_local_prop(icalproperty_new_dtstart,
	                                                  MFI_MINUTES_1601_TO_LOCAL(e->start), tz,
	                                                  all_day));
	icalcomponent_add_property(ov, mfi_pst_local_prop(icalproperty_new_dtend,
	                                                  MFI_MINUTES_1601_TO_LOCAL(end), tz, all_day));
	if (e->flags & MFI_ARO_SUBJECT)
		replace_text(ov, ICAL_SUMMARY_PROPERTY, icalproperty_new_summary, e->subject);
	if (e->flags & MFI_ARO_LOCATION)
		replace_text(ov, ICAL_LOCATION_PROPERTY, icalproperty_new_location, e->location);
	if (e->flags & MFI_ARO_BUSYSTATUS)
		mfi_pst_set_busy(ov, e->busy_status);
	override_alarm(ov, e);
	return ov;
}
