/* Outlook time zone blobs ([MS-OXOCAL] 2.2.1.39, 2.2.1.41) -> rules, offsets
 * and VTIMEZONE components. Pure; see pst-tz.h. */
#include "pst-tz.h"

#include <string.h>

#define TZ_STRUCT_SIZE 48
#define TZ_RULE_SIZE 66
#define SYSTIME_SIZE 16
#define UNIX_EPOCH_JULIAN 719163 /* g_date_get_julian() of 1970-01-01 */
#define DAY_SECS 86400

static guint16 rd16(const guint8 *p)
{
	return (guint16)(p[0] | (p[1] << 8));
}

static gint32 rd32(const guint8 *p)
{
	return (gint32)((guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) |
	                ((guint32)p[3] << 24));
}

static void rd_systime(const guint8 *p, mfi_pst_systime *st)
{
	st->year = rd16(p);
	st->month = rd16(p + 2);
	st->dow = rd16(p + 4);
	st->day = rd16(p + 6);
	st->hour = rd16(p + 8);
	st->minute = rd16(p + 10);
	st->second = rd16(p + 12);
	if (st->month > 12 || st->dow > 6 || st->hour > 23 || st->minute > 59)
		st->month = 0; /* garbage: treat as "no transition" */
}

/* Days since 1970-01-01 <-> calendar dates, through GDate. */
static gint64 days_from_date(int year, int month, int day)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
	return (gint64)g_date_get_julian(&d) - UNIX_EPOCH_JULIAN;
}

static gint64 floor_div(gint64 a, gint64 b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int year_of(gint64 secs)
{
	gint64 days = floor_div(secs, DAY_SECS);
	if (days + UNIX_EPOCH_JULIAN < 1)
		return 1;
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, (guint32)(days + UNIX_EPOCH_JULIAN));
	return g_date_get_year(&d);
}

/* The day of month a transition falls on in `year`. */
static int transition_day(const mfi_pst_systime *st, int year)
{
	if (st->year != 0)
		return CLAMP(st->day, 1, g_date_get_days_in_month(st->month, (GDateYear)year));
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, 1, (GDateMonth)st->month, (GDateYear)year);
	int first_dow = g_date_get_weekday(&d) % 7; /* GDate: Monday 1 .. Sunday 7 */
	int day = 1 + (st->dow - first_dow + 7) % 7 + 7 * (CLAMP(st->day, 1, 5) - 1);
	int dim = g_date_get_days_in_month((GDateMonth)st->month, (GDateYear)year);
	while (day > dim)
		day -= 7;
	return day;
}

static gint64 transition_local(const mfi_pst_systime *st, int year)
{
	return days_from_date(year, st->month, transition_day(st, year)) * DAY_SECS +
	       st->hour * 3600 + st->minute * 60 + st->second;
}

static gboolean rule_has_dst(const mfi_pst_tzrule *r)
{
	return r->std_date.month != 0 && r->dst_date.month != 0;
}

static const mfi_pst_tzrule *rule_for_year(const mfi_pst_tz *tz, int year)
{
	const mfi_pst_tzrule *r = &tz->rules[0];
	for (guint i = 1; i < tz->n_rules; i++)
		if (tz->rules[i].year <= year)
			r = &tz->rules[i];
	return r;
}

/* `t` on the local scale (utc FALSE) or the UTC scale (utc TRUE). */
static gboolean in_dst(const mfi_pst_tzrule *r, int year, gint64 t, gboolean utc)
{
	if (!rule_has_dst(r))
		return FALSE;
	gint64 dst = transition_local(&r->dst_date, year);
	gint64 std = transition_local(&r->std_date, year);
	if (utc) {
		dst += (gint64)(r->bias + r->std_bias) * 60;
		std += (gint64)(r->bias + r->dst_bias) * 60;
	}
	if (dst < std)
		return t >= dst && t < std;
	return t >= dst || t < std;
}

gint32 mfi_pst_tz_offset_at_local(const mfi_pst_tz *tz, gint64 local)
{
	int year = year_of(local);
	const mfi_pst_tzrule *r = rule_for_year(tz, year);
	return r->bias + (in_dst(r, year, local, FALSE) ? r->dst_bias : r->std_bias);
}

gint32 mfi_pst_tz_offset_at_utc(const mfi_pst_tz *tz, gint64 utc)
{
	int year = year_of(utc);
	const mfi_pst_tzrule *r = rule_for_year(tz, year);
	return r->bias + (in_dst(r, year, utc, TRUE) ? r->dst_bias : r->std_bias);
}

gint64 mfi_pst_tz_local_to_utc(const mfi_pst_tz *tz, gint64 local)
{
	return local + (gint64)mfi_pst_tz_offset_at_local(tz, local) * 60;
}

gint64 mfi_pst_tz_utc_to_local(const mfi_pst_tz *tz, gint64 utc)
{
	return utc - (gint64)mfi_pst_tz_offset_at_utc(tz, utc) * 60;
}

static mfi_pst_tz *tz_new(const char *tzid, guint n_rules)
{
	mfi_pst_tz *tz = g_new0(mfi_pst_tz, 1);
	tz->tzid = g_strdup(tzid && *tzid ? tzid : "Custom Time Zone");
	tz->n_rules = n_rules;
	tz->rules = g_new0(mfi_pst_tzrule, n_rules);
	return tz;
}

void mfi_pst_tz_free(mfi_pst_tz *tz)
{
	if (!tz)
		return;
	g_free(tz->tzid);
	g_free(tz->rules);
	g_free(tz);
}

mfi_pst_tz *mfi_pst_tz_from_struct(const guint8 *data, gsize len, const char *name)
{
	if (!data || len < TZ_STRUCT_SIZE)
		return NULL;
	mfi_pst_tz *tz = tz_new(name, 1);
	mfi_pst_tzrule *r = &tz->rules[0];
	r->bias = rd32(data);
	r->std_bias = rd32(data + 4);
	r->dst_bias = rd32(data + 8);
	rd_systime(data + 14, &r->std_date);  /* after wStandardYear */
	rd_systime(data + 32, &r->dst_date);  /* after wDaylightYear */
	return tz;
}

/* TZRule: version 2.1, reserved 0x003E, flags, wYear, X[14], biases, dates. */
static void parse_rule(const guint8 *p, mfi_pst_tzrule *r)
{
	r->year = rd16(p + 6);
	r->bias = rd32(p + 22);
	r->std_bias = rd32(p + 26);
	r->dst_bias = rd32(p + 30);
	rd_systime(p + 34, &r->std_date);
	rd_systime(p + 50, &r->dst_date);
}

static int rule_cmp(const void *a, const void *b)
{
	return ((const mfi_pst_tzrule *)a)->year - ((const mfi_pst_tzrule *)b)->year;
}

mfi_pst_tz *mfi_pst_tz_from_definition(const guint8 *data, gsize len, const char *name)
{
	if (!data || len < 6 || data[0] != 0x02)
		return NULL;
	gsize header = rd16(data + 2);        /* cbHeader: bytes after itself up to the rules */
	if (header < 6 || 4 + header > len)
		return NULL;
	gsize key_chars = rd16(data + 6);
	if (8 + key_chars * 2 + 2 > len)
		return NULL;
	char *key = g_utf16_to_utf8((const gunichar2 *)(const void *)(data + 8), (glong)key_chars,
	                            NULL, NULL, NULL);
	/* cRules follows the key; the rules start right after cbHeader. */
	guint n = rd16(data + 8 + key_chars * 2);
	const guint8 *rules = data + 4 + header;
	if (n == 0 || (gsize)(rules - data) + (gsize)n * TZ_RULE_SIZE > len) {
		g_free(key);
		return NULL;
	}
	mfi_pst_tz *tz = tz_new(key && *key ? key : name, n);
	g_free(key);
	for (guint i = 0; i < n; i++)
		parse_rule(rules + i * TZ_RULE_SIZE, &tz->rules[i]);
	qsort(tz->rules, n, sizeof *tz->rules, rule_cmp);
	return tz;
}

mfi_pst_tz *mfi_pst_tz_fixed(gint32 bias)
{
	gint32 east = -bias;
	char *tzid = g_strdup_printf("UTC%c%02d:%02d", east < 0 ? '-' : '+', ABS(east) / 60,
	                             ABS(east) % 60);
	mfi_pst_tz *tz = tz_new(tzid, 1);
	g_free(tzid);
	tz->rules[0].bias = bias;
	return tz;
}

struct icaltimetype mfi_pst_local_icaltime(gint64 local, gboolean date_only)
{
	return icaltime_from_timet_with_zone((time_t)local, date_only ? 1 : 0, NULL);
}

static const char *const day_names[7] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };

/* FREQ=YEARLY rule text for a transition from `first_year`; when the rule is
 * superseded, COUNT ends it in `last_year`. (COUNT rather than UNTIL: RFC 5545
 * allows both, and python3-icalendar 4 rejects a UTC UNTIL over the floating
 * DTSTART that VTIMEZONE observances must have.) */
static char *observance_rrule(const mfi_pst_systime *st, int first_year, int last_year)
{
	GString *s = g_string_new("FREQ=YEARLY");
	g_string_append_printf(s, ";BYMONTH=%d", st->month);
	if (st->year != 0)
		g_string_append_printf(s, ";BYMONTHDAY=%d", st->day);
	else
		g_string_append_printf(s, ";BYDAY=%d%s", st->day >= 5 ? -1 : MAX(st->day, 1),
		                       day_names[st->dow % 7]);
	if (last_year > 0)
		g_string_append_printf(s, ";COUNT=%d", last_year - first_year + 1);
	return g_string_free(s, FALSE);
}

static void add_observance(icalcomponent *vtz, icalcomponent_kind kind, gint64 start,
                           int from_secs, int to_secs, const char *rrule)
{
	icalcomponent *obs = icalcomponent_new(kind);
	icalcomponent_add_property(obs, icalproperty_new_dtstart(mfi_pst_local_icaltime(start, FALSE)));
	icalcomponent_add_property(obs, icalproperty_new_tzoffsetfrom(from_secs));
	icalcomponent_add_property(obs, icalproperty_new_tzoffsetto(to_secs));
	if (rrule)
		icalcomponent_add_property(obs, icalproperty_new_rrule(icalrecurrencetype_from_string(rrule)));
	icalcomponent_add_component(vtz, obs);
}

/* The observances of rule `i`: from its first year (1601 for the first rule)
 * up to the year before the next rule. */
static void add_rule(icalcomponent *vtz, const mfi_pst_tz *tz, guint i)
{
	const mfi_pst_tzrule *r = &tz->rules[i];
	int first = i == 0 ? 1601 : MAX(r->year, 1601);
	int last = i + 1 < tz->n_rules ? tz->rules[i + 1].year - 1 : 0;
	int std_secs = -(r->bias + r->std_bias) * 60;
	int dst_secs = -(r->bias + r->dst_bias) * 60;
	if (last != 0 && last < first)
		return; /* superseded within the same year */
	if (!rule_has_dst(r)) {
		int from = i == 0 ? std_secs : -(tz->rules[i - 1].bias + tz->rules[i - 1].std_bias) * 60;
		add_observance(vtz, ICAL_XSTANDARD_COMPONENT, days_from_date(first, 1, 1) * DAY_SECS,
		               from, std_secs, NULL);
		return;
	}
	char *rule = observance_rrule(&r->dst_date, first, last);
	add_observance(vtz, ICAL_XDAYLIGHT_COMPONENT, transition_local(&r->dst_date, first),
	               std_secs, dst_secs, rule);
	g_free(rule);
	rule = observance_rrule(&r->std_date, first, last);
	add_observance(vtz, ICAL_XSTANDARD_COMPONENT, transition_local(&r->std_date, first),
	               dst_secs, std_secs, rule);
	g_free(rule);
}

icalcomponent *mfi_pst_tz_to_vtimezone(const mfi_pst_tz *tz)
{
	icalcomponent *vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	icalcomponent_add_property(vtz, icalproperty_new_tzid(tz->tzid));
	for (guint i = 0; i < tz->n_rules; i++)
		add_rule(vtz, tz, i);
	if (!icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT)) {
		int secs = -(tz->rules[0].bias + tz->rules[0].std_bias) * 60;
		add_observance(vtz, ICAL_XSTANDARD_COMPONENT, days_from_date(1601, 1, 1) * DAY_SECS,
		               secs, secs, NULL);
	}
	return vtz;
}
