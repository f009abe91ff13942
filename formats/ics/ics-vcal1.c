/* vCalendar 1.0 (.vcs, the Versit/IMC format Palm, Nokia, old Outlook and
 * Lotus wrote) upgraded line by line to iCalendar 2.0 text before libical
 * parses it:
 *
 *   VERSION:1.0                      -> VERSION:2.0
 *   ENCODING=QUOTED-PRINTABLE, CHARSET=x (or the bare QUOTED-PRINTABLE form)
 *                                    -> decoded, converted to UTF-8, escaped
 *   RRULE:W1 MO TU #10 (1.0 grammar) -> RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU;COUNT=10
 *   AALARM/DALARM/PALARM/MALARM      -> a VALARM (AUDIO/DISPLAY, absolute TRIGGER)
 *   ATTENDEE;ROLE=;STATUS=;RSVP=YES:Name <a@b> -> ATTENDEE;CN=Name;PARTSTAT=..:mailto:a@b
 *   (ROLE=OWNER or ORGANIZER          -> ORGANIZER)
 *   DCREATED -> CREATED; CATEGORIES a;b -> a,b; STATUS:NEEDS ACTION -> NEEDS-ACTION;
 *   TRANSP:0/1 -> OPAQUE/TRANSPARENT; TZ, DAYLIGHT, GEO (1.0 forms) -> X-VCAL-…
 *
 * Times keep their value: 1.0 local times stay floating (TZ is kept as
 * X-VCAL-TZ so nothing is lost). A line this file does not understand is
 * passed through unchanged: libical then notes what it cannot parse and the
 * repair transforms take over. */
#include "ics.h"

#include <string.h>

/* The parts of one content line: NAME;PARAMS:VALUE (params kept raw, split). */
typedef struct vline {
	char *name;      /* upper case */
	GPtrArray *params; /* char* "KEY=VALUE" or bare "VALUE" */
	char *value;
} vline;

static void vline_free(vline *v)
{
	g_free(v->name);
	g_ptr_array_unref(v->params);
	g_free(v->value);
}

/* Splits at the first ':' outside double quotes; params at ';' outside quotes. */
static gboolean vline_parse(const char *line, vline *v)
{
	gboolean quoted = FALSE;
	const char *colon = NULL;
	for (const char *p = line; *p && !colon; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ':' && !quoted)
			colon = p;
	}
	if (!colon)
		return FALSE;
	char *head = g_strndup(line, (gsize)(colon - line));
	v->params = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	quoted = FALSE;
	v->name = NULL;
	for (const char *p = head;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ';' && !quoted) || !*p) {
			if (!v->name)
				v->name = g_ascii_strup(cur->str, -1);
			else if (cur->len)
				g_ptr_array_add(v->params, g_strdup(cur->str));
			g_string_truncate(cur, 0);
			if (!*p)
				break;
			continue;
		}
		g_string_append_c(cur, *p);
	}
	g_string_free(cur, TRUE);
	g_free(head);
	v->value = g_strdup(colon + 1);
	return TRUE;
}

/* The value of param KEY (case-insensitive), or for a bare param equal to
 * `bare`, that; NULL when absent. */
static const char *vline_param(const vline *v, const char *key)
{
	gsize n = strlen(key);
	for (guint i = 0; i < v->params->len; i++) {
		const char *p = v->params->pdata[i];
		if (g_ascii_strncasecmp(p, key, n) == 0 && p[n] == '=')
			return p + n + 1;
	}
	return NULL;
}

static gboolean vline_has_bare(const vline *v, const char *bare)
{
	for (guint i = 0; i < v->params->len; i++)
		if (g_ascii_strcasecmp(v->params->pdata[i], bare) == 0)
			return TRUE;
	return FALSE;
}

static void vline_drop_param(vline *v, const char *key)
{
	gsize n = strlen(key);
	for (guint i = 0; i < v->params->len;) {
		const char *p = v->params->pdata[i];
		if ((g_ascii_strncasecmp(p, key, n) == 0 && (p[n] == '=' || !p[n])))
			g_ptr_array_remove_index(v->params, i);
		else
			i++;
	}
}

static char *vline_to_string(const vline *v)
{
	GString *s = g_string_new(v->name);
	for (guint i = 0; i < v->params->len; i++)
		g_string_append_printf(s, ";%s", (char *)v->params->pdata[i]);
	g_string_append_printf(s, ":%s", v->value);
	return g_string_free(s, FALSE);
}

static char *qp_decode(const char *in, gsize *len_r)
{
	GString *out = g_string_new(NULL);
	for (const char *p = in; *p; p++) {
		if (*p == '=' && g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
			g_string_append_c(out, (char)(g_ascii_xdigit_value(p[1]) * 16 +
			                              g_ascii_xdigit_value(p[2])));
			p += 2;
		} else if (*p == '=' && (p[1] == '\r' || p[1] == '\n' || !p[1])) {
			while (p[1] == '\r' || p[1] == '\n')
				p++;
		} else {
			g_string_append_c(out, *p);
		}
	}
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

/* Bytes in `charset` (NULL: UTF-8 if valid, else Windows-1252) to UTF-8. */
static char *to_utf8(const char *bytes, gsize len, const char *charset)
{
	if ((!charset || g_ascii_strcasecmp(charset, "UTF-8") == 0) &&
	    g_utf8_validate(bytes, (gssize)len, NULL))
		return g_strndup(bytes, len);
	char *out = g_convert(bytes, (gssize)len, "UTF-8", charset ? charset : "WINDOWS-1252",
	                      NULL, NULL, NULL);
	if (!out)
		out = g_convert(bytes, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	return out ? out : g_utf8_make_valid(bytes, (gssize)len);
}

/* Escapes decoded text for an iCalendar TEXT value. */
static char *escape_text(const char *s)
{
	GString *out = g_string_new(NULL);
	for (const char *p = s; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r')
			g_string_append(out, "\\n");
		else if (*p == '\\' || *p == ';' || *p == ',')
			g_string_append_printf(out, "\\%c", *p);
		else
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

static void decode_value(vline *v)
{
	const char *enc = vline_param(v, "ENCODING");
	gboolean qp = (enc && g_ascii_strcasecmp(enc, "QUOTED-PRINTABLE") == 0) ||
	              vline_has_bare(v, "QUOTED-PRINTABLE");
	const char *charset = vline_param(v, "CHARSET");
	if (!qp && !charset)
		return;
	gsize len = strlen(v->value);
	char *bytes = qp ? qp_decode(v->value, &len) : g_strndup(v->value, len);
	char *text = to_utf8(bytes, len, charset);
	g_free(v->value);
	v->value = escape_text(text);
	g_free(text);
	g_free(bytes);
	vline_drop_param(v, "ENCODING");
	vline_drop_param(v, "QUOTED-PRINTABLE");
	vline_drop_param(v, "CHARSET");
}

/* RRULE, vCalendar 1.0 grammar (vCal 1.0 section 3.9.7 / appendix). NULL when
 * the rule is not understood (it is then kept as is). */
static gboolean is_weekday(const char *t)
{
	static const char *const days[] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA", NULL };
	for (const char *const *d = days; *d; d++)
		if (g_ascii_strcasecmp(t, *d) == 0)
			return TRUE;
	return FALSE;
}

static gboolean is_number(const char *t)
{
	return *t && strspn(t, "0123456789") == strlen(t);
}

static gboolean rrule_end(const char *tok, GString *out)
{
	if (tok[0] == '#' && is_number(tok + 1)) {
		if (strcmp(tok + 1, "0") != 0)
			g_string_append_printf(out, ";COUNT=%s", tok + 1);
		return TRUE;
	}
	if (strlen(tok) >= 8 && g_ascii_isdigit(tok[0]) && strchr(tok, 'T')) {
		g_string_append_printf(out, ";UNTIL=%s", tok);
		return TRUE;
	}
	return FALSE;
}

static char *rrule_upgrade(const char *rule)
{
	char **tok = g_strsplit_set(rule, " \t", -1);
	const char *head = tok[0] ? tok[0] : "";
	const char *freq = NULL, *by = NULL;
	gsize prefix = 0;
	if (g_ascii_strncasecmp(head, "MP", 2) == 0)
		freq = "MONTHLY", by = "BYDAY", prefix = 2;
	else if (g_ascii_strncasecmp(head, "MD", 2) == 0)
		freq = "MONTHLY", by = "BYMONTHDAY", prefix = 2;
	else if (g_ascii_strncasecmp(head, "YM", 2) == 0)
		freq = "YEARLY", by = "BYMONTH", prefix = 2;
	else if (g_ascii_strncasecmp(head, "YD", 2) == 0)
		freq = "YEARLY", by = "BYYEARDAY", prefix = 2;
	else if (g_ascii_toupper(head[0]) == 'W')
		freq = "WEEKLY", by = "BYDAY", prefix = 1;
	else if (g_ascii_toupper(head[0]) == 'D')
		freq = "DAILY", prefix = 1;
	if (!freq || !is_number(head + prefix)) {
		g_strfreev(tok);
		return NULL;
	}
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "FREQ=%s;INTERVAL=%s", freq, head + prefix);
	GString *list = g_string_new(NULL);
	GString *end = g_string_new(NULL);
	char pending_pos[8] = "";
	gboolean ok = TRUE;
	for (char **t = tok + 1; *t && ok; t++) {
		if (!**t)
			continue;
		if (rrule_end(*t, end))
			continue;
		char *item = NULL;
		gsize n = strlen(*t);
		if (is_weekday(*t) && by && strcmp(by, "BYDAY") == 0) {
			item = g_strdup_printf("%s%s", pending_pos, *t);
		} else if (strcmp(freq, "MONTHLY") == 0 && strcmp(by, "BYDAY") == 0 && n >= 2 &&
		           ((*t)[n - 1] == '+' || (*t)[n - 1] == '-')) {
			g_snprintf(pending_pos, sizeof pending_pos, "%s%.*s",
			           (*t)[n - 1] == '-' ? "-" : "", (int)(n - 1), *t);
			continue;
		} else if (g_ascii_strcasecmp(*t, "LD") == 0 && g_strcmp0(by, "BYMONTHDAY") == 0) {
			item = g_strdup("-1");
		} else if (by && strcmp(by, "BYDAY") != 0) {
			gboolean neg = n >= 2 && (*t)[n - 1] == '-';
			gboolean pos = n >= 2 && (*t)[n - 1] == '+';
			char *num = g_strndup(*t, neg || pos ? n - 1 : n);
			if (is_number(num))
				item = g_strdup_printf("%s%s", neg ? "-" : "", num);
			g_free(num);
		}
		if (!item) {
			ok = FALSE;
			break;
		}
		g_string_append_printf(list, "%s%s", list->len ? "," : "", item);
		g_free(item);
	}
	if (ok && list->len)
		g_string_append_printf(out, ";%s=%s", by, list->str);
	if (ok)
		g_string_append(out, end->len ? end->str : ";COUNT=2"); /* 1.0 default: #2 */
	g_string_free(list, TRUE);
	g_string_free(end, TRUE);
	g_strfreev(tok);
	return ok ? g_string_free(out, FALSE) : (g_string_free(out, TRUE), NULL);
}

static const char *partstat_for(const char *status)
{
	static const char *const map[][2] = {
		{ "ACCEPTED", "ACCEPTED" }, { "CONFIRMED", "ACCEPTED" }, { "DECLINED", "DECLINED" },
		{ "TENTATIVE", "TENTATIVE" }, { "DELEGATED", "DELEGATED" },
		{ "COMPLETED", "COMPLETED" }, { "NEEDS ACTION", "NEEDS-ACTION" },
		{ "SENT", "NEEDS-ACTION" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
		if (g_ascii_strcasecmp(status, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* "Name <a@b>" / "a@b" / "mailto:a@b" -> CN param (may be NULL) and URI. */
static char *address_uri(const char *value, char **cn_r)
{
	*cn_r = NULL;
	const char *lt = strchr(value, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	char *addr;
	if (lt && gt) {
		char *name = g_strstrip(g_strndup(value, (gsize)(lt - value)));
		if (*name)
			*cn_r = name;
		else
			g_free(name);
		addr = g_strndup(lt + 1, (gsize)(gt - lt - 1));
	} else {
		addr = g_strdup(value);
	}
	g_strstrip(addr);
	char *uri = strchr(addr, ':') ? g_strdup(addr) : g_strconcat("mailto:", addr, NULL);
	g_free(addr);
	return uri;
}

static void upgrade_attendee(vline *v)
{
	const char *role = vline_param(v, "ROLE");
	const char *status = vline_param(v, "STATUS");
	const char *rsvp = vline_param(v, "RSVP");
	const char *expect = vline_param(v, "EXPECT");
	gboolean organizer = role && (g_ascii_strcasecmp(role, "OWNER") == 0 ||
	                              g_ascii_strcasecmp(role, "ORGANIZER") == 0);
	const char *new_role = NULL;
	if (expect && g_ascii_strcasecmp(expect, "FYI") == 0)
		new_role = "NON-PARTICIPANT";
	else if (expect && g_ascii_strcasecmp(expect, "REQUEST") == 0)
		new_role = "OPT-PARTICIPANT";
	else if (!organizer)
		new_role = "REQ-PARTICIPANT";
	const char *partstat = status ? partstat_for(status) : NULL;
	char *p_role = new_role ? g_strdup_printf("ROLE=%s", new_role) : NULL;
	char *p_stat = partstat ? g_strdup_printf("PARTSTAT=%s", partstat) : NULL;
	char *p_rsvp = rsvp ? g_strdup_printf("RSVP=%s", g_ascii_strcasecmp(rsvp, "YES") == 0
	                                                   ? "TRUE" : "FALSE") : NULL;
	vline_drop_param(v, "ROLE");
	vline_drop_param(v, "STATUS");
	vline_drop_param(v, "RSVP");
	vline_drop_param(v, "EXPECT");
	vline_drop_param(v, "TYPE");
	char *cn = NULL;
	char *uri = address_uri(v->value, &cn);
	if (cn && !vline_param(v, "CN")) {
		gboolean quote = strpbrk(cn, ";:,") != NULL;
		g_ptr_array_add(v->params, g_strdup_printf(quote ? "CN=\"%s\"" : "CN=%s", cn));
	}
	if (organizer) {
		g_free(v->name);
		v->name = g_strdup("ORGANIZER");
	}
	char *extra[] = { p_role, p_stat, organizer ? NULL : p_rsvp };
	for (int i = 0; i < 3; i++)
		if (extra[i])
			g_ptr_array_add(v->params, g_strdup(extra[i]));
	g_free(v->value);
	v->value = uri;
	g_free(cn);
	g_free(p_role);
	g_free(p_stat);
	g_free(p_rsvp);
}

/* AALARM:19960415T235000;PT5M;2;file -> a VALARM. */
static void alarm_lines(const vline *v, GPtrArray *out)
{
	gboolean audio = strcmp(v->name, "AALARM") == 0;
	char **fields = g_strsplit(v->value, ";", -1);
	const char *when = fields[0] ? g_strstrip(fields[0]) : "";
	g_ptr_array_add(out, g_strdup("BEGIN:VALARM"));
	g_ptr_array_add(out, g_strdup_printf("ACTION:%s", audio ? "AUDIO" : "DISPLAY"));
	if (*when)
		g_ptr_array_add(out, g_strdup_printf("TRIGGER;VALUE=DATE-TIME:%s", when));
	else
		g_ptr_array_add(out, g_strdup("TRIGGER:-PT15M"));
	if (!audio) {
		const char *text = fields[0] && fields[1] && fields[2] && fields[3] ? fields[3] : "";
		g_ptr_array_add(out, g_strdup_printf("DESCRIPTION:%s", *text ? text : "Reminder"));
	}
	g_ptr_array_add(out, g_strdup_printf("X-VCAL-%s:%s", v->name, v->value));
	g_ptr_array_add(out, g_strdup("END:VALARM"));
	g_strfreev(fields);
}

static void rename_to(vline *v, const char *name)
{
	g_free(v->name);
	v->name = g_strdup(name);
}

void mfi_vcal1_upgrade_line(const char *line, GPtrArray *out)
{
	vline v;
	if (!vline_parse(line, &v)) {
		g_ptr_array_add(out, g_strdup(line));
		return;
	}
	decode_value(&v);
	const char *n = v.name;
	if (strcmp(n, "VERSION") == 0 && g_strcmp0(g_strstrip(v.value), "1.0") == 0) {
		g_free(v.value);
		v.value = g_strdup("2.0");
	} else if (strcmp(n, "RRULE") == 0 || strcmp(n, "EXRULE") == 0) {
		char *rule = rrule_upgrade(g_strstrip(v.value));
		if (rule) {
			g_free(v.value);
			v.value = rule;
		}
	} else if (strcmp(n, "AALARM") == 0 || strcmp(n, "DALARM") == 0 ||
	           strcmp(n, "PALARM") == 0 || strcmp(n, "MALARM") == 0) {
		alarm_lines(&v, out);
		vline_free(&v);
		return;
	} else if (strcmp(n, "ATTENDEE") == 0) {
		upgrade_attendee(&v);
	} else if (strcmp(n, "DCREATED") == 0) {
		rename_to(&v, "CREATED");
	} else if (strcmp(n, "CATEGORIES") == 0 || strcmp(n, "RESOURCES") == 0) {
		g_strdelimit(v.value, ";", ',');
	} else if (strcmp(n, "STATUS") == 0 && g_ascii_strcasecmp(v.value, "NEEDS ACTION") == 0) {
		g_free(v.value);
		v.value = g_strdup("NEEDS-ACTION");
	} else if (strcmp(n, "TRANSP") == 0 && is_number(v.value)) {
		char *t = g_strdup(strcmp(v.value, "0") == 0 ? "OPAQUE" : "TRANSPARENT");
		g_free(v.value);
		v.value = t;
	} else if (strcmp(n, "TZ") == 0 || strcmp(n, "DAYLIGHT") == 0 ||
	           (strcmp(n, "GEO") == 0 && strchr(v.value, ','))) {
		char *x = g_strconcat("X-VCAL-", n, NULL);
		rename_to(&v, x);
		g_free(x);
	}
	g_ptr_array_add(out, vline_to_string(&v));
	vline_free(&v);
}

/* One logical line from a vCalendar 1.0 file: folded lines joined (RFC 822
 * style: a line starting with space or tab continues the previous one), and
 * quoted-printable soft line breaks ("=" at the end) joined. NULL at EOF. */
char *mfi_vcal1_read_line(FILE *fp)
{
	GString *line = NULL;
	char buf[4096];
	gboolean soft = FALSE;
	for (;;) {
		int c = fgetc(fp);
		if (c == EOF)
			break;
		if (line && !soft && c != ' ' && c != '\t') {
			ungetc(c, fp);
			break;
		}
		if (line && !soft)
			c = fgetc(fp); /* drop the fold's whitespace */
		if (c == EOF)
			break;
		ungetc(c, fp);
		GString *part = g_string_new(NULL);
		while (fgets(buf, sizeof buf, fp)) {
			g_string_append(part, buf);
			if (part->len && part->str[part->len - 1] == '\n')
				break;
		}
		while (part->len && (part->str[part->len - 1] == '\n' || part->str[part->len - 1] == '\r'))
			g_string_truncate(part, part->len - 1);
		if (!line)
			line = g_string_new(NULL);
		g_string_append(line, part->str);
		soft = part->len && part->str[part->len - 1] == '=' &&
		       strstr(line->str, "QUOTED-PRINTABLE") != NULL;
		if (soft)
			g_string_truncate(line, line->len - 1);
		g_string_free(part, TRUE);
	}
	return line ? g_string_free(line, FALSE) : NULL;
}

gboolean mfi_vcal1_sniff(const guint8 *head, gsize len)
{
	static const char tag[] = "\nVERSION:1.0";
	for (gsize i = 0; i + sizeof tag - 1 <= len; i++)
		if (g_ascii_strncasecmp((const char *)head + i, tag, sizeof tag - 1) == 0)
			return TRUE;
	return FALSE;
}
