/* Recurrence blobs ([MS-OXOCAL] 2.2.1.44) -> RRULE/EXDATE/exceptions. Pure;
 * see pst-recur.h. */
#include "pst-recur.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#define RECUR_DAY_MINUTES 1440
#define RECUR_MAX_LIST 100000 /* sanity bound for instance/exception counts */

/* A bounds-checked little-endian cursor; the first failure names its field. */
typedef struct {
	const guint8 *p;
	gsize left;
	const char *failed;
} cursor;

static gboolean need(cursor *c, gsize n, const char *field)
{
	if (c->failed)
		return FALSE;
	if (c->left < n) {
		c->failed = field;
		return FALSE;
	}
	return TRUE;
}

static guint16 rd16(cursor *c, const char *field)
{
	if (!need(c, 2, field))
		return 0;
	guint16 v = (guint16)(c->p[0] | (c->p[1] << 8));
	c->p += 2;
	c->left -= 2;
	return v;
}

static guint32 rd32(cursor *c, const char *field)
{
	if (!need(c, 4, field))
		return 0;
	guint32 v = (guint32)c->p[0] | ((guint32)c->p[1] << 8) | ((guint32)c->p[2] << 16) |
	            ((guint32)c->p[3] << 24);
	c->p += 4;
	c->left -= 4;
	return v;
}

static const guint8 *take(cursor *c, gsize n, const char *field)
{
	if (!need(c, n, field))
		return NULL;
	const guint8 *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static GArray *rd_list(cursor *c, const char *field)
{
	guint32 n = rd32(c, field);
	GArray *a = g_array_new(FALSE, FALSE, sizeof(guint32));
	if (n > RECUR_MAX_LIST || n > c->left / 4) {
		if (!c->failed)
			c->failed = field;
		return a;
	}
	for (guint32 i = 0; i < n; i++) {
		guint32 v = rd32(c, field);
		g_array_append_val(a, v);
	}
	return a;
}

static void exception_free(gpointer data)
{
	mfi_pst_exception *e = data;
	g_free(e->subject);
	g_free(e->location);
	g_free(e);
}

void mfi_pst_recur_free(mfi_pst_recur *r)
{
	if (!r)
		return;
	if (r->deleted)
		g_array_unref(r->deleted);
	if (r->modified)
		g_array_unref(r->modified);
	if (r->exceptions)
		g_ptr_array_unref(r->exceptions);
	g_free(r);
}

static void parse_pattern(cursor *c, mfi_pst_recur *r)
{
	rd16(c, "ReaderVersion");
	rd16(c, "WriterVersion");
	r->frequency = rd16(c, "RecurFrequency");
	r->pattern = rd16(c, "PatternType");
	r->calendar_type = rd16(c, "CalendarType");
	r->first_date_time = rd32(c, "FirstDateTime");
	r->period = rd32(c, "Period");
	r->sliding = rd32(c, "SlidingFlag");
	switch (r->pattern) {
	case MFI_RECUR_PATTERN_WEEK:
		r->days = rd32(c, "PatternTypeSpecific");
		break;
	case MFI_RECUR_PATTERN_MONTH:
	case MFI_RECUR_PATTERN_MONTH_END:
	case 0x000a: /* HjMonth */
	case 0x000c: /* HjMonthEnd */
		r->day_of_month = rd32(c, "PatternTypeSpecific");
		break;
	case MFI_RECUR_PATTERN_MONTH_NTH:
	case 0x000b: /* HjMonthNth */
		r->days = rd32(c, "PatternTypeSpecific");
		r->nth = rd32(c, "PatternTypeSpecific");
		break;
	default:
		break;
	}
	r->end_type = rd32(c, "EndType");
	r->occurrence_count = rd32(c, "OccurrenceCount");
	r->first_dow = rd32(c, "FirstDOW");
	r->deleted = rd_list(c, "DeletedInstanceDates");
	r->modified = rd_list(c, "ModifiedInstanceDates");
	r->start_date = rd32(c, "StartDate");
	r->end_date = rd32(c, "EndDate");
}

/* 8-bit text (length-prefixed twice in ExceptionInfo) as UTF-8. */
static char *cp_text(const guint8 *p, gsize n, int codepage)
{
	char *cs = g_strdup_printf("CP%d", codepage > 0 ? codepage : 1252);
	char *s = g_convert_with_fallback((const char *)p, (gssize)n, "UTF-8", cs, "?", NULL, NULL,
	                                  NULL);
	g_free(cs);
	if (!s)
		s = g_utf8_make_valid((const char *)p, (gssize)n);
	return s;
}

static char *rd_ansi(cursor *c, int codepage, const char *field)
{
	rd16(c, field);                 /* length + 1 */
	guint16 n = rd16(c, field);     /* length */
	const guint8 *p = take(c, n, field);
	return p ? cp_text(p, n, codepage) : NULL;
}

static mfi_pst_exception *parse_exception_info(cursor *c, int codepage)
{
	mfi_pst_exception *e = g_new0(mfi_pst_exception, 1);
	e->start = rd32(c, "ExceptionInfo.StartDateTime");
	e->end = rd32(c, "ExceptionInfo.EndDateTime");
	e->original_start = rd32(c, "ExceptionInfo.OriginalStartDate");
	e->flags = rd16(c, "ExceptionInfo.OverrideFlags");
	if (e->flags & MFI_ARO_SUBJECT)
		e->subject = rd_ansi(c, codepage, "ExceptionInfo.Subject");
	if (e->flags & MFI_ARO_MEETINGTYPE)
		e->meeting_type = rd32(c, "ExceptionInfo.MeetingType");
	if (e->flags & MFI_ARO_REMINDERDELTA)
		e->reminder_delta = rd32(c, "ExceptionInfo.ReminderDelta");
	if (e->flags & MFI_ARO_REMINDER)
		e->reminder_set = rd32(c, "ExceptionInfo.ReminderSet");
	if (e->flags & MFI_ARO_LOCATION)
		e->location = rd_ansi(c, codepage, "ExceptionInfo.Location");
	if (e->flags & MFI_ARO_BUSYSTATUS)
		e->busy_status = rd32(c, "ExceptionInfo.BusyStatus");
	if (e->flags & MFI_ARO_ATTACHMENT)
		e->attachment = rd32(c, "ExceptionInfo.Attachment");
	if (e->flags & MFI_ARO_SUBTYPE)
		e->subtype = rd32(c, "ExceptionInfo.SubType");
	if (e->flags & MFI_ARO_APPTCOLOR)
		e->color = rd32(c, "ExceptionInfo.AppointmentColor");
	return e;
}

static char *rd_wide(cursor *c, const char *field)
{
	guint16 n = rd16(c, field);
	const guint8 *p = take(c, (gsize)n * 2, field);
	if (!p)
		return NULL;
	gunichar2 *u = g_new(gunichar2, n + 1);
	for (guint16 i = 0; i < n; i++)
		u[i] = (gunichar2)(p[2 * i] | (p[2 * i + 1] << 8));
	char *s = g_utf16_to_utf8(u, n, NULL, NULL, NULL);
	g_free(u);
	return s;
}

/* The Unicode subject/location replace the 8-bit ones when present. */
static void parse_extended_exception(cursor *c, guint32 writer2, mfi_pst_exception *e)
{
	if (writer2 >= 0x3009) {
		guint32 size = rd32(c, "ExtendedException.ChangeHighlightSize");
		take(c, size, "ExtendedException.ChangeHighlight");
	}
	take(c, rd32(c, "ExtendedException.ReservedBlockEE1Size"), "ExtendedException.ReservedBlockEE1");
	if (!(e->flags & (MFI_ARO_SUBJECT | MFI_ARO_LOCATION)))
		return;
	rd32(c, "ExtendedException.StartDateTime");
	rd32(c, "ExtendedException.EndDateTime");
	rd32(c, "ExtendedException.OriginalStartDate");
	if (e->flags & MFI_ARO_SUBJECT) {
		char *s = rd_wide(c, "ExtendedException.WideCharSubject");
		if (s) {
			g_free(e->subject);
			e->subject = s;
		}
	}
	if (e->flags & MFI_ARO_LOCATION) {
		char *s = rd_wide(c, "ExtendedException.WideCharLocation");
		if (s) {
			g_free(e->location);
			e->location = s;
		}
	}
	take(c, rd32(c, "ExtendedException.ReservedBlockEE2Size"), "ExtendedException.ReservedBlockEE2");
}

static void parse_appointment_part(cursor *c, mfi_pst_recur *r, int codepage)
{
	rd32(c, "ReaderVersion2");
	r->writer_version2 = rd32(c, "WriterVersion2");
	r->start_offset = rd32(c, "StartTimeOffset");
	r->end_offset = rd32(c, "EndTimeOffset");
	guint16 n = rd16(c, "ExceptionCount");
	for (guint16 i = 0; i < n && !c->failed; i++)
		g_ptr_array_add(r->exceptions, parse_exception_info(c, codepage));
	if (c->failed)
		return;
	take(c, rd32(c, "ReservedBlock1Size"), "ReservedBlock1");
	/* Writers before Outlook 2003 stop here: the extended part is optional. */
	if (c->failed || c->left == 0) {
		c->failed = NULL;
		return;
	}
	cursor save = *c;
	for (guint i = 0; i < r->exceptions->len && !c->failed; i++)
		parse_extended_exception(c, r->writer_version2, r->exceptions->pdata[i]);
	if (c->failed)
		*c = save; /* keep the 8-bit texts; the extended part is damaged */
}

mfi_pst_recur *mfi_pst_recur_parse(const guint8 *data, gsize len, gboolean appointment,
                                   int codepage, GError **error)
{
	cursor c = { data, data ? len : 0, NULL };
	mfi_pst_recur *r = g_new0(mfi_pst_recur, 1);
	r->appointment = appointment;
	r->exceptions = g_ptr_array_new_with_free_func(exception_free);
	parse_pattern(&c, r);
	if (!c.failed && appointment)
		parse_appointment_part(&c, r, codepage);
	if (c.failed) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "recurrence blob (%zu bytes) truncated or invalid at %s", len, c.failed);
		mfi_pst_recur_free(r);
		return NULL;
	}
	return r;
}

gint64 mfi_pst_recur_first_start(const mfi_pst_recur *r)
{
	return MFI_MINUTES_1601_TO_LOCAL((gint64)r->start_date + r->start_offset);
}

static void append_days(GString *s, guint32 mask)
{
	static const char *const names[7] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };
	gboolean first = TRUE;
	g_string_append(s, ";BYDAY=");
	for (int d = 0; d < 7; d++) {
		if (!(mask & (1u << d)))
			continue;
		g_string_append_printf(s, "%s%s", first ? "" : ",", names[d]);
		first = FALSE;
	}
}

/* ---- calendars ------------------------------------------------------------ */

/* CalendarType ([MS-OXOCAL] 2.2.1.44.1; Outlook's names from [MS-OXCICAL]
 * 2.1.3.1.1.8) of the calendars whose months are not Gregorian, and the RFC 7529
 * RSCALE (a CLDR calendar name) that counts the same months. Outlook itself
 * exports such a series as X-MICROSOFT-CALSCALE on the VCALENDAR with
 * X-MICROSOFT-RRULE / X-MICROSOFT-EXDATE in place of RRULE / EXDATE, months in
 * that calendar's numbering and X-MICROSOFT-ISLEAPMONTH for a leap month
 * ([MS-OXCICAL] 2.1.3.1.1.8, 2.1.3.1.1.20.39, 2.1.3.1.1.20.45.2): only Outlook and
 * Exchange read those, and a VEVENT must not carry both rules. We write RFC 7529
 * instead: RSCALE in the RRULE, BYMONTH in that calendar's months ("5L" a leap
 * month), EXDATE and UNTIL as the Gregorian dates they are.
 *
 * CAL_HIJRI is Windows' tabular Hijri calendar (30-year cycle, leap years 2, 5,
 * 7, 10, 13, 16, 18, 21, 24, 26, 29; 1 Muharram 1 = 16 July 622 Julian): CLDR's
 * islamic-civil. A per-user Hijri adjustment (a day or two) Outlook may have
 * applied is not in the blob. The lunar "Eto" variants are the Chinese and
 * Korean lunar calendars with zodiac names. The Japanese lunar calendars have no
 * CLDR counterpart: such a series keeps its first occurrence. */
typedef struct {
	guint16 type;
	const char *name;        /* Outlook's name, for the note a person reads */
	const char *rscale;      /* NULL: no RSCALE calendar */
	int longest_month;       /* days: a larger day of month is the month's last day */
	const char *leap_skip;   /* SKIP for a yearly date in a leap month, in years without it */
} calendar_scale;

enum {
	CAL_HIJRI = 0x0006,
	CAL_HEBREW = 0x0008,
	CAL_LUNAR_JAPANESE = 0x000e,
	CAL_CHINESE_LUNAR = 0x000f,
	CAL_SAKA = 0x0010,
	CAL_LUNAR_ETO_CHN = 0x0011,
	CAL_LUNAR_ETO_KOR = 0x0012,
	CAL_LUNAR_ROKUYOU = 0x0013,
	CAL_LUNAR_KOREAN = 0x0014,
	CAL_UMALQURA = 0x0017,
	PATTERN_HJ_MONTH = 0x000a,
	PATTERN_HJ_MONTH_NTH = 0x000b,
	PATTERN_HJ_MONTH_END = 0x000c,
};

/* Adar I (5L) is the month inserted before Adar: a date in it falls in Adar in
 * common years (RFC 7529 4.3.2's example). A Chinese or Korean leap month
 * follows the month of its number: a date in it falls in that month. */
static const calendar_scale calendar_scales[] = {
	{ CAL_HIJRI, "Hijri", "ISLAMIC-CIVIL", 30, NULL },
	{ CAL_HEBREW, "Hebrew", "HEBREW", 30, "FORWARD" },
	{ CAL_LUNAR_JAPANESE, "Japanese lunar", NULL, 30, NULL },
	{ CAL_CHINESE_LUNAR, "Chinese lunar", "CHINESE", 30, "BACKWARD" },
	{ CAL_SAKA, "Saka", "INDIAN", 31, NULL },
	{ CAL_LUNAR_ETO_CHN, "Chinese lunar (Eto)", "CHINESE", 30, "BACKWARD" },
	{ CAL_LUNAR_ETO_KOR, "Korean lunar (Eto)", "DANGI", 30, "BACKWARD" },
	{ CAL_LUNAR_ROKUYOU, "Japanese lunar (Rokuyou)", NULL, 30, NULL },
	{ CAL_LUNAR_KOREAN, "Korean lunar", "DANGI", 30, "BACKWARD" },
	{ CAL_UMALQURA, "Um al-Qura", "ISLAMIC-UMALQURA", 30, NULL },
};

/* Gregorian months: the default, localized Gregorian, and the era calendars
 * that number Gregorian years differently (Japan, Taiwan, Korea Tangun, Thai). */
static gboolean gregorian_months(guint16 type)
{
	switch (type) {
	case 0x0000: case 0x0001: case 0x0002: case 0x0003: case 0x0004: case 0x0005:
	case 0x0007: case 0x0009: case 0x000a: case 0x000b: case 0x000c:
		return TRUE;
	default:
		return FALSE;
	}
}

static gboolean hijri_pattern(guint16 pattern)
{
	return pattern >= PATTERN_HJ_MONTH && pattern <= PATTERN_HJ_MONTH_END;
}

/* Daily and weekly patterns are the same days in every calendar. */
static gboolean counts_months(const mfi_pst_recur *r)
{
	return r->pattern != MFI_RECUR_PATTERN_DAY && r->pattern != MFI_RECUR_PATTERN_WEEK;
}

/* The calendar whose months the pattern counts; NULL for Gregorian months. A
 * Hijri pattern type means the Hijri calendar whatever CalendarType says (it
 * SHOULD be 0), unless CalendarType names the other Hijri calendar. */
static const calendar_scale *pattern_scale(const mfi_pst_recur *r, gboolean *known_r)
{
	guint16 type = r->calendar_type;
	*known_r = TRUE;
	if (hijri_pattern(r->pattern) && type != CAL_UMALQURA)
		type = CAL_HIJRI;
	if (gregorian_months(type))
		return NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(calendar_scales); i++)
		if (calendar_scales[i].type == type)
			return &calendar_scales[i];
	*known_r = FALSE;
	return NULL;
}

static gboolean rscale_supported(const char *rscale)
{
	icalarray *names = icalrecurrencetype_rscale_supported_calendars();
	gboolean found = FALSE;
	for (size_t i = 0; names && i < names->num_elements && !found; i++)
		found = g_ascii_strcasecmp(*(const char **)icalarray_element_at(names, i), rscale) == 0;
	if (names)
		icalarray_free(names);
	return found;
}

const char *mfi_pst_recur_calendar_name(const mfi_pst_recur *r)
{
	gboolean known;
	const calendar_scale *scale = counts_months(r) ? pattern_scale(r, &known) : NULL;
	return scale && scale->rscale ? scale->name : NULL;
}

const char *mfi_pst_recur_rscale(const mfi_pst_recur *r)
{
	gboolean known;
	const calendar_scale *scale = counts_months(r) ? pattern_scale(r, &known) : NULL;
	return scale ? scale->rscale : NULL;
}

/* Does libical put the first occurrence of `rule` (an RSCALE rule) on `date`? */
static gboolean rule_starts_on(const char *rule, struct icaltimetype date)
{
	struct icalrecurrencetype rt = icalrecurrencetype_from_string(rule);
	icalrecur_iterator *it = rt.freq != ICAL_NO_RECURRENCE ? icalrecur_iterator_new(rt, date)
	                                                       : NULL;
	gboolean on = FALSE;
	if (it) {
		on = icaltime_compare_date_only(icalrecur_iterator_next(it), date) == 0;
		icalrecur_iterator_free(it);
	}
	free(rt.rscale); /* icalrecurrencetype_from_string() strdup()s it for the caller */
	return on;
}

/* The day of its month `date` is in `rscale` (months of 31 days at most), 0
 * when libical cannot tell: the days from the 1st before it. */
static int scale_day(const char *rscale, struct icaltimetype date)
{
	struct icaltimetype from = date;
	icaltime_adjust(&from, -31, 0, 0, 0);
	char *rule = g_strdup_printf("RSCALE=%s;FREQ=DAILY;BYMONTHDAY=1", rscale);
	struct icalrecurrencetype rt = icalrecurrencetype_from_string(rule);
	g_free(rule);
	icalrecur_iterator *it = rt.freq != ICAL_NO_RECURRENCE ? icalrecur_iterator_new(rt, from)
	                                                       : NULL;
	free(rt.rscale); /* icalrecurrencetype_from_string() strdup()s it for the caller */
	if (!it)
		return 0;
	struct icaltimetype first = icaltime_null_date(), t;
	while (!icaltime_is_null_time(t = icalrecur_iterator_next(it)) &&
	       icaltime_compare_date_only(t, date) <= 0)
		first = t;
	icalrecur_iterator_free(it);
	if (icaltime_is_null_time(first))
		return 0;
	first.is_date = date.is_date = 1;
	return (int)((icaltime_as_timet(date) - icaltime_as_timet(first)) / 86400) + 1;
}

/* Is `first`, the 1st of a month of `rscale`, the 1st of month `month` ("L":
 * the leap month of that number)? Asked month by month for the 1st, which
 * every month has: libical looks for the next match as far as it takes. */
static gboolean scale_month_is(const char *rscale, struct icaltimetype first, int month,
                               gboolean leap)
{
	char *rule = g_strdup_printf("RSCALE=%s;FREQ=MONTHLY;COUNT=1;BYMONTH=%d%s;BYMONTHDAY=1",
	                             rscale, month, leap ? "L" : "");
	gboolean on = rule_starts_on(rule, first);
	g_free(rule);
	return on;
}

static int plain_month(const char *rscale, struct icaltimetype first)
{
	for (int month = 1; month <= 12; month++)
		if (scale_month_is(rscale, first, month, FALSE))
			return month;
	return 0;
}

/* The month `date` (day `day` of it) is in, numbered as RFC 7529 writes BYMONTH
 * for `rscale` (9; 5 and *leap_r for "5L"); 0 when none is found. libical
 * (through ICU) is asked which BYMONTH selects the month's 1st: it is the
 * calendar arithmetic we have. A month that is none of 1..12 is the leap month
 * that follows the month before it. */
static int scale_month(const char *rscale, struct icaltimetype date, int day, gboolean *leap_r)
{
	*leap_r = FALSE;
	struct icaltimetype first = date;
	icaltime_adjust(&first, 1 - day, 0, 0, 0);
	int month = plain_month(rscale, first);
	if (month)
		return month;
	struct icaltimetype before = first;
	icaltime_adjust(&before, -1, 0, 0, 0);
	int before_day = scale_day(rscale, before);
	if (!before_day)
		return 0;
	icaltime_adjust(&before, 1 - before_day, 0, 0, 0);
	month = plain_month(rscale, before);
	*leap_r = month && scale_month_is(rscale, first, month, TRUE);
	return *leap_r ? month : 0;
}

/* ---- RRULE ---------------------------------------------------------------- */

static struct icaltimetype first_date(const mfi_pst_recur *r)
{
	return mfi_pst_local_icaltime(mfi_pst_recur_first_start(r), TRUE);
}

static gboolean yearly(const mfi_pst_recur *r)
{
	return r->frequency == MFI_RECUR_FREQ_YEARLY && r->period % 12 == 0;
}

static gboolean month_end(const mfi_pst_recur *r)
{
	return r->pattern == MFI_RECUR_PATTERN_MONTH_END || r->pattern == PATTERN_HJ_MONTH_END;
}

static gboolean month_nth(const mfi_pst_recur *r)
{
	return r->pattern == MFI_RECUR_PATTERN_MONTH_NTH || r->pattern == PATTERN_HJ_MONTH_NTH;
}

/* BYMONTHDAY, or BYDAY + BYSETPOS. A day past the longest month is the last
 * day, as Outlook schedules it. */
static void append_month_days(GString *s, const mfi_pst_recur *r, int longest_month)
{
	if (month_end(r) || r->day_of_month >= (guint32)longest_month)
		g_string_append(s, ";BYMONTHDAY=-1");
	else if (!month_nth(r))
		g_string_append_printf(s, ";BYMONTHDAY=%u", MAX(r->day_of_month, 1));
	else {
		append_days(s, r->days);
		g_string_append_printf(s, ";BYSETPOS=%d", r->nth >= 5 ? -1 : (int)MAX(r->nth, 1));
	}
}

/* Monthly and yearly patterns in Gregorian months: FREQ, INTERVAL, BYMONTH. */
static void append_monthly(GString *s, const mfi_pst_recur *r)
{
	if (yearly(r))
		g_string_append_printf(s, "FREQ=YEARLY;INTERVAL=%u;BYMONTH=%d", r->period / 12,
		                       first_date(r).month);
	else
		g_string_append_printf(s, "FREQ=MONTHLY;INTERVAL=%u", r->period);
	append_month_days(s, r, 31);
}

/* Monthly and yearly patterns in another calendar's months (RFC 7529). A
 * yearly date in a leap month takes the calendar's SKIP for the years without
 * that month, and when it is DTSTART's day of month the rule leaves month and
 * day to DTSTART (RFC 5545 3.3.10): a leap month ("5L") is RFC 7529 too, but
 * readers that know RSCALE only partly (python3-icalendar 4.0.3) reject a
 * whole VTODO over it. */
static gboolean append_scaled(GString *s, const mfi_pst_recur *r, const calendar_scale *scale,
                              const char **why_r)
{
	if (!rscale_supported(scale->rscale)) {
		*why_r = "calendar not supported by this libical (no RSCALE)";
		return FALSE;
	}
	g_string_append_printf(s, "RSCALE=%s;", scale->rscale);
	if (!yearly(r)) {
		g_string_append_printf(s, "FREQ=MONTHLY;INTERVAL=%u", r->period);
		append_month_days(s, r, scale->longest_month);
		return TRUE;
	}
	g_string_append_printf(s, "FREQ=YEARLY;INTERVAL=%u", r->period / 12);
	gboolean leap = FALSE;
	struct icaltimetype start = first_date(r);
	int day = scale_day(scale->rscale, start);
	int month = day ? scale_month(scale->rscale, start, day, &leap) : 0;
	if (!month) {
		*why_r = "first occurrence not found in its calendar";
		return FALSE;
	}
	leap = leap && scale->leap_skip;
	if (leap && !month_nth(r) && !month_end(r) &&
	    r->day_of_month < (guint32)scale->longest_month && day == (int)r->day_of_month) {
		g_string_append_printf(s, ";SKIP=%s", scale->leap_skip);
		return TRUE;
	}
	g_string_append_printf(s, ";BYMONTH=%d%s", month, leap ? "L" : "");
	append_month_days(s, r, scale->longest_month);
	if (leap)
		g_string_append_printf(s, ";SKIP=%s", scale->leap_skip);
	return TRUE;
}

/* FREQ and its BY* parts, or NULL with *why_r. */
static GString *rule_body(const mfi_pst_recur *r, const char **why_r)
{
	static const char *const wkst[7] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };
	gboolean known = TRUE;
	const calendar_scale *scale = pattern_scale(r, &known);
	if (!known) {
		*why_r = "non-Gregorian calendar type";
		return NULL;
	}
	if (scale && !scale->rscale && counts_months(r)) {
		*why_r = "calendar without an RSCALE (RFC 7529) counterpart";
		return NULL;
	}
	if (r->period == 0) {
		*why_r = "zero period";
		return NULL;
	}
	GString *s = g_string_new(NULL);
	switch (r->pattern) {
	case MFI_RECUR_PATTERN_DAY:
		g_string_append_printf(s, "FREQ=DAILY;INTERVAL=%u", MAX(r->period / RECUR_DAY_MINUTES, 1));
		break;
	case MFI_RECUR_PATTERN_WEEK:
		if (r->days == 0)
			break;
		/* "every weekday" is a daily pattern with Week type and Period 1 */
		g_string_append_printf(s, "FREQ=WEEKLY;INTERVAL=%u",
		                       r->frequency == MFI_RECUR_FREQ_DAILY ? 1 : r->period);
		append_days(s, r->days);
		g_string_append_printf(s, ";WKST=%s", wkst[r->first_dow % 7]);
		break;
	case MFI_RECUR_PATTERN_MONTH:
	case MFI_RECUR_PATTERN_MONTH_END:
	case MFI_RECUR_PATTERN_MONTH_NTH:
	case PATTERN_HJ_MONTH:
	case PATTERN_HJ_MONTH_NTH:
	case PATTERN_HJ_MONTH_END:
		if (month_nth(r) && r->days == 0)
			break;
		if (!scale)
			append_monthly(s, r);
		else if (!append_scaled(s, r, scale, why_r)) {
			g_string_free(s, TRUE);
			return NULL;
		}
		break;
	default:
		g_string_free(s, TRUE);
		*why_r = "unknown pattern type";
		return NULL;
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		*why_r = "pattern without days";
		return NULL;
	}
	return s;
}

static void append_until(GString *s, const mfi_pst_recur *r, const mfi_pst_tz *tz,
                         gboolean all_day)
{
	gint64 local = MFI_MINUTES_1601_TO_LOCAL((gint64)r->end_date + r->start_offset);
	if (all_day) {
		struct icaltimetype d = mfi_pst_local_icaltime(local, TRUE);
		g_string_append_printf(s, ";UNTIL=%04d%02d%02d", d.year, d.month, d.day);
		return;
	}
	gint64 utc = tz ? mfi_pst_tz_local_to_utc(tz, local) : local;
	struct icaltimetype t = mfi_pst_local_icaltime(utc, FALSE);
	g_string_append_printf(s, ";UNTIL=%04d%02d%02dT%02d%02d%02d%s", t.year, t.month, t.day, t.hour,
	                       t.minute, t.second, tz ? "Z" : "");
}

icalproperty *mfi_pst_recur_rrule(const mfi_pst_recur *r, const mfi_pst_tz *tz,
                                  gboolean all_day, const char **why_r)
{
	GString *s = rule_body(r, why_r);
	if (!s)
		return NULL;
	if (r->end_type == MFI_RECUR_END_COUNT && r->occurrence_count > 0)
		g_string_append_printf(s, ";COUNT=%u", r->occurrence_count);
	else if (r->end_type == MFI_RECUR_END_DATE)
		append_until(s, r, tz, all_day);
	struct icalrecurrencetype rule = icalrecurrencetype_from_string(s->str);
	g_string_free(s, TRUE);
	icalproperty *p = NULL;
	if (rule.freq == ICAL_NO_RECURRENCE)
		*why_r = "rule not accepted by libical";
	else
		p = icalproperty_new_rrule(rule); /* copies the rule, RSCALE text included */
	free(rule.rscale);
	return p;
}

static gint cmp_i64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

const mfi_pst_exception *mfi_pst_recur_find_exception(const mfi_pst_recur *r,
                                                      gint64 original_local)
{
	for (guint i = 0; r->exceptions && i < r->exceptions->len; i++) {
		const mfi_pst_exception *e = r->exceptions->pdata[i];
		gint64 t = MFI_MINUTES_1601_TO_LOCAL(e->original_start);
		if (t / 86400 == original_local / 86400)
			return e;
	}
	return NULL;
}

GArray *mfi_pst_recur_exdates(const mfi_pst_recur *r)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(gint64));
	for (guint i = 0; r->deleted && i < r->deleted->len; i++) {
		guint32 day = g_array_index(r->deleted, guint32, i);
		gint64 t = MFI_MINUTES_1601_TO_LOCAL((gint64)(day - day % RECUR_DAY_MINUTES) +
		                                     r->start_offset);
		if (!mfi_pst_recur_find_exception(r, t))
			g_array_append_val(out, t);
	}
	g_array_sort(out, cmp_i64);
	return out;
}
