/* The Maildir driver tables (registered in formats/registry.c). */
#include "maildir.h"

const mf_reader_driver mf_maildir_reader = {
	.name = "maildir",
	.description = "Maildir / Maildir++ directory (Dovecot, Courier, mu, notmuch)",
	.probe = mfi_maildir_probe,
	.open = mfi_maildir_reader_open,
	.next = mfi_maildir_reader_next,
	.progress = mfi_maildir_reader_progress,
	.ignored = mfi_maildir_reader_ignored,
	.close = mfi_maildir_reader_close,
};

const mf_writer_driver mf_maildir_writer = {
	.name = "maildir",
	.description = "Maildir++ directory as Dovecot reads it (folders .A.B, dovecot-keywords)",
	.kinds = MF_KINDS_MAIL,
	.open = mfi_maildir_writer_open,
	.put = mfi_maildir_writer_put,
	.close = mfi_maildir_writer_close,
};
