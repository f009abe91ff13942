/* RTF bodies of PST messages: de-encapsulation of HTML ([MS-OXRTFEX]), a plain
 * text rendering of any RTF, and [MS-OXRTFCP] decompression.
 *
 * One tokenizer serves both converters. It keeps a stack of group states (the
 * properties RTF scopes to groups: destination skipping, \htmlrtf, \ucN, the
 * current font) and sends text to one of two sinks:
 *
 * - bytes (literal text and \'hh escapes) are collected into a run tagged with
 *   the code page that applies to them (the current font's \fcharset, else the
 *   document's \ansicpg; inside \*\htmltag always the document's, as the spec
 *   says) and converted with iconv when the run ends, so double-byte code pages
 *   whose lead and trail bytes are split across escapes decode correctly;
 * - characters (\uN, \par, \tab, \emdash ...) are appended as UTF-8 after the
 *   pending run is flushed. \uN surrogate pairs are joined; lone halves become
 *   U+FFFD, as do bytes the code page cannot decode.
 *
 * HTML mode emits only the content of \*\htmltag groups and the text outside them
 * that \htmlrtf does not suppress, and gives up (NULL) as soon as document text or
 * an htmltag group appears before \fromhtml1 was seen at the top level.
 *
 * Hostile input: the parse is a single forward pass; groups deeper than
 * RTF_MAX_DEPTH are counted but their content dropped; \binN skips at most the
 * remaining bytes; control words and numbers are length-limited; a NUL byte ends
 * the input (libpff leaves two of them after the RTF).
 */
#include "pst-rtf.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "mailferry/driver.h"

#define RTF_MAX_DEPTH 128
#define RTF_MAX_WORD 32
#define RTF_MAX_UC 16
#define RTF_CONVERTERS 4

typedef enum { RTF_TEXT, RTF_HTML } rtf_mode;

typedef struct {
	guint skip : 1;    /* destination whose text is dropped */
	guint htmlrtf : 1; /* \htmlrtf region (HTML mode) */
	guint htmltag : 1; /* inside \*\htmltag (HTML mode) */
	guint fonttbl : 1; /* inside the font table */
	int uc;            /* \ucN: fallback characters after \uN */
	int font;          /* \fN; -1 = the default font */
} rtf_state;

typedef struct {
	const guint8 *p, *end;
	rtf_mode mode;
	rtf_state st[RTF_MAX_DEPTH];
	int depth;          /* st[depth] is the current group; 0 = outside */
	guint overflow;     /* groups open beyond RTF_MAX_DEPTH */
	gboolean started;   /* the outer group was opened */
	gboolean done;
	gboolean star;      /* \* seen: the next control word is an ignorable dest */
	int uc_skip;        /* fallback characters still to drop */
	guint default_cp;   /* \ansicpg */
	int deff;           /* \deffN */
	int fonttbl_font;   /* font being defined in the font table */
	GHashTable *fonts;  /* font number -> code page (0 = document default) */
	gunichar high;      /* pending high surrogate from \uN */
	GByteArray *run;    /* pending bytes ... */
	guint run_cp;       /* ... and their code page */
	struct { guint cp; GIConv cd; } conv[RTF_CONVERTERS]; /* iconv cache */
	guint conv_next;    /* slot to reuse when the cache is full */
	GString *out;
	/* HTML mode */
	gboolean fromhtml;
	gboolean in_header; /* no document text yet: \fromhtml1 may still come */
	gboolean reject;    /* not encapsulated HTML */
} rtf_parser;

/* ---- code pages ---- */

/* Windows code page of an RTF \fcharsetN; 0 = use the document default. */
static guint charset_to_cp(int charset)
{
	static const struct { int charset; guint cp; } map[] = {
		{ 0, 1252 }, { 77, 10000 }, { 128, 932 }, { 129, 949 }, { 130, 1361 },
		{ 134, 936 }, { 136, 950 }, { 161, 1253 }, { 162, 1254 }, { 163, 1258 },
		{ 177, 1255 }, { 178, 1256 }, { 186, 1257 }, { 204, 1251 }, { 222, 874 },
		{ 238, 1250 }, { 254, 437 }, { 255, 850 },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
		if (map[i].charset == charset)
			return map[i].cp;
	return 0;
}

/* iconv name of a Windows code page number. */
static const char *cp_charset(guint cp, char *buf, gsize size)
{
	switch (cp) {
	case 65001: return "UTF-8";
	case 10000: return "MACINTOSH";
	case 20127: return "ASCII";
	case 20866: return "KOI8-R";
	case 21866: return "KOI8-U";
	case 28603: return "ISO-8859-13";
	case 28605: return "ISO-8859-15";
	case 50220: case 50221: case 50222: return "ISO-2022-JP";
	case 51932: return "EUC-JP";
	case 51936: return "EUC-CN";
	case 51949: return "EUC-KR";
	case 54936: return "GB18030";
	case 1361: return "JOHAB";
	default: break;
	}
	if (cp >= 28591 && cp <= 28599)
		g_snprintf(buf, size, "ISO-8859-%u", cp - 28590);
	else
		g_snprintf(buf, size, "CP%u", cp);
	return buf;
}

/* A converter from code page `cp` to UTF-8 (CP1252 when iconv does not know
 * it), from a small cache: documents switch between a few fonts' code pages. */
static GIConv converter_for(rtf_parser *p, guint cp)
{
	char name[24];
	guint slot;

	for (slot = 0; slot < RTF_CONVERTERS; slot++)
		if (p->conv[slot].cp == cp)
			return p->conv[slot].cd;
	slot = p->conv_next;
	p->conv_next = (p->conv_next + 1) % RTF_CONVERTERS;
	if (p->conv[slot].cp != 0 && p->conv[slot].cd != (GIConv)-1)
		g_iconv_close(p->conv[slot].cd);
	p->conv[slot].cp = cp;
	p->conv[slot].cd = g_iconv_open("UTF-8", cp_charset(cp, name, sizeof name));
	if (p->conv[slot].cd == (GIConv)-1)
		p->conv[slot].cd = g_iconv_open("UTF-8", "CP1252");
	return p->conv[slot].cd;
}

static void converters_close(rtf_parser *p)
{
	for (guint slot = 0; slot < RTF_CONVERTERS; slot++)
		if (p->conv[slot].cp != 0 && p->conv[slot].cd != (GIConv)-1)
			g_iconv_close(p->conv[slot].cd);
}

/* ---- output ---- */

static void out_replacement(rtf_parser *p)
{
	g_string_append(p->out, "\xEF\xBF\xBD");
}

/* Converts the pending byte run; undecodable bytes become U+FFFD one by one. */
static void flush_run(rtf_parser *p)
{
	GIConv cd;
	gchar *in, buf[512];
	gsize inleft;

	if (p->run->len == 0)
		return;
	cd = converter_for(p, p->run_cp);
	in = (gchar *)p->run->data;
	inleft = p->run->len;
	if (cd != (GIConv)-1)
		g_iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		gchar *o = buf;
		gsize oleft = sizeof buf;
		gsize r = cd == (GIConv)-1 ? (gsize)-1 : g_iconv(cd, &in, &inleft, &o, &oleft);
		int err = errno;

		g_string_append_len(p->out, buf, o - buf);
		if (r != (gsize)-1 || (err == E2BIG && o != buf))
			continue;
		if ((guchar)*in < 0x80 && cd == (GIConv)-1)
			g_string_append_c(p->out, *in);
		else
			out_replacement(p);
		in++;
		inleft--;
		if (cd != (GIConv)-1)
			g_iconv(cd, NULL, NULL, NULL, NULL);
	}
	g_byte_array_set_size(p->run, 0);
}

/* Everything but a byte of the current run goes through here first. */
static void out_prepare(rtf_parser *p)
{
	flush_run(p);
	if (p->high) {
		out_replacement(p);
		p->high = 0;
	}
}

static void out_unichar(rtf_parser *p, gunichar c)
{
	out_prepare(p);
	if (c == 0)
		return;
	if (g_unichar_validate(c))
		g_string_append_unichar(p->out, c);
	else
		out_replacement(p);
}

static void out_newline(rtf_parser *p)
{
	out_prepare(p);
	g_string_append(p->out, p->mode == RTF_HTML ? "\r\n" : "\n");
}

/* \uN: values are signed 16-bit; UTF-16 surrogate pairs arrive as two words. */
static void out_utf16(rtf_parser *p, long value)
{
	gunichar c = value < 0 ? (gunichar)(value + 65536) : (gunichar)value;

	if (value < -32768 || value > 0x10FFFF)
		c = 0xFFFD;
	if (c >= 0xDC00 && c <= 0xDFFF && p->high) {
		gunichar full = 0x10000 + ((p->high - 0xD800) << 10) + (c - 0xDC00);
		p->high = 0;
		out_unichar(p, full);
		return;
	}
	if (c >= 0xD800 && c <= 0xDBFF) {
		out_prepare(p);
		p->high = c;
		return;
	}
	out_unichar(p, c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c);
}

/* ---- group state ---- */

static rtf_state *cur(rtf_parser *p)
{
	return &p->st[p->depth];
}

static guint current_cp(rtf_parser *p)
{
	rtf_state *s = cur(p);
	int font = s->font >= 0 ? s->font : p->deff;
	gpointer cp;

	if (!s->htmltag && font >= 0 &&
	    g_hash_table_lookup_extended(p->fonts, GINT_TO_POINTER(font), NULL, &cp) &&
	    GPOINTER_TO_UINT(cp) != 0)
		return GPOINTER_TO_UINT(cp);
	return p->default_cp;
}

/* Whether text in the current state reaches the output. In HTML mode the first
 * text also closes the header, and rejects the document if no \fromhtml1 came. */
static gboolean text_allowed(rtf_parser *p, gboolean whitespace)
{
	rtf_state *s = cur(p);

	if (p->overflow || s->skip || p->depth == 0)
		return FALSE;
	if (p->mode == RTF_TEXT)
		return TRUE;
	if (!s->htmltag && s->htmlrtf)
		return FALSE;
	if (p->in_header) {
		if (whitespace && !s->htmltag)
			return FALSE;
		p->in_header = FALSE;
		if (!p->fromhtml) {
			p->reject = TRUE;
			p->done = TRUE;
			return FALSE;
		}
	}
	return TRUE;
}

static void out_byte(rtf_parser *p, guint8 b)
{
	guint cp;

	if (b == 0 || !text_allowed(p, b == ' ' || b == '\t'))
		return;
	cp = current_cp(p);
	if (p->run->len && p->run_cp != cp)
		flush_run(p);
	if (p->high)
		out_prepare(p);
	p->run_cp = cp;
	g_byte_array_append(p->run, &b, 1);
}

static void group_open(rtf_parser *p)
{
	p->uc_skip = 0;
	p->star = FALSE;
	if (!p->started) {
		p->started = TRUE;
		p->st[1] = p->st[0];
		p->depth = 1;
		return;
	}
	if (p->overflow || p->depth + 1 >= RTF_MAX_DEPTH) {
		p->overflow++;
		return;
	}
	p->st[p->depth + 1] = p->st[p->depth];
	p->depth++;
}

static void group_close(rtf_parser *p)
{
	p->uc_skip = 0;
	p->star = FALSE;
	if (p->overflow) {
		p->overflow--;
		return;
	}
	if (p->depth > 0)
		p->depth--;
	if (p->depth == 0)
		p->done = TRUE;
}

/* ---- control words ---- */

typedef enum {
	W_SKIP,      /* destination whose text never belongs to the body */
	W_NEWLINE,   /* paragraph, line, page, row or section break */
	W_CHAR,      /* stands for the character in `value` */
	W_FONT, W_FCHARSET, W_CPG, W_DEFF, W_PLAIN,
	W_ANSICPG, W_DOC_CP, W_UC, W_U,
	W_FROMHTML, W_HTMLRTF, W_HTMLTAG, W_FONTTBL, W_BIN,
} word_kind;

typedef struct {
	const char *word;
	word_kind kind;
	guint value;
} word_info;

/* Sorted by strcmp() for bsearch(). */
static const word_info words[] = {
	{ "annotation", W_SKIP, 0 },
	{ "ansi", W_DOC_CP, 1252 },
	{ "ansicpg", W_ANSICPG, 0 },
	{ "atnauthor", W_SKIP, 0 },
	{ "atnid", W_SKIP, 0 },
	{ "bin", W_BIN, 0 },
	{ "bkmkend", W_SKIP, 0 },
	{ "bkmkstart", W_SKIP, 0 },
	{ "bullet", W_CHAR, 0x2022 },
	{ "cell", W_CHAR, '\t' },
	{ "colorschememapping", W_SKIP, 0 },
	{ "colortbl", W_SKIP, 0 },
	{ "cpg", W_CPG, 0 },
	{ "datafield", W_SKIP, 0 },
	{ "datastore", W_SKIP, 0 },
	{ "deff", W_DEFF, 0 },
	{ "docvar", W_SKIP, 0 },
	{ "emdash", W_CHAR, 0x2014 },
	{ "emspace", W_CHAR, 0x2003 },
	{ "endash", W_CHAR, 0x2013 },
	{ "enspace", W_CHAR, 0x2002 },
	{ "f", W_FONT, 0 },
	{ "fcharset", W_FCHARSET, 0 },
	{ "filetbl", W_SKIP, 0 },
	{ "fldinst", W_SKIP, 0 },
	{ "fonttbl", W_FONTTBL, 0 },
	{ "footer", W_SKIP, 0 },
	{ "footerf", W_SKIP, 0 },
	{ "footerl", W_SKIP, 0 },
	{ "footerr", W_SKIP, 0 },
	{ "footnote", W_SKIP, 0 },
	{ "fromhtml", W_FROMHTML, 0 },
	{ "generator", W_SKIP, 0 },
	{ "header", W_SKIP, 0 },
	{ "headerf", W_SKIP, 0 },
	{ "headerl", W_SKIP, 0 },
	{ "headerr", W_SKIP, 0 },
	{ "htmlrtf", W_HTMLRTF, 0 },
	{ "htmltag", W_HTMLTAG, 0 },
	{ "info", W_SKIP, 0 },
	{ "latentstyles", W_SKIP, 0 },
	{ "ldblquote", W_CHAR, 0x201C },
	{ "line", W_NEWLINE, 0 },
	{ "listoverridetable", W_SKIP, 0 },
	{ "listtable", W_SKIP, 0 },
	{ "lquote", W_CHAR, 0x2018 },
	{ "ltrmark", W_CHAR, 0x200E },
	{ "mac", W_DOC_CP, 10000 },
	{ "mhtmltag", W_SKIP, 0 },
	{ "mmathPr", W_SKIP, 0 },
	{ "nonshppict", W_SKIP, 0 },
	{ "objclass", W_SKIP, 0 },
	{ "objdata", W_SKIP, 0 },
	{ "page", W_NEWLINE, 0 },
	{ "par", W_NEWLINE, 0 },
	{ "pc", W_DOC_CP, 437 },
	{ "pca", W_DOC_CP, 850 },
	{ "pgdsctbl", W_SKIP, 0 },
	{ "pict", W_SKIP, 0 },
	{ "plain", W_PLAIN, 0 },
	{ "pntxta", W_SKIP, 0 },
	{ "pntxtb", W_SKIP, 0 },
	{ "protusertbl", W_SKIP, 0 },
	{ "qmspace", W_CHAR, 0x2005 },
	{ "rdblquote", W_CHAR, 0x201D },
	{ "revtbl", W_SKIP, 0 },
	{ "row", W_NEWLINE, 0 },
	{ "rquote", W_CHAR, 0x2019 },
	{ "rsidtbl", W_SKIP, 0 },
	{ "rtlmark", W_CHAR, 0x200F },
	{ "sect", W_NEWLINE, 0 },
	{ "shpinst", W_SKIP, 0 },
	{ "sn", W_SKIP, 0 },
	{ "sp", W_SKIP, 0 },
	{ "stylesheet", W_SKIP, 0 },
	{ "sv", W_SKIP, 0 },
	{ "tab", W_CHAR, '\t' },
	{ "tc", W_SKIP, 0 },
	{ "template", W_SKIP, 0 },
	{ "themedata", W_SKIP, 0 },
	{ "txe", W_SKIP, 0 },
	{ "u", W_U, 0 },
	{ "uc", W_UC, 0 },
	{ "userprops", W_SKIP, 0 },
	{ "xe", W_SKIP, 0 },
	{ "xmlnstbl", W_SKIP, 0 },
	{ "zwj", W_CHAR, 0x200D },
	{ "zwnj", W_CHAR, 0x200C },
};

static int word_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const word_info *)entry)->word);
}

static const word_info *word_lookup(const char *word)
{
	return bsearch(word, words, G_N_ELEMENTS(words), sizeof words[0], word_cmp);
}

/* Characters and breaks. */
static void word_output(rtf_parser *p, const word_info *w)
{
	if (w->kind == W_NEWLINE) {
		if (text_allowed(p, TRUE))
			out_newline(p);
	} else if (text_allowed(p, w->value == '\t')) {
		out_unichar(p, w->value);
	}
}

/* Font table entries and font selection. */
static void word_font(rtf_parser *p, const word_info *w, gboolean has, long n)
{
	rtf_state *s = cur(p);
	gpointer key = GINT_TO_POINTER(p->fonttbl_font);

	if (!has && w->kind != W_PLAIN)
		return;
	if (w->kind == W_FONT && s->fonttbl) {
		p->fonttbl_font = (int)n;
		if (g_hash_table_size(p->fonts) < 4096)
			g_hash_table_insert(p->fonts, GINT_TO_POINTER((int)n), GUINT_TO_POINTER(0));
	} else if (w->kind == W_FONT) {
		s->font = (int)n;
	} else if (w->kind == W_FCHARSET && s->fonttbl && g_hash_table_contains(p->fonts, key)) {
		g_hash_table_insert(p->fonts, key, GUINT_TO_POINTER(charset_to_cp((int)n)));
	} else if (w->kind == W_CPG && s->fonttbl && n > 0 && n < 65536 &&
	           g_hash_table_contains(p->fonts, key)) {
		g_hash_table_insert(p->fonts, key, GUINT_TO_POINTER((guint)n));
	} else if (w->kind == W_DEFF) {
		p->deff = (int)n;
	} else if (w->kind == W_PLAIN) {
		s->font = -1;
	}
}

/* Document-level settings: code page, encapsulation, Unicode. */
static void word_doc(rtf_parser *p, const word_info *w, gboolean has, long n)
{
	rtf_state *s = cur(p);

	switch (w->kind) {
	case W_ANSICPG:
		if (has && n > 0 && n < 65536)
			p->default_cp = (guint)n;
		break;
	case W_DOC_CP:
		p->default_cp = w->value;
		break;
	case W_UC:
		if (has)
			s->uc = (int)CLAMP(n, 0, RTF_MAX_UC);
		break;
	case W_U:
		if (has && text_allowed(p, FALSE))
			out_utf16(p, n);
		if (has)
			p->uc_skip = s->uc;
		break;
	case W_FROMHTML:
		if (p->depth == 1 && p->in_header && (!has || n != 0))
			p->fromhtml = TRUE;
		break;
	case W_HTMLRTF:
		s->htmlrtf = !has || n != 0;
		break;
	default:
		break;
	}
}

/* A control word after \* or one that opens a destination. Returns TRUE when
 * the word was a destination. */
static gboolean word_dest(rtf_parser *p, const word_info *w)
{
	rtf_state *s = cur(p);
	gboolean star = p->star;

	p->star = FALSE;
	if (w && w->kind == W_HTMLTAG && p->mode == RTF_HTML) {
		if (p->in_header && !p->fromhtml) {
			p->reject = TRUE;
			p->done = TRUE;
		}
		p->in_header = FALSE;
		s->htmltag = 1;
		s->htmlrtf = 0;
		return TRUE;
	}
	if (w && w->kind == W_FONTTBL) {
		s->fonttbl = 1;
		s->skip = 1;
		return TRUE;
	}
	if (star || (w && w->kind == W_SKIP)) {
		s->skip = 1;
		return TRUE;
	}
	return FALSE;
}

static void skip_bin(rtf_parser *p, long n)
{
	gsize left = (gsize)(p->end - p->p);

	if (n > 0)
		p->p += (gsize)n < left ? (gsize)n : left;
}

static void handle_word(rtf_parser *p, const char *word, gboolean has, long n)
{
	const word_info *w = word_lookup(word);

	if (w && w->kind == W_BIN) {
		skip_bin(p, has ? n : 0);
		if (p->uc_skip > 0)
			p->uc_skip--;
		return;
	}
	if (p->uc_skip > 0) {
		p->uc_skip--;
		p->star = FALSE;
		return;
	}
	if (p->overflow || word_dest(p, w) || !w)
		return;
	if (w->kind == W_NEWLINE || w->kind == W_CHAR)
		word_output(p, w);
	else if (w->kind >= W_FONT && w->kind <= W_PLAIN)
		word_font(p, w, has, n);
	else
		word_doc(p, w, has, n);
}

/* Reads "\word[-]digits[ ]" after the backslash. */
static void read_word(rtf_parser *p)
{
	char word[RTF_MAX_WORD + 1];
	gsize len = 0;
	gboolean neg = FALSE, has = FALSE;
	long n = 0;

	while (p->p < p->end && g_ascii_isalpha(*p->p)) {
		if (len < RTF_MAX_WORD)
			word[len++] = (char)*p->p;
		p->p++;
	}
	word[len] = '\0';
	if (p->p + 1 < p->end && *p->p == '-' && g_ascii_isdigit(p->p[1])) {
		neg = TRUE;
		p->p++;
	}
	while (p->p < p->end && g_ascii_isdigit(*p->p)) {
		if (n < 100000000L)
			n = n * 10 + (*p->p - '0');
		has = TRUE;
		p->p++;
	}
	if (p->p < p->end && *p->p == ' ')
		p->p++;
	handle_word(p, word, has, neg ? -n : n);
}

static int hex_value(guint8 c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* "\'hh": one byte in the current code page. */
static void read_hex(rtf_parser *p)
{
	int hi, lo;

	if (p->end - p->p < 2)
		return;
	hi = hex_value(p->p[0]);
	lo = hex_value(p->p[1]);
	if (hi < 0 || lo < 0)
		return;
	p->p += 2;
	if (p->uc_skip > 0) {
		p->uc_skip--;
		return;
	}
	out_byte(p, (guint8)(hi << 4 | lo));
}

/* A backslash followed by a non-letter. */
static void read_symbol(rtf_parser *p)
{
	guint8 c = *p->p++;

	p->star = c == '*';
	if (c == '\'') {
		read_hex(p);
		return;
	}
	if (p->uc_skip > 0 && c != '*') {
		p->uc_skip--;
		return;
	}
	if (c == '{' || c == '}' || c == '\\')
		out_byte(p, c);
	else if ((c == '~' || c == '_') && text_allowed(p, FALSE))
		out_unichar(p, c == '~' ? 0x00A0 : 0x2011);
	else if ((c == '\n' || c == '\r') && text_allowed(p, TRUE))
		out_newline(p);
}

static void read_control(rtf_parser *p)
{
	if (p->p >= p->end)
		return;
	if (g_ascii_isalpha(*p->p))
		read_word(p);
	else
		read_symbol(p);
}

static void parse(rtf_parser *p)
{
	while (p->p < p->end && !p->done) {
		guint8 c = *p->p++;

		if (c == '{')
			group_open(p);
		else if (c == '}')
			group_close(p);
		else if (c == '\\')
			read_control(p);
		else if (c == '\0')
			p->done = TRUE;
		else if (c != '\r' && c != '\n') {
			p->star = FALSE;
			if (p->uc_skip > 0)
				p->uc_skip--;
			else
				out_byte(p, c);
		}
	}
	out_prepare(p);
}

/* ---- entry points ---- */

gboolean mfi_rtf_is_rtf(const guint8 *data, gsize len)
{
	return data != NULL && len >= 5 && memcmp(data, "{\\rtf", 5) == 0;
}

static char *convert(const guint8 *rtf, gsize len, rtf_mode mode)
{
	rtf_parser p = { 0 };
	const guint8 *nul;
	char *result;

	if (!mfi_rtf_is_rtf(rtf, len))
		return NULL;
	nul = memchr(rtf, '\0', len);
	p.p = rtf;
	p.end = nul ? nul : rtf + len;
	p.mode = mode;
	p.st[0].uc = 1;
	p.st[0].font = -1;
	p.default_cp = 1252;
	p.deff = -1;
	p.fonttbl_font = -1;
	p.in_header = TRUE;
	p.fonts = g_hash_table_new(g_direct_hash, g_direct_equal);
	p.run = g_byte_array_new();
	p.out = g_string_sized_new(len / 2 + 16);
	parse(&p);
	converters_close(&p);
	g_hash_table_destroy(p.fonts);
	g_byte_array_unref(p.run);
	if (mode == RTF_HTML && (p.reject || !p.fromhtml)) {
		g_string_free(p.out, TRUE);
		return NULL;
	}
	result = g_string_free(p.out, FALSE);
	return result;
}

char *mfi_rtf_to_html(const guint8 *rtf, gsize len)
{
	return convert(rtf, len, RTF_HTML);
}

char *mfi_rtf_to_text(const guint8 *rtf, gsize len)
{
	return convert(rtf, len, RTF_TEXT);
}

/* ---- [MS-OXRTFCP] ---- */

#define LZFU_MAGIC_COMPRESSED 0x75465a4cu   /* "LZFu" */
#define LZFU_MAGIC_UNCOMPRESSED 0x414c454du /* "MELA" */
#define LZFU_HEADER 16
#define LZFU_DICT 4096

/* The initial dictionary the spec defines (207 bytes). */
static const char lzfu_prebuf[] =
	"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
	"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes "
	"New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
	"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
G_STATIC_ASSERT(sizeof lzfu_prebuf - 1 == 207);

static guint32 le32(const guint8 *b)
{
	return (guint32)b[0] | (guint32)b[1] << 8 | (guint32)b[2] << 16 | (guint32)b[3] << 24;
}

/* The spec's CRC is the usual CRC-32 table walk without zlib's pre- and
 * post-inversion. */
static guint32 lzfu_crc(const guint8 *data, gsize len)
{
	return ~(guint32)crc32(0xFFFFFFFFul, data, (uInt)len);
}

/* Runs the LZ77 stream; stops at the end marker (a reference to the current
 * write position), at the end of the input or once `limit` bytes are out. */
static GByteArray *lzfu_inflate(const guint8 *in, gsize len, gsize limit)
{
	guint8 dict[LZFU_DICT] = { 0 };
	guint wpos = sizeof lzfu_prebuf - 1;
	GByteArray *out = g_byte_array_sized_new((guint)MIN(limit, len * 9 + 16));
	gsize pos = 0;

	memcpy(dict, lzfu_prebuf, wpos);
	while (pos < len && out->len < limit) {
		guint8 flags = in[pos++];

		for (int bit = 0; bit < 8 && pos < len && out->len < limit; bit++) {
			guint off, n;

			if (!(flags & (1u << bit))) {
				dict[wpos] = in[pos++];
				g_byte_array_append(out, &dict[wpos], 1);
				wpos = (wpos + 1) % LZFU_DICT;
				continue;
			}
			if (pos + 2 > len)
				return out;
			off = (guint)in[pos] << 4 | in[pos + 1] >> 4;
			n = (in[pos + 1] & 0x0F) + 2u;
			pos += 2;
			if (off == wpos)
				return out;
			for (guint i = 0; i < n && out->len < limit; i++) {
				dict[wpos] = dict[(off + i) % LZFU_DICT];
				g_byte_array_append(out, &dict[wpos], 1);
				wpos = (wpos + 1) % LZFU_DICT;
			}
		}
	}
	return out;
}

guint8 *mfi_lzfu_decompress(const guint8 *in, gsize len, gsize *out_len, GError **error)
{
	guint32 comp, raw, magic;
	GByteArray *out;
	gsize body;

	*out_len = 0;
	if (in == NULL || len < LZFU_HEADER) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "compressed RTF: %zu-byte stream is too short", len);
		return NULL;
	}
	comp = le32(in);
	raw = le32(in + 4);
	magic = le32(in + 8);
	if (comp < LZFU_HEADER - 4 || (gsize)comp > len - 4) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM,
		            "compressed RTF: size field %u does not fit the %zu-byte stream", comp, len);
		return NULL;
	}
	body = comp - (LZFU_HEADER - 4);
	if (magic == LZFU_MAGIC_UNCOMPRESSED) {
		*out_len = MIN((gsize)raw, body);
		out = g_byte_array_sized_new((guint)*out_len + 1);
		g_byte_array_append(out, in + LZFU_HEADER, (guint)*out_len);
	} else if (magic != LZFU_MAGIC_COMPRESSED) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "compressed RTF: unknown type 0x%08x", magic);
		return NULL;
	} else if (lzfu_crc(in + LZFU_HEADER, body) != le32(in + 12)) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "compressed RTF: CRC mismatch");
		return NULL;
	} else {
		out = lzfu_inflate(in + LZFU_HEADER, body, raw);
		*out_len = out->len;
	}
	g_byte_array_append(out, (const guint8 *)"", 1);
	return g_byte_array_free(out, FALSE);
}
