/*
 * iphdr.h - the IPv4 and IPv6 header parsers, shared by the packet decoder
 * (decode_ipv4.c, decode_ipv6.c) and the ICMP quote decoder (decode_icmp.c).
 *
 * Each parser reads from a struct rd positioned at the header and fills a
 * struct iphdr; the caller decides what an error means for it (a packet
 * it drops, or a quote it keeps what it can of).
 */
#ifndef VXMIRROR_IPHDR_H
#define VXMIRROR_IPHDR_H

#include <stdint.h>

#include "vxmirror/addr.h"
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"

struct iphdr {
	uint8_t ipver;     /* 4 or 6 */
	uint8_t proto;     /* protocol / next header (after the extension headers walked) */
	uint8_t ttl;       /* TTL or hop limit */
	uint16_t hlen;     /* IHL*4, or 40 + the complete extension headers walked */
	uint32_t len;      /* total length, or 40 + payload length */
	uint32_t id;       /* IPv4 id, or the IPv6 fragment header's */
	uint16_t frag_off; /* fragment offset in bytes */
	uint16_t flags;    /* PKT_DF, PKT_FRAGMENT */
	struct addr src, dst;
};

/*
 * ipv4_header: the fixed 20-byte IPv4 header (options are the caller's).
 * DEC_IP_SHORT when fewer than 20 bytes remain (r->err set), DEC_IP_VERSION,
 * DEC_IP_HLEN (IHL < 5) or DEC_IP_LEN (total length < IHL*4).
 */
enum decode_err ipv4_header(struct rd *r, struct iphdr *h);

/* ipv6_header: the fixed 40-byte IPv6 header; DEC_IP_SHORT or DEC_IP_VERSION. */
enum decode_err ipv6_header(struct rd *r, struct iphdr *h);

/*
 * ipv6_ext_walk: step `r` from the first extension header to the
 * upper-layer header.  h->proto is the first next header in and the
 * upper-layer protocol out; h->hlen grows by each complete header.  A
 * fragment header sets h->id, h->frag_off and PKT_FRAGMENT, and the walk
 * stops after it when the offset is not 0.  DEC_IP6_EXT when the chain is
 * deeper than 8 or a header runs past h->len.  When the captured bytes end
 * inside the chain, r->err is set and h->proto is the header it ended in.
 */
enum decode_err ipv6_ext_walk(struct rd *r, struct iphdr *h);

/* iphdr_to_packet: the parsed header's fields into the packet. */
static inline void iphdr_to_packet(struct packet *pkt, const struct iphdr *h)
{
	pkt->ipver = h->ipver;
	pkt->proto = h->proto;
	pkt->ttl = h->ttl;
	pkt->ip_hlen = h->hlen;
	pkt->ip_len = h->len;
	pkt->ip_id = h->id;
	pkt->frag_off = h->frag_off;
	pkt->flags |= h->flags;
	pkt->src = h->src;
	pkt->dst = h->dst;
}

#endif
