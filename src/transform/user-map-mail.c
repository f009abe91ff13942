/* --map for messages going to Exchange (--to ews): the addresses in From,
 * Sender, To, Cc and Bcc that the map names are rewritten to their new
 * addresses, so replies and the organisation's address book line up after
 * the import. Other outputs keep messages byte for byte: they are archives of
 * what was sent. A message without a mapped address is left untouched; one
 * with is re-serialised by GMime with only those headers changed.
 * Unmapped addresses are listed in the report only when their domain is one
 * the map covers (a legacy user the map forgot), not every outside sender. */
#include "repair.h"
#include "mailferry/driver.h"

#include <gmime/gmime.h>
#include <string.h>

static const char *const address_headers[] = { "From", "Sender", "To", "Cc", "Bcc" };

/* `domains`: mf_user_map_domains() of the map, NULL when not known. */
static gboolean domain_covered(GHashTable *domains, const char *address)
{
	const char *at = strrchr(address, '@');
	return at && domains && g_hash_table_contains(domains, at);
}

/* Maps the mailboxes of one list (groups included); TRUE when one changed. */
static gboolean map_list(InternetAddressList *list, GHashTable *map, GHashTable *domains,
                         mf_report *report)
{
	gboolean changed = FALSE;
	for (int i = 0; list && i < internet_address_list_length(list); i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			changed = map_list(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
			                   map, domains, report) || changed;
			continue;
		}
		const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		char *key = mfr_address_key(addr);
		const char *target = g_hash_table_lookup(map, key);
		if (target) {
			internet_address_mailbox_set_addr(INTERNET_ADDRESS_MAILBOX(a), target);
			changed = TRUE;
		} else if (*key && report && domain_covered(domains, key)) {
			mf_report_unmapped(report, key);
		}
		g_free(key);
	}
	return changed;
}

static GBytes *serialise(GMimeMessage *msg)
{
	GByteArray *buf = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(buf);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, mem);
	g_mime_stream_flush(mem);
	g_object_unref(mem);
	return g_byte_array_free_to_bytes(buf);
}

void mfr_map_message_addresses(mf_item *item, GHashTable *map, GHashTable *domains,
                               mf_report *report)
{
	if (!item->mime || !map)
		return;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(item->mime, &len);
	GMimeStream *in = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(in);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(in);
	if (!msg)
		return;
	gboolean changed = FALSE;
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	for (gsize i = 0; i < G_N_ELEMENTS(address_headers); i++) {
		const char *raw = g_mime_header_list_get_header(headers, address_headers[i])
			? g_mime_object_get_header(GMIME_OBJECT(msg), address_headers[i]) : NULL;
		InternetAddressList *list = raw ? internet_address_list_parse(NULL, raw) : NULL;
		if (list && map_list(list, map, domains, report)) {
			char *text = internet_address_list_to_string(list, NULL, TRUE);
			g_mime_object_set_header(GMIME_OBJECT(msg), address_headers[i], text, "utf-8");
			g_free(text);
			changed = TRUE;
		}
		if (list)
			g_object_unref(list);
	}
	if (changed) {
		g_bytes_unref(item->mime);
		item->mime = serialise(msg);
	}
	g_object_unref(msg);
}
