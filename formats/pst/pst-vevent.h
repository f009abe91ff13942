/* VEVENT assembly from parsed Outlook data: series times, RRULE, EXDATE and
 * the RECURRENCE-ID overrides of a recurrence blob; busy status; reminders.
 * Pure (libical only, no libpff), so it is unit-tested with the spec's blobs. */
#ifndef MAILFERRY_PST_VEVENT_H
#define MAILFERRY_PST_VEVENT_H

#include "pst-recur.h"
#include "pst-tz.h"

#include <libical/ical.h>

/* A DATE-TIME property at a wall-clock time in `tz` (TZID parameter; floating
 * when `tz` is NULL), or a DATE when `all_day`. */
icalproperty *mfi_pst_local_prop(icalproperty *(*make)(struct icaltimetype), gint64 local,
                                 const mfi_pst_tz *tz, gboolean all_day);

/* Adds to the series master: DTSTART/DTEND of the first occurrence (from the
 * blob's StartDate and Start/EndTimeOffset), the RRULE and one EXDATE per
 * deleted occurrence, and for a rule in a non-Gregorian calendar the note of
 * mfi_pst_add_calendar_note(). FALSE with *why_r when the pattern has no RRULE
 * form (times are added all the same). */
gboolean mfi_pst_recur_apply(const mfi_pst_recur *r, icalcomponent *master,
                             const mfi_pst_tz *tz, gboolean all_day, const char **why_r);

/* The VEVENT of one modified occurrence: a copy of `master` (RRULE/EXDATE
 * dropped) with RECURRENCE-ID, its own DTSTART/DTEND, and what the
 * ExceptionInfo overrides (subject, location, busy status, reminder). */
icalcomponent *mfi_pst_recur_override(const mfi_pst_exception *e, icalcomponent *master,
                                      const mfi_pst_tz *tz, gboolean all_day);

/* X-MAILFERRY-RECURRENCE-NOTE naming the non-Gregorian calendar (and RSCALE)
 * whose months the series' RRULE counts; nothing for Gregorian dates. */
void mfi_pst_add_calendar_note(icalcomponent *comp, const mfi_pst_recur *r);

/* X-MICROSOFT-CDO-BUSYSTATUS (0 free .. 4 working elsewhere) and TRANSP;
 * replaces earlier ones. */
void mfi_pst_set_busy(icalcomponent *comp, gint64 status);
/* Removes every property of `kind` from `comp`. */
void mfi_pst_remove_props(icalcomponent *comp, icalproperty_kind kind);
/* An X- property `name` with `value`. */
void mfi_pst_add_x(icalcomponent *comp, const char *name, const char *value);
/* A VALARM (ACTION:DISPLAY) for a reminder `minutes` before the start. */
icalcomponent *mfi_pst_valarm(gint64 minutes);

#endif
