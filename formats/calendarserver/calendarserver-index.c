/* The small tables of a CalendarServer dump, indexed in memory (formats.md
 * A.3-A.6, A.10, A.12): homes and their status and trash collection,
 * calendars with their owner (the BIND_MODE 0 = own bind), bind name, child
 * type (inbox, trash) and DAV:displayname, the attachment rows, and the
 * address book homes and (before v20) address book binds. Columns
 * are looked up by name from each COPY header, so every schema version
 * 3 ... 66 reads the same way; a column an old schema lacks reads as NULL. */
#include "calendarserver.h"

#include <libxml/parser.h>
#include <string.h>

#define BIND_MODE_OWN 0
#define CHILD_INBOX 1
#define CHILD_TRASH 2
#define DISPLAYNAME "{DAV:}displayname"

typedef void (*row_handler)(mfc_index *index, const GPtrArray *row, char *const *cols);

static void home_free(gpointer data)
{
	mfc_home *h = data;
	g_free(h->uid);
	g_free(h);
}

static void calendar_free(gpointer data)
{
	mfc_calendar *c = data;
	g_free(c->bind_name);
	g_free(c->display);
	g_free(c->folder);
	g_free(c);
}

static void attachment_free(gpointer data)
{
	mfc_attachment *a = data;
	g_free(a->dropbox_id);
	g_free(a->path);
	g_free(a->content_type);
	g_free(a);
}

mfc_index *mfc_index_new(void)
{
	mfc_index *x = g_new0(mfc_index, 1);
	x->homes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, home_free);
	x->calendars = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, calendar_free);
	x->names = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	                                 (GDestroyNotify)g_ptr_array_unref);
	x->attachments = g_ptr_array_new_with_free_func(attachment_free);
	x->attachment_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	x->dropbox = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	x->managed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	x->abook_homes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, home_free);
	x->books = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, calendar_free);
	return x;
}

void mfc_index_free(mfc_index *x)
{
	if (!x)
		return;
	g_hash_table_destroy(x->homes);
	g_hash_table_destroy(x->calendars);
	g_hash_table_destroy(x->names);
	g_hash_table_destroy(x->attachment_ids);
	g_hash_table_destroy(x->dropbox);
	g_hash_table_destroy(x->managed);
	g_hash_table_destroy(x->abook_homes);
	g_hash_table_destroy(x->books);
	g_ptr_array_unref(x->attachments);
	g_free(x);
}

gboolean mfc_parse_id(const char *text, gint64 *id_r)
{
	return text && *text && g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, id_r, NULL);
}

static gint64 *id_key(gint64 id)
{
	return g_memdup2(&id, sizeof id);
}

static int int_or(const char *text, int fallback)
{
	gint64 v;
	return mfc_parse_id(text, &v) && v >= G_MININT && v <= G_MAXINT ? (int)v : fallback;
}

static gboolean is_true(const char *text)
{
	return text && (strcmp(text, "t") == 0 || strcmp(text, "true") == 0);
}

static mfc_calendar *calendar_get(mfc_index *x, gint64 id)
{
	mfc_calendar *c = g_hash_table_lookup(x->calendars, &id);
	if (!c) {
		c = g_new0(mfc_calendar, 1);
		c->id = id;
		g_hash_table_insert(x->calendars, id_key(id), c);
	}
	return c;
}

static mfc_home *home_in(GHashTable *homes, gint64 id)
{
	mfc_home *h = g_hash_table_lookup(homes, &id);
	if (!h) {
		h = g_new0(mfc_home, 1);
		g_hash_table_insert(homes, id_key(id), h);
	}
	return h;
}

static mfc_home *home_get(mfc_index *x, gint64 id)
{
	return home_in(x->homes, id);
}

static void row_version(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	if (g_strcmp0(mfc_row_get(row, cols, "name"), "VERSION") == 0)
		x->version = int_or(mfc_row_get(row, cols, "value"), 0);
}

static void row_home(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 id;
	const char *uid = mfc_row_get(row, cols, "owner_uid");
	if (!mfc_parse_id(mfc_row_get(row, cols, "resource_id"), &id) || !uid)
		return;
	mfc_home *h = home_get(x, id);
	g_free(h->uid);
	h->uid = g_strdup(uid);
	h->status = int_or(mfc_row_get(row, cols, "status"), 0);
}

static void row_home_metadata(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 id, trash;
	if (mfc_parse_id(mfc_row_get(row, cols, "resource_id"), &id) &&
	    mfc_parse_id(mfc_row_get(row, cols, "trash"), &trash))
		home_get(x, id)->trash = trash;
}

static void row_bind(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 home, cal;
	if (!mfc_parse_id(mfc_row_get(row, cols, "calendar_home_resource_id"), &home) ||
	    !mfc_parse_id(mfc_row_get(row, cols, "calendar_resource_id"), &cal))
		return;
	mfc_calendar *c = calendar_get(x, cal);
	if (int_or(mfc_row_get(row, cols, "bind_mode"), -1) != BIND_MODE_OWN || c->home) {
		c->sharees++;
		return;
	}
	c->home = home;
	const char *name = mfc_row_get(row, cols, "calendar_resource_name");
	c->bind_name = g_strdup(name ? name : "");
}

static void row_calendar_metadata(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 id;
	if (!mfc_parse_id(mfc_row_get(row, cols, "resource_id"), &id))
		return;
	mfc_calendar *c = calendar_get(x, id);
	c->child_type = int_or(mfc_row_get(row, cols, "child_type"), 0);
	c->in_trash = is_true(mfc_row_get(row, cols, "is_in_trash"));
}

static void row_property(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 id;
	const char *value = mfc_row_get(row, cols, "value");
	if (g_strcmp0(mfc_row_get(row, cols, "name"), DISPLAYNAME) != 0 || !value ||
	    !mfc_parse_id(mfc_row_get(row, cols, "resource_id"), &id))
		return;
	char *text = mfc_xml_text(value);
	if (!text)
		return;
	GPtrArray *names = g_hash_table_lookup(x->names, &id);
	if (!names) {
		names = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(x->names, id_key(id), names);
	}
	const char *viewer = mfc_row_get(row, cols, "viewer_uid");
	g_ptr_array_add(names, g_strdup(viewer ? viewer : ""));
	g_ptr_array_add(names, text);
}

static void row_attachment(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	const char *dropbox = mfc_row_get(row, cols, "dropbox_id");
	const char *path = mfc_row_get(row, cols, "path");
	if (!path)
		return;
	mfc_attachment *a = g_new0(mfc_attachment, 1);
	mfc_parse_id(mfc_row_get(row, cols, "attachment_id"), &a->id);
	a->dropbox_id = g_strdup(dropbox ? dropbox : ".");
	a->path = g_strdup(path);
	a->content_type = g_strdup(mfc_row_get(row, cols, "content_type"));
	g_ptr_array_add(x->attachments, a);
	if (a->id)
		g_hash_table_replace(x->attachment_ids,
		                     g_strdup_printf("%" G_GINT64_FORMAT, a->id), a);
	if (strcmp(a->dropbox_id, ".") != 0)
		g_hash_table_replace(x->dropbox, g_strconcat(a->dropbox_id, "/", a->path, NULL), a);
}

static void row_attachment_object(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	const char *att = mfc_row_get(row, cols, "attachment_id");
	const char *mid = mfc_row_get(row, cols, "managed_id");
	const char *obj = mfc_row_get(row, cols, "calendar_object_resource_id");
	if (att && mid && obj)
		g_hash_table_replace(x->managed, g_strconcat(obj, "/", mid, NULL), g_strdup(att));
}

/* ADDRESSBOOK_HOME: owner, status (v32+), property store (v20+). */
static void row_abook_home(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 id;
	const char *uid = mfc_row_get(row, cols, "owner_uid");
	if (!mfc_parse_id(mfc_row_get(row, cols, "resource_id"), &id) || !uid)
		return;
	mfc_home *h = home_in(x->abook_homes, id);
	g_free(h->uid);
	h->uid = g_strdup(uid);
	h->status = int_or(mfc_row_get(row, cols, "status"), 0);
	mfc_parse_id(mfc_row_get(row, cols, "addressbook_property_store_id"), &h->store);
}

/* ADDRESSBOOK_BIND (before v20): like CALENDAR_BIND. */
static void row_abook_bind(mfc_index *x, const GPtrArray *row, char *const *cols)
{
	gint64 home, book;
	if (!mfc_parse_id(mfc_row_get(row, cols, "addressbook_home_resource_id"), &home) ||
	    !mfc_parse_id(mfc_row_get(row, cols, "addressbook_resource_id"), &book))
		return;
	mfc_calendar *c = g_hash_table_lookup(x->books, &book);
	if (!c) {
		c = g_new0(mfc_calendar, 1);
		c->id = book;
		g_hash_table_insert(x->books, id_key(book), c);
	}
	if (int_or(mfc_row_get(row, cols, "bind_mode"), -1) != BIND_MODE_OWN || c->home) {
		c->sharees++;
		return;
	}
	c->home = home;
	const char *name = mfc_row_get(row, cols, "addressbook_resource_name");
	c->bind_name = g_strdup(name ? name : "");
}

static row_handler handler_for(const char *table)
{
	static const struct {
		const char *table;
		row_handler handler;
	} handlers[] = {
		{ "calendarserver", row_version },
		{ "calendar_home", row_home },
		{ "calendar_home_metadata", row_home_metadata },
		{ "calendar_bind", row_bind },
		{ "calendar_metadata", row_calendar_metadata },
		{ "resource_property", row_property },
		{ "attachment", row_attachment },
		{ "attachment_calendar_object", row_attachment_object },
		{ "addressbook_home", row_abook_home },
		{ "addressbook_bind", row_abook_bind },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(handlers); i++)
		if (strcmp(handlers[i].table, table) == 0)
			return handlers[i].handler;
	return NULL;
}

gboolean mfc_index_wants(const char *table)
{
	return handler_for(table) != NULL;
}

void mfc_index_row(mfc_index *x, const mfc_block *block, const char *line, gsize len)
{
	row_handler handler = handler_for(block->table);
	if (!handler)
		return;
	GPtrArray *row = mfc_copy_split_row(line, len);
	handler(x, row, block->columns);
	g_ptr_array_unref(row);
}

gboolean mfc_index_block(mfc_index *x, gzFile gz, const mfc_block *block, GError **error)
{
	if (block->indexed || !mfc_index_wants(block->table))
		return TRUE;
	mfc_region r;
	mfc_region_open(&r, gz, block->start, block->end);
	GString *line = g_string_new(NULL);
	while (mfc_region_line(&r, line) && strcmp(line->str, "\\.") != 0)
		mfc_index_row(x, block, line->str, line->len);
	g_string_free(line, TRUE);
	mfc_region_close(&r);
	if (mfc_read_failed(gz)) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "read error in table %s", block->table);
		return FALSE;
	}
	return TRUE;
}

char *mfc_xml_text(const char *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, "UTF-8",
	                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *content = root ? xmlNodeGetContent(root) : NULL;
	char *text = content ? g_strstrip(g_strdup((const char *)content)) : NULL;
	xmlFree(content);
	xmlFreeDoc(doc);
	if (text && !*text)
		g_clear_pointer(&text, g_free);
	return text;
}
