/*
 * detector.h - the table of detections the analyzer runs (detector.c).
 *
 * Each detect_*.c file exports one `struct detector`.  For every IPv4/IPv6
 * packet the analyzer walks detector_table[] in order and calls the
 * `packet` callback of each detector whose `events` match the packet; the
 * order is part of the output (alerts of one packet come out in table
 * order), so new entries go where their alerts should appear.
 *
 * How to add a detector
 *   1. Write daemon/detect_<name>.c with its rule and one
 *      `const struct detector detector_<name> = { ... };`: a name, the
 *      events it wants, optional per-worker state_new/state_free (the
 *      state is handed to every callback; nothing is allocated per
 *      packet), and the packet callback.
 *   2. Add one line to detector_table[] in daemon/detector.c (and its
 *      extern next to it), and the file to vx_analyzer in CMakeLists.txt.
 *   3. Give its alert type an entry in enum alert_type and docs/alerts.md.
 * A detector includes this header, alert.h (building, deduplicating and
 * emitting its alerts), packet.h and flow.h, and nothing of the analyzer.
 */
#ifndef VXMIRROR_DETECTOR_H
#define VXMIRROR_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vxmirror/addr.h"
#include "vxmirror/config.h"
#include "vxmirror/flow.h"
#include "vxmirror/packet.h"
#include "vxmirror/pathmap.h"
#include "vxmirror/pcapring.h"

struct analyzer;   /* opaque to detectors */
struct alert_sink; /* alert.h */

/*
 * The packet being analysed, as every detector sees it.  A detector reads
 * these fields and asks for flows through the det_* functions below; it
 * never reaches into the analyzer.
 */
struct pctx {
	struct analyzer *an; /* opaque: only for the det_* functions */
	const struct analyzer_conf *conf;
	struct alert_sink *sink; /* where alerts go (alert.h) */
	const struct session_conf *sess;
	const struct addr *mirror_src;
	const struct packet *pkt;
	const struct pcap_ref *ref;
	struct flow *flow; /* NULL until the packet needs one */
	int side;          /* the sender's side of flow */
	void *state;       /* the running detector's state */
	/* The path (pathmap.h) this packet gave evidence about, if any: side
	 * path_x of path_flow, towards the other side; path_why: DET_PATH_*. */
	struct path_rec *path;
	struct flow *path_flow;
	int path_x;
	int path_why;
	/* Some path of this analyzer has a failed size or a PTB MTU (cheap:
	 * skip the map lookup when none has). */
	bool path_limits;
};

#define DET_PATH_PASSED 1 /* an ACK/SACK proved a bigger size (passed_max) */
#define DET_PATH_FAILED 2 /* a black hole (failed_min) */
#define DET_PATH_PTB    3 /* a PTB for a flow towards it (ptb_mtu) */

/* A session the analyzer has seen packets of (cross-session evidence). */
struct det_session {
	uint32_t vni;
	bool has_mirror;    /* mirror holds the outer source of its latest packet */
	struct addr mirror; /* the mirrored ENI (AWS: its primary IP) */
	char name[CONFIG_NAME_MAX];
};

/* det_flow: the packet's flow, created when first needed. */
struct flow *det_flow(struct pctx *c);
/* det_find: the packet's flow if it exists (never creates one); may be NULL. */
struct flow *det_find(struct pctx *c);
/* det_flow_get / det_flow_lookup: another flow by key (an ICMP error's quote). */
struct flow *det_flow_get(struct pctx *c, const struct flow_key *k, bool *created);
struct flow *det_flow_lookup(struct pctx *c, const struct flow_key *k);
/* det_path_mtu: MTU towards side x of f (0 = not configured); from may be NULL. */
uint32_t det_path_mtu(const struct pctx *c, const struct flow *f, int x, char *from, size_t len);
/* det_path_mtu_trusted: the same, but 0 while the traffic contradicts it as
 * too low (a bigger DF packet towards side x was acknowledged): a check
 * must not warn about healthy traffic on the strength of a wrong config. */
uint32_t det_path_mtu_trusted(const struct pctx *c, const struct flow *f, int x, char *from,
                              size_t len);
/* The path-MTU map: det_path looks the path towards dst up (NULL if none);
 * pctx.path_limits says whether any path has a failed size or a PTB MTU.
 * det_path_failed records a
 * black hole of side x of f at ip_len; det_path_ptb a PTB's MTU for a
 * packet of quoted_len bytes (false when the MTU is impossible: ignored). */
struct path_rec *det_path(const struct pctx *c, const struct addr *dst);
void det_path_failed(struct pctx *c, struct flow *f, int x, uint32_t ip_len);
bool det_path_ptb(struct pctx *c, struct flow *f, int x, uint32_t mtu, uint32_t quoted_len);

/* det_other_copy: the same connection as c->flow seen on another session,
 * the next one from index *n on (start at 0); NULL when there is none.
 * *other is that session. */
struct flow *det_other_copy(const struct pctx *c, int *n, const struct det_session **other);

/* DET_PTB_GRACE_NS: after a PTB, packets sent within this time were
 * already queued when it came: not evidence that it was ignored. */
#define DET_PTB_GRACE_NS (100 * (int64_t)1000000)

/* det_tcpip_hdr: IP + TCP header bytes without options: 40 (IPv4) or 60 (IPv6). */
static inline uint32_t det_tcpip_hdr(const struct addr *a)
{
	return a->family == AF_INET6 ? 60 : 40;
}

/* The packet events a detector can ask for. */
enum detector_event {
	DET_EV_IP = 0x01,       /* every IPv4/IPv6 packet of a known session */
	DET_EV_TCP = 0x02,      /* a TCP segment that has a flow entry */
	DET_EV_FRAGMENT = 0x04, /* an IPv4 or IPv6 fragment */
	DET_EV_PTB = 0x08,      /* an ICMP frag-needed / ICMPv6 packet-too-big with its quote */
	DET_EV_DF = 0x10,       /* a whole (not fragmented) packet with DF set (always for IPv6) */
};

struct detector {
	const char *name;
	unsigned events;          /* DET_EV_* */
	void *(*state_new)(void); /* per-worker state, or NULL */
	void (*state_free)(void *);
	void (*packet)(struct pctx *, void *state);
};

/* detector_table: every detector, in the order the analyzer runs them. */
extern const struct detector *const detector_table[];
extern const size_t detector_count;

#endif
