/* Private to formats/mdaemon: MDaemon user mail stores (../shared/docs/formats.md
 * Part D). Nothing outside formats/mdaemon/ and its unit test includes this file. */
#ifndef MAILFERRY_FORMATS_MDAEMON_H
#define MAILFERRY_FORMATS_MDAEMON_H

#include <glib.h>
#include "mailferry/driver.h"

/* ---- mdaemon-mrk.c: IMAP.MRK, the per-folder binary index (D.3); pure ---- */

#define MFI_MDAEMON_MRK_HEADER 36
#define MFI_MDAEMON_MRK_RECORD 36
#define MFI_MDAEMON_MRK_NAME 23

/* IMAP.MRK flag byte (D.3). */
enum {
	MFI_MRK_RECENT = 1, MFI_MRK_DRAFT = 2, MFI_MRK_DELETED = 4,
	MFI_MRK_FLAGGED = 8, MFI_MRK_ANSWERED = 16, MFI_MRK_SEEN = 32,
};

typedef struct mfi_mdaemon_mrk_record {
	char name[MFI_MDAEMON_MRK_NAME + 1]; /* NUL-terminated; "" when the name was empty */
	guint8 raw_flags;
	guint32 uid;
	guint32 size;
	guint32 date; /* time_t, 32-bit */
} mfi_mdaemon_mrk_record;

typedef struct mfi_mdaemon_mrk {
	guint32 version, uid_validity, uid_next;
	GArray *records;  /* mfi_mdaemon_mrk_record, file order */
	gsize trailing;   /* bytes after the last whole record (a truncated record) */
	guint bad_names;  /* records skipped: empty name or non-printable bytes */
} mfi_mdaemon_mrk;

/* Parses IMAP.MRK bytes. FALSE (and *mrk_r untouched) when shorter than the
 * header. Never reads outside data[0..len). Free with mfi_mdaemon_mrk_free. */
gboolean mfi_mdaemon_mrk_parse(const guint8 *data, gsize len, mfi_mdaemon_mrk *mrk_r);
void mfi_mdaemon_mrk_clear(mfi_mdaemon_mrk *mrk);
/* IMAP.MRK flag byte -> mf_flag bits. */
guint mfi_mdaemon_mrk_flags(guint8 raw);

#endif
