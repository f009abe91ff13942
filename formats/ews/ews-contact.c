/* Contacts and distribution lists (vCard 3.0 text) as typed t:Contact /
 * t:DistributionList items; EWS does not import vCard as MimeContent (ews.md
 * §1.3). ContactItemType order (ews.md §3.6): FileAs, DisplayName, GivenName,
 * MiddleName, Nickname, CompanyName, EmailAddresses, PhysicalAddresses,
 * PhoneNumbers, Birthday, BusinessHomePage, Department, JobTitle, Surname.
 * What has no typed element (more than one number of a kind, extra
 * addresses, name prefix and suffix, PO box, every other vCard property such
 * as ROLE or X-MS-SPOUSE) goes to the body, so nothing is lost; an inline
 * PHOTO is uploaded as the contact photo and files attached to contacts and
 * lists (X-MAILFERRY-ATTACHMENT) as files (ews-attach.c); either by URI is
 * kept as a link in the body. The vCard line parser is the vcf driver's. */
#include "ews.h"
#include "../vcf/vcf.h"

#include <string.h>

typedef struct {
	GPtrArray *props; /* mfi_vcf_prop* */
} card;

static char *unescape(const char *v)
{
	GString *s = g_string_new(NULL);
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			g_string_append_c(s, (*p == 'n' || *p == 'N') ? '\n' : *p);
		} else {
			g_string_append_c(s, *p);
		}
	}
	return g_string_free(s, FALSE);
}

/* Splits a structured value on unescaped ';', each part unescaped. */
static char **split_value(const char *v, int min)
{
	GPtrArray *parts = g_ptr_array_new();
	GString *cur = g_string_new(NULL);
	for (const char *p = v ? v : ""; ; p++) {
		if (*p == '\\' && p[1]) {
			g_string_append_c(cur, *p++);
			g_string_append_c(cur, *p);
		} else if (*p == ';' || !*p) {
			g_ptr_array_add(parts, unescape(cur->str));
			g_string_truncate(cur, 0);
			if (!*p)
				break;
		} else {
			g_string_append_c(cur, *p);
		}
	}
	g_string_free(cur, TRUE);
	while ((int)parts->len < min)
		g_ptr_array_add(parts, g_strdup(""));
	g_ptr_array_add(parts, NULL);
	return (char **)g_ptr_array_free(parts, FALSE);
}

static gboolean has_type(const mfi_vcf_prop *p, const char *type)
{
	for (guint i = 0; i < p->params->len; i++) {
		const char *param = p->params->pdata[i];
		const char *eq = strchr(param, '=');
		const char *list = eq ? eq + 1 : param;
		if (eq && g_ascii_strncasecmp(param, "TYPE=", 5) != 0)
			continue;
		char **types = g_strsplit(list, ",", -1);
		gboolean found = FALSE;
		for (char **t = types; *t && !found; t++)
			found = g_ascii_strcasecmp(g_strstrip(*t), type) == 0 ||
			        (g_str_has_prefix(*t, "\"") && g_ascii_strncasecmp(*t + 1, type, strlen(type)) == 0);
		g_strfreev(types);
		if (found)
			return TRUE;
	}
	return FALSE;
}

static const mfi_vcf_prop *first(const card *c, const char *name)
{
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

static char *value_of(const card *c, const char *name)
{
	const mfi_vcf_prop *p = first(c, name);
	return p ? unescape(p->value) : NULL;
}

static const char *phone_key(const mfi_vcf_prop *p)
{
	gboolean work = has_type(p, "WORK"), home = has_type(p, "HOME");
	if (has_type(p, "FAX"))
		return home ? "HomeFax" : work ? "BusinessFax" : "OtherFax";
	if (has_type(p, "CELL"))
		return "MobilePhone";
	if (has_type(p, "PAGER"))
		return "Pager";
	if (has_type(p, "CAR"))
		return "CarPhone";
	return home ? "HomePhone" : work ? "BusinessPhone" : "OtherTelephone";
}

/* One entry per key; later ones of the same key go to `extra`. */
static void write_phones(xmlTextWriterPtr w, const card *c, GString *extra)
{
	GHashTable *used = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean open = FALSE;
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		if (strcmp(p->name, "TEL") != 0 || !*p->value)
			continue;
		const char *key = phone_key(p);
		char *v = unescape(p->value);
		if (g_hash_table_contains(used, key)) {
			g_string_append_printf(extra, "%sPhone: %s", extra->len ? "\n" : "", v);
		} else {
			g_hash_table_add(used, (gpointer)key);
			if (!open)
				xmlTextWriterStartElement(w, BAD_CAST "t:PhoneNumbers");
			open = TRUE;
			xmlTextWriterStartElement(w, BAD_CAST "t:Entry");
			xmlTextWriterWriteAttribute(w, BAD_CAST "Key", BAD_CAST key);
			char *clean = mfi_ews_clean(v);
			xmlTextWriterWriteString(w, BAD_CAST clean);
			g_free(clean);
			xmlTextWriterEndElement(w);
		}
		g_free(v);
	}
	if (open)
		xmlTextWriterEndElement(w);
	g_hash_table_destroy(used);
}

static void write_emails(xmlTextWriterPtr w, const card *c, GString *extra)
{
	int n = 0;
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		if (strcmp(p->name, "EMAIL") != 0 || !*p->value)
			continue;
		char *v = unescape(p->value);
		if (++n > 3) {
			g_string_append_printf(extra, "%sE-mail: %s", extra->len ? "\n" : "", v);
		} else {
			if (n == 1)
				xmlTextWriterStartElement(w, BAD_CAST "t:EmailAddresses");
			xmlTextWriterStartElement(w, BAD_CAST "t:Entry");
			char key[16];
			g_snprintf(key, sizeof key, "EmailAddress%d", n);
			xmlTextWriterWriteAttribute(w, BAD_CAST "Key", BAD_CAST key);
			char *clean = mfi_ews_clean(v);
			xmlTextWriterWriteString(w, BAD_CAST clean);
			g_free(clean);
			xmlTextWriterEndElement(w);
		}
		g_free(v);
	}
	if (n > 0)
		xmlTextWriterEndElement(w);
}

static void write_addresses(xmlTextWriterPtr w, const card *c, GString *extra)
{
	gboolean used[3] = { FALSE, FALSE, FALSE };
	static const char *const keys[] = { "Home", "Business", "Other" };
	gboolean open = FALSE;
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		if (strcmp(p->name, "ADR") != 0)
			continue;
		int k = has_type(p, "HOME") ? 0 : has_type(p, "WORK") ? 1 : 2;
		char **f = split_value(p->value, 7); /* pobox;ext;street;city;region;code;country */
		if (used[k]) {
			char *joined = g_strjoinv(", ", f);
			g_string_append_printf(extra, "%sAddress: %s", extra->len ? "\n" : "", joined);
			g_free(joined);
		} else {
			used[k] = TRUE;
			if (!open)
				xmlTextWriterStartElement(w, BAD_CAST "t:PhysicalAddresses");
			open = TRUE;
			xmlTextWriterStartElement(w, BAD_CAST "t:Entry");
			xmlTextWriterWriteAttribute(w, BAD_CAST "Key", BAD_CAST keys[k]);
			char *street = *f[1] ? g_strdup_printf("%s %s", f[2], f[1]) : g_strdup(f[2]);
			mfi_ews_text(w, "t:Street", g_strstrip(street));
			mfi_ews_text(w, "t:City", f[3]);
			mfi_ews_text(w, "t:State", f[4]);
			mfi_ews_text(w, "t:CountryOrRegion", f[6]);
			mfi_ews_text(w, "t:PostalCode", f[5]);
			xmlTextWriterEndElement(w);
			g_free(street);
		}
		g_strfreev(f);
	}
	if (open)
		xmlTextWriterEndElement(w);
}

static void write_categories(xmlTextWriterPtr w, const card *c, const mf_item *item)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const mfi_vcf_prop *p = first(c, "CATEGORIES");
	char **parts = p ? g_strsplit(p->value, ",", -1) : NULL;
	for (char **s = parts; s && *s; s++) {
		char *u = unescape(*s);
		mfi_ews_add_unique(names, g_strstrip(u));
		g_free(u);
	}
	g_strfreev(parts);
	for (guint i = 0; item->categories && i < item->categories->len; i++)
		mfi_ews_add_unique(names, item->categories->pdata[i]);
	mfi_ews_categories(w, names);
	g_ptr_array_unref(names);
}

/* BDAY 1980-05-17 / 19800517 as xs:dateTime, or NULL. */
static char *birthday(const card *c)
{
	char *v = value_of(c, "BDAY");
	int y, m, d;
	char *out = NULL;
	if (v && (sscanf(v, "%4d-%2d-%2d", &y, &m, &d) == 3 || sscanf(v, "%4d%2d%2d", &y, &m, &d) == 3) &&
	    g_date_valid_dmy(d, m, y))
		out = g_strdup_printf("%04d-%02d-%02dT00:00:00Z", y, m, d);
	g_free(v);
	return out;
}

/* Properties with a typed element, or metadata EWS has no place for. */
static gboolean mapped(const mfi_vcf_prop *p, gboolean first_url)
{
	static const char *const names[] = { "BEGIN", "END", "VERSION", "PRODID", "UID", "REV",
		"N", "FN", "NOTE", "ORG", "NICKNAME", "EMAIL", "ADR", "LABEL", "TEL", "BDAY",
		"TITLE", "CATEGORIES", "PHOTO", "KIND", "X-ADDRESSBOOKSERVER-KIND",
		MFI_VCF_ATTACHMENT, NULL };
	if (strcmp(p->name, "URL") == 0)
		return first_url;
	for (const char *const *n = names; *n; n++)
		if (strcmp(p->name, *n) == 0)
			return TRUE;
	return FALSE;
}

static const char *field_label(const char *name)
{
	static const char *const labels[][2] = { { "ROLE", "Role" }, { "URL", "Web page" },
		{ "X-MS-SPOUSE", "Spouse" }, { "X-ANNIVERSARY", "Anniversary" },
		{ "X-MS-ASSISTANT", "Assistant" }, { "X-MS-MANAGER", "Manager" },
		{ "X-MS-IMADDRESS", "IM" }, { "IMPP", "IM" } };
	for (gsize i = 0; i < G_N_ELEMENTS(labels); i++)
		if (strcmp(name, labels[i][0]) == 0)
			return labels[i][1];
	return name;
}

/* Body lines for what no typed element holds: N prefix/suffix, ADR PO box,
 * ORG units after the department, and the properties mapped() rejects. */
static void other_fields(const card *c, const char *const *n, GString *out)
{
	if (*n[3])
		g_string_append_printf(out, "%sName prefix: %s", out->len ? "\n" : "", n[3]);
	if (*n[4])
		g_string_append_printf(out, "%sName suffix: %s", out->len ? "\n" : "", n[4]);
	gboolean first_url = TRUE;
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		char **f = strcmp(p->name, "ADR") == 0 || strcmp(p->name, "ORG") == 0
		           ? split_value(p->value, 7) : NULL;
		if (f && strcmp(p->name, "ADR") == 0 && *f[0])
			g_string_append_printf(out, "%sPO box: %s", out->len ? "\n" : "", f[0]);
		for (int k = 2; f && strcmp(p->name, "ORG") == 0 && f[k]; k++)
			if (*f[k])
				g_string_append_printf(out, "%sOrganization unit: %s", out->len ? "\n" : "", f[k]);
		g_strfreev(f);
		gboolean url = strcmp(p->name, "URL") == 0;
		if (!mapped(p, url && first_url) && *p->value) {
			char *v = unescape(p->value);
			g_string_append_printf(out, "%s%s: %s", out->len ? "\n" : "", field_label(p->name), v);
			g_free(v);
		}
		first_url = first_url && !url;
	}
}

static void write_contact_body(xmlTextWriterPtr w, const card *c, const mf_item *item)
{
	char **n = split_value(first(c, "N") ? first(c, "N")->value : "", 5);
	char *fn = value_of(c, "FN");
	char *note = value_of(c, "NOTE");
	char **org = split_value(first(c, "ORG") ? first(c, "ORG")->value : "", 2);
	GString *extra = g_string_new(note);
	GString *rest = g_string_new(NULL); /* extras found while writing, added to the body */

	/* The body comes before the typed fields: collect extras first. */
	mfi_ews_doc tail;
	mfi_ews_doc_begin(&tail, TRUE);
	if (*n[0] && *n[1])
		mfi_ews_textf(tail.w, "t:FileAs", "%s, %s", n[0], n[1]);
	mfi_ews_text(tail.w, "t:DisplayName", fn);
	mfi_ews_text(tail.w, "t:GivenName", n[1]);
	mfi_ews_text(tail.w, "t:MiddleName", n[2]);
	char *nick = value_of(c, "NICKNAME");
	mfi_ews_text(tail.w, "t:Nickname", nick);
	mfi_ews_text(tail.w, "t:CompanyName", org[0]);
	write_emails(tail.w, c, rest);
	write_addresses(tail.w, c, rest);
	write_phones(tail.w, c, rest);
	char *bday = birthday(c);
	mfi_ews_text(tail.w, "t:Birthday", bday);
	char *url = value_of(c, "URL");
	mfi_ews_text(tail.w, "t:BusinessHomePage", url);
	mfi_ews_text(tail.w, "t:Department", org[1]);
	char *title = value_of(c, "TITLE");
	mfi_ews_text(tail.w, "t:JobTitle", title);
	mfi_ews_text(tail.w, "t:Surname", n[0]);
	char *fields = mfi_ews_doc_end(&tail, NULL);
	other_fields(c, (const char *const *)n, rest);
	mfi_ews_attach_links(rest, item, NULL); /* PHOTO and files by URI */

	if (rest->len)
		g_string_append_printf(extra, "%s%s", extra->len ? "\n\n" : "", rest->str);
	mfi_ews_text(w, "t:Subject", fn);
	mfi_ews_body(w, extra->str);
	write_categories(w, c, item);
	xmlTextWriterWriteRaw(w, BAD_CAST fields);
	g_free(fields);
	g_free(nick);
	g_free(bday);
	g_free(url);
	g_free(title);
	g_free(fn);
	g_free(note);
	g_strfreev(n);
	g_strfreev(org);
	g_string_free(extra, TRUE);
	g_string_free(rest, TRUE);
}

static gboolean is_member(const mfi_vcf_prop *p)
{
	return strcmp(p->name, "MEMBER") == 0 || strcmp(p->name, "X-ADDRESSBOOKSERVER-MEMBER") == 0 ||
	       strcmp(p->name, "EMAIL") == 0;
}

static const char *member_address(const mfi_vcf_prop *p)
{
	const char *v = p->value;
	const char *addr = g_ascii_strncasecmp(v, "mailto:", 7) == 0 ? v + 7 : v;
	return strchr(addr, '@') ? addr : NULL;
}

/* NOTE, plus the members that are not addresses (urn:uuid: references) and
 * the files by URI. */
static char *distlist_body(const card *c, const mf_item *item)
{
	char *note = value_of(c, "NOTE");
	GString *s = g_string_new(note);
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		if (is_member(p) && *p->value && !member_address(p))
			g_string_append_printf(s, "%sMember (not an address): %s", s->len ? "\n" : "",
			                       p->value);
	}
	mfi_ews_attach_links(s, item, NULL);
	g_free(note);
	return g_string_free(s, FALSE);
}

/* Members of a group card: vCard 4 MEMBER / Apple X-ADDRESSBOOKSERVER-MEMBER
 * values that are mailto: addresses. */
static void write_distlist(xmlTextWriterPtr w, const card *c, const mf_item *item)
{
	char *fn = value_of(c, "FN");
	mfi_ews_text(w, "t:Subject", fn);
	char *body = distlist_body(c, item);
	mfi_ews_body(w, body);
	write_categories(w, c, item);
	mfi_ews_text(w, "t:DisplayName", fn);
	gboolean open = FALSE;
	for (guint i = 0; i < c->props->len; i++) {
		const mfi_vcf_prop *p = c->props->pdata[i];
		const char *addr = is_member(p) ? member_address(p) : NULL;
		if (!addr)
			continue;
		if (!open)
			xmlTextWriterStartElement(w, BAD_CAST "t:Members");
		open = TRUE;
		xmlTextWriterStartElement(w, BAD_CAST "t:Member");
		xmlTextWriterStartElement(w, BAD_CAST "t:Mailbox");
		mfi_ews_text(w, "t:EmailAddress", addr);
		mfi_ews_text(w, "t:RoutingType", "SMTP");
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	if (open)
		xmlTextWriterEndElement(w);
	g_free(fn);
	g_free(body);
}

gboolean mfi_ews_write_contact(xmlTextWriterPtr w, const mf_item *item, GError **error)
{
	if (!item->vcard) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: %s: contact without vCard text",
		            item->source, item->locator);
		return FALSE;
	}
	card c = { g_ptr_array_new_with_free_func((GDestroyNotify)mfi_vcf_prop_free) };
	char *v3 = mfi_vcf_card_to_v3(item->vcard); /* 2.1 encodings and charsets decoded */
	GPtrArray *lines = mfi_vcf_unfold(v3 ? v3 : item->vcard);
	g_free(v3);
	for (guint i = 0; i < lines->len; i++) {
		mfi_vcf_prop *p = mfi_vcf_prop_parse(lines->pdata[i]);
		if (p)
			g_ptr_array_add(c.props, p);
	}
	g_ptr_array_unref(lines);
	gboolean list = item->kind == MF_KIND_DISTLIST;
	xmlTextWriterStartElement(w, BAD_CAST (list ? "t:DistributionList" : "t:Contact"));
	if (list)
		write_distlist(w, &c, item);
	else
		write_contact_body(w, &c, item);
	xmlTextWriterEndElement(w);
	g_ptr_array_unref(c.props);
	return TRUE;
}
