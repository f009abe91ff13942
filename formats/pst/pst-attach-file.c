/* One attachment as a file with a name and a MIME type, for the builders that
 * carry attachments inline in iCalendar (pst-ical-attach.c) and vCard
 * (pst-card-attach.c): the bytes as stored, or, for an embedded message
 * (attach method 5, [MS-OXCMSG] 2.2.2.9), the message as RFC 5322 bytes
 * (message/rfc822, the name + ".eml"). */
#include "pst.h"

#include <string.h>

gboolean mfi_pst_attachment_is_message(libpff_item_t *att)
{
	int type = 0;
	libpff_error_t *err = NULL;
	if (libpff_attachment_get_type(att, &type, &err) != 1)
		libpff_error_free(&err);
	return type == LIBPFF_ATTACHMENT_TYPE_ITEM;
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

void mfi_pst_attached_file_read(const mfi_pst_file *pf, libpff_item_t *att, int index,
                                mfi_pst_attached_file *file)
{
	memset(file, 0, sizeof *file);
	int cp = mfi_pst_item_codepage(att, pf->ascii_codepage);
	file->message = mfi_pst_attachment_is_message(att);
	file->name = mfi_pst_attachment_name(att, cp, index);
	file->data = file->message ? embedded_bytes(pf, att, &file->why)
	                           : mfi_pst_attachment_data(att, &file->why);
	if (!file->data)
		return;
	file->type = file->message ? g_strdup("message/rfc822")
	                           : mfi_pst_attachment_type(att, cp, file->name, file->data);
	file->filename = file->message && !g_str_has_suffix(file->name, ".eml")
	                         ? g_strconcat(file->name, ".eml", NULL) : g_strdup(file->name);
}

void mfi_pst_attached_file_clear(mfi_pst_attached_file *file)
{
	g_free(file->name);
	g_free(file->filename);
	g_free(file->type);
	g_free(file->why);
	if (file->data)
		g_bytes_unref(file->data);
	memset(file, 0, sizeof *file);
}
