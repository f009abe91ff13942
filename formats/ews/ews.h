/* ews driver: EWS-ready XML bundles (formats/ews/, README "EWS bundles").
 *
 * Every item is turned into one XML fragment (t:Message, t:CalendarItem, …)
 * when it is put; fragments are grouped per target mailbox and folder into
 * CreateItem requests (complete SOAP 1.1 envelopes) and written with the
 * folder-creation requests and manifest.json when the writer closes.
 * XML is written with libxml2's xmlTextWriter. */
#ifndef MAILFERRY_EWS_H
#define MAILFERRY_EWS_H

#include "mailferry/driver.h"

#include <libxml/xmlwriter.h>

#define MFI_EWS_NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define MFI_EWS_NS_T "http://schemas.microsoft.com/exchange/services/2006/types"
#define MFI_EWS_NS_M "http://schemas.microsoft.com/exchange/services/2006/messages"
#define MFI_EWS_DEFAULT_VERSION "Exchange2013_SP1"
#define MFI_EWS_DEFAULT_BATCH_ITEMS 50
#define MFI_EWS_DEFAULT_BATCH_BYTES (25u * 1024u * 1024u)
/* The target mailbox when none is known; the uploader refuses to send it. */
#define MFI_EWS_MAILBOX_PLACEHOLDER "MAILFERRY-TARGET-MAILBOX@invalid"
/* Folder ids only the server knows are written as this prefix + folder path. */
#define MFI_EWS_FOLDER_PLACEHOLDER "mailferry-folder:"

/* What kind of folder an item needs. */
typedef enum {
	MFI_EWS_MAIL = 0,
	MFI_EWS_CALENDAR,
	MFI_EWS_CONTACTS,
	MFI_EWS_TASKS,
	MFI_EWS_NOTES,
	MFI_EWS_FAMILY_N
} mfi_ews_family;

/* ews-folders.c: well-known folders and folder classes (pure helpers). */
mfi_ews_family mfi_ews_family_of(mf_kind kind);
/* The DistinguishedFolderId for a source folder name in English, German,
 * French or Spanish ("Sent Items", "Gesendete Objekte" -> "sentitems"), or NULL. */
const char *mfi_ews_well_known(const char *name);
mfi_ews_family mfi_ews_well_known_family(const char *distinguished_id);
const char *mfi_ews_default_folder(mfi_ews_family family); /* inbox, calendar, … */
const char *mfi_ews_folder_class(mfi_ews_family family);   /* IPF.Note, … */
const char *mfi_ews_folder_element(mfi_ews_family family); /* t:Folder, t:CalendarFolder … */

/* ews-soap.c: request envelopes. */
typedef struct mfi_ews_doc {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
} mfi_ews_doc;
/* A writer on a memory buffer; `fragment` TRUE for an item fragment (no XML
 * declaration). */
gboolean mfi_ews_doc_begin(mfi_ews_doc *doc, gboolean fragment);
/* Ends the document; returns the bytes (caller frees) and frees the writer. */
char *mfi_ews_doc_end(mfi_ews_doc *doc, gsize *len_r);
/* Writes <?xml?>, soap:Envelope, soap:Header (RequestServerVersion,
 * ExchangeImpersonation for `mailbox`) and opens soap:Body. */
void mfi_ews_soap_begin(xmlTextWriterPtr w, const char *version, const char *mailbox);
void mfi_ews_soap_end(xmlTextWriterPtr w);
/* <m:ELEMENT><t:DistinguishedFolderId Id=…/> or <t:FolderId Id=…/></m:ELEMENT> */
void mfi_ews_folder_ref(xmlTextWriterPtr w, const char *element, const char *distinguished,
                        const char *placeholder);
gboolean mfi_ews_version_valid(const char *version);

/* ews-xml.c: small writing helpers (t: namespace elements). */
void mfi_ews_text(xmlTextWriterPtr w, const char *name, const char *value); /* skips NULL/"" */
void mfi_ews_textf(xmlTextWriterPtr w, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* xs:dateTime in UTC ("2019-03-14T09:21:07Z"). Caller frees. */
char *mfi_ews_utc(gint64 t);
void mfi_ews_body(xmlTextWriterPtr w, const char *text);
void mfi_ews_categories(xmlTextWriterPtr w, GPtrArray *names);
/* Adds `name` to `names` (char*, owned) unless present. */
void mfi_ews_add_unique(GPtrArray *names, const char *name);
/* Drops bytes XML 1.0 cannot carry (control characters, invalid UTF-8). Caller frees. */
char *mfi_ews_clean(const char *text);

/* Per-item fragments. `mailbox` is the item's target mailbox (lower case). */
/* ews-message.c */
gboolean mfi_ews_write_message(xmlTextWriterPtr w, const mf_item *item, gboolean in_drafts,
                               GError **error);
gboolean mfi_ews_write_note(xmlTextWriterPtr w, const mf_item *item, GError **error);
/* ews-calendar.c */
gboolean mfi_ews_write_calendar(xmlTextWriterPtr w, const mf_item *item, const char *mailbox,
                                GError **error);
/* The t:Recurrence element for `rrule` from `start` (DTSTART, with its zone);
 * FALSE (nothing written) when EWS cannot express the rule. */
gboolean mfi_ews_recurrence(xmlTextWriterPtr w, icalproperty *rrule, icaltimetype start);
gboolean mfi_ews_recurrence_ok(icalproperty *rrule, icaltimetype start);
/* ItemType head of calendar items and tasks: Subject, Sensitivity, Body
 * (`body`), Categories (CATEGORIES, item categories, repair tags), Importance. */
void mfi_ews_item_head(xmlTextWriterPtr w, icalcomponent *c, const mf_item *item,
                       const char *body);
void mfi_ews_ical_categories(GPtrArray *names, icalcomponent *c, const mf_item *item);
/* ews-occurrences.c: follow-up requests for the exceptions of a recurring
 * event whose master gets the placeholder id `key`: m:ItemIds children
 * (DeleteItem) and m:ItemChanges children (UpdateItem), NULL when none.
 * Exceptions not found in the series are listed in `unresolved`. TRUE when
 * there is anything to write. */
gboolean mfi_ews_occurrences(const mf_item *item, const char *key, char **deletes_r,
                             guint *n_deletes_r, char **updates_r, guint *n_updates_r,
                             GString *unresolved);
#define MFI_EWS_ITEM_PLACEHOLDER "mailferry-item:"
/* ews-task.c */
gboolean mfi_ews_write_task(xmlTextWriterPtr w, const mf_item *item, GError **error);
/* ews-contact.c */
gboolean mfi_ews_write_contact(xmlTextWriterPtr w, const mf_item *item, GError **error);

/* ews-attach.c: files attached to items, sent as CreateAttachment follow-up
 * requests on the created item (ParentItemId = the item's placeholder id). */
typedef struct {
	char *name;
	char *type;       /* MIME type */
	GBytes *data;     /* the file's bytes */
	gboolean message; /* message/rfc822: t:ItemAttachment with MimeContent */
	gboolean photo;   /* a contact's photo (IsContactPhoto) */
	gboolean from_override; /* a modified occurrence's own file, attached to the master */
} mfi_ews_attachment;
void mfi_ews_attachment_free(gpointer p);
/* The item's files (mfi_ews_attachment*): inline ATTACH of events, tasks and
 * notes (master first; a modified occurrence's copies of files taken before
 * skipped), the inline PHOTOs of a contact (the first one its photo), the
 * inline X-MAILFERRY-ATTACHMENTs of a contact or list. Never NULL. */
GPtrArray *mfi_ews_attachments(const mf_item *item);
/* Appends "Attachment (link): [NAME <]URI[>]" to `body` per ATTACH (or
 * X-MAILFERRY-ATTACHMENT) by URI of the item, "Photo (link): URI" per PHOTO by
 * URI of a contact; each line also to `links` (char*, owned) when not NULL. */
void mfi_ews_attach_links(GString *body, const mf_item *item, GPtrArray *links);
/* t:FileAttachment or t:ItemAttachment; `photo_ok`: the RequestServerVersion
 * knows IsContactPhoto (Exchange2010_SP2 and later). */
void mfi_ews_write_attachment(xmlTextWriterPtr w, const mfi_ews_attachment *a, gboolean photo_ok);
/* TRUE when `version` is Exchange2010_SP2 or later. */
gboolean mfi_ews_version_has_photo(const char *version);

/* ews-bundle.c */
typedef struct mfi_ews_bundle mfi_ews_bundle;
mfi_ews_bundle *mfi_ews_bundle_new(const char *outdir, const mf_options *opts, GError **error);
/* Adds one item fragment for `mailbox`, folder `path` (already resolved). */
gboolean mfi_ews_bundle_put(mfi_ews_bundle *b, const mf_item *item, GError **error);
gboolean mfi_ews_bundle_finish(mfi_ews_bundle *b, GError **error);
void mfi_ews_bundle_free(mfi_ews_bundle *b);

/* ews-driver.c */
mf_writer *mfi_ews_writer_open(const char *outdir, const mf_options *opts, GError **error);
gboolean mfi_ews_put(mf_writer *writer, const mf_item *item, GError **error);
gboolean mfi_ews_writer_close(mf_writer *writer, GError **error);

#endif
