/* mailferry convert SOURCE... -o OUTDIR --to FORMAT */
#include "cli.h"
#include "mailferry/pipeline.h"
#include "mailferry/transform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	char *outdir, *to, *from, *report_path, *mbox_format;
	char **include, **exclude, **renames;
	char *owner, *map_path, *travel_time, *meetings;
	char *mailbox, *ews_version;
	char *attachments_dir;
	gint batch_items, jobs;
	gint64 batch_bytes;
	gboolean exclude_system, dry_run, progress, fsync, quiet, recover;
} convert_args;

static gboolean parse_mbox_format(const char *name, mf_mbox_format *format_r)
{
	if (!name || strcmp(name, "mboxrd") == 0)
		*format_r = MF_MBOX_RD;
	else if (strcmp(name, "mboxo") == 0)
		*format_r = MF_MBOX_O;
	else if (strcmp(name, "mboxcl2") == 0)
		*format_r = MF_MBOX_CL2;
	else
		return FALSE;
	return TRUE;
}

static GPtrArray *compile_regexes(char **patterns, const char *option, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_regex_unref);
	for (char **p = patterns; p && *p; p++) {
		GError *re_error = NULL;
		GRegex *re = g_regex_new(*p, 0, 0, &re_error);
		if (!re) {
			g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "%s '%s': %s", option, *p,
			            re_error->message);
			g_error_free(re_error);
			g_ptr_array_unref(out);
			return NULL;
		}
		g_ptr_array_add(out, re);
	}
	return out;
}

/* --owner, --map, --travel-time, --meetings. */
static gboolean calendar_options(convert_args *a, mf_options *opts, GError **error)
{
	opts->owner = a->owner;
	const char *tt = a->travel_time ? a->travel_time : "appointments";
	if (strcmp(tt, "appointments") == 0)
		opts->travel_time = MF_TRAVEL_APPOINTMENTS;
	else if (strcmp(tt, "keep") == 0)
		opts->travel_time = MF_TRAVEL_KEEP;
	else if (strcmp(tt, "drop") == 0)
		opts->travel_time = MF_TRAVEL_DROP;
	else {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
		            "--travel-time %s: expected keep, drop or appointments", tt);
		return FALSE;
	}
	const char *m = a->meetings ? a->meetings : "full";
	if (strcmp(m, "full") != 0 && strcmp(m, "flat") != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--meetings %s: expected full or flat", m);
		return FALSE;
	}
	opts->meetings_flat = strcmp(m, "flat") == 0;
	if (a->map_path && !(opts->user_map = mf_user_map_load(a->map_path, error)))
		return FALSE;
	if (opts->user_map)
		opts->user_map_domains = mf_user_map_domains(opts->user_map);
	return TRUE;
}

/* --mailbox, --ews-version, --batch-items, --batch-bytes (--to ews). */
static gboolean ews_options(convert_args *a, mf_options *opts, GError **error)
{
	if (a->batch_items < 0 || a->batch_bytes < 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
		            "--batch-items and --batch-bytes must be positive");
		return FALSE;
	}
	opts->mailbox = a->mailbox;
	opts->ews_version = a->ews_version;
	opts->batch_items = (guint)a->batch_items;
	opts->batch_bytes = (guint64)a->batch_bytes;
	return TRUE;
}

/* Fills opts from the parsed arguments; FALSE with a usage error. */
static gboolean build_options(convert_args *a, mf_options *opts, GError **error)
{
	if (!a->to || !mf_writer_driver_find(a->to)) {
		char *names = mf_cli_writer_names();
		if (a->to)
			g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--to %s: unknown format (one of: %s)",
			            a->to, names);
		else
			g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--to is required (one of: %s)", names);
		g_free(names);
		return FALSE;
	}
	if (a->from && !mf_reader_driver_find(a->from)) {
		char *names = mf_cli_reader_names();
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--from %s: unknown format (one of: %s)",
		            a->from, names);
		g_free(names);
		return FALSE;
	}
	if (!a->outdir && !a->dry_run) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "-o OUTDIR is required");
		return FALSE;
	}
	if (!parse_mbox_format(a->mbox_format, &opts->mbox_format)) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
		            "--mbox-format %s: expected mboxrd, mboxo or mboxcl2", a->mbox_format);
		return FALSE;
	}
	opts->to_format = a->to;
	opts->from_format = a->from;
	opts->outdir = a->outdir;
	opts->dry_run = a->dry_run;
	opts->pst_recover = a->recover;
	if (a->jobs < 0 || a->jobs > 64) {
		g_set_error(error, MF_ERROR, MF_ERROR_USAGE, "--jobs %d: expected 1 to 64", a->jobs);
		return FALSE;
	}
	opts->jobs = (guint)a->jobs;
	opts->attachments_dir = a->attachments_dir;
	opts->fsync_items = a->fsync;
	opts->progress = a->progress || (isatty(STDERR_FILENO) && !a->quiet);
	opts->exclude_system = a->exclude_system;
	if (!(opts->include = compile_regexes(a->include, "--include", error)) ||
	    !(opts->exclude = compile_regexes(a->exclude, "--exclude", error)))
		return FALSE;
	if (!calendar_options(a, opts, error) || !ews_options(a, opts, error))
		return FALSE;
	opts->renames = g_ptr_array_new_with_free_func((GDestroyNotify)mf_rename_free);
	for (char **r = a->renames; r && *r; r++) {
		mf_rename *rename = mf_rename_parse(*r, error);
		if (!rename)
			return FALSE;
		g_ptr_array_add(opts->renames, rename);
	}
	return TRUE;
}

/* The output directory must not be inside a source: writing there would change
 * what is being read (and what a forensic reviewer hashed). */
static gboolean outdir_outside_sources(const char *outdir, char **sources, GError **error)
{
	if (!outdir)
		return TRUE;
	char *out_abs = g_canonicalize_filename(outdir, NULL);
	gboolean ok = TRUE;
	for (char **s = sources; *s && ok; s++) {
		char *real = realpath(*s, NULL);
		char *src_abs = g_canonicalize_filename(real ? real : *s, NULL);
		char *prefix = g_strconcat(src_abs, "/", NULL);
		if (strcmp(out_abs, src_abs) == 0 || g_str_has_prefix(out_abs, prefix)) {
			g_set_error(error, MF_ERROR, MF_ERROR_USAGE,
			            "output directory %s is inside source %s; choose another -o", outdir, *s);
			ok = FALSE;
		}
		free(real);
		g_free(src_abs);
		g_free(prefix);
	}
	g_free(out_abs);
	return ok;
}

static int finish_report(mf_report *report, const convert_args *a, gboolean source_failed)
{
	char *problem = NULL;
	gboolean invariant = mf_report_check_invariant(report, &problem);
	if (!a->quiet || !invariant)
		mf_report_print_summary(report, stderr);
	if (a->dry_run)
		fprintf(stderr, "dry run: nothing was written\n");
	else if (a->outdir && !a->quiet)
		fprintf(stderr, "output: %s\n", a->outdir);
	int rc = MF_EXIT_OK;
	if (a->report_path) {
		GError *error = NULL;
		if (!mf_report_write_json(report, a->report_path, &error)) {
			fprintf(stderr, "mailferry: %s\n", error->message);
			g_error_free(error);
			rc = MF_EXIT_QUARANTINED;
		}
	}
	if (!invariant) {
		fprintf(stderr, "mailferry: internal error: counts do not reconcile: %s\n", problem);
		g_free(problem);
		rc = MF_EXIT_QUARANTINED;
	}
	if (mf_report_total(report, MF_COUNT_QUARANTINED) > 0)
		rc = MF_EXIT_QUARANTINED;
	if (source_failed)
		rc = MF_EXIT_SOURCE;
	return rc;
}

static int run(convert_args *a, char **sources)
{
	mf_options opts = { 0 };
	GError *error = NULL;
	int rc;
	if (!build_options(a, &opts, &error) || !outdir_outside_sources(a->outdir, sources, &error)) {
		fprintf(stderr, "mailferry convert: %s\n", error->message);
		rc = MF_EXIT_USAGE;
		goto out;
	}
	opts.sources = (const char *const *)sources;
	mf_report *report = mf_report_new("convert", a->to);
	mf_pipeline *pipeline = mf_pipeline_new(&opts, mf_writer_driver_find(a->to), report, &error);
	gboolean source_failed = FALSE, output_failed = FALSE;
	if (!pipeline) {
		fprintf(stderr, "mailferry convert: %s\n", error->message);
		mf_report_free(report);
		rc = MF_EXIT_USAGE;
		goto out;
	}
	for (char **s = sources; *s && !output_failed; s++) {
		if (mf_pipeline_run(pipeline, *s, &error))
			continue;
		fprintf(stderr, "mailferry convert: %s\n", error->message);
		if (error->code == MF_ERROR_OUTPUT)
			output_failed = TRUE;
		mf_report_source_error(report, *s, error->message);
		source_failed = TRUE;
		g_clear_error(&error);
	}
	if (!mf_pipeline_finish(pipeline, &error)) {
		fprintf(stderr, "mailferry convert: %s\n", error->message);
		g_clear_error(&error);
		source_failed = TRUE;
	}
	mf_pipeline_free(pipeline);
	rc = finish_report(report, a, source_failed);
	mf_report_free(report);
out:
	g_clear_error(&error);
	if (opts.include)
		g_ptr_array_unref(opts.include);
	if (opts.exclude)
		g_ptr_array_unref(opts.exclude);
	if (opts.renames)
		g_ptr_array_unref(opts.renames);
	if (opts.user_map)
		g_hash_table_destroy(opts.user_map);
	if (opts.user_map_domains)
		g_hash_table_destroy(opts.user_map_domains);
	return rc;
}

int mf_cli_convert(int argc, char **argv)
{
	convert_args a = { 0 };
	char **sources = NULL;
	GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.outdir, "Write the output under DIR (created if missing)", "DIR" },
		{ "to", 't', 0, G_OPTION_ARG_STRING, &a.to, "Output format: maildir, mbox, eml, ics, vcf or ews", "FORMAT" },
		{ "from", 'f', 0, G_OPTION_ARG_STRING, &a.from, "Force the source format instead of detecting it from content", "FORMAT" },
		{ "report", 'r', 0, G_OPTION_ARG_FILENAME, &a.report_path, "Write the full run report as JSON to FILE", "FILE" },
		{ "mbox-format", 0, 0, G_OPTION_ARG_STRING, &a.mbox_format, "mbox flavour written: mboxrd (default), mboxo or mboxcl2", "FLAVOUR" },
		{ "include", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.include, "Only folders whose path (a/b/c) matches REGEX (repeatable)", "REGEX" },
		{ "exclude", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.exclude, "Skip folders whose path matches REGEX (repeatable)", "REGEX" },
		{ "exclude-system", 0, 0, G_OPTION_ARG_NONE, &a.exclude_system, "Skip calendar, contacts, tasks, notes, journal, drafts, junk, trash and other system folders (English, German, French, Spanish names)", NULL },
		{ "rename", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.renames, "Rewrite folder paths with s/FROM/TO/[gi] (GRegex; repeatable, applied in order)", "s/FROM/TO/" },
		{ "owner", 0, 0, G_OPTION_ARG_STRING, &a.owner, "Calendar owner's address: organizer of meetings that lost theirs", "ADDR" },
		{ "map", 0, 0, G_OPTION_ARG_FILENAME, &a.map_path, "Map old user ids/addresses to new ones in ORGANIZER/ATTENDEE (\"old new\" lines, # comments); unmapped ones are listed in the report", "FILE" },
		{ "travel-time", 0, 0, G_OPTION_ARG_STRING, &a.travel_time, "Apple travel time: appointments (default: extra \"Travel: …\" appointments), keep or drop", "MODE" },
		{ "meetings", 0, 0, G_OPTION_ARG_STRING, &a.meetings, "full (default) keeps organizer and attendees; flat makes appointments listing them in the description", "MODE" },
		{ "mailbox", 0, 0, G_OPTION_ARG_STRING, &a.mailbox, "--to ews: target mailbox SMTP address (mapped with --map); without it the bundle names a placeholder the uploader must be given", "ADDR" },
		{ "ews-version", 0, 0, G_OPTION_ARG_STRING, &a.ews_version, "--to ews: RequestServerVersion (default Exchange2013_SP1)", "VERSION" },
		{ "batch-items", 0, 0, G_OPTION_ARG_INT, &a.batch_items, "--to ews: at most N items per request (default 50)", "N" },
		{ "batch-bytes", 0, 0, G_OPTION_ARG_INT64, &a.batch_bytes, "--to ews: at most N bytes of item XML (mostly base64 MIME) per request (default 26214400)", "N" },
		{ "recover", 0, 0, G_OPTION_ARG_NONE, &a.recover, "PST/OST: also write orphan items and deleted items libpff recovers, to \"Recovered Items\" with category Recovered_Orphan or Recovered_Deleted", NULL },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &a.jobs, "PST/OST: convert items on N threads, each reading the file through its own handle (default: one per processor, for files of 384 KiB or more; 1: no threads). The output is the same whatever N", "N" },
		{ "attachments", 0, 0, G_OPTION_ARG_FILENAME, &a.attachments_dir, "CalendarServer dump: the server's attachment store (AttachmentsRoot, e.g. a copy of /Library/Server/Calendar and Contacts/Data/Attachments); attachments found there are embedded in the events, the others stay links and are listed in the report", "DIR" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &a.dry_run, "Read everything and print the report without writing", NULL },
		{ "progress", 0, 0, G_OPTION_ARG_NONE, &a.progress, "Show progress even when stderr is not a terminal", NULL },
		{ "fsync", 0, 0, G_OPTION_ARG_NONE, &a.fsync, "fsync every item before it appears (slower, safer on power loss)", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &a.quiet, "Print only errors (the summary still goes to --report)", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &sources, NULL, NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_set_prgname("mailferry convert");
	GOptionContext *ctx = g_option_context_new("SOURCE... -o OUTDIR --to FORMAT");
	g_option_context_set_summary(ctx,
		"Converts mail and groupware stores. The source format is detected from content.\n"
		"Items the output format cannot hold are never dropped: with a mail format,\n"
		"calendar items go to OUTDIR/<folder>.ics and contacts to OUTDIR/<folder>.vcf;\n"
		"with ics or vcf, messages go to a Maildir under OUTDIR/Maildir. Items that\n"
		"cannot be converted are quarantined: listed with a reason in the report and\n"
		"kept under OUTDIR/quarantine/. Sources are only ever read.");
	char *readers = mf_cli_reader_names();
	char *desc = g_strdup_printf(
		"Source formats: %s.\n"
		"Exit status: 0 every item written, 1 finished with quarantined items, 2 usage error,\n"
		"3 a source could not be read at all.", readers);
	g_option_context_set_description(ctx, desc);
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *error = NULL;
	int rc;
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "mailferry convert: %s\n", error->message);
		g_error_free(error);
		rc = MF_EXIT_USAGE;
	} else if (!sources || !*sources) {
		fprintf(stderr, "mailferry convert: no SOURCE given (see mailferry convert --help)\n");
		rc = MF_EXIT_USAGE;
	} else {
		rc = run(&a, sources);
	}
	g_free(readers);
	g_free(desc);
	g_option_context_free(ctx);
	g_strfreev(sources);
	g_strfreev(a.include);
	g_strfreev(a.exclude);
	g_strfreev(a.renames);
	g_free(a.outdir);
	g_free(a.to);
	g_free(a.from);
	g_free(a.report_path);
	g_free(a.mbox_format);
	g_free(a.owner);
	g_free(a.map_path);
	g_free(a.travel_time);
	g_free(a.meetings);
	g_free(a.mailbox);
	g_free(a.ews_version);
	g_free(a.attachments_dir);
	return rc;
}
