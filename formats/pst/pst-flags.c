/* Message state and Outlook categories -> mf_flag bits and IMAP keywords.
 * [MS-OXCMSG] 2.2.1.6 (PidTagMessageFlags), [MS-OXOMSG] 2.2.1.33
 * (PidTagLastVerbExecuted), [MS-OXOFLAG] 2.2.1.1 (PidTagFlagStatus),
 * [MS-OXCMSG] 2.2.1.17 (PidNameKeywords). */
#include "pst.h"

#include <string.h>

enum {
	VERB_REPLY_TO_SENDER = 102,
	VERB_REPLY_TO_ALL = 103,
	VERB_FORWARD = 104,
	FLAG_STATUS_FLAGGED = 2,
	ICON_REPLIED = 0x105,
	ICON_FORWARDED = 0x106,
};

guint mfi_pst_message_flags(libpff_item_t *message)
{
	guint flags = 0;
	gint64 v = 0;
	if (mfi_pst_get_int(message, MFI_PR_MESSAGE_FLAGS, &v) == 1) {
		if (v & MFI_MSGFLAG_READ)
			flags |= MF_FLAG_SEEN;
		if (v & MFI_MSGFLAG_UNSENT)
			flags |= MF_FLAG_DRAFT;
	}
	if (mfi_pst_get_int(message, MFI_PR_LAST_VERB_EXECUTED, &v) == 1) {
		if (v == VERB_REPLY_TO_SENDER || v == VERB_REPLY_TO_ALL)
			flags |= MF_FLAG_ANSWERED;
		else if (v == VERB_FORWARD)
			flags |= MF_FLAG_FORWARDED;
	}
	if (mfi_pst_get_int(message, MFI_PR_ICON_INDEX, &v) == 1) {
		if (v == ICON_REPLIED)
			flags |= MF_FLAG_ANSWERED;
		else if (v == ICON_FORWARDED)
			flags |= MF_FLAG_FORWARDED;
	}
	if (mfi_pst_get_int(message, MFI_PR_FLAG_STATUS, &v) == 1 && v == FLAG_STATUS_FLAGGED)
		flags |= MF_FLAG_FLAGGED;
	return flags;
}

/* An IMAP keyword is an atom (RFC 3501 9): no SP, no atom-specials. */
static char *category_keyword(const char *category)
{
	char *k = g_strdup(category);
	for (char *p = k; *p; p++)
		if ((guchar)*p <= 0x20 || *p == 0x7f || strchr("(){%*\"\\]", *p))
			*p = '_';
	return k;
}

void mfi_pst_add_categories(mf_item *item, libpff_item_t *message, int codepage)
{
	char **cats = mfi_pst_get_strings(message, "Keywords", 0, codepage);
	for (char **c = cats; c && *c; c++) {
		char *name = g_strstrip(*c);
		if (!*name)
			continue;
		mf_item_add_category(item, name);
		char *kw = category_keyword(name);
		mf_item_add_keyword(item, kw);
		g_free(kw);
	}
	g_strfreev(cats);
}
