/* The bundle: per target mailbox, folder-creation requests (parent first) and
 * CreateItem requests batched per folder, then manifest.json. See the README
 * section "EWS bundles" for the layout.
 *
 *   BUNDLE/manifest.json
 *   BUNDLE/<mailbox>/folders/NNNNNN.xml   one CreateFolder per folder to create
 *   BUNDLE/<mailbox>/items/NNNNNN.xml     CreateItem, one folder each
 *   BUNDLE/<mailbox>/attachments/NNNNNN.xml  CreateAttachment on created items
 *                                         (files of events, tasks, notes; photos)
 *   BUNDLE/<mailbox>/occurrences/NNNNNN.xml  DeleteItem/UpdateItem on occurrences
 *                                         of recurring events (after the attachments)
 */
#include "ews.h"
#include "mailferry/outpath.h"
#include "mailferry/report.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#define MSGFOLDERROOT "msgfolderroot"

typedef struct ews_folder {
	char *base;            /* DistinguishedFolderId the path hangs under */
	char **path;           /* segments under base; empty: the base itself */
	char *id;              /* placeholder FolderId; NULL for a base */
	struct ews_folder *parent; /* NULL when the parent is the base */
	mfi_ews_family family;
	GPtrArray *batch;      /* char* item fragments waiting for a request */
	GPtrArray *batch_keys; /* char* placeholder item id per fragment, or NULL */
	guint batch_kinds;     /* MF_KIND_BIT()s in the batch */
	guint64 batch_bytes;
} ews_folder;

typedef struct {
	char *file;            /* relative to the bundle */
	const char *operation; /* CreateFolder, CreateItem */
	char *folder;          /* display path: "inbox/Projects" */
	char *folder_id;       /* DistinguishedFolderId or placeholder */
	guint items;
	guint kinds;
	guint64 bytes;
	gboolean oversize;
	GPtrArray *keys;       /* CreateItem: char* placeholder id per item, or NULL */
	char *master;          /* follow-ups: the placeholder id of the item they act on */
} ews_request;

typedef struct {
	char *address;
	char *dir;
	GPtrArray *folders;    /* ews_folder*, ancestors before descendants */
	GHashTable *by_key;    /* "base/seg/seg" key -> ews_folder* */
	GPtrArray *requests;   /* ews_request*: folder requests, then item requests */
	GPtrArray *attach_requests; /* ews_request*: CreateAttachment, after the items */
	GPtrArray *followups;  /* ews_request*: occurrence requests, after the attachments */
	guint item_files;
	guint attach_files;
	guint occurrence_files;
	guint items;
} ews_mailbox;

struct mfi_ews_bundle {
	char *outdir;
	const mf_options *opts;
	const char *version;
	guint max_items;
	guint64 max_bytes;
	GHashTable *source_mailbox; /* source path -> address (owned) */
	GPtrArray *mailboxes;       /* ews_mailbox* */
	mf_namer *dir_namer;
	guint64 buffered;           /* bytes of all waiting fragments */
	GPtrArray *warnings;        /* char* */
};

static void folder_free(gpointer p)
{
	ews_folder *f = p;
	g_free(f->base);
	g_strfreev(f->path);
	g_free(f->id);
	g_ptr_array_unref(f->batch);
	g_ptr_array_unref(f->batch_keys);
	g_free(f);
}

static void request_free(gpointer p)
{
	ews_request *r = p;
	g_free(r->file);
	g_free(r->folder);
	g_free(r->folder_id);
	if (r->keys)
		g_ptr_array_unref(r->keys);
	g_free(r->master);
	g_free(r);
}

static void mailbox_free(gpointer p)
{
	ews_mailbox *m = p;
	g_free(m->address);
	g_free(m->dir);
	g_ptr_array_unref(m->folders);
	g_hash_table_destroy(m->by_key);
	g_ptr_array_unref(m->requests);
	g_ptr_array_unref(m->attach_requests);
	g_ptr_array_unref(m->followups);
	g_free(m);
}

mfi_ews_bundle *mfi_ews_bundle_new(const char *outdir, const mf_options *opts, GError **error)
{
	const char *version = opts->ews_version ? opts->ews_version : MFI_EWS_DEFAULT_VERSION;
	if (!mfi_ews_version_valid(version)) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
		            "--ews-version %s: not an EWS RequestServerVersion (e.g. Exchange2010_SP1, "
		            "Exchange2013_SP1, Exchange2016)", version);
		return NULL;
	}
	mfi_ews_bundle *b = g_new0(mfi_ews_bundle, 1);
	b->outdir = g_strdup(outdir);
	b->opts = opts;
	b->version = version;
	b->max_items = opts->batch_items ? opts->batch_items : MFI_EWS_DEFAULT_BATCH_ITEMS;
	b->max_bytes = opts->batch_bytes ? opts->batch_bytes : MFI_EWS_DEFAULT_BATCH_BYTES;
	b->source_mailbox = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	b->mailboxes = g_ptr_array_new_with_free_func(mailbox_free);
	b->dir_namer = mf_namer_new(NULL);
	b->warnings = g_ptr_array_new_with_free_func(g_free);
	return b;
}

void mfi_ews_bundle_free(mfi_ews_bundle *b)
{
	if (!b)
		return;
	g_free(b->outdir);
	g_hash_table_destroy(b->source_mailbox);
	g_ptr_array_unref(b->mailboxes);
	mf_namer_free(b->dir_namer);
	g_ptr_array_unref(b->warnings);
	g_free(b);
}

/* --mailbox, mapped with --map; else, with --map, the source file's name
 * ("jdoe.pst" -> "jdoe") looked up in the map; else the placeholder. */
static char *choose_mailbox(mfi_ews_bundle *b, const char *source)
{
	GHashTable *map = b->opts->user_map;
	if (b->opts->mailbox) {
		char *key = g_ascii_strdown(b->opts->mailbox, -1);
		const char *mapped = map ? g_hash_table_lookup(map, g_strstrip(key)) : NULL;
		char *out = g_strdup(mapped ? mapped : b->opts->mailbox);
		g_free(key);
		return out;
	}
	if (map && source) {
		char *base = g_path_get_basename(source);
		char *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		char *key = g_ascii_strdown(base, -1);
		const char *mapped = g_hash_table_lookup(map, key);
		g_free(key);
		g_free(base);
		if (mapped)
			return g_strdup(mapped);
	}
	return g_strdup(MFI_EWS_MAILBOX_PLACEHOLDER);
}

/* The target mailbox of an item: its own for a multi-user source (the
 * pipeline mapped it with --map already), else the source's. */
static ews_mailbox *mailbox_for(mfi_ews_bundle *b, const mf_item *item)
{
	const char *source = item->source;
	const char *key = source ? source : "";
	const char *address = item->mailbox ? item->mailbox
	                                    : g_hash_table_lookup(b->source_mailbox, key);
	if (!address) {
		char *chosen = choose_mailbox(b, source);
		g_hash_table_insert(b->source_mailbox, g_strdup(key), chosen);
		address = chosen;
	}
	for (guint i = 0; i < b->mailboxes->len; i++) {
		ews_mailbox *m = b->mailboxes->pdata[i];
		if (g_ascii_strcasecmp(m->address, address) == 0)
			return m;
	}
	ews_mailbox *m = g_new0(ews_mailbox, 1);
	m->address = g_strdup(address);
	const char *segs[] = { address, NULL };
	char **mapped = mf_namer_map(b->dir_namer, segs);
	m->dir = g_strdup(mapped[0]);
	g_strfreev(mapped);
	m->folders = g_ptr_array_new_with_free_func(folder_free);
	m->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->requests = g_ptr_array_new_with_free_func(request_free);
	m->attach_requests = g_ptr_array_new_with_free_func(request_free);
	m->followups = g_ptr_array_new_with_free_func(request_free);
	g_ptr_array_add(b->mailboxes, m);
	return m;
}

/* "base/seg/seg" with '%' and '/' (and other reserved characters) escaped. */
static char *folder_key(const char *base, const char *const *path, guint n)
{
	GString *key = g_string_new(base);
	for (guint i = 0; i < n; i++) {
		char *esc = g_uri_escape_string(path[i], " !$&'()*+,;=:@", TRUE);
		g_string_append_c(key, '/');
		g_string_append(key, esc);
		g_free(esc);
	}
	return g_string_free(key, FALSE);
}

static char *folder_display(const ews_folder *f)
{
	char *rest = mf_folder_to_string((const char *const *)f->path);
	char *out = *rest ? g_strconcat(f->base, "/", rest, NULL) : g_strdup(f->base);
	g_free(rest);
	return out;
}

/* The folder base/path[0..n), created with its ancestors when missing. */
static ews_folder *folder_get(ews_mailbox *m, const char *base, const char *const *path,
                              guint n, mfi_ews_family family)
{
	char *key = folder_key(base, path, n);
	ews_folder *f = g_hash_table_lookup(m->by_key, key);
	if (f) {
		g_free(key);
		return f;
	}
	ews_folder *parent = n > 0 ? folder_get(m, base, path, n - 1, family) : NULL;
	f = g_new0(ews_folder, 1);
	f->base = g_strdup(base);
	f->path = g_new0(char *, n + 1);
	for (guint i = 0; i < n; i++)
		f->path[i] = g_strdup(path[i]);
	f->id = n > 0 ? g_strconcat(MFI_EWS_FOLDER_PLACEHOLDER, key, NULL) : NULL;
	f->parent = parent && parent->id ? parent : NULL;
	f->family = n > 0 ? family : mfi_ews_well_known_family(base);
	f->batch = g_ptr_array_new_with_free_func(g_free);
	f->batch_keys = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_insert(m->by_key, key, f);
	g_ptr_array_add(m->folders, f);
	return f;
}

/* Where an item goes: its source folder under the matching well-known folder,
 * or under msgfolderroot; a folder another kind already claimed (a mail folder
 * that also holds events) moves the item under its kind's default folder. */
static ews_folder *resolve_folder(ews_mailbox *m, const mf_item *item)
{
	mfi_ews_family family = mfi_ews_family_of(item->kind);
	const char *const *segs = (const char *const *)item->folder;
	static const char *const none[] = { NULL };
	if (!segs || !*segs || mf_folder_is_inbox(segs))
		return folder_get(m, mfi_ews_default_folder(family), none, 0, family);
	guint n = g_strv_length((char **)segs);
	const char *wk = mfi_ews_well_known(segs[0]);
	if (wk && mfi_ews_well_known_family(wk) == family)
		return folder_get(m, wk, segs + 1, n - 1, family);
	if (!wk) {
		ews_folder *f = folder_get(m, MSGFOLDERROOT, segs, n, family);
		if (f->family == family)
			return f;
	}
	return folder_get(m, mfi_ews_default_folder(family), segs, n, family);
}

static gboolean write_file(mfi_ews_bundle *b, const char *rel, const char *data, gsize len,
                           GError **error)
{
	char *dir = g_path_get_dirname(rel);
	gboolean ok = strcmp(dir, ".") == 0 || mf_mkdir_under(b->outdir, dir, error);
	g_free(dir);
	if (!ok)
		return FALSE;
	char *final = g_build_filename(b->outdir, rel, NULL);
	char *tmp = g_strconcat(final, ".tmp", NULL);
	ok = mf_write_atomic(tmp, final, data, len, 0, b->opts->fsync_items, error);
	if (!ok && error && *error)
		(*error)->code = MF_ERROR_OUTPUT;
	g_free(tmp);
	g_free(final);
	return ok;
}

static ews_request *add_request(GPtrArray *list, char *file, const char *operation,
                                const ews_folder *f, guint items, guint kinds, guint64 bytes)
{
	ews_request *r = g_new0(ews_request, 1);
	r->file = file;
	r->operation = operation;
	r->folder = folder_display(f);
	r->folder_id = g_strdup(f->id ? f->id : f->base);
	r->items = items;
	r->kinds = kinds;
	r->bytes = bytes;
	g_ptr_array_add(list, r);
	return r;
}

/* Writes the folder's waiting items as one CreateItem request. */
static gboolean flush_folder(mfi_ews_bundle *b, ews_mailbox *m, ews_folder *f,
                             gboolean oversize, GError **error)
{
	if (f->batch->len == 0)
		return TRUE;
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, FALSE);
	mfi_ews_soap_begin(doc.w, b->version, m->address);
	xmlTextWriterStartElement(doc.w, BAD_CAST "m:CreateItem");
	if (f->batch_kinds & (MF_KIND_BIT(MF_KIND_MESSAGE) | MF_KIND_BIT(MF_KIND_NOTE)))
		xmlTextWriterWriteAttribute(doc.w, BAD_CAST "MessageDisposition", BAD_CAST "SaveOnly");
	if (f->batch_kinds & MF_KIND_BIT(MF_KIND_EVENT))
		xmlTextWriterWriteAttribute(doc.w, BAD_CAST "SendMeetingInvitations",
		                            BAD_CAST "SendToNone");
	mfi_ews_folder_ref(doc.w, "m:SavedItemFolderId", f->id ? NULL : f->base, f->id);
	xmlTextWriterStartElement(doc.w, BAD_CAST "m:Items");
	for (guint i = 0; i < f->batch->len; i++)
		xmlTextWriterWriteRaw(doc.w, BAD_CAST f->batch->pdata[i]);
	xmlTextWriterEndElement(doc.w);
	xmlTextWriterEndElement(doc.w);
	mfi_ews_soap_end(doc.w);
	gsize len;
	char *xml = mfi_ews_doc_end(&doc, &len);
	char *file = g_strdup_printf("%s/items/%06u.xml", m->dir, ++m->item_files);
	gboolean ok = write_file(b, file, xml, len, error);
	g_free(xml);
	ews_request *r = add_request(m->requests, file, "CreateItem", f, f->batch->len,
	                             f->batch_kinds, len);
	r->oversize = oversize;
	r->keys = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < f->batch_keys->len; i++)
		g_ptr_array_add(r->keys, g_steal_pointer(&f->batch_keys->pdata[i]));
	g_ptr_array_set_size(f->batch_keys, 0);
	b->buffered -= f->batch_bytes;
	g_ptr_array_set_size(f->batch, 0);
	f->batch_kinds = 0;
	f->batch_bytes = 0;
	return ok;
}

static gboolean flush_all(mfi_ews_bundle *b, GError **error)
{
	for (guint i = 0; i < b->mailboxes->len; i++) {
		ews_mailbox *m = b->mailboxes->pdata[i];
		for (guint j = 0; j < m->folders->len; j++)
			if (!flush_folder(b, m, m->folders->pdata[j], FALSE, error))
				return FALSE;
	}
	return TRUE;
}

static char *item_fragment(const mf_item *item, const ews_mailbox *m, const ews_folder *f,
                           gsize *len_r, GError **error)
{
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, TRUE);
	gboolean ok;
	switch (item->kind) {
	case MF_KIND_MESSAGE:
		ok = mfi_ews_write_message(doc.w, item, strcmp(f->base, "drafts") == 0, error);
		break;
	case MF_KIND_EVENT:
		ok = mfi_ews_write_calendar(doc.w, item, m->address, error);
		break;
	case MF_KIND_TASK:
		ok = mfi_ews_write_task(doc.w, item, error);
		break;
	case MF_KIND_NOTE:
		ok = mfi_ews_write_note(doc.w, item, error);
		break;
	default:
		ok = mfi_ews_write_contact(doc.w, item, error);
		break;
	}
	char *xml = mfi_ews_doc_end(&doc, len_r);
	if (!ok) {
		g_free(xml);
		return NULL;
	}
	return xml;
}

/* One DeleteItem or UpdateItem request on occurrences of `key`. */
static gboolean write_followup(mfi_ews_bundle *b, ews_mailbox *m, const ews_folder *f,
                               const char *operation, const char *children, guint n,
                               const char *key, GError **error)
{
	gboolean del = strcmp(operation, "DeleteItem") == 0;
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, FALSE);
	mfi_ews_soap_begin(doc.w, b->version, m->address);
	xmlTextWriterStartElement(doc.w, BAD_CAST (del ? "m:DeleteItem" : "m:UpdateItem"));
	if (del) {
		xmlTextWriterWriteAttribute(doc.w, BAD_CAST "DeleteType", BAD_CAST "HardDelete");
		xmlTextWriterWriteAttribute(doc.w, BAD_CAST "SendMeetingCancellations",
		                            BAD_CAST "SendToNone");
	} else {
		xmlTextWriterWriteAttribute(doc.w, BAD_CAST "ConflictResolution",
		                            BAD_CAST "AlwaysOverwrite");
		xmlTextWriterWriteAttribute(doc.w, BAD_CAST "SendMeetingInvitationsOrCancellations",
		                            BAD_CAST "SendToNone");
	}
	xmlTextWriterStartElement(doc.w, BAD_CAST (del ? "m:ItemIds" : "m:ItemChanges"));
	xmlTextWriterWriteRaw(doc.w, BAD_CAST children);
	xmlTextWriterEndElement(doc.w);
	xmlTextWriterEndElement(doc.w);
	mfi_ews_soap_end(doc.w);
	gsize len;
	char *xml = mfi_ews_doc_end(&doc, &len);
	char *file = g_strdup_printf("%s/occurrences/%06u.xml", m->dir, ++m->occurrence_files);
	gboolean ok = write_file(b, file, xml, len, error);
	g_free(xml);
	ews_request *r = add_request(m->followups, file, operation, f, n,
	                             MF_KIND_BIT(MF_KIND_EVENT), len);
	r->master = g_strdup(key);
	return ok;
}

/* Follow-up requests for a recurring event's exceptions on its master `key`;
 * *used_r set when there are any. */
static gboolean event_followups(mfi_ews_bundle *b, ews_mailbox *m, const ews_folder *f,
                                const mf_item *item, const char *key, gboolean *used_r,
                                GError **error)
{
	char *deletes, *updates;
	guint nd, nu;
	GString *unresolved = g_string_new(NULL);
	gboolean ok = TRUE;
	if (mfi_ews_occurrences(item, key, &deletes, &nd, &updates, &nu, unresolved)) {
		*used_r = TRUE;
		if (deletes)
			ok = write_followup(b, m, f, "DeleteItem", deletes, nd, key, error);
		if (updates && ok)
			ok = write_followup(b, m, f, "UpdateItem", updates, nu, key, error);
	}
	if (unresolved->len)
		g_ptr_array_add(b->warnings, g_strdup_printf(
			"%s: %s: exceptions not in the recurrence, not imported: %s", item->source,
			item->locator, unresolved->str));
	g_string_free(unresolved, TRUE);
	g_free(deletes);
	g_free(updates);
	return ok;
}

static void warn(mfi_ews_bundle *b, gboolean to_stderr, char *text)
{
	if (to_stderr)
		g_printerr("mailferry: warning: %s\n", text);
	g_ptr_array_add(b->warnings, text);
}

/* One CreateAttachment request with the fragments `frags` (emptied) on `key`. */
static gboolean write_attach_request(mfi_ews_bundle *b, ews_mailbox *m, const ews_folder *f,
                                     const mf_item *item, const char *key, GPtrArray *frags,
                                     gboolean oversize, GError **error)
{
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, FALSE);
	mfi_ews_soap_begin(doc.w, b->version, m->address);
	xmlTextWriterStartElement(doc.w, BAD_CAST "m:CreateAttachment");
	xmlTextWriterStartElement(doc.w, BAD_CAST "m:ParentItemId");
	xmlTextWriterWriteAttribute(doc.w, BAD_CAST "Id", BAD_CAST key);
	xmlTextWriterEndElement(doc.w);
	xmlTextWriterStartElement(doc.w, BAD_CAST "m:Attachments");
	for (guint i = 0; i < frags->len; i++)
		xmlTextWriterWriteRaw(doc.w, BAD_CAST frags->pdata[i]);
	xmlTextWriterEndElement(doc.w);
	xmlTextWriterEndElement(doc.w);
	mfi_ews_soap_end(doc.w);
	gsize len;
	char *xml = mfi_ews_doc_end(&doc, &len);
	char *file = g_strdup_printf("%s/attachments/%06u.xml", m->dir, ++m->attach_files);
	gboolean ok = write_file(b, file, xml, len, error);
	g_free(xml);
	ews_request *r = add_request(m->attach_requests, file, "CreateAttachment", f, frags->len,
	                             MF_KIND_BIT(item->kind), len);
	r->master = g_strdup(key);
	r->oversize = oversize;
	g_ptr_array_set_size(frags, 0);
	return ok;
}

static char *attach_fragment(const mfi_ews_attachment *a, gboolean photo_ok, gsize *len_r)
{
	mfi_ews_doc doc;
	mfi_ews_doc_begin(&doc, TRUE);
	mfi_ews_write_attachment(doc.w, a, photo_ok);
	return mfi_ews_doc_end(&doc, len_r);
}

/* Manifest warnings for what has no file to upload or changes form. */
static void attach_warnings(mfi_ews_bundle *b, const mf_item *item, GPtrArray *atts,
                            gboolean photo_ok)
{
	GString *scratch = g_string_new(NULL);
	GPtrArray *links = g_ptr_array_new_with_free_func(g_free);
	mfi_ews_attach_links(scratch, item, links);
	for (guint i = 0; i < links->len; i++)
		warn(b, FALSE, g_strdup_printf("%s: %s: attachment by reference has no file to upload; "
		                               "the link is kept in the body: %s", item->source,
		                               item->locator, (char *)links->pdata[i]));
	for (guint i = 0; i < atts->len; i++) {
		const mfi_ews_attachment *a = atts->pdata[i];
		if (a->photo && !photo_ok)
			warn(b, FALSE, g_strdup_printf("%s: %s: contact photo uploaded as the file %s "
			                               "(--ews-version %s has no IsContactPhoto)",
			                               item->source, item->locator, a->name, b->version));
		if (a->from_override)
			warn(b, FALSE, g_strdup_printf("%s: %s: \"%s\" of a modified occurrence is "
			                               "attached to the series", item->source,
			                               item->locator, a->name));
	}
	g_ptr_array_unref(links);
	g_string_free(scratch, TRUE);
}

/* CreateAttachment requests for the item's files on `key`, batched within
 * --batch-items/--batch-bytes; a file over --batch-bytes goes alone, with a
 * warning. *used_r set when there are any. */
static gboolean attach_followups(mfi_ews_bundle *b, ews_mailbox *m, const ews_folder *f,
                                 const mf_item *item, const char *key, gboolean *used_r,
                                 GError **error)
{
	GPtrArray *atts = mfi_ews_attachments(item);
	GPtrArray *frags = g_ptr_array_new_with_free_func(g_free);
	gboolean photo_ok = mfi_ews_version_has_photo(b->version), ok = TRUE;
	guint64 bytes = 0;
	for (guint i = 0; ok && i < atts->len; i++) {
		gsize len;
		char *xml = attach_fragment(atts->pdata[i], photo_ok, &len);
		gboolean over = len > b->max_bytes;
		if (frags->len > 0 && (over || frags->len + 1 > b->max_items || bytes + len > b->max_bytes)) {
			ok = write_attach_request(b, m, f, item, key, frags, FALSE, error);
			bytes = 0;
		}
		g_ptr_array_add(frags, xml);
		bytes += len;
		if (over && ok) {
			warn(b, TRUE, g_strdup_printf("%s: %s: attachment \"%s\" of %" G_GSIZE_FORMAT
			     " bytes is over --batch-bytes %" G_GUINT64_FORMAT "; it has a request of its own",
			     item->source, item->locator, ((mfi_ews_attachment *)atts->pdata[i])->name,
			     len, b->max_bytes));
			ok = write_attach_request(b, m, f, item, key, frags, TRUE, error);
			bytes = 0;
		}
	}
	if (ok && frags->len)
		ok = write_attach_request(b, m, f, item, key, frags, FALSE, error);
	attach_warnings(b, item, atts, photo_ok);
	*used_r = *used_r || atts->len > 0;
	g_ptr_array_unref(frags);
	g_ptr_array_unref(atts);
	return ok;
}

gboolean mfi_ews_bundle_put(mfi_ews_bundle *b, const mf_item *item, GError **error)
{
	ews_mailbox *m = mailbox_for(b, item);
	ews_folder *f = resolve_folder(m, item);
	gsize len = 0;
	char *xml = item_fragment(item, m, f, &len, error);
	if (!xml)
		return FALSE;
	gboolean over = len > b->max_bytes;
	if (f->batch->len > 0 && (over || f->batch->len + 1 > b->max_items ||
	                          f->batch_bytes + len > b->max_bytes))
		if (!flush_folder(b, m, f, FALSE, error)) {
			g_free(xml);
			return FALSE;
		}
	/* follow-up requests address the created item by this placeholder */
	char *key = g_strdup_printf("%s%06u", MFI_EWS_ITEM_PLACEHOLDER, m->items + 1);
	gboolean used = FALSE;
	gboolean ok = item->kind != MF_KIND_EVENT || event_followups(b, m, f, item, key, &used, error);
	if (!ok || !attach_followups(b, m, f, item, key, &used, error)) {
		g_free(key);
		g_free(xml);
		return FALSE;
	}
	if (!used)
		g_clear_pointer(&key, g_free);
	g_ptr_array_add(f->batch, xml);
	g_ptr_array_add(f->batch_keys, key);
	f->batch_kinds |= MF_KIND_BIT(item->kind);
	f->batch_bytes += len;
	b->buffered += len;
	m->items++;
	if (over) {
		char *warning = g_strdup_printf(
			"%s: %s: item of %" G_GSIZE_FORMAT " bytes is over --batch-bytes %" G_GUINT64_FORMAT
			"; it has a request of its own", item->source, item->locator, len, b->max_bytes);
		g_printerr("mailferry: warning: %s\n", warning);
		g_ptr_array_add(b->warnings, warning);
		return flush_folder(b, m, f, TRUE, error);
	}
	/* Bounded memory: many folders with half-full batches are flushed early. */
	if (b->buffered > 2 * b->max_bytes)
		return flush_all(b, error);
	return TRUE;
}

/* One CreateFolder request per folder to create, parents first. */
static gboolean write_folder_requests(mfi_ews_bundle *b, ews_mailbox *m, GError **error)
{
	guint seq = 0;
	for (guint i = 0; i < m->folders->len; i++) {
		ews_folder *f = m->folders->pdata[i];
		if (!f->id)
			continue;
		guint n = g_strv_length(f->path);
		mfi_ews_doc doc;
		mfi_ews_doc_begin(&doc, FALSE);
		mfi_ews_soap_begin(doc.w, b->version, m->address);
		xmlTextWriterStartElement(doc.w, BAD_CAST "m:CreateFolder");
		mfi_ews_folder_ref(doc.w, "m:ParentFolderId", f->parent ? NULL : f->base,
		                   f->parent ? f->parent->id : NULL);
		xmlTextWriterStartElement(doc.w, BAD_CAST "m:Folders");
		xmlTextWriterStartElement(doc.w, BAD_CAST mfi_ews_folder_element(f->family));
		mfi_ews_text(doc.w, "t:FolderClass", mfi_ews_folder_class(f->family));
		mfi_ews_text(doc.w, "t:DisplayName", f->path[n - 1]);
		xmlTextWriterEndElement(doc.w);
		xmlTextWriterEndElement(doc.w);
		xmlTextWriterEndElement(doc.w);
		mfi_ews_soap_end(doc.w);
		gsize len;
		char *xml = mfi_ews_doc_end(&doc, &len);
		char *file = g_strdup_printf("%s/folders/%06u.xml", m->dir, ++seq);
		gboolean ok = write_file(b, file, xml, len, error);
		g_free(xml);
		add_request(m->requests, file, "CreateFolder", f, 0, 0, len);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static void build_kinds(JsonBuilder *j, guint kinds)
{
	json_builder_begin_array(j);
	for (int k = 0; k < MF_KIND_COUNT; k++)
		if (kinds & MF_KIND_BIT(k))
			json_builder_add_string_value(j, mf_kind_name(k));
	json_builder_end_array(j);
}

static void build_sources(JsonBuilder *j, const mf_options *opts)
{
	json_builder_set_member_name(j, "sources");
	json_builder_begin_array(j);
	for (const char *const *s = opts->sources; s && *s; s++) {
		struct stat st;
		gboolean file = stat(*s, &st) == 0 && S_ISREG(st.st_mode);
		char *sha = file ? mf_sha256_file(*s, NULL) : NULL;
		json_builder_begin_object(j);
		json_builder_set_member_name(j, "path");
		json_builder_add_string_value(j, *s);
		json_builder_set_member_name(j, "sha256");
		if (sha)
			json_builder_add_string_value(j, sha);
		else
			json_builder_add_null_value(j);
		json_builder_set_member_name(j, "bytes");
		json_builder_add_int_value(j, file ? (gint64)st.st_size : 0);
		json_builder_end_object(j);
		g_free(sha);
	}
	json_builder_end_array(j);
}

static void build_folders(JsonBuilder *j, const ews_mailbox *m)
{
	json_builder_set_member_name(j, "folders");
	json_builder_begin_array(j);
	for (guint i = 0; i < m->folders->len; i++) {
		const ews_folder *f = m->folders->pdata[i];
		char *display = folder_display(f);
		json_builder_begin_object(j);
		json_builder_set_member_name(j, "folder");
		json_builder_add_string_value(j, display);
		json_builder_set_member_name(j, "id");
		json_builder_add_string_value(j, f->id ? f->id : f->base);
		json_builder_set_member_name(j, "distinguished");
		json_builder_add_boolean_value(j, f->id == NULL);
		json_builder_set_member_name(j, "base");
		json_builder_add_string_value(j, f->base);
		json_builder_set_member_name(j, "path");
		json_builder_begin_array(j);
		for (char **s = f->path; *s; s++)
			json_builder_add_string_value(j, *s);
		json_builder_end_array(j);
		json_builder_set_member_name(j, "parent_id");
		if (f->id)
			json_builder_add_string_value(j, f->parent ? f->parent->id : f->base);
		else
			json_builder_add_null_value(j);
		json_builder_set_member_name(j, "class");
		json_builder_add_string_value(j, mfi_ews_folder_class(f->family));
		json_builder_end_object(j);
		g_free(display);
	}
	json_builder_end_array(j);
}

/* "masters": {"2": "mailferry-item:000007"}: positions in a CreateItem
 * request whose ItemId the follow-up requests (attachments, occurrences) need. */
static void build_keys(JsonBuilder *j, const GPtrArray *keys)
{
	gboolean open = FALSE;
	for (guint i = 0; keys && i < keys->len; i++) {
		if (!keys->pdata[i])
			continue;
		if (!open) {
			json_builder_set_member_name(j, "masters");
			json_builder_begin_object(j);
		}
		open = TRUE;
		char index[16];
		g_snprintf(index, sizeof index, "%u", i);
		json_builder_set_member_name(j, index);
		json_builder_add_string_value(j, keys->pdata[i]);
	}
	if (open)
		json_builder_end_object(j);
}

static void build_request(JsonBuilder *j, const ews_request *r)
{
	json_builder_begin_object(j);
	json_builder_set_member_name(j, "file");
	json_builder_add_string_value(j, r->file);
	json_builder_set_member_name(j, "operation");
	json_builder_add_string_value(j, r->operation);
	json_builder_set_member_name(j, "folder");
	json_builder_add_string_value(j, r->folder);
	json_builder_set_member_name(j, "folder_id");
	json_builder_add_string_value(j, r->folder_id);
	json_builder_set_member_name(j, "items");
	json_builder_add_int_value(j, r->items);
	json_builder_set_member_name(j, "kinds");
	build_kinds(j, r->kinds);
	json_builder_set_member_name(j, "bytes");
	json_builder_add_int_value(j, (gint64)r->bytes);
	json_builder_set_member_name(j, "oversize");
	json_builder_add_boolean_value(j, r->oversize);
	if (r->master) {
		json_builder_set_member_name(j, "master");
		json_builder_add_string_value(j, r->master);
	}
	build_keys(j, r->keys);
	json_builder_end_object(j);
}

/* Folders and items, then attachments, then occurrences: the upload order. */
static void build_requests(JsonBuilder *j, const ews_mailbox *m)
{
	const GPtrArray *lists[] = { m->requests, m->attach_requests, m->followups };
	json_builder_set_member_name(j, "requests");
	json_builder_begin_array(j);
	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; i < lists[l]->len; i++)
			build_request(j, lists[l]->pdata[i]);
	json_builder_end_array(j);
}

static void build_mailboxes(JsonBuilder *j, const mfi_ews_bundle *b, guint64 *total_r)
{
	json_builder_set_member_name(j, "mailboxes");
	json_builder_begin_array(j);
	for (guint i = 0; i < b->mailboxes->len; i++) {
		const ews_mailbox *m = b->mailboxes->pdata[i];
		json_builder_begin_object(j);
		json_builder_set_member_name(j, "address");
		json_builder_add_string_value(j, m->address);
		json_builder_set_member_name(j, "placeholder");
		json_builder_add_boolean_value(j, strcmp(m->address, MFI_EWS_MAILBOX_PLACEHOLDER) == 0);
		json_builder_set_member_name(j, "directory");
		json_builder_add_string_value(j, m->dir);
		json_builder_set_member_name(j, "items");
		json_builder_add_int_value(j, m->items);
		build_folders(j, m);
		build_requests(j, m);
		json_builder_end_object(j);
		*total_r += m->items;
	}
	json_builder_end_array(j);
}

static gboolean write_manifest(mfi_ews_bundle *b, GError **error)
{
	JsonBuilder *j = json_builder_new();
	json_builder_begin_object(j);
	json_builder_set_member_name(j, "format");
	json_builder_add_string_value(j, "mailferry-ews-bundle");
	json_builder_set_member_name(j, "format_version");
	json_builder_add_int_value(j, 1);
	json_builder_set_member_name(j, "tool");
	json_builder_add_string_value(j, "mailferry");
	json_builder_set_member_name(j, "version");
	json_builder_add_string_value(j, MF_VERSION);
	json_builder_set_member_name(j, "request_server_version");
	json_builder_add_string_value(j, b->version);
	json_builder_set_member_name(j, "mailbox_placeholder");
	json_builder_add_string_value(j, MFI_EWS_MAILBOX_PLACEHOLDER);
	json_builder_set_member_name(j, "folder_placeholder_prefix");
	json_builder_add_string_value(j, MFI_EWS_FOLDER_PLACEHOLDER);
	json_builder_set_member_name(j, "batch_items");
	json_builder_add_int_value(j, b->max_items);
	json_builder_set_member_name(j, "batch_bytes");
	json_builder_add_int_value(j, (gint64)b->max_bytes);
	build_sources(j, b->opts);
	guint64 total = 0;
	build_mailboxes(j, b, &total);
	json_builder_set_member_name(j, "items");
	json_builder_add_int_value(j, (gint64)total);
	json_builder_set_member_name(j, "warnings");
	json_builder_begin_array(j);
	for (guint i = 0; i < b->warnings->len; i++)
		json_builder_add_string_value(j, b->warnings->pdata[i]);
	json_builder_end_array(j);
	json_builder_end_object(j);
	JsonNode *root = json_builder_get_root(j);
	char *text = mf_json_to_text(root);
	json_node_unref(root);
	g_object_unref(j);
	gboolean ok = write_file(b, "manifest.json", text, strlen(text), error);
	g_free(text);
	return ok;
}

gboolean mfi_ews_bundle_finish(mfi_ews_bundle *b, GError **error)
{
	if (!flush_all(b, error))
		return FALSE;
	for (guint i = 0; i < b->mailboxes->len; i++) {
		ews_mailbox *m = b->mailboxes->pdata[i];
		GPtrArray *item_requests = m->requests;
		m->requests = g_ptr_array_new_with_free_func(request_free);
		gboolean ok = write_folder_requests(b, m, error);
		for (guint k = 0; k < item_requests->len; k++)
			g_ptr_array_add(m->requests, g_steal_pointer(&item_requests->pdata[k]));
		g_ptr_array_set_free_func(item_requests, NULL);
		g_ptr_array_unref(item_requests);
		if (!ok)
			return FALSE;
	}
	return write_manifest(b, error);
}
