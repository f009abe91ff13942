/* Files attached to items, for CreateAttachment follow-up requests that add
 * them to the created item by its id (Microsoft, "Add attachments by using EWS
 * in Exchange"): item requests stay small, a large file is a request of its
 * own, and a failed file does not fail its item.
 *
 *   events, tasks, notes: binary ATTACH properties (ENCODING=BASE64;
 *     VALUE=BINARY, FMTTYPE, X-FILENAME) of the item's components, master
 *     first; a modified occurrence's copy of a master's file is skipped, its
 *     own files go to the master (CreateAttachment cannot address an
 *     occurrence; the bundle warns);
 *   contacts: the first inline PHOTO, as the contact photo (IsContactPhoto,
 *     Exchange2010_SP2 and later; older versions: a plain file), further
 *     ones as plain files;
 *   contacts and distribution lists: the files the PST reader carries as
 *     X-MAILFERRY-ATTACHMENT (ENCODING=b, TYPE=MIME type, X-FILENAME), in
 *     card order.
 * message/rfc822 becomes a t:ItemAttachment holding a t:Message with the
 * MIME (MimeContent), everything else a t:FileAttachment. ATTACH, PHOTO and
 * X-MAILFERRY-ATTACHMENT by URI have no bytes to upload: they are listed by
 * mfi_ews_attach_links(). */
#include "ews.h"
#include "../vcf/vcf.h"
#include "../../src/transform/repair.h"

#include <string.h>

#define DEFAULT_TYPE "application/octet-stream"
#define PHOTO_NAME "ContactPicture.jpg" /* what Outlook names a contact photo */

void mfi_ews_attachment_free(gpointer p)
{
	mfi_ews_attachment *a = p;
	g_free(a->name);
	g_free(a->type);
	if (a->data)
		g_bytes_unref(a->data);
	g_free(a);
}

static const char *param_x(icalproperty *p, const char *name)
{
	for (icalparameter *q = icalproperty_get_first_parameter(p, ICAL_X_PARAMETER); q;
	     q = icalproperty_get_next_parameter(p, ICAL_X_PARAMETER))
		if (g_ascii_strcasecmp(icalparameter_get_xname(q), name) == 0)
			return icalparameter_get_xvalue(q);
	return NULL;
}

static const char *attach_name(icalproperty *p)
{
	const char *name = param_x(p, "X-FILENAME");
	if (!name || !*name)
		name = param_x(p, "FILENAME");
	if (!name || !*name)
		name = param_x(p, "X-APPLE-FILENAME");
	if (!name || !*name) {
		icalparameter *fn = icalproperty_get_first_parameter(p, ICAL_FILENAME_PARAMETER);
		name = fn ? icalparameter_get_filename(fn) : NULL;
	}
	return name && *name ? name : NULL;
}

static gboolean value_binary(icalproperty *p)
{
	icalparameter *v = icalproperty_get_first_parameter(p, ICAL_VALUE_PARAMETER);
	icalparameter *e = icalproperty_get_first_parameter(p, ICAL_ENCODING_PARAMETER);
	return (v && icalparameter_get_value(v) == ICAL_VALUE_BINARY) ||
	       (e && icalparameter_get_encoding(e) == ICAL_ENCODING_BASE64);
}

/* The base64 text of a binary ATTACH, NULL for a URI. */
static const char *attach_data(icalproperty *p)
{
	icalattach *a = icalproperty_get_attach(p);
	if (a)
		return icalattach_get_is_url(a) ? NULL : (const char *)icalattach_get_data(a);
	return value_binary(p) ? icalproperty_get_value_as_string(p) : NULL;
}

/* The URI of an ATTACH by reference, NULL for inline bytes. */
static const char *attach_url(icalproperty *p)
{
	icalattach *a = icalproperty_get_attach(p);
	if (a)
		return icalattach_get_is_url(a) ? icalattach_get_url(a) : NULL;
	return value_binary(p) ? NULL : icalproperty_get_value_as_string(p);
}

/* Whether one of the first `n` attachments has these bytes. */
static gboolean already_taken(GPtrArray *out, guint n, GBytes *data)
{
	for (guint i = 0; i < n && i < out->len; i++)
		if (g_bytes_equal(((mfi_ews_attachment *)out->pdata[i])->data, data))
			return TRUE;
	return FALSE;
}

static mfi_ews_attachment *attachment_new(GBytes *data, const char *type, const char *name,
                                          guint n)
{
	mfi_ews_attachment *a = g_new0(mfi_ews_attachment, 1);
	a->data = data;
	a->type = g_strdup(type && *type ? type : DEFAULT_TYPE);
	a->message = g_ascii_strcasecmp(a->type, "message/rfc822") == 0;
	a->name = name ? mfi_ews_clean(name)
	               : g_strdup_printf("attachment-%u%s", n, a->message ? ".eml" : "");
	return a;
}

/* `from_override`: the component is a modified occurrence; its copies of
 * files already taken from earlier components are skipped. */
static void component_attachments(icalcomponent *c, GPtrArray *out, gboolean from_override)
{
	guint earlier = out->len;
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTACH_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_ATTACH_PROPERTY)) {
		const char *b64 = attach_data(p);
		if (!b64)
			continue;
		gsize len = 0;
		guchar *raw = g_base64_decode(b64, &len);
		GBytes *data = g_bytes_new_take(raw, len);
		if (from_override && already_taken(out, earlier, data)) {
			g_bytes_unref(data);
			continue;
		}
		icalparameter *ft = icalproperty_get_first_parameter(p, ICAL_FMTTYPE_PARAMETER);
		mfi_ews_attachment *a = attachment_new(data, ft ? icalparameter_get_fmttype(ft) : NULL,
		                                       attach_name(p), out->len + 1);
		a->from_override = from_override;
		g_ptr_array_add(out, a);
	}
}

/* The master (or only) component first, then the overrides. */
static GPtrArray *ordered_components(const mf_item *item)
{
	GPtrArray *comps = mfr_components(item);
	icalcomponent *master = mfr_master(item);
	for (guint i = 1; master && i < comps->len; i++)
		if (comps->pdata[i] == master) {
			g_ptr_array_remove_index(comps, i);
			g_ptr_array_insert(comps, 0, master);
			break;
		}
	return comps;
}

static gboolean param_is(const mfi_vcf_prop *p, const char *name, const char *value)
{
	for (guint i = 0; i < p->params->len; i++) {
		const char *param = p->params->pdata[i];
		const char *eq = strchr(param, '=');
		if (eq ? (g_ascii_strncasecmp(param, name, (gsize)(eq - param)) == 0 &&
		          strlen(name) == (gsize)(eq - param) && g_ascii_strcasecmp(eq + 1, value) == 0)
		       : g_ascii_strcasecmp(param, value) == 0)
			return TRUE;
	}
	return FALSE;
}

/* TYPE=JPEG / TYPE=image/png / a bare 2.1 "PNG" -> a MIME type. */
static char *photo_type(const mfi_vcf_prop *p)
{
	static const char *const known[][2] = { { "JPEG", "image/jpeg" }, { "PNG", "image/png" },
		{ "GIF", "image/gif" }, { "BMP", "image/bmp" }, { "TIFF", "image/tiff" } };
	for (guint i = 0; i < p->params->len; i++) {
		const char *param = p->params->pdata[i];
		const char *v = g_ascii_strncasecmp(param, "TYPE=", 5) == 0 ? param + 5 : param;
		if (v == param && strchr(param, '='))
			continue; /* ENCODING=b, X-ABCROP-RECTANGLE=… */
		if (strchr(v, '/'))
			return g_ascii_strdown(v, -1);
		for (gsize k = 0; k < G_N_ELEMENTS(known); k++)
			if (g_ascii_strcasecmp(v, known[k][0]) == 0)
				return g_strdup(known[k][1]);
	}
	return g_strdup("image/jpeg");
}

/* The bytes of an inline value: base64 with ENCODING=b/BASE64, or a vCard 4
 * data: URI (its media type in *uri_type_r); NULL for a value by URI. */
static GBytes *inline_bytes(const mfi_vcf_prop *p, char **uri_type_r)
{
	const char *v = p->value;
	if (g_ascii_strncasecmp(v, "data:", 5) == 0) {
		const char *comma = strchr(v, ',');
		const char *semi = strchr(v, ';');
		if (!comma || !semi || semi > comma || g_ascii_strncasecmp(semi, ";base64,", 8) != 0)
			return NULL;
		*uri_type_r = g_strndup(v + 5, (gsize)(semi - v - 5));
		v = comma + 1;
	} else if (!param_is(p, "ENCODING", "b") && !param_is(p, "ENCODING", "BASE64")) {
		return NULL;
	}
	gsize len = 0;
	guchar *raw = g_base64_decode(v, &len);
	return g_bytes_new_take(raw, len);
}

/* An inline PHOTO and its MIME type. */
static GBytes *photo_bytes(const mfi_vcf_prop *p, char **type_r)
{
	GBytes *data = inline_bytes(p, type_r);
	if (data && !*type_r)
		*type_r = photo_type(p);
	return data;
}

/* An inline X-MAILFERRY-ATTACHMENT, its MIME type (TYPE) and name (X-FILENAME). */
static GBytes *file_bytes(const mfi_vcf_prop *p, char **type_r, char **name_r)
{
	GBytes *data = inline_bytes(p, type_r);
	if (!data)
		return NULL;
	char *type = mfi_vcf_prop_param(p, "TYPE");
	if (type && strchr(type, '/')) {
		g_free(*type_r);
		*type_r = type;
	} else {
		g_free(type);
	}
	*name_r = mfi_vcf_prop_param(p, "X-FILENAME");
	if (*name_r && !**name_r)
		g_clear_pointer(name_r, g_free);
	return data;
}

/* The card's logical lines, vCard 2.1 encodings decoded. */
static GPtrArray *card_lines(const mf_item *item)
{
	char *v3 = mfi_vcf_card_to_v3(item->vcard);
	GPtrArray *lines = mfi_vcf_unfold(v3 ? v3 : item->vcard);
	g_free(v3);
	return lines;
}

static gboolean is_card(const mf_item *item)
{
	return (item->kind == MF_KIND_CONTACT || item->kind == MF_KIND_DISTLIST) && item->vcard;
}

/* A contact's first inline PHOTO is its photo, further ones plain files; the
 * X-MAILFERRY-ATTACHMENT files of contacts and lists, in card order. */
static void card_files(const mf_item *item, GPtrArray *out)
{
	gboolean photo_taken = item->kind != MF_KIND_CONTACT;
	GPtrArray *lines = card_lines(item);
	for (guint i = 0; i < lines->len; i++) {
		mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[i]);
		char *type = NULL, *name = NULL;
		GBytes *data = NULL;
		gboolean photo = FALSE;
		if (p && strcmp(p->name, "PHOTO") == 0 && item->kind == MF_KIND_CONTACT) {
			data = photo_bytes(p, &type);
			photo = data && !photo_taken;
			photo_taken |= photo;
		} else if (p && strcmp(p->name, MFI_VCF_ATTACHMENT) == 0) {
			data = file_bytes(p, &type, &name);
		}
		if (data) {
			mfi_ews_attachment *a = attachment_new(data, type, photo ? PHOTO_NAME : name,
			                                       out->len + 1);
			a->photo = photo;
			g_ptr_array_add(out, a);
		}
		g_free(type);
		g_free(name);
		if (p)
			mfi_vcf_prop_free(p);
	}
	g_ptr_array_unref(lines);
}

GPtrArray *mfi_ews_attachments(const mf_item *item)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(mfi_ews_attachment_free);
	if (is_card(item)) {
		card_files(item, out);
		return out;
	}
	if (!item->ical || item->kind == MF_KIND_MESSAGE)
		return out;
	GPtrArray *comps = ordered_components(item);
	for (guint i = 0; i < comps->len; i++)
		component_attachments(comps->pdata[i], out, i > 0);
	g_ptr_array_unref(comps);
	return out;
}

static void add_link(GString *body, GPtrArray *links, const char *label, const char *name,
                     const char *url)
{
	char *line = name ? g_strdup_printf("%s <%s>", name, url) : g_strdup(url);
	g_string_append_printf(body, "%s%s (link): %s", body->len ? "\n" : "", label, line);
	if (links)
		g_ptr_array_add(links, line);
	else
		g_free(line);
}

/* PHOTO;VALUE=uri:http://… and X-MAILFERRY-ATTACHMENT by URI (not inline, not
 * a data: URI). */
static void card_links(GString *body, const mf_item *item, GPtrArray *links)
{
	GPtrArray *lines = card_lines(item);
	for (guint i = 0; i < lines->len; i++) {
		mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[i]);
		gboolean photo = p && strcmp(p->name, "PHOTO") == 0 && item->kind == MF_KIND_CONTACT;
		gboolean file = p && strcmp(p->name, MFI_VCF_ATTACHMENT) == 0;
		char *type = NULL;
		GBytes *data = (photo || file) && *p->value ? inline_bytes(p, &type) : NULL;
		if ((photo || file) && *p->value && !data) {
			char *name = file ? mfi_vcf_prop_param(p, "X-FILENAME") : NULL;
			add_link(body, links, photo ? "Photo" : "Attachment", name, p->value);
			g_free(name);
		}
		if (data)
			g_bytes_unref(data);
		g_free(type);
		if (p)
			mfi_vcf_prop_free(p);
	}
	g_ptr_array_unref(lines);
}

void mfi_ews_attach_links(GString *body, const mf_item *item, GPtrArray *links)
{
	if (is_card(item)) {
		card_links(body, item, links);
		return;
	}
	if (!item->ical || item->kind == MF_KIND_MESSAGE)
		return;
	GPtrArray *comps = ordered_components(item);
	for (guint i = 0; i < comps->len; i++) {
		icalcomponent *c = comps->pdata[i];
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTACH_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_ATTACH_PROPERTY)) {
			const char *url = attach_url(p);
			if (url && *url)
				add_link(body, links, "Attachment", attach_name(p), url);
		}
	}
	g_ptr_array_unref(comps);
}

/* Writes one attachment; `photo_ok`: the version knows IsContactPhoto. */
void mfi_ews_write_attachment(xmlTextWriterPtr w, const mfi_ews_attachment *a, gboolean photo_ok)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(a->data, &len);
	if (a->message) {
		/* an item attachment is shown by name, as Outlook names them: no ".eml" */
		char *name = g_str_has_suffix(a->name, ".eml") && strlen(a->name) > 4
		             ? g_strndup(a->name, strlen(a->name) - 4) : g_strdup(a->name);
		xmlTextWriterStartElement(w, BAD_CAST "t:ItemAttachment");
		mfi_ews_text(w, "t:Name", name);
		g_free(name);
		xmlTextWriterStartElement(w, BAD_CAST "t:Message");
		xmlTextWriterStartElement(w, BAD_CAST "t:MimeContent");
		xmlTextWriterWriteAttribute(w, BAD_CAST "CharacterSet", BAD_CAST "UTF-8");
		xmlTextWriterWriteBase64(w, data ? data : "", 0, (int)len);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
		return;
	}
	xmlTextWriterStartElement(w, BAD_CAST "t:FileAttachment");
	mfi_ews_text(w, "t:Name", a->name);
	mfi_ews_text(w, "t:ContentType", a->type);
	if (a->photo && photo_ok)
		mfi_ews_text(w, "t:IsContactPhoto", "true");
	xmlTextWriterStartElement(w, BAD_CAST "t:Content");
	xmlTextWriterWriteBase64(w, data ? data : "", 0, (int)len);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}
