/* A recurring task's pattern on its VTODO: an RRULE, or for a regenerating
 * task the note of one. Pure (libical only), so it is unit-tested with
 * hand-built blobs. */
#ifndef MAILFERRY_PST_VTODO_H
#define MAILFERRY_PST_VTODO_H

#include "pst-recur.h"

#include <libical/ical.h>

/* TRUE for a regenerating task: the next one is due a period after this one
 * is completed ([MS-OXOTASK] 3.1.4.6.2; the SlidingFlag of the pattern). */
gboolean mfi_pst_task_regenerates(const mfi_pst_recur *r);

/* Adds the recurrence of pattern `r` to `todo`, whose DTSTART is the series'
 * start (a fixed schedule) or the task's own (regenerating):
 *   fixed schedule: the RRULE (UNTIL a DATE), in a non-Gregorian calendar with
 *   X-MAILFERRY-RECURRENCE-NOTE and "PST_RecurrenceNonGregorian"; a pattern
 *   with no RRULE form gets the note and "PST_RecurrenceUnsupported";
 *   regenerating: no RRULE (see pst-vtodo.c), X-MAILFERRY-REGENERATE, a
 *   paragraph at the end of DESCRIPTION and "PST_RegeneratingTask".
 * Repair tags (static strings) are appended to `tags`. */
void mfi_pst_task_recurrence(icalcomponent *todo, const mfi_pst_recur *r, GPtrArray *tags);

#endif
