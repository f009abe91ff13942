/* MDaemon groupware files of one folder (formats.md D.6, D.7), dispatched by
 * file name: Calendar.mrk -> events (mdaemon-calendar.c), AddrBook.mrk ->
 * contacts and groups (mdaemon-contacts.c), Tasks.mrk / Notes.mrk -> tasks
 * and notes (mdaemon-pim.c; those two names are not confirmed by any source,
 * see there). Every element of a file becomes an entry: an item, or an item
 * with a problem (quarantined by the reader), or, for something that is no
 * item at all (an unknown element, XML errors outside any item), an entry
 * with only a problem. Nothing in a file is skipped without an entry.
 * A problem is the reason only ("damaged XML (line 21: ...)"); the reader
 * prefixes the source and the item's locator ("Calendar.mrk Event ID=7"), and
 * for an entry without item the reason names the element itself. */
#include "mdaemon-gw.h"

#include <string.h>

typedef void (*decode_fn)(mfi_mdgw_file *f, xmlNode *root);

static const struct {
	const char *name;
	decode_fn decode;
} groupware_files[] = {
	{ "Calendar.mrk", mfi_mdgw_calendar },
	{ "AddrBook.mrk", mfi_mdgw_contacts },
	{ "Tasks.mrk", mfi_mdgw_tasks },
	{ "Notes.mrk", mfi_mdgw_notes },
};

static decode_fn decoder_for(const char *name)
{
	for (gsize i = 0; name && i < G_N_ELEMENTS(groupware_files); i++)
		if (g_ascii_strcasecmp(name, groupware_files[i].name) == 0)
			return groupware_files[i].decode;
	return NULL;
}

gboolean mfi_mdaemon_is_groupware_file(const char *name)
{
	return decoder_for(name) != NULL;
}

void mfi_mdgw_add(mfi_mdgw_file *f, mf_item *item, char *problem)
{
	mfi_mdaemon_entry *e = g_new0(mfi_mdaemon_entry, 1);
	e->item = item;
	e->problem = problem;
	g_ptr_array_add(f->entries, e);
}

void mfi_mdaemon_entry_free(gpointer entry)
{
	mfi_mdaemon_entry *e = entry;
	if (!e)
		return;
	mf_item_free(e->item);
	g_free(e->problem);
	g_free(e);
}

/* An ID fit for a locator: at most 40 characters, no control characters. */
static char *clean_id(char *id)
{
	if (!id)
		return NULL;
	char *short_id = g_utf8_substring(id, 0, MIN(g_utf8_strlen(id, -1), 40));
	g_free(id);
	for (char *p = short_id; *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return g_strstrip(short_id);
}

char *mfi_mdgw_locator(const mfi_mdgw_file *f, xmlNode *n, guint position)
{
	char *id = clean_id(mfi_mdgw_attr(n, "ID"));
	char *loc = id && *id
	                ? g_strdup_printf("%s %s ID=%s", f->name, (const char *)n->name, id)
	                : g_strdup_printf("%s %s #%u", f->name, (const char *)n->name, position);
	g_free(id);
	return loc;
}

char *mfi_mdgw_fallback_uid(const mfi_mdgw_file *f, const char *locator)
{
	/* the absolute path, so "box" and "./box" give the same UID */
	char *abs = g_canonicalize_filename(f->path, NULL);
	char *key = g_strconcat(abs, "\n", locator, NULL);
	g_free(abs);
	char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
	char *uid = g_strdup_printf("%.32s@mdaemon.mailferry", hex);
	g_free(hex);
	g_free(key);
	return uid;
}

/* XML errors no item claimed (a file cut between two items, garbage between
 * them): one entry saying so, since items may be lost after them. */
static void report_unclaimed(mfi_mdgw_file *f)
{
	char *rest = mfi_mdgw_unclaimed_errors(f);
	if (rest)
		mfi_mdgw_add(f, NULL, g_strdup_printf("%s: XML errors outside any item "
		                                      "(truncated or damaged file): %s",
		                                      f->name, rest));
	g_free(rest);
}

gboolean mfi_mdaemon_groupware_read(const char *path, GPtrArray *entries, GError **error)
{
	mfi_mdgw_file f = { .path = path, .entries = entries };
	f.name = g_path_get_basename(path);
	f.errs = g_array_new(FALSE, TRUE, sizeof(mfi_mdgw_xml_error));
	decode_fn decode = decoder_for(f.name);
	if (!decode) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: not an MDaemon groupware file",
		            path);
		mfi_mdgw_file_clear(&f);
		return FALSE;
	}
	xmlDoc *doc = mfi_mdgw_load(&f, error);
	if (doc) {
		decode(&f, xmlDocGetRootElement(doc));
		report_unclaimed(&f);
		xmlFreeDoc(doc);
	}
	mfi_mdgw_file_clear(&f);
	return doc != NULL;
}
