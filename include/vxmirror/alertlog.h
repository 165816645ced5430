/*
 * alertlog.h - the JSON Lines alert log.
 *
 * One object per line, built with jansson, written with exactly one
 * write() of the whole line to a file opened O_APPEND, so lines from
 * several workers never interleave and `tail -F | jq` never sees half a
 * line.  alertlog_reopen() is for logrotate (SIGHUP/SIGUSR1).
 */
#ifndef VXMIRROR_ALERTLOG_H
#define VXMIRROR_ALERTLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct alertlog;

struct alertlog_stats {
	uint64_t written;
	uint64_t write_errors; /* lines lost: write failed or was short */
};

/* alertlog_open: open (create 0640) `path` for appending, creating its
 * directory if needed.  "-" means stdout.  NULL and a log line on error. */
struct alertlog *alertlog_open(const char *path);
/* alertlog_write: one compact line, one write().  0, or -1 (counted). */
int alertlog_write(struct alertlog *, const json_t *alert);
/* alertlog_reopen: close and reopen the same path (logrotate).  On failure
 * keep the old descriptor and return -1. */
int alertlog_reopen(struct alertlog *);
void alertlog_close(struct alertlog *);
void alertlog_get_stats(struct alertlog *, struct alertlog_stats *);
/* alertlog_failing: true while the last write failed (for /healthz). */
bool alertlog_failing(struct alertlog *);
const char *alertlog_path(const struct alertlog *);

#endif
