/* AddrBook.mrk (formats.md D.7) -> vCard 3.0 (RFC 2426).
 *
 * AddrBook.mrk is XML (WorldClient's address book; it opens in Excel), but no
 * source shows its element names [U]. This decoder therefore assumes the shape
 * of Calendar.mrk -- a root element whose child elements are the items, each
 * with an ID attribute -- and reads every field of an item by the name of
 * MDaemon's own contact structure, MD_ContactItem (FirstName, LastName,
 * EmailAddress, BusPhone, HomeCity, IsGroup, GroupItems, vCardUid ...), as a
 * child element or as an attribute, ignoring case. Whatever is not mapped
 * below is written as X-MDAEMON-<NAME> (its text, or its XML when it has
 * elements inside), so an AddrBook.mrk whose names differ loses nothing: the
 * card then has FN and the X- lines until the mapping is corrected.
 *
 * Groups (IsGroup=1, or an item named Group/ContactGroup/DistList) become
 * MF_KIND_DISTLIST cards in the PST reader's style (pst-items.h):
 * X-ADDRESSBOOKSERVER-KIND:group and one X-ADDRESSBOOKSERVER-MEMBER;X-CN=..:
 * mailto:.. per member (MD_ContactGroupItem: Email, FullName, Guid), members
 * being <GroupItem> elements directly in the item or inside <GroupItems>. */
#include "mdaemon-gw.h"
#include "../vcf/vcf.h"

#include <string.h>

typedef struct {
	mfi_mdgw_file *f;
	xmlNode *n;
	GHashTable *used; /* field names consumed (upper-cased) */
	GString *out;
} card_ctx;

/* A field as child element or attribute; stripped; NULL when empty. */
static char *field(card_ctx *c, const char *name)
{
	char *v = mfi_mdgw_child_text(c->n, name);
	if (!v) {
		v = mfi_mdgw_attr(c->n, name);
		if (v && !*g_strstrip(v)) {
			g_free(v);
			v = NULL;
		}
	}
	g_hash_table_add(c->used, g_ascii_strup(name, -1));
	return v;
}

static void line(card_ctx *c, const char *name, const char *raw_value)
{
	mfi_vcf_append_line(c->out, name, raw_value);
}

static void text_line(card_ctx *c, const char *name, const char *value)
{
	mfi_vcf_append_text(c->out, name, value);
}

static void field_line(card_ctx *c, const char *vcard_name, const char *field_name)
{
	char *v = field(c, field_name);
	text_line(c, vcard_name, v);
	g_free(v);
}

/* N, ADR, ORG: fields escaped and joined by ';'; nothing when all are empty. */
static void structured(card_ctx *c, const char *name, const char *const *fields, int n,
                       gboolean always)
{
	GString *v = g_string_new(NULL);
	gboolean any = FALSE;
	for (int i = 0; i < n; i++) {
		char *raw = fields[i] ? field(c, fields[i]) : NULL;
		char *e = mfi_vcf_escape_text(raw);
		g_string_append_printf(v, "%s%s", i ? ";" : "", e);
		any |= *e != '\0';
		g_free(e);
		g_free(raw);
	}
	if (any || always)
		line(c, name, v->str);
	g_string_free(v, TRUE);
}

static char *display_name(card_ctx *c)
{
	static const char *const names[] = { "FullName", "FileAs", NULL, "EmailAddress",
		                                 "AccountName" };
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		char *v = names[i] ? field(c, names[i]) : NULL;
		if (!names[i]) { /* "First Last" */
			char *first = field(c, "FirstName"), *last = field(c, "LastName");
			if (first || last)
				v = g_strjoin(" ", first ? first : last, first ? last : NULL, NULL);
			g_free(first), g_free(last);
		}
		if (v)
			return v;
	}
	return g_strdup("(no name)");
}

static void add_names(card_ctx *c, gboolean group)
{
	static const char *const n[5] = { "LastName", "FirstName", "MiddleName", "Title", "Suffix" };
	char *fn = display_name(c);
	char *last = field(c, "LastName"), *first = field(c, "FirstName");
	if (group || (!last && !first)) {
		char *e = mfi_vcf_escape_text(fn);
		char *v = g_strconcat(e, ";;;;", NULL);
		line(c, "N", v); /* N is required: the display name as family name */
		g_free(v), g_free(e);
	} else {
		structured(c, "N", n, 5, TRUE);
	}
	g_free(last), g_free(first);
	text_line(c, "FN", fn);
	g_free(fn);
	field_line(c, "NICKNAME", "NickName");
}

static void add_work(card_ctx *c)
{
	static const char *const org[2] = { "BusCompany", "BusDepartment" };
	char *dept = field(c, "BusDepartment");
	structured(c, "ORG", org, dept ? 2 : 1, FALSE);
	g_free(dept);
	field_line(c, "TITLE", "BusTitle");
	field_line(c, "X-MS-MANAGER", "BusManager");
	field_line(c, "X-MS-ASSISTANT", "BusAssistant");
	field_line(c, "X-MS-SPOUSE", "Spouse");
}

static void add_emails_phones(card_ctx *c)
{
	static const struct { const char *field, *name; } map[] = {
		{ "EmailAddress", "EMAIL;TYPE=INTERNET,PREF" },
		{ "EmailAddress2", "EMAIL;TYPE=INTERNET" },
		{ "EmailAddress3", "EMAIL;TYPE=INTERNET" },
		{ "BusPhone", "TEL;TYPE=WORK,VOICE" },       { "BusPhone2", "TEL;TYPE=WORK,VOICE" },
		{ "BusMainPhone", "TEL;TYPE=WORK,X-COMPANY" }, { "BusFax", "TEL;TYPE=WORK,FAX" },
		{ "BusPager", "TEL;TYPE=PAGER" },            { "BusIPPhone", "TEL;TYPE=WORK,X-IP" },
		{ "BusRadio", "TEL;TYPE=VOICE,X-RADIO" },
		{ "BusAssistantPhone", "TEL;TYPE=VOICE,X-ASSISTANT" },
		{ "CarPhoneNumber", "TEL;TYPE=CAR,VOICE" },  { "HomePhone", "TEL;TYPE=HOME,VOICE" },
		{ "HomePhone2", "TEL;TYPE=HOME,VOICE" },     { "HomeFax", "TEL;TYPE=HOME,FAX" },
		{ "HomeMobile", "TEL;TYPE=CELL,VOICE" },     { "Mobile2", "TEL;TYPE=CELL,VOICE" },
		{ "OtherPhone", "TEL;TYPE=VOICE,X-OTHER" },  { "IMAddress", "X-MS-IMADDRESS" },
		{ "IMAddress2", "X-MS-IMADDRESS" },          { "IMAddress3", "X-MS-IMADDRESS" },
		{ "BusWebAddress", "URL;TYPE=WORK" },        { "HomeWebAddress", "URL;TYPE=HOME" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
		field_line(c, map[i].name, map[i].field);
}

/* ADR: post office box; extended; street; locality; region; postal code; country. */
static void add_addresses(card_ctx *c)
{
	static const char *const kinds[3][2] = { { "Bus", "ADR;TYPE=WORK" },
		                                     { "Home", "ADR;TYPE=HOME" },
		                                     { "Other", "ADR;TYPE=POSTAL" } };
	for (int k = 0; k < 3; k++) {
		char *names[5];
		const char *const parts[] = { "Address", "City", "State", "ZipCode", "Country" };
		for (int i = 0; i < 5; i++)
			names[i] = g_strconcat(kinds[k][0], parts[i], NULL);
		const char *const adr[7] = { NULL, NULL, names[0], names[1], names[2], names[3], names[4] };
		structured(c, kinds[k][1], adr, 7, FALSE);
		for (int i = 0; i < 5; i++)
			g_free(names[i]);
	}
}

/* A date field -> BDAY-style YYYY-MM-DD, else kept as X-MDAEMON-<NAME>. */
static void date_line(card_ctx *c, const char *name, const char *field_name)
{
	char *v = field(c, field_name);
	struct icaltimetype t;
	if (v && mfi_mdgw_time(v, &t)) {
		char *d = g_strdup_printf("%04d-%02d-%02d", t.year, t.month, t.day);
		line(c, name, d);
		g_free(d);
	} else if (v) {
		char *x = mfi_mdgw_xname(field_name);
		text_line(c, x, v);
		g_free(x);
	}
	g_free(v);
}

static void add_misc(card_ctx *c, const char *locator)
{
	date_line(c, "BDAY", "Birthday");
	date_line(c, "X-ANNIVERSARY", "Anniversary");
	char *uid = field(c, "vCardUid");
	if (!uid)
		uid = field(c, "Guid");
	if (!uid)
		uid = mfi_mdgw_fallback_uid(c->f, locator);
	text_line(c, "UID", uid);
	g_free(uid);
	char *mod = field(c, "ModifiedTime");
	struct icaltimetype t;
	if (mod && mfi_mdgw_time(mod, &t)) { /* zone unknown [U]: taken as UTC */
		char *rev = g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day,
		                            t.hour, t.minute, t.second);
		line(c, "REV", rev);
		g_free(rev);
	} else if (mod) {
		text_line(c, "X-MDAEMON-MODIFIEDTIME", mod);
	}
	g_free(mod);
	field_line(c, "NOTE", "Comment");
}

static void add_categories(card_ctx *c)
{
	char *list = field(c, "Categories");
	char **parts = g_strsplit_set(list ? list : "", ",;", -1);
	for (char **p = parts; *p; p++)
		g_strstrip(*p);
	mfi_vcf_append_list(c->out, "CATEGORIES", (const char *const *)parts);
	g_strfreev(parts);
	g_free(list);
}

/* ---- groups ---------------------------------------------------------------- */

static char *member_field(xmlNode *m, const char *name)
{
	char *v = mfi_mdgw_child_text(m, name);
	if (!v)
		v = mfi_mdgw_attr(m, name);
	if (v && !*g_strstrip(v)) {
		g_free(v);
		v = NULL;
	}
	return v;
}

static void add_member(card_ctx *c, xmlNode *m)
{
	char *email = member_field(m, "Email"), *name = member_field(m, "FullName");
	char *guid = member_field(m, "Guid");
	GString *prop = g_string_new("X-ADDRESSBOOKSERVER-MEMBER");
	if (name) {
		char *q = g_strdelimit(g_strdup(name), "\"\r\n", '\'');
		g_string_append_printf(prop, ";X-CN=\"%s\"", q);
		g_free(q);
	}
	if (guid && !strpbrk(guid, "\";:,\r\n"))
		g_string_append_printf(prop, ";X-MDAEMON-GUID=%s", guid);
	if (email) {
		char *uri = g_strconcat("mailto:", email, NULL);
		line(c, prop->str, uri);
		g_free(uri);
	} else {
		char *xml = mfi_mdgw_node_xml(m);
		text_line(c, "X-MDAEMON-GROUPITEM", xml);
		g_free(xml);
	}
	g_string_free(prop, TRUE);
	g_free(email), g_free(name), g_free(guid);
}

static void add_members(card_ctx *c)
{
	g_hash_table_add(c->used, g_strdup("GROUPITEMS"));
	g_hash_table_add(c->used, g_strdup("GROUPITEM"));
	g_hash_table_add(c->used, g_strdup("GROUPITEMCOUNT"));
	xmlNode *holder = mfi_mdgw_child(c->n, "GroupItems");
	for (int pass = 0; pass < 2; pass++) {
		xmlNode *parent = pass == 0 ? c->n : holder;
		for (xmlNode *m = parent ? parent->children : NULL; m; m = m->next)
			if (mfi_mdgw_is(m, "GroupItem"))
				add_member(c, m);
	}
}

/* ---- unknown fields and the item ------------------------------------------- */

static void keep_field(card_ctx *c, const char *name, char *value)
{
	char *up = g_ascii_strup(name, -1);
	if (!g_hash_table_contains(c->used, up) && value && *value) {
		char *x = mfi_mdgw_xname(name);
		text_line(c, x, value);
		g_free(x);
	}
	g_free(up);
	g_free(value);
}

static void add_unknown(card_ctx *c)
{
	g_hash_table_add(c->used, g_strdup("ID"));
	g_hash_table_add(c->used, g_strdup("ISGROUP"));
	for (xmlAttr *a = c->n->properties; a; a = a->next)
		keep_field(c, (const char *)a->name, mfi_mdgw_attr(c->n, (const char *)a->name));
	for (xmlNode *k = c->n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		keep_field(c, (const char *)k->name, mfi_mdgw_node_value(k));
	}
}

static gboolean is_group(xmlNode *n)
{
	char *v = mfi_mdgw_child_text(n, "IsGroup");
	if (!v)
		v = mfi_mdgw_attr(n, "IsGroup");
	gboolean yes = v && (g_ascii_strcasecmp(g_strstrip(v), "1") == 0 ||
	                     g_ascii_strcasecmp(v, "true") == 0);
	g_free(v);
	return yes || mfi_mdgw_is(n, "Group") || mfi_mdgw_is(n, "ContactGroup") ||
	       mfi_mdgw_is(n, "DistList");
}

static void decode_card(mfi_mdgw_file *f, xmlNode *n, guint position)
{
	gboolean group = is_group(n);
	card_ctx c = { .f = f, .n = n, .out = g_string_new("BEGIN:VCARD\r\nVERSION:3.0\r\n") };
	c.used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *locator = mfi_mdgw_locator(f, n, position);
	add_names(&c, group);
	if (group) {
		line(&c, "X-ADDRESSBOOKSERVER-KIND", "group");
		add_members(&c);
	}
	add_work(&c);
	add_emails_phones(&c);
	add_addresses(&c);
	add_misc(&c, locator);
	add_categories(&c);
	add_unknown(&c);
	char *xml_error = mfi_mdgw_node_error(f, n);
	if (xml_error) { /* what libxml2 could not read is in the source lines */
		char *raw = mfi_mdgw_node_source(f, n);
		text_line(&c, "X-MDAEMON-DAMAGED-XML", raw);
		g_free(raw);
	}
	g_string_append(c.out, "END:VCARD\r\n");
	mf_item *item = mf_item_new(group ? MF_KIND_DISTLIST : MF_KIND_CONTACT, f->path, locator);
	item->vcard = g_string_free(c.out, FALSE);
	mfi_mdgw_add(f, item, xml_error ? g_strdup_printf("damaged XML (%s)", xml_error) : NULL);
	g_free(xml_error);
	g_free(locator);
	g_hash_table_destroy(c.used);
}

void mfi_mdgw_contacts(mfi_mdgw_file *f, xmlNode *root)
{
	guint position = 0;
	for (xmlNode *n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			decode_card(f, n, ++position);
}
