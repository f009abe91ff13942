/* Contacts (IPM.Contact) and distribution lists (IPM.DistList) -> vCard 3.0
 * (RFC 2426), property choice after [MS-OXVCARD] 2.1.3 and [MS-OXOCNTC] 2.2.
 * Distribution lists: see pst-items.h (X-ADDRESSBOOKSERVER-KIND:group).
 * Attached files (the photo, X-MAILFERRY-ATTACHMENT): pst-card-attach.c. */
#include "pst-items.h"
#include "../vcf/vcf.h"

#include <string.h>

enum {
	/* PSETID_Address */
	LID_FILE_UNDER = 0x8005,
	LID_HOME_ADDRESS = 0x801a,
	LID_WORK_ADDRESS = 0x801b,
	LID_OTHER_ADDRESS = 0x801c,
	LID_HTML = 0x802b,
	LID_WORK_STREET = 0x8045,
	LID_WORK_CITY = 0x8046,
	LID_WORK_STATE = 0x8047,
	LID_WORK_POSTAL = 0x8048,
	LID_WORK_COUNTRY = 0x8049,
	LID_WORK_POBOX = 0x804a,
	LID_DL_NAME = 0x8053,
	LID_DL_ONE_OFF_MEMBERS = 0x8054,
	LID_DL_MEMBERS = 0x8055,
	LID_IM_ADDRESS = 0x8062,
	LID_EMAIL1_ADDRESS = 0x8083, /* Email2 +0x10, Email3 +0x20 */
	LID_BIRTHDAY_LOCAL = 0x80de,
	/* tags */
	PR_BIRTHDAY = 0x3a42,
	PR_WEDDING_ANNIVERSARY = 0x3a41,
	PR_SEARCH_KEY = 0x300b,
	PR_LAST_MODIFICATION_TIME = 0x3008,
};

typedef struct {
	const mfi_pst_file *pf;
	libpff_item_t *item;
	mfi_pst_named *named;
	int cp;
	GString *out;
	GString *files;  /* X-MAILFERRY-ATTACHMENT lines, written last */
	GString *notes;  /* about attachments that could not be read, for NOTE */
	GPtrArray *tags; /* repair tags (static strings), also written as CATEGORIES */
} card_ctx;

static void line(card_ctx *c, const char *name, const char *raw_value)
{
	mfi_vcf_append_line(c->out, name, raw_value);
}

static void text_line(card_ctx *c, const char *name, const char *value)
{
	mfi_vcf_append_text(c->out, name, value);
}

static char *tag_str(card_ctx *c, guint32 tag)
{
	return mfi_pst_get_string(c->item, tag, c->cp);
}

static char *lid_str(card_ctx *c, guint32 lid)
{
	return mfi_pst_named_string(c->named, MFI_PSET_ADDRESS, lid, c->cp);
}

static void tag_line(card_ctx *c, const char *name, guint32 tag)
{
	char *v = tag_str(c, tag);
	text_line(c, name, v);
	g_free(v);
}

/* A structured value (N, ADR, ORG): components escaped, joined by ';'. */
static void structured(card_ctx *c, const char *name, char **parts, int n, gboolean always)
{
	gboolean any = FALSE;
	GString *v = g_string_new(NULL);
	for (int i = 0; i < n; i++) {
		char *e = mfi_vcf_escape_text(parts[i]);
		g_string_append_printf(v, "%s%s", i ? ";" : "", e);
		any |= *e != '\0';
		g_free(e);
	}
	if (any || always)
		line(c, name, v->str);
	g_string_free(v, TRUE);
	for (int i = 0; i < n; i++)
		g_free(parts[i]);
}

static char *display_name(card_ctx *c)
{
	static const guint32 tags[] = { MFI_PR_DISPLAY_NAME, MFI_PR_SUBJECT };
	char *fn = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(tags) && !(fn && *fn); i++) {
		g_free(fn);
		fn = tag_str(c, tags[i]);
	}
	if (!(fn && *fn)) {
		g_free(fn);
		fn = lid_str(c, LID_FILE_UNDER);
	}
	if (!(fn && *fn)) {
		g_free(fn);
		fn = lid_str(c, LID_EMAIL1_ADDRESS);
	}
	if (!(fn && *fn)) {
		g_free(fn);
		fn = g_strdup("(no name)");
	}
	return fn;
}

static void add_names(card_ctx *c)
{
	char *n[5] = { tag_str(c, 0x3a11), tag_str(c, 0x3a06), tag_str(c, 0x3a44),
		           tag_str(c, 0x3a45), tag_str(c, 0x3a05) };
	char *fn = display_name(c);
	if (!(n[0] && *n[0]) && !(n[1] && *n[1])) {
		g_free(n[0]);
		n[0] = g_strdup(fn); /* N is required: the display name as family name */
	}
	structured(c, "N", n, 5, TRUE);
	text_line(c, "FN", fn);
	g_free(fn);
	tag_line(c, "NICKNAME", 0x3a4f);
}

static void add_org(card_ctx *c)
{
	char *org[2] = { tag_str(c, 0x3a16), tag_str(c, 0x3a18) };
	gboolean dept = org[1] && *org[1];
	if (!dept)
		g_free(org[1]); /* "ORG:Company", not "ORG:Company;" */
	structured(c, "ORG", org, dept ? 2 : 1, FALSE);
	tag_line(c, "TITLE", 0x3a17);
	tag_line(c, "ROLE", 0x3a46);
}

static void add_emails(card_ctx *c)
{
	gboolean first = TRUE;
	for (guint32 i = 0; i < 3; i++) {
		char *addr = lid_str(c, LID_EMAIL1_ADDRESS + 0x10 * i);
		if (addr && strchr(addr, '@')) {
			text_line(c, first ? "EMAIL;TYPE=INTERNET,PREF" : "EMAIL;TYPE=INTERNET", addr);
			first = FALSE;
		}
		g_free(addr);
	}
}

static void add_phones(card_ctx *c)
{
	static const struct { guint32 tag; const char *name; } phones[] = {
		{ 0x3a1a, "TEL;TYPE=VOICE,PREF" },   { 0x3a08, "TEL;TYPE=WORK,VOICE" },
		{ 0x3a1b, "TEL;TYPE=WORK,VOICE" },   { 0x3a57, "TEL;TYPE=WORK,X-COMPANY" },
		{ 0x3a09, "TEL;TYPE=HOME,VOICE" },   { 0x3a2f, "TEL;TYPE=HOME,VOICE" },
		{ 0x3a1c, "TEL;TYPE=CELL,VOICE" },   { 0x3a1e, "TEL;TYPE=CAR,VOICE" },
		{ 0x3a24, "TEL;TYPE=WORK,FAX" },     { 0x3a25, "TEL;TYPE=HOME,FAX" },
		{ 0x3a23, "TEL;TYPE=FAX" },          { 0x3a21, "TEL;TYPE=PAGER" },
		{ 0x3a2d, "TEL;TYPE=ISDN" },         { 0x3a1f, "TEL;TYPE=VOICE,X-OTHER" },
		{ 0x3a2e, "TEL;TYPE=VOICE,X-ASSISTANT" }, { 0x3a02, "TEL;TYPE=VOICE,X-CALLBACK" },
		{ 0x3a1d, "TEL;TYPE=VOICE,X-RADIO" },  { 0x3a2c, "TEL;TYPE=X-TELEX" },
		{ 0x3a4b, "TEL;TYPE=X-TTYTDD" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(phones); i++)
		tag_line(c, phones[i].name, phones[i].tag);
}

/* ADR: post office box; extended; street; locality; region; postal code; country. */
static void add_address(card_ctx *c, const char *name, const guint32 tags[5], guint32 pobox)
{
	char *a[7] = { tag_str(c, pobox), g_strdup(""), tag_str(c, tags[0]), tag_str(c, tags[1]),
		           tag_str(c, tags[2]), tag_str(c, tags[3]), tag_str(c, tags[4]) };
	structured(c, name, a, 7, FALSE);
}

static void add_work_address(card_ctx *c)
{
	char *a[7] = { lid_str(c, LID_WORK_POBOX),  g_strdup(""),
		           lid_str(c, LID_WORK_STREET), lid_str(c, LID_WORK_CITY),
		           lid_str(c, LID_WORK_STATE),  lid_str(c, LID_WORK_POSTAL),
		           lid_str(c, LID_WORK_COUNTRY) };
	gboolean any = FALSE;
	for (int i = 0; i < 7; i++)
		any |= a[i] && *a[i];
	if (any) {
		structured(c, "ADR;TYPE=WORK", a, 7, FALSE);
		return;
	}
	for (int i = 0; i < 7; i++)
		g_free(a[i]);
	static const guint32 business[5] = { 0x3a29, 0x3a27, 0x3a28, 0x3a2a, 0x3a26 };
	add_address(c, "ADR;TYPE=WORK", business, 0x3a2b);
}

/* The whole address as Outlook shows it: PidLidHomeAddress/WorkAddress/OtherAddress. */
static void add_labels(card_ctx *c)
{
	static const struct { guint32 lid; const char *name; } labels[] = {
		{ LID_WORK_ADDRESS, "LABEL;TYPE=WORK" },
		{ LID_HOME_ADDRESS, "LABEL;TYPE=HOME" },
		{ LID_OTHER_ADDRESS, "LABEL;TYPE=POSTAL" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(labels); i++) {
		char *v = lid_str(c, labels[i].lid);
		text_line(c, labels[i].name, v ? g_strstrip(v) : NULL);
		g_free(v);
	}
}

static void add_addresses(card_ctx *c)
{
	static const guint32 home[5] = { 0x3a5d, 0x3a59, 0x3a5c, 0x3a5b, 0x3a5a };
	static const guint32 other[5] = { 0x3a63, 0x3a5f, 0x3a62, 0x3a61, 0x3a60 };
	add_work_address(c);
	add_address(c, "ADR;TYPE=HOME", home, 0x3a5e);
	add_address(c, "ADR;TYPE=POSTAL", other, 0x3a64);
	add_labels(c);
}

/* A date stored as the local midnight in UTC: the nearest day. */
static void date_line(card_ctx *c, const char *name, gint64 utc)
{
	struct icaltimetype d = mfi_pst_local_icaltime((utc + 43200) / 86400 * 86400, TRUE);
	char *v = g_strdup_printf("%04d-%02d-%02d", d.year, d.month, d.day);
	line(c, name, v);
	g_free(v);
}

static void add_dates_urls(card_ctx *c)
{
	gint64 t = 0;
	if (mfi_pst_named_time(c->named, MFI_PSET_ADDRESS, LID_BIRTHDAY_LOCAL, &t) == 1)
		date_line(c, "BDAY", t / 86400 * 86400);
	else if (mfi_pst_get_time(c->item, PR_BIRTHDAY, &t) == 1)
		date_line(c, "BDAY", t);
	if (mfi_pst_get_time(c->item, PR_WEDDING_ANNIVERSARY, &t) == 1)
		date_line(c, "X-ANNIVERSARY", t);
	char *url = lid_str(c, LID_HTML);
	if (!(url && *url)) {
		g_free(url);
		url = tag_str(c, 0x3a51);
	}
	text_line(c, "URL;TYPE=WORK", url);
	g_free(url);
	tag_line(c, "URL;TYPE=HOME", 0x3a50);
	char *im = lid_str(c, LID_IM_ADDRESS);
	text_line(c, "X-MS-IMADDRESS", im);
	g_free(im);
	tag_line(c, "X-MS-SPOUSE", 0x3a48);
	tag_line(c, "X-MS-MANAGER", 0x3a4e);
	tag_line(c, "X-MS-ASSISTANT", 0x3a30);
}

/* Outlook's categories, then the repair tags, so a person can find the card. */
static void add_categories(card_ctx *c)
{
	char **cats = mfi_pst_get_strings(c->item, "Keywords", 0, c->cp);
	GPtrArray *all = g_ptr_array_new();
	for (char **s = cats; s && *s; s++)
		g_ptr_array_add(all, *s);
	for (guint i = 0; i < c->tags->len; i++)
		if (!cats || !g_strv_contains((const char *const *)cats, c->tags->pdata[i]))
			g_ptr_array_add(all, c->tags->pdata[i]);
	g_ptr_array_add(all, NULL);
	mfi_vcf_append_list(c->out, "CATEGORIES", (const char *const *)all->pdata);
	g_ptr_array_unref(all);
	g_strfreev(cats);
}

static void add_uid_rev_notes(card_ctx *c)
{
	GBytes *b = NULL;
	uint32_t id = 0;
	libpff_item_get_identifier(c->item, &id, NULL);
	if (mfi_pst_get_binary(c->item, PR_SEARCH_KEY, &b) == 1) {
		char *hex = g_compute_checksum_for_bytes(G_CHECKSUM_SHA1, b);
		char *uid = g_strdup_printf("%s-%s@pst.mailferry", hex, c->pf->id_hash);
		text_line(c, "UID", uid);
		g_free(uid);
		g_free(hex);
		g_bytes_unref(b);
	} else {
		char *uid = g_strdup_printf("node-%u-%s@pst.mailferry", id, c->pf->id_hash);
		text_line(c, "UID", uid);
		g_free(uid);
	}
	gint64 t = 0;
	if (mfi_pst_get_time(c->item, PR_LAST_MODIFICATION_TIME, &t) == 1) {
		struct icaltimetype u = icaltime_from_timet_with_zone((time_t)t, 0, NULL);
		char *rev = g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day,
		                            u.hour, u.minute, u.second);
		line(c, "REV", rev);
		g_free(rev);
	}
	char *body = tag_str(c, MFI_PR_BODY);
	GString *note = g_string_new(body ? g_strstrip(body) : NULL);
	if (c->notes->len)
		g_string_append_printf(note, "%s%s", note->len ? "\n\n" : "", c->notes->str);
	text_line(c, "NOTE", note->str);
	g_string_free(note, TRUE);
	g_free(body);
	add_categories(c);
}

/* The photo goes here (contacts only), the other files to c->files. */
static void read_attachments(card_ctx *c, gboolean with_photo)
{
	GString *photo = with_photo ? g_string_new(NULL) : NULL;
	mfi_pst_card_attachments(c->pf, c->item, photo, c->files, c->notes, c->tags);
	if (photo) {
		g_string_append_len(c->out, photo->str, (gssize)photo->len);
		g_string_free(photo, TRUE);
	}
}

/* ---- items ---------------------------------------------------------------- */

static mf_item *card_item(const mfi_pst_file *pf, libpff_item_t *item, mf_kind kind,
                          const char *locator, void (*fill)(card_ctx *), GError **error)
{
	card_ctx c = { .pf = pf, .item = item };
	c.named = mfi_pst_named_load(item);
	if (!mfi_pst_named_readable(c.named)) {
		g_set_error(error, MF_ERROR, 0, "%s: %s: cannot read the %s's properties", pf->path,
		            locator, mf_kind_name(kind));
		mfi_pst_named_free(c.named);
		return NULL;
	}
	c.cp = mfi_pst_item_codepage(item, pf->ascii_codepage);
	c.out = g_string_new("BEGIN:VCARD\r\nVERSION:3.0\r\n");
	c.files = g_string_new(NULL);
	c.notes = g_string_new(NULL);
	c.tags = g_ptr_array_new();
	fill(&c);
	g_string_append_len(c.out, c.files->str, (gssize)c.files->len);
	g_string_append(c.out, "END:VCARD\r\n");
	mf_item *it = mfi_pst_item_new(pf, item, kind, locator, c.cp);
	it->vcard = g_string_free(c.out, FALSE);
	for (guint i = 0; i < c.tags->len; i++) {
		mf_item_add_repair_tag(it, c.tags->pdata[i]);
		mf_item_add_category(it, c.tags->pdata[i]);
	}
	g_ptr_array_unref(c.tags);
	g_string_free(c.notes, TRUE);
	g_string_free(c.files, TRUE);
	mfi_pst_named_free(c.named);
	return it;
}

static void fill_contact(card_ctx *c)
{
	add_names(c);
	add_org(c);
	add_emails(c);
	add_phones(c);
	add_addresses(c);
	add_dates_urls(c);
	read_attachments(c, TRUE);
	add_uid_rev_notes(c);
}

mf_item *mfi_pst_item_to_contact(const mfi_pst_file *pf, libpff_item_t *item,
                                 const char *locator, GError **error)
{
	return card_item(pf, item, MF_KIND_CONTACT, locator, fill_contact, error);
}

/* One-off EntryID ([MS-OXCDATA] 2.2.5.1): flags, provider UID, version, flags,
 * then display name, address type, address as NUL-terminated strings
 * (UTF-16LE when MAPI_UNICODE 0x8000 is set). */
static char *one_off_string(const guint8 **p, const guint8 *end, gboolean unicode)
{
	const guint8 *s = *p;
	if (unicode) {
		const guint8 *q = s;
		while (q + 1 < end && (q[0] || q[1]))
			q += 2;
		glong n = (glong)((q - s) / 2);
		gunichar2 *u = g_new(gunichar2, n + 1);
		for (glong i = 0; i < n; i++)
			u[i] = (gunichar2)(s[2 * i] | (s[2 * i + 1] << 8));
		char *out = g_utf16_to_utf8(u, n, NULL, NULL, NULL);
		g_free(u);
		*p = MIN(q + 2, end);
		return out ? out : g_strdup("");
	}
	const guint8 *q = memchr(s, 0, (gsize)(end - s));
	if (!q)
		q = end;
	char *out = mfi_pst_cp_to_utf8(s, (gsize)(q - s), 1252);
	*p = MIN(q + 1, end);
	return out;
}

gboolean mfi_pst_parse_one_off(const guint8 *d, gsize len, char **name_r, char **type_r,
                               char **addr_r)
{
	static const guint8 one_off_uid[16] = { 0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19,
		                                    0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02 };
	if (len < 24 || memcmp(d + 4, one_off_uid, 16) != 0)
		return FALSE;
	gboolean unicode = ((d[22] | (d[23] << 8)) & 0x8000) != 0;
	const guint8 *p = d + 24, *end = d + len;
	*name_r = one_off_string(&p, end, unicode);
	*type_r = one_off_string(&p, end, unicode);
	*addr_r = one_off_string(&p, end, unicode);
	return TRUE;
}

static void add_member(card_ctx *c, GBytes *entry)
{
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(entry, &len);
	char *name = NULL, *type = NULL, *addr = NULL;
	if (!mfi_pst_parse_one_off(d, len, &name, &type, &addr))
		return;
	if (*addr) {
		char *uri = strchr(addr, '@') ? g_strdup_printf("mailto:%s", addr) : g_strdup(addr);
		char *qname = g_strdelimit(g_strdup(name), "\"\r\n", '\'');
		char *prop = *qname ? g_strdup_printf("X-ADDRESSBOOKSERVER-MEMBER;X-CN=\"%s\"", qname)
		                    : g_strdup("X-ADDRESSBOOKSERVER-MEMBER");
		line(c, prop, uri);
		g_free(prop);
		g_free(qname);
		g_free(uri);
	}
	g_free(name);
	g_free(type);
	g_free(addr);
}

static void fill_distlist(card_ctx *c)
{
	char *name = lid_str(c, LID_DL_NAME);
	if (!(name && *name)) {
		g_free(name);
		name = display_name(c);
	}
	char *n[5] = { g_strdup(name), g_strdup(""), g_strdup(""), g_strdup(""), g_strdup("") };
	structured(c, "N", n, 5, TRUE);
	text_line(c, "FN", name);
	g_free(name);
	line(c, "X-ADDRESSBOOKSERVER-KIND", "group");
	GPtrArray *members = mfi_pst_named_binaries(c->named, MFI_PSET_ADDRESS, LID_DL_ONE_OFF_MEMBERS);
	for (guint i = 0; members && i < members->len; i++)
		add_member(c, members->pdata[i]);
	if (members)
		g_ptr_array_unref(members);
	read_attachments(c, FALSE);
	add_uid_rev_notes(c);
}

mf_item *mfi_pst_item_to_distlist(const mfi_pst_file *pf, libpff_item_t *item,
                                  const char *locator, GError **error)
{
	return card_item(pf, item, MF_KIND_DISTLIST, locator, fill_distlist, error);
}
