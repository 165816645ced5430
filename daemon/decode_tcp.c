/*
 * decode_tcp.c - TCP, RFC 9293.  Options: MSS (RFC 9293 3.7.1, RFC 6691),
 * window scale and timestamps (RFC 7323), SACK (RFC 2018).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (Data Offset * 4 - 20 bytes)       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * payload_len is the true segment size from the IP header, not what was
 * captured.  Truncation rules, simplest first:
 *  - the IP length cannot hold 20 bytes of TCP: DEC_TCP_OFF (invalid);
 *  - fewer than 20 bytes captured: PKT_L4_TRUNCATED, only the ports are
 *    filled (if 4 bytes are there) and PKT_HAS_L4 stays clear;
 *  - the fixed header captured but not all options: PKT_HAS_L4 and every
 *    fixed field, PKT_L4_TRUNCATED, options not parsed.
 * A malformed option makes the whole segment invalid (DEC_TCP_OPT).
 */
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"

#define TCP_HLEN_MIN 20

#define TCPOPT_EOL    0
#define TCPOPT_NOP    1
#define TCPOPT_MSS    2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK   5
#define SACK_MAX      4 /* 2 + 4 * 8 = 34 bytes: all 40 option bytes hold */

/* tcp_fixed: the 20-byte header; leaves PKT_HAS_L4 clear if it was cut. */
static enum decode_err tcp_fixed(struct packet *pkt, struct rd *r, size_t l4len)
{
	uint16_t sport = rd_be16(r), dport = rd_be16(r);
	uint32_t seq, ack;
	uint8_t off, flags;
	uint16_t win;

	if (r->err)
		return DEC_OK;
	pkt->sport = sport;
	pkt->dport = dport;
	seq = rd_be32(r);
	ack = rd_be32(r);
	off = rd_u8(r);
	flags = rd_u8(r);
	win = rd_be16(r);
	rd_skip(r, 4); /* checksum, urgent pointer */
	if (r->err)
		return DEC_OK;
	if (off >> 4 < 5 || (size_t)(off >> 4) * 4 > l4len)
		return DEC_TCP_OFF;
	pkt->seq = seq;
	pkt->ack = ack;
	pkt->tcp_flags = flags;
	pkt->tcp_win = win;
	pkt->tcp_hlen = (uint8_t)((off >> 4) * 4);
	pkt->flags |= PKT_HAS_L4;
	return DEC_OK;
}

/* tcp_option: one option of `olen` bytes whose kind and length were read. */
static enum decode_err tcp_option(struct packet *pkt, struct rd *r, uint8_t kind, uint8_t olen)
{
	switch (kind) {
	case TCPOPT_MSS:
		if (olen != 4)
			return DEC_TCP_OPT;
		pkt->tcp_mss = rd_be16(r);
		pkt->flags |= PKT_HAS_MSS;
		break;
	case TCPOPT_WSCALE:
		if (olen != 3)
			return DEC_TCP_OPT;
		pkt->tcp_wscale = rd_u8(r);
		break;
	case TCPOPT_SACK:
		if (olen < 10 || (olen - 2u) % 8 != 0 || (olen - 2u) / 8 > SACK_MAX)
			return DEC_TCP_OPT;
		pkt->nsack = (uint8_t)((olen - 2u) / 8);
		for (unsigned i = 0; i < pkt->nsack; i++) {
			pkt->sack[i][0] = rd_be32(r);
			pkt->sack[i][1] = rd_be32(r);
		}
		break;
	default:
		rd_skip(r, olen - 2u);
		break;
	}
	return DEC_OK;
}

/* tcp_options: walk the options of a fully captured header of hlen bytes. */
static enum decode_err tcp_options(struct packet *pkt, const uint8_t *p, size_t hlen)
{
	struct rd r;
	enum decode_err e;
	uint8_t kind, olen;

	rd_init(&r, p, hlen);
	rd_skip(&r, TCP_HLEN_MIN);
	while (rd_left(&r) > 0) {
		kind = rd_u8(&r);
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP)
			continue;
		olen = rd_u8(&r);
		if (r.err || olen < 2 || olen - 2u > rd_left(&r))
			return DEC_TCP_OPT;
		if ((e = tcp_option(pkt, &r, kind, olen)) != DEC_OK)
			return e;
	}
	return DEC_OK;
}

enum decode_err decode_tcp(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	enum decode_err e;
	size_t l4len = packet_l4_ip_len(pkt, len);

	pkt->tcp_wscale = 0xff;
	if (l4len < TCP_HLEN_MIN)
		return DEC_TCP_OFF; /* the IP length cannot hold a TCP header */
	rd_init(&r, p, len);
	if ((e = tcp_fixed(pkt, &r, l4len)) != DEC_OK)
		return e;
	if (!(pkt->flags & PKT_HAS_L4)) {
		pkt->flags |= PKT_L4_TRUNCATED;
		return DEC_OK;
	}
	pkt->payload_len = (uint32_t)(l4len - pkt->tcp_hlen);
	pkt->payload_off = (uint16_t)(pkt->l4_off + pkt->tcp_hlen);
	if (len < pkt->tcp_hlen) {
		pkt->flags |= PKT_L4_TRUNCATED;
		return DEC_OK;
	}
	return tcp_options(pkt, p, pkt->tcp_hlen);
}
