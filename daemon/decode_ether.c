/*
 * decode_ether.c - Ethernet II (IEEE 802.3) with 802.1Q / 802.1ad tags.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Destination MAC (6 bytes)                     |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                   Source MAC (6 bytes)                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  EtherType / TPID (0x8100,    |  802.1Q tag: PCP(3) DEI(1)    |
 *  |  0x88a8 => a tag follows)     |  VID(12), then the EtherType  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * At most two tags (QinQ) are accepted; a third is DEC_VLAN_DEPTH, which
 * bounds the work done on hostile input.  A tag cut short by the capture
 * counts as DEC_ETH_SHORT: there is no Ethernet payload to speak of.
 *
 * This file also holds the small helpers that belong to no single layer:
 * decode_err_name() and packet_payload_cap().
 */
#include <string.h>

#include "vxmirror/packet.h"
#include "vxmirror/rd.h"
#include "vxmirror/util.h"

#define ETH_HLEN   14
#define VLAN_DEPTH 2

static const char *const err_names[] = {
    [DEC_OK] = "ok",           [DEC_ETH_SHORT] = "eth_short",     [DEC_VLAN_DEPTH] = "vlan_depth",
    [DEC_NOT_IP] = "not_ip",   [DEC_IP_SHORT] = "ip_short",       [DEC_IP_VERSION] = "ip_version",
    [DEC_IP_HLEN] = "ip_hlen", [DEC_IP_LEN] = "ip_len",           [DEC_IP6_EXT] = "ip6_ext",
    [DEC_TCP_OFF] = "tcp_off", [DEC_TCP_OPT] = "tcp_opt",         [DEC_UDP_LEN] = "udp_len",
    [DEC_ICMP] = "icmp",       [DEC_VXLAN_SHORT] = "vxlan_short", [DEC_VXLAN_FLAGS] = "vxlan_flags",
    [DEC_GENEVE] = "geneve",
};
_Static_assert(nitems(err_names) == DEC__MAX, "a decode_err without a name");

const char *decode_err_name(enum decode_err e)
{
	if ((unsigned)e >= nitems(err_names))
		return "unknown";
	return err_names[e];
}

size_t packet_payload_cap(const struct packet *pkt)
{
	if (pkt->payload_off == 0 || pkt->payload_off >= pkt->cap_len)
		return 0;
	return MIN(pkt->cap_len - pkt->payload_off, (size_t)pkt->payload_len);
}

/* packet_reset: clear everything but the timestamp, which the source set. */
static void packet_reset(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct timespec ts = pkt->ts;

	memset(pkt, 0, PACKET_CLEAR);
	pkt->ts = ts;
	pkt->frame = p;
	pkt->cap_len = len;
	pkt->wire_len = (uint32_t)MIN(len, (size_t)UINT32_MAX);
	pkt->tcp_wscale = 0xff;
}

/* ether_tags: read the EtherType, stepping over up to two VLAN tags. */
static enum decode_err ether_tags(struct packet *pkt, struct rd *r)
{
	uint16_t type = rd_be16(r);

	while (!r->err && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ)) {
		if (pkt->nvlan == VLAN_DEPTH)
			return DEC_VLAN_DEPTH;
		pkt->vlan[pkt->nvlan] = rd_be16(r) & 0x0fff;
		type = rd_be16(r);
		if (!r->err)
			pkt->nvlan++;
	}
	if (r->err)
		return DEC_ETH_SHORT;
	pkt->ethertype = type;
	return DEC_OK;
}

/* ether_l3: hand the rest of the frame to the IP decoder. */
static enum decode_err ether_l3(struct packet *pkt, const uint8_t *p, size_t len, size_t off)
{
	enum decode_err e;

	pkt->l3_off = (uint16_t)off;
	switch (pkt->ethertype) {
	case ETHERTYPE_IPV4:
		e = decode_ipv4(pkt, p + off, len - off);
		break;
	case ETHERTYPE_IPV6:
		e = decode_ipv6(pkt, p + off, len - off);
		break;
	default:
		pkt->l3_off = 0;
		return DEC_NOT_IP;
	}
	/* The true size comes from the IP header; keep any Ethernet pad. */
	if (pkt->ip_len != 0)
		pkt->wire_len = (uint32_t)MAX(pkt->cap_len, off + pkt->ip_len);
	return e;
}

enum decode_err decode_ether(struct packet *pkt, const uint8_t *p, size_t len)
{
	struct rd r;
	enum decode_err e;

	packet_reset(pkt, p, len);
	if (len < ETH_HLEN)
		return DEC_ETH_SHORT;
	rd_init(&r, p, len);
	rd_skip(&r, 12); /* destination and source MAC */
	if ((e = ether_tags(pkt, &r)) != DEC_OK)
		return e;
	return ether_l3(pkt, p, len, r.off);
}

enum decode_err decode_ip(struct packet *pkt, const uint8_t *p, size_t len)
{
	packet_reset(pkt, p, len);
	if (len < 1)
		return DEC_IP_SHORT;
	pkt->ethertype = (p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
	return ether_l3(pkt, p, len, 0);
}
