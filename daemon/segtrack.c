/*
 * segtrack.c - the black-hole segment tracker (segtrack.h): per flow side,
 * the oldest unacknowledged DF data segment larger than anything the side
 * has been shown to get through, its retransmissions, a fallback to
 * smaller segments and the ACK that settles it (see struct flow_side in
 * flow.h).  flow_account() feeds it; detect_blackhole.c reads the result.
 */
#include "vxmirror/segtrack.h"
#include "vxmirror/util.h"

/* seq_in: s lies in [lo, hi) in sequence space. */
static bool seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return !seq_after(lo, s) && seq_after(hi, s);
}

/* big_start: track this segment of side s (see struct flow_side). */
static void big_start(struct flow_side *s, const struct packet *pkt, bool rexmit)
{
	s->flags &= (uint16_t) ~(FS_BIG_SHRUNK | FS_RECOVERED | FS_BH_ALERTED | FS_BH_FOLLOWUP);
	s->flags |= FS_BIG;
	s->big_seq = pkt->seq;
	s->big_end = pkt->seq + pkt->payload_len;
	s->big_ip_len = pkt->ip_len;
	s->big_retrans = rexmit ? 1 : 0;
	s->fallback_ip_len = 0;
	s->big_first_ns = ts_ns(&pkt->ts);
}

/* big_again: another segment from a side with a tracked segment. */
static void big_again(struct flow_side *s, const struct flow_side *peer, const struct packet *pkt,
                      bool rexmit)
{
	uint32_t end = pkt->seq + pkt->payload_len;

	if (pkt->seq == s->big_seq && pkt->ip_len >= s->big_ip_len) {
		/* A zero window makes the peer drop data on purpose: not evidence. */
		if (rexmit && !(peer->flags & FS_ZERO_WIN) && s->big_retrans < UINT16_MAX)
			s->big_retrans++;
		s->big_ip_len = pkt->ip_len;
		if (seq_after(end, s->big_end))
			s->big_end = end;
	} else if (pkt->ip_len < s->big_ip_len && seq_in(pkt->seq, s->big_seq, s->big_end)) {
		s->flags |= FS_BIG_SHRUNK;
		s->fallback_ip_len = MAX(s->fallback_ip_len, pkt->ip_len);
	} else if (rexmit && seq_after(s->big_seq, pkt->seq) && pkt->ip_len > s->acked_ip_len &&
	           !(s->flags & FS_BH_ALERTED)) {
		/* An older segment is outstanding (its first copy was not mirrored):
		 * a timeout retransmits the oldest one, so follow that. */
		big_start(s, pkt, true);
	}
}

void segtrack_segment(struct flow_side *s, const struct flow_side *peer, const struct packet *pkt)
{
	uint32_t end = pkt->seq + pkt->payload_len;
	bool rexmit = (s->flags & FS_SEQ) && seq_after(s->seq_next, pkt->seq);

	/* Only DF sizes say anything about the path: others may be fragmented. */
	if (pkt->payload_len == 0 || !(pkt->flags & PKT_DF) || (pkt->flags & PKT_FRAGMENT) ||
	    (pkt->tcp_flags & (TH_SYN | TH_RST)))
		return;
	if ((peer->flags & FS_ACK) && !seq_after(end, peer->ack_max))
		return; /* already acknowledged: a spurious retransmission */
	if (s->flags & FS_BIG)
		big_again(s, peer, pkt, rexmit);
	else if (pkt->ip_len > s->acked_ip_len)
		big_start(s, pkt, rexmit);
}

void segtrack_ack(struct flow_side *s, uint32_t ack)
{
	if (!(s->flags & FS_BIG) || !seq_after(ack, s->big_seq))
		return;
	if (s->flags & FS_BIG_SHRUNK) {
		/* Smaller pieces got through, not the big segment. */
		s->flags |= FS_RECOVERED;
		s->acked_ip_len = MAX(s->acked_ip_len, s->fallback_ip_len);
	} else if (!seq_after(s->big_end, ack)) {
		s->acked_ip_len = MAX(s->acked_ip_len, s->big_ip_len);
		s->flags &= (uint16_t)~FS_BH_ALERTED;
	} else {
		s->flags &= (uint16_t)~FS_BH_ALERTED; /* partly acked: unclear, forget it */
	}
	s->flags &= (uint16_t)~FS_BIG;
}
