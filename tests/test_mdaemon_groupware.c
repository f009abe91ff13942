/* MDaemon groupware decoders (formats/mdaemon/mdaemon-groupware.c and the files
 * it dispatches to): Calendar.mrk -> VEVENTs, AddrBook.mrk -> vCards,
 * Tasks.mrk/Notes.mrk -> VTODO/VJOURNAL, damaged and hostile files.
 * Fixtures: testdata/mdaemon/groupware/ (README.md there). Expected values
 * are worked out from formats.md D.6/D.7 and the calendar by hand (comments
 * say how), not copied from the program's output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "../formats/mdaemon/mdaemon.h"
#include "../formats/vcf/vcf.h"
#include "mailferry/transform.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *fixture(const char *rel)
{
	const char *td = g_getenv("MF_TESTDATA");
	return g_build_filename(td ? td : "testdata", "mdaemon", "groupware", rel, NULL);
}

static GPtrArray *decode_path(const char *path, gboolean expect_ok)
{
	GPtrArray *entries = g_ptr_array_new_with_free_func(mfi_mdaemon_entry_free);
	GError *error = NULL;
	gboolean ok = mfi_mdaemon_groupware_read(path, entries, &error);
	if (ok != expect_ok)
		fail_msg("%s: read returned %d (%s)", path, ok, error ? error->message : "");
	if (!ok) {
		assert_non_null(error);
		assert_non_null(strstr(error->message, path)); /* errors name the file */
	}
	g_clear_error(&error);
	return entries;
}

static GPtrArray *decode_fixture(const char *rel)
{
	char *path = fixture(rel);
	GPtrArray *e = decode_path(path, TRUE);
	g_free(path);
	return e;
}

/* Writes `text` as `name` in a new temp dir and decodes it. */
static GPtrArray *decode_text(const char *name, const char *text, gssize len, gboolean ok)
{
	char *dir = g_dir_make_tmp("mdgw-XXXXXX", NULL);
	char *path = g_build_filename(dir, name, NULL);
	g_assert_true(g_file_set_contents(path, text, len, NULL));
	GPtrArray *e = decode_path(path, ok);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	return e;
}

static mfi_mdaemon_entry *entry(GPtrArray *entries, guint i)
{
	assert_true(i < entries->len);
	return entries->pdata[i];
}

/* The entry's item, which must have no problem. */
static mf_item *good_item(GPtrArray *entries, guint i)
{
	mfi_mdaemon_entry *e = entry(entries, i);
	if (e->problem)
		fail_msg("entry %u: unexpected problem %s", i, e->problem);
	assert_non_null(e->item);
	return e->item;
}

/* The n-th component of `kind` in the item's VCALENDAR. */
static icalcomponent *comp_n(mf_item *item, icalcomponent_kind kind, int n)
{
	assert_non_null(item->ical);
	icalcomponent *c = icalcomponent_get_first_component(item->ical, kind);
	for (; c && n > 0; n--)
		c = icalcomponent_get_next_component(item->ical, kind);
	assert_non_null(c);
	return c;
}

static icalcomponent *master(mf_item *item)
{
	return comp_n(item, ICAL_VEVENT_COMPONENT, 0);
}

static const char *param(icalproperty *p, icalparameter_kind kind)
{
	icalparameter *x = icalproperty_get_first_parameter(p, kind);
	return x ? icalparameter_as_ical_string(x) : NULL;
}

static const char *x_value(icalcomponent *c, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY))
		if (strcmp(icalproperty_get_x_name(p), name) == 0)
			return icalproperty_get_x(p);
	return NULL;
}

static const char *x_param(icalproperty *p, const char *name)
{
	for (icalparameter *x = icalproperty_get_first_parameter(p, ICAL_X_PARAMETER); x;
	     x = icalproperty_get_next_parameter(p, ICAL_X_PARAMETER))
		if (strcmp(icalparameter_get_xname(x), name) == 0)
			return icalparameter_get_xvalue(x);
	return NULL;
}

/* "20240102T090000" (or "20240102") + TZID (or "") of a time property. */
static void assert_time(icalcomponent *c, icalproperty_kind kind, const char *value,
                        const char *tzid)
{
	icalproperty *p = icalcomponent_get_first_property(c, kind);
	assert_non_null(p);
	assert_string_equal(icalproperty_get_value_as_string(p), value);
	icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	assert_string_equal(tz ? icalparameter_get_tzid(tz) : "", tzid);
}

static int count_props(icalcomponent *c, icalproperty_kind kind)
{
	return icalcomponent_count_properties(c, kind);
}

/* Occurrence starts of the master's RRULE from DTSTART ("YYYYMMDD" each,
 * at most `max`), EXDATEs removed: libical's own iterator. */
static char *expand(icalcomponent *ev, int max)
{
	/* DTSTART with its zone resolved from the VCALENDAR's VTIMEZONE, so a UTC
	 * UNTIL compares as an instant */
	struct icaltimetype start = icalcomponent_get_dtstart(ev);
	struct icalrecurrencetype r = icalproperty_get_rrule(
		icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	icalrecur_iterator *it = icalrecur_iterator_new(r, start);
	GString *out = g_string_new(NULL);
	for (struct icaltimetype t = icalrecur_iterator_next(it); !icaltime_is_null_time(t) && max > 0;
	     t = icalrecur_iterator_next(it), max--) {
		gboolean excluded = FALSE;
		for (icalproperty *x = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); x;
		     x = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
			struct icaltimetype d = icalproperty_get_exdate(x); /* same zone as DTSTART */
			excluded |= d.year == t.year && d.month == t.month && d.day == t.day &&
			            d.hour == t.hour && d.minute == t.minute;
		}
		if (!excluded)
			g_string_append_printf(out, "%s%04d%02d%02d", out->len ? " " : "", t.year, t.month,
			                       t.day);
	}
	icalrecur_iterator_free(it);
	return g_string_free(out, FALSE);
}

static void assert_expands(icalcomponent *ev, int max, const char *expected)
{
	char *got = expand(ev, max);
	assert_string_equal(got, expected);
	g_free(got);
}

/* libical's RFC 5545 restriction check of the item's VCALENDAR: no X-LIC-ERROR. */
static void assert_restrictions_ok(mf_item *item)
{
	char *text = icalcomponent_as_ical_string_r(item->ical);
	icalcomponent *copy = icalparser_parse_string(text);
	icalrestriction_check(copy);
	char *checked = icalcomponent_as_ical_string_r(copy);
	if (strstr(checked, "X-LIC-ERROR"))
		fail_msg("%s: restriction errors:\n%s", item->locator, checked);
	free(checked);
	free(text);
	icalcomponent_free(copy);
}

/* ---- file names ------------------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	assert_true(mfi_mdaemon_is_groupware_file("Calendar.mrk"));
	assert_true(mfi_mdaemon_is_groupware_file("CALENDAR.MRK"));
	assert_true(mfi_mdaemon_is_groupware_file("addrbook.mrk"));
	assert_true(mfi_mdaemon_is_groupware_file("Tasks.mrk"));
	assert_true(mfi_mdaemon_is_groupware_file("Notes.MRK"));
	assert_false(mfi_mdaemon_is_groupware_file("IMAP.MRK"));
	assert_false(mfi_mdaemon_is_groupware_file("HIWATER.MRK"));
	assert_false(mfi_mdaemon_is_groupware_file("Calendar.mrk.bak"));
	assert_false(mfi_mdaemon_is_groupware_file(""));
	assert_false(mfi_mdaemon_is_groupware_file(NULL));
	GPtrArray *e = decode_text("Other.mrk", "<Calendar/>", -1, FALSE);
	g_ptr_array_unref(e);
}

/* ---- Calendar.mrk fixture --------------------------------------------------- */

static void test_meeting_with_planner(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Calendar.mrk");
	assert_int_equal(e->len, 10); /* Event ID=1..10 */
	mf_item *it = good_item(e, 0);
	assert_int_equal(it->kind, MF_KIND_EVENT);
	assert_string_equal(it->locator, "Calendar.mrk Event ID=1");
	icalcomponent *ev = master(it);
	assert_string_equal(icalcomponent_get_uid(ev), "A1000000000000000000000000000001");
	/* no Recurrence, so no zone: floating wall time as stored */
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240305T100000", "");
	assert_time(ev, ICAL_DTEND_PROPERTY, "20240305T110000", "");
	assert_null(icalcomponent_get_first_component(it->ical, ICAL_VTIMEZONE_COMPONENT));
	icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
	assert_string_equal(icalproperty_get_organizer(org), "mailto:alice@example.com");
	assert_string_equal(param(org, ICAL_CN_PARAMETER), "CN=Alice Example");
	assert_int_equal(count_props(ev, ICAL_ATTENDEE_PROPERTY), 2);
	icalproperty *bob = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(icalproperty_get_attendee(bob), "mailto:bob@example.com");
	assert_string_equal(param(bob, ICAL_CN_PARAMETER), "CN=Bob Builder");
	assert_string_equal(param(bob, ICAL_PARTSTAT_PARAMETER), "PARTSTAT=NEEDS-ACTION");
	icalproperty *carol = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(icalproperty_get_attendee(carol), "mailto:carol@example.net");
	assert_null(param(carol, ICAL_CN_PARAMETER));
	assert_string_equal(x_param(carol, "X-MDAEMON-TYPE"), "1");  /* raw, undocumented */
	assert_string_equal(x_param(carol, "X-MDAEMON-STATUS"), "2");
	assert_string_equal(x_param(carol, "X-MDAEMON-SENT"), "0");
	assert_string_equal(x_param(carol, "X-MDAEMON-RSVPNOTE"), "call me");
	/* CRLF in the file, CDATA: XML line-end handling leaves plain LF */
	assert_string_equal(icalcomponent_get_description(ev), "Agenda:\n1. Budget\n2. Hiring");
	assert_string_equal(icalcomponent_get_location(ev), "Room 4.12");
	assert_int_equal(icalcomponent_get_sequence(ev), 1);
	/* Priority=2 (Outlook high) -> PRIORITY:1 */
	assert_int_equal(icalproperty_get_priority(
		icalcomponent_get_first_property(ev, ICAL_PRIORITY_PROPERTY)), 1);
	assert_string_equal(x_value(ev, "X-MICROSOFT-CDO-BUSYSTATUS"), "BUSY");
	assert_int_equal(icalproperty_get_transp(icalcomponent_get_first_property(
		ev, ICAL_TRANSP_PROPERTY)), ICAL_TRANSP_OPAQUE);
	/* unknown attribute and element kept */
	assert_string_equal(x_value(ev, "X-MDAEMON-LABEL"), "3");
	assert_string_equal(x_value(ev, "X-MDAEMON-DAVDATAFILE"),
	                    "A1000000000000000000000000000001.ics");
	assert_string_equal(x_value(ev, "X-MDAEMON-CREATOR"), "alice@example.com");
	/* Modified 2024-02-20 16:45:10, no zone known: read as UTC */
	assert_time(ev, ICAL_LASTMODIFIED_PROPERTY, "20240220T164510Z", "");
	assert_null(icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT)); /* ReminderSet=0 */
	assert_restrictions_ok(it);
	g_ptr_array_unref(e);
}

static const mf_transform *transform_named(const char *name)
{
	for (const mf_transform *const *t = mf_transforms(); *t; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	fail_msg("no transform %s", name);
	return NULL;
}

static void test_meeting_without_planner(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Calendar.mrk");
	mf_item *it = good_item(e, 1);
	icalcomponent *ev = master(it);
	assert_null(icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY));
	assert_int_equal(count_props(ev, ICAL_ATTENDEE_PROPERTY), 1);
	/* the pipeline's repair then tags it */
	char *reason = NULL;
	mf_options opts = { 0 };
	const mf_transform *repair = transform_named("repair-organizer");
	assert_int_equal(repair->apply(it, &opts, NULL, &reason), MF_TRANSFORM_KEEP);
	assert_int_equal(it->repair_tags->len, 1);
	assert_string_equal(it->repair_tags->pdata[0], "Meetings_MissingOrganizer");
	g_ptr_array_unref(e);
}

static void test_weekly_with_exceptions(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Calendar.mrk");
	mf_item *it = good_item(e, 2);
	/* Bias=-60: UTC = local - 60 min, i.e. UTC+01:00 */
	icalcomponent *vtz = comp_n(it, ICAL_VTIMEZONE_COMPONENT, 0);
	assert_string_equal(icalproperty_get_tzid(icalcomponent_get_first_property(
		vtz, ICAL_TZID_PROPERTY)), "MDaemon UTC+01:00");
	icalcomponent *std = icalcomponent_get_first_component(vtz, ICAL_XSTANDARD_COMPONENT);
	assert_int_equal(icalproperty_get_tzoffsetto(icalcomponent_get_first_property(
		std, ICAL_TZOFFSETTO_PROPERTY)), 3600);
	icalcomponent *ev = master(it);
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240102T090000", "MDaemon UTC+01:00");
	assert_time(ev, ICAL_DTEND_PROPERTY, "20240102T093000", "MDaemon UTC+01:00");
	struct icalrecurrencetype r = icalproperty_get_rrule(
		icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(r.freq, ICAL_WEEKLY_RECURRENCE);
	assert_int_equal(r.interval, 1);
	/* DayOfWeekMask 20 = 4 (Tue) + 16 (Thu) */
	assert_int_equal(r.by_day[0], ICAL_TUESDAY_WEEKDAY);
	assert_int_equal(r.by_day[1], ICAL_THURSDAY_WEEKDAY);
	assert_int_equal(r.by_day[2], ICAL_RECURRENCE_ARRAY_MAX);
	/* End 2024-02-29 at the series' 09:00 local = 08:00 UTC */
	assert_string_equal(icaltime_as_ical_string(r.until), "20240229T080000Z");
	/* Deleted 2024-01-16 00:00 -> the 09:00 occurrence that day */
	assert_int_equal(count_props(ev, ICAL_EXDATE_PROPERTY), 1);
	assert_time(ev, ICAL_EXDATE_PROPERTY, "20240116T090000", "MDaemon UTC+01:00");
	/* Tue/Thu from Jan 2 to Feb 29 2024: 18 dates, Jan 16 deleted */
	assert_expands(ev, 100, "20240102 20240104 20240109 20240111 20240118 20240123 20240125 "
	                        "20240130 20240201 20240206 20240208 20240213 20240215 20240220 "
	                        "20240222 20240227 20240229");
	icalcomponent *ov = comp_n(it, ICAL_VEVENT_COMPONENT, 1);
	assert_string_equal(icalcomponent_get_uid(ov), "A1000000000000000000000000000003");
	assert_time(ov, ICAL_RECURRENCEID_PROPERTY, "20240118T090000", "MDaemon UTC+01:00");
	assert_time(ov, ICAL_DTSTART_PROPERTY, "20240119T110000", "MDaemon UTC+01:00");
	assert_time(ov, ICAL_DTEND_PROPERTY, "20240119T114500", "MDaemon UTC+01:00");
	assert_string_equal(icalcomponent_get_summary(ov), "Standup (moved)");
	assert_null(icalcomponent_get_first_property(ov, ICAL_RRULE_PROPERTY));
	assert_string_equal(icalcomponent_get_summary(ev), "Standup");
	/* ReminderMin=10 */
	icalcomponent *alarm = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT);
	assert_non_null(alarm);
	struct icaltriggertype tr = icalproperty_get_trigger(
		icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY));
	assert_int_equal(icaldurationtype_as_int(tr.duration), -600);
	assert_string_equal(x_value(ev, "X-MDAEMON-RECURRENCE"),
	                    "Type=2;SubType=1;Interval=1;DayOfWeekMask=20");
	/* LAST-MODIFIED 2024-01-18 07:30:00 in the event's UTC+1 = 06:30Z */
	assert_time(ev, ICAL_LASTMODIFIED_PROPERTY, "20240118T063000Z", "");
	assert_restrictions_ok(it);
	g_ptr_array_unref(e);
}

static void test_yearly_and_monthly(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Calendar.mrk");
	/* ID=4: Feb 14 every year, End 4500-08-31 = no end, floating */
	icalcomponent *ev = master(good_item(e, 3));
	struct icalrecurrencetype r = icalproperty_get_rrule(
		icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(r.freq, ICAL_YEARLY_RECURRENCE);
	assert_int_equal(r.by_month[0], 2);
	assert_int_equal(r.by_month_day[0], 14);
	assert_true(icaltime_is_null_time(r.until));
	assert_int_equal(r.count, 0);
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240214T190000", "");
	assert_expands(ev, 3, "20240214 20250214 20260214");
	/* ID=9: first weekend day (mask 65 = Sun+Sat, Instance 1), 3 times, UTC-05:00:
	 * Sat Jun 1; Jul 1 is a Monday -> Sat Jul 6; Aug 1 is a Thursday -> Sat Aug 3 */
	mf_item *it = good_item(e, 8);
	ev = master(it);
	r = icalproperty_get_rrule(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(r.freq, ICAL_MONTHLY_RECURRENCE);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.by_set_pos[0], 1);
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240601T100000", "MDaemon UTC-05:00");
	assert_expands(ev, 10, "20240601 20240706 20240803");
	assert_restrictions_ok(it);
	/* ID=10: all-day, 4th Thursday of November; Interval=12 months = every year:
	 * Nov 2025 starts on a Saturday -> 27th; Nov 2026 on a Sunday -> 26th */
	it = good_item(e, 9);
	ev = master(it);
	r = icalproperty_get_rrule(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(r.interval, 1);
	assert_int_equal(r.by_month[0], 11);
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20241128", "");
	assert_time(ev, ICAL_DTEND_PROPERTY, "20241129", "");
	assert_expands(ev, 3, "20241128 20251127 20261126");
	assert_restrictions_ok(it);
	g_ptr_array_unref(e);
}

static void test_all_day(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Calendar.mrk");
	/* ID=5: 2024-03-08 00:00 .. 23:59 inclusive -> DTEND the next day */
	mf_item *it = good_item(e, 4);
	icalcomponent *ev = master(it);
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240308", "");
	assert_time(ev, ICAL_DTEND_PROPERTY, "20240309", "");
	assert_int_equal(icalproperty_get_transp(icalcomponent_get_first_property(
		ev, ICAL_TRANSP_PROPERTY)), ICAL_TRANSP_TRANSPARENT); /* BusyStatus=0 */
	assert_string_equal(x_value(ev, "X-MICROSOFT-CDO-ALLDAYEVENT"), "TRUE");
	/* no iCalUid: derived, the same on every run */
	char *uid = g_strdup(icalcomponent_get_uid(ev));
	assert_true(g_str_has_suffix(uid, "@mdaemon.mailferry"));
	GPtrArray *again = decode_fixture("Calendar.mrk");
	assert_string_equal(icalcomponent_get_uid(master(good_item(again, 4))), uid);
	g_ptr_array_unref(again);
	g_free(uid);
	assert_restrictions_ok(it);
	/* ID=6: Apr 22 .. Apr 26 inclusive -> DTEND Apr 27; Priority=0 low -> 9; OOF */
	ev = master(good_item(e, 5));
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240422", "");
	assert_time(ev, ICAL_DTEND_PROPERTY, "20240427", "");
	assert_int_equal(icalproperty_get_priority(
		icalcomponent_get_first_property(ev, ICAL_PRIORITY_PROPERTY)), 9);
	assert_string_equal(x_value(ev, "X-MICROSOFT-CDO-BUSYSTATUS"), "OOF");
	g_ptr_array_unref(e);
}

static void test_reminder_categories_text(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Calendar.mrk");
	mf_item *it = good_item(e, 6);
	icalcomponent *ev = master(it);
	icalcomponent *alarm = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT);
	assert_non_null(alarm);
	assert_int_equal(icalproperty_get_action(icalcomponent_get_first_property(
		alarm, ICAL_ACTION_PROPERTY)), ICAL_ACTION_DISPLAY);
	struct icaltriggertype tr = icalproperty_get_trigger(
		icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY));
	assert_int_equal(icaldurationtype_as_int(tr.duration), -30 * 60);
	/* "Personal, Health;Errands" */
	assert_int_equal(count_props(ev, ICAL_CATEGORIES_PROPERTY), 3);
	assert_int_equal(it->categories->len, 3);
	assert_string_equal(it->categories->pdata[1], "Health");
	assert_string_equal(x_value(ev, "X-MICROSOFT-CDO-BUSYSTATUS"), "TENTATIVE");
	/* ID=8: non-ASCII CDATA, markup-like text */
	ev = master(good_item(e, 7));
	assert_string_equal(icalcomponent_get_summary(ev), "Besprechung über Größe – 会議 ✓");
	assert_string_equal(icalcomponent_get_location(ev), "Zürich, Bahnhofstraße 1");
	assert_string_equal(icalcomponent_get_description(ev),
	                    "<b>not markup</b> & \"quotes\"; commas, too");
	icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
	assert_string_equal(param(org, ICAL_CN_PARAMETER), "CN=Jörg Müller");
	icalproperty *att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(param(att, ICAL_CN_PARAMETER), "CN=Zoë Ångström");
	g_ptr_array_unref(e);
}

/* One Event with the given Start/End/AllDay and Recurrence, decoded. */
static GPtrArray *decode_series(const char *event_attrs, const char *start, const char *end,
                                const char *recurrence)
{
	char *xml = g_strdup_printf("<Calendar><Event ID=\"1\" %s><Start>%s</Start><End>%s</End>"
	                            "<Subject>s</Subject>%s</Event></Calendar>", event_attrs, start,
	                            end, recurrence);
	GPtrArray *e = decode_text("Calendar.mrk", xml, -1, TRUE);
	g_free(xml);
	return e;
}

static void test_recurrence_forms(void **state)
{
	(void)state;
	/* daily on weekdays (mask 62 = Mon..Fri) from Fri Mar 1 to Mar 8, floating */
	GPtrArray *e = decode_series("", "2024-03-01 08:00", "2024-03-01 08:30",
		"<Recurrence Type=\"1\" Interval=\"1\" DayOfWeekMask=\"62\"><Start>2024-03-01 08:00"
		"</Start><End>2024-03-08 00:00</End></Recurrence>");
	icalcomponent *ev = master(good_item(e, 0));
	struct icalrecurrencetype r = icalproperty_get_rrule(
		icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(r.freq, ICAL_DAILY_RECURRENCE);
	assert_string_equal(icaltime_as_ical_string(r.until), "20240308T080000"); /* floating */
	assert_expands(ev, 20, "20240301 20240304 20240305 20240306 20240307 20240308");
	g_ptr_array_unref(e);
	/* every 2nd Monday, 3 times; Occurrences wins over End */
	e = decode_series("", "2024-01-01 10:00", "2024-01-01 11:00",
		"<Recurrence Type=\"2\" Interval=\"2\" DayOfWeekMask=\"2\" Occurrences=\"3\">"
		"<Start>2024-01-01 10:00</Start><End>2024-12-31 00:00</End></Recurrence>");
	ev = master(good_item(e, 0));
	r = icalproperty_get_rrule(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(r.interval, 2);
	assert_int_equal(r.week_start, ICAL_SUNDAY_WEEKDAY);
	assert_int_equal(r.count, 3);
	assert_expands(ev, 20, "20240101 20240115 20240129");
	g_ptr_array_unref(e);
	/* monthly on day 31: Outlook takes the last day of shorter months */
	e = decode_series("", "2024-01-31 09:00", "2024-01-31 10:00",
		"<Recurrence Type=\"3\" Interval=\"1\" DayOfMonth=\"31\" Occurrences=\"4\">"
		"<Start>2024-01-31 09:00</Start><End>4500-08-31 00:00</End></Recurrence>");
	assert_expands(master(good_item(e, 0)), 20, "20240131 20240229 20240331 20240430");
	g_ptr_array_unref(e);
	/* all-day weekly on Wednesdays until Jan 17: UNTIL is a DATE, EXDATE too */
	e = decode_series("AllDay=\"1\"", "2024-01-03 00:00", "2024-01-03 23:59",
		"<Recurrence Type=\"2\" Interval=\"1\" DayOfWeekMask=\"8\"><Start>2024-01-03 00:00"
		"</Start><End>2024-01-17 00:00</End><Deleted Occurrence=\"2024-01-10 00:00\"/>"
		"<TimeZone Bias=\"-60\"/></Recurrence>");
	mf_item *it = good_item(e, 0);
	ev = master(it);
	r = icalproperty_get_rrule(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_true(r.until.is_date);
	assert_time(ev, ICAL_EXDATE_PROPERTY, "20240110", "");
	assert_time(ev, ICAL_DTEND_PROPERTY, "20240104", "");
	assert_null(icalcomponent_get_first_component(it->ical, ICAL_VTIMEZONE_COMPONENT));
	assert_expands(ev, 20, "20240103 20240117");
	assert_restrictions_ok(it);
	g_ptr_array_unref(e);
}

/* ---- damaged and hostile input ---------------------------------------------- */

static void test_truncated(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("truncated/Calendar.mrk");
	assert_int_equal(e->len, 3);
	good_item(e, 0);
	/* ID=2: "R&D" and </Locaton>: recovered, flagged, raw XML kept */
	mfi_mdaemon_entry *bad = entry(e, 1);
	assert_non_null(bad->problem);
	assert_non_null(strstr(bad->problem, "line 13"));
	assert_null(strchr(bad->problem, '\n'));
	assert_time(master(bad->item), ICAL_DTSTART_PROPERTY, "20240306T100000", "");
	assert_non_null(strstr(x_value(master(bad->item), "X-MDAEMON-DAMAGED-XML"), "R&D review"));
	/* ID=3: cut inside the Subject's CDATA */
	bad = entry(e, 2);
	assert_non_null(bad->problem);
	assert_non_null(bad->item);
	assert_string_equal(bad->item->locator, "Calendar.mrk Event ID=3");
	icalcomponent *ev = master(bad->item);
	assert_string_equal(icalcomponent_get_uid(ev), "B1000000000000000000000000000003");
	assert_time(ev, ICAL_DTSTART_PROPERTY, "20240307T100000", "");
	assert_non_null(strstr(x_value(ev, "X-MDAEMON-DAMAGED-XML"), "Cut off in the mid"));
	g_ptr_array_unref(e);
}

/* The fixture cut after a line: inside an event, or between two events. */
static GPtrArray *decode_head(const char *rel, int lines)
{
	char *path = fixture(rel), *data = NULL;
	assert_true(g_file_get_contents(path, &data, NULL, NULL));
	char *p = data;
	for (int i = 0; i < lines && p; i++)
		if ((p = strchr(p, '\n')))
			p++;
	GPtrArray *e = decode_text("Calendar.mrk", data, p ? p - data : -1, TRUE);
	g_free(data);
	g_free(path);
	return e;
}

static void test_cut_between_tags(void **state)
{
	(void)state;
	/* after line 20 (</End> of ID=3): ID=3 has no Subject and no </Event> */
	GPtrArray *e = decode_head("truncated/Calendar.mrk", 20);
	assert_int_equal(e->len, 3);
	assert_non_null(strstr(entry(e, 2)->problem, "Premature end of data in tag Event line 17"));
	g_ptr_array_unref(e);
	/* after line 8 (</Event> of ID=1): the event is whole, the file is not */
	e = decode_head("truncated/Calendar.mrk", 8);
	assert_int_equal(e->len, 2);
	good_item(e, 0);
	assert_null(entry(e, 1)->item);
	assert_non_null(strstr(entry(e, 1)->problem, "outside any item"));
	g_ptr_array_unref(e);
}

static void test_every_truncation(void **state)
{
	(void)state;
	char *path = fixture("Calendar.mrk"), *data = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	for (gsize cut = 0; cut < len; cut += 13) {
		GPtrArray *e = g_ptr_array_new_with_free_func(mfi_mdaemon_entry_free);
		char *dir = g_dir_make_tmp("mdgw-XXXXXX", NULL);
		char *file = g_build_filename(dir, "Calendar.mrk", NULL);
		g_assert_true(g_file_set_contents(file, data, (gssize)cut, NULL));
		GError *error = NULL;
		if (!mfi_mdaemon_groupware_read(file, e, &error)) {
			assert_non_null(error);
			g_clear_error(&error);
		}
		for (guint i = 0; i < e->len; i++) {
			mfi_mdaemon_entry *en = e->pdata[i];
			assert_true(en->item || en->problem);
		}
		g_unlink(file);
		g_rmdir(dir);
		g_free(file);
		g_free(dir);
		g_ptr_array_unref(e);
	}
	g_free(data);
	g_free(path);
}

static void test_hostile(void **state)
{
	(void)state;
	g_ptr_array_unref(decode_text("Calendar.mrk", "", 0, FALSE));
	g_ptr_array_unref(decode_text("Calendar.mrk", "\x01\x02 not xml at all", -1, FALSE));
	/* external entity: never loaded (no network, no file access, no substitution) */
	GPtrArray *e = decode_text("Calendar.mrk",
		"<!DOCTYPE Calendar [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
		"<Calendar><Event ID=\"1\"><Start>2024-01-01 10:00</Start>"
		"<Subject>&x;</Subject></Event></Calendar>", -1, TRUE);
	assert_true(e->len >= 1);
	mfi_mdaemon_entry *en = entry(e, 0);
	const char *summary = icalcomponent_get_summary(master(en->item));
	assert_true(summary == NULL || strstr(summary, "root:") == NULL);
	g_ptr_array_unref(e);
	/* entity expansion bomb: bounded */
	GString *bomb = g_string_new("<!DOCTYPE C [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">");
	for (char c = 'b'; c <= 'k'; c++)
		g_string_append_printf(bomb, "<!ENTITY %c \"&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;\">", c,
		                       c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	g_string_append(bomb, "]><Calendar><Event ID=\"1\"><Start>2024-01-01 10:00</Start>"
	                      "<Subject>&k;</Subject></Event></Calendar>");
	e = decode_text("Calendar.mrk", bomb->str, -1, TRUE);
	for (guint i = 0; i < e->len; i++) {
		en = e->pdata[i];
		if (en->item && en->item->ical) {
			const char *s = icalcomponent_get_summary(master(en->item));
			assert_true(!s || strlen(s) < 1000000);
		}
	}
	g_ptr_array_unref(e);
	g_string_free(bomb, TRUE);
	/* deep nesting, unknown elements, bad values */
	GString *deep = g_string_new("<Calendar><Event ID=\"1\" Priority=\"x\" BusyStatus=\"99\">"
	                             "<Start>2024-13-45 99:99</Start><Deep>");
	for (int i = 0; i < 100; i++)
		g_string_append(deep, "<a>");
	for (int i = 0; i < 100; i++)
		g_string_append(deep, "</a>");
	g_string_append(deep, "</Deep></Event><Garbage>1</Garbage></Calendar>");
	e = decode_text("Calendar.mrk", deep->str, -1, TRUE);
	assert_int_equal(e->len, 2);
	en = entry(e, 0);
	assert_non_null(en->problem); /* the Start is no date */
	assert_non_null(strstr(en->problem, "Start"));
	assert_non_null(x_value(master(en->item), "X-MDAEMON-DEEP"));
	assert_string_equal(x_value(master(en->item), "X-MDAEMON-BUSYSTATUS"), "99");
	en = entry(e, 1); /* <Garbage>: no item, but reported */
	assert_null(en->item);
	assert_non_null(strstr(en->problem, "Garbage"));
	g_ptr_array_unref(e);
	g_string_free(deep, TRUE);
	/* nesting beyond libxml2's limit (256): parsing stops, nothing crashes */
	deep = g_string_new("<Calendar><Event ID=\"1\"><Start>2024-01-01 10:00</Start>");
	for (int i = 0; i < 5000; i++)
		g_string_append(deep, "<a>");
	e = decode_text("Calendar.mrk", deep->str, -1, TRUE);
	assert_int_equal(e->len, 1);
	assert_non_null(entry(e, 0)->problem);
	g_ptr_array_unref(e);
	g_string_free(deep, TRUE);
}

static void test_latin1_and_unknown_recurrence(void **state)
{
	(void)state;
	GPtrArray *e = decode_text("calendar.MRK",
		"<Calendar><Event ID=\"4\"><Start>2024-01-01 10:00</Start><End>2024-01-01 11:00</End>"
		"<Subject>Gr\xf6\xdf" "e</Subject>"
		"<Recurrence Type=\"9\" Interval=\"1\" Mystery=\"42\"><Start>2024-01-01 10:00</Start>"
		"<End>4500-08-31 00:00</End><TimeZone Bias=\"-60\" DaylightBias=\"-60\"/>"
		"</Recurrence></Event></Calendar>", -1, TRUE);
	mf_item *it = good_item(e, 0);
	icalcomponent *ev = master(it);
	assert_string_equal(icalcomponent_get_summary(ev), "Größe"); /* read as Windows-1252 */
	assert_null(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	assert_int_equal(it->repair_tags->len, 1);
	assert_string_equal(it->repair_tags->pdata[0], "MDaemon_RecurrenceUnsupported");
	assert_non_null(x_value(ev, "X-MAILFERRY-RECURRENCE-NOTE"));
	assert_string_equal(x_value(ev, "X-MDAEMON-RECURRENCE-MYSTERY"), "42");
	assert_string_equal(x_value(ev, "X-MDAEMON-TIMEZONE-DAYLIGHTBIAS"), "-60");
	assert_string_equal(it->locator, "calendar.MRK Event ID=4");
	g_ptr_array_unref(e);
	/* UTF-16LE with a byte order mark, as a Windows tool might save it */
	const char *text = "<Calendar><Event ID=\"5\"><Start>2024-01-01 10:00</Start>"
	                   "<Subject>\xc3\x9c" "bung</Subject></Event></Calendar>";
	glong n = 0;
	gunichar2 *u16 = g_utf8_to_utf16(text, -1, NULL, &n, NULL);
	GString *le = g_string_new("\xff\xfe");
	for (glong i = 0; i < n; i++) {
		g_string_append_c(le, (char)(u16[i] & 0xff));
		g_string_append_c(le, (char)(u16[i] >> 8));
	}
	e = decode_text("Calendar.mrk", le->str, (gssize)le->len, TRUE);
	assert_string_equal(icalcomponent_get_summary(master(good_item(e, 0))), "\xc3\x9c" "bung");
	g_ptr_array_unref(e);
	g_string_free(le, TRUE);
	g_free(u16);
}

/* ---- AddrBook.mrk ------------------------------------------------------------ */

static void assert_line(const char *card, const char *line)
{
	char **parts = g_strsplit(card, "\r\n ", -1);
	char *unfolded = g_strjoinv("", parts);
	g_strfreev(parts);
	char *needle = g_strconcat("\r\n", line, "\r\n", NULL);
	if (!strstr(unfolded, needle))
		fail_msg("line %s not in\n%s", line, card);
	g_free(needle);
	g_free(unfolded);
}

static void test_contacts(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("AddrBook.mrk");
	assert_int_equal(e->len, 4);
	mf_item *anna = good_item(e, 0);
	assert_int_equal(anna->kind, MF_KIND_CONTACT);
	assert_string_equal(anna->locator, "AddrBook.mrk Contact ID=1");
	const char *v = anna->vcard;
	assert_true(g_str_has_prefix(v, "BEGIN:VCARD\r\nVERSION:3.0\r\n"));
	assert_true(g_str_has_suffix(v, "END:VCARD\r\n"));
	assert_line(v, "N:Schmidt;Anna;;;");
	assert_line(v, "FN:Anna Schmidt");
	assert_line(v, "ORG:Example GmbH;R&D");
	assert_line(v, "TITLE:Engineer");
	assert_line(v, "EMAIL;TYPE=INTERNET,PREF:anna@example.com");
	assert_line(v, "EMAIL;TYPE=INTERNET:anna.schmidt@example.org");
	assert_line(v, "TEL;TYPE=WORK,VOICE:+49 30 1234567");
	assert_line(v, "TEL;TYPE=CELL,VOICE:+49 170 7654321");
	assert_line(v, "ADR;TYPE=WORK:;;Hauptstraße 5;Berlin;;10115;Germany");
	assert_line(v, "BDAY:1980-07-15");
	assert_line(v, "UID:C1000000-0000-0000-0000-000000000001");
	assert_line(v, "NOTE:Met at the fair.\\nLikes tea\\; not coffee\\, really.");
	assert_line(v, "CATEGORIES:Business,VIP");
	assert_line(v, "X-MDAEMON-CUSTOMERID:C-42");      /* API field without a vCard place */
	assert_line(v, "X-MDAEMON-FAVORITECOLOR:blue");   /* unknown element */
	assert_line(v, "X-MDAEMON-GUID:{0F3C2B10-0000-0000-0000-000000000001}");
	assert_line(v, "REV:2024-01-10T12:00:00Z");
	/* minimal card: N from the display name, derived UID */
	v = good_item(e, 1)->vcard;
	assert_line(v, "N:Bob Builder;;;;");
	assert_line(v, "FN:Bob Builder");
	assert_non_null(strstr(v, "@mdaemon.mailferry"));
	/* no FullName: FN from first and last name */
	v = good_item(e, 2)->vcard;
	assert_line(v, "FN:Jörg Müller");
	assert_line(v, "ADR;TYPE=HOME:;;Seestraße 12;Zürich;;;Schweiz");
	/* the group, as the PST reader writes distribution lists */
	mf_item *group = good_item(e, 3);
	assert_int_equal(group->kind, MF_KIND_DISTLIST);
	assert_int_equal(mfi_vcf_card_kind(group->vcard), MF_KIND_DISTLIST);
	assert_line(group->vcard, "FN:Project team");
	assert_line(group->vcard, "X-ADDRESSBOOKSERVER-KIND:group");
	assert_line(group->vcard, "X-ADDRESSBOOKSERVER-MEMBER;X-CN=\"Bob Builder\":mailto:bob@example.com");
	assert_non_null(strstr(group->vcard, "X-CN=\"Anna Schmidt\""));
	g_ptr_array_unref(e);
}

/* ---- Tasks.mrk, Notes.mrk (assumed shape, see mdaemon-pim.c) -------------------- */

static void test_tasks_notes(void **state)
{
	(void)state;
	GPtrArray *e = decode_fixture("Tasks.mrk");
	assert_int_equal(e->len, 2);
	mf_item *it = good_item(e, 0);
	assert_int_equal(it->kind, MF_KIND_TASK);
	icalcomponent *todo = comp_n(it, ICAL_VTODO_COMPONENT, 0);
	assert_string_equal(icalcomponent_get_summary(todo), "Write report");
	assert_time(todo, ICAL_DTSTART_PROPERTY, "20240301", "");
	assert_time(todo, ICAL_DUE_PROPERTY, "20240315", "");
	assert_int_equal(icalcomponent_get_status(todo), ICAL_STATUS_INPROCESS); /* Status=1 */
	assert_int_equal(icalproperty_get_percentcomplete(icalcomponent_get_first_property(
		todo, ICAL_PERCENTCOMPLETE_PROPERTY)), 40);
	assert_string_equal(x_value(todo, "X-MDAEMON-MILEAGE"), "12 km");
	assert_non_null(icalcomponent_get_first_component(todo, ICAL_VALARM_COMPONENT));
	assert_restrictions_ok(it);
	todo = comp_n(good_item(e, 1), ICAL_VTODO_COMPONENT, 0);
	assert_int_equal(icalcomponent_get_status(todo), ICAL_STATUS_COMPLETED);
	assert_time(todo, ICAL_COMPLETED_PROPERTY, "20240130T150000Z", "");
	g_ptr_array_unref(e);
	e = decode_fixture("Notes.mrk");
	it = good_item(e, 0);
	assert_int_equal(it->kind, MF_KIND_NOTE);
	icalcomponent *j = comp_n(it, ICAL_VJOURNAL_COMPONENT, 0);
	assert_string_equal(icalcomponent_get_summary(j), "Call the plumber");
	assert_string_equal(icalcomponent_get_description(j),
	                    "Call the plumber\nNumber is in the phone.");
	assert_string_equal(x_value(j, "X-OUTLOOK-NOTE-COLOR"), "YELLOW"); /* Color=3 */
	assert_string_equal(x_value(j, "X-MDAEMON-WIDTH"), "200");
	assert_restrictions_ok(it);
	g_ptr_array_unref(e);
}

int main(void)
{
	g_mime_init();
	icalerror_set_errors_are_fatal(0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_meeting_with_planner),
		cmocka_unit_test(test_meeting_without_planner),
		cmocka_unit_test(test_weekly_with_exceptions),
		cmocka_unit_test(test_yearly_and_monthly),
		cmocka_unit_test(test_all_day),
		cmocka_unit_test(test_reminder_categories_text),
		cmocka_unit_test(test_recurrence_forms),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cut_between_tags),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_latin1_and_unknown_recurrence),
		cmocka_unit_test(test_contacts),
		cmocka_unit_test(test_tasks_notes),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
