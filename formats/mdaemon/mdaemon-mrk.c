/* IMAP.MRK (formats.md D.3): a 36-byte header, then 36-byte records, all
 * integers 32-bit little-endian. Pure: bytes in, records out; hostile input
 * (truncated, names without NUL, control bytes) is bounded and reported. */
#include "mdaemon.h"

#include <string.h>

static guint32 le32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

/* The NUL-padded name; FALSE when empty or not printable ASCII. */
static gboolean record_name(const guint8 *p, char *name_r)
{
	gsize n = 0;
	while (n < MFI_MDAEMON_MRK_NAME && p[n])
		n++;
	for (gsize i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '/' || p[i] == '\\')
			return FALSE;
	memcpy(name_r, p, n);
	name_r[n] = '\0';
	return n > 0;
}

gboolean mfi_mdaemon_mrk_parse(const guint8 *data, gsize len, mfi_mdaemon_mrk *mrk_r)
{
	if (!data || len < MFI_MDAEMON_MRK_HEADER)
		return FALSE;
	memset(mrk_r, 0, sizeof *mrk_r);
	mrk_r->version = le32(data);
	mrk_r->uid_validity = le32(data + 4);
	mrk_r->uid_next = le32(data + 8);
	mrk_r->records = g_array_new(FALSE, TRUE, sizeof(mfi_mdaemon_mrk_record));
	gsize off = MFI_MDAEMON_MRK_HEADER;
	for (; len - off >= MFI_MDAEMON_MRK_RECORD; off += MFI_MDAEMON_MRK_RECORD) {
		const guint8 *p = data + off;
		mfi_mdaemon_mrk_record rec;
		memset(&rec, 0, sizeof rec);
		if (!record_name(p, rec.name)) {
			mrk_r->bad_names++;
			continue;
		}
		rec.raw_flags = p[23];
		rec.uid = le32(p + 24);
		rec.size = le32(p + 28);
		rec.date = le32(p + 32);
		g_array_append_val(mrk_r->records, rec);
	}
	mrk_r->trailing = len - off;
	return TRUE;
}

void mfi_mdaemon_mrk_clear(mfi_mdaemon_mrk *mrk)
{
	if (mrk && mrk->records)
		g_array_unref(mrk->records);
	if (mrk)
		mrk->records = NULL;
}

guint mfi_mdaemon_mrk_flags(guint8 raw)
{
	guint f = 0;
	if (raw & MFI_MRK_SEEN)
		f |= MF_FLAG_SEEN;
	if (raw & MFI_MRK_ANSWERED)
		f |= MF_FLAG_ANSWERED;
	if (raw & MFI_MRK_FLAGGED)
		f |= MF_FLAG_FLAGGED;
	if (raw & MFI_MRK_DELETED)
		f |= MF_FLAG_DELETED;
	if (raw & MFI_MRK_DRAFT)
		f |= MF_FLAG_DRAFT;
	if (raw & MFI_MRK_RECENT)
		f |= MF_FLAG_RECENT;
	return f;
}
