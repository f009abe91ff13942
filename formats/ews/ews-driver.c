/* The ews writer table: EWS-ready XML bundles (see ews.h). */
#include "ews.h"

struct mf_writer {
	mfi_ews_bundle *bundle;
};

mf_writer *mfi_ews_writer_open(const char *outdir, const mf_options *opts, GError **error)
{
	mfi_ews_bundle *b = mfi_ews_bundle_new(outdir, opts, error);
	if (!b)
		return NULL;
	mf_writer *w = g_new0(mf_writer, 1);
	w->bundle = b;
	return w;
}

gboolean mfi_ews_put(mf_writer *writer, const mf_item *item, GError **error)
{
	return mfi_ews_bundle_put(writer->bundle, item, error);
}

gboolean mfi_ews_writer_close(mf_writer *writer, GError **error)
{
	gboolean ok = mfi_ews_bundle_finish(writer->bundle, error);
	mfi_ews_bundle_free(writer->bundle);
	g_free(writer);
	return ok;
}

const mf_writer_driver mf_ews_writer = {
	.name = "ews",
	.description = "EWS-ready XML bundle: SOAP CreateFolder/CreateItem/CreateAttachment "
	               "requests per mailbox and folder, with manifest.json, for scripts/ews-upload",
	.kinds = MF_KINDS_MAIL | MF_KINDS_CALENDAR | MF_KINDS_CARDS,
	.keeps_mailboxes = TRUE, /* one directory per target mailbox in the bundle */
	.open = mfi_ews_writer_open,
	.put = mfi_ews_put,
	.close = mfi_ews_writer_close,
};
