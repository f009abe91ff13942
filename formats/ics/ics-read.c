/* Reads iCalendar files: one .ics/.vcs, or every *.ics and *.vcs under a
 * directory in sorted order. vCalendar 1.0 files (.vcs, or VERSION:1.0 near
 * the top) are upgraded to iCalendar 2.0 line by line (ics-vcal1.c). A file is streamed one top-level component (VCALENDAR) at a time
 * through libical's line-by-line parser, so memory follows the largest
 * VCALENDAR, not the file. Each VCALENDAR is split into items (ics-split.c)
 * that wait in a queue until next() hands them out. */
#include "ics.h"
#include "mailferry/file-walk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ICS_PROBE_DEPTH 8

struct mf_reader {
	char *base_dir;     /* directory the relative paths start from */
	GPtrArray *files;   /* relative paths, sorted */
	GPtrArray *ignored; /* files and components not turned into items */
	guint next_file;
	GQueue pending;     /* mfi_ics_result*, ready for next() */

	/* the file being read */
	FILE *fp;
	char *path;
	char **folder;
	icalparser *parser;
	gboolean vcal1;     /* vCalendar 1.0: lines go through ics-vcal1.c */
	GPtrArray *lines;   /* upgraded lines waiting to be fed to the parser */
	guint vcal_no;

	guint64 done_files, total;

	mfi_ics_top_hook top_hook; /* see mfi_ics_set_top_hook() */
	gpointer top_hook_data;
};

/* A VCALENDAR, or a bare VEVENT/VTODO/VJOURNAL (which the reader wraps). */
static gboolean head_starts_vcalendar(const guint8 *head, gsize len)
{
	static const char *const tags[] = { "BEGIN:VCALENDAR", "BEGIN:VEVENT", "BEGIN:VTODO",
	                                    "BEGIN:VJOURNAL", NULL };
	gsize i = 0;
	if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && g_ascii_isspace(head[i]))
		i++;
	for (const char *const *t = tags; *t; t++) {
		gsize n = strlen(*t);
		if (len - i >= n && g_ascii_strncasecmp((const char *)head + i, *t, n) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The first line is "BEGIN:" something. */
static gboolean head_starts_begin(const guint8 *head, gsize len)
{
	gsize i = len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len && g_ascii_isspace(head[i]))
		i++;
	return len - i > 6 && g_ascii_strncasecmp((const char *)head + i, "BEGIN:", 6) == 0 &&
	       g_ascii_isalpha(head[i + 6]);
}

int mfi_ics_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	if (is_dir)
		return mf_tree_has_extension(path, "ics", ICS_PROBE_DEPTH) ||
		               mf_tree_has_extension(path, "vcs", ICS_PROBE_DEPTH)
		       ? MF_PROBE_LIKELY
		       : MF_PROBE_NO;
	if (head_starts_vcalendar(head, head_len))
		return MF_PROBE_SURE;
	gboolean ics_name = mf_has_extension(path, "ics") || mf_has_extension(path, "vcs");
	/* "BEGIN:MYCOMP" in a .ics file: an unknown wrapper around calendar
	 * components (ics-split.c takes them out), not a mail header. */
	if (ics_name && head_starts_begin(head, head_len))
		return MF_PROBE_SURE;
	return mf_has_extension(path, "ics") || mf_has_extension(path, "vcs") ? MF_PROBE_MAYBE
	                                                                      : MF_PROBE_NO;
}

static gint compare_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The walk lists by one extension: .vcs files it put among the ignored are
 * calendars too. */
static void take_vcs_files(mf_reader *r)
{
	for (guint i = 0; i < r->ignored->len;) {
		const char *rel = r->ignored->pdata[i];
		if (mf_has_extension(rel, "vcs")) {
			g_ptr_array_add(r->files, g_strdup(rel));
			g_ptr_array_remove_index(r->ignored, i);
		} else {
			i++;
		}
	}
	g_ptr_array_sort(r->files, compare_paths);
}

mf_reader *mfi_ics_open(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "stat(%s) failed: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	/* Bad input must come back as X-LIC-ERROR, never abort the process. */
	icalerror_set_errors_are_fatal(0);
	mf_reader *r = g_new0(mf_reader, 1);
	r->files = g_ptr_array_new_with_free_func(g_free);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	g_queue_init(&r->pending);
	if (S_ISDIR(st.st_mode)) {
		r->base_dir = g_strdup(path);
		if (!mf_walk_files(path, "ics", r->files, r->ignored, error)) {
			mfi_ics_close(r);
			return NULL;
		}
		take_vcs_files(r);
	} else {
		r->base_dir = g_path_get_dirname(path);
		g_ptr_array_add(r->files, g_path_get_basename(path));
	}
	for (guint i = 0; i < r->files->len; i++) {
		char *file = g_build_filename(r->base_dir, r->files->pdata[i], NULL);
		if (stat(file, &st) == 0)
			r->total += (guint64)st.st_size;
		g_free(file);
	}
	return r;
}

static char *read_line(char *s, size_t size, void *data)
{
	return fgets(s, (int)size, data);
}

static void end_file(mf_reader *r)
{
	if (r->fp) {
		struct stat st;
		if (fstat(fileno(r->fp), &st) == 0)
			r->done_files += (guint64)st.st_size;
		fclose(r->fp);
		r->fp = NULL;
	}
	if (r->parser)
		icalparser_free(r->parser);
	r->parser = NULL;
	g_clear_pointer(&r->path, g_free);
	g_clear_pointer(&r->folder, g_strfreev);
	g_clear_pointer(&r->lines, g_ptr_array_unref);
	r->vcal1 = FALSE;
}

static gboolean file_is_vcal1(const char *path, FILE *fp)
{
	guint8 head[4096];
	gsize n = fread(head, 1, sizeof head, fp);
	rewind(fp);
	return mf_has_extension(path, "vcs") || mfi_vcal1_sniff(head, n);
}

/* Opens the next file; FALSE when there is none. A file that cannot be opened
 * becomes one BROKEN result. */
static gboolean start_file(mf_reader *r)
{
	if (r->next_file >= r->files->len)
		return FALSE;
	const char *rel = r->files->pdata[r->next_file++];
	r->path = g_build_filename(r->base_dir, rel, NULL);
	r->folder = mf_folder_for_file(rel, TRUE);
	r->vcal_no = 0;
	r->fp = fopen(r->path, "rb");
	if (!r->fp) {
		mfi_ics_result *res = g_new0(mfi_ics_result, 1);
		res->result = MF_NEXT_BROKEN;
		res->error = g_error_new(MF_ERROR, MF_ERROR_ITEM, "open(%s) failed: %s", r->path,
		                         g_strerror(errno));
		g_queue_push_tail(&r->pending, res);
		end_file(r);
		return TRUE;
	}
	r->parser = icalparser_new();
	icalparser_set_gen_data(r->parser, r->fp);
	r->vcal1 = file_is_vcal1(r->path, r->fp);
	r->lines = g_ptr_array_new_with_free_func(g_free);
	return TRUE;
}

/* libical drops a line whose property name it does not know ("DTSTAR;TZID=
 * US-Eastern:19980312T083000", a typo) and notes only the name. Such a line
 * is turned into the X-LIC-ERROR note itself, holding the whole line as
 * escaped TEXT, so the repairs keep it (Items_InvalidProperty). Takes `line`. */
static char *keep_unknown_property(char *line)
{
	gsize n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
	if (n == 0 || (line[n] != ':' && line[n] != ';'))
		return line;
	char *name = g_strndup(line, n);
	gboolean known = g_ascii_strncasecmp(name, "X-", 2) == 0 ||
	                 g_ascii_strcasecmp(name, "BEGIN") == 0 ||
	                 g_ascii_strcasecmp(name, "END") == 0 ||
	                 icalproperty_string_to_kind(name) != ICAL_NO_PROPERTY;
	if (known) {
		g_free(name);
		return line;
	}
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "X-LIC-ERROR;X-LIC-ERRORTYPE=PROPERTY-PARSE-ERROR:"
	                            "Unknown property name %s\\; the line was: ", name);
	for (const char *c = line; *c; c++) {
		if (*c == '\\' || *c == ';' || *c == ',')
			g_string_append_c(out, '\\');
		if (*c != '\r' && *c != '\n')
			g_string_append_c(out, *c);
	}
	g_free(name);
	g_free(line);
	return g_string_free(out, FALSE);
}

/* The next line for the parser: straight from libical's line reader, or for
 * vCalendar 1.0 from the upgrader. Caller frees with g_free. */
static char *next_line(mf_reader *r)
{
	if (!r->vcal1) {
		char *line = icalparser_get_line(r->parser, read_line);
		char *copy = g_strdup(line);
		icalmemory_free_buffer(line);
		return copy ? keep_unknown_property(copy) : NULL;
	}
	while (r->lines->len == 0) {
		char *raw = mfi_vcal1_read_line(r->fp);
		if (!raw)
			return NULL;
		mfi_vcal1_upgrade_line(raw, r->lines);
		g_free(raw);
	}
	return keep_unknown_property(g_ptr_array_steal_index(r->lines, 0));
}

/* Parses up to the next complete top-level component of the current file and
 * queues its items; at end of file, what is left (an unterminated VCALENDAR)
 * is queued too and the file is closed. */
static void read_component(mf_reader *r)
{
	icalcomponent *top = NULL;
	char *line;
	while (!top && (line = next_line(r))) {
		top = icalparser_add_line(r->parser, line);
		g_free(line);
	}
	gboolean at_end = top == NULL;
	if (at_end) {
		/* icalparser_clean() closes an unterminated component (noting it in
		 * X-LIC-ERROR) but keeps owning it: icalparser_free() frees it. */
		icalcomponent *rest = icalparser_clean(r->parser);
		top = rest ? mfi_ics_clone(rest) : NULL;
	}
	if (top) {
		mfi_ics_origin origin = { r->path, (const char *const *)r->folder, ++r->vcal_no };
		if (r->top_hook)
			r->top_hook(top, r->top_hook_data);
		mfi_ics_split(top, &origin, &r->pending, r->ignored);
	}
	if (at_end) {
		if (ferror(r->fp)) {
			mfi_ics_result *res = g_new0(mfi_ics_result, 1);
			res->result = MF_NEXT_BROKEN;
			res->error = g_error_new(MF_ERROR, MF_ERROR_ITEM, "read(%s) failed", r->path);
			g_queue_push_tail(&r->pending, res);
		}
		end_file(r);
	}
}

mf_next_result mfi_ics_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	while (g_queue_is_empty(&r->pending)) {
		if (r->fp)
			read_component(r);
		else if (!start_file(r))
			return MF_NEXT_END;
	}
	mfi_ics_result *res = g_queue_pop_head(&r->pending);
	mf_next_result result = res->result;
	*item_r = res->item;
	if (res->error)
		g_propagate_error(error, res->error);
	g_free(res);
	return result;
}

void mfi_ics_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	long pos = r->fp ? ftell(r->fp) : 0;
	*done_r = r->done_files + (pos > 0 ? (guint64)pos : 0);
	*total_r = r->total;
}

void mfi_ics_set_top_hook(mf_reader *r, mfi_ics_top_hook hook, gpointer data)
{
	r->top_hook = hook;
	r->top_hook_data = data;
}

const GPtrArray *mfi_ics_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfi_ics_close(mf_reader *r)
{
	if (!r)
		return;
	end_file(r);
	g_queue_clear_full(&r->pending, (GDestroyNotify)mfi_ics_result_free);
	g_ptr_array_unref(r->files);
	g_ptr_array_unref(r->ignored);
	g_free(r->base_dir);
	g_free(r);
}
