/* The calstore reader tables: Calendar.app data (~/Library/Calendars, one
 * account or .calendar directory, .icbu archives) and the CalendarServer
 * 1.x/2.x file store. Both read directory trees of per-event .ics files. */
#include "calstore.h"

const mf_reader_driver mf_apple_calendars_reader = {
	.name = "apple-calendars",
	.description = "macOS Calendar.app data: ~/Library/Calendars, an account or .calendar "
	               "directory, or a .icbu Calendar archive",
	.probe = mfi_calstore_apple_probe,
	.open = mfi_calstore_open_apple,
	.next = mfi_calstore_next,
	.progress = mfi_calstore_progress,
	.ignored = mfi_calstore_ignored,
	.close = mfi_calstore_close,
};

const mf_reader_driver mf_ccs_files_reader = {
	.name = "calendarserver-files",
	.description = "CalendarServer 1.x/2.x file store (Documents/calendars/__uids__/...): "
	               "one mailbox per home",
	.probe = mfi_calstore_ccs_probe,
	.open = mfi_calstore_open_ccs,
	.next = mfi_calstore_next,
	.progress = mfi_calstore_progress,
	.ignored = mfi_calstore_ignored,
	.close = mfi_calstore_close,
};
