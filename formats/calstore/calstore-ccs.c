/* The file-based store of CalendarServer 1.x/2.x (formats.md A.14):
 *
 *   DocumentRoot/
 *     calendars/__uids__/<U0U1>/<U2U3>/<UID>/     a home (its owner: <UID>)
 *         calendar/ ... *.ics + .db.sqlite         calendar collections
 *         inbox/ outbox/ dropbox/ notification/    listed, not read
 *     calendars/users|groups|locations|resources/<name>/   older homes
 *     addressbooks/__uids__/.../<UID>/addressbook/<name>.vcf     address books
 *
 * The source may be the DocumentRoot, calendars/ (or addressbooks/),
 * __uids__/, users/, or one home. Each home is a mailbox (item->mailbox = the
 * UID or short name); each collection a folder named by its DAV:displayname
 * (extended attribute) or else its directory name; each .ics (.vcf) file one
 * resource. Names starting with "." are not resources (.db.sqlite indexes,
 * .collection.<name> hidden collections). */
#include "calstore.h"

#include <string.h>

static const struct {
	const char *name, *why;
} skipped_collections[] = {
	{ "inbox", "scheduling inbox: iTIP messages the server had already processed; skipped "
	           "as Apple's calendarserver_export does" },
	{ "outbox", "scheduling outbox; skipped" },
	{ "dropbox", "attachment dropbox; attachments are not read" },
	{ "notification", "sharing notifications; skipped" },
	{ "freebusy", "free-busy resource; skipped" },
	{ NULL, NULL },
};

static const char *const named_home_dirs[] = { "users", "groups", "locations", "resources", NULL };

static gboolean in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return TRUE;
	return FALSE;
}

static const char *skipped_why(const char *name)
{
	for (guint i = 0; skipped_collections[i].name; i++)
		if (g_ascii_strcasecmp(skipped_collections[i].name, name) == 0)
			return skipped_collections[i].why;
	return NULL;
}

/* Calls `fn` for every entry of directory `rel`; NULL listing is noted. */
typedef void (*entry_fn)(mfi_calstore_store *s, const char *rel, const mfi_calstore_entry *e,
                         const char *ext, guint level);

static void each_entry(mfi_calstore_store *s, const char *rel, const char *ext, guint level,
                       entry_fn fn)
{
	char *dir = mfi_calstore_path(s, rel);
	GPtrArray *entries = mfi_calstore_list(dir);
	g_free(dir);
	if (!entries) {
		mfi_calstore_ignore(s, rel, "directory cannot be read");
		return;
	}
	for (guint i = 0; i < entries->len; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child = mfi_calstore_join(rel, e->name);
		fn(s, child, e, ext, level);
		g_free(child);
	}
	g_ptr_array_unref(entries);
}

static void ignore_entry(mfi_calstore_store *s, const char *rel, const mfi_calstore_entry *e,
                         const char *why)
{
	if (e->is_dir)
		mfi_calstore_ignore_tree(s, rel, why);
	else
		mfi_calstore_ignore(s, rel, e->is_reg ? why : mfi_calstore_entry_why(e));
}

/* The owner of the home at `rel`: its directory name (valid UTF-8). */
static char *owner_of(const char *rel, const mfi_calstore_store *s)
{
	const char *slash = strrchr(rel, '/');
	char *raw = *rel ? g_strdup(slash ? slash + 1 : rel) : g_path_get_basename(s->root);
	char *owner = mfi_calstore_utf8(raw);
	g_free(raw);
	return owner;
}

/* One entry of a home: a collection, a skipped collection or a stray file. */
static void home_entry(mfi_calstore_store *s, const char *rel, const mfi_calstore_entry *e,
                       const char *ext, guint level)
{
	(void)level;
	const char *why = skipped_why(e->name);
	if (e->is_dir && !why && e->name[0] == '.')
		why = "hidden collection (not a calendar collection)";
	if (!e->is_dir || why) {
		ignore_entry(s, rel, e, why ? why : mfi_calstore_entry_why(e));
		return;
	}
	char *home_rel = g_path_get_dirname(rel);
	char *owner = owner_of(strcmp(home_rel, ".") == 0 ? "" : home_rel, s);
	char *path = mfi_calstore_path(s, rel);
	char *name = mfi_calstore_dav_displayname(path, owner);
	if (!name)
		name = mfi_calstore_utf8(e->name);
	const char *folder[] = { name, NULL };
	mfi_calstore_add_collection(s, rel, folder, owner, ext, FALSE, NULL);
	g_free(name);
	g_free(path);
	g_free(owner);
	g_free(home_rel);
}

static void walk_home(mfi_calstore_store *s, const char *rel, const char *ext)
{
	each_entry(s, rel, ext, 0, home_entry);
}

/* __uids__/<2>/<2>/<UID>, or __uids__/<UID> (unhashed). */
static void uids_entry(mfi_calstore_store *s, const char *rel, const mfi_calstore_entry *e,
                       const char *ext, guint level)
{
	if (!e->is_dir)
		ignore_entry(s, rel, e, mfi_calstore_entry_why(e));
	else if (level < 2 && strlen(e->name) == 2)
		each_entry(s, rel, ext, level + 1, uids_entry);
	else
		walk_home(s, rel, ext);
}

static void named_homes_entry(mfi_calstore_store *s, const char *rel,
                              const mfi_calstore_entry *e, const char *ext, guint level)
{
	(void)level;
	if (e->is_dir && e->name[0] != '.')
		walk_home(s, rel, ext);
	else
		ignore_entry(s, rel, e, mfi_calstore_entry_why(e));
}

/* calendars/ or addressbooks/: __uids__ and the older users/... trees. */
static void homes_root_entry(mfi_calstore_store *s, const char *rel, const mfi_calstore_entry *e,
                             const char *ext, guint level)
{
	(void)level;
	if (e->is_dir && strcmp(e->name, "__uids__") == 0)
		each_entry(s, rel, ext, 0, uids_entry);
	else if (e->is_dir && in_list(named_home_dirs, e->name))
		each_entry(s, rel, ext, 0, named_homes_entry);
	else
		ignore_entry(s, rel, e, "not a home directory of the store");
}

static void document_root_entry(mfi_calstore_store *s, const char *rel,
                                const mfi_calstore_entry *e, const char *ext, guint level)
{
	(void)ext;
	(void)level;
	if (e->is_dir && strcmp(e->name, "calendars") == 0)
		each_entry(s, rel, "ics", 0, homes_root_entry);
	else if (e->is_dir && strcmp(e->name, "addressbooks") == 0)
		each_entry(s, rel, "vcf", 0, homes_root_entry);
	else
		ignore_entry(s, rel, e, "not part of the calendar or address book store");
}

gboolean mfi_calstore_ccs_walk(mfi_calstore_store *s, GError **error)
{
	GPtrArray *top = mfi_calstore_list(s->root);
	if (!top) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: cannot list the directory", s->root);
		return FALSE;
	}
	g_ptr_array_unref(top);
	char *base = g_path_get_basename(s->root);
	const char *ext = strcmp(base, "addressbooks") == 0 ? "vcf" : "ics";
	if (mfi_calstore_has(s->root, "calendars", TRUE) || mfi_calstore_has(s->root, "addressbooks", TRUE))
		each_entry(s, "", ext, 0, document_root_entry);
	else if (mfi_calstore_has(s->root, "__uids__", TRUE) ||
	         strcmp(base, "calendars") == 0 || strcmp(base, "addressbooks") == 0)
		each_entry(s, "", ext, 0, homes_root_entry);
	else if (strcmp(base, "__uids__") == 0)
		each_entry(s, "", ext, 0, uids_entry);
	else if (in_list(named_home_dirs, base))
		each_entry(s, "", ext, 0, named_homes_entry);
	else
		walk_home(s, "", ext);
	g_free(base);
	return TRUE;
}

/* A directory holding a .db.sqlite index or .ics files directly. */
static gboolean is_collection(const char *path)
{
	if (mfi_calstore_has(path, ".db.sqlite", FALSE))
		return TRUE;
	GPtrArray *entries = mfi_calstore_list(path);
	gboolean yes = FALSE;
	for (guint i = 0; entries && i < entries->len && !yes; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		yes = e->is_reg && g_str_has_suffix(e->name, ".ics");
	}
	if (entries)
		g_ptr_array_unref(entries);
	return yes;
}

/* A home: the scheduling inbox and outbox, and a calendar collection (so
 * that a mail tree with "inbox" and "outbox" folders is not taken). */
static gboolean is_home(const char *path)
{
	if (!mfi_calstore_has(path, "inbox", TRUE) || !mfi_calstore_has(path, "outbox", TRUE))
		return FALSE;
	GPtrArray *entries = mfi_calstore_list(path);
	gboolean yes = FALSE;
	for (guint i = 0; entries && i < entries->len && !yes; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child = g_build_filename(path, e->name, NULL);
		yes = e->is_dir && !skipped_why(e->name) && is_collection(child);
		g_free(child);
	}
	if (entries)
		g_ptr_array_unref(entries);
	return yes;
}

/* users/<name>/ homes: one of them looks like a home. */
static gboolean holds_homes(const char *path)
{
	GPtrArray *entries = mfi_calstore_list(path);
	gboolean yes = FALSE;
	for (guint i = 0; entries && i < entries->len && !yes; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child = g_build_filename(path, e->name, NULL);
		char *index = g_build_filename(child, "calendar", NULL);
		yes = e->is_dir && (is_home(child) || mfi_calstore_has(index, ".db.sqlite", FALSE));
		g_free(index);
		g_free(child);
	}
	if (entries)
		g_ptr_array_unref(entries);
	return yes;
}

/* calendars/ (or addressbooks/): __uids__ or users/ holding homes. */
static gboolean is_homes_root(const char *path)
{
	char *users = g_build_filename(path, "users", NULL);
	gboolean yes = mfi_calstore_has(path, "__uids__", TRUE) ||
	               (mfi_calstore_has(path, "users", TRUE) && holds_homes(users));
	g_free(users);
	return yes;
}

int mfi_calstore_ccs_probe(const char *path, gboolean is_dir, const guint8 *head,
                           gsize head_len)
{
	(void)head;
	(void)head_len;
	if (!is_dir)
		return MF_PROBE_NO;
	char *base = g_path_get_basename(path);
	char *cal = g_build_filename(path, "calendars", NULL);
	gboolean yes = strcmp(base, "__uids__") == 0 || is_homes_root(path) || is_home(path) ||
	               (in_list(named_home_dirs, base) && holds_homes(path)) ||
	               (mfi_calstore_has(path, "calendars", TRUE) && is_homes_root(cal));
	g_free(cal);
	g_free(base);
	return yes ? MF_PROBE_SURE : MF_PROBE_NO;
}
