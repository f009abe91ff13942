/* Finding mailboxes and folders in an MDaemon store (formats.md D.1):
 * Users/<domain>/<mailbox>/ is a mail directory whose root is the inbox and
 * whose "<name>.IMAP" sub-directories (nested) are folders.
 *
 * Every directory is looked at with lstat: a symbolic link is never followed
 * (a link could lead out of the store), it is listed as ignored instead. */
#include "mdaemon.h"
#include "mailferry/file-walk.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define PROBE_MAX_CHILDREN 64   /* directories a probe looks into, per level */
#define PROBE_MAX_NAMES 10000    /* names it lstats per directory to find them */

void mfi_mdaemon_box_free(gpointer p)
{
	mfi_mdaemon_box *box = p;
	g_free(box->rel);
	g_free(box->address);
	g_free(box);
}

void mfi_mdaemon_folder_free(gpointer p)
{
	mfi_mdaemon_folder *folder = p;
	g_free(folder->rel);
	g_strfreev(folder->segments);
	g_free(folder);
}

GPtrArray *mfi_mdaemon_list_dir(const char *dir)
{
	GError *error = NULL;
	GPtrArray *names = mf_list_dir_sorted(dir, &error);
	if (!names) {
		gboolean missing = error->domain == G_FILE_ERROR && error->code == G_FILE_ERROR_NOENT;
		errno = missing ? ENOENT : EIO;
		g_error_free(error);
	}
	return names;
}

char *mfi_mdaemon_rel_join(const char *rel, const char *name)
{
	return rel && *rel ? g_strconcat(rel, "/", name, NULL) : g_strdup(name);
}

/* lstat type of dir/name: 'd' directory, 'f' regular file, 'l' link, '?' other. */
static char entry_type(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL);
	struct stat st;
	int rc = lstat(path, &st);
	g_free(path);
	if (rc != 0)
		return '?';
	return S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : '?';
}

static gboolean is_maildir(const char *dir)
{
	return entry_type(dir, "cur") == 'd' || entry_type(dir, "new") == 'd';
}

/* What one entry of a mail directory says; lstat only for names that count. */
static int entry_score(const char *dir, const char *name)
{
	if (mfi_mdaemon_name_is(name, MFI_MDAEMON_INDEX_FILE) ||
	    mfi_mdaemon_name_is(name, MFI_MDAEMON_HIWATER_FILE) || mfi_mdaemon_is_md_name(name))
		return entry_type(dir, name) == 'f' ? MF_PROBE_SURE : MF_PROBE_NO;
	char *segment = mfi_mdaemon_folder_segment(name);
	int score = segment && entry_type(dir, name) == 'd' ? MF_PROBE_LIKELY : MF_PROBE_NO;
	g_free(segment);
	return score;
}

int mfi_mdaemon_mailbox_score(const char *dir)
{
	if (is_maildir(dir))
		return MF_PROBE_NO; /* a Maildir is never ours */
	GPtrArray *names = mfi_mdaemon_list_dir(dir);
	int score = MF_PROBE_NO;
	for (guint i = 0; names && i < names->len && score < MF_PROBE_SURE; i++)
		score = MAX(score, entry_score(dir, names->pdata[i]));
	if (names)
		g_ptr_array_unref(names);
	return score;
}

/* The best score of the sub-directories of `dir` (and below, `levels` deep),
 * looking into at most PROBE_MAX_CHILDREN of them per level. */
static int children_score(const char *dir, int levels)
{
	GPtrArray *names = mfi_mdaemon_list_dir(dir);
	int best = MF_PROBE_NO;
	guint looked = 0;
	guint limit = names ? MIN(names->len, PROBE_MAX_NAMES) : 0;
	for (guint i = 0; i < limit && looked < PROBE_MAX_CHILDREN; i++) {
		const char *name = names->pdata[i];
		if (mf_has_extension(name, "msg") || mf_has_extension(name, "eml") ||
		    entry_type(dir, name) != 'd')
			continue; /* message files: no lstat for each of a big folder's */
		looked++;
		char *child = g_build_filename(dir, name, NULL);
		int score = levels > 1 ? children_score(child, levels - 1)
		                       : mfi_mdaemon_mailbox_score(child);
		g_free(child);
		best = MAX(best, score);
		if (best == MF_PROBE_SURE)
			break;
	}
	if (names)
		g_ptr_array_unref(names);
	return best;
}

/* The name of `dir`'s sub-directory called `want` in any case; NULL if none. */
static char *child_dir_named(const char *dir, const char *want)
{
	GPtrArray *names = mfi_mdaemon_list_dir(dir);
	char *found = NULL;
	for (guint i = 0; names && i < names->len && !found; i++)
		if (mfi_mdaemon_name_is(names->pdata[i], want) &&
		    entry_type(dir, names->pdata[i]) == 'd')
			found = g_strdup(names->pdata[i]);
	if (names)
		g_ptr_array_unref(names);
	return found;
}

/* The MDaemon directory itself (C:\MDaemon): a Users directory of domains. */
static int root_score(const char *path)
{
	char *users = child_dir_named(path, MFI_MDAEMON_USERS_DIR);
	char *users_path = users ? g_build_filename(path, users, NULL) : NULL;
	int score = MF_PROBE_NO;
	/* not a domain with a mailbox called "users": that one holds mail or mailboxes */
	if (users_path && mfi_mdaemon_mailbox_score(users_path) == MF_PROBE_NO &&
	    children_score(users_path, 1) == MF_PROBE_NO)
		score = children_score(users_path, 2);
	g_free(users_path);
	g_free(users);
	return score;
}

mfi_mdaemon_layout mfi_mdaemon_detect_layout(const char *path, int *score_r)
{
	if (is_maildir(path)) { /* Maildir++ roots hold folders that are Maildirs */
		*score_r = MF_PROBE_NO;
		return MFI_MD_LAYOUT_NONE;
	}
	/* A domain, server or MDaemon directory holds no mail of its own. */
	static const mfi_mdaemon_layout order[] = {
		MFI_MD_LAYOUT_MAILBOX, MFI_MD_LAYOUT_ROOT, MFI_MD_LAYOUT_DOMAIN, MFI_MD_LAYOUT_SERVER,
	};
	for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
		mfi_mdaemon_layout layout = order[i];
		int score = layout == MFI_MD_LAYOUT_MAILBOX ? mfi_mdaemon_mailbox_score(path)
		            : layout == MFI_MD_LAYOUT_ROOT  ? root_score(path)
		            : layout == MFI_MD_LAYOUT_DOMAIN ? children_score(path, 1)
		                                             : children_score(path, 2);
		if (score != MF_PROBE_NO) {
			*score_r = score;
			return layout;
		}
	}
	*score_r = MF_PROBE_NO;
	return MFI_MD_LAYOUT_NONE;
}

#define MAX_FOLDER_DEPTH 64

static void add_box(GPtrArray *boxes, const char *rel, const char *mailbox, const char *domain)
{
	mfi_mdaemon_box *box = g_new0(mfi_mdaemon_box, 1);
	box->rel = g_strdup(rel);
	if (mailbox) {
		char *m = mfi_mdaemon_name_utf8(mailbox, -1);
		char *d = mfi_mdaemon_name_utf8(domain, -1);
		box->address = g_strconcat(m, "@", d, NULL);
		g_free(m);
		g_free(d);
	}
	g_ptr_array_add(boxes, box);
}

static void ignore_entry(GPtrArray *ignored, const char *rel, char type, const char *what)
{
	const char *why = type == 'l' ? "symbolic link, not followed" : what;
	char *utf8 = mfi_mdaemon_name_utf8(rel, -1);
	g_ptr_array_add(ignored, g_strdup_printf("%s: %s", utf8, why));
	g_free(utf8);
}

/* The sub-directories of root/rel, sorted; other entries go to `ignored`. */
static GPtrArray *child_dirs(const char *root, const char *rel, const char *what,
                             GPtrArray *ignored)
{
	char *dir = *rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
	GPtrArray *names = mfi_mdaemon_list_dir(dir);
	GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
	if (!names)
		ignore_entry(ignored, *rel ? rel : ".", 'd', "cannot list directory");
	for (guint i = 0; names && i < names->len; i++) {
		const char *name = names->pdata[i];
		char type = entry_type(dir, name);
		char *child = mfi_mdaemon_rel_join(rel, name);
		if (type == 'd')
			g_ptr_array_add(dirs, g_strdup(name));
		else
			ignore_entry(ignored, child, type, what);
		g_free(child);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(dir);
	return dirs;
}

/* The mailbox directories of one domain directory root/rel. */
static void domain_boxes(const char *root, const char *rel, const char *domain,
                         GPtrArray *boxes, GPtrArray *ignored)
{
	GPtrArray *names = child_dirs(root, rel, "not a mailbox directory", ignored);
	for (guint i = 0; i < names->len; i++) {
		char *box_rel = mfi_mdaemon_rel_join(rel, names->pdata[i]);
		add_box(boxes, box_rel, names->pdata[i], domain);
		g_free(box_rel);
	}
	g_ptr_array_unref(names);
}

/* The mailboxes of a Users directory root/rel, domain by domain. */
static void server_boxes(const char *root, const char *rel, GPtrArray *boxes, GPtrArray *ignored)
{
	GPtrArray *domains = child_dirs(root, rel, "not a domain directory", ignored);
	for (guint i = 0; i < domains->len; i++) {
		char *domain_rel = mfi_mdaemon_rel_join(rel, domains->pdata[i]);
		domain_boxes(root, domain_rel, domains->pdata[i], boxes, ignored);
		g_free(domain_rel);
	}
	g_ptr_array_unref(domains);
}

/* The MDaemon directory: Users/ and the public folders (D.9) are read, the
 * rest (App/, Queues/, Logs/, ...) is the server's own and only listed. */
static void root_boxes(const char *root, GPtrArray *boxes, GPtrArray *ignored)
{
	GPtrArray *names = child_dirs(root, "", "not a mail store", ignored);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		if (mfi_mdaemon_name_is(name, MFI_MDAEMON_USERS_DIR)) {
			server_boxes(root, name, boxes, ignored);
		} else if (mfi_mdaemon_name_is(name, MFI_MDAEMON_PUBLIC_DIR)) {
			mfi_mdaemon_box *box = g_new0(mfi_mdaemon_box, 1);
			box->rel = g_strdup(name);
			box->address = mfi_mdaemon_name_utf8(name, -1);
			g_ptr_array_add(boxes, box);
		} else {
			char *what = g_strdup_printf("%s: MDaemon directory, not a mail store", name);
			g_ptr_array_add(ignored, mfi_mdaemon_name_utf8(what, -1));
			g_free(what);
		}
	}
	g_ptr_array_unref(names);
}

GPtrArray *mfi_mdaemon_find_boxes(const char *root, mfi_mdaemon_layout layout,
                                  GPtrArray *ignored)
{
	GPtrArray *boxes = g_ptr_array_new_with_free_func(mfi_mdaemon_box_free);
	if (layout == MFI_MD_LAYOUT_DOMAIN) {
		char *domain = g_path_get_basename(root);
		domain_boxes(root, "", domain, boxes, ignored);
		g_free(domain);
	} else if (layout == MFI_MD_LAYOUT_SERVER) {
		server_boxes(root, "", boxes, ignored);
	} else if (layout == MFI_MD_LAYOUT_ROOT) {
		root_boxes(root, boxes, ignored);
	} else {
		add_box(boxes, "", NULL, NULL);
	}
	return boxes;
}

static void add_folder(GPtrArray *folders, const char *rel, GPtrArray *segments)
{
	mfi_mdaemon_folder *folder = g_new0(mfi_mdaemon_folder, 1);
	folder->rel = g_strdup(rel);
	folder->segments = g_new0(char *, segments->len + 1);
	for (guint i = 0; i < segments->len; i++)
		folder->segments[i] = g_strdup(segments->pdata[i]);
	g_ptr_array_add(folders, folder);
}

/* root/rel is a folder with path `segments`; adds it, then its *.IMAP children. */
static void walk_folder(const char *root, const char *rel, GPtrArray *segments,
                        GPtrArray *folders, GPtrArray *ignored)
{
	add_folder(folders, rel, segments);
	char *dir = *rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
	GPtrArray *names = mfi_mdaemon_list_dir(dir);
	for (guint i = 0; names && i < names->len; i++) {
		const char *name = names->pdata[i];
		char *segment = mfi_mdaemon_folder_segment(name);
		if (segment && entry_type(dir, name) == 'd') {
			char *child = mfi_mdaemon_rel_join(rel, name);
			if (segments->len >= MAX_FOLDER_DEPTH) {
				ignore_entry(ignored, child, 'd', "folders nested too deep");
			} else {
				g_ptr_array_add(segments, segment);
				segment = NULL;
				walk_folder(root, child, segments, folders, ignored);
				g_ptr_array_remove_index(segments, segments->len - 1);
			}
			g_free(child);
		}
		g_free(segment);
	}
	if (names)
		g_ptr_array_unref(names);
	g_free(dir);
}

GPtrArray *mfi_mdaemon_find_folders(const char *root, const mfi_mdaemon_box *box,
                                    GPtrArray *ignored)
{
	GPtrArray *folders = g_ptr_array_new_with_free_func(mfi_mdaemon_folder_free);
	GPtrArray *segments = g_ptr_array_new_with_free_func(g_free);
	walk_folder(root, box->rel, segments, folders, ignored);
	g_ptr_array_unref(segments);
	return folders;
}
