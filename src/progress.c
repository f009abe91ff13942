/* Progress display (see include/mailferry/progress.h). */
#include "mailferry/progress.h"

#include <stdio.h>
#include <unistd.h>

#define UPDATE_INTERVAL_US (250 * 1000)

struct mf_progress {
	gboolean enabled;
	gboolean is_tty;
	gint64 started_us;
	gint64 last_us;
	gboolean shown;
	char *line;
};

mf_progress *mf_progress_new(gboolean enabled)
{
	mf_progress *p = g_new0(mf_progress, 1);
	p->enabled = enabled;
	p->is_tty = isatty(STDERR_FILENO);
	return p;
}

static void format_bytes(char *buf, gsize size, guint64 bytes)
{
	char *s = g_format_size(bytes);
	g_strlcpy(buf, s, size);
	g_free(s);
}

void mf_progress_update(mf_progress *p, const char *source, guint64 items, guint64 done,
                        guint64 total)
{
	if (!p || !p->enabled)
		return;
	gint64 now = g_get_monotonic_time();
	if (p->started_us == 0) {
		/* The clock starts at a source's first item, so the rate is not
		 * diluted by opening and hashing the source. */
		p->started_us = now;
		p->last_us = now;
		return;
	}
	if (now - p->last_us < UPDATE_INTERVAL_US)
		return;
	p->last_us = now;
	double secs = (now - p->started_us) / 1e6;
	double rate = secs > 0 ? done / secs : 0;
	char done_s[32], total_s[32], rate_s[32];
	format_bytes(done_s, sizeof done_s, done);
	format_bytes(total_s, sizeof total_s, total);
	format_bytes(rate_s, sizeof rate_s, (guint64)rate);
	char eta[32] = "";
	if (total > done && rate > 0)
		g_snprintf(eta, sizeof eta, ", ETA %.0fs", (total - done) / rate);
	g_free(p->line);
	p->line = g_strdup_printf("%s: %" G_GUINT64_FORMAT " items, %s of %s, %s/s%s",
	                          source, items, done_s, total_s, rate_s, eta);
	/* On a terminal the line is redrawn in place; elsewhere (--progress into
	 * a log) each update is its own line. */
	fprintf(stderr, p->is_tty ? "\r\033[K%s" : "%s\n", p->line);
	p->shown = TRUE;
}

void mf_progress_done(mf_progress *p)
{
	if (!p || !p->enabled)
		return;
	if (p->shown && p->is_tty)
		fputc('\n', stderr);
	p->shown = FALSE;
	p->started_us = 0;
}

void mf_progress_free(mf_progress *p)
{
	if (!p)
		return;
	g_free(p->line);
	g_free(p);
}
