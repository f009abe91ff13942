/* Address books of a CalendarServer dump (formats.md A.3, A.12): one
 * ADDRESSBOOK_OBJECT row -> one contact (or distribution list, KIND 1 or a
 * group card) holding the stored vCard as vCard 3.0, filed under the owner's
 * UID (item->mailbox) and the address book's name (folder).
 *
 * v20+: one address book per ADDRESSBOOK_HOME; the rows name their home
 * (ADDRESSBOOK_HOME_RESOURCE_ID), the DAV:displayname hangs off the home's
 * ADDRESSBOOK_PROPERTY_STORE_ID. Before v20: ADDRESSBOOK + ADDRESSBOOK_BIND
 * like calendars; the rows name their address book (ADDRESSBOOK_RESOURCE_ID).
 * The folder is the display name, else "Contacts".
 *
 * Rows of homes not in normal status and trashed rows (TRASHED set or
 * IS_IN_TRASH, v54+) are counted on their address book and give no item. A
 * row whose address book or home is unknown, or whose text is not a vCard,
 * is BROKEN: the item carries the raw text, which the pipeline saves under
 * quarantine/. */
#include "calendarserver.h"
#include "../vcf/vcf.h"

#include <string.h>

#define KIND_GROUP 1
#define DEFAULT_FOLDER "Contacts"

static mfc_calendar *book_get(mfc_index *x, gint64 id)
{
	mfc_calendar *c = g_hash_table_lookup(x->books, &id);
	if (!c) {
		c = g_new0(mfc_calendar, 1);
		c->id = id;
		g_hash_table_insert(x->books, g_memdup2(&id, sizeof id), c);
	}
	return c;
}

/* The DAV:displayname of resource `id`, the owner's view preferred. */
static const char *display_name(mfc_index *x, gint64 id, const mfc_home *h)
{
	GPtrArray *names = g_hash_table_lookup(x->names, &id);
	if (!names || names->len < 2)
		return NULL;
	for (guint i = 0; h && h->uid && i + 1 < names->len; i += 2)
		if (g_ascii_strcasecmp(names->pdata[i], h->uid) == 0)
			return names->pdata[i + 1];
	return names->pdata[1];
}

void mfc_books_finish(mfc_index *x)
{
	gboolean bound = g_hash_table_size(x->books) > 0; /* ADDRESSBOOK_BIND rows: before v20 */
	GHashTableIter it;
	gpointer key, value;
	if (!bound) { /* v20+: every home is its address book */
		g_hash_table_iter_init(&it, x->abook_homes);
		while (g_hash_table_iter_next(&it, &key, NULL))
			book_get(x, *(gint64 *)key)->home = *(gint64 *)key;
	}
	g_hash_table_iter_init(&it, x->books);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		mfc_calendar *c = value;
		const mfc_home *h = c->home ? g_hash_table_lookup(x->abook_homes, &c->home) : NULL;
		const char *display = display_name(x, h && h->store ? h->store : c->id, h);
		c->display = g_strdup(display);
		c->folder = g_strdup(display ? display : DEFAULT_FOLDER);
		if (h && h->status != 0)
			c->skip = mfc_home_status_reason(h->status);
	}
}

static gboolean is_true(const char *text)
{
	return text && (strcmp(text, "t") == 0 || strcmp(text, "true") == 0);
}

/* A vCard: a BEGIN:VCARD line first (after blank lines) and an END:VCARD line. */
static gboolean is_vcard(const char *text)
{
	if (!text)
		return FALSE;
	while (*text == '\r' || *text == '\n' || *text == ' ' || *text == '\t')
		text++;
	if (g_ascii_strncasecmp(text, "BEGIN:VCARD", 11) != 0)
		return FALSE;
	GPtrArray *lines = mfi_vcf_unfold(text);
	gboolean end = FALSE;
	for (guint i = 0; i < lines->len && !end; i++)
		end = g_ascii_strncasecmp(g_strstrip((char *)lines->pdata[i]), "END:VCARD", 9) == 0;
	g_ptr_array_unref(lines);
	return end;
}

static mf_item *item_for(const mfc_object_ctx *ctx, mf_kind kind, const char *locator,
                         const mfc_calendar *book, const mfc_home *home)
{
	mf_item *item = mf_item_new(kind, ctx->path, locator);
	const char *folder[] = { book && book->folder ? book->folder : DEFAULT_FOLDER, NULL };
	mf_item_set_folder(item, folder);
	if (home && home->uid)
		item->mailbox = g_strdup(home->uid);
	return item;
}

static mf_next_result broken(const mfc_object_ctx *ctx, const char *locator,
                             const mfc_calendar *book, const mfc_home *home, const char *text,
                             mf_item **item_r, GError **error, const char *why)
{
	mf_item *item = item_for(ctx, MF_KIND_CONTACT, locator, book, home);
	item->vcard = g_strdup(text ? text : "");
	*item_r = item;
	g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: %s", ctx->path, locator, why);
	return MF_NEXT_BROKEN;
}

mf_next_result mfc_contact_item(const mfc_object_ctx *ctx, const GPtrArray *row,
                                char *const *columns, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	const char *rid = mfc_row_get(row, columns, "resource_id");
	const char *name = mfc_row_get(row, columns, "resource_name");
	const char *text = mfc_row_get(row, columns, "vcard_text");
	char *locator = g_strdup_printf("addressbook_object resource_id=%s (%s)", rid ? rid : "?",
	                                name ? name : "no name");
	gint64 book_id = 0;
	const char *ref = mfc_row_get(row, columns, "addressbook_home_resource_id");
	if (!ref)
		ref = mfc_row_get(row, columns, "addressbook_resource_id");
	mfc_calendar *book = mfc_parse_id(ref, &book_id)
	                     ? g_hash_table_lookup(ctx->index->books, &book_id) : NULL;
	const mfc_home *home = book && book->home
	                       ? g_hash_table_lookup(ctx->index->abook_homes, &book->home) : NULL;
	mf_next_result r = MF_NEXT_ITEM;
	if (!book) {
		r = broken(ctx, locator, NULL, NULL, text, item_r, error, "unknown address book");
	} else if (book->skip) {
		book->skipped++;
	} else if (mfc_row_get(row, columns, "trashed") ||
	           is_true(mfc_row_get(row, columns, "is_in_trash"))) {
		book->trashed++;
	} else if (!home || !home->uid) {
		r = broken(ctx, locator, book, NULL, text, item_r, error,
		           book->home ? "unknown address book home"
		                      : "address book without an owner (no own bind)");
	} else if (!is_vcard(text)) {
		r = broken(ctx, locator, book, home, text, item_r, error, "not a vCard");
	} else {
		gint64 kind = 0;
		mfc_parse_id(mfc_row_get(row, columns, "kind"), &kind);
		mf_kind k = kind == KIND_GROUP ? MF_KIND_DISTLIST : mfi_vcf_card_kind(text);
		mf_item *item = item_for(ctx, k, locator, book, home);
		item->vcard = mfi_vcf_card_to_v3(text);
		item->internal_date = mfc_timestamp(mfc_row_get(row, columns, "modified"));
		*item_r = item;
	}
	g_free(locator);
	return r;
}

static gint compare_books(gconstpointer a, gconstpointer b)
{
	const mfc_calendar *x = *(const mfc_calendar *const *)a;
	const mfc_calendar *y = *(const mfc_calendar *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

void mfc_books_summarize(mfc_index *x, GPtrArray *ignored)
{
	GPtrArray *books = g_ptr_array_new();
	GHashTableIter it;
	gpointer book;
	g_hash_table_iter_init(&it, x->books);
	while (g_hash_table_iter_next(&it, NULL, &book))
		g_ptr_array_add(books, book);
	g_ptr_array_sort(books, compare_books);
	for (guint i = 0; i < books->len; i++) {
		const mfc_calendar *c = books->pdata[i];
		const mfc_home *h = c->home ? g_hash_table_lookup(x->abook_homes, &c->home) : NULL;
		const char *uid = h && h->uid ? h->uid : "?";
		if (c->skipped)
			g_ptr_array_add(ignored, g_strdup_printf(
				"addressbook home %s address book '%s' (id %" G_GINT64_FORMAT "): %u card%s "
				"skipped (%s)", uid, c->folder, c->id, c->skipped,
				c->skipped == 1 ? "" : "s", c->skip));
		if (c->trashed)
			g_ptr_array_add(ignored, g_strdup_printf(
				"addressbook home %s address book '%s' (id %" G_GINT64_FORMAT "): %u trashed "
				"card%s skipped (in the trash)", uid, c->folder, c->id, c->trashed,
				c->trashed == 1 ? "" : "s"));
	}
	g_ptr_array_unref(books);
}
