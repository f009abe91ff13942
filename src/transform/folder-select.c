/* Folder selection: --include / --exclude (regular expressions on the folder
 * path "a/b/c") and --exclude-system (well-known non-mail and system folders). */
#include "mailferry/transform.h"

#include <string.h>

/* Names Outlook, Exchange and common clients give system folders, in English,
 * German, French and Spanish; matched case-insensitively against any segment
 * of the path, so "Kalender/Geburtstage" is excluded with "Kalender". */
static const char *const system_folder_names[] = {
	/* English */
	"Calendar", "Contacts", "Tasks", "Notes", "Journal", "Drafts", "Outbox",
	"Junk E-mail", "Junk Email", "Junk", "Spam", "Deleted Items", "Trash",
	"Sync Issues", "Conflicts", "Local Failures", "Server Failures", "RSS Feeds",
	"Conversation Action Settings", "Quick Step Settings", "Public Folders",
	"Suggested Contacts", "Recoverable Items", "Search Folders",
	/* German */
	"Kalender", "Kontakte", "Aufgaben", "Notizen", "Entwürfe", "Postausgang",
	"Junk-E-Mail", "Gelöschte Elemente", "Papierkorb", "Synchronisierungsprobleme",
	"Konflikte", "Lokale Fehler", "Serverfehler", "RSS-Feeds", "Öffentliche Ordner",
	"Vorgeschlagene Kontakte",
	/* French */
	"Calendrier", "Contacts", "Tâches", "Notes", "Brouillons", "Boîte d'envoi",
	"Courrier indésirable", "Éléments supprimés", "Corbeille",
	"Problèmes de synchronisation", "Dossiers publics", "Flux RSS",
	/* Spanish */
	"Calendario", "Contactos", "Tareas", "Notas", "Diario", "Borradores",
	"Bandeja de salida", "Correo no deseado", "Elementos eliminados", "Papelera",
	"Problemas de sincronización", "Carpetas públicas", "Fuentes RSS",
	NULL
};

gboolean mf_folder_is_system(const char *const *segments)
{
	for (const char *const *s = segments; s && *s; s++) {
		char *folded = g_utf8_casefold(*s, -1);
		for (const char *const *n = system_folder_names; *n; n++) {
			char *name = g_utf8_casefold(*n, -1);
			gboolean match = g_utf8_collate(folded, name) == 0;
			g_free(name);
			if (match) {
				g_free(folded);
				return TRUE;
			}
		}
		g_free(folded);
	}
	return FALSE;
}

static gboolean any_match(GPtrArray *regexes, const char *path)
{
	for (guint i = 0; regexes && i < regexes->len; i++)
		if (g_regex_match(regexes->pdata[i], path, 0, NULL))
			return TRUE;
	return FALSE;
}

static mf_transform_result folder_select(mf_item *item, const mf_options *opts,
                                         mf_report *report, char **reason_r)
{
	(void)report;
	(void)reason_r;
	char *path = mf_folder_to_string((const char *const *)item->folder);
	gboolean keep = TRUE;
	if (opts->include && opts->include->len > 0 && !any_match(opts->include, path))
		keep = FALSE;
	if (keep && any_match(opts->exclude, path))
		keep = FALSE;
	if (keep && opts->exclude_system && mf_folder_is_system((const char *const *)item->folder))
		keep = FALSE;
	g_free(path);
	return keep ? MF_TRANSFORM_KEEP : MF_TRANSFORM_FILTER;
}

const mf_transform mf_transform_folder_select = { .name = "folder-select", .apply = folder_select };
