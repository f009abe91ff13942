/* Time zone blobs ([MS-OXOCAL] 2.2.1.39 PidLidTimeZoneStruct, 2.2.1.41
 * TimeZoneDefinition/TZRule) -> offsets and VTIMEZONE. The VTIMEZONEs are fed
 * back to libical, whose conversions must agree with ours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <string.h>

#include "../formats/pst/pst-tz.h"

/* PidLidTimeZoneStruct of a Pacific Time appointment (from the corpus OST). */
static const guint8 pacific_struct[48] = {
	0xe0, 0x01, 0, 0, 0, 0, 0, 0, 0xc4, 0xff, 0xff, 0xff, 0, 0,
	0, 0, 11, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, /* standard: 1st Sunday Nov 02:00 */
	0, 0,
	0, 0, 3, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0,  /* daylight: 2nd Sunday Mar 02:00 */
};

static void put16(GByteArray *a, guint16 v)
{
	guint8 b[2] = { v & 0xff, v >> 8 };
	g_byte_array_append(a, b, 2);
}

static void put32(GByteArray *a, gint32 v)
{
	guint32 u = (guint32)v;
	guint8 b[4] = { u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff, u >> 24 };
	g_byte_array_append(a, b, 4);
}

static void put_systime(GByteArray *a, int month, int dow, int nth, int hour)
{
	put16(a, 0);
	put16(a, (guint16)month);
	put16(a, (guint16)dow);
	put16(a, (guint16)nth);
	put16(a, (guint16)hour);
	put16(a, 0);
	put16(a, 0);
	put16(a, 0);
}

typedef struct {
	int year;
	gint32 bias, dst_bias;
	int std_month, std_nth, std_hour, dst_month, dst_nth, dst_hour;
} rule_spec;

/* TimeZoneDefinition: version 2.1, cbHeader, reserved 2, key, cRules, TZRules. */
static GByteArray *definition(const char *key, const rule_spec *rules, int n)
{
	GByteArray *a = g_byte_array_new();
	glong klen = 0;
	gunichar2 *k = g_utf8_to_utf16(key, -1, NULL, &klen, NULL);
	guint8 head[2] = { 2, 1 };
	g_byte_array_append(a, head, 2);
	put16(a, (guint16)(6 + 2 * klen));
	put16(a, 2);
	put16(a, (guint16)klen);
	for (glong i = 0; i < klen; i++)
		put16(a, k[i]);
	g_free(k);
	put16(a, (guint16)n);
	for (int i = 0; i < n; i++) {
		const rule_spec *r = &rules[i];
		g_byte_array_append(a, head, 2);
		put16(a, 0x3e);
		put16(a, i == n - 1 ? 0x0002 : 0); /* TZRULE_FLAG_EFFECTIVE_TZREG */
		put16(a, (guint16)r->year);
		guint8 x[14] = { 0 };
		g_byte_array_append(a, x, 14);
		put32(a, r->bias);
		put32(a, 0);
		put32(a, r->dst_bias);
		if (r->std_month)
			put_systime(a, r->std_month, 0, r->std_nth, r->std_hour);
		else
			put_systime(a, 0, 0, 0, 0);
		if (r->dst_month)
			put_systime(a, r->dst_month, 0, r->dst_nth, r->dst_hour);
		else
			put_systime(a, 0, 0, 0, 0);
	}
	return a;
}

static gint64 utc_of(int y, int mo, int d, int h, int mi)
{
	GDateTime *dt = g_date_time_new_utc(y, mo, d, h, mi, 0);
	gint64 t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* Our local time for `utc` equals libical's through the generated VTIMEZONE. */
static void check_against_libical(const mfi_pst_tz *tz, gint64 utc)
{
	icalcomponent *vtz = mfi_pst_tz_to_vtimezone(tz);
	icaltimezone *zone = icaltimezone_new();
	assert_true(icaltimezone_set_component(zone, vtz));
	struct icaltimetype t = icaltime_from_timet_with_zone((time_t)utc, 0,
	                                                      icaltimezone_get_utc_timezone());
	struct icaltimetype local = icaltime_convert_to_zone(t, zone);
	struct icaltimetype ours = mfi_pst_local_icaltime(mfi_pst_tz_utc_to_local(tz, utc), FALSE);
	char *a = g_strdup(icaltime_as_ical_string(ours));
	char *b = g_strdup(icaltime_as_ical_string(local));
	if (strcmp(a, b) != 0)
		fail_msg("%s: utc %" G_GINT64_FORMAT ": ours %s, libical %s", tz->tzid, utc, a, b);
	g_free(a);
	g_free(b);
	icaltimezone_free(zone, 1);
}

static void test_struct_pacific(void **state)
{
	(void)state;
	assert_null(mfi_pst_tz_from_struct(pacific_struct, 47, NULL));
	mfi_pst_tz *tz = mfi_pst_tz_from_struct(pacific_struct, 48, "Pacific Standard Time");
	assert_non_null(tz);
	assert_string_equal(tz->tzid, "Pacific Standard Time");
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2021, 1, 15, 12, 0)), 480);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2021, 8, 10, 19, 0)), 420);
	/* 2021-03-14 02:00 PST = 10:00 UTC starts PDT; 2021-11-07 02:00 PDT = 09:00 UTC ends it */
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2021, 3, 14, 9, 59)), 480);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2021, 3, 14, 10, 0)), 420);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2021, 11, 7, 8, 59)), 420);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2021, 11, 7, 9, 0)), 480);
	assert_int_equal(mfi_pst_tz_local_to_utc(tz, utc_of(2021, 8, 10, 12, 0)),
	                 utc_of(2021, 8, 10, 19, 0));
	gint64 points[] = { utc_of(2021, 1, 1, 0, 0), utc_of(2021, 3, 14, 10, 0),
		                utc_of(2021, 7, 4, 18, 30), utc_of(2021, 11, 7, 9, 0),
		                utc_of(1999, 6, 1, 0, 0), utc_of(2030, 12, 24, 23, 0) };
	for (gsize i = 0; i < G_N_ELEMENTS(points); i++)
		check_against_libical(tz, points[i]);
	icalcomponent *vtz = mfi_pst_tz_to_vtimezone(tz);
	const char *text = icalcomponent_as_ical_string(vtz);
	assert_non_null(strstr(text, "TZID:Pacific Standard Time"));
	assert_non_null(strstr(text, "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"));
	assert_non_null(strstr(text, "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"));
	assert_non_null(strstr(text, "TZOFFSETFROM:-0800"));
	assert_non_null(strstr(text, "TZOFFSETTO:-0700"));
	icalcomponent_free(vtz);
	mfi_pst_tz_free(tz);
}

static void test_definition_two_rules(void **state)
{
	(void)state;
	/* US Eastern: first Sunday of April / last Sunday of October until 2006,
	 * second Sunday of March / first Sunday of November from 2007. */
	rule_spec rules[2] = {
		{ 2007, 300, -60, 11, 1, 2, 3, 2, 2 },
		{ 2000, 300, -60, 10, 5, 2, 4, 1, 2 },
	};
	GByteArray *a = definition("Eastern Standard Time", rules, 2);
	mfi_pst_tz *tz = mfi_pst_tz_from_definition(a->data, a->len, "fallback");
	assert_non_null(tz);
	assert_string_equal(tz->tzid, "Eastern Standard Time");
	assert_int_equal(tz->n_rules, 2);
	assert_int_equal(tz->rules[0].year, 2000); /* sorted */
	/* 2006-03-20: EST under the old rule; 2007-03-20: EDT under the new one */
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2006, 3, 20, 12, 0)), 300);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2007, 3, 20, 12, 0)), 240);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2006, 10, 29, 5, 59)), 240);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2006, 10, 29, 6, 0)), 300);
	/* the first rule also covers earlier years */
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(1995, 7, 1, 12, 0)), 240);
	gint64 points[] = { utc_of(1995, 7, 1, 12, 0), utc_of(2006, 3, 20, 12, 0),
		                utc_of(2006, 4, 2, 7, 0), utc_of(2006, 10, 29, 6, 0),
		                utc_of(2007, 3, 11, 7, 0), utc_of(2007, 3, 20, 12, 0),
		                utc_of(2015, 11, 1, 6, 0) };
	for (gsize i = 0; i < G_N_ELEMENTS(points); i++)
		check_against_libical(tz, points[i]);
	mfi_pst_tz_free(tz);

	/* malformed: truncated rules, wrong version, zero rules */
	assert_null(mfi_pst_tz_from_definition(a->data, a->len - 1, NULL));
	assert_null(mfi_pst_tz_from_definition(a->data, 5, NULL));
	a->data[0] = 3;
	assert_null(mfi_pst_tz_from_definition(a->data, a->len, NULL));
	g_byte_array_unref(a);
	GByteArray *none = definition("Empty", rules, 0);
	assert_null(mfi_pst_tz_from_definition(none->data, none->len, NULL));
	g_byte_array_unref(none);
}

static void test_southern_and_fixed(void **state)
{
	(void)state;
	/* AUS Eastern: standard from the first Sunday of April 03:00, daylight from
	 * the first Sunday of October 02:00; UTC+10 / UTC+11. */
	rule_spec syd = { 2008, -600, -60, 4, 1, 3, 10, 1, 2 };
	GByteArray *a = definition("AUS Eastern Standard Time", &syd, 1);
	mfi_pst_tz *tz = mfi_pst_tz_from_definition(a->data, a->len, NULL);
	g_byte_array_unref(a);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2020, 1, 15, 0, 0)), -660);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2020, 7, 15, 0, 0)), -600);
	gint64 points[] = { utc_of(2020, 1, 15, 0, 0), utc_of(2020, 4, 4, 16, 0),
		                utc_of(2020, 7, 15, 0, 0), utc_of(2020, 10, 3, 16, 0) };
	for (gsize i = 0; i < G_N_ELEMENTS(points); i++)
		check_against_libical(tz, points[i]);
	mfi_pst_tz_free(tz);

	/* India: no daylight saving time */
	rule_spec ist = { 0, -330, 0, 0, 0, 0, 0, 0, 0 };
	a = definition("India Standard Time", &ist, 1);
	tz = mfi_pst_tz_from_definition(a->data, a->len, NULL);
	g_byte_array_unref(a);
	assert_int_equal(mfi_pst_tz_offset_at_utc(tz, utc_of(2020, 7, 15, 0, 0)), -330);
	check_against_libical(tz, utc_of(2020, 7, 15, 0, 0));
	icalcomponent *vtz = mfi_pst_tz_to_vtimezone(tz);
	assert_null(icalcomponent_get_first_component(vtz, ICAL_XDAYLIGHT_COMPONENT));
	assert_non_null(strstr(icalcomponent_as_ical_string(vtz), "TZOFFSETTO:+0530"));
	icalcomponent_free(vtz);
	mfi_pst_tz_free(tz);

	tz = mfi_pst_tz_fixed(-90);
	assert_string_equal(tz->tzid, "UTC+01:30");
	assert_int_equal(mfi_pst_tz_utc_to_local(tz, 0), 5400);
	check_against_libical(tz, utc_of(2022, 2, 2, 2, 2));
	mfi_pst_tz_free(tz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_pacific),
		cmocka_unit_test(test_definition_two_rules),
		cmocka_unit_test(test_southern_and_fixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
