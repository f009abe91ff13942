/* Files attached to appointments, tasks and notes -> iCalendar ATTACH
 * properties with the bytes inline (RFC 5545 3.8.1.1: ENCODING=BASE64;
 * VALUE=BINARY, FMTTYPE), the file name in X-FILENAME as Outlook and Apple
 * write it. A recurring appointment keeps its modified occurrences as hidden
 * embedded-message attachments ([MS-OXOCAL] 2.2.10.1.1: PidTagAttachmentHidden,
 * afException); those are the RECURRENCE-ID components already, not files.
 * Other embedded messages are attached as message/rfc822. */
#include "pst.h"
#include "../ics/ics.h"

static void add_attach(icalcomponent *comp, GBytes *data, const char *type, const char *name)
{
	gsize len = 0;
	const guchar *d = g_bytes_get_data(data, &len);
	icalcomponent_add_property(comp, mfi_ics_binary_attach(d, len, type, name));
}

static void unreadable(icalcomponent *comp, mf_item *item, const char *name, const char *why)
{
	char *text = g_strdup_printf("attachment \"%s\" could not be read: %s", name, why);
	icalcomponent_add_property(comp, icalproperty_new_comment(text));
	mf_item_add_repair_tag(item, "PST_AttachmentUnreadable");
	g_free(text);
}

static void add_one(const mfi_pst_file *pf, libpff_item_t *att, int index, icalcomponent *comp,
                    mf_item *item)
{
	gint64 hidden = 0;
	mfi_pst_get_int(att, MFI_PR_ATTACHMENT_HIDDEN, &hidden);
	if (hidden && mfi_pst_attachment_is_message(att))
		return; /* a modified occurrence of the series */
	mfi_pst_attached_file file;
	mfi_pst_attached_file_read(pf, att, index, &file);
	if (file.data)
		add_attach(comp, file.data, file.type, file.filename);
	else
		unreadable(comp, item, file.name, file.why);
	mfi_pst_attached_file_clear(&file);
}

typedef struct {
	const mfi_pst_file *pf;
	icalcomponent *comp;
	mf_item *item;
} ical_attach_ctx;

static void visit(libpff_item_t *att, int index, const char *name, const char *why,
                  gpointer data)
{
	ical_attach_ctx *c = data;
	if (att)
		add_one(c->pf, att, index, c->comp, c->item);
	else
		unreadable(c->comp, c->item, name, why);
}

void mfi_pst_add_ical_attachments(const mfi_pst_file *pf, libpff_item_t *message,
                                  icalcomponent *comp, mf_item *item)
{
	ical_attach_ctx c = { pf, comp, item };
	mfi_pst_each_attachment(message, visit, &c);
}
