/* The MDaemon driver table (registered in formats/registry.c). */
#include "mdaemon.h"

const mf_reader_driver mf_mdaemon_reader = {
	.name = "mdaemon",
	.description = "MDaemon mail store: a mail directory (IMAP.MRK, *.msg, *.IMAP folders), "
	               "a domain directory or the whole Users directory",
	.probe = mfi_mdaemon_probe,
	.open = mfi_mdaemon_reader_open,
	.next = mfi_mdaemon_reader_next,
	.progress = mfi_mdaemon_reader_progress,
	.ignored = mfi_mdaemon_reader_ignored,
	.close = mfi_mdaemon_reader_close,
};
