/*
 * collect.c - the snapshot behind /metrics and /healthz (see collect.h).
 */
#include <stdlib.h>
#include <string.h>

#include "vxmirror/collect.h"
#include "vxmirror/session.h"
#include "vxmirror/source.h"
#include "vxmirror/util.h"

/* collect_session: one session into the snapshot (sessions_foreach). */
static void collect_session(struct session *s, void *arg)
{
	struct metrics_snapshot *m = arg;
	struct metrics_session *ms;
	struct session_totals tot;

	m->sessions = xreallocarray(m->sessions, m->nsessions + 1, sizeof(*m->sessions));
	ms = &m->sessions[m->nsessions++];
	memset(ms, 0, sizeof(*ms));
	vx_strlcpy(ms->name, s->name, sizeof(ms->name));
	ms->vni = s->vni;
	ms->auto_created = s->auto_created;
	ms->pcap_enabled = s->ring != NULL && !s->retired;
	ms->pcap_failing = session_pcap_failing(s);
	session_totals_get(s, &tot);
	ms->packets = tot.packets;
	ms->bytes = tot.bytes;
	ms->truncated = tot.truncated;
	ms->decode_errors = tot.decode_errors;
	ms->pcap_filtered = tot.pcap_filtered;
	for (int k = 0; k < ALERT__MAX; k++)
		ms->alerts[k] = atomic_load(&s->c.alerts[k]);
	ms->alerts_silenced = atomic_load(&s->c.silenced);
	session_pcap_stats(s, &ms->pcap);
	ms->live = !s->retired;
	ms->last_packet_ns = session_last_ns(s);
	ms->watched = ms->live && !s->auto_created && session_conf_get(s)->expect_traffic != 0;
	ms->silent = ms->watched && atomic_load(&s->watch.silent) != 0;
}

void metrics_snapshot_fill(struct metrics_snapshot *m, const struct collect_src *src)
{
	struct alertlog *al = atomic_load(&src->ctx->alerts);
	size_t want = src->cfg->nlisten + src->cfg->ngeneve;

	memset(m, 0, sizeof(*m));
	m->start_time = src->start_time;
	m->workers = (uint32_t)src->nw;
	m->listeners = (uint32_t)source_udp_count(src->w, src->nw);
	m->listening = m->listeners == want * src->nw;
	worker_stats_sum(src->w, src->nw, &m->ingest, &m->analyzer);
	alertlog_get_stats(al, &m->alerts);
	m->alertlog_failing = alertlog_failing(al);
	m->sessions_auto_refused = atomic_load(&src->ctx->sessions->auto_refused);
	m->reloads = src->reloads;
	m->reload_errors = src->reload_errors;
	vx_strlcpy(m->config_error, src->reload_error, sizeof(m->config_error));
	sessions_foreach(src->ctx->sessions, collect_session, m);
	for (size_t i = 0; i < m->nsessions; i++) {
		m->pcap_deleted_keep_files += m->sessions[i].pcap.files_deleted;
		m->pcap_fs_inline += m->sessions[i].pcap.fs_inline;
	}
	if (src->hk != NULL)
		hk_get_stats(src->hk, &m->hk);
}

void metrics_snapshot_free(struct metrics_snapshot *m)
{
	free(m->sessions);
	m->sessions = NULL;
	m->nsessions = 0;
}
