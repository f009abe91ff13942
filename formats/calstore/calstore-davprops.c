/* WebDAV dead properties of a CalendarServer file store, kept in extended
 * attributes (formats.md A.14; CalendarServer's xattrprops.py and
 * propertystore/xattr.py): name = prefix + URL-quoted Clark name ("user."
 * on Linux, "WebDAV:" on macOS; a per-user property has the user's UID
 * before the "{"), value = the property's XML element, zlib-compressed in
 * current data, plain XML in the oldest (pickled values are not read). Only
 * the display name is needed here; links are never followed (l*xattr).
 * A tree copied off HFS+ keeps them only in AppleDouble "._<name>" files
 * (calstore-appledouble.c), read when the directory has none. */
#include "calstore.h"

#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <zlib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#define XATTR_LIST_MAX_BYTES (64u << 10)
#define XATTR_VALUE_MAX_BYTES (64u << 10)
#define INFLATED_MAX_BYTES (256u << 10)
#define XATTR_SIDECAR_MAX_BYTES (1u << 20)

/* zlib-inflates `value`; NULL when it is not a complete zlib stream that
 * fits INFLATED_MAX_BYTES. */
static GByteArray *inflate_value(const guint8 *value, gsize len)
{
	z_stream z = { 0 };
	if (inflateInit(&z) != Z_OK)
		return NULL;
	GByteArray *out = g_byte_array_sized_new(1024);
	guint8 buf[4096];
	z.next_in = (Bytef *)value;
	z.avail_in = (uInt)len;
	int rc = Z_OK;
	while (rc == Z_OK && out->len <= INFLATED_MAX_BYTES) {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_OK || rc == Z_STREAM_END)
			g_byte_array_append(out, buf, (guint)(sizeof buf - z.avail_out));
		if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0)
			rc = Z_DATA_ERROR; /* input ended before the stream did */
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END || out->len > INFLATED_MAX_BYTES) {
		g_byte_array_unref(out);
		return NULL;
	}
	return out;
}

/* The trimmed text of the root element of XML bytes; NULL if not XML. */
static char *root_text(const guint8 *xml, gsize len)
{
	if (len == 0 || len > INFLATED_MAX_BYTES)
		return NULL;
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlDoc *doc = xmlReadMemory((const char *)xml, (int)len, NULL, NULL, options);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	char *text = NULL;
	if (root && !(doc->intSubset && doc->intSubset->entities)) {
		xmlChar *content = xmlNodeGetContent(root);
		text = g_strstrip(g_strdup(content ? (const char *)content : ""));
		xmlFree(content);
	}
	if (doc)
		xmlFreeDoc(doc);
	if (text && (!*text || !g_utf8_validate(text, -1, NULL)))
		g_clear_pointer(&text, g_free);
	return text;
}

char *mfi_calstore_dav_value_text(const guint8 *value, gsize len)
{
	GByteArray *plain = inflate_value(value, len);
	char *text = plain ? root_text(plain->data, plain->len) : root_text(value, len);
	if (plain)
		g_byte_array_unref(plain);
	return text;
}

/* Whether attribute `name` is DAV:displayname, for nobody or for `owner`. */
static gboolean is_displayname(const char *name, const char *owner)
{
	static const char *const prefixes[] = { "user.WebDAV:", "user.", "WebDAV:", NULL };
	for (const char *const *p = prefixes; *p; p++) {
		gsize n = strlen(*p);
		if (strncmp(name, *p, n) != 0)
			continue;
		char *clark = g_uri_unescape_string(name + n, NULL);
		const char *rest = clark;
		if (rest && owner && *owner && g_str_has_prefix(rest, owner))
			rest += strlen(owner);
		gboolean yes = rest && strcmp(rest, "{DAV:}displayname") == 0;
		g_free(clark);
		if (yes)
			return TRUE;
	}
	return FALSE;
}

static char *attribute_text(const char *path, const char *name)
{
	guint8 *value = g_malloc(XATTR_VALUE_MAX_BYTES);
	ssize_t n = lgetxattr(path, name, value, XATTR_VALUE_MAX_BYTES);
	char *text = n > 0 ? mfi_calstore_dav_value_text(value, (gsize)n) : NULL;
	g_free(value);
	return text;
}

static gboolean match_displayname(const char *name, gpointer owner)
{
	return is_displayname(name, owner);
}

/* The display name kept in the AppleDouble sidecar "._<name>" of `path`. */
static char *sidecar_displayname(const char *path, const char *owner_uid)
{
	char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
	char *name = g_strconcat("._", base, NULL);
	char *sidecar = g_build_filename(dir, name, NULL);
	gsize len = 0;
	guint8 *data = mfi_calstore_read_file(sidecar, XATTR_SIDECAR_MAX_BYTES, &len, NULL);
	char *text = data ? mfi_calstore_appledouble_find(data, len, match_displayname,
	                                                  (gpointer)owner_uid) : NULL;
	g_free(data);
	g_free(sidecar);
	g_free(name);
	g_free(base);
	g_free(dir);
	return text;
}

char *mfi_calstore_dav_displayname(const char *path, const char *owner_uid)
{
	char *names = g_malloc(XATTR_LIST_MAX_BYTES);
	ssize_t n = llistxattr(path, names, XATTR_LIST_MAX_BYTES);
	char *found = NULL;
	/* The names are NUL-terminated, one after another, in no particular
	 * order: the shared display name wins over the owner's per-user one. */
	char *per_user = NULL;
	for (gsize i = 0, len; n > 0 && i < (gsize)n && !found; i += len + 1) {
		const char *name = names + i;
		len = strnlen(name, (gsize)n - i);
		if (len == (gsize)n - i || !is_displayname(name, owner_uid))
			continue; /* unterminated, or another attribute */
		gboolean shared = is_displayname(name, NULL);
		char *text = attribute_text(path, name);
		if (shared)
			found = text;
		else if (!per_user)
			per_user = text;
		else
			g_free(text);
	}
	g_free(names);
	if (found) {
		g_free(per_user);
		return found;
	}
	return per_user ? per_user : sidecar_displayname(path, owner_uid);
}
