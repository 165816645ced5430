/*
 * decode_udp.c - UDP, RFC 768.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The IP length and the UDP length can disagree; payload_len takes the
 * smaller.  An IP length or a UDP length below 8 is DEC_UDP_LEN.  Fewer
 * than 8 captured bytes is PKT_L4_TRUNCATED with only the ports (if 4
 * bytes are there) and no PKT_HAS_L4, as for TCP.
 */
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"
#include "vxmirror/util.h"

#define UDP_HLEN 8

enum decode_err decode_udp(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	size_t l4len = packet_l4_ip_len(pkt, len);
	uint16_t sport, dport, ulen;

	if (l4len < UDP_HLEN)
		return DEC_UDP_LEN; /* the IP length cannot hold a UDP header */
	rd_init(&r, p, len);
	sport = rd_be16(&r);
	dport = rd_be16(&r);
	if (!r.err) {
		pkt->sport = sport;
		pkt->dport = dport;
	}
	ulen = rd_be16(&r);
	rd_skip(&r, 2); /* checksum */
	if (r.err) {
		pkt->flags |= PKT_L4_TRUNCATED;
		return DEC_OK;
	}
	if (ulen < UDP_HLEN)
		return DEC_UDP_LEN;
	pkt->flags |= PKT_HAS_L4;
	pkt->payload_len = (uint32_t)(MIN((size_t)ulen, l4len) - UDP_HLEN);
	pkt->payload_off = (uint16_t)(pkt->l4_off + UDP_HLEN);
	return DEC_OK;
}
