/* Well-known Exchange folders and folder classes. Source folder names in
 * English, German, French and Spanish that mean a well-known folder map to
 * its DistinguishedFolderId; every other folder is created by the uploader. */
#include "ews.h"

#include <string.h>

typedef struct {
	const char *id;
	mfi_ews_family family;
	const char *const names[16];
} well_known;

static const well_known folders[] = {
	{ "inbox", MFI_EWS_MAIL, { "inbox", "posteingang", "boîte de réception", "boite de reception",
	                           "bandeja de entrada", "entrada", NULL } },
	{ "sentitems", MFI_EWS_MAIL, { "sent", "sent items", "sent messages", "sent mail", "gesendet",
	                               "gesendete objekte", "gesendete elemente", "éléments envoyés",
	                               "elements envoyes", "messages envoyés", "envoyés",
	                               "elementos enviados", "enviados", NULL } },
	{ "deleteditems", MFI_EWS_MAIL, { "trash", "deleted items", "deleted messages", "deleted",
	                                  "papierkorb", "gelöschte objekte", "gelöschte elemente",
	                                  "éléments supprimés", "elements supprimes", "corbeille",
	                                  "elementos eliminados", "papelera", NULL } },
	{ "drafts", MFI_EWS_MAIL, { "drafts", "draft", "entwürfe", "brouillons", "borradores", NULL } },
	{ "junkemail", MFI_EWS_MAIL, { "junk", "junk e-mail", "junk email", "junk mail", "spam",
	                               "junk-e-mail", "courrier indésirable", "courrier indesirable",
	                               "correo no deseado", NULL } },
	{ "calendar", MFI_EWS_CALENDAR, { "calendar", "kalender", "calendrier", "calendario", NULL } },
	{ "contacts", MFI_EWS_CONTACTS, { "contacts", "kontakte", "contactos", NULL } },
	{ "tasks", MFI_EWS_TASKS, { "tasks", "aufgaben", "tâches", "taches", "tareas", NULL } },
	{ "notes", MFI_EWS_NOTES, { "notes", "notizen", "notas", NULL } },
};

mfi_ews_family mfi_ews_family_of(mf_kind kind)
{
	switch (kind) {
	case MF_KIND_EVENT: return MFI_EWS_CALENDAR;
	case MF_KIND_TASK: return MFI_EWS_TASKS;
	case MF_KIND_NOTE: return MFI_EWS_NOTES;
	case MF_KIND_CONTACT:
	case MF_KIND_DISTLIST: return MFI_EWS_CONTACTS;
	default: return MFI_EWS_MAIL;
	}
}

const char *mfi_ews_well_known(const char *name)
{
	if (!name)
		return NULL;
	char *key = g_utf8_casefold(name, -1);
	g_strstrip(key);
	const char *found = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(folders) && !found; i++)
		for (const char *const *n = folders[i].names; *n && !found; n++) {
			char *cand = g_utf8_casefold(*n, -1);
			if (strcmp(cand, key) == 0)
				found = folders[i].id;
			g_free(cand);
		}
	g_free(key);
	return found;
}

mfi_ews_family mfi_ews_well_known_family(const char *id)
{
	for (gsize i = 0; i < G_N_ELEMENTS(folders); i++)
		if (strcmp(folders[i].id, id) == 0)
			return folders[i].family;
	return MFI_EWS_MAIL;
}

const char *mfi_ews_default_folder(mfi_ews_family family)
{
	static const char *const ids[] = { "inbox", "calendar", "contacts", "tasks", "notes" };
	return ids[family];
}

const char *mfi_ews_folder_class(mfi_ews_family family)
{
	static const char *const classes[] = { "IPF.Note", "IPF.Appointment", "IPF.Contact",
	                                       "IPF.Task", "IPF.StickyNote" };
	return classes[family];
}

const char *mfi_ews_folder_element(mfi_ews_family family)
{
	static const char *const names[] = { "t:Folder", "t:CalendarFolder", "t:ContactsFolder",
	                                     "t:TasksFolder", "t:Folder" };
	return names[family];
}
