/* Binary property lists ("bplist00"), as CoreFoundation writes them: a header,
 * the objects, an offset table and a 32-byte trailer (offset size, reference
 * size, object count, top object, offset table position; big-endian).
 * GLib has no reader for this form; this one trusts nothing: every offset,
 * length and reference is checked against the buffer before it is used, a
 * reference back to an object still being decoded (a cycle) is an error, and
 * nesting depth and the number of values built are bounded. */
#include "calstore.h"

#include <stdarg.h>
#include <string.h>

#define TRAILER_BYTES 32
#define HEADER_BYTES 8

typedef struct bp_ctx {
	const guint8 *data;
	gsize len;
	const char *what;
	guint off_size, ref_size;
	guint64 n_objects, top, table_off;
	guint8 *visiting; /* per object: 1 while it is being decoded */
	guint nodes;
	GError **error;
} bp_ctx;

static mfi_plist *bp_object(bp_ctx *c, guint64 ref, guint depth);

static void bp_vfail(bp_ctx *c, const char *fmt, va_list ap)
{
	if (!c->error || *c->error)
		return;
	char *msg = g_strdup_vprintf(fmt, ap);
	g_set_error(c->error, MF_ERROR, MF_ERROR_ITEM, "%s: binary property list: %s", c->what, msg);
	g_free(msg);
}

/* Sets the error (naming the file); NULL for the value-returning callers. */
G_GNUC_PRINTF(2, 3)
static mfi_plist *bp_fail(bp_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bp_vfail(c, fmt, ap);
	va_end(ap);
	return NULL;
}

/* The same, FALSE for the checking callers. */
G_GNUC_PRINTF(2, 3)
static gboolean bp_bad(bp_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bp_vfail(c, fmt, ap);
	va_end(ap);
	return FALSE;
}

static guint64 be_uint(const guint8 *p, guint n)
{
	guint64 v = 0;
	for (guint i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static gboolean bp_trailer(bp_ctx *c)
{
	if (c->len < HEADER_BYTES + 1 + TRAILER_BYTES || memcmp(c->data, "bplist0", 7) != 0)
		return bp_bad(c, "too short or no bplist0x header");
	const guint8 *t = c->data + c->len - TRAILER_BYTES;
	c->off_size = t[6];
	c->ref_size = t[7];
	c->n_objects = be_uint(t + 8, 8);
	c->top = be_uint(t + 16, 8);
	c->table_off = be_uint(t + 24, 8);
	guint64 table_room = c->len - TRAILER_BYTES;
	if (c->off_size < 1 || c->off_size > 8 || c->ref_size < 1 || c->ref_size > 8)
		return bp_bad(c, "bad offset/reference size %u/%u", c->off_size, c->ref_size);
	if (c->table_off < HEADER_BYTES || c->table_off > table_room)
		return bp_bad(c, "offset table at %" G_GUINT64_FORMAT " is outside the file",
		               c->table_off);
	if (c->n_objects == 0 || c->n_objects > (table_room - c->table_off) / c->off_size)
		return bp_bad(c, "%" G_GUINT64_FORMAT " objects do not fit the offset table",
		               c->n_objects);
	if (c->top >= c->n_objects)
		return bp_bad(c, "top object %" G_GUINT64_FORMAT " out of range", c->top);
	return TRUE;
}

/* The offset of object `ref`; objects lie between the header and the table. */
static gboolean bp_offset(bp_ctx *c, guint64 ref, gsize *off_r)
{
	if (ref >= c->n_objects)
		return bp_bad(c, "reference %" G_GUINT64_FORMAT " out of range", ref);
	guint64 off = be_uint(c->data + c->table_off + ref * c->off_size, c->off_size);
	if (off < HEADER_BYTES || off >= c->table_off)
		return bp_bad(c, "object %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT
		               " is outside the object area", ref, off);
	*off_r = (gsize)off;
	return TRUE;
}

/* An object's element count (low nibble, or 0xF and an integer object after
 * the marker) and where its contents start; the contents (count * unit
 * bytes) must end before the offset table. */
static gboolean bp_extent(bp_ctx *c, gsize off, guint unit, guint64 *count_r, gsize *start_r)
{
	guint8 low = c->data[off] & 0x0F;
	gsize start = off + 1;
	guint64 count = low;
	if (low == 0x0F) {
		if (start >= c->table_off || (c->data[start] & 0xF0) != 0x10 ||
		    (c->data[start] & 0x0F) > 3)
			return bp_bad(c, "bad length at offset %zu", off);
		guint n = 1u << (c->data[start] & 0x0F);
		if (start + 1 + n > c->table_off)
			return bp_bad(c, "length at offset %zu runs past the objects", off);
		count = be_uint(c->data + start + 1, n);
		start += 1 + n;
	}
	if (count > (c->table_off - start) / unit)
		return bp_bad(c, "object at offset %zu (%" G_GUINT64_FORMAT " elements) runs past "
		               "the objects", off, count);
	*count_r = count;
	*start_r = start;
	return TRUE;
}

static mfi_plist *bp_number(bp_ctx *c, gsize off, guint8 type, guint8 low)
{
	guint n = 1u << (low & 7);
	if ((type == 1 && low > 4) || (type == 2 && (low < 2 || low > 3)) || (type == 3 && low != 3) ||
	    off + 1 + n > c->table_off)
		return bp_fail(c, "bad number at offset %zu", off);
	const guint8 *p = c->data + off + 1;
	mfi_plist *pl;
	if (type == 1) {
		pl = mfi_plist_new(MFI_PLIST_INTEGER);
		/* 16-byte integers: the low 8 bytes (values that fit 64 bits) */
		pl->integer = (gint64)be_uint(n == 16 ? p + 8 : p, n == 16 ? 8 : n);
		return pl;
	}
	pl = mfi_plist_new(type == 3 ? MFI_PLIST_DATE : MFI_PLIST_REAL);
	if (n == 4) {
		guint32 bits = (guint32)be_uint(p, 4);
		float f;
		memcpy(&f, &bits, sizeof f);
		pl->real = f;
	} else {
		guint64 bits = be_uint(p, 8);
		memcpy(&pl->real, &bits, sizeof pl->real);
	}
	return pl;
}

static mfi_plist *bp_string(bp_ctx *c, gsize off, gboolean utf16)
{
	guint64 count;
	gsize start;
	if (!bp_extent(c, off, utf16 ? 2 : 1, &count, &start))
		return NULL;
	const guint8 *p = c->data + start;
	char *text;
	if (utf16) {
		gunichar2 *units = g_new(gunichar2, count + 1);
		for (guint64 i = 0; i < count; i++)
			units[i] = (gunichar2)be_uint(p + 2 * i, 2);
		text = g_utf16_to_utf8(units, (glong)count, NULL, NULL, NULL);
		g_free(units);
		if (!text)
			return bp_fail(c, "bad UTF-16 string at offset %zu", off);
	} else {
		text = g_utf8_make_valid((const char *)p, (gssize)count);
	}
	mfi_plist *pl = mfi_plist_new(MFI_PLIST_STRING);
	pl->string = text;
	return pl;
}

static mfi_plist *bp_data(bp_ctx *c, gsize off)
{
	guint64 count;
	gsize start;
	if (!bp_extent(c, off, 1, &count, &start))
		return NULL;
	mfi_plist *pl = mfi_plist_new(MFI_PLIST_DATA);
	pl->data = g_bytes_new(c->data + start, (gsize)count);
	return pl;
}

/* Arrays and sets: count references; dicts: count key references, then count
 * value references. */
static mfi_plist *bp_container(bp_ctx *c, gsize off, gboolean dict, guint depth)
{
	guint64 count;
	gsize start;
	if (!bp_extent(c, off, dict ? 2 * c->ref_size : c->ref_size, &count, &start))
		return NULL;
	mfi_plist *pl = mfi_plist_new(dict ? MFI_PLIST_DICT : MFI_PLIST_ARRAY);
	const guint8 *refs = c->data + start;
	for (guint64 i = 0; i < count; i++) {
		guint64 vref = be_uint(refs + (dict ? count + i : i) * c->ref_size, c->ref_size);
		mfi_plist *key = NULL;
		if (dict) {
			key = bp_object(c, be_uint(refs + i * c->ref_size, c->ref_size), depth + 1);
			if (key && key->type != MFI_PLIST_STRING)
				bp_fail(c, "dict at offset %zu: a key that is not a string", off);
			if (!key || key->type != MFI_PLIST_STRING) {
				mfi_plist_free(key);
				mfi_plist_free(pl);
				return NULL;
			}
		}
		mfi_plist *value = bp_object(c, vref, depth + 1);
		if (!value) {
			mfi_plist_free(key);
			mfi_plist_free(pl);
			return NULL;
		}
		if (dict)
			mfi_plist_dict_add(pl, key->string, value);
		else
			g_ptr_array_add(pl->items, value);
		mfi_plist_free(key);
	}
	return pl;
}

static mfi_plist *bp_decode(bp_ctx *c, gsize off, guint depth)
{
	guint8 type = c->data[off] >> 4, low = c->data[off] & 0x0F;
	mfi_plist *pl;
	switch (type) {
	case 0x0:
		if (low == 0x0)
			return mfi_plist_new(MFI_PLIST_NULL);
		if (low != 0x8 && low != 0x9)
			return bp_fail(c, "unknown marker 0x%02x at offset %zu", c->data[off], off);
		pl = mfi_plist_new(MFI_PLIST_BOOL);
		pl->integer = low == 0x9;
		return pl;
	case 0x1: case 0x2: case 0x3:
		return bp_number(c, off, type, low);
	case 0x4:
		return bp_data(c, off);
	case 0x5: case 0x6:
		return bp_string(c, off, type == 0x6);
	case 0x8:
		if (off + 2 + low > c->table_off)
			return bp_fail(c, "UID at offset %zu runs past the objects", off);
		pl = mfi_plist_new(MFI_PLIST_UID);
		pl->integer = (gint64)be_uint(c->data + off + 1, (guint)low + 1 > 8 ? 8 : (guint)low + 1);
		return pl;
	case 0xA: case 0xC:
		return bp_container(c, off, FALSE, depth);
	case 0xD:
		return bp_container(c, off, TRUE, depth);
	default:
		return bp_fail(c, "unknown marker 0x%02x at offset %zu", c->data[off], off);
	}
}

static mfi_plist *bp_object(bp_ctx *c, guint64 ref, guint depth)
{
	gsize off = 0;
	if (depth > MFI_PLIST_MAX_DEPTH)
		return bp_fail(c, "nested too deeply");
	if (++c->nodes > MFI_PLIST_MAX_NODES)
		return bp_fail(c, "more than %u values", MFI_PLIST_MAX_NODES);
	if (!bp_offset(c, ref, &off))
		return NULL;
	if (c->visiting[ref])
		return bp_fail(c, "object %" G_GUINT64_FORMAT " contains itself", ref);
	c->visiting[ref] = 1;
	mfi_plist *pl = bp_decode(c, off, depth);
	c->visiting[ref] = 0;
	return pl;
}

mfi_plist *mfi_plist_parse_binary(const guint8 *data, gsize len, const char *what,
                                  GError **error)
{
	bp_ctx c = { .data = data, .len = len, .what = what, .error = error };
	if (len > MFI_PLIST_MAX_BYTES) {
		g_set_error(error, MF_ERROR, MF_ERROR_ITEM, "%s: property list too large", what);
		return NULL;
	}
	if (!bp_trailer(&c))
		return NULL;
	c.visiting = g_malloc0((gsize)c.n_objects);
	mfi_plist *pl = bp_object(&c, c.top, 0);
	g_free(c.visiting);
	return pl;
}
