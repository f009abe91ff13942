/* The ics reader and writer tables. */
#include "ics.h"

const mf_reader_driver mf_ics_reader = {
	.name = "ics",
	.description = "iCalendar: one .ics file or a directory tree of them",
	.probe = mfi_ics_probe,
	.open = mfi_ics_open,
	.next = mfi_ics_next,
	.progress = mfi_ics_progress,
	.ignored = mfi_ics_ignored,
	.close = mfi_ics_close,
};

const mf_writer_driver mf_ics_writer = {
	.name = "ics",
	.description = "one iCalendar file per folder (events, tasks, journals)",
	.kinds = MF_KINDS_CALENDAR,
	.open = mfi_ics_writer_open,
	.put = mfi_ics_put,
	.close = mfi_ics_writer_close,
};
