/* Attachments (formats.md A.10). The files are never in the database; they
 * are under the server's AttachmentsRoot, which --attachments DIR names:
 * - managed (ATTACH;MANAGED-ID=...): ATTACHMENT_CALENDAR_OBJECT links the
 *   object and MANAGED-ID to ATTACHMENT_ID; the file is DIR/h[0:2]/h[2:4]/h
 *   with h = hex md5 of the decimal ATTACHMENT_ID;
 * - dropbox (ATTACH;VALUE=URI:.../dropbox/<dropbox id>/<name>): the file is
 *   DIR/h[0:2]/h[2:4]/h/<name> with h = hex md5 of the dropbox id.
 * A file found is embedded (ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=...;
 * X-FILENAME=...); otherwise the link stays and the report lists it. Names
 * from the data never leave DIR (no '/' or "..": the name is one path
 * segment). */
#include "calendarserver.h"
#include "../ics/ics.h"

#include <string.h>
#include <sys/stat.h>

#define DROPBOX_SEGMENT "/dropbox/"
#define MAX_ATTACHMENT_BYTES (256u << 20)

static gboolean safe_segment(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

static char *hashed_dir(const char *dir, const char *key)
{
	char *h = g_compute_checksum_for_string(G_CHECKSUM_MD5, key, -1);
	char a[3] = { h[0], h[1], 0 }, b[3] = { h[2], h[3], 0 };
	char *path = g_build_filename(dir, a, b, h, NULL);
	g_free(h);
	return path;
}

char *mfc_attach_file(const char *dir, const mfc_attachment *att)
{
	if (strcmp(att->dropbox_id, ".") == 0) {
		char *id = g_strdup_printf("%" G_GINT64_FORMAT, att->id);
		char *path = att->id ? hashed_dir(dir, id) : NULL;
		g_free(id);
		return path;
	}
	if (!safe_segment(att->path))
		return NULL;
	char *base = hashed_dir(dir, att->dropbox_id);
	char *path = g_build_filename(base, att->path, NULL);
	g_free(base);
	return path;
}

/* "…/dropbox/<id>/<name>" -> id and name (URL-decoded); FALSE otherwise. */
static gboolean dropbox_parts(const char *url, char **id_r, char **name_r)
{
	const char *s = url ? g_strrstr(url, DROPBOX_SEGMENT) : NULL;
	if (!s)
		return FALSE;
	s += strlen(DROPBOX_SEGMENT);
	const char *slash = strchr(s, '/');
	if (!slash || !slash[1] || strchr(slash + 1, '/'))
		return FALSE;
	char *id = g_strndup(s, (gsize)(slash - s));
	*id_r = g_uri_unescape_string(id, NULL);
	*name_r = g_uri_unescape_string(slash + 1, NULL);
	g_free(id);
	if (*id_r && *name_r)
		return TRUE;
	g_clear_pointer(id_r, g_free);
	g_clear_pointer(name_r, g_free);
	return FALSE;
}

/* The file for one ATTACH property; NULL with `*att_r` set when the dump
 * knows the attachment (else NULL). */
static char *attach_path(const char *dir, mfc_index *index, gint64 object_id, icalproperty *p,
                         const mfc_attachment **att_r, char **name_r)
{
	const char *managed = icalproperty_get_parameter_as_string(p, "MANAGED-ID");
	const char *url = icalproperty_get_value_as_string(p);
	char *dropbox = NULL, *name = NULL;
	if (!managed && !dropbox_parts(url, &dropbox, &name))
		return NULL;
	*att_r = mfc_index_attachment(index, object_id, managed, dropbox, name);
	char *path = NULL;
	if (*att_r)
		path = mfc_attach_file(dir, *att_r);
	else if (!managed && safe_segment(name) && dropbox) {
		mfc_attachment guess = { 0, dropbox, name, NULL }; /* file without a row */
		path = mfc_attach_file(dir, &guess);
	}
	*name_r = name ? name : g_strdup((*att_r) ? (*att_r)->path : "");
	g_free(dropbox);
	return path;
}

static gboolean read_file(const char *path, char **data_r, gsize *len_r)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_ATTACHMENT_BYTES)
		return FALSE;
	return g_file_get_contents(path, data_r, len_r, NULL);
}

/* Embeds one ATTACH when its file is there; TRUE when it did. */
static gboolean embed(icalcomponent *c, icalproperty *p, const char *dir, mfc_index *index,
                      gint64 object_id, char **name_r)
{
	const mfc_attachment *att = NULL;
	char *path = dir ? attach_path(dir, index, object_id, p, &att, name_r) : NULL;
	char *data = NULL;
	gsize len = 0;
	gboolean ok = path && read_file(path, &data, &len);
	g_free(path);
	if (!ok)
		return FALSE;
	const char *type = icalproperty_get_parameter_as_string(p, "FMTTYPE");
	if (!type && att)
		type = att->content_type;
	const char *fn = icalproperty_get_parameter_as_string(p, "FILENAME");
	icalproperty *bin = mfi_ics_binary_attach(data, len, type, fn ? fn : *name_r);
	icalcomponent_add_property(c, bin);
	icalcomponent_remove_property(c, p);
	icalproperty_free(p);
	g_free(data);
	return TRUE;
}

/* A link into the server's attachment store (not some other URL). */
static gboolean is_server_link(icalproperty *p)
{
	icalattach *a = icalproperty_get_attach(p);
	if (!a || !icalattach_get_is_url(a))
		return FALSE;
	const char *url = icalattach_get_url(a);
	return icalproperty_get_parameter_as_string(p, "MANAGED-ID") ||
	       (url && strstr(url, DROPBOX_SEGMENT));
}

void mfc_attach_resolve(icalcomponent *vcal, mfc_index *index, gint64 object_id,
                        const char *dir, const char *locator, GPtrArray *ignored)
{
	for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
		GPtrArray *links = g_ptr_array_new();
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTACH_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_ATTACH_PROPERTY))
			if (is_server_link(p))
				g_ptr_array_add(links, p);
		for (guint i = 0; i < links->len; i++) {
			icalproperty *p = links->pdata[i];
			char *url = g_strdup(icalproperty_get_value_as_string(p));
			char *name = NULL;
			if (!embed(c, p, dir, index, object_id, &name))
				g_ptr_array_add(ignored, g_strdup_printf(
					"%s: attachment %s not embedded (%s); kept as a link", locator,
					url ? url : "", dir ? "file not found under --attachments DIR"
					                    : "no --attachments DIR given"));
			g_free(name);
			g_free(url);
		}
		g_ptr_array_unref(links);
	}
}
