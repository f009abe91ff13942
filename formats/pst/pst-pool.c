/* Message conversions on worker threads, each with its own libpff handle on
 * the same file.
 *
 * Why: converting a message (libpff's reads, decryption and checksums, then
 * the MIME or iCalendar building) is most of a PST run and one item never
 * depends on another, while a libpff handle serialises every call made on it.
 * Separate handles share nothing but the read-only file, so items convert in
 * parallel; the reader still hands them on in walk order (pst-read.c waits
 * for each job in turn), so the output is the same as with one thread.
 *
 * The conversion code keeps no state between items except pst-nameid.c's
 * index, which is per thread.
 *
 * The queue is guarded by a POSIX mutex rather than GLib's (futex-based)
 * GMutex, so that ThreadSanitizer sees the hand-overs. */
#include "pst.h"
#include "pst-crc.h"

#include <pthread.h>

struct mfi_pst_pool {
	pthread_mutex_t lock;
	pthread_cond_t queued;  /* a job (or `stop`) was queued */
	pthread_cond_t done;    /* a job has run */
	GQueue jobs;            /* mfi_pst_job*, or `stop`; under `lock` */
	GPtrArray *threads;     /* GThread* */
	GPtrArray *workers;     /* pool_worker*, one per thread */
	mfi_pst_work_fn work;
};

typedef struct pool_worker {
	mfi_pst_pool *pool;
	mfi_pst_file pf; /* the reader's, with this worker's own libpff handle */
} pool_worker;

/* A job the queue hands to a worker to end it. */
static mfi_pst_job stop;

/* The path still names the file the reader opened, unchanged: a file
 * replaced or written to since must not mix its items into the run. */
static gboolean same_file(const struct stat *a, const char *path)
{
	struct stat b;
	return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino &&
	       a->st_size == b.st_size && a->st_mtim.tv_sec == b.st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

/* Opens the worker's handle, on the worker's thread: the workers open theirs
 * at the same time, while the reader walks on. */
static gboolean worker_open(pool_worker *w)
{
	libpff_error_t *err = NULL;
	const char *path = w->pf.path;
	w->pf.file = NULL;
	if (libpff_file_initialize(&w->pf.file, &err) != 1 ||
	    libpff_file_open(w->pf.file, path, LIBPFF_OPEN_READ, &err) != 1 ||
	    !same_file(&w->pf.st, path)) {
		libpff_error_free(&err);
		if (w->pf.file) {
			libpff_file_close(w->pf.file, NULL);
			libpff_file_free(&w->pf.file, NULL);
		}
		return FALSE;
	}
	return TRUE;
}

static gpointer worker_run(gpointer data)
{
	pool_worker *w = data;
	mfi_pst_pool *pool = w->pool;
	gboolean open = worker_open(w);
	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (g_queue_is_empty(&pool->jobs))
			pthread_cond_wait(&pool->queued, &pool->lock);
		mfi_pst_job *job = g_queue_pop_head(&pool->jobs);
		pthread_mutex_unlock(&pool->lock);
		if (job == &stop)
			break;
		gboolean failed = !open;
		if (open)
			pool->work(&w->pf, job);
		pthread_mutex_lock(&pool->lock);
		job->failed = failed; /* the reader converts it */
		job->done = TRUE;
		pthread_cond_broadcast(&pool->done);
		pthread_mutex_unlock(&pool->lock);
	}
	mfi_pst_nameid_forget(); /* this thread's index, before its handle goes */
	if (open) {
		libpff_file_close(w->pf.file, NULL);
		libpff_file_free(&w->pf.file, NULL);
	}
	return NULL;
}

mfi_pst_pool *mfi_pst_pool_new(const mfi_pst_file *main, guint workers, mfi_pst_work_fn work)
{
	if (workers < 2)
		return NULL;
	mfi_pst_pool *pool = g_new0(mfi_pst_pool, 1);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->queued, NULL);
	pthread_cond_init(&pool->done, NULL);
	g_queue_init(&pool->jobs);
	pool->threads = g_ptr_array_new();
	pool->workers = g_ptr_array_new_with_free_func(g_free);
	pool->work = work;
	for (guint i = 0; i < workers; i++) {
		pool_worker *w = g_new0(pool_worker, 1);
		w->pool = pool;
		w->pf = *main;
		GThread *t = g_thread_try_new("pst-worker", worker_run, w, NULL);
		if (!t) {
			g_free(w);
			break;
		}
		g_ptr_array_add(pool->workers, w);
		g_ptr_array_add(pool->threads, t);
	}
	if (pool->threads->len < 2) { /* no gain over the reader's own handle */
		mfi_pst_pool_free(pool);
		return NULL;
	}
	return pool;
}

static void push(mfi_pst_pool *pool, mfi_pst_job *job)
{
	pthread_mutex_lock(&pool->lock);
	g_queue_push_tail(&pool->jobs, job);
	pthread_cond_signal(&pool->queued);
	pthread_mutex_unlock(&pool->lock);
}

void mfi_pst_pool_submit(mfi_pst_pool *pool, mfi_pst_job *job)
{
	job->done = FALSE;
	job->failed = FALSE;
	push(pool, job);
}

void mfi_pst_pool_wait(mfi_pst_pool *pool, mfi_pst_job *job)
{
	pthread_mutex_lock(&pool->lock);
	while (!job->done)
		pthread_cond_wait(&pool->done, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

void mfi_pst_pool_free(mfi_pst_pool *pool)
{
	if (!pool)
		return;
	for (guint i = 0; i < pool->threads->len; i++)
		push(pool, &stop);
	for (guint i = 0; i < pool->threads->len; i++)
		g_thread_join(pool->threads->pdata[i]);
	g_ptr_array_unref(pool->threads);
	g_ptr_array_unref(pool->workers);
	g_queue_clear(&pool->jobs);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->queued);
	pthread_cond_destroy(&pool->done);
	g_free(pool);
}
