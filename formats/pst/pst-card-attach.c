/* Files attached to contacts and distribution lists -> vCard 3.0 (RFC 2426).
 *
 * The contact's picture is the attachment marked PidTagAttachmentContactPhoto
 * ([MS-OXOCNTC] 2.2.1.8.1): PHOTO;ENCODING=b;TYPE=JPEG (3.1.4). vCard has no
 * property for any other file, so each is an extended type (3.8) carrying the
 * bytes the same way, with the MIME type and the file name:
 *   X-MAILFERRY-ATTACHMENT;ENCODING=b;TYPE=application/pdf;X-FILENAME=a.pdf:<base64>
 * and the card gets the tag PST_ContactAttachments, since most vCard readers
 * ignore X- properties. Embedded messages are message/rfc822 (the name +
 * ".eml"), as for appointments (pst-ical-attach.c). An attachment that cannot
 * be read becomes a line for NOTE and the tag PST_AttachmentUnreadable. */
#include "pst-items.h"
#include "../vcf/vcf.h"

#include <string.h>

enum { PR_ATTACHMENT_CONTACT_PHOTO = 0x7fff };

#define TAG_FILES "PST_ContactAttachments"
#define TAG_UNREADABLE "PST_AttachmentUnreadable"

typedef struct {
	const mfi_pst_file *pf;
	GString *photo; /* NULL: no photo for this kind of item */
	GString *files;
	GString *notes;
	GPtrArray *tags;
} card_attach_ctx;

static void add_tag(GPtrArray *tags, const char *tag)
{
	for (guint i = 0; i < tags->len; i++)
		if (strcmp(tags->pdata[i], tag) == 0)
			return;
	g_ptr_array_add(tags, (gpointer)tag);
}

static void unreadable(card_attach_ctx *c, const char *name, const char *why)
{
	g_string_append_printf(c->notes, "%smailferry: attachment \"%s\" could not be read: %s",
	                       c->notes->len ? "\n" : "", name, why);
	add_tag(c->tags, TAG_UNREADABLE);
}

/* The vCard 3.0 TYPE of a picture (an IANA image format name), from its bytes. */
static const char *photo_type(const guint8 *d, gsize len)
{
	if (len > 3 && d[0] == 0xff && d[1] == 0xd8)
		return "JPEG";
	if (len > 8 && memcmp(d, "\x89PNG", 4) == 0)
		return "PNG";
	if (len > 6 && memcmp(d, "GIF8", 4) == 0)
		return "GIF";
	if (len > 2 && d[0] == 'B' && d[1] == 'M')
		return "BMP";
	return NULL;
}

static gboolean is_photo(libpff_item_t *att)
{
	gint64 flag = 0;
	return mfi_pst_get_int(att, PR_ATTACHMENT_CONTACT_PHOTO, &flag) == 1 && flag;
}

static void add_one(card_attach_ctx *c, libpff_item_t *att, int index)
{
	gboolean photo = c->photo && c->photo->len == 0 && is_photo(att);
	mfi_pst_attached_file file;
	mfi_pst_attached_file_read(c->pf, att, index, &file);
	gsize len = 0;
	const guint8 *d = file.data ? g_bytes_get_data(file.data, &len) : NULL;
	if (!file.data) {
		unreadable(c, file.name, file.why);
	} else if (photo && !file.message && len > 0) {
		mfi_vcf_append_binary(c->photo, "PHOTO", photo_type(d, len), NULL, d, len);
	} else {
		mfi_vcf_append_binary(c->files, MFI_VCF_ATTACHMENT, file.type, file.filename, d, len);
		add_tag(c->tags, TAG_FILES);
	}
	mfi_pst_attached_file_clear(&file);
}

static void visit(libpff_item_t *att, int index, const char *name, const char *why,
                  gpointer data)
{
	card_attach_ctx *c = data;
	if (att)
		add_one(c, att, index);
	else
		unreadable(c, name, why);
}

void mfi_pst_card_attachments(const mfi_pst_file *pf, libpff_item_t *item, GString *photo,
                              GString *files, GString *notes, GPtrArray *tags)
{
	card_attach_ctx c = { pf, photo, files, notes, tags };
	mfi_pst_each_attachment(item, visit, &c);
}
