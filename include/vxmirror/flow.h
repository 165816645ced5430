/*
 * flow.h - the analyzer's bidirectional flow table.
 *
 * One table per analyzer (one per worker): no globals, no locks.  A flow is
 * keyed by VNI + IP protocol + both (address, port) pairs, normalised so the
 * lower (address, port) is side "a" (index 0) and both directions of a
 * connection hit the same entry.  flow_key_make() says which side sent the
 * packet; per-side state lives in flow->side[0] and flow->side[1].
 *
 * Memory is fixed: 272 bytes per entry on LP64 (x86_64, aarch64), plus one
 * 8-byte bucket pointer, so 280 bytes per flow (about 280 MB for a million
 * flows); flow.c asserts the 288-byte budget.  Entries are allocated in
 * chunks of FLOW_CHUNK as the table fills, never per packet, up to
 * max_flows.  When the table is full the
 * least recently used entry is recycled (closed flows first), and counted as
 * evicted.  Idle and closed flows are expired by packet time, never by the
 * clock, so a replayed capture behaves like live traffic.
 *
 * Flows sit on one of two intrusive LRU lists, "open" and "closed" (a flow is
 * closed by an RST or by a FIN from both sides), so expiry only ever looks
 * at list tails: each list is in last-seen order.
 */
#ifndef VXMIRROR_FLOW_H
#define VXMIRROR_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vxmirror/addr.h"
#include "vxmirror/packet.h"

#define FLOW_CHUNK 1024 /* entries allocated at a time */

/*
 * The normalised key.  No implicit padding (`pad` is always 0), so keys
 * compare and hash as plain bytes.  Ports are 0 for protocols without ports.
 */
struct flow_key {
	uint32_t vni;
	uint16_t port_a, port_b;
	struct addr a, b; /* a <= b by (address, port) */
	uint8_t proto;
	uint8_t pad;
};

/* flow_side.flags */
#define FS_HAS_MSS     0x0001  /* mss holds the MSS this side announced in its SYN/SYN-ACK */
#define FS_SYN         0x0002  /* this side sent a SYN (without ACK) */
#define FS_SYNACK      0x0004  /* this side sent a SYN-ACK */
#define FS_FIN         0x0008  /* this side sent a FIN */
#define FS_RST         0x0010  /* this side sent an RST */
#define FS_DF          0x0020  /* this side sent a packet with DF (any IPv6 packet) */
#define FS_SEQ         0x0040  /* seq_next is valid */
#define FS_ACK         0x0080  /* ack_max is valid */
#define FS_PTB_SEEN    0x0100  /* an ICMP PTB quoting this side's packets was seen (ptb_mtu) */
#define FS_MSS_UNKNOWN 0x0200  /* its SYN/SYN-ACK options were cut by the mirror: MSS unknown */
#define FS_ZERO_WIN    0x0400  /* its latest ACK advertised a zero receive window */
#define FS_BIG         0x0800  /* big_* describe an unacknowledged segment being tracked */
#define FS_BIG_SHRUNK  0x1000  /* the tracked segment's data was resent in smaller segments */
#define FS_RECOVERED   0x2000  /* ...and the peer acknowledged them (the analyzer clears it) */
#define FS_BH_ALERTED  0x4000  /* pmtud_blackhole was raised for the tracked segment */
#define FS_BH_FOLLOWUP 0x8000  /* its recovered_by_fallback follow-up was raised */
#define FS_BH_ACKED    0x10000 /* an alerted tracked segment was acknowledged after all */
#define FS_BH_SACKED   0x20000 /* ...by a SACK block (the detector withdraws the alert) */
#define FS_PATH        0x40000 /* this side gave evidence to the path map (counted in flows) */

/*
 * A data segment kept as evidence of what the path carries: when the peer
 * acknowledges its whole range (a SACK block, or the cumulative ACK) and
 * no copy of its data was resent in between, this very segment arrived,
 * so its size gets through.  len 0 is an empty slot.
 */
struct seg_probe {
	uint32_t seq;
	uint16_t len;    /* payload bytes */
	uint16_t ip_len; /* IP total length (65535 at most) */
};

/*
 * What one side of a flow has sent.  Sequence numbers compare mod 2^32.
 *
 * The tracked ("big") segment is, per side, the oldest unacknowledged DF
 * data segment larger than anything this side has been shown to get
 * through (acked_ip_len).  flow_account() counts its retransmissions (same
 * seq, same or larger size, not while the peer advertises a zero window),
 * notices when its data is resent in smaller segments (a fallback), and
 * when the peer's ACK covers it: then its size, or the fallback's, has
 * passed and raises acked_ip_len.  That is how "largest size known to
 * pass" is learned without keeping a list of segments.  While a segment
 * is tracked, two later segments are kept as probes (struct seg_probe):
 * the receiver's SACK of one of them proves its size passes even though
 * the tracked one is still missing (loss, not a black hole).
 */
struct flow_side {
	uint32_t packets;     /* packets sent by this side */
	uint32_t max_ip_len;  /* largest IP total length sent (true size, not captured) */
	uint32_t seq_next;    /* highest seq + segment length sent (FS_SEQ) */
	uint32_t ack_max;     /* highest ACK sent (FS_ACK) */
	uint32_t flags;       /* FS_* */
	uint16_t mss;         /* MSS option announced (FS_HAS_MSS) */
	uint8_t alerted;      /* bit (1 << enum alert_type): already raised for this side */
	uint8_t ptb_over;     /* DF packets over ptb_mtu sent after the PTB's grace period */
	uint16_t big_retrans; /* retransmissions seen of the tracked segment */

	uint32_t big_seq;         /* the tracked segment: its seq, */
	uint32_t big_end;         /* seq + payload length, */
	uint32_t big_ip_len;      /* IP total length */
	uint32_t fallback_ip_len; /* largest smaller segment its data was resent in */
	uint32_t acked_ip_len;    /* largest DF data segment the peer acknowledged */
	uint32_t ptb_mtu;         /* lowest next-hop MTU of a PTB quoting this side (FS_PTB_SEEN) */
	/* Evidence while a segment is tracked: the largest new segment sent
	 * after it, and the latest; either one acknowledged raises acked_ip_len. */
	struct seg_probe probe_big, probe_last;
	int64_t big_first_ns; /* packet time the tracked segment was first seen */
	int64_t ptb_ns;       /* packet time of the latest PTB quoting this side */
};

/* flow.state */
#define FLOW_CLOSED     0x01 /* RST, or FIN from both sides: on the closed list */
#define FLOW_HANDSHAKE  0x02 /* SYN and SYN-ACK seen (the SYN-ACK completed it) */
#define FLOW_HS_CHECKED 0x04 /* the analyzer has evaluated the handshake */

#define FLOW_SIDE_UNKNOWN 0xff

struct flow {
	struct flow *hnext;       /* hash chain; free list */
	struct flow *prev, *next; /* LRU list, most recent at the head */
	int64_t first_ns;         /* packet time of the first packet */
	int64_t last_ns;          /* packet time of the latest packet */
	struct flow_key key;
	uint32_t hash;
	uint8_t state;     /* FLOW_* */
	uint8_t initiator; /* side that sent the SYN (0 = a, 1 = b), or FLOW_SIDE_UNKNOWN */
	uint8_t list;      /* which list holds it (flow.c) */
	uint8_t pad;
	struct flow_side side[2];
};

struct flow_table;

struct flow_table_stats {
	uint64_t active; /* flows in the table */
	uint64_t created;
	uint64_t evicted;  /* recycled because the table was full */
	uint64_t expired;  /* idle or closed timeout */
	uint64_t capacity; /* entries allocated so far (<= max_flows) */
};

/* flow_table_new: an empty table of at most max_flows entries (>= 1). */
struct flow_table *flow_table_new(uint32_t max_flows);
void flow_table_free(struct flow_table *);

/*
 * flow_key_set: the normalised key for a packet from (src, sport) to
 * (dst, dport).  Returns the side the sender is: 0 when it is "a", else 1.
 */
int flow_key_set(struct flow_key *, uint32_t vni, uint8_t proto, const struct addr *src,
                 uint16_t sport, const struct addr *dst, uint16_t dport);
/* flow_key_make: the same from a decoded packet; ports only for TCP/UDP with PKT_HAS_L4. */
int flow_key_make(struct flow_key *, uint32_t vni, const struct packet *);
/* flow_side_addr: the address and port of `side` in `f`. */
const struct addr *flow_side_addr(const struct flow *f, int side, uint16_t *port);

/* flow_lookup: the entry for `key`, or NULL.  Does not touch the LRU. */
struct flow *flow_lookup(struct flow_table *, const struct flow_key *);
/*
 * flow_get: the entry for `key`, created if absent (recycling the least
 * recently used entry when full); *created says which.  Marks it used at
 * packet time now_ns.  Never NULL.
 */
struct flow *flow_get(struct flow_table *, const struct flow_key *, int64_t now_ns, bool *created);
/* flow_touch: mark `f` used at now_ns (moves it to the head of its list). */
void flow_touch(struct flow_table *, struct flow *f, int64_t now_ns);
/*
 * flow_account: update side `side` of `f` with one packet it sent: sizes,
 * DF, seq/ack, the MSS of a SYN, FIN/RST (moving a finished flow to the
 * closed list), the zero-window flag, the tracked segment of this side
 * and, through its ACK, of the peer (see struct flow_side).  A SYN on a
 * flow whose handshake already completed starts a new connection: the
 * state (and the alert dedupe bits) are reset.
 */
void flow_account(struct flow_table *, struct flow *f, int side, const struct packet *);
/*
 * flow_expire: remove closed flows idle for closed_ns and any flow idle
 * for idle_ns, as of packet time now_ns.  A zero timeout is off (closed
 * flows then use idle_ns).  Returns how many were removed.
 */
size_t flow_expire(struct flow_table *, int64_t now_ns, int64_t idle_ns, int64_t closed_ns);
void flow_table_get_stats(const struct flow_table *, struct flow_table_stats *);

/* seq_after: a is after b in sequence space (mod 2^32). */
static inline bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* ts_ns: a timespec as nanoseconds. */
static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

#endif
