/*
 * pcapring.h - per-session rotating pcap files, written with libpcap.
 *
 * Files are <dir>/<session>/<session>-<UTC %Y%m%dT%H%M%SZ>-<seq>.pcap,
 * DLT_EN10MB, decapsulated inner frames, orig_len = true frame length.
 * The file being written is "<name>.pcap.part"; it is flushed, closed and
 * renamed to "<name>.pcap" when it rotates or the ring is closed, so a
 * *.pcap file is always complete.  At most keep_files completed files are
 * kept; the oldest are deleted first.
 *
 * Rotation is driven by packet time (and pcapring_tick() for idle rings),
 * so offline replay rotates exactly like live traffic.  Interval rotation
 * is aligned to the wall clock: with 5m, files start at :00, :05, ...
 *
 * Filesystem work that a packet would otherwise wait for (renaming a
 * completed file, its hook, the keep_files deletions, and for an automatic
 * session the directory scan and the recovery of an earlier run's files)
 * is handed to conf.defer (the housekeeper's thread) when that is set.
 * When it refuses (its queue is full) the work is done in place and
 * counted in fs_inline.  Work asked for outside the packet path (tick,
 * finish, seal, close: the main and housekeeper threads) is done in place.
 *
 * One mutex per ring: several workers may write to one session's ring.
 * A write error (disk full) is counted and the ring retries opening a new
 * file on a later packet (at most once per second), so it recovers by
 * itself when space is freed.
 */
#ifndef VXMIRROR_PCAPRING_H
#define VXMIRROR_PCAPRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pcapring;
struct pcapring_fs; /* what a ring shares with its deferred filesystem work */

struct pcapring_conf {
	const char *dir;          /* base dir; the ring writes into dir/<session> */
	const char *session;      /* session name */
	uint64_t rotate_size;     /* bytes, 0 = off */
	uint64_t rotate_interval; /* seconds, 0 = off */
	uint32_t keep_files;      /* 0 = unlimited */
	uint32_t snaplen;         /* max captured bytes per record */
	/* completed: a file got its final name (called on the thread that
	 * renamed it, the ring's lock perhaps held: no I/O, no locks but the
	 * callee's own); may be NULL. */
	void (*completed)(void *arg, const char *session, const char *path);
	void *completed_arg;
	/* defer: run fn(ctx) soon on another thread and return 0, or return -1
	 * (its queue is full) to have it run here; may be NULL (all in place). */
	int (*defer)(void *arg, void (*fn)(void *ctx), void *ctx);
	void *defer_arg;
	/* fresh: the session has just been made on the packet path (unknown_vni:
	 * auto): scan and recover its directory through defer, not here */
	bool fresh;
};

/* Where a packet was written, for an alert's "pcap" field. */
struct pcap_ref {
	char file[512]; /* final path (".pcap", not ".part") */
	uint64_t frame; /* 1-based frame number in that file, as Wireshark shows it */
};

struct pcapring_stats {
	uint64_t packets;       /* records written */
	uint64_t bytes;         /* bytes written (record headers + data) */
	uint64_t files_rotated; /* files completed and renamed */
	uint64_t files_deleted; /* removed by keep_files */
	uint64_t write_errors;  /* packets not written: open/write failures */
	uint64_t fs_inline;     /* deferrable filesystem work done on the packet path */
};

/*
 * pcapring_open: create dir/<session> (mode 0750) if needed.  The first
 * file is opened lazily by the first packet.  Returns NULL and logs on
 * error (e.g. the directory cannot be created).
 */
struct pcapring *pcapring_open(const struct pcapring_conf *);

/*
 * pcapring_write: append one frame.  `cap_len` bytes of `frame` are
 * available; at most snaplen are stored; `orig_len` is the true length.
 * Rotates first when the size or interval says so.  On success fills *ref
 * (if non-NULL) and returns 0; on error returns -1 (counted, logged with a
 * rate limit).
 */
int pcapring_write(struct pcapring *, const struct timespec *ts, const uint8_t *frame,
                   size_t cap_len, uint32_t orig_len, struct pcap_ref *ref);

/* pcapring_tick: close the current file if its interval ended before `now` (idle sessions). */
void pcapring_tick(struct pcapring *, const struct timespec *now);

/* pcapring_flush: flush buffered records to the .part file (it stays .part). */
void pcapring_flush(struct pcapring *);

/* pcapring_finish: flush, close and rename the open file now (shutdown);
 * the ring stays usable (its stats too) and a later packet opens a new file. */
void pcapring_finish(struct pcapring *);

/* pcapring_seal: complete the open file and refuse every later write
 * (a session retired by a reload; a late packet is not written). */
void pcapring_seal(struct pcapring *);

/* pcapring_failing: true while the ring backs off after a write error. */
bool pcapring_failing(struct pcapring *);

/* pcapring_close: flush, close and rename the open file; free the ring. */
void pcapring_close(struct pcapring *);

void pcapring_get_stats(struct pcapring *, struct pcapring_stats *);

/* pcapring_fs_get: a reference to the ring's shared part, whose counters
 * (files_rotated, files_deleted) go on changing while work deferred by the
 * ring is done, also after the ring is closed. */
struct pcapring_fs *pcapring_fs_get(struct pcapring *);
/* pcapring_fs_counts: the shared counters now. */
void pcapring_fs_counts(struct pcapring_fs *, uint64_t *files_rotated, uint64_t *files_deleted);
void pcapring_fs_put(struct pcapring_fs *);

/* The parts of a ring's file name, <session>-<YYYYmmddTHHMMSSZ>-<seq><ext>. */
enum pcap_name_kind { PCAP_NAME_OTHER, PCAP_NAME_DONE, PCAP_NAME_RECOVERED, PCAP_NAME_PART };
struct pcap_name {
	enum pcap_name_kind kind; /* by the extension alone */
	char stamp[17];           /* the UTC start, "" when the rest is not a ring's name */
	uint64_t seq;
	size_t session_len; /* the name starts with the session and '-' */
};

/* pcapring_parse_name: the kind of a file name (.pcap, .recovered.pcap,
 * .pcap.part, else OTHER), and its stamp, seq and session when the name
 * is one a ring writes.  Parsed from the end (session names may hold '-'). */
enum pcap_name_kind pcapring_parse_name(const char *name, struct pcap_name *);
/* pcap_name_start: the stamp as unix time, 0 when there is none. */
time_t pcap_name_start(const struct pcap_name *);

/*
 * pcapring_recover: on start-up, rename stale "*.pcap.part" files left by a
 * crash in dir/<session> to "*.recovered.pcap" and return how many.
 */
int pcapring_recover(const char *dir, const char *session);

#endif
