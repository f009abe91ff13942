/* Recipient table -> To/Cc/Bcc, and MAPI addresses -> RFC 5322 mailboxes
 * ([MS-OXCMAIL] 2.2.3.2.x; IMCEA encapsulation 2.1.3.1.5). */
#include "pst.h"

#include <string.h>

enum { RECIPIENT_TO = 1, RECIPIENT_CC = 2, RECIPIENT_BCC = 3 };

/* "IMCEA<type>-<address with specials as +XX>@mailferry.invalid": a valid
 * addr-spec that keeps the whole native address. */
static char *imcea_address(const char *addrtype, const char *addr)
{
	GString *s = g_string_new("IMCEA");
	g_string_append(s, addrtype && *addrtype ? addrtype : "UNKNOWN");
	g_string_append_c(s, '-');
	for (const guchar *p = (const guchar *)addr; *p; p++) {
		if (g_ascii_isalnum(*p) || strchr("!#$%&'*-=?^`{|}~", *p))
			g_string_append_c(s, (char)*p);
		else if (*p == '/')
			g_string_append_c(s, '_');
		else
			g_string_append_printf(s, "+%02X", *p);
	}
	g_string_append(s, "@mailferry.invalid");
	return g_string_free(s, FALSE);
}

InternetAddress *mfi_pst_mailbox(const char *name, const char *addrtype, const char *addr)
{
	/* anything but an Exchange DN that looks like an addr-spec is used as is */
	gboolean smtp = addr && strchr(addr, '@') && !strchr(addr, ' ') &&
	                g_ascii_strcasecmp(addrtype ? addrtype : "", "EX") != 0;
	char *a = NULL;
	if (smtp)
		a = g_strdup(addr);
	else if (addr && *addr)
		a = imcea_address(addrtype, addr);
	else
		a = g_strdup("unknown@mailferry.invalid");
	/* Outlook often stores the address as the display name too. */
	const char *n = name && *name && g_strcmp0(name, addr) != 0 ? name : NULL;
	InternetAddress *mb = internet_address_mailbox_new(n, a);
	g_free(a);
	return mb;
}

static void add_recipient(GMimeMessage *mime, libpff_item_t *recips, int set, int codepage)
{
	gint64 type = RECIPIENT_TO;
	mfi_pst_get_int_in(recips, set, MFI_PR_RECIPIENT_TYPE, &type);
	char *name = mfi_pst_get_string_in(recips, set, MFI_PR_DISPLAY_NAME, codepage);
	char *addrtype = mfi_pst_get_string_in(recips, set, MFI_PR_ADDRTYPE, codepage);
	char *smtp = mfi_pst_get_string_in(recips, set, MFI_PR_SMTP_ADDRESS, codepage);
	char *addr = smtp ? NULL : mfi_pst_get_string_in(recips, set, MFI_PR_EMAIL_ADDRESS, codepage);
	if (name || smtp || addr) {
		GMimeAddressType list = (type & 0xf) == RECIPIENT_CC    ? GMIME_ADDRESS_TYPE_CC
		                        : (type & 0xf) == RECIPIENT_BCC ? GMIME_ADDRESS_TYPE_BCC
		                                                        : GMIME_ADDRESS_TYPE_TO;
		InternetAddress *mb = mfi_pst_mailbox(name, smtp ? "SMTP" : addrtype,
		                                      smtp ? smtp : addr);
		internet_address_list_add(g_mime_message_get_addresses(mime, list), mb);
		g_object_unref(mb);
	}
	g_free(name);
	g_free(addrtype);
	g_free(smtp);
	g_free(addr);
}

gboolean mfi_pst_add_recipients(GMimeMessage *mime, libpff_item_t *message, int codepage)
{
	libpff_item_t *recips = NULL;
	libpff_error_t *err = NULL;
	int n = 0;
	if (libpff_message_get_recipients(message, &recips, &err) != 1) {
		libpff_error_free(&err);
		return FALSE;
	}
	if (libpff_item_get_number_of_record_sets(recips, &n, &err) != 1)
		n = 0;
	for (int i = 0; i < n; i++)
		add_recipient(mime, recips, i, codepage);
	libpff_error_free(&err);
	libpff_item_free(&recips, NULL);
	return n > 0;
}
