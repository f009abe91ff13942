/* Reads PST and OST files (ANSI, Unicode, OST 2013+ 4K pages) through libpff,
 * read-only, handing items on one at a time in walk order.
 *
 * Walk: depth first from the store's root folder, each folder's messages (in
 * its contents table order) before its sub-folders (in hierarchy table order).
 * The walk runs a few messages ahead (`window` jobs) so that a pool of worker
 * threads (pst-pool.c) can convert them meanwhile; the items still leave in
 * walk order. Only the open folders' libpff handles and the window's items
 * are held, so memory stays flat.
 *
 * Folder paths: the IPM subtree ("Top of Personal Folders", "Top of
 * Information Store"; PidTagIpmSubtreeEntryId of the message store) is the
 * root of the output, so its children are the top-level folders. Folders
 * outside it (search roots, free/busy data) keep their own names at the top.
 *
 * Damage: a message or folder libpff cannot read is an MF_NEXT_BROKEN with
 * locator "node <id>" and libpff's error text; attachments that cannot be read
 * leave a note in their message and are reported as BROKEN entries too. */
#include "pst.h"
#include "pst-crc.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pst-items.h" /* appointments, tasks, notes, contacts: iCalendar / vCard */

typedef struct frame {
	libpff_item_t *folder;  /* owned */
	char **segments;        /* owned: path of the items in this folder */
	int n_messages, next_message;
	int n_folders, next_folder;
} frame;

/* Below this size a PST converts on the reader's thread (unless --jobs says):
 * measured on the corpus, a second handle costs more than it saves there. */
#define POOL_MIN_FILE_SIZE (384u << 10)

typedef struct pending {
	char **folder;
	char *locator;
	char *reason;
} pending;

/* One message on its way out, in walk order: converted by a pool worker, by
 * the reader itself, or known broken from the start (done, no msg). */
typedef struct job {
	mfi_pst_job base;       /* first: the pool's part */
	guint32 id;             /* node id: workers look the message up by it */
	libpff_item_t *msg;     /* owned: the message on the reader's handle */
	char **segments;        /* owned: its folder */
	gboolean submitted;     /* to the pool */
	gboolean retry;         /* not converted yet: the reader converts it on its handle */
	mf_item *item;          /* the outcome */
	mf_next_result res;
	GError *error;
	GPtrArray *damaged;     /* char*: unreadable attachments, reported after the item */
} job;

struct mf_reader {
	mfi_pst_file pf;
	char *path;
	guint32 ipm_nid;        /* the IPM subtree folder's node id, 0 when unknown */
	GPtrArray *stack;       /* frame*, the open folders */
	GQueue pending;         /* pending*, damage to report before the next item */
	GQueue jobs;            /* job*, walked ahead of the items handed on */
	guint window;           /* jobs walked ahead: enough to keep the pool busy */
	mfi_pst_pool *pool;     /* worker threads, or NULL: convert on this thread */
	GPtrArray *ignored;
	guint64 total_items, done_items, file_size;
	gboolean recover;       /* --recover: orphan and deleted items after the tree */
	GPtrArray *lost;        /* mfi_pst_lost*, collected when the tree is done */
	GHashTable *seen;       /* --recover: node ids written, so none comes twice */
	guint next_lost;
};

int mfi_pst_probe(const char *path, gboolean is_dir, const guint8 *head, gsize head_len)
{
	(void)path;
	if (is_dir || head_len < 4)
		return MF_PROBE_NO;
	/* [MS-PST] 2.2.2.6: dwMagic "!BDN" */
	return memcmp(head, "!BDN", 4) == 0 ? MF_PROBE_SURE : MF_PROBE_NO;
}

static void frame_free(gpointer data)
{
	frame *f = data;
	libpff_item_free(&f->folder, NULL);
	g_strfreev(f->segments);
	g_free(f);
}

static void pending_free(pending *p)
{
	g_strfreev(p->folder);
	g_free(p->locator);
	g_free(p->reason);
	g_free(p);
}

static void job_free(job *j)
{
	if (j->msg)
		libpff_item_free(&j->msg, NULL);
	g_strfreev(j->segments);
	mf_item_free(j->item);
	g_clear_error(&j->error);
	if (j->damaged)
		g_ptr_array_unref(j->damaged);
	g_free(j);
}

static job *ready_job(mf_reader *r, char **segments, char *locator, char *reason);
static void convert_on_worker(const mfi_pst_file *pf, mfi_pst_job *base);

static void add_pending(mf_reader *r, char **folder, char *locator, char *reason)
{
	pending *p = g_new0(pending, 1);
	p->folder = g_strdupv(folder);
	p->locator = locator;
	p->reason = reason;
	g_queue_push_tail(&r->pending, p);
}

static guint32 item_id(libpff_item_t *item)
{
	uint32_t id = 0;
	libpff_error_t *err = NULL;
	if (libpff_item_get_identifier(item, &id, &err) != 1)
		libpff_error_free(&err);
	return id;
}

char *mfi_pst_folder_name(libpff_item_t *folder)
{
	libpff_error_t *err = NULL;
	size_t size = 0;
	char *name = NULL;
	if (libpff_folder_get_utf8_name_size(folder, &size, &err) == 1 && size > 0) {
		name = g_malloc0(size + 1);
		if (libpff_folder_get_utf8_name(folder, (uint8_t *)name, size, &err) != 1)
			g_clear_pointer(&name, g_free);
	}
	libpff_error_free(&err);
	if (name && !g_utf8_validate(name, -1, NULL)) {
		char *valid = g_utf8_make_valid(name, -1);
		g_free(name);
		name = valid;
	}
	if (!name || !*name) {
		g_free(name);
		name = g_strdup_printf("node %u", item_id(folder));
	}
	return name;
}

static void folder_damage(mf_reader *r, char **segments, libpff_item_t *folder,
                          const char *what, libpff_error_t **err)
{
	char *text = mfi_pst_error_text(err);
	guint32 id = item_id(folder);
	g_queue_push_tail(&r->jobs, ready_job(r, segments, g_strdup_printf("node %u", id),
	                                      g_strdup_printf("%s: folder node %u: %s unreadable: %s",
	                                                      r->path, id, what, text)));
	g_free(text);
}

/* Takes ownership of `folder` and `segments`. */
static void push_folder(mf_reader *r, libpff_item_t *folder, char **segments)
{
	frame *f = g_new0(frame, 1);
	f->folder = folder;
	f->segments = segments;
	libpff_error_t *err = NULL;
	if (libpff_folder_get_number_of_sub_messages(folder, &f->n_messages, &err) != 1) {
		f->n_messages = 0;
		folder_damage(r, segments, folder, "messages", &err);
	}
	if (libpff_folder_get_number_of_sub_folders(folder, &f->n_folders, &err) != 1) {
		f->n_folders = 0;
		folder_damage(r, segments, folder, "sub-folders", &err);
	}
	int n_assoc = 0;
	if (libpff_folder_get_number_of_sub_associated_contents(folder, &n_assoc, &err) == 1 &&
	    n_assoc > 0) {
		char *path = mf_folder_to_string((const char *const *)segments);
		g_ptr_array_add(r->ignored,
		                g_strdup_printf("folder \"%s\" (node %u): %d folder-associated "
		                                "(hidden configuration) items", path, item_id(folder),
		                                n_assoc));
		g_free(path);
	}
	libpff_error_free(&err);
	g_ptr_array_add(r->stack, f);
}

/* The segments of `child`, a sub-folder of `parent`. */
static char **child_segments(mf_reader *r, frame *parent, libpff_item_t *child)
{
	guint32 id = item_id(child);
	if (r->ipm_nid != 0 && id == r->ipm_nid)
		return g_new0(char *, 1);
	return mfi_pst_sub_folder(parent->segments, child);
}

char **mfi_pst_sub_folder(char **parent, libpff_item_t *folder)
{
	guint n = g_strv_length(parent);
	char **seg = g_new0(char *, n + 2);
	for (guint i = 0; i < n; i++)
		seg[i] = g_strdup(parent[i]);
	seg[n] = mfi_pst_folder_name(folder);
	return seg;
}

/* PidTagIpmSubtreeEntryId: a 24-byte entry id whose last 4 bytes are the NID. */
static guint32 find_ipm_subtree(libpff_file_t *file)
{
	libpff_item_t *store = NULL;
	libpff_error_t *err = NULL;
	guint32 nid = 0;
	if (libpff_file_get_message_store(file, &store, &err) == 1) {
		GBytes *b = NULL;
		if (mfi_pst_get_binary(store, MFI_PR_IPM_SUBTREE_ENTRYID, &b) == 1) {
			gsize len = 0;
			const guint8 *d = g_bytes_get_data(b, &len);
			if (len >= 24)
				nid = d[20] | (d[21] << 8) | (d[22] << 16) | ((guint32)d[23] << 24);
			g_bytes_unref(b);
		}
		libpff_item_free(&store, NULL);
	}
	libpff_error_free(&err);
	return nid;
}

static gboolean is_ipm_name(const char *name)
{
	static const char *const names[] = { "IPM_SUBTREE", "Top of Information Store",
		                             "Top of Personal Folders", "Top of Outlook data file" };
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(name, names[i]) == 0)
			return TRUE;
	return FALSE;
}

/* OST message stores have no PidTagIpmSubtreeEntryId: find the subtree by its
 * name within two levels of the root ("Root - Mailbox/IPM_SUBTREE"), skipping
 * the public folders ("Root - Public/IPM_SUBTREE"). */
static guint32 find_ipm_by_name(libpff_item_t *folder, int depth)
{
	libpff_error_t *err = NULL;
	int n = 0;
	guint32 nid = 0;
	if (libpff_folder_get_number_of_sub_folders(folder, &n, &err) != 1)
		n = 0;
	for (int i = 0; i < n && nid == 0; i++) {
		libpff_item_t *sub = NULL;
		if (libpff_folder_get_sub_folder(folder, i, &sub, &err) != 1)
			continue;
		char *name = mfi_pst_folder_name(sub);
		if (is_ipm_name(name))
			nid = item_id(sub);
		else if (depth == 0 && g_ascii_strcasecmp(name, "Root - Public") != 0)
			nid = find_ipm_by_name(sub, depth + 1);
		g_free(name);
		libpff_item_free(&sub, NULL);
	}
	libpff_error_free(&err);
	return nid;
}

/* A hash of the file's first 64 KiB and size names the store in generated ids. */
static void store_hash(const char *path, guint64 size, char out[17])
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	FILE *fp = fopen(path, "rb");
	if (fp) {
		guint8 buf[65536];
		size_t n = fread(buf, 1, sizeof buf, fp);
		g_checksum_update(sum, buf, n);
		fclose(fp);
	}
	g_checksum_update(sum, (const guint8 *)&size, sizeof size);
	g_strlcpy(out, g_checksum_get_string(sum), 17);
	g_checksum_free(sum);
}

/* Message count of the whole tree, for progress (--progress, or a terminal). */
static guint64 count_messages(libpff_item_t *folder, int depth)
{
	libpff_error_t *err = NULL;
	int n = 0, nf = 0;
	guint64 total = 0;
	if (libpff_folder_get_number_of_sub_messages(folder, &n, &err) == 1 && n > 0)
		total += (guint64)n;
	if (depth < 64 && libpff_folder_get_number_of_sub_folders(folder, &nf, &err) == 1) {
		for (int i = 0; i < nf; i++) {
			libpff_item_t *sub = NULL;
			if (libpff_folder_get_sub_folder(folder, i, &sub, &err) != 1)
				continue;
			total += count_messages(sub, depth + 1);
			libpff_item_free(&sub, NULL);
		}
	}
	libpff_error_free(&err);
	return total;
}

static gboolean open_file(mf_reader *r, GError **error)
{
	libpff_error_t *err = NULL;
	mfi_pst_crc_init(); /* before libpff's first block checksum */
	if (libpff_file_initialize(&r->pf.file, &err) != 1 ||
	    libpff_file_open(r->pf.file, r->path, LIBPFF_OPEN_READ, &err) != 1) {
		char *text = mfi_pst_error_text(&err);
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: cannot open as PST/OST: %s",
		            r->path, text);
		g_free(text);
		return FALSE;
	}
	int cp = 0;
	if (libpff_file_get_ascii_codepage(r->pf.file, &cp, &err) != 1 || cp <= 0)
		cp = 1252;
	libpff_error_free(&err);
	r->pf.ascii_codepage = cp;
	return TRUE;
}

/* Worker threads for the conversions: --jobs, else one per processor; none
 * for small files, where opening the file again costs more than it saves. */
static void start_pool(mf_reader *r, const mf_options *opts)
{
	guint workers = opts && opts->jobs ? opts->jobs : g_get_num_processors();
	if (workers < 2 || (!(opts && opts->jobs) && r->file_size < POOL_MIN_FILE_SIZE))
		return;
	workers = MIN(workers, 64u);
	r->pool = mfi_pst_pool_new(&r->pf, workers, convert_on_worker);
	/* Each worker has one item in hand and one queued: converted items wait
	 * for the writer in memory, so the window bounds memory, not the file. */
	if (r->pool)
		r->window = 2 * workers;
}

mf_reader *mfi_pst_open(const char *path, const mf_options *opts, GError **error)
{
	g_mime_init(); /* counted: safe when the program did it already */
	mf_reader *r = g_new0(mf_reader, 1);
	r->path = g_strdup(path);
	r->pf.path = r->path;
	r->stack = g_ptr_array_new_with_free_func(frame_free);
	r->ignored = g_ptr_array_new_with_free_func(g_free);
	r->recover = opts && opts->pst_recover;
	if (r->recover)
		r->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_queue_init(&r->pending);
	g_queue_init(&r->jobs);
	r->window = 1;
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "stat(%s) failed: %s", path,
		            g_strerror(errno));
		mfi_pst_close(r);
		return NULL;
	}
	r->file_size = (guint64)st.st_size;
	r->pf.st = st;
	if (!open_file(r, error)) {
		mfi_pst_close(r);
		return NULL;
	}
	store_hash(path, r->file_size, r->pf.id_hash);
	r->ipm_nid = find_ipm_subtree(r->pf.file);
	libpff_item_t *root = NULL;
	libpff_error_t *err = NULL;
	if (libpff_file_get_root_folder(r->pf.file, &root, &err) != 1) {
		char *text = mfi_pst_error_text(&err);
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: no root folder: %s", path, text);
		g_free(text);
		mfi_pst_close(r);
		return NULL;
	}
	if (r->ipm_nid == 0)
		r->ipm_nid = find_ipm_by_name(root, 0);
	if (opts && opts->progress) /* a second walk of the folder tree: only when shown */
		r->total_items = count_messages(root, 0);
	push_folder(r, root, g_new0(char *, 1));
	start_pool(r, opts);
	return r;
}

mf_kind mfi_pst_class_kind(const char *message_class)
{
	static const struct {
		const char *prefix;
		mf_kind kind;
	} classes[] = {
		{ "IPM.Appointment", MF_KIND_EVENT }, { "IPM.Task", MF_KIND_TASK },
		{ "IPM.StickyNote", MF_KIND_NOTE },   { "IPM.Activity", MF_KIND_NOTE },
		{ "IPM.Contact", MF_KIND_CONTACT },   { "IPM.DistList", MF_KIND_DISTLIST },
	};
	if (!message_class)
		return MF_KIND_MESSAGE;
	for (gsize i = 0; i < G_N_ELEMENTS(classes); i++) {
		gsize n = strlen(classes[i].prefix);
		/* "IPM.Task" and "IPM.Task.X", not "IPM.TaskRequest" */
		if (g_ascii_strncasecmp(message_class, classes[i].prefix, n) == 0 &&
		    (message_class[n] == '\0' || message_class[n] == '.'))
			return classes[i].kind;
	}
	return MF_KIND_MESSAGE;
}

/* Repair tags of a message (from its meeting data) are also IMAP keywords, so
 * a person finds the tagged messages in a mail client. */
static gboolean render_message(const mfi_pst_file *pf, libpff_item_t *msg, guint32 id,
                               mf_item *item, GPtrArray *damaged, GError **error)
{
	GPtrArray *tags = g_ptr_array_new();
	GBytes *mime = mfi_pst_message_to_mime(pf, msg, id, damaged, tags, error);
	for (guint i = 0; mime && i < tags->len; i++) {
		mf_item_add_repair_tag(item, tags->pdata[i]);
		mf_item_add_keyword(item, tags->pdata[i]);
	}
	g_ptr_array_unref(tags);
	if (!mime)
		return FALSE;
	mf_item_take_mime(item, mime);
	return TRUE;
}

/* The one place where the other item kinds plug in: appointments, tasks, notes,
 * contacts and distribution lists go to their iCalendar/vCard mappers
 * (pst-items.h). Returns the item to yield (`item` or its replacement), or
 * NULL with *error when the item cannot be converted (then `item` stays valid
 * for the quarantine entry). */
static mf_item *convert_item(const mfi_pst_file *pf, libpff_item_t *msg, guint32 id,
                             mf_item *item, GPtrArray *damaged, GError **error)
{
	if (item->kind != MF_KIND_MESSAGE) {
		mf_item *conv = mfi_pst_item_convert(pf, msg, item->kind, item->locator, error);
		if (!conv)
			return NULL;
		mf_item_set_folder(conv, (const char *const *)item->folder);
		mf_item_free(item);
		return conv;
	}
	return render_message(pf, msg, id, item, damaged, error) ? item : NULL;
}

static gint64 message_date(libpff_item_t *msg)
{
	static const guint32 tags[] = { MFI_PR_MESSAGE_DELIVERY_TIME, MFI_PR_CLIENT_SUBMIT_TIME,
		                        MFI_PR_CREATION_TIME };
	gint64 t = 0;
	for (gsize i = 0; i < G_N_ELEMENTS(tags); i++)
		if (mfi_pst_get_time(msg, tags[i], &t) == 1 && t > 0)
			return t;
	return 0;
}

/* A job whose item is known without converting anything (a folder or message
 * libpff could not give): `reason` becomes the BROKEN entry's error. */
static job *ready_job(mf_reader *r, char **segments, char *locator, char *reason)
{
	job *j = g_new0(job, 1);
	j->base.done = TRUE;
	j->segments = g_strdupv(segments);
	j->item = mf_item_new(MF_KIND_MESSAGE, r->path, locator);
	mf_item_set_folder(j->item, (const char *const *)segments);
	j->res = MF_NEXT_BROKEN;
	g_set_error_literal(&j->error, MF_ERROR, MF_ERROR_ITEM, reason);
	g_free(locator);
	g_free(reason);
	return j;
}

/* Turns one message of any class into j's item; takes `msg`. Touches nothing
 * but `pf` (read-only) and the job, so pool workers run it in parallel. */
static void convert_message(const mfi_pst_file *pf, libpff_item_t *msg, job *j)
{
	char *locator = g_strdup_printf("node %u", j->id);
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, pf->path, locator);
	mf_item_set_folder(item, (const char *const *)j->segments);
	int cp = mfi_pst_item_codepage(msg, pf->ascii_codepage);
	char *cls = mfi_pst_get_string(msg, MFI_PR_MESSAGE_CLASS, cp);
	item->kind = mfi_pst_class_kind(cls);
	g_free(cls);
	item->flags = mfi_pst_message_flags(msg);
	item->internal_date = message_date(msg);
	mfi_pst_add_categories(item, msg, cp);
	GPtrArray *damaged = g_ptr_array_new_with_free_func(g_free);
	j->res = MF_NEXT_ITEM;
	mf_item *out = convert_item(pf, msg, j->id, item, damaged, &j->error);
	if (out)
		item = out;
	else
		j->res = MF_NEXT_BROKEN;
	j->damaged = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < damaged->len; i++) {
		mf_item_add_repair_tag(item, "PST_AttachmentUnreadable");
		g_ptr_array_add(j->damaged, g_strdup_printf("%s: %s: %s", pf->path, locator,
		                                            (char *)damaged->pdata[i]));
	}
	g_ptr_array_unref(damaged);
	g_free(locator);
	libpff_item_free(&msg, NULL);
	j->item = item;
}

/* Pool work: the same message, looked up again on the worker's own handle. */
static void convert_on_worker(const mfi_pst_file *pf, mfi_pst_job *base)
{
	job *j = (job *)base;
	libpff_item_t *msg = NULL;
	libpff_error_t *err = NULL;
	if (libpff_file_get_item_by_identifier(pf->file, j->id, &msg, &err) == 1)
		convert_message(pf, msg, j);
	else
		j->retry = TRUE; /* the reader converts it on its own handle */
	libpff_error_free(&err);
}

/* Hands the job's outcome on: its item now, its damage notes before the next. */
static mf_next_result finish_job(mf_reader *r, job *j, mf_item **item_r, GError **error)
{
	if (j->submitted) {
		mfi_pst_pool_wait(r->pool, &j->base);
		j->retry = j->retry || j->base.failed;
	} else if (!j->base.done) {
		j->retry = TRUE;
	}
	if (j->retry)
		convert_message(&r->pf, g_steal_pointer(&j->msg), j);
	if (r->seen && j->id)
		g_hash_table_add(r->seen, GUINT_TO_POINTER(j->id));
	for (guint i = 0; j->damaged && i < j->damaged->len; i++)
		add_pending(r, j->segments, g_strdup_printf("node %u", j->id),
		            g_strdup(j->damaged->pdata[i]));
	*item_r = g_steal_pointer(&j->item);
	if (j->error)
		g_propagate_error(error, g_steal_pointer(&j->error));
	mf_next_result res = j->res;
	job_free(j);
	return res;
}

/* Queues the folder's message `index`: converted by the pool when there is
 * one, else by finish_job on the reader's handle. */
static void queue_message(mf_reader *r, frame *f, int index)
{
	libpff_item_t *msg = NULL;
	libpff_error_t *err = NULL;
	r->done_items++;
	if (libpff_folder_get_sub_message(f->folder, index, &msg, &err) != 1) {
		char *text = mfi_pst_error_text(&err);
		char *locator = g_strdup_printf("folder node %u message %d", item_id(f->folder), index);
		g_queue_push_tail(&r->jobs,
		                  ready_job(r, f->segments, locator,
		                            g_strdup_printf("%s: %s: %s", r->path, locator, text)));
		g_free(text);
		return;
	}
	job *j = g_new0(job, 1);
	j->id = item_id(msg);
	j->msg = msg;
	j->segments = g_strdupv(f->segments);
	g_queue_push_tail(&r->jobs, j);
	if (r->pool && j->id) {
		j->submitted = TRUE;
		mfi_pst_pool_submit(r->pool, &j->base);
	}
}

/* --recover, after the folder tree: the next orphan or recovered item, tagged
 * with its origin as category, keyword and repair tag. */
static mf_next_result read_lost(mf_reader *r, mf_item **item_r, GError **error)
{
	if (!r->lost)
		r->lost = mfi_pst_lost_items(&r->pf, r->ignored);
	mfi_pst_lost *l = NULL;
	while (!l && r->next_lost < r->lost->len) {
		l = r->lost->pdata[r->next_lost++];
		guint32 id = item_id(l->item);
		if (l->listed && id && g_hash_table_contains(r->seen, GUINT_TO_POINTER(id))) {
			/* a recovered folder listing a live item, or an item listed twice */
			g_ptr_array_add(r->ignored, g_strdup_printf("%s node %u: written already",
			                                            l->category, id));
			l = NULL;
		}
	}
	if (!l)
		return MF_NEXT_END;
	job *j = g_new0(job, 1);
	j->msg = g_steal_pointer(&l->item);
	j->id = item_id(j->msg);
	j->segments = g_strdupv(l->folder);
	mf_next_result res = finish_job(r, j, item_r, error);
	if (*item_r) {
		mf_item_add_category(*item_r, l->category);
		mf_item_add_keyword(*item_r, l->category);
		mf_item_add_repair_tag(*item_r, l->category);
	}
	return res;
}

static void enter_folder(mf_reader *r, frame *f, int index)
{
	libpff_item_t *sub = NULL;
	libpff_error_t *err = NULL;
	if (libpff_folder_get_sub_folder(f->folder, index, &sub, &err) != 1) {
		char *text = mfi_pst_error_text(&err);
		char *locator = g_strdup_printf("folder node %u sub-folder %d", item_id(f->folder),
		                                index);
		g_queue_push_tail(&r->jobs, ready_job(r, f->segments, locator,
		                                      g_strdup_printf("%s: %s: unreadable folder: %s",
		                                                      r->path, locator, text)));
		g_free(text);
		return;
	}
	push_folder(r, sub, child_segments(r, f, sub));
}

/* Walks the folder tree until `window` jobs are queued or the tree is done. */
static void walk_ahead(mf_reader *r)
{
	while (g_queue_get_length(&r->jobs) < r->window && r->stack->len > 0) {
		frame *f = r->stack->pdata[r->stack->len - 1];
		if (f->next_message < f->n_messages)
			queue_message(r, f, f->next_message++);
		else if (f->next_folder < f->n_folders)
			enter_folder(r, f, f->next_folder++);
		else
			g_ptr_array_remove_index(r->stack, r->stack->len - 1);
	}
}

static mf_next_result pop_pending(mf_reader *r, mf_item **item_r, GError **error)
{
	pending *p = g_queue_pop_head(&r->pending);
	mf_item *item = mf_item_new(MF_KIND_MESSAGE, r->path, p->locator);
	mf_item_set_folder(item, (const char *const *)p->folder);
	g_set_error_literal(error, MF_ERROR, MF_ERROR_ITEM, p->reason);
	pending_free(p);
	*item_r = item;
	return MF_NEXT_BROKEN;
}

mf_next_result mfi_pst_next(mf_reader *r, mf_item **item_r, GError **error)
{
	*item_r = NULL;
	if (!g_queue_is_empty(&r->pending))
		return pop_pending(r, item_r, error);
	walk_ahead(r);
	job *j = g_queue_pop_head(&r->jobs);
	if (!j)
		return r->recover ? read_lost(r, item_r, error) : MF_NEXT_END;
	return finish_job(r, j, item_r, error);
}

void mfi_pst_progress(mf_reader *r, guint64 *done_r, guint64 *total_r)
{
	/* libpff hides file offsets: scale the item count to the file size. */
	*total_r = r->file_size;
	*done_r = r->total_items ? r->file_size * MIN(r->done_items, r->total_items) /
	                               r->total_items
	                         : 0;
}

const GPtrArray *mfi_pst_ignored(mf_reader *r)
{
	return r->ignored;
}

void mfi_pst_close(mf_reader *r)
{
	if (!r)
		return;
	mfi_pst_pool_free(r->pool); /* its queued jobs run before it ends */
	g_queue_clear_full(&r->jobs, (GDestroyNotify)job_free);
	g_ptr_array_unref(r->stack); /* folders and items before the file */
	if (r->lost)
		g_ptr_array_unref(r->lost);
	if (r->seen)
		g_hash_table_destroy(r->seen);
	g_queue_clear_full(&r->pending, (GDestroyNotify)pending_free);
	g_ptr_array_unref(r->ignored);
	if (r->pf.file) {
		libpff_file_close(r->pf.file, NULL);
		libpff_file_free(&r->pf.file, NULL);
	}
	mfi_pst_nameid_forget(); /* its list is gone with the file */
	g_free(r->path);
	g_free(r);
}
