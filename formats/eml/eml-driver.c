/* The eml reader and writer tables. */
#include "eml.h"

const mf_reader_driver mf_eml_reader = {
	.name = "eml",
	.description = "single RFC 5322 messages: one .eml file or a directory tree of them",
	.probe = mfi_eml_probe,
	.open = mfi_eml_open,
	.next = mfi_eml_next,
	.progress = mfi_eml_progress,
	.ignored = mfi_eml_ignored,
	.close = mfi_eml_close,
};

const mf_writer_driver mf_eml_writer = {
	.name = "eml",
	.description = "one .eml file per message, a directory per folder",
	.kinds = MF_KINDS_MAIL,
	.open = mfi_eml_writer_open,
	.put = mfi_eml_put,
	.close = mfi_eml_writer_close,
};
