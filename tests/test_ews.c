/* Unit tests for the ews writer's pure parts: RRULE -> EWS recurrence
 * patterns (ews.md §3.3), well-known folder names, the IANA -> Windows zone
 * lookup, one whole CalendarItem fragment in schema order, and the files
 * attached to items (ATTACH, contact PHOTO) for CreateAttachment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "../formats/ews/ews.h"
#include "mailferry/windows-zones.h"

/* The t:Recurrence XML for RRULE text from DTSTART text, or NULL. */
static char *recurrence(const char *rrule, const char *dtstart)
{
	icalproperty *p = icalproperty_new_from_string(rrule);
	assert_non_null(p);
	icaltimetype start = icaltime_from_string(dtstart);
	mfi_ews_doc doc;
	assert_true(mfi_ews_doc_begin(&doc, TRUE));
	gboolean ok = mfi_ews_recurrence(doc.w, p, start);
	char *xml = mfi_ews_doc_end(&doc, NULL);
	icalproperty_free(p);
	if (!ok) {
		assert_int_equal(strlen(xml), 0);
		g_free(xml);
		return NULL;
	}
	/* one line, no indentation, for easy comparison */
	GString *flat = g_string_new(NULL);
	char **lines = g_strsplit(xml, "\n", -1);
	for (char **x = lines; *x; x++)
		g_string_append(flat, g_strstrip(*x));
	g_strfreev(lines);
	g_free(xml);
	return g_string_free(flat, FALSE);
}

static void expect(const char *rrule, const char *dtstart, const char *want)
{
	char *got = recurrence(rrule, dtstart);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	if (!strstr(got, want))
		fail_msg("%s: got %s, want %s", rrule, got, want);
	g_free(got);
}

static void test_relative_monthly(void **state)
{
	(void)state;
	expect("RRULE:FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1;COUNT=6", "20250104T090000",
	       "<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>WeekendDay"
	       "</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex>"
	       "</t:RelativeMonthlyRecurrence><t:NumberedRecurrence><t:StartDate>2025-01-04"
	       "</t:StartDate><t:NumberOfOccurrences>6</t:NumberOfOccurrences>");
	expect("RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "20250131T090000",
	       "<t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex>");
	expect("RRULE:FREQ=MONTHLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYSETPOS=2", "20250102T090000",
	       "<t:DaysOfWeek>Day</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex>");
	expect("RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR", "20250131T090000",
	       "<t:Interval>2</t:Interval><t:DaysOfWeek>Friday</t:DaysOfWeek>"
	       "<t:DayOfWeekIndex>Last</t:DayOfWeekIndex>");
	expect("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1", "20250131T090000",
	       "<t:DaysOfWeek>Day</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex>");
	/* not expressible in EWS */
	expect("RRULE:FREQ=MONTHLY;BYDAY=TU,WE,TH;BYSETPOS=3", "20250102T090000", NULL);
	expect("RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "20250102T090000", NULL);
	expect("RRULE:FREQ=MONTHLY;BYDAY=1MO,3MO", "20250106T090000", NULL);
}

static void test_absolute_and_others(void **state)
{
	(void)state;
	expect("RRULE:FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20251231T235959Z", "20250115T090000",
	       "<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>15</t:DayOfMonth>"
	       "</t:AbsoluteMonthlyRecurrence><t:EndDateRecurrence><t:StartDate>2025-01-15</t:StartDate>"
	       "<t:EndDate>2025-12-31</t:EndDate>");
	expect("RRULE:FREQ=YEARLY", "20250317T090000",
	       "<t:AbsoluteYearlyRecurrence><t:DayOfMonth>17</t:DayOfMonth><t:Month>March</t:Month>"
	       "</t:AbsoluteYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2025-03-17");
	expect("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "20251026T020000",
	       "<t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>Last"
	       "</t:DayOfWeekIndex><t:Month>October</t:Month>");
	expect("RRULE:FREQ=MONTHLY;BYMONTH=4;BYDAY=1SU", "20250406T020000",
	       "<t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>First");
	expect("RRULE:FREQ=YEARLY;INTERVAL=2", "20250317T090000",
	       "<t:AbsoluteMonthlyRecurrence><t:Interval>24</t:Interval><t:DayOfMonth>17</t:DayOfMonth>");
	expect("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE", "20250106T090000",
	       "<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Monday Wednesday"
	       "</t:DaysOfWeek></t:WeeklyRecurrence>");
	expect("RRULE:FREQ=WEEKLY", "20250108T090000", "<t:DaysOfWeek>Wednesday</t:DaysOfWeek>");
	expect("RRULE:FREQ=DAILY;INTERVAL=3;COUNT=4", "20250108T090000",
	       "<t:DailyRecurrence><t:Interval>3</t:Interval></t:DailyRecurrence>");
	expect("RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "20250108T090000",
	       "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Tuesday Wednesday "
	       "Thursday Friday</t:DaysOfWeek>");
	expect("RRULE:FREQ=DAILY;BYHOUR=9,17", "20250108T090000", NULL);
	expect("RRULE:FREQ=HOURLY", "20250108T090000", NULL);
	/* months of another calendar (RFC 7529): EWS would read them as Gregorian */
	expect("RRULE:RSCALE=ISLAMIC-CIVIL;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1", "20250301T090000",
	       NULL);
	expect("RRULE:RSCALE=HEBREW;FREQ=MONTHLY;BYMONTHDAY=-1", "20250131T090000", NULL);
	expect("RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;BYMONTHDAY=-1", "20250131T090000",
	       "<t:DayOfWeekIndex>Last</t:DayOfWeekIndex>");
}

static void test_folders_and_zones(void **state)
{
	(void)state;
	assert_string_equal(mfi_ews_well_known("Gesendete Objekte"), "sentitems");
	assert_string_equal(mfi_ews_well_known("BOÎTE DE RÉCEPTION"), "inbox");
	assert_string_equal(mfi_ews_well_known("Elementos eliminados"), "deleteditems");
	assert_string_equal(mfi_ews_well_known("Junk E-mail"), "junkemail");
	assert_string_equal(mfi_ews_well_known("Kalender"), "calendar");
	assert_null(mfi_ews_well_known("Projects"));
	assert_int_equal(mfi_ews_well_known_family("contacts"), MFI_EWS_CONTACTS);
	assert_string_equal(mf_windows_zone_from_iana("Europe/Berlin"), "W. Europe Standard Time");
	assert_string_equal(mf_windows_zone_from_iana("America/New_York"), "Eastern Standard Time");
	assert_null(mf_windows_zone_from_iana("Europe/Vienna")); /* not a golden zone */
	assert_null(mf_windows_zone_from_iana("Nowhere/Else"));
}

static mf_item *event(const char *ics)
{
	mf_item *item = mf_item_new(MF_KIND_EVENT, "t.ics", "VCALENDAR 1");
	item->ical = icalparser_parse_string(ics);
	assert_non_null(item->ical);
	return item;
}

static char *fragment(mf_item *item, const char *mailbox)
{
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, TRUE);
	assert_true(mfi_ews_write_calendar(doc.w, item, mailbox, NULL));
	return mfi_ews_doc_end(&doc, NULL);
}

static void assert_order(const char *xml, const char *const *names)
{
	const char *at = xml;
	for (const char *const *n = names; *n; n++) {
		const char *p = strstr(at, *n);
		if (!p)
			fail_msg("%s missing or out of order in %s", *n, xml);
		at = p;
	}
}

static void test_calendar_item(void **state)
{
	(void)state;
	mf_item *item = event(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
		"BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20250101T000000Z\r\n"
		"DTSTART;TZID=Europe/Berlin:20250104T090000\r\nDTEND;TZID=Europe/Berlin:20250104T100000\r\n"
		"SUMMARY:Handover\r\nLOCATION:Room 2\r\nCATEGORIES:On-call\r\nPRIORITY:1\r\n"
		"ORGANIZER;CN=Bob:mailto:bob@example.com\r\n"
		"ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@example.org\r\n"
		"ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:carol@example.net\r\n"
		"RRULE:FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1;COUNT=6\r\n"
		"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\n"
		"END:VEVENT\r\nEND:VCALENDAR\r\n");
	mf_item_add_repair_tag(item, "Items_MissingUID");
	char *xml = fragment(item, "BOB@example.com");
	static const char *const order[] = { "<t:Subject>Handover", "<t:Categories>", "On-call",
		"Items_MissingUID", "<t:Importance>High", "<t:ReminderIsSet>true",
		"<t:ReminderMinutesBeforeStart>30", "<t:UID>u1", "<t:Start>2025-01-04T08:00:00Z",
		"<t:End>2025-01-04T09:00:00Z", "<t:IsAllDayEvent>false", "<t:LegacyFreeBusyStatus>Busy",
		"<t:Location>Room 2", "<t:RequiredAttendees>", "alice@example.org",
		"<t:ResponseType>Accept", "<t:OptionalAttendees>", "carol@example.net",
		"<t:Recurrence>", "WeekendDay", "<t:StartTimeZone Id=\"W. Europe Standard Time\"",
		"<t:EndTimeZone", NULL };
	assert_order(xml, order);
	g_free(xml);
	/* another mailbox: an appointment with organizer and attendees in the body */
	xml = fragment(item, "alice@example.org");
	assert_null(strstr(xml, "Attendees>"));
	assert_non_null(strstr(xml, "Organizer: Bob"));
	assert_non_null(strstr(xml, "Attendee: Alice"));
	g_free(xml);
	mf_item_free(item);
}

static char *attachment_xml(const mfi_ews_attachment *a, gboolean photo_ok)
{
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, TRUE);
	mfi_ews_write_attachment(doc.w, a, photo_ok);
	return mfi_ews_doc_end(&doc, NULL);
}

static void assert_bytes(const mfi_ews_attachment *a, const char *want)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(a->data, &len);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
}

/* ATTACH of an event: inline files (an e-mail as an ItemAttachment), a URI
 * kept as a link, a modified occurrence's copy skipped and its own file kept. */
static void test_attachments(void **state)
{
	(void)state;
	mf_item *item = event(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
		"BEGIN:VEVENT\r\nUID:a1\r\nDTSTART:20250104T090000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
		"ATTACH;VALUE=BINARY;ENCODING=BASE64;FMTTYPE=text/plain;X-FILENAME=a.txt:aGVsbG8=\r\n"
		"ATTACH;VALUE=BINARY;ENCODING=BASE64;FMTTYPE=message/rfc822:U3ViamVjdDogeA0KDQp5\r\n"
		"ATTACH;FMTTYPE=application/pdf:https://example.org/x.pdf\r\n"
		"END:VEVENT\r\nBEGIN:VEVENT\r\nUID:a1\r\nRECURRENCE-ID:20250105T090000Z\r\n"
		"DTSTART:20250105T100000Z\r\n"
		"ATTACH;VALUE=BINARY;ENCODING=BASE64;X-FILENAME=copy.txt:aGVsbG8=\r\n"
		"ATTACH;VALUE=BINARY;ENCODING=BASE64;X-FILENAME=own.bin:b3du\r\n"
		"END:VEVENT\r\nEND:VCALENDAR\r\n");
	GPtrArray *atts = mfi_ews_attachments(item);
	assert_int_equal(atts->len, 3);
	const mfi_ews_attachment *a = atts->pdata[0], *m = atts->pdata[1], *o = atts->pdata[2];
	assert_string_equal(a->name, "a.txt");
	assert_bytes(a, "hello");
	assert_true(m->message);
	assert_string_equal(m->name, "attachment-2.eml");
	assert_bytes(m, "Subject: x\r\n\r\ny");
	assert_string_equal(o->name, "own.bin");
	assert_string_equal(o->type, "application/octet-stream");
	assert_true(o->from_override && !a->from_override);
	char *xml = attachment_xml(a, TRUE);
	static const char *const file[] = { "<t:FileAttachment>", "<t:Name>a.txt",
		"<t:ContentType>text/plain", "<t:Content>aGVsbG8=</t:Content>", NULL };
	assert_order(xml, file);
	g_free(xml);
	xml = attachment_xml(m, TRUE);
	static const char *const msg[] = { "<t:ItemAttachment>", "<t:Name>attachment-2</t:Name>",
		"<t:Message>", "<t:MimeContent CharacterSet=\"UTF-8\">U3ViamVjdDogeA0KDQp5", NULL };
	assert_order(xml, msg);
	g_free(xml);
	GString *body = g_string_new("Text");
	GPtrArray *links = g_ptr_array_new_with_free_func(g_free);
	mfi_ews_attach_links(body, item, links);
	assert_string_equal(body->str, "Text\nAttachment (link): https://example.org/x.pdf");
	assert_int_equal(links->len, 1);
	g_ptr_array_unref(links);
	g_string_free(body, TRUE);
	g_ptr_array_unref(atts);
	mf_item_free(item);
}

/* A contact's inline PHOTO (vCard 2.1 and 4 forms) is its contact photo. */
static void test_contact_photo(void **state)
{
	(void)state;
	static const char *const cards[] = {
		"BEGIN:VCARD\r\nVERSION:2.1\r\nN:X;Y\r\nPHOTO;ENCODING=BASE64;PNG:aGVsbG8=\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Y\r\nPHOTO:data:image/png;base64,aGVsbG8=\r\nEND:VCARD\r\n",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cards); i++) {
		mf_item *item = mf_item_new(MF_KIND_CONTACT, "t.vcf", "card 1");
		item->vcard = g_strdup(cards[i]);
		GPtrArray *atts = mfi_ews_attachments(item);
		assert_int_equal(atts->len, 1);
		const mfi_ews_attachment *a = atts->pdata[0];
		assert_true(a->photo);
		assert_string_equal(a->type, "image/png");
		assert_bytes(a, "hello");
		char *xml = attachment_xml(a, TRUE);
		static const char *const order[] = { "<t:Name>ContactPicture.jpg", "<t:ContentType>",
			"<t:IsContactPhoto>true", "<t:Content>aGVsbG8=", NULL };
		assert_order(xml, order);
		g_free(xml);
		xml = attachment_xml(a, FALSE);
		assert_null(strstr(xml, "IsContactPhoto"));
		g_free(xml);
		g_ptr_array_unref(atts);
		mf_item_free(item);
	}
	assert_false(mfi_ews_version_has_photo("Exchange2010_SP1"));
	assert_true(mfi_ews_version_has_photo("Exchange2010_SP2"));
	assert_true(mfi_ews_version_has_photo("V2017_07_11"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_monthly),
		cmocka_unit_test(test_absolute_and_others),
		cmocka_unit_test(test_folders_and_zones),
		cmocka_unit_test(test_calendar_item),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_contact_photo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
