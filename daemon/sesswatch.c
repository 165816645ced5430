/*
 * sesswatch.c - sessions[].expect_traffic (sesswatch.h).
 *
 * Workers write the packet time of each frame into their own shard of the
 * session (session_shard.last_ns) and test one flag; everything else runs
 * once a second in the watcher: the main thread's timer live, the inline
 * worker's tick in -r.
 *
 *   quiet  -- now - (last frame, or watch start) >= expect_traffic -->  silent
 *            (warning line, then the flag; nothing is lost if a frame races it)
 *   silent -- a frame (any worker: its ts, outer source and pcap frame),
 *            or the watcher seeing a newer last frame ------------------>  quiet
 *            (info line, "resumed": true; the compare-and-swap picks one writer)
 */
#include <inttypes.h>
#include <stdio.h>

#include "vxmirror/alert.h"
#include "vxmirror/sesswatch.h"
#include "vxmirror/util.h"
#include "vxmirror/yamlwalk.h"

#define NS 1000000000LL

/* What one line says. */
struct silence {
	int64_t ts;      /* the line's time: now, or the frame that ended it */
	int64_t from;    /* the silence began: the last frame, or the watch start */
	int64_t last;    /* the last frame before it, 0 = none since the watch began */
	uint64_t expect; /* expect_traffic, seconds */
	bool resumed;
	const struct addr *mirror_src; /* the frame's outer source (resumed by a frame) */
	const struct pcap_ref *ref;    /* where that frame was written */
};

/* texts: the message and advice of `q`. */
static void texts(const struct session *s, const struct silence *q, char *msg, size_t mlen,
                  char *adv, size_t alen)
{
	char when[40], exp[32];
	long long secs = (long long)((q->ts - q->from) / NS);

	yw_fmt_duration(q->expect, exp, sizeof(exp));
	alert_fmt_ns(q->from, when, sizeof(when));
	if (q->resumed) {
		snprintf(msg, mlen,
		         "session %s (VNI %" PRIu32 ") receives again after %lld s of silence",
		         s->name, s->vni, secs);
		snprintf(
		    adv, alen,
		    "none needed now; if the silence since %s was not planned, find what changed "
		    "then (the mirror session, its filter, the source ENI, the security group or "
		    "NACL of this target)",
		    when);
		return;
	}
	snprintf(
	    msg, mlen,
	    "session %s (VNI %" PRIu32 ") has received nothing for %lld s (expect_traffic %s); "
	    "%s %s",
	    s->name, s->vni, secs, exp,
	    q->last != 0 ? "its last packet was at" : "no packet since watching began at", when);
	snprintf(
	    adv, alen,
	    "check that the mirror session with VNI %" PRIu32 " still exists and is active "
	    "(aws ec2 describe-traffic-mirror-sessions --filters "
	    "Name=virtual-network-id,Values=%" PRIu32 "), that its filter still accepts the "
	    "traffic and its source ENI still exists, and that this target's security group and "
	    "NACL allow UDP 4789 from the source ENI",
	    s->vni, s->vni);
}

/* emit: build the session_silent line of `q` and hand it to the alert log. */
static void emit(struct ctx *ctx, struct session *s, const struct silence *q)
{
	char ts[40], last[40], msg[256], adv[512];
	json_t *o;

	o = alert_head(alert_fmt_ns(q->ts, ts, sizeof(ts)), ALERT_SESSION_SILENT,
	               q->resumed ? "info" : "warning", s->name, s->vni, q->mirror_src);
	if (o == NULL)
		return;
	json_object_set_new(o, "flow", json_null());
	json_object_set_new(o, "resumed", json_boolean(q->resumed));
	json_object_set_new(o, "silent_seconds",
	                    json_integer((json_int_t)((q->ts - q->from) / NS)));
	json_object_set_new(o, "expect_traffic", json_integer((json_int_t)q->expect));
	json_object_set_new(o, "last_packet",
	                    q->last != 0 ? json_string(alert_fmt_ns(q->last, last, sizeof(last)))
	                                 : json_null());
	texts(s, q, msg, sizeof(msg), adv, sizeof(adv));
	alert_tail(o, msg, adv, q->ref);
	atomic_fetch_add_explicit(&ctx->silence_alerts, 1, memory_order_relaxed);
	ctx_alert(ctx, s, ALERT_SESSION_SILENT, o);
	json_decref(o);
}

/* resume: end the silence of `s` at frame time `ts` (once: compare-and-swap). */
static void resume(struct ctx *ctx, struct session *s, int64_t ts, const struct addr *mirror_src,
                   const struct pcap_ref *ref)
{
	struct silence q = {.ts = ts, .resumed = true, .mirror_src = mirror_src, .ref = ref};
	int one = 1;

	if (!atomic_compare_exchange_strong(&s->watch.silent, &one, 0))
		return;
	q.expect = session_conf_get(s)->expect_traffic;
	if (q.expect == 0)
		return; /* a reload stopped watching it: the silence ends unsaid */
	q.from = atomic_load(&s->watch.from_ns);
	q.last = atomic_load(&s->watch.last_ns);
	emit(ctx, s, &q);
}

void sesswatch_frame(struct ctx *ctx, struct session *s, const struct timespec *ts,
                     const struct addr *mirror_src, const struct pcap_ref *ref)
{
	resume(ctx, s, ts_ns(ts), mirror_src, ref);
}

/* watch_one: the watcher's look at one live session at `now`. */
static void watch_one(struct ctx *ctx, struct session *s, int64_t now)
{
	struct session_watch *w = &s->watch;
	struct silence q = {.ts = now, .expect = session_conf_get(s)->expect_traffic};
	int64_t seen;

	if (s->auto_created)
		return; /* only configured sessions are watched */
	if (w->start_ns == 0)
		w->start_ns = now;
	q.last = session_last_ns(s);
	if (atomic_load(&w->silent)) {
		if (q.last > atomic_load(&w->from_ns))
			resume(ctx, s, q.last, NULL, NULL); /* no frame noticed: this one did */
		else if (q.expect == 0)
			atomic_store(&w->silent, 0); /* a reload stopped watching it */
		return;
	}
	q.from = q.last != 0 ? q.last : w->start_ns;
	if (q.expect == 0 || now - q.from < (int64_t)q.expect * NS)
		return;
	/* the line first, then the flag: a frame can only end a silence already written */
	emit(ctx, s, &q);
	atomic_store(&w->from_ns, q.from);
	atomic_store(&w->last_ns, q.last);
	atomic_store(&w->silent, 1);
	if ((seen = session_last_ns(s)) > q.from) /* a frame came while writing */
		resume(ctx, s, seen, NULL, NULL);
}

struct watch_arg {
	struct ctx *ctx;
	int64_t now;
};

/* watch_each: watch_one for sessions_foreach_live. */
static void watch_each(struct session *s, void *arg)
{
	struct watch_arg *a = arg;

	watch_one(a->ctx, s, a->now);
}

void sesswatch_check(struct ctx *ctx, const struct timespec *now)
{
	struct watch_arg a = {ctx, ts_ns(now)};

	sessions_foreach_live(ctx->sessions, watch_each, &a);
}
