/* Pure mbox helpers: From_ lines, dates, >From quoting, flag headers. No I/O.
 *
 * The From_ line is the only separator an mbox has, and nothing stops a body
 * line from starting with "From " too ("From Russia with love"). A line counts
 * as a separator only when it parses: a sender, then something shaped like an
 * asctime date. Real files bend the date a lot (no seconds, "MET" before the
 * year, numeric zones, "remote from" trailers), so the date parser takes the
 * tokens it knows in any reasonable order and insists only on month, day, time
 * and year. Two dateless forms are common enough to accept: Thunderbird's
 * "From -" and Gmail Takeout's "From 1234567890@xxx".
 */
#include "mbox.h"

#include <stdlib.h>
#include <string.h>

static const char *const month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "UT", 0 },     { "UTC", 0 },    { "GMT", 0 },   { "Z", 0 },       { "WET", 0 },
	{ "WEST", 60 },  { "BST", 60 },   { "MET", 60 },  { "CET", 60 },    { "MEST", 120 },
	{ "MESZ", 120 }, { "CEST", 120 }, { "EET", 120 }, { "EEST", 180 },  { "MSK", 180 },
	{ "JST", 540 },  { "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
};

const char *mbox_variant_name(mbox_variant variant)
{
	switch (variant) {
	case MBOX_VARIANT_O: return "mboxo";
	case MBOX_VARIANT_RD: return "mboxrd";
	case MBOX_VARIANT_CL: return "mboxcl";
	case MBOX_VARIANT_CL2: return "mboxcl2";
	}
	return "mbox";
}

static int month_index(const char *tok)
{
	for (int i = 0; i < 12; i++)
		if (g_ascii_strncasecmp(tok, month_names[i], 3) == 0 && strlen(tok) >= 3 &&
		    (tok[3] == '\0' || g_ascii_isalpha(tok[3])))
			return i + 1;
	return 0;
}

static gboolean is_weekday(const char *tok)
{
	gsize len = strlen(tok);
	if (len > 0 && tok[len - 1] == ',')
		len--;
	if (len < 3)
		return FALSE;
	for (int i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(tok, day_names[i], 3) == 0)
			return TRUE;
	return FALSE;
}

static gboolean all_digits(const char *tok, gsize min, gsize max)
{
	gsize len = strlen(tok);
	if (len < min || len > max)
		return FALSE;
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isdigit(tok[i]))
			return FALSE;
	return TRUE;
}

static gboolean parse_time(const char *tok, int *h, int *m, int *s)
{
	*s = 0;
	int n = sscanf(tok, "%2d:%2d:%2d", h, m, s);
	if (n < 2 || *h > 23 || *m > 59 || *s > 60 || *h < 0 || *m < 0 || *s < 0)
		return FALSE;
	for (const char *p = tok; *p; p++)
		if (!g_ascii_isdigit(*p) && *p != ':')
			return FALSE;
	return TRUE;
}

/* A time zone token: "+0100", "-0500", or an abbreviation (unknown ones count
 * as UTC). Sets *minutes; FALSE when the token is not zone-shaped. */
static gboolean parse_zone(const char *tok, int *minutes)
{
	if ((tok[0] == '+' || tok[0] == '-') && all_digits(tok + 1, 4, 4)) {
		int v = atoi(tok + 1);
		*minutes = (v / 100) * 60 + v % 100;
		if (tok[0] == '-')
			*minutes = -*minutes;
		return TRUE;
	}
	gsize len = strlen(tok);
	if (len < 1 || len > 5)
		return FALSE;
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isupper(tok[i]))
			return FALSE;
	*minutes = 0;
	for (gsize i = 0; i < G_N_ELEMENTS(zones); i++)
		if (strcmp(tok, zones[i].name) == 0)
			*minutes = zones[i].minutes;
	return TRUE;
}

typedef struct {
	int year, month, day, hour, min, sec, zone;
	gboolean have_time, have_year;
} date_parts;

/* Takes time, zone and year tokens after "month day"; stops at the year,
 * allowing one zone right after it. Anything else after that is ignored. */
static gboolean parse_time_zone_year(char **tok, date_parts *d)
{
	int i = 0, zone;
	for (; tok[i] && !d->have_year; i++) {
		if (!d->have_time && parse_time(tok[i], &d->hour, &d->min, &d->sec))
			d->have_time = TRUE;
		else if (all_digits(tok[i], 4, 4)) {
			d->year = atoi(tok[i]);
			d->have_year = TRUE;
		} else if (parse_zone(tok[i], &zone))
			d->zone = zone;
		else
			return FALSE;
	}
	if (d->have_year && !d->have_time && tok[i] && parse_time(tok[i], &d->hour, &d->min, &d->sec)) {
		d->have_time = TRUE; /* RFC 5322 order: "1 Jul 2003 10:52:37" */
		i++;
	}
	if (d->have_year && tok[i] && parse_zone(tok[i], &zone))
		d->zone = zone;
	return d->have_time && d->have_year;
}

gboolean mbox_date_parse(const char *text, gint64 *time_r)
{
	char **tok = g_strsplit_set(text, " \t", -1);
	/* drop the empty strings left by runs of blanks */
	guint n = 0;
	for (guint i = 0; tok[i]; i++) {
		if (*tok[i])
			tok[n++] = tok[i];
		else
			g_free(tok[i]);
	}
	tok[n] = NULL;

	date_parts d = { 0 };
	guint i = 0;
	if (tok[i] && is_weekday(tok[i]))
		i++;
	gboolean ok = FALSE;
	if (tok[i] && tok[i + 1] && month_index(tok[i]) && all_digits(tok[i + 1], 1, 2)) {
		d.month = month_index(tok[i]);
		d.day = atoi(tok[i + 1]);
		ok = TRUE;
	} else if (tok[i] && tok[i + 1] && all_digits(tok[i], 1, 2) && month_index(tok[i + 1])) {
		d.day = atoi(tok[i]);
		d.month = month_index(tok[i + 1]);
		ok = TRUE;
	}
	ok = ok && parse_time_zone_year(tok + i + 2, &d);
	g_strfreev(tok);
	if (!ok || d.day < 1 || d.day > 31 || d.year < 1900)
		return FALSE;
	GDateTime *dt = g_date_time_new_utc(d.year, d.month, d.day, d.hour, d.min,
	                                    d.sec > 59 ? 59 : d.sec);
	if (!dt)
		return FALSE;
	*time_r = g_date_time_to_unix(dt) - (gint64)d.zone * 60;
	g_date_time_unref(dt);
	return TRUE;
}

char *mbox_date_format(gint64 time)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(time);
	if (!dt)
		dt = g_date_time_new_from_unix_utc(0);
	char *s = g_strdup_printf("%s %s %2d %02d:%02d:%02d %d",
	                          day_names[g_date_time_get_day_of_week(dt) - 1],
	                          month_names[g_date_time_get_month(dt) - 1],
	                          g_date_time_get_day_of_month(dt), g_date_time_get_hour(dt),
	                          g_date_time_get_minute(dt), g_date_time_get_second(dt),
	                          g_date_time_get_year(dt));
	g_date_time_unref(dt);
	return s;
}

void mbox_from_clear(mbox_from *from)
{
	g_clear_pointer(&from->sender, g_free);
	from->date = 0;
	from->has_date = FALSE;
}

/* Splits "sender rest" (sender possibly "quoted with spaces"). */
static char *take_sender(const char *s, const char **rest_r)
{
	const char *end;
	if (*s == '"' && (end = strchr(s + 1, '"')) != NULL)
		end++;
	else
		for (end = s; *end && *end != ' ' && *end != '\t'; end++)
			;
	char *sender = g_strndup(s, (gsize)(end - s));
	while (*end == ' ' || *end == '\t')
		end++;
	*rest_r = end;
	return sender;
}

gboolean mbox_from_parse(const char *line, gsize len, mbox_from *from_r)
{
	if (!mbox_line_starts_from(line, len))
		return FALSE;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	char *text = g_strndup(line + 5, len - 5);
	const char *s = text, *rest;
	while (*s == ' ' || *s == '\t')
		s++;
	char *sender = take_sender(s, &rest);
	gint64 date = 0;
	gboolean ok, has_date = FALSE;
	if (*rest == '\0')
		ok = strcmp(sender, "-") == 0 || strchr(sender, '@') != NULL;
	else
		ok = has_date = mbox_date_parse(rest, &date);
	if (!ok && *s && mbox_date_parse(s, &date)) { /* "From  Mon Jun ..." without sender */
		g_free(sender);
		sender = g_strdup("");
		ok = has_date = TRUE;
	}
	if (ok && from_r) {
		from_r->sender = (*sender && strcmp(sender, "-") != 0) ? g_strdup(sender) : NULL;
		from_r->date = date;
		from_r->has_date = has_date;
	}
	g_free(sender);
	g_free(text);
	return ok;
}

gboolean mbox_line_is_blank(const char *line, gsize len)
{
	return (len == 1 && line[0] == '\n') || (len == 2 && line[0] == '\r' && line[1] == '\n');
}

gboolean mbox_line_starts_from(const char *line, gsize len)
{
	return len >= 5 && memcmp(line, "From ", 5) == 0;
}

gsize mbox_line_quote_depth(const char *line, gsize len)
{
	gsize k = 0;
	while (k < len && line[k] == '>')
		k++;
	return (k > 0 && mbox_line_starts_from(line + k, len - k)) ? k : 0;
}

gboolean mbox_line_needs_quote(const char *line, gsize len, mbox_variant variant)
{
	switch (variant) {
	case MBOX_VARIANT_RD:
		return mbox_line_starts_from(line, len) || mbox_line_quote_depth(line, len) > 0;
	case MBOX_VARIANT_O:
	case MBOX_VARIANT_CL:
		return mbox_line_starts_from(line, len);
	case MBOX_VARIANT_CL2:
		break;
	}
	return FALSE;
}

gboolean mbox_line_is_quoted(const char *line, gsize len, mbox_variant variant)
{
	switch (variant) {
	case MBOX_VARIANT_RD:
		return mbox_line_quote_depth(line, len) > 0;
	case MBOX_VARIANT_O:
	case MBOX_VARIANT_CL:
		return mbox_line_quote_depth(line, len) == 1;
	case MBOX_VARIANT_CL2:
		break;
	}
	return FALSE;
}
