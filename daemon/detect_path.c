/*
 * detect_path.c - path_mtu_mismatch: the traffic contradicts the configured
 * path MTU towards a destination (the path-MTU map, pathmap.h).
 *
 *   too low:  a DF packet bigger than the configured MTU was acknowledged
 *             (passed_max > path_mtu): the path carries more than the
 *             config says, and checks that trust the config would warn
 *             about healthy traffic;
 *   too high: a black hole at or below the configured MTU (failed_min <=
 *             path_mtu), or a PTB with a smaller next-hop MTU (ptb_mtu <
 *             path_mtu): the config promises what the path does not carry.
 *
 * It runs after the detectors that feed the map, on the path the packet
 * gave evidence about (pctx.path), and raises each kind once per session
 * and destination (per worker: the map is).
 */
#include <stdio.h>
#include <string.h>

#include "vxmirror/alert.h"
#include "vxmirror/detector.h"
#include "vxmirror/util.h"

/* The evidence of one mismatch, for the message. */
struct mm {
	bool too_low;
	uint32_t mtu;
	char from[ADDR_STRLEN + 16];
	const struct path_rec *r;
	const char *evidence; /* "acknowledged", "black hole", "ptb" */
	uint32_t observed;    /* the size that contradicts the config */
	uint32_t suggested;   /* the value to configure; 0 = only bounded */
	uint32_t lo, hi;      /* bounds of the path MTU (hi 0: unknown) */
};

static void mm_bounds(struct mm *m)
{
	path_bounds(m->r, &m->lo, &m->hi, &m->suggested);
}

static void mm_text(const struct mm *m, const struct addr *src, const struct addr *dst, char *msg,
                    size_t msglen, char *adv, size_t advlen)
{
	char dh[ADDR_STRLEN], sh[ADDR_STRLEN], bound[160];

	addr_fmt(dst, dh, sizeof(dh));
	addr_fmt(src, sh, sizeof(sh));
	if (m->hi != 0 && m->lo != 0)
		snprintf(bound, sizeof(bound), "between %u and %u bytes", m->lo, m->hi);
	else if (m->hi != 0)
		snprintf(bound, sizeof(bound), "at most %u bytes", m->hi);
	else
		snprintf(bound, sizeof(bound), "at least %u bytes", m->lo);
	if (m->too_low) {
		snprintf(
		    msg, msglen,
		    "the configured path MTU towards %s is %u (%s), but %s got a %u-byte DF packet "
		    "through to it (acknowledged): the config is too low, the path carries %s",
		    dh, m->mtu, m->from, sh, m->observed, bound);
		if (m->suggested != 0)
			snprintf(adv, advlen,
			         "set the MTU for %s in the vxmirror config (%s) to %u; nothing is "
			         "wrong "
			         "with the network",
			         dh, m->from, m->suggested);
		else
			snprintf(
			    adv, advlen,
			    "raise the MTU for %s in the vxmirror config (%s) to what the path "
			    "carries, at least %u (find it with tracepath %s on %s); nothing is "
			    "wrong with the network",
			    dh, m->from, m->observed, dh, sh);
		return;
	}
	snprintf(msg, msglen,
	         "the configured path MTU towards %s is %u (%s), but the traffic shows less: %s "
	         "(%u bytes); the path carries %s",
	         dh, m->mtu, m->from,
	         m->r->ptb_mtu != 0 && m->r->ptb_mtu < m->mtu ? "a router's packet-too-big"
	                                                      : "a black hole",
	         m->observed, bound);
	if (m->suggested != 0)
		snprintf(adv, advlen,
		         "set the MTU for %s in the vxmirror config (%s) to %u, and on the senders "
		         "set a per-route MTU (ip route change %s mtu %u) or clamp TCP MSS on the "
		         "path before lowering a host's MTU, which would shrink all its traffic",
		         dh, m->from, m->suggested, dh, m->suggested);
	else
		snprintf(
		    adv, advlen,
		    "find the path MTU towards %s (tracepath %s on %s, or bisect with ping%s -M "
		    "do -s SIZE-%u %s, SIZE %s), set it in the vxmirror config (%s), and on the "
		    "senders set a per-route MTU (ip route change %s mtu N) or clamp TCP MSS "
		    "before lowering a host's MTU",
		    dh, dh, sh, dst->family == AF_INET6 ? " -6" : "",
		    dst->family == AF_INET6 ? 48 : 28, dh, bound, m->from, dh);
}

static void alert_mismatch(struct pctx *c, const struct mm *m)
{
	struct alert_flow fl = alert_flow_of(c->path_flow, c->path_x);
	char msg[768], adv[768];
	json_t *o;

	o = alert_new(c, ALERT_PATH_MTU_MISMATCH, "warning", &fl);
	if (o == NULL)
		return;
	json_object_set_new(o, "kind", json_string(m->too_low ? "too_low" : "too_high"));
	json_object_set_new(o, "path_mtu", json_integer(m->mtu));
	json_object_set_new(o, "path_mtu_source", json_string(m->from));
	json_object_set_new(o, "evidence_kind", json_string(m->evidence));
	json_object_set_new(o, "observed", json_integer(m->observed));
	json_object_set_new(o, "passed_max", alert_json_uint_or_null(m->r->passed_max));
	json_object_set_new(o, "failed_min", alert_json_uint_or_null(m->r->failed_min));
	json_object_set_new(o, "ptb_mtu", alert_json_uint_or_null(m->r->ptb_mtu));
	json_object_set_new(o, "suggested_mtu", alert_json_uint_or_null(m->suggested));
	json_object_set_new(o, "path_mtu_min", alert_json_uint_or_null(m->lo));
	json_object_set_new(o, "path_mtu_max", alert_json_uint_or_null(m->hi));
	mm_text(m, fl.src, fl.dst, msg, sizeof(msg), adv, sizeof(adv));
	alert_emit(c, ALERT_PATH_MTU_MISMATCH, o, msg, adv);
}

/* check_path: the path the packet gave evidence about, against the config. */
static __attribute__((noinline)) void check_path(struct pctx *c, struct path_rec *r)
{
	struct mm m;

	memset(&m, 0, sizeof(m));
	m.r = r;
	m.mtu = det_path_mtu(c, c->path_flow, !c->path_x, m.from, sizeof(m.from));
	if (m.mtu == 0)
		return; /* nothing configured: nothing to contradict */
	if (c->path_why == DET_PATH_PASSED && path_too_low(r, m.mtu) &&
	    !(r->raised & PATH_RAISED_TOO_LOW)) {
		r->raised |= PATH_RAISED_TOO_LOW;
		m.too_low = true;
		m.evidence = "acknowledged";
		m.observed = r->passed_max;
	} else if (c->path_why == DET_PATH_FAILED && r->failed_min <= m.mtu &&
	           !(r->raised & PATH_RAISED_TOO_HIGH)) {
		r->raised |= PATH_RAISED_TOO_HIGH;
		m.evidence = "black hole";
		m.observed = r->failed_min;
	} else if (c->path_why == DET_PATH_PTB && r->ptb_mtu < m.mtu &&
	           !(r->raised & PATH_RAISED_TOO_HIGH)) {
		r->raised |= PATH_RAISED_TOO_HIGH;
		m.evidence = "ptb";
		m.observed = r->ptb_mtu;
	} else {
		return;
	}
	mm_bounds(&m);
	alert_mismatch(c, &m);
}

static void detect_path(struct pctx *c, void *state)
{
	(void)state;
	if (c->path != NULL) /* most packets give no evidence: keep that cheap */
		check_path(c, c->path);
}

/* Evidence comes from TCP (ACK/SACK, black holes) and from PTBs. */
const struct detector detector_path = {"path_mtu_mismatch", DET_EV_TCP | DET_EV_PTB, NULL, NULL,
                                       detect_path};
