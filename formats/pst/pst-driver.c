/* The PST/OST reader table. */
#include "pst.h"

const mf_reader_driver mf_pst_reader = {
	.name = "pst",
	.description = "Outlook PST and OST files (ANSI, Unicode, OST 2013+), through libpff",
	.probe = mfi_pst_probe,
	.open = mfi_pst_open,
	.next = mfi_pst_next,
	.progress = mfi_pst_progress,
	.ignored = mfi_pst_ignored,
	.close = mfi_pst_close,
};
