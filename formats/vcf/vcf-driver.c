/* The vcf reader and writer tables. */
#include "vcf.h"

const mf_reader_driver mf_vcf_reader = {
	.name = "vcf",
	.description = "vCard: one .vcf file or a directory tree of them",
	.probe = mfi_vcf_probe,
	.open = mfi_vcf_open,
	.next = mfi_vcf_next,
	.progress = mfi_vcf_progress,
	.ignored = mfi_vcf_ignored,
	.close = mfi_vcf_close,
};

const mf_writer_driver mf_vcf_writer = {
	.name = "vcf",
	.description = "one vCard 3.0 file per folder (contacts, distribution lists)",
	.kinds = MF_KINDS_CARDS,
	.open = mfi_vcf_writer_open,
	.put = mfi_vcf_put,
	.close = mfi_vcf_writer_close,
};
