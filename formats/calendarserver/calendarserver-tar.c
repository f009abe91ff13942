/* The members of a pg_dump -Ft archive: POSIX ustar (512-byte header blocks:
 * name at 0, size at 124 in octal or base-256, type flag at 156, magic
 * "ustar" at 257, name prefix at 345; data padded to 512 bytes; two zero
 * blocks at the end). pg_dump writes toc.dat first, one NNNN.dat per table
 * and restore.sql. Only the member list is read here; the data is read in
 * place by offset. */
#include "calendarserver.h"

#include <string.h>

#define TAR_BLOCK 512

gboolean mfc_tar_is_pgdump(const guint8 *head, gsize len)
{
	return len >= TAR_BLOCK + 5 && memcmp(head + 257, "ustar", 5) == 0 &&
	       strncmp((const char *)head, "toc.dat", 100) == 0 &&
	       memcmp(head + TAR_BLOCK, "PGDMP", 5) == 0;
}

void mfc_tar_member_free(gpointer member)
{
	mfc_tar_member *m = member;
	if (!m)
		return;
	g_free(m->name);
	g_free(m);
}

/* A numeric header field: octal text, or base-256 when the top bit is set. */
static gboolean tar_number(const guint8 *field, gsize len, guint64 *value_r)
{
	guint64 v = 0;
	if (field[0] & 0x80) {
		for (gsize i = 1; i < len; i++) {
			if (v >> 56)
				return FALSE;
			v = (v << 8) | field[i];
		}
		*value_r = v;
		return TRUE;
	}
	gsize i = 0;
	while (i < len && field[i] == ' ')
		i++;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; i++)
		v = v * 8 + (guint64)(field[i] - '0');
	*value_r = v;
	return TRUE;
}

static gboolean block_is_zero(const guint8 *b)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return FALSE;
	return TRUE;
}

static char *member_name(const guint8 *h)
{
	char *name = g_strndup((const char *)h, 100);
	if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
		char *prefix = g_strndup((const char *)h + 345, 155);
		char *full = g_strconcat(prefix, "/", name, NULL);
		g_free(prefix);
		g_free(name);
		name = full;
	}
	return name;
}

GPtrArray *mfc_tar_list(gzFile gz, const char *path, GError **error)
{
	GPtrArray *members = g_ptr_array_new_with_free_func(mfc_tar_member_free);
	guint8 h[TAR_BLOCK];
	guint64 pos = 0;
	if (gzseek(gz, 0, SEEK_SET) < 0)
		goto bad;
	while (gzread(gz, h, TAR_BLOCK) == TAR_BLOCK) {
		pos += TAR_BLOCK;
		if (block_is_zero(h))
			return members;
		guint64 size = 0;
		if (memcmp(h + 257, "ustar", 5) != 0 || !tar_number(h + 124, 12, &size))
			goto bad;
		if (h[156] == '0' || h[156] == '\0') {
			mfc_tar_member *m = g_new0(mfc_tar_member, 1);
			m->name = member_name(h);
			m->offset = pos;
			m->size = size;
			g_ptr_array_add(members, m);
		}
		guint64 padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (padded > G_MAXINT64 - pos || gzseek(gz, (z_off_t)(pos + padded), SEEK_SET) < 0)
			goto bad;
		pos += padded;
	}
	if (members->len > 0 && !mfc_read_failed(gz))
		return members; /* no end blocks: a truncated archive, read what is there */
bad:
	g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
	            "%s: not a readable tar archive (member header at byte %" G_GUINT64_FORMAT ")",
	            path, pos);
	g_ptr_array_unref(members);
	return NULL;
}
