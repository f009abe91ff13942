/* The calendarserver reader table. */
#include "calendarserver.h"

const mf_reader_driver mf_calendarserver_reader = {
	.name = "calendarserver",
	.description = "Apple CalendarServer database dump (pg_dump plain SQL or -Ft tar, "
	               "also gzip-compressed), schema v3-v66",
	.probe = mfc_probe,
	.open = mfc_open,
	.next = mfc_next,
	.progress = mfc_progress,
	.ignored = mfc_ignored,
	.close = mfc_close,
};
