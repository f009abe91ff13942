/* After indexing: what each calendar is called and whether its objects are
 * exported (formats.md A.4-A.6).
 * - Folder: the DAV:displayname from RESOURCE_PROPERTY (the owner's view
 *   preferred), else the bind name; two calendars of one home with the same
 *   name get the bind name added to the second, so they stay apart.
 * - Not exported (counted and listed in the report as ignored): the
 *   scheduling inbox (CHILD_TYPE 1, or bind name "inbox" before v54), the
 *   trash collection (CHILD_TYPE 2 or the home's TRASH), calendars deleted
 *   into the trash (IS_IN_TRASH), and calendars of homes that are not in
 *   normal status. */
#include "calendarserver.h"

#include <string.h>

#define CHILD_INBOX 1
#define CHILD_TRASH 2

const char *mfc_home_status_reason(int status)
{
	switch (status) {
	case 1:
		return "home status external (data on another server)";
	case 2:
		return "home status purging";
	case 3:
		return "home status migrating";
	case 4:
		return "home status disabled";
	default:
		return "home status unknown";
	}
}

static const char *skip_reason(const mfc_calendar *c, const mfc_home *h)
{
	if (c->child_type == CHILD_INBOX ||
	    (c->child_type == 0 && g_strcmp0(c->bind_name, "inbox") == 0))
		return "scheduling inbox";
	if (c->child_type == CHILD_TRASH || (h && h->trash == c->id))
		return "trash collection";
	if (c->in_trash)
		return "calendar deleted into the trash";
	if (h && h->status != 0)
		return mfc_home_status_reason(h->status);
	return NULL;
}

/* The display name in the owner's view, else any view's. */
static const char *display_name(mfc_index *x, const mfc_calendar *c, const mfc_home *h)
{
	GPtrArray *names = g_hash_table_lookup(x->names, &c->id);
	if (!names || names->len < 2)
		return NULL;
	for (guint i = 0; h && h->uid && i + 1 < names->len; i += 2)
		if (g_ascii_strcasecmp(names->pdata[i], h->uid) == 0)
			return names->pdata[i + 1];
	return names->pdata[1];
}

static gint compare_ids(gconstpointer a, gconstpointer b)
{
	gint64 x = **(gint64 *const *)a, y = **(gint64 *const *)b;
	return x < y ? -1 : x > y;
}

/* Sets c->folder, unique (case-insensitively) within the owner's home. */
static void set_folder(mfc_calendar *c, GHashTable *taken)
{
	const char *base = c->display ? c->display
	                   : c->bind_name && *c->bind_name ? c->bind_name
	                                                   : "calendar";
	char *name = g_strdup(base);
	for (guint n = 1;; n++) {
		char *folded = g_utf8_casefold(name, -1);
		char *key = g_strdup_printf("%" G_GINT64_FORMAT "/%s", c->home, folded);
		g_free(folded);
		if (!g_hash_table_contains(taken, key)) {
			g_hash_table_add(taken, key);
			break;
		}
		g_free(key);
		g_free(name);
		name = n == 1 ? g_strdup_printf("%s (%s)", base, c->bind_name ? c->bind_name : "")
		              : g_strdup_printf("%s (%s %u)", base, c->bind_name ? c->bind_name : "", n);
	}
	c->folder = name;
}

void mfc_index_finish(mfc_index *x)
{
	GPtrArray *ids = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, x->calendars);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(ids, key);
	g_ptr_array_sort(ids, compare_ids);
	GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < ids->len; i++) {
		mfc_calendar *c = g_hash_table_lookup(x->calendars, ids->pdata[i]);
		const mfc_home *h = c->home ? mfc_index_home(x, c->home) : NULL;
		c->skip = skip_reason(c, h);
		c->display = g_strdup(display_name(x, c, h));
		if (!c->skip)
			set_folder(c, taken);
	}
	g_hash_table_destroy(taken);
	g_ptr_array_unref(ids);
	g_hash_table_remove_all(x->names);
}

mfc_calendar *mfc_index_calendar(mfc_index *x, gint64 id)
{
	return g_hash_table_lookup(x->calendars, &id);
}

const mfc_home *mfc_index_home(mfc_index *x, gint64 id)
{
	return g_hash_table_lookup(x->homes, &id);
}

const mfc_attachment *mfc_index_attachment(mfc_index *x, gint64 object_id,
                                           const char *managed_id, const char *dropbox_id,
                                           const char *name)
{
	if (managed_id) {
		char *key = g_strdup_printf("%" G_GINT64_FORMAT "/%s", object_id, managed_id);
		const char *att = g_hash_table_lookup(x->managed, key);
		g_free(key);
		return att ? g_hash_table_lookup(x->attachment_ids, att) : NULL;
	}
	if (!dropbox_id || !name)
		return NULL;
	char *key = g_strconcat(dropbox_id, "/", name, NULL);
	const mfc_attachment *a = g_hash_table_lookup(x->dropbox, key);
	g_free(key);
	return a;
}
