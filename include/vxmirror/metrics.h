/*
 * metrics.h - a point-in-time copy of every counter, and its renderings.
 *
 * The daemon fills a struct metrics_snapshot (collect.c) and
 * hands it to the renderers, which know nothing about workers, sessions or
 * locks: /metrics renders the Prometheus text format from it, /healthz
 * decides from it, and the stop summary could too.  Collecting is cheap and
 * happens per request, never per packet.
 */
#ifndef VXMIRROR_METRICS_H
#define VXMIRROR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vxmirror/alertlog.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/config.h"
#include "vxmirror/housekeep.h"
#include "vxmirror/pcapring.h"
#include "vxmirror/stats.h"

struct metrics_session {
	char name[CONFIG_NAME_MAX];
	uint32_t vni;      /* VNI_NONE (session.h) for the offline "capture" session */
	bool auto_created; /* by unknown_vni: auto */
	bool pcap_enabled; /* pcap: on, and the ring could be opened */
	bool pcap_failing; /* the ring is backing off after a write error */
	uint64_t packets, bytes, truncated, decode_errors;
	uint64_t pcap_filtered;      /* kept out of the pcaps by pcap_filter */
	uint64_t alerts[ALERT__MAX]; /* by type */
	uint64_t alerts_silenced;    /* kept out by analyzer.suppress */
	struct pcapring_stats pcap;
	bool live;              /* in the configuration now (not retired by a reload) */
	int64_t last_packet_ns; /* packet time of its latest frame, 0 = none yet */
	bool watched;           /* expect_traffic is set (configured sessions) */
	bool silent;            /* a session_silent warning is out, no traffic since */
};

struct metrics_snapshot {
	/* process */
	double start_time; /* unix time the daemon started */
	uint32_t workers;
	uint32_t listeners; /* sockets bound */
	bool listening;     /* every configured listener is bound */

	/* ingest and analysis, summed over workers */
	struct worker_stats ingest;
	struct analyzer_stats analyzer;
	struct alertlog_stats alerts;
	bool alertlog_failing;          /* the last alert write failed */
	uint64_t sessions_auto_refused; /* unknown VNIs beyond the automatic session limit */

	/* configuration */
	uint64_t reloads;       /* successful SIGHUP reloads */
	uint64_t reload_errors; /* reloads refused (bad file), old config kept */
	char config_error[256]; /* the last reload error, "" if none */

	/* the pcap directory: disk budget and hooks (housekeep.h) */
	struct hk_stats hk;
	uint64_t pcap_deleted_keep_files; /* summed over sessions */
	uint64_t pcap_fs_inline;          /* summed over sessions */

	struct metrics_session *sessions;
	size_t nsessions;
};

/* metrics_render: the Prometheus text exposition format (version 0.0.4). */
void metrics_render(const struct metrics_snapshot *, FILE *out);

/*
 * metrics_health: 0 when healthy (listening, alert log writable, no pcap
 * ring failing); otherwise -1 and a one-line reason in `why`.
 */
int metrics_health(const struct metrics_snapshot *, char *why, size_t len);

#endif
