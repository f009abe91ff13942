/* Items_BadEncoding: text that is not valid UTF-8 (an 8-bit calendar read as
 * if it were UTF-8) is converted from the charset the property declares
 * (CHARSET=, left by vCalendar 1.0 writers), else from Windows-1252, the
 * usual charset of such files; property values, CN and TZID parameters, in
 * every component of the item including its VTIMEZONEs. */
#include "repair.h"

#include <string.h>

static char *fix_text(const char *s, const char *charset)
{
	if (!s || g_utf8_validate(s, -1, NULL))
		return NULL;
	char *out = charset ? g_convert(s, -1, "UTF-8", charset, NULL, NULL, NULL) : NULL;
	if (!out)
		out = g_convert(s, -1, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	return out ? out : g_utf8_make_valid(s, -1);
}

static guint fix_params(icalproperty *p, const char *charset)
{
	guint n = 0;
	icalparameter *cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
	char *fixed = cn ? fix_text(icalparameter_get_cn(cn), charset) : NULL;
	if (fixed) {
		icalparameter_set_cn(cn, fixed);
		n++;
	}
	g_free(fixed);
	icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	fixed = tz ? fix_text(icalparameter_get_tzid(tz), charset) : NULL;
	if (fixed) {
		icalparameter_set_tzid(tz, fixed);
		n++;
	}
	g_free(fixed);
	return n;
}

static guint fix_component(icalcomponent *comp)
{
	guint n = 0;
	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
		icalparameter *cs = icalproperty_get_first_parameter(p, ICAL_CHARSET_PARAMETER);
		const char *charset = cs ? icalparameter_get_charset(cs) : NULL;
		n += fix_params(p, charset);
		icalvalue *v = icalproperty_get_value(p);
		char *text = v ? icalvalue_as_ical_string_r(v) : NULL;
		char *fixed = fix_text(text, charset);
		if (fixed) {
			icalvalue_kind kind = icalvalue_isa(v);
			icalvalue *nv = icalvalue_new_from_string(kind, fixed);
			if (nv) {
				icalproperty_set_value(p, nv);
				n++;
			}
		}
		g_free(fixed);
		free(text);
	}
	for (icalcomponent *c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		n += fix_component(c);
	return n;
}

static mf_transform_result repair_encoding(mf_item *item, const mf_options *opts,
                                           mf_report *report, char **reason_r)
{
	(void)opts, (void)report, (void)reason_r;
	if (mfr_is_calendar(item) && fix_component(item->ical) > 0)
		mfr_tag(item, "Items_BadEncoding");
	return MF_TRANSFORM_KEEP;
}

const mf_transform mf_transform_repair_encoding = { .name = "repair-encoding",
                                                    .apply = repair_encoding };
