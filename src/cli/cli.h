/* The mailferry command line: one file per command. */
#ifndef MAILFERRY_CLI_H
#define MAILFERRY_CLI_H

/* Exit codes (DESIGN.md). */
enum {
	MF_EXIT_OK = 0,          /* every item written */
	MF_EXIT_QUARANTINED = 1, /* finished, some items quarantined */
	MF_EXIT_USAGE = 2,
	MF_EXIT_SOURCE = 3,      /* a source could not be read at all */
};

int mf_cli_convert(int argc, char **argv);
int mf_cli_inspect(int argc, char **argv);

/* "maildir, mbox, eml, ics, vcf" for help texts. Caller frees. */
char *mf_cli_reader_names(void);
char *mf_cli_writer_names(void);

#endif
