/* Property lists (Info.plist): the value tree, lookups, loading a file, and
 * the XML form (Apple's plist DTD) parsed with libxml2 — no network, no DTD
 * loading, no entity expansion. The binary form is in calstore-bplist.c. */
#include "calstore.h"

#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

mfi_plist *mfi_plist_new(mfi_plist_type type)
{
	mfi_plist *pl = g_new0(mfi_plist, 1);
	pl->type = type;
	if (type == MFI_PLIST_ARRAY || type == MFI_PLIST_DICT)
		pl->items = g_ptr_array_new_with_free_func((GDestroyNotify)mfi_plist_free);
	if (type == MFI_PLIST_DICT)
		pl->keys = g_ptr_array_new_with_free_func(g_free);
	return pl;
}

void mfi_plist_free(mfi_plist *pl)
{
	if (!pl)
		return;
	g_free(pl->string);
	if (pl->data)
		g_bytes_unref(pl->data);
	if (pl->items)
		g_ptr_array_unref(pl->items);
	if (pl->keys)
		g_ptr_array_unref(pl->keys);
	g_free(pl);
}

void mfi_plist_dict_add(mfi_plist *dict, const char *key, mfi_plist *value)
{
	g_ptr_array_add(dict->keys, g_strdup(key));
	g_ptr_array_add(dict->items, value);
}

const mfi_plist *mfi_plist_get(const mfi_plist *dict, const char *key)
{
	if (!dict || dict->type != MFI_PLIST_DICT)
		return NULL;
	for (guint i = 0; i < dict->keys->len; i++)
		if (strcmp(dict->keys->pdata[i], key) == 0)
			return dict->items->pdata[i];
	return NULL;
}

const char *mfi_plist_get_string(const mfi_plist *dict, const char *key)
{
	const mfi_plist *v = mfi_plist_get(dict, key);
	return v && v->type == MFI_PLIST_STRING ? v->string : NULL;
}

/* ---- XML ---- */

typedef struct xml_ctx {
	const char *what;
	guint nodes;
	GError **error;
} xml_ctx;

static mfi_plist *xml_value(xml_ctx *ctx, xmlNode *node, guint depth);

static gboolean xml_fail(xml_ctx *ctx, xmlNode *node, const char *problem)
{
	if (ctx->error && !*ctx->error)
		g_set_error(ctx->error, MF_ERROR, MF_ERROR_ITEM, "%s: line %d: %s", ctx->what,
		            node ? (int)xmlGetLineNo(node) : 0, problem);
	return FALSE;
}

static xmlNode *next_element(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static gboolean is_element(xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The text of an element (its text and CDATA children). Caller frees. */
static char *xml_text(xmlNode *node)
{
	xmlChar *content = xmlNodeGetContent(node);
	char *text = g_strdup(content ? (const char *)content : "");
	xmlFree(content);
	return text;
}

static mfi_plist *xml_container(xml_ctx *ctx, xmlNode *node, guint depth, gboolean dict)
{
	mfi_plist *pl = mfi_plist_new(dict ? MFI_PLIST_DICT : MFI_PLIST_ARRAY);
	for (xmlNode *c = next_element(node->children); c; c = next_element(c->next)) {
		char *key = NULL;
		if (dict) {
			if (!is_element(c, "key"))
				goto bad;
			key = xml_text(c);
			c = next_element(c->next);
			if (!c) {
				g_free(key);
				xml_fail(ctx, node, "dict: a key without a value");
				goto fail;
			}
		}
		mfi_plist *v = xml_value(ctx, c, depth + 1);
		if (!v) {
			g_free(key);
			goto fail;
		}
		if (dict)
			mfi_plist_dict_add(pl, key, v);
		else
			g_ptr_array_add(pl->items, v);
		g_free(key);
	}
	return pl;
bad:
	xml_fail(ctx, node, "dict: expected <key>");
fail:
	mfi_plist_free(pl);
	return NULL;
}

/* <date>2008-03-16T21:30:48Z</date> -> seconds since 2001-01-01 UTC. */
static gboolean xml_date(const char *text, double *secs_r)
{
	GDateTime *dt = g_date_time_new_from_iso8601(text, NULL);
	if (!dt)
		return FALSE;
	*secs_r = (double)g_date_time_to_unix(dt) - 978307200.0;
	g_date_time_unref(dt);
	return TRUE;
}

static mfi_plist *xml_scalar(xml_ctx *ctx, xmlNode *node, const char *name)
{
	char *text = xml_text(node);
	char *end = NULL;
	mfi_plist *pl = NULL;
	if (strcmp(name, "string") == 0) {
		pl = mfi_plist_new(MFI_PLIST_STRING);
		pl->string = text;
		return pl;
	}
	g_strstrip(text);
	if (strcmp(name, "integer") == 0) {
		pl = mfi_plist_new(MFI_PLIST_INTEGER);
		pl->integer = g_ascii_strtoll(text, &end, 10);
	} else if (strcmp(name, "real") == 0) {
		pl = mfi_plist_new(MFI_PLIST_REAL);
		pl->real = g_ascii_strtod(text, &end);
	} else if (strcmp(name, "date") == 0) {
		pl = mfi_plist_new(MFI_PLIST_DATE);
		end = xml_date(text, &pl->real) ? text + strlen(text) : text;
	} else if (strcmp(name, "data") == 0) {
		gsize n = 0;
		guchar *bytes = g_base64_decode(text, &n);
		pl = mfi_plist_new(MFI_PLIST_DATA);
		pl->data = g_bytes_new_take(bytes, n);
		end = text + strlen(text);
	}
	gboolean ok = pl && end && end != text && *end == '\0';
	if (pl && pl->type == MFI_PLIST_DATA)
		ok = TRUE;
	g_free(text);
	if (!ok) {
		mfi_plist_free(pl);
		xml_fail(ctx, node, pl ? "malformed value" : "unknown element");
		return NULL;
	}
	return pl;
}

static mfi_plist *xml_value(xml_ctx *ctx, xmlNode *node, guint depth)
{
	if (depth > MFI_PLIST_MAX_DEPTH) {
		xml_fail(ctx, node, "nested too deeply");
		return NULL;
	}
	if (++ctx->nodes > MFI_PLIST_MAX_NODES) {
		xml_fail(ctx, node, "too many values");
		return NULL;
	}
	const char *name = (const char *)node->name;
	if (strcmp(name, "dict") == 0 || strcmp(name, "array") == 0)
		return xml_container(ctx, node, depth, name[0] == 'd');
	if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0) {
		mfi_plist *pl = mfi_plist_new(MFI_PLIST_BOOL);
		pl->integer = name[0] == 't';
		return pl;
	}
	return xml_scalar(ctx, node, name);
}

mfi_plist *mfi_plist_parse_xml(const guint8 *data, gsize len, const char *what, GError **error)
{
	if (len > MFI_PLIST_MAX_BYTES || len > G_MAXINT) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: property list too large", what);
		return NULL;
	}
	/* No network, no DTD, no entity substitution: a plist needs none. */
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
	xmlDoc *doc = xmlReadMemory((const char *)data, (int)len, NULL, NULL, options);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	mfi_plist *pl = NULL;
	xml_ctx ctx = { what, 0, error };
	if (!root) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: not a property list (not XML)", what);
	} else if (doc->intSubset && doc->intSubset->entities) {
		/* Entity references would be expanded when the text is read. */
		xml_fail(&ctx, root, "entity declarations in a property list are not read");
	} else if (!is_element(root, "plist") || !next_element(root->children)) {
		xml_fail(&ctx, root, "not a property list (no <plist> with a value)");
	} else {
		pl = xml_value(&ctx, next_element(root->children), 0);
	}
	if (doc)
		xmlFreeDoc(doc);
	return pl;
}

mfi_plist *mfi_plist_parse(const guint8 *data, gsize len, const char *what, GError **error)
{
	if (len >= 8 && memcmp(data, "bplist", 6) == 0)
		return mfi_plist_parse_binary(data, len, what, error);
	return mfi_plist_parse_xml(data, len, what, error);
}

mfi_plist *mfi_plist_load(const char *path, GError **error)
{
	gsize len = 0;
	guint8 *buf = mfi_calstore_read_file(path, MFI_PLIST_MAX_BYTES, &len, error);
	if (!buf)
		return NULL;
	mfi_plist *pl = mfi_plist_parse(buf, len, path, error);
	g_free(buf);
	return pl;
}
