/*
 * segtrack.h - the tracked ("big") segment of a TCP flow side, the state
 * machine pmtud_blackhole is built on (segtrack.c).  The state lives in
 * struct flow_side (big_*, fallback_ip_len, acked_ip_len, FS_BIG*,
 * FS_RECOVERED, FS_BH_*); flow_account() calls these for every TCP packet.
 */
#ifndef VXMIRROR_SEGTRACK_H
#define VXMIRROR_SEGTRACK_H

#include <stdint.h>

#include "vxmirror/flow.h"
#include "vxmirror/packet.h"

/* segtrack_segment: a data segment sent by s, before its seq_next is updated. */
void segtrack_segment(struct flow_side *s, const struct flow_side *peer, const struct packet *pkt);
/* segtrack_ack: `ack` from the peer of s; settles s's tracked segment once it covers it. */
void segtrack_ack(struct flow_side *s, uint32_t ack);
/* segtrack_sack: the SACK blocks (RFC 2018) of a packet from the peer of s:
 * each proves that the segments of s inside it arrived, so their sizes pass. */
void segtrack_sack(struct flow_side *s, const struct packet *pkt);

#endif
