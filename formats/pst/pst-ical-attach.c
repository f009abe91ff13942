/* Files attached to appointments, tasks and notes -> iCalendar ATTACH
 * properties with the bytes inline (RFC 5545 3.8.1.1: ENCODING=BASE64;
 * VALUE=BINARY, FMTTYPE), the file name in X-FILENAME as Outlook and Apple
 * write it. A recurring appointment keeps its modified occurrences as hidden
 * embedded-message attachments ([MS-OXOCAL] 2.2.10.1.1: PidTagAttachmentHidden,
 * afException); those are the RECURRENCE-ID components already, not files.
 * Other embedded messages are attached as message/rfc822. */
#include "pst.h"
#include "../ics/ics.h"

#include <string.h>

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

/* An embedded message as RFC 5322 bytes; NULL with *why_r. */
static GBytes *embedded_bytes(const mfi_pst_file *pf, libpff_item_t *att, char **why_r)
{
	libpff_item_t *sub = NULL;
	libpff_error_t *err = NULL;
	if (libpff_attachment_get_item(att, &sub, &err) != 1) {
		*why_r = mfi_pst_error_text(&err);
		return NULL;
	}
	GError *error = NULL;
	GPtrArray *damaged = g_ptr_array_new_with_free_func(g_free);
	GBytes *bytes = mfi_pst_message_to_mime(pf, sub, 0, damaged, NULL, &error);
	if (!bytes)
		*why_r = g_strdup(error ? error->message : "unreadable message");
	g_clear_error(&error);
	g_ptr_array_unref(damaged);
	libpff_item_free(&sub, NULL);
	return bytes;
}

static void add_one(const mfi_pst_file *pf, libpff_item_t *att, int index, icalcomponent *comp,
                    mf_item *item)
{
	int cp = mfi_pst_item_codepage(att, pf->ascii_codepage);
	int type = 0;
	libpff_error_t *err = NULL;
	if (libpff_attachment_get_type(att, &type, &err) != 1)
		libpff_error_free(&err);
	gint64 hidden = 0;
	mfi_pst_get_int(att, MFI_PR_ATTACHMENT_HIDDEN, &hidden);
	if (type == LIBPFF_ATTACHMENT_TYPE_ITEM && hidden)
		return; /* a modified occurrence of the series */
	char *name = mfi_pst_attachment_name(att, cp, index);
	char *why = NULL;
	gboolean message = type == LIBPFF_ATTACHMENT_TYPE_ITEM;
	GBytes *data = message ? embedded_bytes(pf, att, &why) : mfi_pst_attachment_data(att, &why);
	if (!data) {
		unreadable(comp, item, name, why);
	} else {
		char *ftype = message ? g_strdup("message/rfc822")
		                      : mfi_pst_attachment_type(att, cp, name, data);
		char *fname = message && !g_str_has_suffix(name, ".eml")
		                      ? g_strconcat(name, ".eml", NULL) : g_strdup(name);
		add_attach(comp, data, ftype, fname);
		g_free(fname);
		g_free(ftype);
		g_bytes_unref(data);
	}
	g_free(why);
	g_free(name);
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
