/* Reader and writer drivers: one table of functions per format, registered in
 * formats/registry.c. Nothing in the core knows a format by name.
 *
 * Ownership: an mf_item returned by next() belongs to the caller. Items passed
 * to put() stay owned by the caller. Errors are GErrors in MF_ERROR whose message
 * names the file and, where there is one, the item locator.
 */
#ifndef MAILFERRY_DRIVER_H
#define MAILFERRY_DRIVER_H

#include <glib.h>
#include "mailferry/item.h"
#include "mailferry/options.h"

#define MF_ERROR (mf_error_quark())
GQuark mf_error_quark(void);

typedef enum {
	MF_ERROR_USAGE,     /* bad option or argument */
	MF_ERROR_SOURCE,    /* the source cannot be read at all */
	MF_ERROR_ITEM,      /* one item is broken; the run goes on */
	MF_ERROR_OUTPUT,    /* the output cannot be written */
} mf_error_code;

typedef enum {
	MF_NEXT_ITEM,   /* *item_r is set */
	MF_NEXT_END,    /* no more items */
	MF_NEXT_BROKEN, /* one item could not be decoded: *item_r is set when something
	                   of it (raw bytes, folder, locator) could be kept; *error says
	                   why. It is quarantined and reading goes on. */
	MF_NEXT_FATAL,  /* reading cannot go on; *error says why */
} mf_next_result;

typedef struct mf_reader mf_reader; /* each driver defines its own */
typedef struct mf_writer mf_writer;

/* How sure a probe is that a path is its format. */
enum { MF_PROBE_NO = 0, MF_PROBE_MAYBE = 10, MF_PROBE_LIKELY = 50, MF_PROBE_SURE = 100 };

typedef struct mf_reader_driver {
	const char *name;        /* "mbox"; what --from takes */
	const char *description; /* one line for --help */

	/* `head` is the first bytes of a regular file (NULL for a directory).
	 * Returns an MF_PROBE_* confidence; the registry takes the highest. */
	int (*probe)(const char *path, gboolean is_dir, const guint8 *head, gsize head_len);

	mf_reader *(*open)(const char *path, const mf_options *opts, GError **error);
	mf_next_result (*next)(mf_reader *reader, mf_item **item_r, GError **error);
	/* Bytes of the source consumed so far and in all; for progress. May be NULL. */
	void (*progress)(mf_reader *reader, guint64 *done_r, guint64 *total_r);
	/* Files or records the reader saw and did not turn into items (names), for the
	 * report: nothing is skipped silently. May be NULL. Owned by the reader. */
	const GPtrArray *(*ignored)(mf_reader *reader);
	void (*close)(mf_reader *reader);
} mf_reader_driver;

typedef struct mf_writer_driver {
	const char *name;         /* "maildir"; what --to takes */
	const char *description;
	guint kinds;              /* MF_KIND_BIT()s it can hold; others go to a companion */
	/* TRUE when it keeps the mailboxes of a multi-user source (mf_item.mailbox)
	 * apart itself (the EWS bundle: one directory per target mailbox); else
	 * the pipeline gives each mailbox its own writer in OUTDIR/<mailbox>/. */
	gboolean keeps_mailboxes;

	mf_writer *(*open)(const char *outdir, const mf_options *opts, GError **error);
	/* FALSE with *error (MF_ERROR_ITEM) when this one item cannot be written: the
	 * pipeline quarantines it. MF_ERROR_OUTPUT ends the run. */
	gboolean (*put)(mf_writer *writer, const mf_item *item, GError **error);
	/* Finishes every output file. Frees the writer whatever it returns. */
	gboolean (*close)(mf_writer *writer, GError **error);
} mf_writer_driver;

/* formats/registry.c */
const mf_reader_driver *const *mf_reader_drivers(void); /* NULL-terminated, detection order */
const mf_writer_driver *const *mf_writer_drivers(void);
const mf_reader_driver *mf_reader_driver_find(const char *name);
const mf_writer_driver *mf_writer_driver_find(const char *name);
/* TRUE for a regular file or a directory; a FIFO, device or socket (which
 * would block or never end) is an MF_ERROR_SOURCE error naming the path. */
gboolean mf_source_kind_ok(const char *path, GError **error);
/* Probes `path` with every reader; NULL with *error when none claims it. */
const mf_reader_driver *mf_reader_driver_detect(const char *path, GError **error);

#endif
