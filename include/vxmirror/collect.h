/*
 * collect.h - fill a struct metrics_snapshot (metrics.h) from the running
 * daemon: its workers, sessions and alert log (collect.c).
 *
 * The renderers in metrics.c know nothing about workers or sessions; this
 * is the one place that reads them, under their own locks and atomics, in
 * the main thread, per request (never per packet).
 */
#ifndef VXMIRROR_COLLECT_H
#define VXMIRROR_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "vxmirror/metrics.h"
#include "vxmirror/worker.h"

/* What the daemon's main loop knows beyond the workers and sessions. */
struct collect_src {
	struct ctx *ctx;
	struct worker *w;
	size_t nw;
	const struct config *cfg; /* in force */
	double start_time;
	uint64_t reloads, reload_errors;
	const char *reload_error; /* "" if none */
	struct housekeeper *hk;   /* the disk budget and hooks; may be NULL */
};

/* metrics_snapshot_fill: everything, now.  Free with metrics_snapshot_free. */
void metrics_snapshot_fill(struct metrics_snapshot *, const struct collect_src *);
void metrics_snapshot_free(struct metrics_snapshot *);

#endif
