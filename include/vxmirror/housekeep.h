/*
 * housekeep.h - the pcap directory's housekeeper: a disk budget across all
 * sessions and the on_complete hooks, in one thread of its own.
 *
 * Everything here is filesystem work that must stay off the packet path:
 * scanning pcap_dir, statvfs(), deleting old files, spawning and reaping
 * hook processes, and what the rings defer with hk_defer(): renaming a
 * completed file, keep_files, an automatic session's recovery.  The
 * writers only append to bounded queues under a mutex (no I/O).
 *
 * The budget (Arkime's freeSpaceG, daemonlogger's percentage, tcpdump -W):
 *   - max_disk: the bytes of every pcap file under pcap_dir together
 *     (completed, .part and .recovered); 0 = no cap;
 *   - min_free: free space to keep on pcap_dir's filesystem, in bytes or
 *     as a share of it.
 * Once a second (and at once after a file completes) the housekeeper
 * rescans pcap_dir/<session>/ and deletes the oldest completed files
 * across all sessions, oldest start time first, until the usage plus one
 * interval's growth fits and the free space is kept.  A file whose hook
 * is still running is never deleted.  When open files alone exceed the
 * budget, it asks for the largest to be rotated early (the callback).
 * When even that cannot hold the budget (another process filled the
 * disk), it counts `budget_unheld`; the rings retry by themselves once
 * space returns.
 *
 * Hooks (tcpdump -z): argv with {file} and {session} replaced, started
 * with posix_spawn (no shell), at most `jobs` at once; further files wait
 * in a queue of `queue_max`, beyond which they are counted as overflow and
 * not hooked.  A non-zero exit is counted and logged with the file name.
 * With delete_after_hook the file is deleted once its hook exits 0.
 */
#ifndef VXMIRROR_HOUSEKEEP_H
#define VXMIRROR_HOUSEKEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct housekeeper;

struct hk_conf {
	const char *dir;          /* pcap_dir */
	uint64_t max_disk;        /* bytes, 0 = no cap */
	uint64_t min_free;        /* bytes to keep free (0 = none)... */
	uint32_t min_free_pct;    /* ...or percent of the filesystem (0 = none); both may be set */
	char *const *on_complete; /* NULL-terminated argv, NULL = no hook */
	uint32_t jobs;            /* hooks at once, >= 1 */
	uint32_t queue_max;       /* completed files waiting for a hook */
	bool delete_after_hook;   /* delete a file once its hook exits 0 */
	uint32_t interval_ms;     /* how often to enforce the budget (default 1000) */
	/* rotate_early: ask the writer of `session` to complete its open file
	 * now (called from the housekeeper's thread; may be NULL). */
	void (*rotate_early)(void *arg, const char *session);
	void *arg;
};

struct hk_stats {
	uint64_t disk_bytes;      /* pcap bytes under dir at the last scan */
	uint64_t fs_free_bytes;   /* free bytes on dir's filesystem (f_bavail) */
	uint64_t fs_bytes;        /* size of that filesystem */
	uint64_t files;           /* pcap files at the last scan */
	uint64_t deleted_budget;  /* files deleted to keep the budget */
	uint64_t deleted_hook;    /* files deleted after their hook exited 0 */
	uint64_t budget_unheld;   /* scans after which the budget still did not hold */
	uint64_t rotate_requests; /* early rotations asked for */
	uint64_t hooks_started;   /* hook processes spawned */
	uint64_t hooks_failed;    /* exited non-zero, killed, or could not be spawned */
	uint64_t hooks_overflow;  /* completed files not hooked: the queue was full */
	uint64_t hooks_running;   /* now */
	uint64_t hooks_queued;    /* now */
	uint64_t scans;           /* budget passes done */
	uint64_t work_done;    /* deferred filesystem work done (renames, keep_files, recovery) */
	uint64_t work_refused; /* refused (queue full, stopping): done by the caller instead */
};

/* hk_start: start the housekeeper thread.  NULL (logged) on failure. */
struct housekeeper *hk_start(const struct hk_conf *);

/* hk_completed: a file is complete (renamed to its final name).  Queues
 * its hook and wakes the housekeeper.  No I/O; safe from any thread. */
void hk_completed(struct housekeeper *, const char *session, const char *path);

/* hk_defer: run fn(ctx) soon on the housekeeper's thread, in order (the
 * pcapring_conf.defer of every ring; arg is the housekeeper).  0 when
 * queued; -1 when the queue is full or the housekeeper stops: the caller
 * runs it.  hk_stop() waits for the queued work first. */
int hk_defer(void *arg, void (*fn)(void *), void *ctx);

/* hk_kick: run a budget pass now (e.g. after a rotation). */
void hk_kick(struct housekeeper *);

/* hk_get_stats: a consistent copy of the counters. */
void hk_get_stats(struct housekeeper *, struct hk_stats *);

/*
 * hk_stop: stop taking new work, hand the files still queued to their
 * hooks, wait up to `wait_s` seconds for running hooks (then leave them
 * running, logged), and join the thread.  Frees the housekeeper; the
 * counters as they ended go to *last (may be NULL).
 */
void hk_stop(struct housekeeper *, unsigned wait_s, struct hk_stats *last);

/* hk_expand: argv[i] with every {file} and {session} replaced (malloc'd). */
char *hk_expand(const char *arg, const char *file, const char *session);

#endif
