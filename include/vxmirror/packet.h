/*
 * packet.h - the one decoded view of a frame that every stage reads.
 *
 * Decode once: decode_ether() walks Ethernet -> VLAN -> IPv4/IPv6 -> TCP,
 * UDP, ICMP/ICMPv6 and fills a struct packet with offsets and fields.
 * Later stages never touch raw bytes again.
 *
 * Truncated is not invalid.  Mirrored packets are often cut short (target
 * MTU, session PacketLength, snaplen).  Truncation sets PKT_TRUNCATED and
 * keeps whatever could be decoded; the true sizes come from the IP header
 * (ip_len, wire_len), never from the captured byte count.  An impossible
 * field (IHL < 5, TCP data offset < 5, ...) is invalid: decode returns a
 * DEC_* error and the packet is counted, not analysed.
 */
#ifndef VXMIRROR_PACKET_H
#define VXMIRROR_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vxmirror/addr.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define IPPROTO_TCP_   6
#define IPPROTO_UDP_   17
#define IPPROTO_ICMP_  1
#define IPPROTO_ICMP6_ 58

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define VXLAN_PORT  4789
#define GENEVE_PORT 6081
#define VXLAN_HLEN  8

/* Flags in packet.flags. */
#define PKT_TRUNCATED    0x0001 /* fewer bytes captured than the IP header says */
#define PKT_L4_TRUNCATED 0x0002 /* the L4 header itself was cut short */
#define PKT_FRAGMENT     0x0004 /* an IPv4 or IPv6 fragment (MF set or offset != 0) */
#define PKT_HAS_L4       0x0008 /* sport/dport (or ICMP type/code) are valid */
#define PKT_HAS_MSS      0x0010 /* tcp_mss holds a TCP MSS option */
#define PKT_PTB          0x0020 /* ICMP frag-needed / ICMPv6 packet-too-big */
#define PKT_QUOTED       0x0040 /* `quoted` holds the header inside the ICMP error */
#define PKT_DF           0x0080 /* IPv4 DF set; always set for IPv6 (routers never fragment) */
#define PKT_PADDED       0x0100 /* captured bytes past the IP total length (Ethernet pad) */

/* Decode results.  0 is success; each error has its own counter. */
enum decode_err {
	DEC_OK = 0,
	DEC_ETH_SHORT,   /* not even 14 bytes of Ethernet */
	DEC_VLAN_DEPTH,  /* more than two VLAN tags */
	DEC_NOT_IP,      /* ethertype other than IPv4/IPv6 (counted, still written) */
	DEC_IP_SHORT,    /* truncated before the end of the fixed IP header */
	DEC_IP_VERSION,  /* version field does not match the ethertype */
	DEC_IP_HLEN,     /* IHL < 5 */
	DEC_IP_LEN,      /* total length smaller than the header */
	DEC_IP6_EXT,     /* an IPv6 extension header chain that is malformed or too deep */
	DEC_TCP_OFF,     /* TCP data offset < 5, or beyond the IP payload */
	DEC_TCP_OPT,     /* an option runs past the header, or a zero/bad option length */
	DEC_UDP_LEN,     /* UDP length smaller than 8 */
	DEC_ICMP,        /* malformed ICMP error */
	DEC_VXLAN_SHORT, /* VXLAN datagram shorter than 8 bytes */
	DEC_VXLAN_FLAGS, /* I flag not set */
	DEC_GENEVE,      /* malformed GENEVE header */
	DEC__MAX
};

/* decode_err_name: a stable snake_case name, used in counters and /metrics. */
const char *decode_err_name(enum decode_err);

/* The header quoted inside an ICMP error: enough to find the flow it hurt. */
struct quoted {
	uint8_t ipver;
	uint8_t proto;
	uint16_t sport, dport; /* 0 when the quote was cut before the ports */
	struct addr src, dst;
	uint32_t ip_len; /* total length of the packet that was too big */
	uint32_t seq;    /* TCP sequence number when quoted (PKT_QUOTED + proto TCP) */
	bool has_ports;
	bool has_seq;
};

struct packet {
	/* The frame as captured. */
	const uint8_t *frame;
	size_t cap_len;
	struct timespec ts;

	/*
	 * True frame length: l3_off + IP total length for IP packets (at
	 * least cap_len, so Ethernet padding is kept), cap_len otherwise.
	 * This is what the pcap orig_len carries.
	 */
	uint32_t wire_len;

	uint16_t flags;     /* PKT_* */
	uint16_t ethertype; /* innermost, after VLAN tags */
	uint16_t vlan[2];   /* 802.1Q/802.1ad VIDs, outermost first */
	uint8_t nvlan;

	/* Offsets into frame; 0 when the layer is absent. */
	uint16_t l3_off, l4_off, payload_off;

	/* IP */
	uint8_t ipver;     /* 4, 6 or 0 */
	uint8_t proto;     /* upper-layer protocol after IPv6 extension headers */
	uint8_t ttl;       /* TTL or hop limit */
	uint16_t ip_hlen;  /* IPv4 IHL*4, or 40 + extension headers for IPv6 */
	uint32_t ip_len;   /* IPv4 total length, or 40 + IPv6 payload length */
	uint32_t ip_id;    /* IPv4 id, or IPv6 fragment header id */
	uint16_t frag_off; /* fragment offset in bytes */
	struct addr src, dst;

	/* L4 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t tcp_hlen; /* data offset * 4 */
	uint16_t tcp_win;
	uint16_t tcp_mss;   /* valid with PKT_HAS_MSS */
	uint8_t tcp_wscale; /* 0xff when absent */
	uint32_t seq, ack;
	uint8_t nsack;        /* SACK blocks (RFC 2018) in sack[] */
	uint32_t payload_len; /* L4 payload length from the headers (true, not captured) */

	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_mtu;    /* next-hop MTU of a PTB (PKT_PTB) */
	struct quoted quoted; /* valid with PKT_QUOTED */

	/* Last, and not cleared per packet (decode_ether clears up to here):
	 * only the first nsack entries are ever written or read. */
	uint32_t sack[4][2]; /* left edge, right edge (first byte after the block) */
};

/* PACKET_CLEAR: the bytes of struct packet a decoder clears per packet. */
#define PACKET_CLEAR offsetof(struct packet, sack)

/*
 * decode_ether: decode one Ethernet frame into *pkt (which it clears first;
 * pkt->ts is kept).  Returns DEC_OK, or the first error; on error the
 * fields decoded so far stay valid.  Never reads past len.
 */
enum decode_err decode_ether(struct packet *pkt, const uint8_t *p, size_t len);

/* Per-layer entry points, chained by decode_ether() through a switch.
 * `p` points at the layer, `len` is what was captured of it. */
enum decode_err decode_ipv4(struct packet *, const uint8_t *p, size_t len);
enum decode_err decode_ipv6(struct packet *, const uint8_t *p, size_t len);
enum decode_err decode_tcp(struct packet *, const uint8_t *p, size_t len);
enum decode_err decode_udp(struct packet *, const uint8_t *p, size_t len);
enum decode_err decode_icmp(struct packet *, const uint8_t *p, size_t len);
enum decode_err decode_icmp6(struct packet *, const uint8_t *p, size_t len);

/* packet_l4_ip_len: for the layer-4 decoders, the L4 length the IP header
 * announces (may exceed the captured len when the mirror truncated the
 * packet); len itself when there is no IP header (a bare L4 buffer). */
static inline size_t packet_l4_ip_len(const struct packet *pkt, size_t len)
{
	if (pkt->ipver == 0)
		return len;
	return (size_t)pkt->ip_len - pkt->ip_hlen;
}

/*
 * decode_vxlan: RFC 7348 header.  On DEC_OK *vni is set and *hlen is the
 * header length (8); the inner Ethernet frame starts at p + *hlen.
 */
enum decode_err decode_vxlan(const uint8_t *p, size_t len, uint32_t *vni, size_t *hlen);

/*
 * decode_geneve: RFC 8926 header.  On DEC_OK *proto is the payload's
 * protocol type (0x0800, 0x86dd or 0x6558 for Ethernet) and *hlen the
 * header length with options.
 */
enum decode_err decode_geneve(const uint8_t *p, size_t len, uint16_t *proto, size_t *hlen);

/*
 * decode_ip: decode a bare IPv4/IPv6 packet (no Ethernet header; l3_off is
 * 0), picking the version from the first nibble.  Same contract as
 * decode_ether().
 */
enum decode_err decode_ip(struct packet *pkt, const uint8_t *p, size_t len);

/* packet_proto_has_ports: the protocol's header carries ports (TCP, UDP). */
static inline bool packet_proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_;
}

/* packet_has_ports: TCP or UDP with its header decoded; these always get a
 * flow entry.  The one test of "this packet has ports" the analyzer uses. */
static inline bool packet_has_ports(const struct packet *p)
{
	return packet_proto_has_ports(p->proto) && (p->flags & PKT_HAS_L4);
}

/* packet_payload_cap: L4 payload bytes actually captured (may be < payload_len). */
size_t packet_payload_cap(const struct packet *);

#endif
