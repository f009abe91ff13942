/* Reads vCard files: one .vcf, or every *.vcf under a directory in sorted
 * order, streaming line by line. Each BEGIN:VCARD..END:VCARD becomes one item
 * holding the card's unfolded lines (CRLF-joined) exactly as written; the
 * writer normalises. Text outside cards is reported as ignored. */
#include "vcf.h"
#include "mailferry/file-walk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define VCF_PROBE_DEPTH 8

struct mf_reader {
	char *base_dir;
	GPtrArray *files;   /* relative paths, sorted */
	GPtrArray *ignored;
	guint next_file;

	/* the file being read */
	FILE *fp;
	char *path;
	char **folder;
	GString *logical;   /* logical line being unfolded; NULL at start or end */
	guint line_no;      /* physical lines read */
	guint logical_no;   /* line where `logical` started */
	guint card_no;
	gboolean junk;      /* inside a run of text outside cards (reported once) */

	guint64 done_files, total;
};

static gboolean is_begin_vcard(const char *line)
{
	return g_ascii_strncasecmp(line, "BEGIN:VCARD", 11) == 0;
}

static gboolean is_end_vcard(const char *line)
{
	return g_ascii_strncasecmp(line, "END:VCARD", 9) == 0;
}

int mfi_vcf_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	if (is_dir)
		return mf_tree_has_extension(path, "vcf", VCF_PROBE_DEPTH) ? MF_PROBE_LIKELY
		                                                               : MF_PROBE_NO;
	gsize i = head_len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < head_len && g_ascii_isspace(head[i]))
		i++;
	if (head_len - i >= 11 && g_ascii_strncasecmp((const char *)head + i, "BEGIN:VCARD", 11) == 0)
		return MF_PROBE_SURE;
	return mf_has_extension(path, "vcf") ? MF_PROBE_MAYBE : MF_PROBE_NO;
}

mf_reader *mfi_vcf_open(const char *path, const mf_options *opts, GError **error)
{
	(void)opts;
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "stat(%s) failed: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	mf_reader *r = g_new0(mf_reader, 1);
	r->files = g_ptr_array_new_with_free_func(g_free);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	if (S_ISDIR(st.st_mode)) {
		r->base_dir = g_strdup(path);
		if (!mf_walk_files(path, "vcf", r->files, r->ignored, error)) {
			mfi_vcf_close(r);
			return NULL;
		}
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

static void end_file(mf_reader *r)
{
	if (r->fp) {
		struct stat st;
		if (fstat(fileno(r->fp), &st) == 0)
			r->done_files += (guint64)st.st_size;
		fclose(r->fp);
		r->fp = NULL;
	}
	if (r->logical)
		g_string_free(r->logical, TRUE);
	r->logical = NULL;
	g_clear_pointer(&r->path, g_free);
	g_clear_pointer(&r->folder, g_strfreev);
}

/* Reads one physical line without its line end; NULL at end of file. */
static char *read_physical(mf_reader *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, r->fp);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	r->line_no++;
	return line;
}

/* The next logical (unfolded) line, caller frees, with the number of the
 * physical line it starts on; NULL at end of file. */
static char *next_logical(mf_reader *r, guint *line_no_r)
{
	char *phys;
	while ((phys = read_physical(r))) {
		if (r->logical && mfi_vcf_is_continuation(r->logical->str, phys)) {
			mfi_vcf_unfold_append(r->logical, phys);
			free(phys);
			continue;
		}
		GString *done = r->logical;
		guint done_no = r->logical_no;
		r->logical = g_string_new(phys);
		r->logical_no = r->line_no;
		free(phys);
		if (done) {
			*line_no_r = done_no;
			return g_string_free(done, FALSE);
		}
	}
	GString *last = r->logical;
	r->logical = NULL;
	*line_no_r = r->logical_no;
	return last ? g_string_free(last, FALSE) : NULL;
}

static gboolean start_file(mf_reader *r, GError **error)
{
	const char *rel = r->files->pdata[r->next_file++];
	r->path = g_build_filename(r->base_dir, rel, NULL);
	r->folder = mf_folder_for_file(rel, TRUE);
	r->line_no = r->card_no = 0;
	r->junk = FALSE;
	r->fp = fopen(r->path, "rb");
	if (!r->fp) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "open(%s) failed: %s", r->path,
		            g_strerror(errno));
		end_file(r);
		return FALSE;
	}
	return TRUE;
}

static void note_junk(mf_reader *r, char *line, guint line_no)
{
	if (!*g_strstrip(line))
		return;
	if (!r->junk)
		g_ptr_array_add(r->ignored,
		                g_strdup_printf("%s: line %u: text outside BEGIN:VCARD..END:VCARD",
		                                r->path, line_no));
	r->junk = TRUE;
}

static mf_item *card_item(mf_reader *r, GString *card, guint first_line)
{
	char *locator = g_strdup_printf("card %u (line %u)", r->card_no, first_line);
	mf_item *item = mf_item_new(mfi_vcf_card_kind(card->str), r->path, locator);
	mf_item_set_folder(item, (const char *const *)r->folder);
	item->vcard = g_string_free(card, FALSE);
	g_free(locator);
	return item;
}

/* Reads up to the end of the next card of the current file. */
static mf_next_result read_card(mf_reader *r, mf_item **item_r, GError **error)
{
	GString *card = NULL;
	guint depth = 0, first_line = 0, line_no;
	char *line;
	while ((line = next_logical(r, &line_no))) {
		if (!card && !is_begin_vcard(line)) {
			note_junk(r, line, line_no);
			g_free(line);
			continue;
		}
		if (!card) {
			card = g_string_new(NULL);
			first_line = line_no;
			r->card_no++;
			r->junk = FALSE;
		}
		depth += is_begin_vcard(line) ? 1 : 0;
		depth -= is_end_vcard(line) ? 1 : 0;
		g_string_append_printf(card, "%s\r\n", line);
		g_free(line);
		if (depth == 0) {
			*item_r = card_item(r, card, first_line);
			return MF_NEXT_ITEM;
		}
	}
	gboolean failed = ferror(r->fp);
	char *path = g_strdup(r->path);
	mf_item *item = card ? card_item(r, card, first_line) : NULL;
	end_file(r);
	if (card || failed) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s", path,
		            failed ? "read error" : "card without END:VCARD at end of file");
		*item_r = item;
		g_free(path);
		return MF_NEXT_BROKEN;
	}
	g_free(path);
	return MF_NEXT_END;
}

mf_next_result mfi_vcf_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	for (;;) {
		if (!r->fp) {
			if (r->next_file >= r->files->len)
				return MF_NEXT_END;
			if (!start_file(r, error))
				return MF_NEXT_BROKEN;
		}
		mf_next_result res = read_card(r, item_r, error);
		if (res != MF_NEXT_END)
			return res;
	}
}

void mfi_vcf_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	long pos = r->fp ? ftell(r->fp) : 0;
	*done_r = r->done_files + (pos > 0 ? (guint64)pos : 0);
	*total_r = r->total;
}

const GPtrArray *mfi_vcf_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfi_vcf_close(mf_reader *r)
{
	if (!r)
		return;
	end_file(r);
	g_ptr_array_unref(r->files);
	g_ptr_array_unref(r->ignored);
	g_free(r->base_dir);
	g_free(r);
}
