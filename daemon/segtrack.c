/*
 * segtrack.c - the black-hole segment tracker (segtrack.h): per flow side,
 * the oldest unacknowledged DF data segment larger than anything the side
 * has been shown to get through, its retransmissions, a fallback to
 * smaller segments and the ACK that settles it (see struct flow_side in
 * flow.h).  While a segment is tracked, two later segments are kept as
 * probes: the peer's SACK (or ACK) of one proves its size gets through.
 * flow_account() feeds it; detect_blackhole.c reads the result.
 */
#include "vxmirror/segtrack.h"
#include "vxmirror/util.h"

/* seq_in: s lies in [lo, hi) in sequence space. */
static bool seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return !seq_after(lo, s) && seq_after(hi, s);
}

/* covers: [lo, hi) lies within [l, r). */
static bool covers(uint32_t l, uint32_t r, uint32_t lo, uint32_t hi)
{
	return !seq_after(l, lo) && !seq_after(hi, r);
}

static void probe_set(struct seg_probe *pr, const struct packet *pkt)
{
	pr->seq = pkt->seq;
	pr->len = (uint16_t)MIN(pkt->payload_len, UINT16_MAX);
	pr->ip_len = (uint16_t)MIN(pkt->ip_len, UINT16_MAX);
}

/* probe_resent: data in [seq, end) was sent again in a packet of ip_len
 * bytes.  Resent at least as big, any copy that arrives still proves the
 * probe's size; smaller, the probe proves nothing any more (the copy that
 * arrives may be the small one: a fallback). */
static void probe_resent(struct seg_probe *pr, uint32_t seq, uint32_t end, uint32_t ip_len)
{
	if (pr->len != 0 && ip_len < pr->ip_len && seq_after(end, pr->seq) &&
	    seq_after(pr->seq + pr->len, seq))
		pr->len = 0;
}

/* probe_check: the peer acknowledged [l, r); a probe inside it got through. */
static void probe_check(struct flow_side *s, struct seg_probe *pr, uint32_t l, uint32_t r)
{
	if (pr->len == 0 || !covers(l, r, pr->seq, pr->seq + pr->len))
		return;
	s->acked_ip_len = MAX(s->acked_ip_len, pr->ip_len);
	pr->len = 0;
}

/* probes_check: both probes against an acknowledged [l, r). */
static void probes_check(struct flow_side *s, uint32_t l, uint32_t r)
{
	probe_check(s, &s->probe_big, l, r);
	probe_check(s, &s->probe_last, l, r);
}

/* probes_new: a new segment beyond the tracked one; keep it if it could
 * teach something (larger than what is known to pass). */
static void probes_new(struct flow_side *s, const struct packet *pkt)
{
	if (pkt->ip_len <= s->acked_ip_len)
		return;
	probe_set(&s->probe_last, pkt);
	if (s->probe_big.len == 0 || pkt->ip_len > s->probe_big.ip_len)
		probe_set(&s->probe_big, pkt);
}

/* big_start: track this segment of side s (see struct flow_side). */
static void big_start(struct flow_side *s, const struct packet *pkt, bool rexmit)
{
	s->flags &= (uint32_t) ~(FS_BIG_SHRUNK | FS_RECOVERED | FS_BH_ALERTED | FS_BH_FOLLOWUP |
	                         FS_BH_ACKED | FS_BH_SACKED);
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
	} else if (!rexmit && !seq_after(s->big_end, pkt->seq)) {
		probes_new(s, pkt);
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
	if (rexmit) {
		probe_resent(&s->probe_big, pkt->seq, end, pkt->ip_len);
		probe_resent(&s->probe_last, pkt->seq, end, pkt->ip_len);
	}
	if (s->flags & FS_BIG)
		big_again(s, peer, pkt, rexmit);
	else if (pkt->ip_len > s->acked_ip_len)
		big_start(s, pkt, rexmit);
}

/* big_delivered: the tracked segment itself arrived (whole, at its size). */
static void big_delivered(struct flow_side *s, uint32_t how)
{
	s->acked_ip_len = MAX(s->acked_ip_len, s->big_ip_len);
	if (s->flags & FS_BH_ALERTED)
		s->flags |= how; /* detect_blackhole.c withdraws the alert */
	s->flags &= (uint32_t) ~(FS_BIG | FS_BH_ALERTED);
}

void segtrack_ack(struct flow_side *s, uint32_t ack)
{
	if ((s->probe_big.len | s->probe_last.len) != 0) {
		probes_check(s, ack - 0x7fffffffu, ack);
	}
	if (!(s->flags & FS_BIG) || !seq_after(ack, s->big_seq))
		return;
	if (s->flags & FS_BIG_SHRUNK) {
		/* Smaller pieces got through, not the big segment. */
		s->flags |= FS_RECOVERED;
		s->acked_ip_len = MAX(s->acked_ip_len, s->fallback_ip_len);
	} else if (!seq_after(s->big_end, ack)) {
		big_delivered(s, FS_BH_ACKED);
		return;
	} else {
		s->flags &= (uint32_t)~FS_BH_ALERTED; /* partly acked: unclear, forget it */
	}
	s->flags &= (uint32_t)~FS_BIG;
}

void segtrack_sack(struct flow_side *s, const struct packet *pkt)
{
	for (unsigned i = 0; i < pkt->nsack; i++) {
		uint32_t l = pkt->sack[i][0], r = pkt->sack[i][1];

		if (!seq_after(r, l))
			continue; /* an empty or inverted block: no evidence */
		probes_check(s, l, r);
		if ((s->flags & FS_BIG) && !(s->flags & FS_BIG_SHRUNK) &&
		    covers(l, r, s->big_seq, s->big_end))
			big_delivered(s, FS_BH_ACKED | FS_BH_SACKED);
	}
}
