/*
 * worker.c - the pipeline of one worker:
 *
 *   datagram -> allowlist -> VXLAN -> session -> decode -> pcap ring
 *                                                      \-> analyzer -> alert log
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/annotate.h"
#include "vxmirror/flow.h"
#include "vxmirror/log.h"
#include "vxmirror/packet.h"
#include "vxmirror/sesswatch.h"
#include "vxmirror/util.h"
#include "vxmirror/worker.h"

void ctx_alert(struct ctx *ctx, struct session *s, enum alert_type type, json_t *alert)
{
	struct alertlog *al = atomic_load_explicit(&ctx->alerts, memory_order_acquire);
	const struct config *cfg = atomic_load_explicit(&ctx->cfg, memory_order_acquire);
	const struct session_conf *sc = s != NULL ? session_conf_get(s) : NULL;

	if (annotate_suppressed(cfg, alert)) {
		if (s != NULL)
			atomic_fetch_add_explicit(&s->c.silenced, 1, memory_order_relaxed);
		return; /* a known issue: counted, not written */
	}
	annotate_alert(ctx->incidents, cfg, sc, alert);
	if (s != NULL && type < ALERT__MAX)
		atomic_fetch_add_explicit(&s->c.alerts[type], 1, memory_order_relaxed);
	if (al != NULL)
		alertlog_write(al, alert); /* a failure is counted there */
}

/* on_alert: the analyzer's callback; write the line to the alert log. */
static void on_alert(void *arg, enum alert_type type, json_t *alert)
{
	struct worker *w = arg;

	ctx_alert(w->ctx, w->cur, type, alert);
}

void worker_init(struct worker *w, int id, struct ctx *ctx, struct event_base *base)
{
	struct log_limit ll = LOG_LIMIT_INIT(10, 60);
	const struct config *cfg = atomic_load(&ctx->cfg);

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->ctx = ctx;
	w->base = base;
	w->ll = ll;
	pthread_mutex_init(&w->pub_mu, NULL);
	w->an = analyzer_new(&cfg->analyzer, on_alert, w);
}

void worker_fini(struct worker *w)
{
	analyzer_free(w->an);
	w->an = NULL;
	free(w->pub_paths);
	w->pub_paths = NULL;
	pthread_mutex_destroy(&w->pub_mu);
}

/* source_allowed: true when allowed_sources is empty or matches. */
static bool source_allowed(const struct config *cfg, const struct addr *src)
{
	if (cfg->nallowed == 0)
		return true;
	for (size_t i = 0; i < cfg->nallowed; i++)
		if (cidr_contains(&cfg->allowed[i], src))
			return true;
	return false;
}

/* worker_session: the session of `vni`, through the worker's cache. */
static struct session *worker_session(struct worker *w, uint32_t vni)
{
	unsigned gen = atomic_load_explicit(&w->ctx->sessions->gen, memory_order_acquire);
	struct session **slot = &w->cache[vni % WORKER_SESSION_CACHE];
	struct session *s;

	uint32_t *miss = &w->miss[vni % WORKER_SESSION_CACHE];

	if (gen != w->cache_gen) {
		memset(w->cache, 0, sizeof(w->cache));
		memset(w->miss, 0, sizeof(w->miss));
		w->cache_gen = gen;
	}
	s = *slot;
	if (s != NULL && s->vni == vni)
		return s;
	/* A VNI with no session (unknown_vni: drop, or past the automatic
	 * limit) stays so until the next reload: no shared lock per packet. */
	if (*miss == vni + 1)
		return NULL;
	STAT_INC(w->st.session_lookups);
	s = sessions_get(w->ctx->sessions, vni);
	if (s != NULL)
		*slot = s;
	else
		*miss = vni + 1;
	return s;
}

void worker_datagram(struct worker *w, const struct timespec *ts, const struct addr *src,
                     const uint8_t *p, size_t len)
{
	const struct config *cfg = atomic_load_explicit(&w->ctx->cfg, memory_order_acquire);
	char a[ADDR_STRLEN];
	struct session *s;
	enum decode_err e;
	uint32_t vni;
	size_t hlen;

	STAT_INC(w->st.datagrams);
	STAT_ADD(w->st.bytes, len);
	if (!source_allowed(cfg, src)) {
		STAT_INC(w->st.not_allowed);
		log_ratelimit(&w->ll, "dropped datagram from %s: not in allowed_sources",
		              addr_fmt(src, a, sizeof(a)));
		return;
	}
	e = decode_vxlan(p, len, &vni, &hlen);
	if (e != DEC_OK) {
		STAT_INC(w->st.bad_vxlan);
		STAT_INC(w->st.decode[e]);
		return;
	}
	s = worker_session(w, vni);
	if (s == NULL) {
		STAT_INC(w->st.unknown_vni);
		return;
	}
	worker_frame(w, s, ts, src, p + hlen, len - hlen);
}

/* geneve_vxlan: the VXLAN datagram inside a GENEVE payload, or -1. */
static int geneve_vxlan(const uint8_t *p, size_t len, struct packet *in)
{
	uint16_t proto;
	size_t hlen;
	enum decode_err e;

	if (decode_geneve(p, len, &proto, &hlen) != DEC_OK)
		return -1;
	if (proto == 0x6558)
		e = decode_ether(in, p + hlen, len - hlen);
	else if (proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6)
		e = decode_ip(in, p + hlen, len - hlen);
	else
		return -1;
	if (e != DEC_OK || in->proto != IPPROTO_UDP_ || !(in->flags & PKT_HAS_L4) ||
	    (in->flags & PKT_FRAGMENT) || in->dport != VXLAN_PORT)
		return -1;
	return 0;
}

void worker_geneve(struct worker *w, const struct timespec *ts, const struct addr *src,
                   const uint8_t *p, size_t len)
{
	struct packet in;

	(void)src;
	in.ts = *ts;
	if (geneve_vxlan(p, len, &in) == -1) {
		STAT_INC(w->st.datagrams);
		STAT_ADD(w->st.bytes, len);
		STAT_INC(w->st.bad_geneve);
		STAT_INC(w->st.decode[DEC_GENEVE]);
		return;
	}
	/* From here on it is the mirrored VXLAN packet; its source is the ENI. */
	worker_datagram(w, ts, &in.src, in.frame + in.payload_off, packet_payload_cap(&in));
}

/* count_frame: per-session and per-worker accounting of one inner frame. */
static void count_frame(struct worker *w, struct session *s, const struct packet *pkt,
                        enum decode_err e)
{
	struct session_shard *h = session_shard_of(s, w->id);

	STAT_INC(w->st.delivered);
	STAT_INC(w->st.decode[e]);
	atomic_fetch_add_explicit(&h->packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->bytes, pkt->wire_len, memory_order_relaxed);
	atomic_store_explicit(&h->last_ns, ts_ns(&pkt->ts), memory_order_relaxed);
	if (pkt->flags & PKT_TRUNCATED) {
		STAT_INC(w->st.truncated);
		atomic_fetch_add_explicit(&h->truncated, 1, memory_order_relaxed);
	}
	if (e != DEC_OK && e != DEC_NOT_IP)
		atomic_fetch_add_explicit(&h->decode_errors, 1, memory_order_relaxed);
}

/* pcap_wanted: does the session's pcap_filter (or pcap.filter) let the frame
 * into the pcaps?  An automatic session has the current pcap.filter. */
static bool pcap_wanted(struct worker *w, struct session *s, const struct timespec *ts,
                        const uint8_t *p, size_t len, uint32_t wire_len)
{
	const struct bpf_program *f = session_conf_get(s)->filter;
	struct pcap_pkthdr h;

	if (s->auto_created)
		f = atomic_load_explicit(&w->ctx->cfg, memory_order_acquire)->pcap.filter_prog;
	if (f == NULL)
		return true;
	h.ts.tv_sec = ts->tv_sec;
	h.ts.tv_usec = (suseconds_t)(ts->tv_nsec / 1000);
	h.caplen = (uint32_t)len;
	h.len = wire_len > len ? wire_len : (uint32_t)len;
	return pcap_offline_filter(f, &h, p) != 0;
}

void worker_frame(struct worker *w, struct session *s, const struct timespec *ts,
                  const struct addr *mirror_src, const uint8_t *p, size_t len)
{
	struct pcap_ref ref, *refp = NULL;
	struct packet pkt;
	enum decode_err e;

	pkt.ts = *ts;
	e = decode_ether(&pkt, p, len);
	count_frame(w, s, &pkt, e);
	/* Every frame is written, even one that failed to decode: the pcap is
	 * the record of what was mirrored.  orig_len is the true length. */
	if (s->ring != NULL && !pcap_wanted(w, s, ts, p, len, pkt.wire_len))
		atomic_fetch_add_explicit(&session_shard_of(s, w->id)->pcap_filtered, 1,
		                          memory_order_relaxed);
	else if (s->ring != NULL && pcapring_write(s->ring, ts, p, len, pkt.wire_len, &ref) == 0)
		refp = &ref;
	else if (s->pcap_broken) /* the directory failed: every frame is a lost write */
		atomic_fetch_add_explicit(&s->c.pcap_unwritten, 1, memory_order_relaxed);
	if (atomic_load_explicit(&s->watch.silent, memory_order_relaxed))
		sesswatch_frame(w->ctx, s, ts, mirror_src, refp);
	if (e == DEC_OK) {
		w->cur = s;
		analyzer_packet(w->an, session_conf_get(s), mirror_src, &pkt, refp);
		w->cur = NULL;
	}
	if (ts->tv_sec != w->last_tick.tv_sec)
		worker_tick(w, ts);
}

void worker_quiescent(struct worker *w)
{
	unsigned gen = atomic_load_explicit(&w->ctx->sessions->gen, memory_order_acquire);

	if (atomic_load_explicit(&w->quiescent, memory_order_relaxed) != gen)
		atomic_store_explicit(&w->quiescent, gen, memory_order_release);
}

void worker_tick(struct worker *w, const struct timespec *now)
{
	struct analyzer_stats as;

	w->last_tick = *now;
	analyzer_tick(w->an, now);
	if (w->base == NULL) /* -r: packet time; the daemon's main thread watches live */
		sesswatch_check(w->ctx, now);
	analyzer_get_stats(w->an, &as);
	pthread_mutex_lock(&w->pub_mu);
	w->pub = as;
	/* Only a live worker's map is read while it runs (GET /paths, paths_log);
	 * -r's inline worker ticks every second of packet time and is read once,
	 * straight from its analyzer, at the end. */
	if (w->base != NULL) {
		w->pub_npaths = 0;
		analyzer_paths(w->an, &w->pub_paths, &w->pub_npaths, &w->pub_paths_cap);
	}
	pthread_mutex_unlock(&w->pub_mu);
}

size_t worker_paths(struct worker *w, size_t n, bool live, struct path_rec **out)
{
	size_t len = 0, cap = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!live) {
			analyzer_paths(w[i].an, out, &len, &cap);
			continue;
		}
		pthread_mutex_lock(&w[i].pub_mu);
		if (len + w[i].pub_npaths > cap) {
			cap = len + w[i].pub_npaths;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		if (w[i].pub_npaths != 0)
			memcpy(*out + len, w[i].pub_paths, w[i].pub_npaths * sizeof(**out));
		len += w[i].pub_npaths;
		pthread_mutex_unlock(&w[i].pub_mu);
	}
	return path_recs_merge(*out, len);
}

void worker_stats_sum(struct worker *w, size_t n, struct worker_stats *t, struct analyzer_stats *as)
{
	struct analyzer_stats one;

	_Static_assert(sizeof(*t) % sizeof(uint64_t) == 0, "worker_stats holds only uint64_t");
	memset(t, 0, sizeof(*t));
	memset(as, 0, sizeof(*as));
	for (size_t i = 0; i < n; i++) {
		uint64_t *src = (uint64_t *)&w[i].st;
		uint64_t *dst = (uint64_t *)t;
		for (size_t k = 0; k < sizeof(*t) / sizeof(uint64_t); k++)
			dst[k] += STAT_GET(src[k]);
		pthread_mutex_lock(&w[i].pub_mu);
		one = w[i].pub;
		pthread_mutex_unlock(&w[i].pub_mu);
		as->flows_active += one.flows_active;
		as->flows_created += one.flows_created;
		as->flows_evicted += one.flows_evicted;
		as->flows_expired += one.flows_expired;
		as->alerts_suppressed += one.alerts_suppressed;
		as->paths_active += one.paths_active;
		as->paths_evicted += one.paths_evicted;
		as->ptb_impossible += one.ptb_impossible;
		for (int k = 0; k < ALERT__MAX; k++)
			as->alerts[k] += one.alerts[k];
	}
}

/* add_silenced: a session's alerts kept out by analyzer.suppress into *arg. */
static void add_silenced(struct session *s, void *arg)
{
	*(uint64_t *)arg += atomic_load(&s->c.silenced);
}

/* summary_session: one line for one session. */
static void summary_session(struct session *s, void *arg)
{
	struct session_totals tot;
	struct pcapring_stats ps;
	char vni[16];
	FILE *f = arg;

	session_totals_get(s, &tot);
	session_pcap_stats(s, &ps);
	if (s->vni == VNI_NONE)
		vx_strlcpy(vni, "none", sizeof(vni));
	else
		snprintf(vni, sizeof(vni), "%u", s->vni);
	fprintf(f,
	        "summary: session=%s vni=%s%s packets=%" PRIu64 " bytes=%" PRIu64
	        " truncated=%" PRIu64 " decode_errors=%" PRIu64 " pcap_packets=%" PRIu64
	        " pcap_files=%" PRIu64 " pcap_write_errors=%" PRIu64 " pcap_filtered=%" PRIu64 "\n",
	        s->name, vni, s->retired ? " retired=1" : "", tot.packets, tot.bytes, tot.truncated,
	        tot.decode_errors, ps.packets, ps.files_rotated, ps.write_errors,
	        tot.pcap_filtered);
}

/* summary_workers: one line per worker, when there are several or the
 * one worker received live (then with its wake-ups and recvmmsg calls). */
static void summary_workers(struct worker *w, size_t n, FILE *f)
{
	struct worker_stats t;
	struct analyzer_stats as;

	for (size_t i = 0; i < n; i++) {
		worker_stats_sum(&w[i], 1, &t, &as);
		if (n == 1 && t.wakeups == 0)
			break;
		fprintf(f,
		        "summary: worker=%zu datagrams=%" PRIu64 " delivered=%" PRIu64
		        " flows_created=%" PRIu64 " flows_active=%" PRIu64
		        " session_lookups=%" PRIu64,
		        i, t.datagrams, t.delivered, as.flows_created, as.flows_active,
		        t.session_lookups);
		if (t.wakeups != 0)
			fprintf(f, " wakeups=%" PRIu64 " recv_calls=%" PRIu64, t.wakeups,
			        t.recv_calls);
		fputc('\n', f);
	}
}

void workers_summary(struct worker *w, size_t n, struct ctx *ctx, FILE *f)
{
	struct alertlog *al = atomic_load(&ctx->alerts);
	struct alertlog_stats ls = {0};
	struct analyzer_stats as;
	struct worker_stats t;
	uint64_t decode_errors = 0, silenced = 0;

	for (size_t i = 0; i < n; i++)
		worker_tick(&w[i], &w[i].last_tick); /* publish the final counters */
	worker_stats_sum(w, n, &t, &as);
	for (int k = 0; k < DEC__MAX; k++)
		if (k != DEC_OK && k != DEC_NOT_IP && k != DEC_VXLAN_SHORT &&
		    k != DEC_VXLAN_FLAGS && k != DEC_GENEVE)
			decode_errors += t.decode[k];
	if (al != NULL)
		alertlog_get_stats(al, &ls);
	fprintf(f,
	        "summary: datagrams=%" PRIu64 " bytes=%" PRIu64 " delivered=%" PRIu64
	        " not_allowed=%" PRIu64 " bad_vxlan=%" PRIu64 " bad_geneve=%" PRIu64
	        " unknown_vni=%" PRIu64 " not_vxlan=%" PRIu64 " oversize=%" PRIu64
	        " truncated=%" PRIu64 " decode_errors=%" PRIu64 " not_ip=%" PRIu64
	        " kernel_drops=%" PRIu64 "\n",
	        t.datagrams, t.bytes, t.delivered, t.not_allowed, t.bad_vxlan, t.bad_geneve,
	        t.unknown_vni, t.not_vxlan, t.oversize, t.truncated, decode_errors,
	        t.decode[DEC_NOT_IP], t.kernel_drops);
	for (int k = 1; k < DEC__MAX; k++)
		if (t.decode[k] > 0)
			fprintf(f, "summary: decode %s=%" PRIu64 "\n",
			        decode_err_name((enum decode_err)k), t.decode[k]);
	summary_workers(w, n, f);
	sessions_foreach(ctx->sessions, summary_session, f);
	sessions_foreach(ctx->sessions, add_silenced, &silenced);
	fprintf(f,
	        "summary: flows_created=%" PRIu64 " flows_active=%" PRIu64 " flows_evicted=%" PRIu64
	        " alerts_written=%" PRIu64 " alert_write_errors=%" PRIu64
	        " alerts_suppressed=%" PRIu64 " alerts_silenced=%" PRIu64 "\n",
	        as.flows_created, as.flows_active, as.flows_evicted, ls.written, ls.write_errors,
	        as.alerts_suppressed, silenced);
	fprintf(f,
	        "summary: paths=%" PRIu64 " paths_evicted=%" PRIu64 " ptb_impossible=%" PRIu64 "\n",
	        as.paths_active, as.paths_evicted, as.ptb_impossible);
	as.alerts[ALERT_SESSION_SILENT] = atomic_load(&ctx->silence_alerts);
	for (int k = 0; k < ALERT__MAX; k++)
		fprintf(f, "summary: alerts type=%s count=%" PRIu64 "\n",
		        alert_type_name((enum alert_type)k), as.alerts[k]);
}
