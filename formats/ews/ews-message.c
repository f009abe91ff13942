/* Messages as t:Message: MimeContent (base64 of the exact MIME bytes) plus
 * the extended properties that keep them from showing as drafts and keep
 * their dates (ews.md §2), in ItemType order: MimeContent, Categories,
 * ExtendedProperty. Notes (VJOURNAL) become IPM.StickyNote messages. */
#include "ews.h"

#include <limits.h>
#include <string.h>

#define PR_MESSAGE_FLAGS "0x0E07"
#define PR_MESSAGE_DELIVERY_TIME "0x0E06"
#define PR_CLIENT_SUBMIT_TIME "0x0039"
#define PR_FLAG_STATUS "0x1090"
#define MSGFLAG_READ 0x1
#define MSGFLAG_UNSENT 0x8
#define FLAG_STATUS_FLAGGED 2

static void extended_property(xmlTextWriterPtr w, const char *tag, const char *type,
                              const char *value)
{
	xmlTextWriterStartElement(w, BAD_CAST "t:ExtendedProperty");
	xmlTextWriterStartElement(w, BAD_CAST "t:ExtendedFieldURI");
	xmlTextWriterWriteAttribute(w, BAD_CAST "PropertyTag", BAD_CAST tag);
	xmlTextWriterWriteAttribute(w, BAD_CAST "PropertyType", BAD_CAST type);
	xmlTextWriterEndElement(w);
	xmlTextWriterWriteElement(w, BAD_CAST "t:Value", BAD_CAST value);
	xmlTextWriterEndElement(w);
}

static void extended_time(xmlTextWriterPtr w, const char *tag, gint64 t)
{
	char *value = mfi_ews_utc(t);
	extended_property(w, tag, "SystemTime", value);
	g_free(value);
}

/* Outlook categories: the item's categories, then its IMAP keywords that are
 * not system keywords ($Forwarded, \Seen, …). */
static GPtrArray *message_categories(const mf_item *item)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; item->categories && i < item->categories->len; i++)
		mfi_ews_add_unique(names, item->categories->pdata[i]);
	for (guint i = 0; item->keywords && i < item->keywords->len; i++) {
		const char *k = item->keywords->pdata[i];
		if (*k != '$' && *k != '\\')
			mfi_ews_add_unique(names, k);
	}
	return names;
}

gboolean mfi_ews_write_message(xmlTextWriterPtr w, const mf_item *item, gboolean in_drafts,
                               GError **error)
{
	gsize len = 0;
	const guint8 *data = item->mime ? g_bytes_get_data(item->mime, &len) : NULL;
	if (!data || len == 0 || len > INT_MAX) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: no MIME content to import",
		            item->source, item->locator);
		return FALSE;
	}
	xmlTextWriterStartElement(w, BAD_CAST "t:Message");
	xmlTextWriterStartElement(w, BAD_CAST "t:MimeContent");
	xmlTextWriterWriteAttribute(w, BAD_CAST "CharacterSet", BAD_CAST "UTF-8");
	xmlTextWriterWriteBase64(w, (const char *)data, 0, (int)len);
	xmlTextWriterEndElement(w);
	GPtrArray *categories = message_categories(item);
	mfi_ews_categories(w, categories);
	g_ptr_array_unref(categories);

	guint flags = (item->flags & MF_FLAG_SEEN) ? MSGFLAG_READ : 0;
	if ((item->flags & MF_FLAG_DRAFT) || in_drafts)
		flags |= MSGFLAG_UNSENT;
	char value[16];
	g_snprintf(value, sizeof value, "%u", flags);
	extended_property(w, PR_MESSAGE_FLAGS, "Integer", value);
	extended_time(w, PR_MESSAGE_DELIVERY_TIME, item->internal_date);
	gint64 sent = mf_mime_date(item->mime);
	extended_time(w, PR_CLIENT_SUBMIT_TIME, sent > 0 ? sent : item->internal_date);
	if (item->flags & MF_FLAG_FLAGGED) {
		g_snprintf(value, sizeof value, "%d", FLAG_STATUS_FLAGGED);
		extended_property(w, PR_FLAG_STATUS, "Integer", value);
	}
	xmlTextWriterEndElement(w);
	return TRUE;
}

static icalcomponent *journal_of(const mf_item *item)
{
	if (!item->ical)
		return NULL;
	if (icalcomponent_isa(item->ical) == ICAL_VJOURNAL_COMPONENT)
		return item->ical;
	return icalcomponent_get_first_component(item->ical, ICAL_VJOURNAL_COMPONENT);
}

gboolean mfi_ews_write_note(xmlTextWriterPtr w, const mf_item *item, GError **error)
{
	icalcomponent *j = journal_of(item);
	if (!j) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: note without a VJOURNAL",
		            item->source, item->locator);
		return FALSE;
	}
	xmlTextWriterStartElement(w, BAD_CAST "t:Message");
	mfi_ews_text(w, "t:ItemClass", "IPM.StickyNote");
	const char *summary = icalcomponent_get_summary(j);
	const char *description = icalcomponent_get_description(j);
	mfi_ews_text(w, "t:Subject", summary ? summary : "");
	GString *body = g_string_new(description ? description : summary);
	mfi_ews_attach_links(body, item, NULL); /* files by URI: no bytes to upload */
	mfi_ews_body(w, body->str);
	g_string_free(body, TRUE);
	GPtrArray *categories = g_ptr_array_new_with_free_func(g_free);
	for (icalproperty *p = icalcomponent_get_first_property(j, ICAL_CATEGORIES_PROPERTY); p;
	     p = icalcomponent_get_next_property(j, ICAL_CATEGORIES_PROPERTY))
		mfi_ews_add_unique(categories, icalproperty_get_categories(p));
	for (guint i = 0; item->categories && i < item->categories->len; i++)
		mfi_ews_add_unique(categories, item->categories->pdata[i]);
	mfi_ews_categories(w, categories);
	g_ptr_array_unref(categories);
	extended_property(w, PR_MESSAGE_FLAGS, "Integer", "1");
	xmlTextWriterEndElement(w);
	return TRUE;
}
