/* CalendarServer dump reader (formats/calendarserver/): COPY text unescaping
 * and header parsing (PostgreSQL docs, COPY "Text Format"), ustar member
 * reading, line reading in a region, per-user data (formats.md A.7), address
 * and artefact clean-up (A.8, A.9, Part B), attachment paths (A.10), and the
 * whole reader on the synthetic dump sample and on hostile input. Expected
 * values come from those specifications, not from the program's output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../formats/calendarserver/calendarserver.h"

extern const mf_reader_driver mf_calendarserver_reader;

static char *unescape(const char *field)
{
	return mfc_copy_unescape(field, strlen(field), NULL);
}

static void test_unescape(void **state)
{
	(void)state;
	struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "a\\\\b", "a\\b" },
		{ "\\n\\r\\t\\b\\f\\v", "\n\r\t\b\f\v" },
		{ "\\101\\60\\7", "A0\a" },   /* octal, 1-3 digits */
		{ "\\1012", "A2" },           /* at most three octal digits */
		{ "\\x41\\x4g", "A\x04g" },   /* hex, 1-2 digits */
		{ "\\q\\.", "q." },           /* any other character stands for itself */
		{ "\\\\N", "\\N" },           /* data "\N" is written \\N */
		{ "x\\N", "xN" },             /* \N is NULL only as the whole field */
		{ "Planning\\\\, Q2\\r\\n", "Planning\\, Q2\r\n" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = unescape(cases[i].in);
		assert_string_equal(got, cases[i].out);
		g_free(got);
	}
	assert_null(unescape("\\N"));
	gsize len = 0;
	char *nul = mfc_copy_unescape("a\\0b", 4, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(nul, "a\0b", 3);
	g_free(nul);
}

static void test_split_row(void **state)
{
	(void)state;
	const char *line = "5\t3\tA\\tB\t\\N\t";
	GPtrArray *row = mfc_copy_split_row(line, strlen(line));
	assert_int_equal(row->len, 5);
	assert_string_equal(row->pdata[0], "5");
	assert_string_equal(row->pdata[2], "A\tB");
	assert_null(row->pdata[3]);
	assert_string_equal(row->pdata[4], "");
	char *cols[] = { "resource_id", "calendar_resource_id", "resource_name", "dropbox_id",
	                 "md5", NULL };
	assert_string_equal(mfc_row_get(row, cols, "resource_name"), "A\tB");
	assert_null(mfc_row_get(row, cols, "dropbox_id"));
	assert_null(mfc_row_get(row, cols, "trashed")); /* a column the schema lacks */
	g_ptr_array_unref(row);
}

static void test_header(void **state)
{
	(void)state;
	char *table, **cols, *from;
	assert_true(mfc_copy_parse_header("COPY public.calendar_object (resource_id, "
	                                  "\"Odd \"\"Name\"\"\", ICALENDAR_TEXT) FROM stdin;",
	                                  &table, &cols, &from));
	assert_string_equal(table, "calendar_object");
	assert_int_equal(g_strv_length(cols), 3);
	assert_string_equal(cols[1], "Odd \"Name\"");
	assert_string_equal(cols[2], "icalendar_text"); /* unquoted names fold to lower case */
	assert_null(from);
	g_free(table), g_strfreev(cols);

	assert_true(mfc_copy_parse_header("COPY calendar_home (resource_id, owner_uid) FROM stdin;",
	                                  &table, &cols, &from));
	assert_string_equal(table, "calendar_home");
	assert_int_equal(mfc_column(cols, "owner_uid"), 1);
	assert_int_equal(mfc_column(cols, "status"), -1);
	g_free(table), g_strfreev(cols);

	assert_true(mfc_copy_parse_header("COPY public.calendar_bind (calendar_home_resource_id) "
	                                  "FROM '$$PATH$$/3421.dat';", &table, &cols, &from));
	assert_string_equal(from, "3421.dat");
	g_free(table), g_strfreev(cols), g_free(from);

	assert_false(mfc_copy_parse_header("SET client_encoding = 'UTF8';", &table, &cols, &from));
	assert_false(mfc_copy_parse_header("COPY t FROM stdin;", &table, &cols, &from));
	assert_false(mfc_copy_parse_header("COPY t (a, b FROM stdin;", &table, &cols, &from));
	assert_false(mfc_copy_parse_header("COPY t (a) TO stdout;", &table, &cols, &from));
	assert_null(table);
}

/* One ustar header block: name, size in octal (or base-256), type '0'. */
static void tar_header(guint8 *h, const char *name, guint64 size, gboolean base256)
{
	memset(h, 0, 512);
	strcpy((char *)h, name);
	if (base256) {
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (guint8)(size >> (8 * i));
	} else {
		g_snprintf((char *)h + 124, 12, "%011" G_GINT64_MODIFIER "o", size);
	}
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
}

static char *write_tar(void)
{
	GByteArray *a = g_byte_array_new();
	guint8 h[512], pad[512] = { 0 };
	tar_header(h, "toc.dat", 5, FALSE);
	g_byte_array_append(a, h, 512);
	g_byte_array_append(a, (const guint8 *)"PGDMP", 5);
	g_byte_array_append(a, pad, 512 - 5);
	tar_header(h, "3001.dat", 600, TRUE);
	g_byte_array_append(a, h, 512);
	for (int i = 0; i < 600; i++)
		g_byte_array_append(a, (const guint8 *)"x", 1);
	g_byte_array_append(a, pad, 1024 - 600);
	g_byte_array_append(a, pad, 512);
	g_byte_array_append(a, pad, 512);
	char *path = NULL;
	int fd = g_file_open_tmp("mfc-tar-XXXXXX", &path, NULL);
	assert_true(fd >= 0);
	assert_true(write(fd, a->data, a->len) == (gssize)a->len);
	close(fd);
	assert_true(mfc_tar_is_pgdump(a->data, a->len));
	g_byte_array_unref(a);
	return path;
}

static void test_tar(void **state)
{
	(void)state;
	char *path = write_tar();
	gzFile gz = gzopen(path, "rb");
	GError *error = NULL;
	GPtrArray *m = mfc_tar_list(gz, path, &error);
	assert_non_null(m);
	assert_int_equal(m->len, 2);
	mfc_tar_member *toc = m->pdata[0], *dat = m->pdata[1];
	assert_string_equal(toc->name, "toc.dat");
	assert_int_equal(toc->offset, 512);
	assert_int_equal(toc->size, 5);
	assert_string_equal(dat->name, "3001.dat");
	assert_int_equal(dat->offset, 512 + 512 + 512); /* toc header + padded data + header */
	assert_int_equal(dat->size, 600);
	g_ptr_array_unref(m);
	gzclose(gz);
	/* not a tar archive */
	g_file_set_contents(path, "COPY x (a) FROM stdin;\n", -1, NULL);
	gz = gzopen(path, "rb");
	assert_null(mfc_tar_list(gz, path, &error));
	assert_non_null(error);
	g_clear_error(&error);
	gzclose(gz);
	g_unlink(path);
	g_free(path);
}

static void test_region_lines(void **state)
{
	(void)state;
	GString *text = g_string_new("first\r\n");
	for (int i = 0; i < 100000; i++)
		g_string_append_c(text, 'a' + i % 26); /* longer than the read buffer */
	g_string_append(text, "\nthird\nbeyond\n");
	char *path = NULL;
	int fd = g_file_open_tmp("mfc-region-XXXXXX", &path, NULL);
	assert_true(write(fd, text->str, text->len) == (gssize)text->len);
	close(fd);
	gzFile gz = gzopen(path, "rb");
	mfc_region r;
	GString *line = g_string_new(NULL);
	mfc_region_open(&r, gz, 0, text->len - strlen("beyond\n"));
	assert_true(mfc_region_line(&r, line));
	assert_string_equal(line->str, "first"); /* CR before LF dropped */
	assert_true(mfc_region_line(&r, line));
	assert_int_equal(line->len, 100000);
	assert_true(mfc_region_line(&r, line));
	assert_string_equal(line->str, "third");
	assert_false(mfc_region_line(&r, line)); /* the region ends before "beyond" */
	mfc_region_close(&r);
	gzclose(gz);
	g_unlink(path);
	g_free(path);
	g_string_free(line, TRUE);
	g_string_free(text, TRUE);
}

/* samples/ccs_peruser_two_users.ics (CalendarServer's test_peruserdata.py). */
static const char *two_users =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CALENDARSERVER.ORG//NONSGML Version 1//EN\r\n"
	"BEGIN:VEVENT\r\nUID:12345-67890\r\nDTSTART:20080601T120000Z\r\nDTEND:20080601T130000Z\r\n"
	"ATTENDEE:mailto:user1@example.com\r\nATTENDEE:mailto:user2@example.com\r\n"
	"DTSTAMP:20080601T120000Z\r\nORGANIZER;CN=User 01:mailto:user1@example.com\r\nEND:VEVENT\r\n"
	"BEGIN:X-CALENDARSERVER-PERUSER\r\nUID:12345-67890\r\nX-CALENDARSERVER-PERUSER-UID:user01\r\n"
	"BEGIN:X-CALENDARSERVER-PERINSTANCE\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Test01\r\n"
	"TRIGGER;RELATED=START:-PT10M\r\nEND:VALARM\r\nTRANSP:OPAQUE\r\n"
	"END:X-CALENDARSERVER-PERINSTANCE\r\nEND:X-CALENDARSERVER-PERUSER\r\n"
	"BEGIN:X-CALENDARSERVER-PERUSER\r\nUID:12345-67890\r\nX-CALENDARSERVER-PERUSER-UID:user02\r\n"
	"BEGIN:X-CALENDARSERVER-PERINSTANCE\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Test02\r\n"
	"TRIGGER;RELATED=START:-PT10M\r\nEND:VALARM\r\nTRANSP:TRANSPARENT\r\n"
	"END:X-CALENDARSERVER-PERINSTANCE\r\nEND:X-CALENDARSERVER-PERUSER\r\nEND:VCALENDAR\r\n";

static const char *alarm_text(icalcomponent *ev)
{
	icalcomponent *a = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT);
	assert_non_null(a);
	assert_null(icalcomponent_get_next_component(ev, ICAL_VALARM_COMPONENT));
	return icalcomponent_get_description(a);
}

static void test_peruser_two_users(void **state)
{
	(void)state;
	const char *owners[] = { "user01", "USER02" }; /* UID case does not matter */
	const char *alarms[] = { "Test01", "Test02" };
	icalproperty_transp transp[] = { ICAL_TRANSP_OPAQUE, ICAL_TRANSP_TRANSPARENT };
	for (int i = 0; i < 2; i++) {
		icalcomponent *cal = icalparser_parse_string(two_users);
		mfc_peruser_apply(cal, owners[i]);
		assert_null(icalcomponent_get_first_component(cal, ICAL_X_COMPONENT));
		icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
		assert_string_equal(alarm_text(ev), alarms[i]);
		icalproperty *t = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
		assert_non_null(t);
		assert_int_equal(icalproperty_get_transp(t), transp[i]);
		icalcomponent_free(cal);
	}
	/* a user with no per-user data: nobody's alarms, no TRANSP on a timed event */
	icalcomponent *cal = icalparser_parse_string(two_users);
	mfc_peruser_apply(cal, "user03");
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_null(icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT));
	assert_null(icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY));
	assert_null(icalcomponent_get_first_component(cal, ICAL_X_COMPONENT));
	icalcomponent_free(cal);
}

static void test_peruser_all_day_default(void **state)
{
	(void)state;
	icalcomponent *cal = icalparser_parse_string(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20160301\r\n"
		"DTSTAMP:20160220T120000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	mfc_peruser_apply(cal, "user01");
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	icalproperty *t = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
	assert_non_null(t);
	assert_int_equal(icalproperty_get_transp(t), ICAL_TRANSP_TRANSPARENT);
	icalcomponent_free(cal);
}

/* A PERINSTANCE for an instance without an override derives one from the
 * master; an override without its own PERINSTANCE gets the master's; a
 * hidden override becomes an EXDATE. */
static void test_peruser_instances(void **state)
{
	(void)state;
	icalcomponent *cal = icalparser_parse_string(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
		"BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20160301T090000Z\r\nDTEND:20160301T100000Z\r\n"
		"DTSTAMP:20160220T120000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Daily\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:r\r\nRECURRENCE-ID:20160302T090000Z\r\nDTSTART:20160302T110000Z\r\n"
		"DTEND:20160302T120000Z\r\nDTSTAMP:20160220T120000Z\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:r\r\nRECURRENCE-ID:20160304T090000Z\r\nDTSTART:20160304T090000Z\r\n"
		"DTEND:20160304T100000Z\r\nDTSTAMP:20160220T120000Z\r\n"
		"X-CALENDARSERVER-HIDDEN-INSTANCE:T\r\nEND:VEVENT\r\n"
		"BEGIN:X-CALENDARSERVER-PERUSER\r\nUID:r\r\nX-CALENDARSERVER-PERUSER-UID:user01\r\n"
		"BEGIN:X-CALENDARSERVER-PERINSTANCE\r\nTRANSP:TRANSPARENT\r\nEND:X-CALENDARSERVER-PERINSTANCE\r\n"
		"BEGIN:X-CALENDARSERVER-PERINSTANCE\r\nRECURRENCE-ID:20160303T090000Z\r\n"
		"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Third\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
		"END:X-CALENDARSERVER-PERINSTANCE\r\nEND:X-CALENDARSERVER-PERUSER\r\nEND:VCALENDAR\r\n");
	mfc_peruser_apply(cal, "user01");
	int n = 0;
	gboolean derived = FALSE, moved = FALSE;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), n++) {
		icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
		const char *key = rid ? icaltime_as_ical_string(icalproperty_get_recurrenceid(rid)) : "";
		if (strcmp(key, "20160303T090000Z") == 0) {
			derived = TRUE;
			assert_string_equal(icaltime_as_ical_string(icalcomponent_get_dtstart(c)), "20160303T090000Z");
			assert_string_equal(icaltime_as_ical_string(icalcomponent_get_dtend(c)), "20160303T100000Z");
			assert_string_equal(alarm_text(c), "Third");
			assert_null(icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY));
		} else if (strcmp(key, "20160302T090000Z") == 0) {
			moved = TRUE;
			icalproperty *t = icalcomponent_get_first_property(c, ICAL_TRANSP_PROPERTY);
			assert_non_null(t); /* the master PERINSTANCE */
			assert_int_equal(icalproperty_get_transp(t), ICAL_TRANSP_TRANSPARENT);
		} else {
			assert_string_equal(key, ""); /* the hidden 4th instance is gone */
			icalproperty *ex = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY);
			assert_non_null(ex);
			assert_string_equal(icaltime_as_ical_string(icalproperty_get_exdate(ex)), "20160304T090000Z");
		}
	}
	assert_int_equal(n, 3);
	assert_true(derived && moved);
	icalcomponent_free(cal);
}

/* Per-user values libical does not know by name survive the merge (RFC 5545
 * allows x-name values for TRANSP... and ACTION). */
static void test_peruser_keeps_values(void **state)
{
	(void)state;
	icalcomponent *cal = icalparser_parse_string(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:k\r\nDTSTART:20160301T090000Z\r\n"
		"DTSTAMP:20160220T120000Z\r\nEND:VEVENT\r\n"
		"BEGIN:X-CALENDARSERVER-PERUSER\r\nUID:k\r\nX-CALENDARSERVER-PERUSER-UID:u\r\n"
		"BEGIN:X-CALENDARSERVER-PERINSTANCE\r\nTRANSP:X-SOMETIMES\r\n"
		"BEGIN:VALARM\r\nACTION:X-BUZZ\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
		"END:X-CALENDARSERVER-PERINSTANCE\r\nEND:X-CALENDARSERVER-PERUSER\r\nEND:VCALENDAR\r\n");
	mfc_peruser_apply(cal, "u");
	char *text = icalcomponent_as_ical_string_r(cal);
	assert_non_null(strstr(text, "TRANSP:X-SOMETIMES\r\n"));
	assert_non_null(strstr(text, "ACTION:X-BUZZ\r\n"));
	free(text);
	icalcomponent_free(cal);
}

static void test_clean(void **state)
{
	(void)state;
	icalcomponent *cal = icalparser_parse_string(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-CALENDARSERVER-ACCESS:RESTRICTED\r\n"
		"BEGIN:VEVENT\r\nUID:m\r\nDTSTART;TZID=Europe/Berlin:20160301T090000\r\n"
		"DTSTAMP:20160220T120000Z\r\nDESCRIPTION:Agenda\r\n"
		"ORGANIZER;CN=Alice;EMAIL=alice@example.com:urn:x-uid:u1\r\n"
		"ATTENDEE;CN=Bob;EMAIL=bob@example.com;X-CALENDARSERVER-DTSTAMP=20160220T120000Z:urn:uuid:u2\r\n"
		"ATTENDEE;CN=Carol:urn:x-uid:u3\r\n"
		"X-CALENDARSERVER-ATTENDEE-COMMENT;X-CALENDARSERVER-ATTENDEE-REF=\"urn:uuid:u2\";"
		"X-CALENDARSERVER-DTSTAMP=20160225T080000Z:Late\\, sorry\r\n"
		"X-CALENDARSERVER-ATTENDEE-COMMENT;X-CALENDARSERVER-ATTENDEE-REF=\"urn:x-uid:u3\":\r\n"
		"END:VEVENT\r\nEND:VCALENDAR\r\n");
	mfc_clean_calendar(cal);
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
	assert_string_equal(icalproperty_get_organizer(org), "mailto:alice@example.com");
	assert_null(icalproperty_get_first_parameter(org, ICAL_X_PARAMETER));
	icalproperty *att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(icalproperty_get_attendee(att), "mailto:bob@example.com");
	assert_null(icalproperty_get_parameter_as_string(att, "X-CALENDARSERVER-DTSTAMP"));
	att = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY);
	assert_string_equal(icalproperty_get_attendee(att), "urn:x-uid:u3"); /* no EMAIL: for --map */
	assert_string_equal(icalcomponent_get_description(ev), "Agenda\n\nComment from Bob: Late, sorry");
	assert_null(icalcomponent_get_first_property(ev, ICAL_X_PROPERTY));
	assert_null(icalcomponent_get_first_property(cal, ICAL_X_PROPERTY));
	icalproperty *cls = icalcomponent_get_first_property(ev, ICAL_CLASS_PROPERTY);
	assert_non_null(cls);
	assert_int_equal(icalproperty_get_class(cls), ICAL_CLASS_CONFIDENTIAL);
	icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	assert_non_null(vtz);
	assert_string_equal(icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)),
	                    "Europe/Berlin");
	icalcomponent_free(cal);
}

/* Three comments after two attendees: each comment's lookup of its attendee
 * walks the same component's properties; every comment must still arrive, in
 * order, and none stay behind as an X- property. */
static void test_clean_many_comments(void **state)
{
	(void)state;
	icalcomponent *cal = icalparser_parse_string(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:c\r\n"
		"DTSTART:20160301T090000Z\r\nDTSTAMP:20160220T120000Z\r\n"
		"ATTENDEE;CN=Ann:mailto:ann@example.com\r\nATTENDEE;CN=Bob:mailto:bob@example.com\r\n"
		"X-CALENDARSERVER-ATTENDEE-COMMENT;X-CALENDARSERVER-ATTENDEE-REF=\"mailto:ann@example.com\":One\r\n"
		"X-CALENDARSERVER-ATTENDEE-COMMENT;X-CALENDARSERVER-ATTENDEE-REF=\"mailto:bob@example.com\":Two\r\n"
		"X-CALENDARSERVER-ATTENDEE-COMMENT;X-CALENDARSERVER-ATTENDEE-REF=\"mailto:ann@example.com\":Three\r\n"
		"END:VEVENT\r\nEND:VCALENDAR\r\n");
	mfc_clean_calendar(cal);
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_string_equal(icalcomponent_get_description(ev),
	                    "Comment from Ann: One\n\nComment from Bob: Two\n\nComment from Ann: Three");
	assert_null(icalcomponent_get_first_property(ev, ICAL_X_PROPERTY));
	icalcomponent_free(cal);
}

static void test_attachment_paths(void **state)
{
	(void)state;
	/* md5("1") = c4ca4238a0b923820dcc509a6f75849b (RFC 1321 test suite style value) */
	mfc_attachment managed = { 1, ".", "notes.txt", NULL };
	char *p = mfc_attach_file("/store", &managed);
	assert_string_equal(p, "/store/c4/ca/c4ca4238a0b923820dcc509a6f75849b");
	g_free(p);
	mfc_attachment evil = { 0, "x.dropbox", "../../etc/passwd", NULL };
	assert_null(mfc_attach_file("/store", &evil));
	mfc_attachment dot = { 0, "x.dropbox", "..", NULL };
	assert_null(mfc_attach_file("/store", &dot));
}

static char *sample_path(void)
{
	/* ctest sets MF_CORPUS=../shared/corpus; the samples are beside it */
	const char *corpus = g_getenv("MF_CORPUS");
	return g_build_filename(corpus ? corpus : "../shared/corpus", "..", "docs", "samples",
	                        "calendarserver_v66_pgdump_data_synthetic.sql", NULL);
}

static void test_reader_sample(void **state)
{
	(void)state;
	char *path = sample_path();
	guint8 head[8192];
	gsize n = 0;
	char *data = NULL;
	assert_true(g_file_get_contents(path, &data, &n, NULL));
	memcpy(head, data, MIN(n, sizeof head));
	assert_int_equal(mf_calendarserver_reader.probe(path, FALSE, head, MIN(n, sizeof head)),
	                 MF_PROBE_SURE);
	g_free(data);
	mf_options opts = { 0 };
	GError *error = NULL;
	mf_reader *r = mf_calendarserver_reader.open(path, &opts, &error);
	assert_non_null(r);
	mf_item *item = NULL;
	assert_int_equal(mf_calendarserver_reader.next(r, &item, &error), MF_NEXT_ITEM);
	assert_string_equal(item->mailbox, "10000000-0000-0000-0000-000000000001");
	assert_string_equal(item->folder[0], "Work \\ Büro");
	assert_null(item->folder[1]);
	assert_string_equal(item->locator,
	                    "calendar_object resource_id=5 (A1B2C3D4-0000-4000-8000-000000000001.ics)");
	icalcomponent *ev = icalcomponent_get_first_component(item->ical, ICAL_VEVENT_COMPONENT);
	assert_string_equal(icalcomponent_get_summary(ev), "Planning, Q2");
	assert_string_equal(icalcomponent_get_description(ev),
	                    "Line one\nLine two with a path C:\\Temp and a\ttab");
	assert_string_equal(alarm_text(ev), "Reminder");
	mf_item_free(item);
	assert_int_equal(mf_calendarserver_reader.next(r, &item, &error), MF_NEXT_END);
	mf_calendarserver_reader.close(r);
	g_free(path);
}

/* The same dump gzip-compressed (pg_dump | gzip) gives the same item. */
static void test_reader_gzip(void **state)
{
	(void)state;
	char *path = sample_path(), *data = NULL, *gz_path = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	int fd = g_file_open_tmp("mfc-gz-XXXXXX.sql.gz", &gz_path, NULL);
	close(fd);
	gzFile out = gzopen(gz_path, "wb");
	assert_int_equal(gzwrite(out, data, (unsigned)len), (int)len);
	gzclose(out);
	guint8 head[64];
	FILE *fp = fopen(gz_path, "rb");
	gsize n = fread(head, 1, sizeof head, fp);
	fclose(fp);
	assert_int_equal(head[0], 0x1f); /* really compressed */
	assert_int_equal(mf_calendarserver_reader.probe(gz_path, FALSE, head, n), MF_PROBE_SURE);
	mf_options opts = { 0 };
	GError *error = NULL;
	mf_reader *r = mf_calendarserver_reader.open(gz_path, &opts, &error);
	assert_non_null(r);
	mf_item *item = NULL;
	assert_int_equal(mf_calendarserver_reader.next(r, &item, &error), MF_NEXT_ITEM);
	assert_string_equal(item->folder[0], "Work \\ Büro");
	icalcomponent *ev = icalcomponent_get_first_component(item->ical, ICAL_VEVENT_COMPONENT);
	assert_string_equal(alarm_text(ev), "Reminder");
	mf_item_free(item);
	assert_int_equal(mf_calendarserver_reader.next(r, &item, &error), MF_NEXT_END);
	mf_calendarserver_reader.close(r);
	g_unlink(gz_path);
	g_free(gz_path);
	g_free(data);
	g_free(path);
}

/* Reads `text` as a dump; returns how many items came out (broken included). */
static int read_all(const char *text, gsize len, gboolean *opened)
{
	char *path = NULL;
	int fd = g_file_open_tmp("mfc-dump-XXXXXX", &path, NULL);
	assert_true(write(fd, text, len) == (gssize)len);
	close(fd);
	mf_options opts = { 0 };
	GError *error = NULL;
	mf_reader *r = mf_calendarserver_reader.open(path, &opts, &error);
	*opened = r != NULL;
	int n = 0;
	for (;;) {
		mf_item *item = NULL;
		mf_next_result res = r ? mf_calendarserver_reader.next(r, &item, &error) : MF_NEXT_END;
		mf_item_free(item);
		g_clear_error(&error);
		if (res == MF_NEXT_END || res == MF_NEXT_FATAL)
			break;
		n++;
	}
	mf_calendarserver_reader.close(r);
	g_clear_error(&error);
	g_unlink(path);
	g_free(path);
	return n;
}

static void test_hostile(void **state)
{
	(void)state;
	char *path = sample_path(), *data = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	gboolean opened;
	for (gsize cut = 0; cut < len; cut += 97) /* every truncation: no crash */
		read_all(data, cut, &opened);
	/* a row pointing at an unknown calendar, and an unparsable text: broken items */
	const char *bad = "COPY calendar_home (resource_id, owner_uid) FROM stdin;\n1\tu1\n\\.\n"
	                  "COPY calendar_bind (calendar_home_resource_id, calendar_resource_id, "
	                  "calendar_resource_name, bind_mode) FROM stdin;\n1\t3\tcalendar\t0\n\\.\n"
	                  "COPY calendar_object (resource_id, calendar_resource_id, resource_name, "
	                  "icalendar_text) FROM stdin;\n7\t99\tx.ics\tBEGIN:VCALENDAR\n"
	                  "8\t3\ty.ics\tgarbage\\r\\n\n9\t3\n\\.\n";
	assert_int_equal(read_all(bad, strlen(bad), &opened), 3);
	assert_true(opened);
	/* custom format: refused with the pg_restore command */
	char *custom = NULL;
	int fd = g_file_open_tmp("mfc-custom-XXXXXX", &custom, NULL);
	assert_true(write(fd, "PGDMP\x01\x0e\x00", 8) == 8);
	close(fd);
	mf_options opts = { 0 };
	GError *error = NULL;
	assert_null(mf_calendarserver_reader.open(custom, &opts, &error));
	assert_int_equal(error->code, MF_ERROR_SOURCE);
	assert_non_null(strstr(error->message, "pg_restore -f"));
	g_clear_error(&error);
	g_unlink(custom);
	g_free(custom);
	g_free(data);
	g_free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_split_row),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_tar),
		cmocka_unit_test(test_region_lines),
		cmocka_unit_test(test_peruser_two_users),
		cmocka_unit_test(test_peruser_all_day_default),
		cmocka_unit_test(test_peruser_instances),
		cmocka_unit_test(test_peruser_keeps_values),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_clean_many_comments),
		cmocka_unit_test(test_attachment_paths),
		cmocka_unit_test(test_reader_sample),
		cmocka_unit_test(test_reader_gzip),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
