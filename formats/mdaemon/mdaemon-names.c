/* Names in an MDaemon store (formats.md D.1, D.2, D.4): message files,
 * "<folder>.IMAP" directories, folder classes. Pure: strings in, answers out.
 * MDaemon runs on Windows, so every comparison ignores ASCII case. */
#include "mdaemon.h"
#include "mailferry/file-walk.h"

#include <string.h>

gboolean mfi_mdaemon_name_is(const char *name, const char *want)
{
	return name && want && g_ascii_strcasecmp(name, want) == 0;
}

gboolean mfi_mdaemon_is_msg_name(const char *name)
{
	return name && mf_has_extension(name, "msg");
}

/* "md" or "pd", 2-digit precedence + 9-digit number, ".msg": 17 characters. */
gboolean mfi_mdaemon_is_md_name(const char *name)
{
	if (!name || strlen(name) != 17 || !mfi_mdaemon_is_msg_name(name))
		return FALSE;
	char c = g_ascii_tolower(name[0]);
	if ((c != 'm' && c != 'p') || g_ascii_tolower(name[1]) != 'd')
		return FALSE;
	for (int i = 2; i < 13; i++)
		if (!g_ascii_isdigit(name[i]))
			return FALSE;
	return TRUE;
}

/* A directory name as UTF-8: as it is when valid, else read as Windows-1252
 * (a store copied off Windows with the ANSI code page), else made valid. */
char *mfi_mdaemon_name_utf8(const char *name, gssize len)
{
	if (len < 0)
		len = (gssize)strlen(name);
	if (g_utf8_validate(name, len, NULL))
		return g_strndup(name, (gsize)len);
	char *converted = g_convert(name, len, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	return converted ? converted : g_utf8_make_valid(name, len);
}

char *mfi_mdaemon_folder_segment(const char *dirname)
{
	gsize suffix = strlen(MFI_MDAEMON_FOLDER_SUFFIX);
	gsize n = dirname ? strlen(dirname) : 0;
	if (n <= suffix || g_ascii_strcasecmp(dirname + n - suffix, MFI_MDAEMON_FOLDER_SUFFIX) != 0)
		return NULL;
	return mfi_mdaemon_name_utf8(dirname, (gssize)(n - suffix));
}

static const struct {
	const char *ipf;     /* HIWATER.MRK FolderClass (D.4) */
	const char *segment; /* well-known folder name (D.1) */
	mfi_mdaemon_class cls;
	mf_kind kind;
	const char *name;
} classes[] = {
	{ "IPF.Note", NULL, MFI_MD_CLASS_MAIL, MF_KIND_MESSAGE, "mail" },
	{ "IPF.Appointment", "Calendar", MFI_MD_CLASS_CALENDAR, MF_KIND_EVENT, "calendar" },
	{ "IPF.Contact", "Contacts", MFI_MD_CLASS_CONTACTS, MF_KIND_CONTACT, "contacts" },
	{ "IPF.Task", "Tasks", MFI_MD_CLASS_TASKS, MF_KIND_TASK, "tasks" },
	{ "IPF.StickyNote", "Notes", MFI_MD_CLASS_NOTES, MF_KIND_NOTE, "notes" },
	{ "IPF.Document", "Documents", MFI_MD_CLASS_DOCUMENTS, MF_KIND_MESSAGE, "documents" },
};

/* "IPF.Contact" matches "IPF.Contact" and "IPF.Contact.Anything", not "IPF.ContactX". */
static gboolean class_matches(const char *value, const char *ipf)
{
	gsize n = strlen(ipf);
	return g_ascii_strncasecmp(value, ipf, n) == 0 && (value[n] == '\0' || value[n] == '.');
}

mfi_mdaemon_class mfi_mdaemon_class_parse(const char *folder_class)
{
	for (gsize i = 0; folder_class && i < G_N_ELEMENTS(classes); i++)
		if (class_matches(folder_class, classes[i].ipf))
			return classes[i].cls;
	return MFI_MD_CLASS_MAIL;
}

mfi_mdaemon_class mfi_mdaemon_class_from_segment(const char *segment)
{
	for (gsize i = 0; segment && i < G_N_ELEMENTS(classes); i++)
		if (classes[i].segment && mfi_mdaemon_name_is(segment, classes[i].segment))
			return classes[i].cls;
	return MFI_MD_CLASS_MAIL;
}

mf_kind mfi_mdaemon_class_kind(mfi_mdaemon_class cls)
{
	for (gsize i = 0; i < G_N_ELEMENTS(classes); i++)
		if (classes[i].cls == cls)
			return classes[i].kind;
	return MF_KIND_MESSAGE;
}

const char *mfi_mdaemon_class_name(mfi_mdaemon_class cls)
{
	for (gsize i = 0; i < G_N_ELEMENTS(classes); i++)
		if (classes[i].cls == cls)
			return classes[i].name;
	return "mail";
}
