/* Recurrence blobs ([MS-OXOCAL] 2.2.1.44) -> RRULE/EXDATE/exceptions. Pure;
 * see pst-recur.h. */
#include "pst-recur.h"

#include <gio/gio.h>
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

static int start_month(const mfi_pst_recur *r)
{
	struct icaltimetype t = mfi_pst_local_icaltime(mfi_pst_recur_first_start(r), FALSE);
	return t.month;
}

/* Monthly and yearly patterns: FREQ, INTERVAL, BYMONTH. */
static void append_monthly(GString *s, const mfi_pst_recur *r)
{
	if (r->frequency == MFI_RECUR_FREQ_YEARLY && r->period % 12 == 0)
		g_string_append_printf(s, "FREQ=YEARLY;INTERVAL=%u;BYMONTH=%d", r->period / 12,
		                       start_month(r));
	else
		g_string_append_printf(s, "FREQ=MONTHLY;INTERVAL=%u", r->period);
	if (r->pattern == MFI_RECUR_PATTERN_MONTH_END || r->day_of_month >= 31)
		g_string_append(s, ";BYMONTHDAY=-1");
	else if (r->pattern == MFI_RECUR_PATTERN_MONTH)
		g_string_append_printf(s, ";BYMONTHDAY=%u", MAX(r->day_of_month, 1));
	else {
		append_days(s, r->days);
		g_string_append_printf(s, ";BYSETPOS=%d", r->nth >= 5 ? -1 : (int)MAX(r->nth, 1));
	}
}

/* FREQ and its BY* parts, or NULL with *why_r. */
static GString *rule_body(const mfi_pst_recur *r, const char **why_r)
{
	static const char *const wkst[7] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };
	/* Gregorian and the Gregorian-based era calendars (Japan, Taiwan, Korea, Thai). */
	if (r->calendar_type > 0x0005 && r->calendar_type != 0x0007 && r->calendar_type != 0x0009 &&
	    r->calendar_type != 0x000b && r->calendar_type != 0x000c) {
		*why_r = "non-Gregorian calendar type";
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
		append_monthly(s, r);
		break;
	case MFI_RECUR_PATTERN_MONTH_NTH:
		if (r->days != 0)
			append_monthly(s, r);
		break;
	default:
		break;
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		*why_r = r->pattern > MFI_RECUR_PATTERN_MONTH_END ? "Hijri or unknown pattern type"
		                                                  : "pattern without days";
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

gboolean mfi_pst_recur_rrule(const mfi_pst_recur *r, const mfi_pst_tz *tz, gboolean all_day,
                             struct icalrecurrencetype *rule_r, const char **why_r)
{
	GString *s = rule_body(r, why_r);
	if (!s)
		return FALSE;
	if (r->end_type == MFI_RECUR_END_COUNT && r->occurrence_count > 0)
		g_string_append_printf(s, ";COUNT=%u", r->occurrence_count);
	else if (r->end_type == MFI_RECUR_END_DATE)
		append_until(s, r, tz, all_day);
	*rule_r = icalrecurrencetype_from_string(s->str);
	g_string_free(s, TRUE);
	if (rule_r->freq == ICAL_NO_RECURRENCE) {
		*why_r = "rule not accepted by libical";
		return FALSE;
	}
	return TRUE;
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
