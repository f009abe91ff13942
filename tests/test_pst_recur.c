/* Recurrence blobs ([MS-OXOCAL] 2.2.1.44) -> RRULE/EXDATE/exceptions: the
 * spec's own example blobs (4.1.1.2, 4.1.1.3, 4.1.1.6) and hand-assembled ones
 * that follow the byte layout of 2.2.1.44.1/.2/.3/.5. Expansions are checked
 * with libical's recurrence iterator; those of non-Gregorian calendars (RFC
 * 7529 RSCALE, which libical computes with ICU) against Hijri arithmetic
 * written out here and dates checked with python3-convertdate. Task patterns
 * (regenerating or not) on a VTODO; python3-icalendar reads the results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-python.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/pst/pst-recur.h"
#include "../formats/pst/pst-vevent.h"
#include "../formats/pst/pst-vtodo.h"

/* [MS-OXOCAL] 4.1.1.2: every Mon/Thu/Fri 10:00-10:30 from 2007-03-26, 12
 * occurrences; the 2007-04-16 one moved to 11:00 with a new subject and location. */
static const char spec_weekly_exception[] =
	"043004300B2001000000C0210000010000000000000032000000222000000C0000000000000001000000A096BC0C"
	"01000000A096BC0C8020BC0C20ADBC0C0630000009300000580200007602000001003499BC0C5299BC0CF898BC0C"
	"11002200210053696D706C6520526563757272656E6365207769746820657863657074696F6E73080007003334"
	"2F34313431000000000400000000000000000000003499BC0C5299BC0CF898BC0C2100530069006D0070006C00"
	"6500200052006500630075007200720065006E006300650020007700690074006800200065007800630065007000"
	"740069006F006E0073000700330034002F0034003100340031000000000000000000";

/* [MS-OXOCAL] 4.1.1.3: every 3 days 8:00-8:30, 2011-04-07 until 2011-05-04,
 * the 2011-04-19 and 2011-04-22 instances deleted. */
static const char spec_daily_deleted[] =
	"043004300A2000000000A0050000E010000000000000212000000A0000000000000002000000A0C1DC0C80D2DC0C"
	"00000000207EDC0C0016DD0C0630000009300000E0010000FE01000000000000000000000000";

static GBytes *unhex(const char *hex)
{
	gsize n = strlen(hex) / 2;
	guint8 *b = g_malloc(n);
	for (gsize i = 0; i < n; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		b[i] = (guint8)v;
	}
	return g_bytes_new_take(b, n);
}

static mfi_pst_recur *parse_hex(const char *hex, gboolean appointment)
{
	GBytes *b = unhex(hex);
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(b, &len);
	GError *err = NULL;
	mfi_pst_recur *r = mfi_pst_recur_parse(d, len, appointment, 1252, &err);
	if (!r)
		fail_msg("parse: %s", err->message);
	g_bytes_unref(b);
	return r;
}

/* ---- a little blob builder following the spec's field order -------------- */

static void put16(GByteArray *a, guint16 v)
{
	guint8 b[2] = { v & 0xff, v >> 8 };
	g_byte_array_append(a, b, 2);
}

static void put32(GByteArray *a, guint32 v)
{
	guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
	g_byte_array_append(a, b, 4);
}

/* Minutes since 1601 of a date. */
static guint32 day_minutes(int y, int m, int d)
{
	GDate a, b;
	g_date_clear(&a, 1);
	g_date_clear(&b, 1);
	g_date_set_dmy(&a, 1, 1, 1601);
	g_date_set_dmy(&b, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return (guint32)g_date_days_between(&a, &b) * 1440;
}

typedef struct {
	guint16 freq, pattern, caltype;
	guint32 period, sliding, spec1, spec2;
	gboolean two_specific;
	gboolean no_specific;
	guint32 end_type, count;
	guint32 start, end;
	guint32 deleted[4], n_deleted;
	guint32 start_offset, end_offset;
} pattern_spec;

static GByteArray *build_pattern(const pattern_spec *p)
{
	GByteArray *a = g_byte_array_new();
	put16(a, 0x3004);
	put16(a, 0x3004);
	put16(a, p->freq);
	put16(a, p->pattern);
	put16(a, p->caltype);
	put32(a, 0);          /* FirstDateTime (not used for the RRULE) */
	put32(a, p->period);
	put32(a, p->sliding); /* SlidingFlag: a regenerating task */
	if (!p->no_specific)
		put32(a, p->spec1);
	if (p->two_specific)
		put32(a, p->spec2);
	put32(a, p->end_type);
	put32(a, p->count);
	put32(a, 0);          /* FirstDOW: Sunday */
	put32(a, p->n_deleted);
	for (guint32 i = 0; i < p->n_deleted; i++)
		put32(a, p->deleted[i]);
	put32(a, 0);          /* ModifiedInstanceCount */
	put32(a, p->start);
	put32(a, p->end);
	return a;
}

static void finish_appointment(GByteArray *a, const pattern_spec *p)
{
	put32(a, 0x3006);
	put32(a, 0x3009);
	put32(a, p->start_offset);
	put32(a, p->end_offset);
	put16(a, 0);          /* ExceptionCount */
	put32(a, 0);          /* ReservedBlock1Size */
	put32(a, 0);          /* ReservedBlock2Size */
}

static mfi_pst_recur *parse_bytes(GByteArray *a, gboolean appointment)
{
	GError *err = NULL;
	mfi_pst_recur *r = mfi_pst_recur_parse(a->data, a->len, appointment, 1252, &err);
	if (!r)
		fail_msg("parse: %s", err->message);
	return r;
}

static char *rrule_text(const mfi_pst_recur *r, const mfi_pst_tz *tz, gboolean all_day)
{
	const char *why = NULL;
	icalproperty *p = mfi_pst_recur_rrule(r, tz, all_day, &why);
	if (!p)
		return g_strdup_printf("unsupported: %s", why);
	char *text = g_strdup(icalproperty_get_value_as_string(p));
	icalproperty_free(p);
	return text;
}

/* The first `max` occurrences as "YYYYMMDDTHHMM" strings joined by ' ',
 * expanded by libical (through ICU for an RSCALE rule). */
static char *expand(const mfi_pst_recur *r, int max)
{
	const char *why = NULL;
	icalproperty *p = mfi_pst_recur_rrule(r, NULL, FALSE, &why);
	if (!p)
		fail_msg("no rule: %s", why);
	struct icaltimetype start = mfi_pst_local_icaltime(mfi_pst_recur_first_start(r), FALSE);
	icalrecur_iterator *it = icalrecur_iterator_new(icalproperty_get_rrule(p), start);
	assert_non_null(it);
	GString *s = g_string_new(NULL);
	struct icaltimetype t;
	for (int i = 0; i < max && !icaltime_is_null_time(t = icalrecur_iterator_next(it)); i++)
		g_string_append_printf(s, "%s%04d%02d%02dT%02d%02d", s->len ? " " : "", t.year, t.month,
		                       t.day, t.hour, t.minute);
	icalrecur_iterator_free(it);
	icalproperty_free(p);
	return g_string_free(s, FALSE);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_spec_weekly_exception(void **state)
{
	(void)state;
	mfi_pst_recur *r = parse_hex(spec_weekly_exception, TRUE);
	assert_int_equal(r->frequency, MFI_RECUR_FREQ_WEEKLY);
	assert_int_equal(r->pattern, MFI_RECUR_PATTERN_WEEK);
	assert_int_equal(r->days, 0x32);
	assert_int_equal(r->end_type, MFI_RECUR_END_COUNT);
	assert_int_equal(r->occurrence_count, 12);
	assert_int_equal(r->start_offset, 600);
	assert_int_equal(r->end_offset, 630);
	assert_int_equal(r->writer_version2, 0x3009);
	assert_int_equal(r->exceptions->len, 1);
	const mfi_pst_exception *e = r->exceptions->pdata[0];
	assert_string_equal(e->subject, "Simple Recurrence with exceptions");
	assert_string_equal(e->location, "34/4141");
	assert_int_equal(e->flags, MFI_ARO_SUBJECT | MFI_ARO_LOCATION);

	char *rule = rrule_text(r, NULL, FALSE);
	assert_string_equal(rule, "FREQ=WEEKLY;COUNT=12;BYDAY=MO,TH,FR;WKST=SU");
	g_free(rule);
	char *occ = expand(r, 20);
	assert_string_equal(occ, "20070326T1000 20070329T1000 20070330T1000 20070402T1000 "
	                         "20070405T1000 20070406T1000 20070409T1000 20070412T1000 "
	                         "20070413T1000 20070416T1000 20070419T1000 20070420T1000");
	g_free(occ);

	/* the deleted date is the modified one: no EXDATE, one override */
	GArray *ex = mfi_pst_recur_exdates(r);
	assert_int_equal(ex->len, 0);
	g_array_unref(ex);
	struct icaltimetype orig =
		mfi_pst_local_icaltime(MFI_MINUTES_1601_TO_LOCAL(e->original_start), FALSE);
	struct icaltimetype start = mfi_pst_local_icaltime(MFI_MINUTES_1601_TO_LOCAL(e->start), FALSE);
	assert_string_equal(icaltime_as_ical_string(orig), "20070416T100000");
	assert_string_equal(icaltime_as_ical_string(start), "20070416T110000");
	assert_ptr_equal(mfi_pst_recur_find_exception(r, MFI_MINUTES_1601_TO_LOCAL(e->original_start)),
	                 e);
	mfi_pst_recur_free(r);
}

static void test_spec_daily_deleted(void **state)
{
	(void)state;
	mfi_pst_recur *r = parse_hex(spec_daily_deleted, TRUE);
	assert_int_equal(r->frequency, MFI_RECUR_FREQ_DAILY);
	assert_int_equal(r->period, 4320);
	assert_int_equal(r->end_type, MFI_RECUR_END_DATE);
	assert_int_equal(r->deleted->len, 2);
	char *rule = rrule_text(r, NULL, FALSE);
	assert_string_equal(rule, "FREQ=DAILY;UNTIL=20110504T080000;INTERVAL=3");
	g_free(rule);
	/* UTC UNTIL through a zone: Pacific (bias 480, DST -60 from March) */
	mfi_pst_tz *tz = mfi_pst_tz_fixed(420);
	rule = rrule_text(r, tz, FALSE);
	assert_string_equal(rule, "FREQ=DAILY;UNTIL=20110504T150000Z;INTERVAL=3");
	g_free(rule);
	mfi_pst_tz_free(tz);
	char *occ = expand(r, 20);
	assert_string_equal(occ, "20110407T0800 20110410T0800 20110413T0800 20110416T0800 "
	                         "20110419T0800 20110422T0800 20110425T0800 20110428T0800 "
	                         "20110501T0800 20110504T0800");
	g_free(occ);
	GArray *ex = mfi_pst_recur_exdates(r);
	assert_int_equal(ex->len, 2);
	assert_string_equal(icaltime_as_ical_string(mfi_pst_local_icaltime(
		g_array_index(ex, gint64, 0), FALSE)), "20110419T080000");
	assert_string_equal(icaltime_as_ical_string(mfi_pst_local_icaltime(
		g_array_index(ex, gint64, 1), FALSE)), "20110422T080000");
	g_array_unref(ex);
	mfi_pst_recur_free(r);
}

static void check_pattern(const pattern_spec *p, const char *want_rule, const char *want_occ)
{
	GByteArray *a = build_pattern(p);
	finish_appointment(a, p);
	mfi_pst_recur *r = parse_bytes(a, TRUE);
	char *rule = rrule_text(r, NULL, FALSE);
	assert_string_equal(rule, want_rule);
	g_free(rule);
	if (want_occ) {
		char *occ = expand(r, 6);
		assert_string_equal(occ, want_occ);
		g_free(occ);
	}
	mfi_pst_recur_free(r);
	g_byte_array_unref(a);
}

static void test_monthly_patterns(void **state)
{
	(void)state;
	/* second Tuesday every 2 months, 4 times, 9:00 */
	pattern_spec nth = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = MFI_RECUR_PATTERN_MONTH_NTH,
		                 .period = 2, .spec1 = 0x04, .spec2 = 2, .two_specific = TRUE,
		                 .end_type = MFI_RECUR_END_COUNT, .count = 4,
		                 .start = day_minutes(2024, 1, 9), .end = day_minutes(2024, 7, 9),
		                 .start_offset = 540, .end_offset = 600 };
	check_pattern(&nth, "FREQ=MONTHLY;COUNT=4;INTERVAL=2;BYDAY=TU;BYSETPOS=2",
	              "20240109T0900 20240312T0900 20240514T0900 20240709T0900");
	/* last weekday of every month */
	pattern_spec last = nth;
	last.period = 1;
	last.spec1 = 0x3e;
	last.spec2 = 5;
	last.count = 3;
	last.start = day_minutes(2024, 1, 31);
	check_pattern(&last, "FREQ=MONTHLY;COUNT=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
	              "20240131T0900 20240229T0900 20240329T0900");
	/* day 31 = the last day of each month; MonthEnd likewise */
	pattern_spec d31 = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		                 .period = 1, .spec1 = 31, .end_type = MFI_RECUR_END_COUNT, .count = 3,
		                 .start = day_minutes(2024, 1, 31), .start_offset = 0, .end_offset = 60 };
	check_pattern(&d31, "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-1",
	              "20240131T0000 20240229T0000 20240331T0000");
	d31.spec1 = 15;
	check_pattern(&d31, "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=15", NULL);
	pattern_spec end = d31;
	end.pattern = MFI_RECUR_PATTERN_MONTH_END;
	check_pattern(&end, "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-1", NULL);
}

static void test_yearly_weekly_daily(void **state)
{
	(void)state;
	/* 15 March every year, no end */
	pattern_spec y = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .period = 12, .spec1 = 15, .end_type = MFI_RECUR_END_NEVER,
		               .start = day_minutes(2020, 3, 15), .end = 0x5ae980df,
		               .start_offset = 720, .end_offset = 780 };
	check_pattern(&y, "FREQ=YEARLY;BYMONTHDAY=15;BYMONTH=3",
	              "20200315T1200 20210315T1200 20220315T1200 20230315T1200 20240315T1200 "
	              "20250315T1200");
	/* the first Monday of September every 2 years */
	pattern_spec yn = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = MFI_RECUR_PATTERN_MONTH_NTH,
		                .period = 24, .spec1 = 0x02, .spec2 = 1, .two_specific = TRUE,
		                .end_type = MFI_RECUR_END_COUNT, .count = 2,
		                .start = day_minutes(2021, 9, 6), .start_offset = 600, .end_offset = 660 };
	check_pattern(&yn, "FREQ=YEARLY;COUNT=2;INTERVAL=2;BYDAY=MO;BYMONTH=9;BYSETPOS=1",
	              "20210906T1000 20230904T1000");
	/* every weekday: a daily frequency with the Week pattern */
	pattern_spec wd = { .freq = MFI_RECUR_FREQ_DAILY, .pattern = MFI_RECUR_PATTERN_WEEK,
		                .period = 1, .spec1 = 0x3e, .end_type = MFI_RECUR_END_COUNT, .count = 6,
		                .start = day_minutes(2024, 5, 2), .start_offset = 480, .end_offset = 540 };
	check_pattern(&wd, "FREQ=WEEKLY;COUNT=6;BYDAY=MO,TU,WE,TH,FR;WKST=SU",
	              "20240502T0800 20240503T0800 20240506T0800 20240507T0800 20240508T0800 "
	              "20240509T0800");
	/* every 2 days until a date */
	pattern_spec d = { .freq = MFI_RECUR_FREQ_DAILY, .pattern = MFI_RECUR_PATTERN_DAY,
		               .period = 2880, .no_specific = TRUE, .end_type = MFI_RECUR_END_DATE,
		               .start = day_minutes(2024, 2, 27), .end = day_minutes(2024, 3, 2),
		               .start_offset = 60, .end_offset = 90 };
	check_pattern(&d, "FREQ=DAILY;UNTIL=20240302T010000;INTERVAL=2",
	              "20240227T0100 20240229T0100 20240302T0100");
}

static void test_all_day_and_task(void **state)
{
	(void)state;
	/* a task pattern (plain RecurrencePattern): weekly on Wednesday until a date */
	pattern_spec t = { .freq = MFI_RECUR_FREQ_WEEKLY, .pattern = MFI_RECUR_PATTERN_WEEK,
		               .period = 1, .spec1 = 0x08, .end_type = MFI_RECUR_END_DATE,
		               .start = day_minutes(2024, 1, 3), .end = day_minutes(2024, 1, 31) };
	GByteArray *a = build_pattern(&t);
	mfi_pst_recur *r = parse_bytes(a, FALSE);
	assert_false(r->appointment);
	char *rule = rrule_text(r, NULL, TRUE);
	assert_string_equal(rule, "FREQ=WEEKLY;UNTIL=20240131;BYDAY=WE;WKST=SU");
	g_free(rule);
	mfi_pst_recur_free(r);
	g_byte_array_unref(a);
}

static void test_unsupported_and_broken(void **state)
{
	(void)state;
	/* calendar types [MS-OXOCAL] does not define: not expressible */
	pattern_spec h = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .caltype = 0x0015, .period = 1, .spec1 = 1,
		               .end_type = MFI_RECUR_END_NEVER, .start = day_minutes(2024, 1, 1) };
	check_pattern(&h, "unsupported: non-Gregorian calendar type", NULL);
	h.caltype = 0x0016;
	h.pattern = MFI_RECUR_PATTERN_WEEK;
	check_pattern(&h, "unsupported: non-Gregorian calendar type", NULL);
	/* the Japanese lunar calendars have no CLDR calendar for RSCALE */
	h.caltype = 0x000e;
	h.pattern = MFI_RECUR_PATTERN_MONTH;
	check_pattern(&h, "unsupported: calendar without an RSCALE (RFC 7529) counterpart", NULL);
	/* pattern types between MonthEnd and HjMonth, and after HjMonthEnd */
	h.caltype = 0;
	h.no_specific = TRUE; /* the parser reads no PatternTypeSpecific for them */
	h.pattern = 0x0005;
	check_pattern(&h, "unsupported: unknown pattern type", NULL);
	h.pattern = 0x000d;
	check_pattern(&h, "unsupported: unknown pattern type", NULL);
	/* every truncation of a valid blob is an error naming a field, never a crash */
	GBytes *b = unhex(spec_weekly_exception);
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(b, &len);
	for (gsize cut = 0; cut < 170; cut++) {
		GError *err = NULL;
		mfi_pst_recur *r = mfi_pst_recur_parse(d, cut, TRUE, 1252, &err);
		if (!r) {
			assert_non_null(strstr(err->message, "truncated or invalid at"));
			g_error_free(err);
		}
		mfi_pst_recur_free(r);
	}
	/* a damaged extended part keeps the 8-bit subject */
	mfi_pst_recur *r = mfi_pst_recur_parse(d, len - 40, TRUE, 1252, NULL);
	assert_non_null(r);
	assert_string_equal(((mfi_pst_exception *)r->exceptions->pdata[0])->subject,
	                    "Simple Recurrence with exceptions");
	mfi_pst_recur_free(r);
	/* an absurd deleted-instance count */
	guint8 *copy = g_memdup2(d, len);
	copy[38] = 0xff;
	copy[39] = 0xff;
	GError *err = NULL;
	assert_null(mfi_pst_recur_parse(copy, len, TRUE, 1252, &err));
	assert_non_null(strstr(err->message, "DeletedInstanceDates"));
	g_error_free(err);
	g_free(copy);
	g_bytes_unref(b);
}

/* WriterVersion2 0x3008: no ChangeHighlight; Unicode subject replaces the 8-bit one. */
static void test_exception_wide_text(void **state)
{
	(void)state;
	pattern_spec p = { .freq = MFI_RECUR_FREQ_DAILY, .pattern = MFI_RECUR_PATTERN_DAY,
		               .period = 1440, .no_specific = TRUE, .end_type = MFI_RECUR_END_COUNT,
		               .count = 5, .start = day_minutes(2024, 6, 3),
		               .deleted = { day_minutes(2024, 6, 4), day_minutes(2024, 6, 5) },
		               .n_deleted = 2, .start_offset = 600, .end_offset = 660 };
	GByteArray *a = build_pattern(&p);
	guint32 orig = day_minutes(2024, 6, 4) + 600;
	put32(a, 0x3006);
	put32(a, 0x3008);
	put32(a, 600);
	put32(a, 660);
	put16(a, 1);
	put32(a, orig + 120); /* moved two hours later */
	put32(a, orig + 180);
	put32(a, orig);
	put16(a, MFI_ARO_SUBJECT | MFI_ARO_BUSYSTATUS);
	put16(a, 4);
	put16(a, 3);
	g_byte_array_append(a, (const guint8 *)"Caf", 3);
	put32(a, 3); /* busy status OOF */
	put32(a, 0); /* ReservedBlock1Size */
	put32(a, 0); /* ReservedBlockEE1Size */
	put32(a, orig + 120);
	put32(a, orig + 180);
	put32(a, orig);
	put16(a, 4);
	const guint16 wide[4] = { 'C', 'a', 'f', 0xe9 };
	for (int i = 0; i < 4; i++)
		put16(a, wide[i]);
	put32(a, 0); /* ReservedBlockEE2Size */
	put32(a, 0); /* ReservedBlock2Size */
	mfi_pst_recur *r = parse_bytes(a, TRUE);
	assert_int_equal(r->exceptions->len, 1);
	const mfi_pst_exception *e = r->exceptions->pdata[0];
	assert_string_equal(e->subject, "Caf\xc3\xa9");
	assert_int_equal(e->busy_status, 3);
	GArray *ex = mfi_pst_recur_exdates(r);
	assert_int_equal(ex->len, 1); /* 06-05 deleted; 06-04 modified */
	assert_string_equal(icaltime_as_ical_string(mfi_pst_local_icaltime(
		g_array_index(ex, gint64, 0), FALSE)), "20240605T100000");
	g_array_unref(ex);
	mfi_pst_recur_free(r);
	g_byte_array_unref(a);
}

/* PidLidTimeZoneStruct for Pacific Time (bias 480, DST from the 2nd Sunday of
 * March to the 1st Sunday of November). */
static mfi_pst_tz *pacific(void)
{
	static const guint8 blob[48] = {
		0xe0, 0x01, 0, 0, 0, 0, 0, 0, 0xc4, 0xff, 0xff, 0xff, 0, 0,
		0, 0, 11, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
		0, 0, 3, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0,
	};
	return mfi_pst_tz_from_struct(blob, sizeof blob, "Pacific Standard Time");
}

static icalcomponent *master_event(const char *summary, const char *location)
{
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	icalcomponent_add_property(ev, icalproperty_new_uid("test-uid"));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(
		icaltime_from_timet_with_zone(0, 0, icaltimezone_get_utc_timezone())));
	icalcomponent_add_property(ev, icalproperty_new_summary(summary));
	icalcomponent_add_property(ev, icalproperty_new_location(location));
	mfi_pst_set_busy(ev, 2);
	icalcomponent_add_component(ev, mfi_pst_valarm(15));
	return ev;
}

/* The whole series as a VCALENDAR (VTIMEZONE, master, overrides), re-parsed. */
static icalcomponent *series_calendar(const mfi_pst_recur *r, const mfi_pst_tz *tz,
                                      icalcomponent *master)
{
	const char *why = NULL;
	assert_true(mfi_pst_recur_apply(r, master, tz, FALSE, &why));
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//test//EN"));
	icalcomponent_add_component(cal, mfi_pst_tz_to_vtimezone(tz));
	for (guint i = 0; i < r->exceptions->len; i++)
		icalcomponent_add_component(cal, mfi_pst_recur_override(r->exceptions->pdata[i], master,
		                                                        tz, FALSE));
	icalcomponent_add_component(cal, master);
	char *text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	icalcomponent *back = icalparser_parse_string(text);
	g_free(text);
	assert_non_null(back);
	assert_true(icalrestriction_check(back));
	return back;
}

static void collect_start(icalcomponent *comp, struct icaltime_span *span, void *data)
{
	(void)comp;
	GString *s = data;
	struct icaltimetype t = icaltime_from_timet_with_zone(span->start, 0,
	                                                      icaltimezone_get_utc_timezone());
	g_string_append_printf(s, "%s%02d%02dT%02d%02dZ", s->len ? " " : "", t.month, t.day, t.hour,
	                       t.minute);
}

/* Occurrences of the master (UTC), EXDATEs applied, through libical. */
static char *occurrences(icalcomponent *cal)
{
	icalcomponent *master = NULL;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (!icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY))
			master = c;
	GString *s = g_string_new(NULL);
	icalcomponent_foreach_recurrence(master, icaltime_from_string("20000101T000000Z"),
	                                 icaltime_from_string("20300101T000000Z"), collect_start, s);
	return g_string_free(s, FALSE);
}

static void test_vevent_spec_exception(void **state)
{
	(void)state;
	mfi_pst_recur *r = parse_hex(spec_weekly_exception, TRUE);
	mfi_pst_tz *tz = pacific();
	icalcomponent *cal = series_calendar(r, tz, master_event("Simple Recurrence", "34/4639"));
	/* the override */
	icalcomponent *ov = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_non_null(icalcomponent_get_first_property(ov, ICAL_RECURRENCEID_PROPERTY));
	const char *text = icalcomponent_as_ical_string(ov);
	assert_non_null(strstr(text, "RECURRENCE-ID;TZID=Pacific Standard Time:20070416T100000"));
	assert_non_null(strstr(text, "DTSTART;TZID=Pacific Standard Time:20070416T110000"));
	assert_non_null(strstr(text, "DTEND;TZID=Pacific Standard Time:20070416T113000"));
	assert_string_equal(icalcomponent_get_summary(ov), "Simple Recurrence with exceptions");
	assert_string_equal(icalcomponent_get_location(ov), "34/4141");
	assert_null(icalcomponent_get_first_property(ov, ICAL_RRULE_PROPERTY));
	assert_non_null(icalcomponent_get_first_component(ov, ICAL_VALARM_COMPONENT));
	/* the master: 12 occurrences at 10:00 PDT (17:00 UTC) from 2007-03-26 */
	char *occ = occurrences(cal);
	assert_string_equal(occ, "0326T1700Z 0329T1700Z 0330T1700Z 0402T1700Z 0405T1700Z "
	                         "0406T1700Z 0409T1700Z 0412T1700Z 0413T1700Z 0416T1700Z "
	                         "0419T1700Z 0420T1700Z");
	g_free(occ);
	icalcomponent_free(cal);
	mfi_pst_tz_free(tz);
	mfi_pst_recur_free(r);
}

static void test_vevent_spec_deleted(void **state)
{
	(void)state;
	mfi_pst_recur *r = parse_hex(spec_daily_deleted, TRUE);
	mfi_pst_tz *tz = pacific();
	icalcomponent *cal = series_calendar(r, tz, master_event("Daily", "here"));
	icalcomponent *master = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	const char *text = icalcomponent_as_ical_string(master);
	assert_non_null(strstr(text, "RRULE:FREQ=DAILY;UNTIL=20110504T150000Z;INTERVAL=3"));
	assert_non_null(strstr(text, "EXDATE;TZID=Pacific Standard Time:20110419T080000"));
	assert_non_null(strstr(text, "EXDATE;TZID=Pacific Standard Time:20110422T080000"));
	/* 10 pattern occurrences, 2 deleted; the last one is on the UNTIL day */
	char *occ = occurrences(cal);
	assert_string_equal(occ, "0407T1500Z 0410T1500Z 0413T1500Z 0416T1500Z 0425T1500Z "
	                         "0428T1500Z 0501T1500Z 0504T1500Z");
	g_free(occ);
	icalcomponent_free(cal);
	mfi_pst_tz_free(tz);
	mfi_pst_recur_free(r);
}

/* Reminder lead times; Outlook's "not set" 0x5AE980E1 (seen in a sent meeting
 * request) is its default 15 minutes, not a 42-year TRIGGER. */
static void test_valarm_lead_time(void **state)
{
	(void)state;
	static const struct { gint64 minutes; const char *trigger; } cases[] = {
		{ 15, "TRIGGER:-PT15M" }, { 0, "TRIGGER:PT0S" }, { 2880, "TRIGGER:-P2D" },
		{ 0x5AE980E1, "TRIGGER:-PT15M" }, { -5, "TRIGGER:-PT15M" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		icalcomponent *alarm = mfi_pst_valarm(cases[i].minutes);
		char *text = icalcomponent_as_ical_string_r(alarm);
		if (!strstr(text, cases[i].trigger))
			fail_msg("%" G_GINT64_FORMAT " minutes: %s", cases[i].minutes, text);
		g_free(text);
		icalcomponent_free(alarm);
	}
}

/* Overrides of busy status and reminder; an all-day exception. */
static void test_vevent_override_fields(void **state)
{
	(void)state;
	mfi_pst_exception e = { .flags = MFI_ARO_BUSYSTATUS | MFI_ARO_REMINDER, .busy_status = 0,
		                    .reminder_set = 0 };
	guint32 day = 0x0CBC96A0; /* 2007-04-16 00:00 */
	e.original_start = day;
	e.start = day + 1440;
	e.end = day + 1440; /* empty: an all-day occurrence lasts a day */
	icalcomponent *master = master_event("All day", "x");
	icalcomponent *ov = mfi_pst_recur_override(&e, master, NULL, TRUE);
	const char *text = icalcomponent_as_ical_string(ov);
	assert_non_null(strstr(text, "RECURRENCE-ID;VALUE=DATE:20070416"));
	assert_non_null(strstr(text, "DTSTART;VALUE=DATE:20070417"));
	assert_non_null(strstr(text, "DTEND;VALUE=DATE:20070418"));
	assert_non_null(strstr(text, "X-MICROSOFT-CDO-BUSYSTATUS:FREE"));
	assert_null(strstr(text, "X-MICROSOFT-CDO-BUSYSTATUS:BUSY"));
	assert_non_null(strstr(text, "TRANSP:TRANSPARENT"));
	assert_null(icalcomponent_get_first_component(ov, ICAL_VALARM_COMPONENT));
	icalcomponent_free(ov);
	/* a new lead time only */
	mfi_pst_exception d = { .flags = MFI_ARO_REMINDERDELTA, .reminder_delta = 30,
		                    .original_start = day + 600, .start = day + 600, .end = day + 660 };
	ov = mfi_pst_recur_override(&d, master, NULL, FALSE);
	assert_non_null(strstr(icalcomponent_as_ical_string(ov), "TRIGGER:-PT30M"));
	icalcomponent_free(ov);
	icalcomponent_free(master);
}

/* ---- non-Gregorian calendars (RFC 7529 RSCALE) ---------------------------- */

/* The value of the first X- property `name`. */
static char *x_value(icalcomponent *comp, const char *name)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY))
		if (strcmp(icalproperty_get_x_name(p), name) == 0)
			return g_strdup(icalproperty_get_x(p));
	return NULL;
}


/* Rata Die (day 1 = 0001-01-01) of a date in the tabular Islamic calendar that
 * Windows calls Hijri: civil epoch (1 Muharram 1 = 16 July 622 Julian = RD
 * 227015), leap years 2, 5, 7, 10, 13, 16, 18, 21, 24, 26, 29 of each 30-year
 * cycle (Reingold & Dershowitz, "Calendrical Calculations", fixed-from-islamic).
 * Written out here so that the expansions, which libical gets from ICU, are
 * checked against arithmetic of our own (it agrees with python3-convertdate's
 * islamic module for 1440..1459 AH). */
static gint64 hijri_rd(int year, int month, int day)
{
	return 227014 + (gint64)(year - 1) * 354 + (3 + 11 * year) / 30 + 29 * (month - 1) +
	       month / 2 + day;
}

/* The first day of the Hijri month `k` months after (year, month). */
static gint64 hijri_month_start(int year, int month, int k)
{
	int m = month - 1 + k;
	return hijri_rd(year + m / 12, m % 12 + 1, 1);
}

static void append_rd(GString *s, gint64 rd, const char *time)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, (guint32)rd); /* GLib's Julian day 1 is 0001-01-01: Rata Die */
	g_string_append_printf(s, "%s%04d%02d%02d%s", s->len ? " " : "", g_date_get_year(&d),
	                       g_date_get_month(&d), g_date_get_day(&d), time);
}

static GDateWeekday rd_weekday(gint64 rd)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, (guint32)rd);
	return g_date_get_weekday(&d);
}

static guint32 rd_minutes(gint64 rd)
{
	return (guint32)(rd - 584389) * 1440; /* RD 584389 = 1601-01-01 */
}

/* HjMonth: the 1st, and the 30th (the last day), of every Hijri month. */
static void test_hijri_month_day(void **state)
{
	(void)state;
	/* 1 Ramadan 1446 = 2025-03-01, 9:00, 12 times */
	pattern_spec p = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = 0x000a, .period = 1,
		               .spec1 = 1, .end_type = MFI_RECUR_END_COUNT, .count = 12,
		               .start = rd_minutes(hijri_rd(1446, 9, 1)), .start_offset = 540,
		               .end_offset = 600 };
	assert_int_equal(p.start, day_minutes(2025, 3, 1));
	GString *want = g_string_new(NULL);
	for (int k = 0; k < 12; k++)
		append_rd(want, hijri_month_start(1446, 9, k), "T0900");
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;COUNT=12;BYMONTHDAY=1", NULL);
	GByteArray *a = build_pattern(&p);
	finish_appointment(a, &p);
	mfi_pst_recur *r = parse_bytes(a, TRUE);
	char *occ = expand(r, 20);
	assert_string_equal(occ, want->str);
	g_free(occ);
	assert_string_equal(mfi_pst_recur_calendar_name(r), "Hijri");
	mfi_pst_recur_free(r);
	g_byte_array_unref(a);
	/* CalendarType CAL_HIJRI with the Gregorian Month type: the same rule */
	p.caltype = 0x0006;
	p.pattern = MFI_RECUR_PATTERN_MONTH;
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;COUNT=12;BYMONTHDAY=1", NULL);
	/* day 30: Hijri months have 29 or 30 days, so the last day (as Outlook
	 * moves a day past a month's end to its last day); HjMonthEnd likewise */
	p.spec1 = 30;
	p.start = rd_minutes(hijri_rd(1446, 9, 30));
	p.count = 6;
	g_string_truncate(want, 0);
	for (int k = 1; k <= 6; k++)
		append_rd(want, hijri_month_start(1446, 9, k) - 1, "T0900");
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;COUNT=6;BYMONTHDAY=-1", want->str);
	p.pattern = 0x000c;
	p.caltype = 0;
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;COUNT=6;BYMONTHDAY=-1", want->str);
	/* every 2 months until a (Gregorian) date */
	p.pattern = 0x000a;
	p.spec1 = 10;
	p.period = 2;
	p.end_type = MFI_RECUR_END_DATE;
	p.start = rd_minutes(hijri_rd(1446, 9, 10));
	p.end = rd_minutes(hijri_month_start(1446, 9, 6) + 9);
	g_string_truncate(want, 0);
	for (int k = 0; k <= 6; k += 2)
		append_rd(want, hijri_month_start(1446, 9, k) + 9, "T0900");
	GString *until = g_string_new(NULL);
	append_rd(until, hijri_month_start(1446, 9, 6) + 9, "T090000");
	char *rule = g_strdup_printf("RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;UNTIL=%s;INTERVAL=2;"
	                             "BYMONTHDAY=10", until->str);
	check_pattern(&p, rule, want->str);
	g_free(rule);
	g_string_free(until, TRUE);
	g_string_free(want, TRUE);
}

/* HjMonthNth: the second Friday, and the last weekday, of every Hijri month. */
static void test_hijri_month_nth(void **state)
{
	(void)state;
	GString *want = g_string_new(NULL);
	for (int k = 0; k < 6; k++) {
		gint64 first = hijri_month_start(1446, 9, k);
		gint64 friday = first + (G_DATE_FRIDAY - rd_weekday(first) + 7) % 7;
		append_rd(want, friday + 7, "T1300");
	}
	pattern_spec p = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = 0x000b, .period = 1,
		               .spec1 = 0x20, .spec2 = 2, .two_specific = TRUE,
		               .end_type = MFI_RECUR_END_COUNT, .count = 6, .start_offset = 780,
		               .end_offset = 840 };
	p.start = day_minutes(2025, 3, 14); /* Ramadan 1446 began on Saturday 1 March */
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;COUNT=6;BYDAY=FR;BYSETPOS=2",
	              want->str);
	g_string_truncate(want, 0);
	for (int k = 0; k < 6; k++) {
		gint64 last = hijri_month_start(1446, 9, k + 1) - 1;
		while (rd_weekday(last) == G_DATE_SATURDAY || rd_weekday(last) == G_DATE_SUNDAY)
			last--;
		append_rd(want, last, "T1300");
	}
	p.spec1 = 0x3e;
	p.spec2 = 5;
	p.start = day_minutes(2025, 3, 28);
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;COUNT=6;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
	              want->str);
	g_string_free(want, TRUE);
}

/* Yearly Hijri dates: 1 Ramadan every year; the second Friday of Ramadan;
 * 1 Ramadan in the Um al-Qura calendar. */
static void test_hijri_yearly(void **state)
{
	(void)state;
	GString *want = g_string_new(NULL);
	for (int y = 1445; y < 1451; y++)
		append_rd(want, hijri_rd(y, 9, 1), "T0000");
	pattern_spec p = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = 0x000a, .period = 12,
		               .spec1 = 1, .end_type = MFI_RECUR_END_NEVER, .end = 0x5ae980df,
		               .start = rd_minutes(hijri_rd(1445, 9, 1)), .end_offset = 1440 };
	check_pattern(&p, "RSCALE=ISLAMIC-CIVIL;FREQ=YEARLY;BYMONTHDAY=1;BYMONTH=9", want->str);
	g_string_truncate(want, 0);
	for (int y = 1445; y < 1451; y++) {
		gint64 first = hijri_rd(y, 9, 1);
		append_rd(want, first + (G_DATE_FRIDAY - rd_weekday(first) + 7) % 7 + 7, "T0000");
	}
	pattern_spec n = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = 0x000b, .period = 12,
		               .spec1 = 0x20, .spec2 = 2, .two_specific = TRUE,
		               .end_type = MFI_RECUR_END_NEVER, .end = 0x5ae980df,
		               .start = day_minutes(2024, 3, 22), .end_offset = 1440 };
	check_pattern(&n, "RSCALE=ISLAMIC-CIVIL;FREQ=YEARLY;BYDAY=FR;BYMONTH=9;BYSETPOS=2",
	              want->str);
	/* Um al-Qura (Saudi Arabia's calendar): Ramadan 1445 and 1446 began on
	 * 11 March 2024 and 1 March 2025 */
	p.caltype = 0x0017;
	p.pattern = MFI_RECUR_PATTERN_MONTH;
	p.end_type = MFI_RECUR_END_COUNT;
	p.count = 2;
	check_pattern(&p, "RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;COUNT=2;BYMONTHDAY=1;BYMONTH=9",
	              "20240311T0000 20250301T0000");
	g_string_free(want, TRUE);
}

/* [MS-OXOCAL] 4.1.1.6: every year on 3 Nisan from 3 Nisan 5768, 8:00-8:30; the
 * 2011 occurrence (3 Nisan 5771) tentative, a 60-minute reminder, new body. */
static const char spec_hebrew_yearly[] =
	"043004300D200200080080750A000C0000000000000003000000232000000A00000000000000010000"
	"00207EDC0C01000000207EDC0C6074C40CDF80E95A0630000009300000E0010000FE01000001000080"
	"DC0C1E80DC0C0080DC0C24023C000000010000000000000004000000000000000000000000000000";

/* 3 Nisan 5768..5776: Passover (15 Nisan) less 12 days, checked with
 * python3-convertdate's hebrew module. */
static const char hebrew_3_nisan[] =
	"20080408T0800 20090328T0800 20100318T0800 20110407T0800 20120326T0800 20130314T0800 "
	"20140403T0800 20150323T0800 20160411T0800";

static void test_hebrew_spec_yearly(void **state)
{
	(void)state;
	mfi_pst_recur *r = parse_hex(spec_hebrew_yearly, TRUE);
	assert_int_equal(r->calendar_type, 0x0008);
	assert_int_equal(r->pattern, MFI_RECUR_PATTERN_MONTH);
	assert_int_equal(r->period, 12);
	assert_int_equal(r->day_of_month, 3);
	assert_int_equal(r->exceptions->len, 1);
	const mfi_pst_exception *e = r->exceptions->pdata[0];
	assert_int_equal(e->flags, MFI_ARO_REMINDERDELTA | MFI_ARO_BUSYSTATUS |
	                               MFI_ARO_EXCEPTIONAL_BODY);
	assert_int_equal(e->reminder_delta, 60);
	assert_int_equal(e->busy_status, 1);
	char *rule = rrule_text(r, NULL, FALSE);
	assert_string_equal(rule, "RSCALE=HEBREW;FREQ=YEARLY;BYMONTHDAY=3;BYMONTH=7");
	g_free(rule);
	char *occ = expand(r, 9);
	assert_string_equal(occ, hebrew_3_nisan);
	g_free(occ);
	assert_string_equal(mfi_pst_recur_calendar_name(r), "Hebrew");
	assert_string_equal(mfi_pst_recur_rscale(r), "HEBREW");
	/* the whole series: valid, a note for people, the override in 2011 */
	mfi_pst_tz *tz = pacific();
	icalcomponent *cal = series_calendar(r, tz, master_event("Yahrzeit", "home"));
	icalcomponent *master = NULL;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (!icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY))
			master = c;
	char *note = x_value(master, "X-MAILFERRY-RECURRENCE-NOTE");
	assert_string_equal(note, "Hebrew calendar: the RRULE counts its months (RSCALE=HEBREW, "
	                          "RFC 7529); programs without RSCALE show other dates");
	g_free(note);
	/* the 2011 one is modified, not deleted; the override has no rule to note */
	assert_null(icalcomponent_get_first_property(master, ICAL_EXDATE_PROPERTY));
	icalcomponent *ov = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_non_null(icalcomponent_get_first_property(ov, ICAL_RECURRENCEID_PROPERTY));
	assert_null(x_value(ov, "X-MAILFERRY-RECURRENCE-NOTE"));
	char *all = occurrences(cal);
	/* 8:00 PDT = 15:00 UTC: all these dates are in daylight saving time */
	assert_true(g_str_has_prefix(all, "0408T1500Z 0328T1500Z 0318T1500Z 0407T1500Z 0326T1500Z"));
	g_free(all);
	icalcomponent_free(cal);
	mfi_pst_tz_free(tz);
	mfi_pst_recur_free(r);
}

/* A yearly date in Adar I (5L), the month leap years insert: in common years
 * it falls in Adar (RFC 7529's SKIP=FORWARD example); month and day come from
 * DTSTART. Dates from python3-convertdate: 8 Adar I 5776, 5779; 8 Adar 5777,
 * 5778, 5780, 5781. */
static void test_hebrew_leap_month(void **state)
{
	(void)state;
	pattern_spec p = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .caltype = 0x0008, .period = 12, .spec1 = 8,
		               .end_type = MFI_RECUR_END_COUNT, .count = 6,
		               .start = day_minutes(2016, 2, 17), .end_offset = 1440 };
	check_pattern(&p, "RSCALE=HEBREW;FREQ=YEARLY;COUNT=6;SKIP=FORWARD",
	              "20160217T0000 20170306T0000 20180223T0000 20190213T0000 20200304T0000 "
	              "20210220T0000");
	/* the same day in Adar II (6): every year in Adar */
	p.start = day_minutes(2016, 3, 18);
	check_pattern(&p, "RSCALE=HEBREW;FREQ=YEARLY;COUNT=6;BYMONTHDAY=8;BYMONTH=6", NULL);
	/* monthly on the 30th: Hebrew months have 29 or 30 days */
	pattern_spec m = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .caltype = 0x0008, .period = 1, .spec1 = 30,
		               .end_type = MFI_RECUR_END_NEVER, .start = day_minutes(2016, 2, 9) };
	check_pattern(&m, "RSCALE=HEBREW;FREQ=MONTHLY;BYMONTHDAY=-1", NULL);
}

/* Chinese and Korean lunar new year; 1 Chaitra of the Indian national (Saka)
 * calendar, 22 March or 21 March in Gregorian leap years. */
static void test_lunar_and_saka(void **state)
{
	(void)state;
	pattern_spec p = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .caltype = 0x000f, .period = 12, .spec1 = 1,
		               .end_type = MFI_RECUR_END_COUNT, .count = 3,
		               .start = day_minutes(2024, 2, 10), .end_offset = 1440 };
	check_pattern(&p, "RSCALE=CHINESE;FREQ=YEARLY;COUNT=3;BYMONTHDAY=1;BYMONTH=1",
	              "20240210T0000 20250129T0000 20260217T0000");
	p.caltype = 0x0014;
	check_pattern(&p, "RSCALE=DANGI;FREQ=YEARLY;COUNT=3;BYMONTHDAY=1;BYMONTH=1",
	              "20240210T0000 20250129T0000 20260217T0000");
	p.caltype = 0x0011; /* Chinese lunar with zodiac (Eto) names */
	check_pattern(&p, "RSCALE=CHINESE;FREQ=YEARLY;COUNT=3;BYMONTHDAY=1;BYMONTH=1", NULL);
	p.caltype = 0x0010;
	p.count = 4;
	p.start = day_minutes(2024, 3, 21);
	check_pattern(&p, "RSCALE=INDIAN;FREQ=YEARLY;COUNT=4;BYMONTHDAY=1;BYMONTH=1",
	              "20240321T0000 20250322T0000 20260322T0000 20270322T0000");
	/* a Chinese leap month (the second of 2023, from 22 March): in other years
	 * the month of its number */
	p.caltype = 0x000f;
	p.spec1 = 4;
	p.count = 3;
	p.start = day_minutes(2023, 3, 25);
	check_pattern(&p, "RSCALE=CHINESE;FREQ=YEARLY;COUNT=3;SKIP=BACKWARD", NULL);
	/* the second Sunday of that leap month: the month must be named */
	p.pattern = MFI_RECUR_PATTERN_MONTH_NTH;
	p.spec1 = 0x01;
	p.spec2 = 2;
	p.two_specific = TRUE;
	p.start = day_minutes(2023, 4, 2);
	check_pattern(&p, "RSCALE=CHINESE;FREQ=YEARLY;COUNT=3;BYDAY=SU;BYMONTH=2L;BYSETPOS=2;"
	              "SKIP=BACKWARD", NULL);
}

/* What stays Gregorian: the era calendars with Gregorian months (0x000A,
 * Gregorian Arabic, was refused before), daily and weekly patterns in any
 * calendar with an RSCALE or none. */
static void test_gregorian_months(void **state)
{
	(void)state;
	pattern_spec p = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .period = 1, .spec1 = 15, .end_type = MFI_RECUR_END_COUNT, .count = 3,
		               .start = day_minutes(2024, 1, 15), .start_offset = 600,
		               .end_offset = 660 };
	static const guint16 gregorian[] = { 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0007,
		                                 0x0009, 0x000a, 0x000b, 0x000c };
	for (gsize i = 0; i < G_N_ELEMENTS(gregorian); i++) {
		p.caltype = gregorian[i];
		check_pattern(&p, "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=15",
		              "20240115T1000 20240215T1000 20240315T1000");
	}
	pattern_spec w = { .freq = MFI_RECUR_FREQ_WEEKLY, .pattern = MFI_RECUR_PATTERN_WEEK,
		               .caltype = 0x0006, .period = 1, .spec1 = 0x20,
		               .end_type = MFI_RECUR_END_COUNT, .count = 3,
		               .start = day_minutes(2024, 3, 15), .start_offset = 780,
		               .end_offset = 840 };
	check_pattern(&w, "FREQ=WEEKLY;COUNT=3;BYDAY=FR;WKST=SU",
	              "20240315T1300 20240322T1300 20240329T1300");
	w.caltype = 0x000e;
	check_pattern(&w, "FREQ=WEEKLY;COUNT=3;BYDAY=FR;WKST=SU", NULL);
	GByteArray *a = build_pattern(&w);
	finish_appointment(a, &w);
	mfi_pst_recur *r = parse_bytes(a, TRUE);
	assert_null(mfi_pst_recur_calendar_name(r));
	mfi_pst_recur_free(r);
	g_byte_array_unref(a);
}

/* ---- tasks ------------------------------------------------------------------ */

static icalcomponent *task_todo(const char *uid, const char *description)
{
	icalcomponent *todo = icalcomponent_new(ICAL_VTODO_COMPONENT);
	icalcomponent_add_property(todo, icalproperty_new_uid(uid));
	icalcomponent_add_property(todo, icalproperty_new_dtstamp(
		icaltime_from_timet_with_zone(0, 0, icaltimezone_get_utc_timezone())));
	icalcomponent_add_property(todo, icalproperty_new_summary(uid));
	if (description)
		icalcomponent_add_property(todo, icalproperty_new_description(description));
	return todo;
}

static mfi_pst_recur *task_pattern(const pattern_spec *p)
{
	GByteArray *a = build_pattern(p);
	mfi_pst_recur *r = parse_bytes(a, FALSE);
	g_byte_array_unref(a);
	return r;
}

static char *tags_text(GPtrArray *tags)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < tags->len; i++)
		g_string_append_printf(s, "%s%s", s->len ? " " : "", (const char *)tags->pdata[i]);
	return g_string_free(s, FALSE);
}

/* A regenerating task: "every 2 weeks after completion" is not a schedule. */
static void test_task_regenerating(void **state)
{
	(void)state;
	pattern_spec p = { .freq = MFI_RECUR_FREQ_WEEKLY, .pattern = MFI_RECUR_PATTERN_WEEK,
		               .period = 2, .sliding = 1, .spec1 = 0x02,
		               .end_type = MFI_RECUR_END_NEVER, .end = 0x5ae980df,
		               .start = day_minutes(2024, 1, 1) };
	mfi_pst_recur *r = task_pattern(&p);
	assert_int_equal(r->sliding, 1);
	assert_true(mfi_pst_task_regenerates(r));
	icalcomponent *todo = task_todo("oil-change", "Call the garage.");
	icalcomponent_add_property(todo, icalproperty_new_due(icaltime_from_string("20240304")));
	GPtrArray *tags = g_ptr_array_new();
	mfi_pst_task_recurrence(todo, r, tags);
	char *t = tags_text(tags);
	assert_string_equal(t, "PST_RegeneratingTask");
	g_free(t);
	assert_null(icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY));
	char *regen = x_value(todo, "X-MAILFERRY-REGENERATE");
	assert_string_equal(regen, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU");
	g_free(regen);
	assert_string_equal(icalcomponent_get_description(todo),
	                    "Call the garage.\n\nRegenerating task (Outlook): a new task is due 2 "
	                    "weeks after this one is completed.");
	icalcomponent_free(todo);
	mfi_pst_recur_free(r);
	g_ptr_array_set_size(tags, 0);
	/* 3 days after completion, no description before */
	pattern_spec d = { .freq = MFI_RECUR_FREQ_DAILY, .pattern = MFI_RECUR_PATTERN_DAY,
		               .period = 3 * 1440, .sliding = 1, .no_specific = TRUE,
		               .end_type = MFI_RECUR_END_COUNT, .count = 5,
		               .start = day_minutes(2024, 1, 1) };
	r = task_pattern(&d);
	todo = task_todo("water-plants", NULL);
	mfi_pst_task_recurrence(todo, r, tags);
	assert_string_equal(icalcomponent_get_description(todo),
	                    "Regenerating task (Outlook): a new task is due 3 days after this one "
	                    "is completed.");
	regen = x_value(todo, "X-MAILFERRY-REGENERATE");
	assert_string_equal(regen, "FREQ=DAILY;COUNT=5;INTERVAL=3");
	g_free(regen);
	icalcomponent_free(todo);
	mfi_pst_recur_free(r);
	/* the same pattern on a fixed schedule: an RRULE, no note */
	g_ptr_array_set_size(tags, 0);
	d.sliding = 0;
	r = task_pattern(&d);
	todo = task_todo("water-plants", NULL);
	mfi_pst_task_recurrence(todo, r, tags);
	assert_int_equal(tags->len, 0);
	assert_string_equal(icalproperty_get_value_as_string(
		icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY)),
		"FREQ=DAILY;COUNT=5;INTERVAL=3");
	assert_null(icalcomponent_get_first_property(todo, ICAL_DESCRIPTION_PROPERTY));
	icalcomponent_free(todo);
	mfi_pst_recur_free(r);
	g_ptr_array_unref(tags);
}

/* A Hijri task on a fixed schedule, and one whose calendar has no RSCALE. */
static void test_task_calendars(void **state)
{
	(void)state;
	pattern_spec p = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = 0x000a, .period = 1,
		               .spec1 = 1, .end_type = MFI_RECUR_END_DATE,
		               .start = day_minutes(2025, 3, 1),
		               .end = rd_minutes(hijri_month_start(1446, 9, 3)) };
	mfi_pst_recur *r = task_pattern(&p);
	icalcomponent *todo = task_todo("zakat", NULL);
	GPtrArray *tags = g_ptr_array_new();
	mfi_pst_task_recurrence(todo, r, tags);
	char *t = tags_text(tags);
	assert_string_equal(t, "PST_RecurrenceNonGregorian");
	g_free(t);
	GString *until = g_string_new(NULL);
	append_rd(until, hijri_month_start(1446, 9, 3), "");
	char *want = g_strdup_printf("RSCALE=ISLAMIC-CIVIL;FREQ=MONTHLY;UNTIL=%s;BYMONTHDAY=1",
	                             until->str);
	assert_string_equal(icalproperty_get_value_as_string(
		icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY)), want);
	g_free(want);
	g_string_free(until, TRUE);
	char *note = x_value(todo, "X-MAILFERRY-RECURRENCE-NOTE");
	assert_non_null(strstr(note, "Hijri calendar"));
	g_free(note);
	icalcomponent_free(todo);
	mfi_pst_recur_free(r);
	g_ptr_array_set_size(tags, 0);
	p.caltype = 0x0013; /* Japanese lunar (Rokuyou) */
	p.pattern = MFI_RECUR_PATTERN_MONTH;
	r = task_pattern(&p);
	todo = task_todo("rokuyou", NULL);
	mfi_pst_task_recurrence(todo, r, tags);
	t = tags_text(tags);
	assert_string_equal(t, "PST_RecurrenceUnsupported");
	g_free(t);
	assert_null(icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY));
	note = x_value(todo, "X-MAILFERRY-RECURRENCE-NOTE");
	assert_string_equal(note, "calendar without an RSCALE (RFC 7529) counterpart");
	g_free(note);
	icalcomponent_free(todo);
	mfi_pst_recur_free(r);
	g_ptr_array_unref(tags);
}

/* ---- an independent reader -------------------------------------------------- */

static char *write_calendar(const char *dir, const char *name, icalcomponent *cal)
{
	char *path = g_build_filename(dir, name, NULL);
	char *text = icalcomponent_as_ical_string_r(cal);
	g_file_set_contents(path, text, -1, NULL);
	free(text);
	return path;
}

static icalcomponent *wrap(icalcomponent *comp)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//test//EN"));
	icalcomponent_add_component(cal, comp);
	return cal;
}

/* tests/e2e/rscale_check.py's lines for `files` (python3-icalendar). */
static char *python_read(GPtrArray *files)
{
	const char *td = g_getenv("MF_TESTDATA");
	char *script = g_build_filename(td ? td : "testdata", "..", "tests", "e2e",
	                                "rscale_check.py", NULL);
	GPtrArray *args = g_ptr_array_new();
	g_ptr_array_add(args, script);
	for (guint i = 0; i < files->len; i++)
		g_ptr_array_add(args, files->pdata[i]);
	g_ptr_array_add(args, NULL);
	char *out = mf_test_python((const char *const *)args->pdata, "python3-icalendar check");
	g_ptr_array_unref(args);
	g_free(script);
	return out;
}

/* What python3-icalendar reads of a Hebrew and a Hijri series and of two
 * tasks: the RSCALE rules part by part, no RRULE but the note on a
 * regenerating task. A rule naming a leap month ("5L", RFC 7529) would make
 * Debian 12's python3-icalendar 4.0.3 reject the whole file with a VTODO in it:
 * the Adar I task leaves the month to DTSTART. */
static void test_python_icalendar(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("mf-recur-XXXXXX", NULL);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	mfi_pst_tz *tz = pacific();

	mfi_pst_recur *r = parse_hex(spec_hebrew_yearly, TRUE);
	icalcomponent *cal = series_calendar(r, tz, master_event("Yahrzeit", "home"));
	g_ptr_array_add(files, write_calendar(dir, "hebrew.ics", cal));
	icalcomponent_free(cal);
	mfi_pst_recur_free(r);

	pattern_spec h = { .freq = MFI_RECUR_FREQ_MONTHLY, .pattern = 0x000b, .period = 1,
		               .spec1 = 0x20, .spec2 = 2, .two_specific = TRUE,
		               .end_type = MFI_RECUR_END_COUNT, .count = 6,
		               .start = day_minutes(2025, 3, 14), .start_offset = 780,
		               .end_offset = 840 };
	GByteArray *a = build_pattern(&h);
	finish_appointment(a, &h);
	r = parse_bytes(a, TRUE);
	icalcomponent *ev = master_event("Jumu'ah lecture", "mosque");
	icalproperty_set_uid(icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY), "hijri-uid");
	cal = series_calendar(r, tz, ev);
	g_ptr_array_add(files, write_calendar(dir, "hijri.ics", cal));
	icalcomponent_free(cal);
	mfi_pst_recur_free(r);
	g_byte_array_unref(a);

	GPtrArray *tags = g_ptr_array_new();
	pattern_spec t = { .freq = MFI_RECUR_FREQ_WEEKLY, .pattern = MFI_RECUR_PATTERN_WEEK,
		               .period = 2, .sliding = 1, .spec1 = 0x02,
		               .end_type = MFI_RECUR_END_NEVER, .end = 0x5ae980df,
		               .start = day_minutes(2024, 1, 1) };
	r = task_pattern(&t);
	icalcomponent *todo = task_todo("oil-change", "Call the garage.");
	icalcomponent_add_property(todo, icalproperty_new_due(icaltime_from_string("20240304")));
	mfi_pst_task_recurrence(todo, r, tags);
	cal = wrap(todo);
	mfi_pst_recur_free(r);
	pattern_spec y = { .freq = MFI_RECUR_FREQ_YEARLY, .pattern = MFI_RECUR_PATTERN_MONTH,
		               .caltype = 0x0008, .period = 12, .spec1 = 8,
		               .end_type = MFI_RECUR_END_NEVER, .end = 0x5ae980df,
		               .start = day_minutes(2016, 2, 17) };
	r = task_pattern(&y);
	todo = task_todo("adar-i", NULL);
	icalcomponent_add_property(todo, icalproperty_new_dtstart(icaltime_from_string("20160217")));
	mfi_pst_task_recurrence(todo, r, tags);
	icalcomponent_add_component(cal, todo);
	assert_true(icalrestriction_check(cal));
	g_ptr_array_add(files, write_calendar(dir, "tasks.ics", cal));
	icalcomponent_free(cal);
	mfi_pst_recur_free(r);
	g_ptr_array_unref(tags);

	char *out = python_read(files);
	char **lines = g_strsplit(out, "\n", -1);
	assert_int_equal(g_strv_length(lines), 5); /* four and the empty one after the last */
	assert_string_equal(lines[0], "test-uid|BYMONTH=7;BYMONTHDAY=3;FREQ=YEARLY;RSCALE=HEBREW|-|-");
	assert_string_equal(lines[1], "hijri-uid|BYDAY=FR;BYSETPOS=2;COUNT=6;FREQ=MONTHLY;"
	                              "RSCALE=ISLAMIC-CIVIL|-|-");
	assert_string_equal(lines[2], "oil-change|-|FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=SU|"
	                              "Regenerating task (Outlook): a new task is due 2 weeks after "
	                              "this one is completed.");
	assert_string_equal(lines[3], "adar-i|FREQ=YEARLY;RSCALE=HEBREW;SKIP=FORWARD|-|-");
	g_strfreev(lines);
	g_free(out);
	for (guint i = 0; i < files->len; i++)
		g_unlink(files->pdata[i]);
	g_rmdir(dir);
	g_free(dir);
	g_ptr_array_unref(files);
	mfi_pst_tz_free(tz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_weekly_exception),
		cmocka_unit_test(test_spec_daily_deleted),
		cmocka_unit_test(test_monthly_patterns),
		cmocka_unit_test(test_yearly_weekly_daily),
		cmocka_unit_test(test_all_day_and_task),
		cmocka_unit_test(test_unsupported_and_broken),
		cmocka_unit_test(test_exception_wide_text),
		cmocka_unit_test(test_vevent_spec_exception),
		cmocka_unit_test(test_vevent_spec_deleted),
		cmocka_unit_test(test_vevent_override_fields),
		cmocka_unit_test(test_valarm_lead_time),
		cmocka_unit_test(test_hijri_month_day),
		cmocka_unit_test(test_hijri_month_nth),
		cmocka_unit_test(test_hijri_yearly),
		cmocka_unit_test(test_hebrew_spec_yearly),
		cmocka_unit_test(test_hebrew_leap_month),
		cmocka_unit_test(test_lunar_and_saka),
		cmocka_unit_test(test_gregorian_months),
		cmocka_unit_test(test_task_regenerating),
		cmocka_unit_test(test_task_calendars),
		cmocka_unit_test(test_python_icalendar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
