/* A recurring task's pattern ([MS-OXOCAL] 2.2.1.44.1 in PidLidTaskRecurrence,
 * [MS-OXOTASK] 2.2.2.2) on its VTODO; pure, see pst-vtodo.h. */
#include "pst-vtodo.h"
#include "pst-vevent.h"
#include "../ics/ics.h"

#include <stdlib.h>

gboolean mfi_pst_task_regenerates(const mfi_pst_recur *r)
{
	return r->sliding != 0;
}

/* "2 weeks": the period of a pattern in its own unit. */
static char *period_text(const mfi_pst_recur *r)
{
	guint32 n = r->period;
	const char *unit = "month";
	if (r->frequency == MFI_RECUR_FREQ_DAILY) {
		n = r->pattern == MFI_RECUR_PATTERN_DAY ? r->period / 1440 : r->period;
		unit = "day";
	} else if (r->frequency == MFI_RECUR_FREQ_WEEKLY) {
		unit = "week";
	} else if (r->frequency == MFI_RECUR_FREQ_YEARLY && r->period % 12 == 0) {
		n = r->period / 12;
		unit = "year";
	}
	return g_strdup_printf("%u %s%s", n, unit, n == 1 ? "" : "s");
}

/* The next task is due a period after this one is completed, on a date no
 * one knows yet. iCalendar has no such rule, and an RRULE would put the tasks
 * on fixed dates that Outlook never would: no RRULE. The rule the pattern
 * would give on a fixed schedule goes to X-MAILFERRY-REGENERATE (a program
 * that knows it can rebuild the series) and DESCRIPTION says what Outlook did. */
static void add_regeneration(icalcomponent *todo, const mfi_pst_recur *r, GPtrArray *tags)
{
	const char *why = NULL;
	icalproperty *rule = mfi_pst_recur_rrule(r, NULL, TRUE, &why);
	if (rule) {
		char *text = icalproperty_get_value_as_string_r(rule);
		mfi_pst_add_x(todo, "X-MAILFERRY-REGENERATE", text);
		free(text);
		icalproperty_free(rule);
	}
	char *period = period_text(r);
	char *line = g_strdup_printf("Regenerating task (Outlook): a new task is due %s after this "
	                             "one is completed.", period);
	mfi_ics_append_description(todo, line);
	g_free(line);
	g_free(period);
	g_ptr_array_add(tags, (gpointer) "PST_RegeneratingTask");
}

static void add_rrule(icalcomponent *todo, const mfi_pst_recur *r, GPtrArray *tags)
{
	const char *why = NULL;
	icalproperty *rule = mfi_pst_recur_rrule(r, NULL, TRUE, &why);
	if (!rule) {
		g_ptr_array_add(tags, (gpointer) "PST_RecurrenceUnsupported");
		mfi_pst_add_x(todo, "X-MAILFERRY-RECURRENCE-NOTE", why);
		return;
	}
	icalcomponent_add_property(todo, rule);
	if (mfi_pst_recur_calendar_name(r)) {
		g_ptr_array_add(tags, (gpointer) "PST_RecurrenceNonGregorian");
		mfi_pst_add_calendar_note(todo, r);
	}
}

void mfi_pst_task_recurrence(icalcomponent *todo, const mfi_pst_recur *r, GPtrArray *tags)
{
	if (mfi_pst_task_regenerates(r))
		add_regeneration(todo, r, tags);
	else
		add_rrule(todo, r, tags);
}
