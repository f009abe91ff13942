/* The mbox driver tables. */
#include "mbox.h"

const mf_reader_driver mf_mbox_reader = {
	.name = "mbox",
	.description = "mbox file or tree of them (mboxo, mboxrd, mboxcl, mboxcl2; Thunderbird .sbd)",
	.probe = mbox_probe,
	.open = mbox_reader_open,
	.next = mbox_reader_next,
	.progress = mbox_reader_progress,
	.ignored = mbox_reader_ignored,
	.close = mbox_reader_close,
};

const mf_writer_driver mf_mbox_writer = {
	.name = "mbox",
	.description = "one mbox file per folder, Thunderbird layout (--mbox-format mboxrd|mboxo|mboxcl2)",
	.kinds = MF_KINDS_MAIL,
	.open = mbox_writer_open,
	.put = mbox_writer_put,
	.close = mbox_writer_close,
};
