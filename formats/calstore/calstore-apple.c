/* macOS Calendar.app data (formats.md C.2) and Calendar archives (.icbu, C.3):
 *
 *   Calendars/ or X.icbu/
 *     <UUID>.calendar/Info.plist + Events/<name>.ics     a local calendar
 *     <UUID>.caldav/Info.plist                       an account (Title)
 *       <UUID>.calendar/Info.plist + Events/<name>.ics    its calendars
 *     Calendar Cache, Calendar Sync Changes/, ...    not read; listed
 *
 * The source may be that whole directory, one account directory or one
 * .calendar directory. Folder = the calendar's Title (Info.plist, XML or
 * binary; the directory name without ".calendar" when there is none),
 * under the Title of the account it is in. Every .ics file anywhere in a
 * .calendar directory is read (Events/ in 10.5+, corestorage.ics in iCal 2);
 * inbox/outbox/notification calendars of an account hold scheduling messages
 * and are listed, not read. One mailbox: item->mailbox stays NULL. */
#include "calstore.h"
#include "mailferry/file-walk.h"

#include <string.h>

#define CONTAINER_DEPTH 8

static char *base_name(const mfi_calstore_store *s, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	if (*rel)
		return g_strdup(slash ? slash + 1 : rel);
	return g_path_get_basename(s->root);
}

/* "Work" for "Work.calendar"; the name itself when it has no extension.
 * Valid UTF-8 (NFC). */
static char *stem(const char *name)
{
	const char *dot = strrchr(name, '.');
	char *raw = dot && dot != name ? g_strndup(name, (gsize)(dot - name)) : g_strdup(name);
	char *text = mfi_calstore_utf8(raw);
	g_free(raw);
	return text;
}

static gboolean is_scheduling_calendar(const char *name)
{
	static const char *const names[] = { "inbox", "outbox", "notification", "notifications",
	                                     NULL };
	char *st = stem(name);
	gboolean yes = FALSE;
	for (const char *const *n = names; *n && !yes; n++)
		yes = g_ascii_strcasecmp(st, *n) == 0;
	g_free(st);
	return yes;
}

/* The Title of directory `rel`'s Info.plist (NULL when none); the plist is
 * listed as ignored, with the title or why it could not be read. */
static char *read_title(mfi_calstore_store *s, const char *rel)
{
	char *plist_rel = mfi_calstore_join(rel, "Info.plist");
	char *path = mfi_calstore_path(s, plist_rel);
	char *title = NULL;
	if (g_file_test(path, G_FILE_TEST_EXISTS) || g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		GError *err = NULL;
		mfi_plist *pl = mfi_plist_load(path, &err);
		const char *t = mfi_plist_get_string(pl, "Title");
		const char *type = mfi_plist_get_string(pl, "Type");
		title = t && *t ? g_strdup(t) : NULL;
		char *why = pl ? g_strdup_printf("metadata; Title \"%s\"%s%s%s", t ? t : "",
		                                 type ? ", Type \"" : "", type ? type : "",
		                                 type ? "\"" : "")
		               : g_strdup_printf("metadata that cannot be read: %s", err->message);
		mfi_calstore_ignore(s, plist_rel, why);
		g_free(why);
		g_clear_error(&err);
		mfi_plist_free(pl);
	}
	g_free(path);
	g_free(plist_rel);
	return title;
}

static char **push_segment(const char *const *segs, const char *seg)
{
	guint n = g_strv_length((char **)segs);
	char **out = g_new0(char *, n + 2);
	for (guint i = 0; i < n; i++)
		out[i] = g_strdup(segs[i]);
	out[n] = g_strdup(seg);
	return out;
}

static void walk_calendar(mfi_calstore_store *s, const char *rel, const char *const *segs)
{
	char *name = base_name(s, rel);
	if (is_scheduling_calendar(name)) {
		mfi_calstore_ignore_tree(s, rel, "scheduling inbox/outbox/notifications of an "
		                                 "account, not calendar data");
		g_free(name);
		return;
	}
	char *title = read_title(s, rel);
	if (!title)
		title = stem(name);
	char **folder = push_segment(segs, title);
	mfi_calstore_add_collection(s, rel, (const char *const *)folder, NULL, "ics", TRUE,
	                            "Info.plist");
	g_strfreev(folder);
	g_free(title);
	g_free(name);
}

/* An account (any other directory with an extension, except the archive
 * itself) adds its Title as a folder level; its Info.plist is then listed
 * by read_title (*plist_listed_r). */
static char **container_segments(mfi_calstore_store *s, const char *rel,
                                 const char *const *segs, gboolean *plist_listed_r)
{
	char *name = base_name(s, rel);
	char *title = NULL;
	*plist_listed_r = FALSE;
	if (strchr(name + 1, '.') && !mf_has_extension(name, "icbu")) {
		title = read_title(s, rel);
		*plist_listed_r = TRUE;
	}
	char **out = title ? push_segment(segs, title) : g_strdupv((char **)segs);
	g_free(title);
	g_free(name);
	return out;
}

static void walk_container(mfi_calstore_store *s, const char *rel, const char *const *segs,
                           int depth)
{
	gboolean plist_listed;
	char **inner = container_segments(s, rel, segs, &plist_listed);
	char *dir = mfi_calstore_path(s, rel);
	GPtrArray *entries = mfi_calstore_list(dir);
	g_free(dir);
	if (!entries)
		mfi_calstore_ignore(s, rel, "directory cannot be read");
	for (guint i = 0; entries && i < entries->len; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child = mfi_calstore_join(rel, e->name);
		if (e->is_dir && mf_has_extension(e->name, "calendar"))
			walk_calendar(s, child, (const char *const *)inner);
		else if (e->is_dir && depth > 0)
			walk_container(s, child, (const char *const *)inner, depth - 1);
		else if (e->is_dir)
			mfi_calstore_ignore_tree(s, child, "nested too deeply; not read");
		else if (!plist_listed || strcmp(e->name, "Info.plist") != 0)
			mfi_calstore_ignore(s, child, mfi_calstore_entry_why(e));
		g_free(child);
	}
	if (entries)
		g_ptr_array_unref(entries);
	g_strfreev(inner);
}

/* A .icbu bundle that was zipped to travel (X.icbu.zip, or a zip named X.icbu). */
static gboolean is_zipped_archive(const char *path)
{
	char *lower = g_ascii_strdown(path, -1);
	gboolean yes = g_str_has_suffix(lower, ".icbu.zip") || g_str_has_suffix(lower, ".icbu");
	g_free(lower);
	return yes && g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

gboolean mfi_calstore_apple_walk(mfi_calstore_store *s, GError **error)
{
	if (!g_file_test(s->root, G_FILE_TEST_IS_DIR)) {
		if (is_zipped_archive(s->root))
			g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: a zipped Calendar archive: "
			            "unzip it first (unzip -q '%s' -d DIR) and convert the .icbu "
			            "directory inside", s->root, s->root);
		else
			g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: not a directory", s->root);
		return FALSE;
	}
	GPtrArray *top = mfi_calstore_list(s->root);
	if (!top) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: cannot list the directory", s->root);
		return FALSE;
	}
	g_ptr_array_unref(top);
	static const char *const none[] = { NULL };
	if (mf_has_extension(s->root, "calendar"))
		walk_calendar(s, "", none);
	else
		walk_container(s, "", none, CONTAINER_DEPTH);
	return TRUE;
}

/* A .calendar directory as Calendar.app writes it. */
static gboolean is_calendar_dir(const char *path)
{
	return mf_has_extension(path, "calendar") &&
	       (mfi_calstore_has(path, "Info.plist", FALSE) || mfi_calstore_has(path, "Events", TRUE));
}

/* An account directory (<UUID>.caldav ...) or a Calendars directory: some
 * child is a .calendar directory, or an account holding one, or the cache. */
static gboolean holds_calendars(const char *path, int depth)
{
	GPtrArray *entries = mfi_calstore_list(path);
	gboolean yes = FALSE;
	for (guint i = 0; entries && i < entries->len && !yes; i++) {
		const mfi_calstore_entry *e = entries->pdata[i];
		char *child = g_build_filename(path, e->name, NULL);
		if (e->is_reg)
			yes = strcmp(e->name, "Calendar Cache") == 0;
		else if (e->is_dir)
			yes = is_calendar_dir(child) ||
			      (depth > 0 && strchr(e->name, '.') &&
			       mfi_calstore_has(child, "Info.plist", FALSE) && holds_calendars(child, depth - 1));
		g_free(child);
	}
	if (entries)
		g_ptr_array_unref(entries);
	return yes;
}

int mfi_calstore_apple_probe(const char *path, gboolean is_dir, const guint8 *head,
                             gsize head_len)
{
	if (!is_dir) /* a zipped archive: claimed, so that open() says to unzip it */
		return is_zipped_archive(path) && head_len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0
		       ? MF_PROBE_LIKELY : MF_PROBE_NO;
	char *trimmed = g_strdup(path);
	while (strlen(trimmed) > 1 && g_str_has_suffix(trimmed, "/"))
		trimmed[strlen(trimmed) - 1] = '\0';
	gboolean yes = mf_has_extension(trimmed, "icbu") || is_calendar_dir(trimmed) ||
	               holds_calendars(trimmed, 1);
	g_free(trimmed);
	return yes ? MF_PROBE_SURE : MF_PROBE_NO;
}
