/* The one list of drivers. Reader order is detection order: on equal probe
 * confidence the earlier driver wins. Adding a format adds one line here. */
#include "mailferry/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const mf_reader_driver mf_pst_reader;
extern const mf_reader_driver mf_mdaemon_reader;
extern const mf_reader_driver mf_calendarserver_reader;
extern const mf_reader_driver mf_apple_calendars_reader, mf_ccs_files_reader;
extern const mf_reader_driver mf_mbox_reader, mf_maildir_reader, mf_eml_reader,
	mf_ics_reader, mf_vcf_reader;
extern const mf_writer_driver mf_maildir_writer, mf_mbox_writer, mf_eml_writer,
	mf_ics_writer, mf_vcf_writer;
extern const mf_writer_driver mf_ews_writer;

static const mf_reader_driver *const readers[] = {
	&mf_maildir_reader, &mf_pst_reader, &mf_mbox_reader, &mf_ics_reader, &mf_vcf_reader,
	&mf_eml_reader, &mf_mdaemon_reader, &mf_calendarserver_reader,
	&mf_apple_calendars_reader, &mf_ccs_files_reader,
	NULL,
};

static const mf_writer_driver *const writers[] = {
	&mf_maildir_writer, &mf_mbox_writer, &mf_eml_writer, &mf_ics_writer, &mf_vcf_writer,
	&mf_ews_writer,
	NULL,
};

G_DEFINE_QUARK(mailferry-error-quark, mf_error)

const mf_reader_driver *const *mf_reader_drivers(void) { return readers; }
const mf_writer_driver *const *mf_writer_drivers(void) { return writers; }

const mf_reader_driver *mf_reader_driver_find(const char *name)
{
	for (const mf_reader_driver *const *d = readers; *d; d++)
		if (g_ascii_strcasecmp((*d)->name, name) == 0)
			return *d;
	return NULL;
}

const mf_writer_driver *mf_writer_driver_find(const char *name)
{
	for (const mf_writer_driver *const *d = writers; *d; d++)
		if (g_ascii_strcasecmp((*d)->name, name) == 0)
			return *d;
	return NULL;
}

#define PROBE_HEAD_BYTES 8192

gboolean mf_source_kind_ok(const char *path, GError **error)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return TRUE;
	g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
	            "%s: not a regular file or directory (FIFOs, devices and sockets are not read)",
	            path);
	return FALSE;
}

const mf_reader_driver *mf_reader_driver_detect(const char *path, GError **error)
{
	if (!mf_source_kind_ok(path, error))
		return NULL;
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	gboolean is_dir = S_ISDIR(st.st_mode);
	guint8 head[PROBE_HEAD_BYTES];
	gssize head_len = 0;
	if (!is_dir) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (head_len = read(fd, head, sizeof head)) < 0) {
			g_set_error(error, MF_ERROR, MF_ERROR_SOURCE, "%s: %s", path, g_strerror(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		close(fd);
	}
	const mf_reader_driver *best = NULL;
	int best_score = MF_PROBE_NO;
	for (const mf_reader_driver *const *d = readers; *d; d++) {
		int score = (*d)->probe(path, is_dir, is_dir ? NULL : head, (gsize)head_len);
		if (score > best_score) {
			best = *d;
			best_score = score;
		}
	}
	if (!best)
		g_set_error(error, MF_ERROR, MF_ERROR_SOURCE,
		            "%s: not a format mailferry reads (tried the content of the %s; "
		            "use --from to force one)", path, is_dir ? "directory" : "file");
	return best;
}
