/*
 * housekeep.c - the disk budget and the on_complete hooks (see housekeep.h).
 *
 * One thread.  Each pass: reap finished hooks, start queued ones, rescan
 * pcap_dir/<session>/, statvfs(), delete the oldest completed files until
 * the budget holds.  A rescan (not an index kept from the writers) stays
 * right when a file is copied away, deleted by hand or left by a crash.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vxmirror/housekeep.h"
#include "vxmirror/log.h"
#include "vxmirror/pcapring.h"
#include "vxmirror/util.h"

extern char **environ;

#define HK_REAP_MS  100  /* poll interval while hooks run */
#define HK_WORK_MAX 4096 /* deferred work waiting (renames, keep_files, recovery) */

struct hk_work {
	void (*fn)(void *);
	void *ctx;
};

struct hk_item {
	char *session;
	char *path;
};

struct hk_job {
	pid_t pid;
	struct hk_item it;
};

/* One pcap file found by a scan. */
struct hk_file {
	char *path;
	char stamp[17]; /* "YYYYmmddTHHMMSSZ" from the name, "" when none */
	uint64_t seq;
	uint64_t size;
	bool part;           /* still being written */
	const char *session; /* points into path */
};

struct housekeeper {
	char *dir;
	char **argv; /* on_complete, NULL-terminated, or NULL */
	struct hk_conf c;

	pthread_t th;
	pthread_mutex_t mu; /* guards queue, kicked, stopping, st */
	pthread_cond_t cv;
	bool kicked, stopping;
	struct hk_item *queue; /* FIFO of files waiting for a hook */
	size_t qhead, qlen;
	struct hk_work *work; /* FIFO of deferred filesystem work, HK_WORK_MAX */
	size_t whead, wlen;
	bool working;           /* the thread runs a piece of it now */
	pthread_cond_t idle_cv; /* signalled when the work queue is empty */

	struct hk_job *jobs; /* running hooks, c.jobs slots; thread only */
	size_t njobs;

	struct log_limit ll; /* hook failures: a few lines, then counted */
	uint64_t prev_usage; /* usage at the end of the last pass */
	bool have_prev;      /* prev_usage is from a pass (not at start) */
	struct hk_stats st;
};

static void item_free(struct hk_item *it)
{
	free(it->session);
	free(it->path);
	it->session = it->path = NULL;
}

char *hk_expand(const char *arg, const char *file, const char *session)
{
	size_t cap = strlen(arg) + 1, n = 0;
	char *out = xmalloc(cap);

	for (const char *p = arg; *p != '\0';) {
		const char *rep = NULL;
		size_t skip = 1;
		if (strncmp(p, "{file}", 6) == 0)
			rep = file, skip = 6;
		else if (strncmp(p, "{session}", 9) == 0)
			rep = session, skip = 9;
		size_t add = rep != NULL ? strlen(rep) : 1;
		if (n + add + 1 > cap) {
			cap = (n + add + 1) * 2;
			out = xreallocarray(out, cap, 1);
		}
		if (rep != NULL)
			memcpy(out + n, rep, add);
		else
			out[n] = *p;
		n += add;
		p += skip;
	}
	out[n] = '\0';
	return out;
}

/* --- hooks ------------------------------------------------------------------ */

/* hook_spawn: start the hook for `it`; false (counted, logged) on failure. */
static bool hook_spawn(struct housekeeper *hk, struct hk_item *it)
{
	posix_spawn_file_actions_t fa;
	size_t argc = 0;
	char **av;
	pid_t pid;
	int e;

	while (hk->argv[argc] != NULL)
		argc++;
	av = xcalloc(argc + 1, sizeof(*av));
	for (size_t i = 0; i < argc; i++)
		av[i] = hk_expand(hk->argv[i], it->path, it->session);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	e = posix_spawn(&pid, av[0], &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (size_t i = 0; i < argc; i++)
		free(av[i]);
	free(av);
	pthread_mutex_lock(&hk->mu);
	if (e != 0)
		hk->st.hooks_failed++;
	else
		hk->st.hooks_started++;
	pthread_mutex_unlock(&hk->mu);
	if (e != 0) {
		log_ratelimit(&hk->ll, "on_complete: cannot run %s for %s: %s", hk->argv[0],
		              it->path, strerror(e));
		return false;
	}
	hk->jobs[hk->njobs].pid = pid;
	hk->jobs[hk->njobs].it = *it;
	hk->njobs++;
	log_debug("on_complete: pid %d for %s", (int)pid, it->path);
	return true;
}

/* hooks_start: move queued files into free job slots. */
static void hooks_start(struct housekeeper *hk)
{
	for (;;) {
		struct hk_item it;
		pthread_mutex_lock(&hk->mu);
		if (hk->qlen == 0 || hk->njobs >= hk->c.jobs) {
			pthread_mutex_unlock(&hk->mu);
			return;
		}
		it = hk->queue[hk->qhead];
		hk->qhead = (hk->qhead + 1) % hk->c.queue_max;
		hk->qlen--;
		pthread_mutex_unlock(&hk->mu);
		if (!hook_spawn(hk, &it))
			item_free(&it);
	}
}

/* hooks_reap: collect finished hooks (no blocking). */
static void hooks_reap(struct housekeeper *hk)
{
	for (size_t i = 0; i < hk->njobs;) {
		struct hk_job *j = &hk->jobs[i];
		int status;
		pid_t r = waitpid(j->pid, &status, WNOHANG);
		if (r == 0 || (r == -1 && errno == EINTR)) {
			i++;
			continue;
		}
		bool ok = r == j->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!ok) {
			if (r == j->pid && WIFEXITED(status))
				log_ratelimit(&hk->ll, "on_complete: %s for %s exited %d",
				              hk->argv[0], j->it.path, WEXITSTATUS(status));
			else if (r == j->pid && WIFSIGNALED(status))
				log_ratelimit(&hk->ll, "on_complete: %s for %s killed by signal %d",
				              hk->argv[0], j->it.path, WTERMSIG(status));
			else
				log_ratelimit(&hk->ll, "on_complete: lost pid %d for %s",
				              (int)j->pid, j->it.path);
		}
		bool deleted = ok && hk->c.delete_after_hook && unlink(j->it.path) == 0;
		if (ok && hk->c.delete_after_hook && !deleted && errno != ENOENT)
			log_warn("on_complete: delete %s", j->it.path);
		pthread_mutex_lock(&hk->mu);
		if (!ok)
			hk->st.hooks_failed++;
		if (deleted)
			hk->st.deleted_hook++;
		pthread_mutex_unlock(&hk->mu);
		item_free(&j->it);
		hk->jobs[i] = hk->jobs[--hk->njobs];
	}
}

/* busy: the file is waiting for its hook or its hook runs. */
static bool busy(struct housekeeper *hk, const char *path)
{
	bool b = false;

	for (size_t i = 0; i < hk->njobs && !b; i++)
		b = strcmp(hk->jobs[i].it.path, path) == 0;
	pthread_mutex_lock(&hk->mu);
	for (size_t i = 0; i < hk->qlen && !b; i++)
		b = strcmp(hk->queue[(hk->qhead + i) % hk->c.queue_max].path, path) == 0;
	pthread_mutex_unlock(&hk->mu);
	return b;
}

/* --- the budget ------------------------------------------------------------- */

struct scan {
	struct hk_file *v;
	size_t n, cap;
	uint64_t usage;
};

static void scan_dir(struct scan *s, const char *dir, const char *sess)
{
	char sdir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((size_t)snprintf(sdir, sizeof(sdir), "%s/%s", dir, sess) >= sizeof(sdir))
		return;
	if ((d = opendir(sdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct pcap_name pn;
		struct stat sb;

		if (pcapring_parse_name(de->d_name, &pn) == PCAP_NAME_OTHER)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
		}
		struct hk_file *f = &s->v[s->n++];
		f->path = xasprintf("%s/%s", sdir, de->d_name);
		f->session = f->path + strlen(dir) + 1;
		f->size = (uint64_t)sb.st_size;
		f->part = pn.kind == PCAP_NAME_PART;
		memcpy(f->stamp, pn.stamp, sizeof(f->stamp));
		f->seq = pn.seq;
		s->usage += f->size;
	}
	closedir(d);
}

static void scan_all(struct scan *s, const char *dir)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		scan_dir(s, dir, de->d_name);
	}
	closedir(d);
}

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
}

/* oldest first: by the start time in the name, then by sequence, then path */
static int file_cmp(const void *a, const void *b)
{
	const struct hk_file *x = a, *y = b;
	int c = strcmp(x->stamp, y->stamp);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* session_of: the session component of a scanned path (up to the '/'). */
static void session_of(const struct hk_file *f, char *buf, size_t len)
{
	const char *slash = strchr(f->session, '/');
	size_t n = slash != NULL ? (size_t)(slash - f->session) : strlen(f->session);

	if (n >= len)
		n = len - 1;
	memcpy(buf, f->session, n);
	buf[n] = '\0';
}

static void budget_pass(struct housekeeper *hk)
{
	struct scan s = {0};
	struct statvfs vfs;
	uint64_t fs = 0, avail = 0, growth, want_free = 0, need_disk = 0, need_free = 0;
	uint64_t deleted = 0, freed = 0, usage;
	bool have_vfs, rotated = false;

	scan_all(&s, hk->dir);
	have_vfs = statvfs(hk->dir, &vfs) == 0;
	if (have_vfs) {
		fs = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	}
	usage = s.usage;
	/* one more interval at the rate of the last one: act before the budget breaks */
	growth = hk->have_prev && usage > hk->prev_usage ? usage - hk->prev_usage : 0;
	if (hk->c.max_disk > 0 && usage + growth > hk->c.max_disk)
		need_disk = usage + growth - hk->c.max_disk;
	if (have_vfs) {
		want_free = hk->c.min_free;
		if (hk->c.min_free_pct > 0 && fs / 100 * hk->c.min_free_pct > want_free)
			want_free = fs / 100 * hk->c.min_free_pct;
		if (want_free > 0 && avail < want_free + growth)
			need_free = want_free + growth - avail;
	}
	if (need_disk > 0 || need_free > 0) {
		qsort(s.v, s.n, sizeof(*s.v), file_cmp);
		for (size_t i = 0; i < s.n && (freed < need_disk || freed < need_free); i++) {
			struct hk_file *f = &s.v[i];
			if (f->part || busy(hk, f->path))
				continue;
			if (unlink(f->path) == -1) {
				if (errno != ENOENT)
					log_warn("disk budget: delete %s", f->path);
				continue;
			}
			log_debug("disk budget: deleted %s (%llu bytes)", f->path,
			          (unsigned long long)f->size);
			freed += f->size;
			deleted++;
		}
		/* open files alone over the cap: complete the largest early */
		if (freed < need_disk && hk->c.rotate_early != NULL) {
			struct hk_file *big = NULL;
			for (size_t i = 0; i < s.n; i++)
				if (s.v[i].part && (big == NULL || s.v[i].size > big->size))
					big = &s.v[i];
			if (big != NULL) {
				char sess[NAME_MAX + 1];
				session_of(big, sess, sizeof(sess));
				hk->c.rotate_early(hk->c.arg, sess);
				rotated = true;
			}
		}
	}
	pthread_mutex_lock(&hk->mu);
	hk->st.scans++;
	hk->st.disk_bytes = usage - freed;
	hk->st.files = s.n - deleted;
	hk->st.fs_bytes = fs;
	hk->st.fs_free_bytes = avail + freed;
	hk->st.deleted_budget += deleted;
	if (rotated)
		hk->st.rotate_requests++;
	/* it holds when what is left fits without counting the next interval */
	if ((hk->c.max_disk > 0 && usage - freed > hk->c.max_disk) ||
	    (want_free > 0 && avail + freed < want_free))
		hk->st.budget_unheld++;
	pthread_mutex_unlock(&hk->mu);
	hk->prev_usage = usage - freed;
	hk->have_prev = true;
	scan_free(&s);
}

/* --- deferred work --------------------------------------------------------- */

/* work_run: run the deferred work queued so far, in order, without the lock. */
static void work_run(struct housekeeper *hk)
{
	pthread_mutex_lock(&hk->mu);
	while (hk->wlen > 0) {
		struct hk_work w = hk->work[hk->whead];
		hk->whead = (hk->whead + 1) % HK_WORK_MAX;
		hk->wlen--;
		hk->working = true;
		pthread_mutex_unlock(&hk->mu);
		w.fn(w.ctx);
		pthread_mutex_lock(&hk->mu);
		hk->working = false;
		hk->st.work_done++;
	}
	pthread_cond_broadcast(&hk->idle_cv);
	pthread_mutex_unlock(&hk->mu);
}

int hk_defer(void *arg, void (*fn)(void *), void *ctx)
{
	struct housekeeper *hk = arg;
	int rc = -1;

	if (hk == NULL)
		return -1;
	pthread_mutex_lock(&hk->mu);
	if (!hk->stopping && hk->wlen < HK_WORK_MAX) {
		hk->work[(hk->whead + hk->wlen) % HK_WORK_MAX] = (struct hk_work){fn, ctx};
		hk->wlen++;
		hk->kicked = true;
		pthread_cond_signal(&hk->cv);
		rc = 0;
	} else
		hk->st.work_refused++;
	pthread_mutex_unlock(&hk->mu);
	return rc;
}

/* --- the thread ------------------------------------------------------------- */

static void *hk_main(void *arg)
{
	struct housekeeper *hk = arg;
	sigset_t all;

	sigfillset(&all); /* signals belong to the main thread */
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&hk->mu);
	while (!hk->stopping) {
		struct timespec until;
		uint32_t ms = hk->njobs > 0 || hk->qlen > 0 ? HK_REAP_MS : hk->c.interval_ms;
		bool budget;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		int rc = 0;
		while (!hk->kicked && !hk->stopping && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&hk->cv, &hk->mu, &until);
		budget = hk->kicked || rc == ETIMEDOUT;
		hk->kicked = false;
		pthread_mutex_unlock(&hk->mu);
		work_run(hk); /* first: renames come before their hooks and the budget */
		hooks_reap(hk);
		hooks_start(hk);
		if (budget)
			budget_pass(hk);
		pthread_mutex_lock(&hk->mu);
		hk->st.hooks_running = hk->njobs;
		hk->st.hooks_queued = hk->qlen;
	}
	pthread_mutex_unlock(&hk->mu);
	return NULL;
}

struct housekeeper *hk_start(const struct hk_conf *c)
{
	struct housekeeper *hk = xcalloc(1, sizeof(*hk));
	size_t argc = 0;
	int e;

	hk->c = *c;
	hk->ll = (struct log_limit)LOG_LIMIT_INIT(5, 60);
	hk->dir = xstrdup(c->dir);
	hk->c.dir = hk->dir;
	if (hk->c.jobs == 0)
		hk->c.jobs = 1;
	if (hk->c.queue_max == 0)
		hk->c.queue_max = 1;
	if (hk->c.interval_ms == 0)
		hk->c.interval_ms = 1000;
	if (c->on_complete != NULL && c->on_complete[0] != NULL) {
		while (c->on_complete[argc] != NULL)
			argc++;
		hk->argv = xcalloc(argc + 1, sizeof(*hk->argv));
		for (size_t i = 0; i < argc; i++)
			hk->argv[i] = xstrdup(c->on_complete[i]);
	}
	hk->c.on_complete = hk->argv;
	hk->queue = xcalloc(hk->c.queue_max, sizeof(*hk->queue));
	hk->work = xcalloc(HK_WORK_MAX, sizeof(*hk->work));
	pthread_cond_init(&hk->idle_cv, NULL);
	hk->jobs = xcalloc(hk->c.jobs, sizeof(*hk->jobs));
	pthread_mutex_init(&hk->mu, NULL);
	pthread_cond_init(&hk->cv, NULL);
	if ((e = pthread_create(&hk->th, NULL, hk_main, hk)) != 0) {
		log_warnx("housekeeper: pthread_create: %s", strerror(e));
		hk->stopping = true;
		hk_stop(hk, 0, NULL);
		return NULL;
	}
	return hk;
}

void hk_completed(struct housekeeper *hk, const char *session, const char *path)
{
	if (hk == NULL)
		return;
	pthread_mutex_lock(&hk->mu);
	if (hk->argv != NULL && !hk->stopping) {
		if (hk->qlen < hk->c.queue_max) {
			struct hk_item *it = &hk->queue[(hk->qhead + hk->qlen) % hk->c.queue_max];
			it->session = xstrdup(session);
			it->path = xstrdup(path);
			hk->qlen++;
		} else {
			hk->st.hooks_overflow++;
			log_warnx(
			    "on_complete: queue full (%u files), %s is not handed to the hook",
			    hk->c.queue_max, path);
		}
	}
	hk->kicked = true;
	pthread_cond_signal(&hk->cv);
	pthread_mutex_unlock(&hk->mu);
}

void hk_kick(struct housekeeper *hk)
{
	if (hk == NULL)
		return;
	pthread_mutex_lock(&hk->mu);
	hk->kicked = true;
	pthread_cond_signal(&hk->cv);
	pthread_mutex_unlock(&hk->mu);
}

void hk_get_stats(struct housekeeper *hk, struct hk_stats *st)
{
	if (hk == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&hk->mu);
	*st = hk->st;
	pthread_mutex_unlock(&hk->mu);
}

void hk_stop(struct housekeeper *hk, unsigned wait_s, struct hk_stats *last)
{
	struct timespec t0, now;
	bool started;

	if (hk == NULL)
		return;
	started = !hk->stopping;
	pthread_mutex_lock(&hk->mu);
	/* the deferred work first, by the thread: it completes files whose hooks
	 * must still be queued */
	while (started && (hk->wlen > 0 || hk->working)) {
		hk->kicked = true;
		pthread_cond_signal(&hk->cv);
		pthread_cond_wait(&hk->idle_cv, &hk->mu);
	}
	hk->stopping = true;
	pthread_cond_signal(&hk->cv);
	pthread_mutex_unlock(&hk->mu);
	if (started)
		pthread_join(hk->th, NULL);
	work_run(hk); /* none is queued once stopping; a failed start may have some */
	/* the files completed last still go to the hook, within wait_s */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (hk->argv != NULL) {
			hooks_reap(hk);
			hooks_start(hk);
		}
		if (hk->njobs == 0 && hk->qlen == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= (time_t)wait_s) {
			log_warnx("on_complete: %zu hook%s still running and %zu file%s not handed "
			          "over after %u s; leaving them",
			          hk->njobs, hk->njobs == 1 ? "" : "s", hk->qlen,
			          hk->qlen == 1 ? "" : "s", wait_s);
			break;
		}
		usleep(HK_REAP_MS * 1000);
	}
	if (last != NULL) {
		pthread_mutex_lock(&hk->mu);
		*last = hk->st;
		last->hooks_running = hk->njobs;
		last->hooks_queued = hk->qlen;
		pthread_mutex_unlock(&hk->mu);
	}
	for (size_t i = 0; i < hk->njobs; i++)
		item_free(&hk->jobs[i].it);
	for (size_t i = 0; i < hk->qlen; i++)
		item_free(&hk->queue[(hk->qhead + i) % hk->c.queue_max]);
	if (hk->argv != NULL)
		for (size_t i = 0; hk->argv[i] != NULL; i++)
			free(hk->argv[i]);
	free(hk->argv);
	free(hk->queue);
	free(hk->work);
	pthread_cond_destroy(&hk->idle_cv);
	free(hk->jobs);
	free(hk->dir);
	pthread_mutex_destroy(&hk->mu);
	pthread_cond_destroy(&hk->cv);
	free(hk);
}
