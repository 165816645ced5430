/*
 * iphdr.h - the IPv4 and IPv6 header parsers, shared by the packet decoder
 * (decode_ipv4.c, decode_ipv6.c) and the ICMP quote decoder (decode_icmp.c,
 * which parses a quote into a scratch struct packet).
 *
 * Each parser reads from a struct rd positioned at the header and fills
 * the IP fields of a struct packet (ipver, proto, ttl, ip_hlen, ip_len,
 * ip_id, frag_off, src, dst, and the PKT_DF / PKT_FRAGMENT flags) only
 * once the header is valid.  What an error means is the caller's: a packet
 * it rejects, or a quote it keeps what it can of.
 */
#ifndef VXMIRROR_IPHDR_H
#define VXMIRROR_IPHDR_H

#include "vxmirror/packet.h"
#include "vxmirror/rd.h"

/*
 * ipv4_header: the fixed 20-byte IPv4 header (options are the caller's).
 * DEC_IP_SHORT when fewer than 20 bytes remain (r->err set), DEC_IP_VERSION,
 * DEC_IP_HLEN (IHL < 5) or DEC_IP_LEN (total length < IHL*4).
 */
enum decode_err ipv4_header(struct rd *r, struct packet *pkt);

/* ipv6_header: the fixed 40-byte IPv6 header; DEC_IP_SHORT or DEC_IP_VERSION. */
enum decode_err ipv6_header(struct rd *r, struct packet *pkt);

/*
 * ipv6_ext_walk: step `r` from the first extension header to the
 * upper-layer header.  pkt->proto is the first next header in and the
 * upper-layer protocol out; pkt->ip_hlen grows by each complete header.  A
 * fragment header sets ip_id, frag_off and PKT_FRAGMENT, and the walk
 * stops after it when the offset is not 0.  DEC_IP6_EXT when the chain is
 * deeper than 8 or a header runs past ip_len.  When the captured bytes end
 * inside the chain, r->err is set and pkt->proto is the header it ended in.
 */
enum decode_err ipv6_ext_walk(struct rd *r, struct packet *pkt);

#endif
