/* SOAP 1.1 envelopes around EWS operations, written with xmlTextWriter. Every
 * request names its RequestServerVersion and the impersonated target mailbox;
 * credentials never appear in a bundle (the uploader adds them). */
#include "ews.h"

#include <string.h>

static const char *const versions[] = {
	"Exchange2007", "Exchange2007_SP1", "Exchange2009", "Exchange2010", "Exchange2010_SP1",
	"Exchange2010_SP2", "Exchange2012", "Exchange2013", "Exchange2013_SP1", "Exchange2015",
	"Exchange2016", "V2015_10_05", "V2016_01_06", "V2016_04_13", "V2016_07_13",
	"V2016_10_10", "V2017_01_07", "V2017_04_14", "V2017_07_11", NULL,
};

gboolean mfi_ews_version_valid(const char *version)
{
	for (const char *const *v = versions; *v; v++)
		if (strcmp(*v, version) == 0)
			return TRUE;
	return FALSE;
}

gboolean mfi_ews_doc_begin(mfi_ews_doc *doc, gboolean fragment)
{
	doc->buf = xmlBufferCreate();
	doc->w = doc->buf ? xmlNewTextWriterMemory(doc->buf, 0) : NULL;
	if (!doc->w)
		return FALSE;
	xmlTextWriterSetIndent(doc->w, 1);
	xmlTextWriterSetIndentString(doc->w, BAD_CAST "  ");
	if (!fragment)
		xmlTextWriterStartDocument(doc->w, NULL, "utf-8", NULL);
	return TRUE;
}

char *mfi_ews_doc_end(mfi_ews_doc *doc, gsize *len_r)
{
	xmlTextWriterEndDocument(doc->w);
	xmlFreeTextWriter(doc->w);
	gsize len = (gsize)xmlBufferLength(doc->buf);
	char *out = g_malloc(len + 1);
	memcpy(out, xmlBufferContent(doc->buf), len);
	out[len] = '\0';
	xmlBufferFree(doc->buf);
	doc->w = NULL;
	doc->buf = NULL;
	if (len_r)
		*len_r = len;
	return out;
}

void mfi_ews_soap_begin(xmlTextWriterPtr w, const char *version, const char *mailbox)
{
	xmlTextWriterStartElement(w, BAD_CAST "soap:Envelope");
	xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:soap", BAD_CAST MFI_EWS_NS_SOAP);
	xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:t", BAD_CAST MFI_EWS_NS_T);
	xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:m", BAD_CAST MFI_EWS_NS_M);
	xmlTextWriterStartElement(w, BAD_CAST "soap:Header");
	xmlTextWriterStartElement(w, BAD_CAST "t:RequestServerVersion");
	xmlTextWriterWriteAttribute(w, BAD_CAST "Version", BAD_CAST version);
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "t:ExchangeImpersonation");
	xmlTextWriterStartElement(w, BAD_CAST "t:ConnectingSID");
	mfi_ews_text(w, "t:SmtpAddress", mailbox);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w); /* Header */
	xmlTextWriterStartElement(w, BAD_CAST "soap:Body");
}

void mfi_ews_soap_end(xmlTextWriterPtr w)
{
	xmlTextWriterEndElement(w); /* Body */
	xmlTextWriterEndElement(w); /* Envelope */
}

void mfi_ews_folder_ref(xmlTextWriterPtr w, const char *element, const char *distinguished,
                        const char *placeholder)
{
	xmlTextWriterStartElement(w, BAD_CAST element);
	xmlTextWriterStartElement(w, BAD_CAST (distinguished ? "t:DistinguishedFolderId"
	                                                     : "t:FolderId"));
	xmlTextWriterWriteAttribute(w, BAD_CAST "Id",
	                            BAD_CAST (distinguished ? distinguished : placeholder));
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}

gboolean mfi_ews_version_has_photo(const char *version)
{
	for (const char *const *v = versions; *v; v++)
		if (strcmp(*v, version) == 0)
			return v - versions >= 5; /* Exchange2010_SP2 and after */
	return FALSE;
}
