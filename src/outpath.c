/* Safe output names and atomic files (see include/mailferry/outpath.h). */
#include "mailferry/outpath.h"
#include "mailferry/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const char *const windows_reserved[] = {
	"CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6",
	"COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6",
	"LPT7", "LPT8", "LPT9", NULL
};

static gboolean is_windows_reserved(const char *name)
{
	gsize stem = strcspn(name, ".");
	for (const char *const *r = windows_reserved; *r; r++)
		if (strlen(*r) == stem && g_ascii_strncasecmp(name, *r, stem) == 0)
			return TRUE;
	return FALSE;
}

static void truncate_utf8(GString *s, gsize max_bytes)
{
	if (s->len <= max_bytes)
		return;
	const char *end = g_utf8_find_prev_char(s->str, s->str + max_bytes + 1);
	g_string_truncate(s, end ? (gsize)(end - s->str) : max_bytes);
}

char *mf_safe_name(const char *name, const char *also_forbidden)
{
	char *valid = g_utf8_make_valid(name ? name : "", -1);
	GString *out = g_string_sized_new(strlen(valid) + 2);

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		gboolean bad = c < 0x20 || c == 0x7f || c == '/' || c == '\\' ||
		               (c < 0x80 && also_forbidden && strchr(also_forbidden, (int)c));
		if (bad)
			g_string_append_c(out, '_');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(valid);

	/* Trailing dots and spaces vanish on Windows file systems. */
	for (gsize i = out->len; i > 0 && (out->str[i - 1] == '.' || out->str[i - 1] == ' '); i--)
		out->str[i - 1] = '_';
	if (out->len > 0 && out->str[0] == '.')
		out->str[0] = '_';
	if (out->len == 0)
		g_string_append_c(out, '_');
	if (is_windows_reserved(out->str))
		g_string_prepend_c(out, '_');
	truncate_utf8(out, MF_NAME_MAX_BYTES);
	return g_string_free(out, FALSE);
}

struct mf_namer {
	char *also_forbidden;
	GHashTable *by_source; /* "parent-out\0segment" -> output segment */
	GHashTable *taken;     /* "parent-out/segment-out" -> TRUE */
};

mf_namer *mf_namer_new(const char *also_forbidden)
{
	mf_namer *n = g_new0(mf_namer, 1);
	n->also_forbidden = g_strdup(also_forbidden);
	n->by_source = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	n->taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return n;
}

void mf_namer_free(mf_namer *n)
{
	if (!n)
		return;
	g_hash_table_destroy(n->by_source);
	g_hash_table_destroy(n->taken);
	g_free(n->also_forbidden);
	g_free(n);
}

static char *namer_segment(mf_namer *n, const char *parent_out, const char *segment)
{
	/* The key separates parent and segment with a byte no UTF-8 name holds. */
	char *key = g_strconcat(parent_out, "\x01", segment, NULL);
	const char *known = g_hash_table_lookup(n->by_source, key);
	if (known) {
		g_free(key);
		return g_strdup(known);
	}
	char *base = mf_safe_name(segment, n->also_forbidden);
	char *candidate = g_strdup(base);
	for (unsigned i = 2;; i++) {
		/* Compare case-insensitively: the output may land on a case-folding
		 * file system, where "Inbox" and "INBOX" are one directory. */
		char *folded = g_utf8_casefold(candidate, -1);
		char *taken_key = g_strconcat(parent_out, "/", folded, NULL);
		g_free(folded);
		if (!g_hash_table_contains(n->taken, taken_key)) {
			g_hash_table_add(n->taken, taken_key);
			break;
		}
		g_free(taken_key);
		g_free(candidate);
		candidate = g_strdup_printf("%s~%u", base, i);
	}
	g_free(base);
	g_hash_table_insert(n->by_source, key, g_strdup(candidate));
	return candidate;
}

char **mf_namer_map(mf_namer *n, const char *const *segments)
{
	guint len = segments ? g_strv_length((char **)segments) : 0;
	char **out = g_new0(char *, len + 1);
	GString *parent = g_string_new("");
	for (guint i = 0; i < len; i++) {
		out[i] = namer_segment(n, parent->str, segments[i]);
		g_string_append_c(parent, '/');
		g_string_append(parent, out[i]);
	}
	g_string_free(parent, TRUE);
	return out;
}

gboolean mf_mkdir_under(const char *outdir, const char *relpath, GError **error)
{
	if (g_path_is_absolute(relpath)) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "refusing absolute output path %s", relpath);
		return FALSE;
	}
	char **parts = g_strsplit(relpath, "/", -1);
	for (char **p = parts; *p; p++) {
		if (strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
			g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT,
			            "refusing output path %s: it leaves %s", relpath, outdir);
			g_strfreev(parts);
			return FALSE;
		}
	}
	g_strfreev(parts);
	char *full = g_build_filename(outdir, relpath, NULL);
	gboolean ok = g_mkdir_with_parents(full, 0755) == 0;
	if (!ok)
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "mkdir(%s) failed: %s", full,
		            g_strerror(errno));
	g_free(full);
	return ok;
}

static gboolean write_all(int fd, const guint8 *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

gboolean mf_write_atomic(const char *tmp_path, const char *final_path, const void *data,
                         gsize len, gint64 mtime, gboolean do_fsync, GError **error)
{
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "open(%s) failed: %s", tmp_path,
		            g_strerror(errno));
		return FALSE;
	}
	gboolean ok = write_all(fd, data, len) && (!do_fsync || fsync(fd) == 0);
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = FALSE;
		saved = errno;
	}
	if (ok && mtime > 0) {
		struct timeval tv[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };
		if (utimes(tmp_path, tv) != 0) {
			ok = FALSE;
			saved = errno;
		}
	}
	if (ok && rename(tmp_path, final_path) != 0) {
		ok = FALSE;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp_path);
		g_set_error(error, MF_ERROR, MF_ERROR_OUTPUT, "writing %s failed: %s", final_path,
		            g_strerror(saved));
	}
	return ok;
}

char *mf_sha256_hex(const void *data, gsize len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

char *mf_sha256_file(const char *path, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "open(%s) failed: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			g_checksum_update(sum, buf, n);
	int saved = errno;
	close(fd);
	char *hex = NULL;
	if (n < 0)
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "read(%s) failed: %s", path,
		            g_strerror(saved));
	else
		hex = g_strdup(g_checksum_get_string(sum));
	g_checksum_free(sum);
	return hex;
}

gboolean mf_folder_is_inbox(const char *const *segments)
{
	return !segments || !segments[0] ||
	       (!segments[1] && g_ascii_strcasecmp(segments[0], "INBOX") == 0);
}

struct mf_file_namer {
	char *extension;
	char *root_stem;
	mf_namer *dirs;     /* parent directories */
	GHashTable *paths;  /* folder key -> relative path */
	GHashTable *taken;  /* case-folded relative paths */
};

mf_file_namer *mf_file_namer_new(const char *extension, const char *root_stem)
{
	mf_file_namer *n = g_new0(mf_file_namer, 1);
	n->extension = g_strdup(extension);
	n->root_stem = g_strdup(root_stem);
	n->dirs = mf_namer_new(NULL);
	n->paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	n->taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return n;
}

void mf_file_namer_free(mf_file_namer *n)
{
	if (!n)
		return;
	mf_namer_free(n->dirs);
	g_hash_table_destroy(n->paths);
	g_hash_table_destroy(n->taken);
	g_free(n->extension);
	g_free(n->root_stem);
	g_free(n);
}

/* parent/stem.ext, or parent/stem~N.ext when that is taken. */
static char *unique_file(mf_file_namer *n, const char *parent, const char *stem)
{
	for (unsigned i = 1;; i++) {
		char *name = i == 1 ? g_strdup_printf("%s.%s", stem, n->extension)
		                    : g_strdup_printf("%s~%u.%s", stem, i, n->extension);
		char *rel = *parent ? g_strconcat(parent, "/", name, NULL) : g_strdup(name);
		g_free(name);
		char *folded = g_utf8_casefold(rel, -1);
		if (!g_hash_table_contains(n->taken, folded)) {
			g_hash_table_add(n->taken, folded);
			return rel;
		}
		g_free(folded);
		g_free(rel);
	}
}

char *mf_file_namer_path(mf_file_namer *n, const char *const *segments)
{
	gboolean inbox = mf_folder_is_inbox(segments);
	/* \x01 cannot occur in a folder name made of UTF-8 segments joined by '/'. */
	char *key = inbox ? g_strdup("\x01") : g_strjoinv("\x02", (char **)segments);
	const char *known = g_hash_table_lookup(n->paths, key);
	if (known) {
		g_free(key);
		return g_strdup(known);
	}
	char *rel;
	if (inbox) {
		rel = unique_file(n, "", n->root_stem);
	} else {
		char **mapped = mf_namer_map(n->dirs, segments);
		guint len = g_strv_length(mapped);
		char *stem = mapped[len - 1];
		mapped[len - 1] = NULL;
		char *parent = g_strjoinv("/", mapped);
		rel = unique_file(n, parent, stem);
		g_free(parent);
		g_free(stem);
		g_strfreev(mapped);
	}
	g_hash_table_insert(n->paths, key, g_strdup(rel));
	return rel;
}
