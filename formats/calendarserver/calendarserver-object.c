/* One CALENDAR_OBJECT row -> one item (formats.md A.4): the stored iCalendar
 * text, seen as the calendar's owner (per-user data, hidden instances), with
 * CalendarServer's storage artefacts undone and attachments resolved; filed
 * under the owner's UID (item->mailbox) and the calendar's name (folder).
 *
 * Rows of calendars that are not exported (inbox, trash) and trashed rows
 * are counted on their calendar and give no item. A row whose calendar or
 * home is unknown, or whose text is not an iCalendar object, is BROKEN: the
 * item carries the raw text in an X-MAILFERRY-UNPARSED property of an
 * otherwise empty VCALENDAR, which the pipeline saves under quarantine/. */
#include "calendarserver.h"

#include <string.h>

#define UNPARSED "X-MAILFERRY-UNPARSED"

static mf_kind kind_of(icalcomponent *vcal)
{
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
		switch (icalcomponent_isa(c)) {
		case ICAL_VEVENT_COMPONENT:
			return MF_KIND_EVENT;
		case ICAL_VTODO_COMPONENT:
			return MF_KIND_TASK;
		case ICAL_VJOURNAL_COMPONENT:
			return MF_KIND_NOTE;
		default:
			break;
		}
	}
	return MF_KIND_COUNT;
}

gint64 mfc_timestamp(const char *text)
{
	if (!text)
		return 0;
	char *iso = g_strconcat(text, "Z", NULL);
	char *space = strchr(iso, ' ');
	if (space)
		*space = 'T';
	GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
	gint64 t = dt ? g_date_time_to_unix(dt) : 0;
	if (dt)
		g_date_time_unref(dt);
	g_free(iso);
	return t > 0 ? t : 0;
}

static mf_item *item_for(const mfc_object_ctx *ctx, mf_kind kind, const char *locator,
                         const mfc_calendar *cal, const mfc_home *home)
{
	mf_item *item = mf_item_new(kind, ctx->path, locator);
	if (cal && cal->folder) {
		const char *folder[] = { cal->folder, NULL };
		mf_item_set_folder(item, folder);
	}
	if (home && home->uid)
		item->mailbox = g_strdup(home->uid);
	return item;
}

static mf_next_result broken(const mfc_object_ctx *ctx, const char *locator,
                             const mfc_calendar *cal, const mfc_home *home, const char *text,
                             mf_item **item_r, GError **error, const char *why)
{
	mf_item *item = item_for(ctx, MF_KIND_EVENT, locator, cal, home);
	item->ical = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalproperty *raw = icalproperty_new_x(text ? text : "");
	icalproperty_set_x_name(raw, UNPARSED);
	icalcomponent_add_property(item->ical, raw);
	*item_r = item;
	g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: %s", ctx->path, locator, why);
	return MF_NEXT_BROKEN;
}

/* The stored text parsed; NULL when it is not a VCALENDAR. */
static icalcomponent *parse_text(const char *text)
{
	icalcomponent *c = text ? icalparser_parse_string(text) : NULL;
	if (c && icalcomponent_isa(c) != ICAL_VCALENDAR_COMPONENT) {
		icalcomponent_free(c);
		c = NULL;
	}
	return c;
}

/* Counts a row its calendar does not export; TRUE when it is one. */
static gboolean skipped(mfc_calendar *cal, const GPtrArray *row, char *const *columns)
{
	if (cal->skip) {
		cal->skipped++;
		return TRUE;
	}
	if (mfc_row_get(row, columns, "trashed")) {
		cal->trashed++;
		return TRUE;
	}
	return FALSE;
}

/* Top-level components left after the per-user filter that are neither
 * calendar items nor VTIMEZONEs (an unknown X- component, a VFREEBUSY): no
 * consumer reads them and libical 3.0 cannot even write an X- component
 * back, so they are removed and named in the report. */
static void drop_foreign(icalcomponent *vcal, const char *locator, GPtrArray *ignored)
{
	icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT);
	while (c) {
		icalcomponent *next = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT);
		icalcomponent_kind k = icalcomponent_isa(c);
		if (k != ICAL_VEVENT_COMPONENT && k != ICAL_VTODO_COMPONENT &&
		    k != ICAL_VJOURNAL_COMPONENT && k != ICAL_VTIMEZONE_COMPONENT) {
			const char *name = icalcomponent_kind_to_string(k);
			g_ptr_array_add(ignored, g_strdup_printf(
				"%s: %s component removed (not an event, task or journal)", locator,
				k == ICAL_X_COMPONENT || !name || !*name ? "an X-" : name));
			icalcomponent_remove_component(vcal, c);
			icalcomponent_free(c);
		}
		c = next;
	}
}

/* The owner's view of a parsed object, as an item. */
static mf_item *object_item(const mfc_object_ctx *ctx, icalcomponent *vcal, gint64 id,
                            const char *locator, const mfc_calendar *cal, const mfc_home *home,
                            const char *modified)
{
	mfc_peruser_apply(vcal, home->uid);
	drop_foreign(vcal, locator, ctx->ignored);
	mfc_clean_calendar(vcal);
	mfc_attach_resolve(vcal, ctx->index, id, ctx->attachments, locator, ctx->ignored);
	mf_item *item = item_for(ctx, kind_of(vcal), locator, cal, home);
	item->ical = vcal;
	item->internal_date = mfc_timestamp(modified);
	return item;
}

mf_next_result mfc_object_item(const mfc_object_ctx *ctx, const GPtrArray *row,
                               char *const *columns, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	const char *rid = mfc_row_get(row, columns, "resource_id");
	const char *name = mfc_row_get(row, columns, "resource_name");
	const char *text = mfc_row_get(row, columns, "icalendar_text");
	const char *type = mfc_row_get(row, columns, "icalendar_type");
	gint64 id = 0, cal_id = 0;
	mfc_parse_id(rid, &id);
	char *locator = g_strdup_printf("calendar_object resource_id=%s (%s)", rid ? rid : "?",
	                                name ? name : "no name");
	mfc_calendar *cal = NULL;
	if (mfc_parse_id(mfc_row_get(row, columns, "calendar_resource_id"), &cal_id))
		cal = mfc_index_calendar(ctx->index, cal_id);
	const mfc_home *home = cal && cal->home ? mfc_index_home(ctx->index, cal->home) : NULL;
	mf_next_result r = MF_NEXT_ITEM;
	icalcomponent *vcal = NULL;
	if (!cal)
		r = broken(ctx, locator, NULL, NULL, text, item_r, error, "unknown calendar");
	else if (skipped(cal, row, columns))
		r = MF_NEXT_ITEM;
	else if (!home || !home->uid)
		r = broken(ctx, locator, cal, NULL, text, item_r, error,
		           cal->home ? "unknown calendar home" : "calendar without an owner (no own bind)");
	else if (!(vcal = parse_text(text)))
		r = broken(ctx, locator, cal, home, text, item_r, error, "not an iCalendar object");
	else if (kind_of(vcal) == MF_KIND_COUNT)
		g_ptr_array_add(ctx->ignored, g_strdup_printf("%s: no VEVENT, VTODO or VJOURNAL "
		                                              "(type %s)", locator, type ? type : "?"));
	else {
		*item_r = object_item(ctx, vcal, id, locator, cal, home,
		                      mfc_row_get(row, columns, "modified"));
		vcal = NULL;
	}
	if (vcal)
		icalcomponent_free(vcal);
	g_free(locator);
	return r;
}
