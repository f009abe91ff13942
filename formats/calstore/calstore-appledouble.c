/* AppleDouble "._<name>" sidecar files: what is left of a file's extended
 * attributes when a tree is copied off HFS+ onto a filesystem without them
 * (formats.md A.14; CalendarServer's appledouble_xattr.py, Apple's
 * copyfile.c). Big-endian throughout:
 *
 *   header   magic 0x00051607, version 0x00020000, 16 filler bytes, entry count (16 bit)
 *   entries  id, offset, length (32 bit each); id 9 = Finder info
 *   Finder info longer than 32 bytes: at its offset + 34, an attribute header
 *            "ATTR", tag, total size, data start, data length, 3 reserved
 *            (32 bit each), flags, count (16 bit); then per attribute: value
 *            offset and length (32 bit, offset from the file start), flags
 *            (16 bit), name length (8 bit, with the NUL), name, padded to 4.
 *
 * Every offset and length is checked against the bytes. */
#include "calstore.h"

#include <string.h>

#define AD_MAGIC 0x00051607u
#define AD_VERSION 0x00020000u
#define AD_HEADER 26
#define AD_ENTRY 12
#define AD_FINDER_INFO 9
#define AD_XATTR_OFFSET 34
#define ATTR_MAGIC 0x41545452u
#define ATTR_HEADER 36
#define ATTR_ENTRY 11

static guint32 be32(const guint8 *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static guint16 be16(const guint8 *p)
{
	return (guint16)(p[0] << 8 | p[1]);
}

/* [off, off+len) lies within the data. */
static gboolean within(gsize len, guint64 off, guint64 n)
{
	return off <= len && n <= len - off;
}

/* The offset of the attribute header, or 0 when there is none. */
static gsize attr_header(const guint8 *data, gsize len)
{
	if (len < AD_HEADER || be32(data) != AD_MAGIC || be32(data + 4) != AD_VERSION)
		return 0;
	guint16 n = be16(data + 24);
	for (guint i = 0; i < n && within(len, AD_HEADER + (guint64)i * AD_ENTRY, AD_ENTRY); i++) {
		const guint8 *e = data + AD_HEADER + i * AD_ENTRY;
		guint64 off = be32(e + 4), length = be32(e + 8);
		if (be32(e) != AD_FINDER_INFO || length <= AD_XATTR_OFFSET + ATTR_HEADER ||
		    !within(len, off, length))
			continue;
		if (be32(data + off + AD_XATTR_OFFSET) == ATTR_MAGIC)
			return (gsize)(off + AD_XATTR_OFFSET);
	}
	return 0;
}

/* Calls `match` on each attribute name; returns the text of the first
 * matching one's DAV value (mfi_calstore_dav_value_text), or NULL. */
char *mfi_calstore_appledouble_find(const guint8 *data, gsize len,
                                    gboolean (*match)(const char *name, gpointer user),
                                    gpointer user)
{
	gsize hdr = attr_header(data, len);
	if (!hdr)
		return NULL;
	guint16 count = be16(data + hdr + 34);
	gsize pos = hdr + ATTR_HEADER;
	char *text = NULL;
	for (guint i = 0; i < count && !text && within(len, pos, ATTR_ENTRY); i++) {
		const guint8 *e = data + pos;
		guint64 voff = be32(e), vlen = be32(e + 4);
		guint8 name_len = e[10];
		if (name_len == 0 || !within(len, pos + ATTR_ENTRY, name_len))
			break;
		char *name = g_strndup((const char *)e + ATTR_ENTRY, name_len);
		if (within(len, voff, vlen) && match(name, user))
			text = mfi_calstore_dav_value_text(data + voff, (gsize)vlen);
		g_free(name);
		pos += (ATTR_ENTRY + (gsize)name_len + 3) & ~(gsize)3;
	}
	return text;
}
