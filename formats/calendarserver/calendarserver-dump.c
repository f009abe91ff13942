/* Where the COPY blocks of a dump are.
 *
 * Plain SQL (pg_dump -Fp): the script is read line by line; a line
 * "COPY [schema.]table (cols) FROM stdin;" starts a block whose rows run to a
 * line "\.". Every other line (SET, DDL, comments, psql meta-commands such as
 * \restrict) is skipped.
 * Tar (pg_dump -Ft): restore.sql holds the same COPY headers with
 * "FROM '$$PATH$$/NNNN.dat'"; each block is that member's data. */
#include "calendarserver.h"

#include <string.h>

#define REGION_BUF 65536

void mfc_region_open(mfc_region *r, gzFile gz, guint64 start, guint64 end)
{
	memset(r, 0, sizeof *r);
	r->gz = gz;
	r->pos = r->fill = start;
	r->end = end;
	r->buf = g_malloc(REGION_BUF);
	if (start > (guint64)G_MAXINT64 || gzseek(gz, (z_off_t)start, SEEK_SET) < 0)
		r->end = start; /* nothing can be read */
}

gboolean mfc_read_failed(gzFile gz)
{
	int err = Z_OK;
	gzerror(gz, &err);
	return err == Z_ERRNO || err == Z_DATA_ERROR || err == Z_MEM_ERROR;
}

void mfc_region_close(mfc_region *r)
{
	g_clear_pointer(&r->buf, g_free);
}

static gboolean region_fill(mfc_region *r)
{
	if (r->fill >= r->end)
		return FALSE;
	gsize want = (gsize)MIN((guint64)REGION_BUF, r->end - r->fill);
	int n = gzread(r->gz, r->buf, (unsigned)want);
	r->buf_len = n > 0 ? (gsize)n : 0;
	r->buf_off = 0;
	r->fill += r->buf_len;
	if (r->buf_len < want)
		r->end = r->fill; /* end of file or error: the region stops here */
	return r->buf_len > 0;
}

gboolean mfc_region_line(mfc_region *r, GString *line)
{
	g_string_truncate(line, 0);
	gboolean got = FALSE;
	for (;;) {
		if (r->buf_off == r->buf_len && !region_fill(r))
			break;
		got = TRUE;
		const guint8 *s = r->buf + r->buf_off;
		gsize avail = r->buf_len - r->buf_off;
		const guint8 *lf = memchr(s, '\n', avail);
		gsize take = lf ? (gsize)(lf - s) : avail;
		g_string_append_len(line, (const char *)s, (gssize)take);
		r->buf_off += take + (lf ? 1 : 0);
		r->pos += take + (lf ? 1 : 0);
		if (lf)
			break;
	}
	if (line->len > 0 && line->str[line->len - 1] == '\r')
		g_string_truncate(line, line->len - 1);
	return got;
}

void mfc_block_free(gpointer block)
{
	mfc_block *b = block;
	if (!b)
		return;
	g_free(b->table);
	g_strfreev(b->columns);
	g_free(b);
}

static mfc_block *block_new(char *table, char **columns, guint64 start, guint64 end)
{
	mfc_block *b = g_new0(mfc_block, 1);
	b->table = table;
	b->columns = columns;
	b->start = start;
	b->end = end;
	return b;
}

/* A line inside an open block: a row (indexed right away when the index
 * wants the table), or its end. FALSE when the block ended. */
static gboolean block_line(mfc_block *open, const GString *line, guint64 pos,
                           struct mfc_index *index)
{
	if (strcmp(line->str, "\\.") == 0) {
		open->end = pos;
		return FALSE;
	}
	if (open->indexed)
		mfc_index_row(index, open, line->str, line->len);
	return TRUE;
}

static GPtrArray *plain_blocks(gzFile gz, struct mfc_index *index)
{
	GPtrArray *blocks = g_ptr_array_new_with_free_func(mfc_block_free);
	GString *line = g_string_new(NULL);
	mfc_region r;
	mfc_region_open(&r, gz, 0, G_MAXINT64);
	mfc_block *open = NULL;
	while (mfc_region_line(&r, line)) {
		if (open) {
			if (!block_line(open, line, r.pos, index))
				open = NULL;
			continue;
		}
		char *table, **columns, *from;
		if (line->str[0] != 'C' || !mfc_copy_parse_header(line->str, &table, &columns, &from))
			continue;
		if (from) { /* COPY from a server-side file: no rows in the script */
			g_free(table);
			g_strfreev(columns);
			g_free(from);
			continue;
		}
		open = block_new(table, columns, r.pos, G_MAXINT64);
		open->indexed = mfc_index_wants(open->table);
		g_ptr_array_add(blocks, open);
	}
	if (open)
		open->end = r.pos; /* no end line: the dump was cut short */
	mfc_region_close(&r);
	g_string_free(line, TRUE);
	return blocks;
}

static const mfc_tar_member *find_member(GPtrArray *members, const char *name)
{
	for (guint i = 0; i < members->len; i++) {
		const mfc_tar_member *m = members->pdata[i];
		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

/* One COPY line of restore.sql -> the block of its member, or NULL. */
static mfc_block *tar_block(GPtrArray *members, const char *line)
{
	char *table, **columns, *from;
	if (!mfc_copy_parse_header(line, &table, &columns, &from))
		return NULL;
	const mfc_tar_member *m = from ? find_member(members, from) : NULL;
	g_free(from);
	if (!m) {
		g_free(table);
		g_strfreev(columns);
		return NULL;
	}
	return block_new(table, columns, m->offset, m->offset + m->size);
}

static GPtrArray *tar_blocks(gzFile gz, const char *path, GError **error)
{
	GPtrArray *members = mfc_tar_list(gz, path, error);
	if (!members)
		return NULL;
	const mfc_tar_member *script = find_member(members, "restore.sql");
	if (!script) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
		            "%s: a pg_dump tar archive without restore.sql; make plain SQL first: "
		            "pg_restore -f %s.sql %s", path, path, path);
		g_ptr_array_unref(members);
		return NULL;
	}
	GPtrArray *blocks = g_ptr_array_new_with_free_func(mfc_block_free);
	GString *line = g_string_new(NULL);
	mfc_region r;
	mfc_region_open(&r, gz, script->offset, script->offset + script->size);
	while (mfc_region_line(&r, line)) {
		mfc_block *b = line->str[0] == 'C' ? tar_block(members, line->str) : NULL;
		if (b)
			g_ptr_array_add(blocks, b);
	}
	mfc_region_close(&r);
	g_string_free(line, TRUE);
	g_ptr_array_unref(members);
	return blocks;
}

GPtrArray *mfc_dump_blocks(gzFile gz, const char *path, gboolean tar, struct mfc_index *index,
                           GError **error)
{
	GPtrArray *blocks = tar ? tar_blocks(gz, path, error) : plain_blocks(gz, index);
	if (blocks && mfc_read_failed(gz)) {
		int err;
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: read error: %s", path,
		            gzerror(gz, &err));
		g_ptr_array_unref(blocks);
		return NULL;
	}
	return blocks;
}
