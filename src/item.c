/* The internal item model (see include/mailferry/item.h). */
#include "mailferry/item.h"

#include <gmime/gmime.h>
#include <string.h>

static const char *const kind_names[MF_KIND_COUNT] = {
	[MF_KIND_MESSAGE] = "message", [MF_KIND_EVENT] = "event", [MF_KIND_TASK] = "task",
	[MF_KIND_NOTE] = "note",       [MF_KIND_CONTACT] = "contact",
	[MF_KIND_DISTLIST] = "distlist",
};

const char *mf_kind_name(mf_kind kind)
{
	return kind < MF_KIND_COUNT ? kind_names[kind] : "unknown";
}

mf_item *mf_item_new(mf_kind kind, const char *source, const char *locator)
{
	mf_item *item = g_new0(mf_item, 1);
	item->kind = kind;
	item->folder = g_new0(char *, 1);
	item->source = g_strdup(source);
	item->locator = g_strdup(locator);
	item->keywords = g_ptr_array_new_with_free_func(g_free);
	item->categories = g_ptr_array_new_with_free_func(g_free);
	item->repair_tags = g_ptr_array_new_with_free_func(g_free);
	return item;
}

void mf_item_free(mf_item *item)
{
	if (!item)
		return;
	g_strfreev(item->folder);
	g_free(item->source);
	g_free(item->locator);
	g_ptr_array_unref(item->keywords);
	g_ptr_array_unref(item->categories);
	g_ptr_array_unref(item->repair_tags);
	g_free(item->envelope_sender);
	g_free(item->mailbox);
	if (item->mime)
		g_bytes_unref(item->mime);
	if (item->ical)
		icalcomponent_free(item->ical);
	g_free(item->vcard);
	g_free(item);
}

void mf_item_set_folder(mf_item *item, const char *const *segments)
{
	g_strfreev(item->folder);
	item->folder = segments ? g_strdupv((char **)segments) : g_new0(char *, 1);
}

static void add_unique(GPtrArray *array, const char *value)
{
	if (!value || !*value)
		return;
	for (guint i = 0; i < array->len; i++)
		if (strcmp(array->pdata[i], value) == 0)
			return;
	g_ptr_array_add(array, g_strdup(value));
}

void mf_item_add_keyword(mf_item *item, const char *keyword) { add_unique(item->keywords, keyword); }
void mf_item_add_category(mf_item *item, const char *category) { add_unique(item->categories, category); }
void mf_item_add_repair_tag(mf_item *item, const char *tag) { add_unique(item->repair_tags, tag); }

void mf_item_take_mime(mf_item *item, GBytes *bytes)
{
	if (item->mime)
		g_bytes_unref(item->mime);
	item->mime = bytes;
}

char *mf_folder_to_string(const char *const *segments)
{
	return segments ? g_strjoinv("/", (char **)segments) : g_strdup("");
}

char **mf_folder_from_string(const char *path)
{
	char **parts = g_strsplit(path ? path : "", "/", -1);
	GPtrArray *kept = g_ptr_array_new();
	for (char **p = parts; *p; p++)
		if (**p)
			g_ptr_array_add(kept, g_strdup(*p));
	g_strfreev(parts);
	g_ptr_array_add(kept, NULL);
	return (char **)g_ptr_array_free(kept, FALSE);
}

/* Finds the Date: header in the header block without a full MIME parse. */
gint64 mf_mime_date(GBytes *mime)
{
	if (!mime)
		return 0;
	gsize len;
	const char *data = g_bytes_get_data(mime, &len);
	GString *value = NULL;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *line_end = eol ? eol : end;
		gsize line_len = line_end - p;
		if (line_len > 0 && p[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0)
			break; /* end of headers */
		if (value && (*p == ' ' || *p == '\t'))
			g_string_append_len(value, p, line_len);
		else if (value)
			break;
		else if (line_len > 5 && g_ascii_strncasecmp(p, "Date:", 5) == 0)
			value = g_string_new_len(p + 5, line_len - 5);
		if (!eol)
			break;
		p = eol + 1;
	}
	if (!value)
		return 0;
	GDateTime *dt = g_mime_utils_header_decode_date(value->str);
	g_string_free(value, TRUE);
	if (!dt)
		return 0;
	gint64 t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t > 0 ? t : 0;
}

char **mf_item_listed_folder(const mf_item *item)
{
	guint n = item->folder ? g_strv_length(item->folder) : 0;
	guint first = item->mailbox ? 1 : 0;
	char **f = g_new0(char *, n + first + 1);
	if (item->mailbox)
		f[0] = g_strdup(item->mailbox);
	for (guint i = 0; i < n; i++)
		f[first + i] = g_strdup(item->folder[i]);
	return f;
}

mf_item *mf_item_new_from(const mf_item *origin, mf_kind kind, const char *locator)
{
	mf_item *item = mf_item_new(kind, origin->source, locator);
	mf_item_set_folder(item, (const char *const *)origin->folder);
	item->mailbox = g_strdup(origin->mailbox);
	return item;
}
