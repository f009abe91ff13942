/* Small libical helpers shared by the ics reader and writer. */
#include "ics.h"

#include <string.h>

/* libical's X-LIC-ERROR text when it dropped a property with an empty value
 * (icalparser.c), e.g. "LOCATION:" as Google Calendar writes it. */
#define ICS_EMPTY_VALUE_NOTE "No value for "

gboolean mfi_ics_is_item_kind(icalcomponent_kind kind)
{
	return kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT ||
	       kind == ICAL_VJOURNAL_COMPONENT;
}

static void add_unique(GPtrArray *list, const char *value)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(list->pdata[i], value) == 0)
			return;
	g_ptr_array_add(list, g_strdup(value));
}

void mfi_ics_collect_tzids(icalcomponent *comp, GPtrArray *tzids)
{
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
		icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		const char *tzid = param ? icalparameter_get_tzid(param) : NULL;
		if (tzid && *tzid)
			add_unique(tzids, tzid);
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		mfi_ics_collect_tzids(c, tzids);
}

const char *mfi_ics_first_parse_error(icalcomponent *comp)
{
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	if (p)
		return icalproperty_get_xlicerror(p);
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
		const char *msg = mfi_ics_first_parse_error(c);
		if (msg)
			return msg;
	}
	return NULL;
}

guint mfi_ics_drop_empty_value_notes(icalcomponent *comp)
{
	guint n = 0;
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY);
		const char *text = icalproperty_get_xlicerror(p);
		if (text && g_str_has_prefix(text, ICS_EMPTY_VALUE_NOTE)) {
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
			n++;
		}
		p = next;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		n += mfi_ics_drop_empty_value_notes(c);
	return n;
}

/* Seen as UTC: converted when the time carries a zone libical resolved, else
 * (floating, date-only or an unresolved TZID) its wall-clock value is taken
 * as UTC. Good enough for a stamp; never the run time. */
static struct icaltimetype as_utc(struct icaltimetype t)
{
	icaltimezone *utc = icaltimezone_get_utc_timezone();
	if (t.zone && t.zone != utc && !t.is_date)
		return icaltime_convert_to_zone(t, utc);
	t.is_date = 0;
	t.zone = utc;
	return t;
}

void mfi_ics_ensure_dtstamp(icalcomponent *comp)
{
	/* RFC 5545 3.8.7.2 makes DTSTAMP REQUIRED in VEVENT, VTODO and VJOURNAL.
	 * Output must be deterministic, so a missing one is not the time of the
	 * run: it is derived from LAST-MODIFIED, else CREATED, else DTSTART, else
	 * the epoch. */
	if (icalcomponent_get_first_property(comp, ICAL_DTSTAMP_PROPERTY))
		return;
	struct icaltimetype t = icaltime_null_time();
	icalproperty *p;
	if ((p = icalcomponent_get_first_property(comp, ICAL_LASTMODIFIED_PROPERTY)))
		t = icalproperty_get_lastmodified(p);
	if (icaltime_is_null_time(t) &&
	    (p = icalcomponent_get_first_property(comp, ICAL_CREATED_PROPERTY)))
		t = icalproperty_get_created(p);
	if (icaltime_is_null_time(t) &&
	    (p = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY)))
		t = icalproperty_get_dtstart(p);
	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		t = icaltime_from_timet_with_zone(0, 0, icaltimezone_get_utc_timezone());
	icalcomponent_add_property(comp, icalproperty_new_dtstamp(as_utc(t)));
}

icalcomponent *mfi_ics_builtin_vtimezone(const char *tzid)
{
	icaltimezone *zone = icaltimezone_get_builtin_timezone(tzid);
	if (!zone)
		zone = icaltimezone_get_builtin_timezone_from_tzid(tzid);
	icalcomponent *vtz = zone ? icaltimezone_get_component(zone) : NULL;
	if (!vtz)
		return NULL; /* unknown, or UTC (which needs no VTIMEZONE) */
	vtz = mfi_ics_clone(vtz);
	icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p)
		icalproperty_set_tzid(p, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	return vtz;
}

void mfi_ics_append_serialized(GString *out, icalcomponent *comp)
{
	/* libical folds at 75 octets with CRLF, but 3.0 can emit "\r\r\n \n"
	 * when a value ends right at the fold (seen with ical4j's
	 * dtstamp_invalid.ics URL line). Normalise every line end to CRLF and drop
	 * continuation lines holding only the fold's space: they unfold to nothing. */
	char *text = icalcomponent_as_ical_string_r(comp);
	const char *p = text;
	while (*p) {
		gsize len = strcspn(p, "\r\n");
		if (!(len == 1 && p[0] == ' '))
			g_string_append_len(out, p, len);
		if (!(len == 1 && p[0] == ' ') && (p[len] == '\r' || p[len] == '\n'))
			g_string_append(out, "\r\n");
		p += len;
		while (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
	}
	free(text);
}

void mfi_ics_append_description(icalcomponent *comp, const char *text)
{
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_DESCRIPTION_PROPERTY);
	if (!p) {
		icalcomponent_add_property(comp, icalproperty_new_description(text));
		return;
	}
	const char *old = icalproperty_get_description(p);
	char *joined = old && *old ? g_strconcat(old, "\n\n", text, NULL) : g_strdup(text);
	icalproperty_set_description(p, joined);
	g_free(joined);
}

icalcomponent *mfi_ics_clone(icalcomponent *comp)
{
	/* Not icalcomponent_new_clone(): libical 3.0 loses non-standard values of
	 * enumerated properties there ("STATUS:Needs Action" becomes "STATUS:").
	 * A text round trip keeps them. */
	char *text = icalcomponent_as_ical_string_r(comp);
	icalcomponent *copy = text && *text ? icalcomponent_new_from_string(text) : NULL;
	free(text);
	if (copy && icalcomponent_isa(copy) != icalcomponent_isa(comp)) {
		icalcomponent_free(copy); /* something did not survive the text form */
		copy = NULL;
	}
	return copy ? copy : icalcomponent_new_clone(comp);
}

guint mfi_ics_keep_unparsed(icalcomponent *comp)
{
	guint n = 0;
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY);
		const char *text = icalproperty_get_xlicerror(p);
		icalproperty *x = icalproperty_new_x(text ? text : "");
		icalproperty_set_x_name(x, "X-MAILFERRY-UNPARSED");
		icalcomponent_remove_property(comp, p);
		icalproperty_free(p);
		icalcomponent_add_property(comp, x);
		n++;
		p = next;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		n += mfi_ics_keep_unparsed(c);
	return n;
}

/* A date libical took but no consumer can represent: year outside 1..9999
 * (libical reads "-0011130T100000" as year -1), or a day, month or time of
 * day out of range. */
static gboolean time_out_of_range(struct icaltimetype t)
{
	if (icaltime_is_null_time(t))
		return FALSE;
	if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > icaltime_days_in_month(t.month, t.year))
		return TRUE;
	return !t.is_date && (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59 ||
	                      t.second < 0 || t.second > 60);
}

static gboolean value_out_of_range(icalvalue *v)
{
	switch (v ? icalvalue_isa(v) : ICAL_NO_VALUE) {
	case ICAL_DATE_VALUE:
	case ICAL_DATETIME_VALUE:
		return time_out_of_range(icalvalue_get_datetime(v));
	case ICAL_DATETIMEPERIOD_VALUE: {
		struct icaldatetimeperiodtype dp = icalvalue_get_datetimeperiod(v);
		return time_out_of_range(dp.time) || time_out_of_range(dp.period.start) ||
		       time_out_of_range(dp.period.end);
	}
	case ICAL_PERIOD_VALUE: {
		struct icalperiodtype pt = icalvalue_get_period(v);
		return time_out_of_range(pt.start) || time_out_of_range(pt.end);
	}
	default:
		return FALSE;
	}
}

guint mfi_ics_flag_bad_times(icalcomponent *comp)
{
	guint n = 0;
	icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY);
	while (p) {
		icalproperty *next = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY);
		if (value_out_of_range(icalproperty_get_value(p))) {
			/* The same note libical writes for a value it cannot parse, so the
			 * repairs treat both alike (repair-start.c salvages DTSTART...). */
			const char *name = icalproperty_get_property_name(p);
			icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
			char *value = icalproperty_get_value_as_string_r(p);
			char *text = g_strdup_printf("Can't parse as DATE-TIME value in %s property. "
			                             "Removing entire property: %s%s%s", name,
			                             tz ? "TZID=" : "",
			                             tz ? icalparameter_get_tzid(tz) : "",
			                             tz ? ":" : "");
			char *full = g_strconcat(text, value ? value : "", NULL);
			icalcomponent_remove_property(comp, p);
			icalproperty_free(p);
			icalcomponent_add_property(comp, icalproperty_new_xlicerror(full));
			g_free(full);
			g_free(text);
			free(value);
			n++;
		}
		p = next;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT)
			n += mfi_ics_flag_bad_times(c);
	return n;
}

icalproperty *mfi_ics_binary_attach(const void *data, gsize len, const char *type,
                                    const char *filename)
{
	char *b64 = g_base64_encode(data, len);
	icalattach *a = icalattach_new_from_data(b64, NULL, NULL);
	icalproperty *p = icalproperty_new_attach(a);
	icalattach_unref(a);
	g_free(b64);
	icalproperty_add_parameter(p, icalparameter_new_encoding(ICAL_ENCODING_BASE64));
	icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_BINARY));
	if (type && *type)
		icalproperty_add_parameter(p, icalparameter_new_fmttype(type));
	if (filename && *filename) {
		icalparameter *fn = icalparameter_new_x(filename);
		icalparameter_set_xname(fn, "X-FILENAME");
		icalproperty_add_parameter(p, fn);
	}
	return p;
}
