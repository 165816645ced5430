/*
 * pcapring.c - per-session rotating pcap files, written with libpcap.
 *
 * Life of a file: the first packet after open or rotation creates
 * "<session>-<UTC of that packet>-<seq>.pcap.part" (O_EXCL, never an
 * existing name).  Records go through pcap_dump() into a 256 KiB stdio
 * buffer; on rotation or close the file is flushed, closed and renamed to
 * ".pcap".
 *
 * good_off is the file size after the last successful fflush: everything
 * before it is whole records on disk.  When a write or flush fails (disk
 * full, EIO), the file is cut back to good_off, closed and renamed (or
 * removed if it holds no record), and the ring backs off for one second of
 * packet time before it tries to open a new file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vxmirror/log.h"
#include "vxmirror/pcapring.h"
#include "vxmirror/util.h"

#define RING_IOBUF_LEN   (256 * 1024)
#define RING_RECHDR_LEN  16 /* on-disk record header: ts_sec, ts_usec, caplen, len */
#define RING_FILEHDR_LEN sizeof(struct pcap_file_header)
#define RING_MAX_SNAPLEN 262144 /* libpcap's maximum for DLT_EN10MB */
#define RING_SEQ_TRIES   1000
#define RING_PEND_MAX    (1024 * 1024) /* records waiting for a fresh ring's directory */
#define RING_STAMP_LEN   16            /* "YYYYmmddTHHMMSSZ" */
#define RING_NAME_FIXED  (1 + RING_STAMP_LEN + 1 + 20 + 5) /* "-" stamp "-" seq ".pcap" */

enum name_kind { NAME_OTHER, NAME_DONE, NAME_PART };

/* What a ring shares with the filesystem work it defers: that work may run
 * after the ring is gone, so this part is reference-counted. */
struct pcapring_fs {
	atomic_uint refs;
	char *sessdir; /* dir/<session> */
	char *session;
	uint32_t keep_files;
	void (*completed)(void *, const char *, const char *);
	void *completed_arg;
	atomic_uint_least64_t files_rotated;
	atomic_uint_least64_t files_deleted;
	pthread_mutex_t mu; /* ll and first: the work runs on more than one thread */
	struct log_limit ll;
	atomic_bool dir_ready; /* a fresh ring's directory exists (the deferred work made it) */
	/* the ring's first file: this ring's files are it and later ones */
	bool have_first, first_made;
	char first_stamp[RING_STAMP_LEN + 1];
	uint64_t first_seq;
};

/* One piece of deferred work: complete part -> final, or (part == NULL)
 * recover what an earlier run left in a fresh session's directory. */
struct fs_job {
	struct pcapring_fs *fs;
	char *part, *final;
};

struct pcapring {
	pthread_mutex_t mu;
	struct pcapring_fs *fs;
	const char *sessdir; /* fs->sessdir */
	const char *session; /* fs->session */
	uint64_t rotate_size;
	uint64_t rotate_interval;
	uint32_t snaplen;
	int (*defer)(void *, void (*)(void *), void *);
	void *defer_arg;
	pcap_t *pd;   /* dead handle: gives the dumper its link type and snaplen */
	char *iobuf;  /* stdio buffer of the open file, reused for every file */
	uint64_t seq; /* next sequence number */

	/* the open file, fp == NULL when none */
	FILE *fp;
	pcap_dumper_t *dumper;
	char part[PATH_MAX];
	char final[PATH_MAX];
	uint64_t file_bytes;   /* bytes handed to stdio, file header included */
	uint64_t file_records; /* records handed to stdio */
	uint64_t good_off;     /* file size after the last successful fflush */
	uint64_t good_records; /* records before good_off */
	int64_t interval_end;  /* packet time at which this file rotates */
	struct timespec last_ts;

	/* A fresh ring whose directory the deferred work is still making: its
	 * first records wait in pend (their names, part and final, already
	 * chosen and handed out in pcap_refs) until it is there. */
	bool fresh;
	bool pending;
	uint8_t *pend;
	size_t pend_len;
	uint64_t pend_records;
	struct timespec pend_ts; /* of the first record */

	bool sealed;  /* pcapring_seal(): writes are refused, no new file */
	bool backoff; /* after an error: no new file before retry_at */
	struct timespec retry_at;

	struct pcapring_stats st;
	struct log_limit ll;
};

/* path_fmt: snprintf into a path buffer; -1 (ENAMETOOLONG) if it does not fit. */
static VX_PRINTF(3, 4) int path_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* path_exists: true if something (even a dangling symlink) has this name. */
static bool path_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* span_digits: the number of leading decimal digits of s. */
static size_t span_digits(const char *s)
{
	return strspn(s, "0123456789");
}

/* has_suffix: does the first len bytes of name end with s? */
static bool has_suffix(const char *name, size_t len, const char *s)
{
	size_t sl = strlen(s);

	return len > sl && memcmp(name + len - sl, s, sl) == 0;
}

enum pcap_name_kind pcapring_parse_name(const char *name, struct pcap_name *pn)
{
	size_t len = strlen(name), d;

	memset(pn, 0, sizeof(*pn));
	if (has_suffix(name, len, ".recovered.pcap"))
		pn->kind = PCAP_NAME_RECOVERED, len -= strlen(".recovered.pcap");
	else if (has_suffix(name, len, ".pcap.part"))
		pn->kind = PCAP_NAME_PART, len -= strlen(".pcap.part");
	else if (has_suffix(name, len, ".pcap"))
		pn->kind = PCAP_NAME_DONE, len -= strlen(".pcap");
	else
		return PCAP_NAME_OTHER;
	/* from the end, since session names may contain '-': "-" seq, "-" stamp */
	for (d = 0; d < len && name[len - 1 - d] >= '0' && name[len - 1 - d] <= '9'; d++)
		;
	if (d == 0 || d > 19 || len < d + 1 + RING_STAMP_LEN + 2 || name[len - d - 1] != '-')
		return pn->kind;
	const char *st = name + len - d - 1 - RING_STAMP_LEN;
	if (span_digits(st) != 8 || st[8] != 'T' || span_digits(st + 9) != 6 || st[15] != 'Z' ||
	    st[-1] != '-')
		return pn->kind;
	memcpy(pn->stamp, st, RING_STAMP_LEN);
	pn->seq = strtoull(name + len - d, NULL, 10);
	pn->session_len = (size_t)(st - 1 - name);
	return pn->kind;
}

time_t pcap_name_start(const struct pcap_name *pn)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (pn->stamp[0] == '\0' || strptime(pn->stamp, "%Y%m%dT%H%M%SZ", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/* name_classify: is `name` one of this session's pcaps (done or .part)? Sets *seq. */
static enum name_kind name_classify(const char *session, const char *name, uint64_t *seq)
{
	size_t sl = strlen(session);
	struct pcap_name pn;

	if (pcapring_parse_name(name, &pn) == PCAP_NAME_OTHER || pn.stamp[0] == '\0' ||
	    pn.session_len != sl || strncmp(name, session, sl) != 0)
		return NAME_OTHER;
	*seq = pn.seq;
	return pn.kind == PCAP_NAME_PART ? NAME_PART : NAME_DONE;
}

/* session_name_ok: the session name is a single, real path component. */
static bool session_name_ok(const char *s)
{
	return s != NULL && *s != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

/* ts_before: a < b. */
static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* interval_end: end of the wall-clock aligned interval of length iv that holds t. */
static int64_t interval_end(int64_t t, uint64_t iv)
{
	int64_t i = iv > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)iv;
	int64_t start = (t / i) * i, end;

	if (t % i < 0)
		start -= i;
	if (__builtin_add_overflow(start, i, &end))
		return INT64_MAX;
	return end;
}

/* ring_warn: rate-limited warning about `what` failing on `path`, with errno. */
static void ring_warn(struct pcapring *r, const char *what, const char *path)
{
	int saved = errno;

	log_ratelimit(&r->ll, "pcapring: %s %s: %s", what, path, strerror(saved));
}

/* fs_warn: ring_warn for the shared part (any thread). */
static void fs_warn(struct pcapring_fs *fs, const char *what, const char *path)
{
	int saved = errno;

	pthread_mutex_lock(&fs->mu);
	log_ratelimit(&fs->ll, "pcapring: %s %s: %s", what, path, strerror(saved));
	pthread_mutex_unlock(&fs->mu);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* fs_prune: delete the oldest completed files of the session beyond keep_files.
 * The directory is read again each time: files deleted by the disk budget, by
 * a hook or by hand are not counted twice. */
static void fs_prune(struct pcapring_fs *fs)
{
	char path[PATH_MAX], **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	uint64_t seq;
	DIR *d;

	if ((d = opendir(fs->sessdir)) == NULL) {
		fs_warn(fs, "opendir", fs->sessdir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (name_classify(fs->session, de->d_name, &seq) != NAME_DONE)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > fs->keep_files)
		qsort(v, n, sizeof(*v), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i + fs->keep_files < n &&
		    path_fmt(path, sizeof(path), "%s/%s", fs->sessdir, v[i]) == 0) {
			if (unlink(path) == 0)
				atomic_fetch_add_explicit(&fs->files_deleted, 1,
				                          memory_order_relaxed);
			else if (errno != ENOENT)
				fs_warn(fs, "unlink", path);
		}
		free(v[i]);
	}
	free(v);
}

/* fs_complete: rename a closed .part to its final name, then the hook and keep_files. */
static void fs_complete(struct pcapring_fs *fs, const char *part, const char *final)
{
	if (rename(part, final) == -1) {
		fs_warn(fs, "rename", part);
		return;
	}
	atomic_fetch_add_explicit(&fs->files_rotated, 1, memory_order_relaxed);
	log_debug("%s: %s", __func__, final);
	if (fs->completed != NULL)
		fs->completed(fs->completed_arg, fs->session, final);
	if (fs->keep_files > 0)
		fs_prune(fs);
}

static int recover_dir(const char *sdir, const char *session, struct pcapring_fs *fs);

/* fs_job_run: one piece of deferred work, on whichever thread runs it. */
static void fs_job_run(void *ctx)
{
	struct fs_job *j = ctx;
	int n;

	if (j->part != NULL) {
		fs_complete(j->fs, j->part, j->final);
	} else if (mkdir_p(j->fs->sessdir) == -1) {
		fs_warn(j->fs, "mkdir", j->fs->sessdir);
	} else {
		atomic_store_explicit(&j->fs->dir_ready, true, memory_order_release);
		if ((n = recover_dir(j->fs->sessdir, j->fs->session, j->fs)) > 0)
			log_warnx("session %s: kept %d unfinished pcap file%s from an earlier run "
			          "as *.recovered.pcap",
			          j->fs->session, n, n == 1 ? "" : "s");
	}
	pcapring_fs_put(j->fs);
	free(j->part);
	free(j->final);
	free(j);
}

/* ring_defer: hand a job to conf.defer; in place (counted) when it is refused. */
static void ring_defer(struct pcapring *r, struct fs_job *j)
{
	atomic_fetch_add_explicit(&j->fs->refs, 1, memory_order_relaxed);
	if (r->defer != NULL && r->defer(r->defer_arg, fs_job_run, j) == 0)
		return;
	if (r->defer != NULL)
		r->st.fs_inline++;
	fs_job_run(j);
}

struct pcapring_fs *pcapring_fs_get(struct pcapring *r)
{
	atomic_fetch_add_explicit(&r->fs->refs, 1, memory_order_relaxed);
	return r->fs;
}

void pcapring_fs_counts(struct pcapring_fs *fs, uint64_t *rotated, uint64_t *deleted)
{
	*rotated = atomic_load_explicit(&fs->files_rotated, memory_order_relaxed);
	*deleted = atomic_load_explicit(&fs->files_deleted, memory_order_relaxed);
}

void pcapring_fs_put(struct pcapring_fs *fs)
{
	if (fs == NULL || atomic_fetch_sub_explicit(&fs->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_destroy(&fs->mu);
	free(fs->sessdir);
	free(fs->session);
	free(fs);
}

/* ring_scan: note earlier runs' files: the highest seq. */
static int ring_scan(struct pcapring *r)
{
	DIR *d;
	struct dirent *de;
	uint64_t seq;

	if ((d = opendir(r->sessdir)) == NULL) {
		log_warn("pcapring: opendir %s", r->sessdir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (name_classify(r->session, de->d_name, &seq) == NAME_OTHER)
			continue;
		if (seq >= r->seq && seq < UINT64_MAX)
			r->seq = seq + 1;
	}
	closedir(d);
	return 0;
}

/* ring_free: release everything the ring owns; no file may be open. */
static void ring_free(struct pcapring *r)
{
	if (r->pd != NULL)
		pcap_close(r->pd);
	pthread_mutex_destroy(&r->mu);
	free(r->iobuf);
	free(r->pend);
	pcapring_fs_put(r->fs);
	free(r);
}

/* ring_check_conf: session name and path lengths usable; fills sdir with dir/<session>. */
static int ring_check_conf(const struct pcapring_conf *c, char *sdir, size_t len)
{
	if (c->dir == NULL || !session_name_ok(c->session)) {
		log_warnx("pcapring: invalid directory or session name \"%s\"",
		          c->session != NULL ? c->session : "");
		return -1;
	}
	/* every final path must fit pcap_ref.file, whatever seq grows to */
	if (path_fmt(sdir, len, "%s/%s", c->dir, c->session) == -1 ||
	    strlen(sdir) + 1 + strlen(c->session) + RING_NAME_FIXED >=
	        sizeof(((struct pcap_ref *)NULL)->file)) {
		log_warnx("pcapring: %s/%s: path too long", c->dir, c->session);
		return -1;
	}
	return 0;
}

struct pcapring *pcapring_open(const struct pcapring_conf *c)
{
	struct pcapring *r;
	char sdir[PATH_MAX];

	if (ring_check_conf(c, sdir, sizeof(sdir)) == -1)
		return NULL;
	if (!c->fresh && mkdir_p(sdir) == -1) {
		log_warn("pcapring: mkdir %s", sdir);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->fs = xcalloc(1, sizeof(*r->fs));
	atomic_init(&r->fs->refs, 1);
	r->fs->sessdir = xstrdup(sdir);
	r->fs->session = xstrdup(c->session);
	r->fs->keep_files = c->keep_files;
	r->fs->completed = c->completed;
	r->fs->completed_arg = c->completed_arg;
	pthread_mutex_init(&r->fs->mu, NULL);
	r->fs->ll = (struct log_limit)LOG_LIMIT_INIT(5, 10);
	r->sessdir = r->fs->sessdir;
	r->session = r->fs->session;
	r->rotate_size = c->rotate_size;
	r->rotate_interval = c->rotate_interval;
	r->defer = c->defer;
	r->defer_arg = c->defer_arg;
	r->fresh = c->fresh;
	r->snaplen =
	    c->snaplen == 0 || c->snaplen > RING_MAX_SNAPLEN ? RING_MAX_SNAPLEN : c->snaplen;
	r->seq = 1;
	r->ll = (struct log_limit)LOG_LIMIT_INIT(5, 10);
	r->iobuf = xmalloc(RING_IOBUF_LEN);
	if ((r->pd = pcap_open_dead(DLT_EN10MB, (int)r->snaplen)) == NULL) {
		log_warnx("pcapring: pcap_open_dead failed");
		goto fail;
	}
	if (c->fresh) {
		/* no mkdir or scan here: the deferred work makes the directory (the
		 * first records wait for it) and recovers stale .part files of an
		 * earlier run; ring_create skips names in use */
		struct fs_job *j = xcalloc(1, sizeof(*j));
		j->fs = r->fs;
		ring_defer(r, j);
	} else if (ring_scan(r) == -1)
		goto fail;
	return r;
fail:
	ring_free(r);
	return NULL;
}

/* ring_backoff: open no new file before one second of packet time after ts. */
static void ring_backoff(struct pcapring *r, const struct timespec *ts)
{
	r->backoff = true;
	r->retry_at = *ts;
	r->retry_at.tv_sec += 1;
}

/* ring_complete: rename the closed .part to its final name and apply keep_files;
 * deferred when a packet (pkt) closed the file. */
static void ring_complete(struct pcapring *r, bool pkt)
{
	struct fs_job *j;

	if (!pkt || r->defer == NULL) {
		fs_complete(r->fs, r->part, r->final);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->fs = r->fs;
	j->part = xstrdup(r->part);
	j->final = xstrdup(r->final);
	ring_defer(r, j);
}

/* ring_abort_file: after a write error, cut the file back to its last flushed record, finish it. */
static void ring_abort_file(struct pcapring *r, const struct timespec *ts, bool pkt)
{
	ring_warn(r, "write", r->part);
	/* records cut away were counted as written: they are errors now */
	r->st.write_errors += r->file_records - r->good_records;
	r->st.packets -= r->file_records - r->good_records;
	r->st.bytes -= r->file_bytes - MAX(r->good_off, (uint64_t)RING_FILEHDR_LEN);
	/* drop what stdio still holds, so that fclose cannot write it after the cut */
	__fpurge(r->fp);
	if (ftruncate(fileno(r->fp), (off_t)r->good_off) == -1)
		ring_warn(r, "truncate", r->part);
	pcap_dump_close(r->dumper);
	r->fp = NULL;
	r->dumper = NULL;
	if (r->good_records > 0)
		ring_complete(r, pkt);
	else if (unlink(r->part) == -1)
		ring_warn(r, "unlink", r->part);
	ring_backoff(r, ts);
}

/* ring_mark_good: everything handed to stdio is now on disk. */
static void ring_mark_good(struct pcapring *r)
{
	r->good_off = r->file_bytes;
	r->good_records = r->file_records;
}

/* ring_close_file: flush, close and rename the open file; salvage it on a flush error. */
static void ring_close_file(struct pcapring *r, bool pkt)
{
	if (fflush(r->fp) != 0 || ferror(r->fp)) {
		ring_abort_file(r, &r->last_ts, pkt);
		return;
	}
	pcap_dump_close(r->dumper);
	r->fp = NULL;
	r->dumper = NULL;
	ring_complete(r, pkt);
}

/* ring_note_first: before the ring's first file is created, say which it will
 * be (a deferred recovery must leave it and the later ones alone); `made`
 * once it is. */
static void ring_note_first(struct pcapring *r, const char *stamp, bool made)
{
	struct pcapring_fs *fs = r->fs;

	pthread_mutex_lock(&fs->mu);
	if (!fs->first_made) {
		if (stamp != NULL) /* NULL: the one noted before */
			memcpy(fs->first_stamp, stamp, sizeof(fs->first_stamp));
		fs->first_seq = r->seq;
		fs->have_first = true;
		fs->first_made = made;
	}
	pthread_mutex_unlock(&fs->mu);
}

/* ring_create: pick the next free name for a file starting at t and create its .part. */
static int ring_create(struct pcapring *r, time_t t)
{
	char stamp[RING_STAMP_LEN + 1];
	struct tm tm;
	int fd;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != RING_STAMP_LEN) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < RING_SEQ_TRIES; i++, r->seq++) {
		if (path_fmt(r->final, sizeof(r->final), "%s/%s-%s-%06" PRIu64 ".pcap", r->sessdir,
		             r->session, stamp, r->seq) == -1 ||
		    path_fmt(r->part, sizeof(r->part), "%s.part", r->final) == -1)
			return -1;
		if (path_exists(r->final))
			continue;
		ring_note_first(r, stamp, false);
		fd = open(r->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd != -1) {
			ring_note_first(r, stamp, true);
			r->seq++;
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* ring_dump_open: put a buffered stream and a pcap dumper (file header) on fd. */
static int ring_dump_open(struct pcapring *r, int fd)
{
	if ((r->fp = fdopen(fd, "wb")) == NULL) {
		close(fd);
		return -1;
	}
	if (setvbuf(r->fp, r->iobuf, _IOFBF, RING_IOBUF_LEN) != 0) {
		fclose(r->fp);
		r->fp = NULL;
		return -1;
	}
	/* on failure libpcap has already closed the stream (header write error) */
	if ((r->dumper = pcap_dump_fopen(r->pd, r->fp)) == NULL) {
		r->fp = NULL;
		errno = EIO;
		return -1;
	}
	return 0;
}

static int ring_start_file(struct pcapring *r, int fd, const struct timespec *ts);

/* ring_open_file: start a new .part file for a packet at ts (pkt: on the
 * packet path); -1 while backing off or on error.  May leave r->pending
 * instead of an open file. */
static int ring_open_file(struct pcapring *r, const struct timespec *ts, bool pkt)
{
	int fd;

	if (r->backoff && ts_before(ts, &r->retry_at))
		return -1;
	r->backoff = false;
	fd = ring_create(r, ts->tv_sec);
	if (fd == -1 && errno == ENOENT && pkt && r->fresh &&
	    !atomic_load_explicit(&r->fs->dir_ready, memory_order_acquire)) {
		/* the deferred work is still making the directory: wait for it in
		 * memory, in the file ring_create has just named */
		r->pending = true;
		r->pend_ts = *ts;
		return 0;
	}
	if (fd == -1 && errno == ENOENT) {
		/* the directory was removed under us (or not made yet): make it */
		if (mkdir_p(r->sessdir) == 0)
			fd = ring_create(r, ts->tv_sec);
		else
			errno = ENOENT;
	}
	if (fd == -1) {
		ring_warn(r, "create file in", r->sessdir);
		ring_backoff(r, ts);
		return -1;
	}
	return ring_start_file(r, fd, ts);
}

/* ring_start_file: put the stream on the new .part (fd) for a first packet at ts. */
static int ring_start_file(struct pcapring *r, int fd, const struct timespec *ts)
{
	if (ring_dump_open(r, fd) == -1) {
		ring_warn(r, "open", r->part);
		unlink(r->part);
		ring_backoff(r, ts);
		return -1;
	}
	r->file_bytes = RING_FILEHDR_LEN;
	r->file_records = 0;
	r->good_off = 0;
	r->good_records = 0;
	r->interval_end =
	    r->rotate_interval > 0 ? interval_end(ts->tv_sec, r->rotate_interval) : INT64_MAX;
	return 0;
}

/* ring_must_rotate: does a record of reclen bytes at ts belong in a new file? */
static bool ring_must_rotate(const struct pcapring *r, const struct timespec *ts, uint64_t reclen)
{
	if (r->rotate_interval > 0 && ts->tv_sec >= r->interval_end)
		return true;
	return r->rotate_size > 0 && r->file_records > 0 && r->file_bytes + reclen > r->rotate_size;
}

/* ring_pend_add: keep a record (its header as pcap_dump will take it) until
 * the directory is there; -1 when pend is full. */
static int ring_pend_add(struct pcapring *r, const struct timespec *ts, const struct pcap_pkthdr *h,
                         const uint8_t *frame)
{
	if (r->pend_len + sizeof(*h) + h->caplen > RING_PEND_MAX)
		return -1;
	if (r->pend == NULL)
		r->pend = xmalloc(RING_PEND_MAX);
	memcpy(r->pend + r->pend_len, h, sizeof(*h));
	memcpy(r->pend + r->pend_len + sizeof(*h), frame, h->caplen);
	r->pend_len += sizeof(*h) + h->caplen;
	r->pend_records++;
	r->st.packets++;
	r->st.bytes += RING_RECHDR_LEN + h->caplen;
	r->last_ts = *ts;
	return 0;
}

/* ring_pend_next: the record at *off in pend, its header copied to *h; advances *off. */
static const uint8_t *ring_pend_next(const struct pcapring *r, size_t *off, struct pcap_pkthdr *h)
{
	const uint8_t *data = r->pend + *off + sizeof(*h);

	memcpy(h, r->pend + *off, sizeof(*h));
	*off += sizeof(*h) + h->caplen;
	return data;
}

/* ring_pend_clear: no record waits any more. */
static void ring_pend_clear(struct pcapring *r)
{
	free(r->pend);
	r->pend = NULL;
	r->pend_len = 0;
	r->pend_records = 0;
	r->pending = false;
}

/* ring_pend_drop: the waiting records cannot be written: they are errors now. */
static void ring_pend_drop(struct pcapring *r)
{
	struct pcap_pkthdr h;

	for (size_t off = 0; off < r->pend_len;) {
		ring_pend_next(r, &off, &h);
		r->st.packets--;
		r->st.bytes -= RING_RECHDR_LEN + h.caplen;
		r->st.write_errors++;
	}
	ring_pend_clear(r);
}

/* ring_pend_open: create the file the waiting records were promised and write
 * them; make_dir when the deferred work has not made the directory (yet). */
static int ring_pend_open(struct pcapring *r, bool make_dir)
{
	int fd;

	if (make_dir && mkdir_p(r->sessdir) == -1) {
		ring_warn(r, "mkdir", r->sessdir);
		goto fail;
	}
	fd = open(r->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1 && errno == EEXIST) {
		/* made by someone else meanwhile: the alerts name the wrong file */
		log_warnx("pcapring: %s appeared meanwhile; the first %" PRIu64
		          " frames go to the next free name",
		          r->part, r->pend_records);
		fd = ring_create(r, r->pend_ts.tv_sec);
	} else if (fd != -1) {
		ring_note_first(r, NULL, true);
		r->seq++;
	}
	if (fd == -1) {
		ring_warn(r, "create", r->part);
		goto fail;
	}
	if (ring_start_file(r, fd, &r->pend_ts) == -1)
		goto fail;
	for (size_t off = 0; off < r->pend_len;) {
		struct pcap_pkthdr h;
		const uint8_t *data = ring_pend_next(r, &off, &h);
		pcap_dump((u_char *)r->dumper, &h, data);
		r->file_records++;
		r->file_bytes += RING_RECHDR_LEN + h.caplen;
	}
	ring_pend_clear(r);
	return 0;
fail:
	ring_pend_drop(r);
	ring_backoff(r, &r->pend_ts);
	return -1;
}

/* ring_settle: outside the packet path, a ring still waiting for its
 * directory makes it here and writes what waited. */
static void ring_settle(struct pcapring *r)
{
	if (r->pending)
		ring_pend_open(r, !atomic_load_explicit(&r->fs->dir_ready, memory_order_acquire));
}

/* ring_write: pcapring_write with the ring locked. */
static int ring_write(struct pcapring *r, const struct timespec *ts, const uint8_t *frame,
                      size_t cap_len, uint32_t orig_len, struct pcap_ref *ref)
{
	struct pcap_pkthdr h;
	uint32_t caplen = (uint32_t)MIN(cap_len, (size_t)r->snaplen);

	h.ts.tv_sec = ts->tv_sec;
	h.ts.tv_usec = (suseconds_t)(ts->tv_nsec / 1000);
	h.caplen = caplen;
	h.len = MAX(orig_len, caplen);
	if (r->pending) {
		bool ready = atomic_load_explicit(&r->fs->dir_ready, memory_order_acquire);
		if (!ready && ring_pend_add(r, ts, &h, frame) == 0)
			goto ref;
		if (!ready) /* the directory is taking long: make it here, counted */
			r->st.fs_inline++;
		if (ring_pend_open(r, !ready) == -1) {
			r->st.write_errors++;
			return -1;
		}
	}
	if (r->fp != NULL && ring_must_rotate(r, ts, RING_RECHDR_LEN + caplen))
		ring_close_file(r, true);
	if (r->fp == NULL && !r->pending && ring_open_file(r, ts, true) == -1) {
		r->st.write_errors++;
		return -1;
	}
	if (r->pending) {
		if (ring_pend_add(r, ts, &h, frame) == -1) {
			r->st.write_errors++; /* one record larger than pend: cannot be */
			return -1;
		}
		goto ref;
	}
	pcap_dump((u_char *)r->dumper, &h, frame);
	r->file_records++;
	r->file_bytes += RING_RECHDR_LEN + caplen;
	r->st.packets++;
	r->st.bytes += RING_RECHDR_LEN + caplen;
	if (ferror(r->fp)) {
		ring_abort_file(r, ts, true);
		return -1;
	}
	r->last_ts = *ts;
ref:
	if (ref != NULL) {
		vx_strlcpy(ref->file, r->final, sizeof(ref->file));
		ref->frame = r->pending ? r->pend_records : r->file_records;
	}
	return 0;
}

int pcapring_write(struct pcapring *r, const struct timespec *ts, const uint8_t *frame,
                   size_t cap_len, uint32_t orig_len, struct pcap_ref *ref)
{
	int rc;

	pthread_mutex_lock(&r->mu);
	rc = r->sealed ? -1 : ring_write(r, ts, frame, cap_len, orig_len, ref);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void pcapring_seal(struct pcapring *r)
{
	pthread_mutex_lock(&r->mu);
	ring_settle(r);
	if (r->fp != NULL)
		ring_close_file(r, false);
	r->sealed = true;
	pthread_mutex_unlock(&r->mu);
}

bool pcapring_failing(struct pcapring *r)
{
	bool b;

	pthread_mutex_lock(&r->mu);
	b = r->backoff;
	pthread_mutex_unlock(&r->mu);
	return b;
}

void pcapring_tick(struct pcapring *r, const struct timespec *now)
{
	pthread_mutex_lock(&r->mu);
	if (r->fp != NULL && r->rotate_interval > 0 && now->tv_sec >= r->interval_end)
		ring_close_file(r, false);
	pthread_mutex_unlock(&r->mu);
}

void pcapring_flush(struct pcapring *r)
{
	pthread_mutex_lock(&r->mu);
	ring_settle(r);
	if (r->fp != NULL) {
		if (fflush(r->fp) != 0 || ferror(r->fp))
			ring_abort_file(r, &r->last_ts, false);
		else
			ring_mark_good(r);
	}
	pthread_mutex_unlock(&r->mu);
}

void pcapring_finish(struct pcapring *r)
{
	pthread_mutex_lock(&r->mu);
	ring_settle(r);
	if (r->fp != NULL)
		ring_close_file(r, false);
	pthread_mutex_unlock(&r->mu);
}

void pcapring_close(struct pcapring *r)
{
	if (r == NULL)
		return;
	pcapring_finish(r);
	ring_free(r);
}

void pcapring_get_stats(struct pcapring *r, struct pcapring_stats *st)
{
	pthread_mutex_lock(&r->mu);
	*st = r->st;
	pthread_mutex_unlock(&r->mu);
	pcapring_fs_counts(r->fs, &st->files_rotated, &st->files_deleted);
}

/* recover_trim: cut a stale .part back to its last whole record; -1 if it is no pcap. */
static int recover_trim(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	long good;
	int rc;

	if ((p = pcap_open_offline(path, eb)) == NULL) {
		log_warnx("pcapring: %s: not recovered: %s", path, eb);
		return -1;
	}
	good = ftell(pcap_file(p));
	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		good = ftell(pcap_file(p));
	pcap_close(p);
	/* PCAP_ERROR here means a record cut short by the crash */
	if (rc == PCAP_ERROR && good > 0 && truncate(path, good) == -1)
		log_warn("pcapring: truncate %s", path);
	return 0;
}

/* recover_empty: remove a stale .part too short to hold even the file header. */
static void recover_empty(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && (size_t)sb.st_size < RING_FILEHDR_LEN && unlink(path) == 0)
		log_info("pcapring: removed empty %s", path);
}

/* recover_one: rename one stale "<base>.pcap.part" to "<base>.recovered.pcap". */
static int recover_one(const char *sdir, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX];
	int blen = (int)(strlen(name) - strlen(".pcap.part"));

	if (path_fmt(from, sizeof(from), "%s/%s", sdir, name) == -1 ||
	    path_fmt(to, sizeof(to), "%s/%.*s.recovered.pcap", sdir, blen, name) == -1) {
		log_warn("pcapring: %s/%s", sdir, name);
		return -1;
	}
	if (path_exists(to)) {
		log_warnx("pcapring: %s: not recovered, %s exists", from, to);
		return -1;
	}
	if (recover_trim(from) == -1) {
		recover_empty(from);
		return -1;
	}
	if (rename(from, to) == -1) {
		log_warn("pcapring: rename %s", from);
		return -1;
	}
	return 0;
}

/* fs_is_mine: is this .part one of the ring's own (its first file or a later one)? */
static bool fs_is_mine(struct pcapring_fs *fs, const char *name)
{
	struct pcap_name pn;
	bool mine;
	int c;

	pcapring_parse_name(name, &pn);
	pthread_mutex_lock(&fs->mu);
	c = strcmp(pn.stamp, fs->first_stamp);
	mine = fs->have_first && (c > 0 || (c == 0 && pn.seq >= fs->first_seq));
	pthread_mutex_unlock(&fs->mu);
	return mine;
}

/* recover_dir: pcapring_recover in sdir; with `fs`, not the .part files
 * of that ring, which may already be writing there. */
static int recover_dir(const char *sdir, const char *session, struct pcapring_fs *fs)
{
	struct dirent *de;
	uint64_t seq;
	DIR *d;
	int n = 0;

	if ((d = opendir(sdir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_warn("pcapring: opendir %s", sdir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (name_classify(session, de->d_name, &seq) != NAME_PART)
			continue;
		if (fs != NULL && fs_is_mine(fs, de->d_name))
			continue;
		if (recover_one(sdir, de->d_name) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int pcapring_recover(const char *dir, const char *session)
{
	char sdir[PATH_MAX];

	if (dir == NULL || !session_name_ok(session) ||
	    path_fmt(sdir, sizeof(sdir), "%s/%s", dir, session) == -1)
		return -1;
	return recover_dir(sdir, session, NULL);
}
