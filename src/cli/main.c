/* mailferry: dispatch to a command. */
#include "cli.h"
#include "mailferry/driver.h"

#include <gmime/gmime.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "convert", mf_cli_convert, "convert mail and groupware stores to another format" },
	{ "inspect", mf_cli_inspect, "list a store's folders with item counts by kind, and what is broken" },
};

static char *join_names(gboolean readers)
{
	GString *s = g_string_new("");
	if (readers) {
		for (const mf_reader_driver *const *d = mf_reader_drivers(); *d; d++)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", (*d)->name);
	} else {
		for (const mf_writer_driver *const *d = mf_writer_drivers(); *d; d++)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", (*d)->name);
	}
	return g_string_free(s, FALSE);
}

char *mf_cli_reader_names(void) { return join_names(TRUE); }
char *mf_cli_writer_names(void) { return join_names(FALSE); }

static void usage(FILE *out)
{
	fprintf(out, "Usage: mailferry COMMAND [OPTION...]\n\n"
	             "Offline converter for mail and groupware stores.\n\nCommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	char *readers = mf_cli_reader_names(), *writers = mf_cli_writer_names();
	fprintf(out, "\nReads:  %s\nWrites: %s\n\n"
	             "Run 'mailferry COMMAND --help' for a command's options; 'man mailferry' for more.\n"
	             "Exit status: 0 every item written, 1 finished with quarantined items,\n"
	             "2 usage error, 3 a source could not be read at all.\n",
	        readers, writers);
	g_free(readers);
	g_free(writers);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	g_mime_init();
	int rc;
	if (argc < 2) {
		usage(stderr);
		rc = MF_EXIT_USAGE;
	} else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	           strcmp(argv[1], "help") == 0) {
		usage(stdout);
		rc = MF_EXIT_OK;
	} else if (strcmp(argv[1], "--version") == 0) {
		printf("mailferry %s\n", MF_VERSION);
		rc = MF_EXIT_OK;
	} else {
		rc = -1;
		for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				rc = commands[i].run(argc - 1, argv + 1);
		if (rc < 0) {
			fprintf(stderr, "mailferry: unknown command '%s'\n\n", argv[1]);
			usage(stderr);
			rc = MF_EXIT_USAGE;
		}
	}
	g_mime_shutdown();
	return rc;
}
