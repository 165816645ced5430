/*
 * frames.h - build real frames for tests, byte by byte.
 *
 * Ethernet II (optionally one 802.1Q tag) carrying IPv4 or IPv6 with TCP
 * (flags, seq/ack, MSS/SACK/window-scale options), UDP, ICMP echo, ICMP
 * fragmentation-needed / ICMPv6 packet-too-big quoting a given frame, and
 * IPv4/IPv6 fragments; plus the 8-byte VXLAN header (RFC 7348).
 *
 * Header-only (static inline) and standalone (libc only), so any test can
 * include it.  Every builder has the form
 *
 *	size_t frame_X(uint8_t *buf, size_t cap, const struct X_spec *spec);
 *
 * writes the frame into buf and returns the number of bytes written, or 0
 * when the spec cannot be built (bad address, families differ, ip_len
 * smaller than the headers, more than 65535 bytes of IP).  Specs are meant
 * to be written as compound literals; zero means "default" everywhere:
 *
 *	n = frame_tcp(buf, sizeof(buf), &(struct tcp_spec){
 *		.ip = {.src = "198.18.2.2", .dst = "198.18.1.1", .df = true,
 *		       .ip_len = 9001, .cap_len = 128},
 *		.sport = 443, .dport = 40000, .flags = TH_ACK, .seq = 1000, .ack = 1});
 *
 * Truncation, the way AWS Traffic Mirroring does it: the IP header always
 * carries the TRUE length (spec.ip.ip_len, or what the contents add up
 * to), but at most spec.ip.cap_len bytes of the frame are written, and
 * never more than cap.  So a 9001-byte packet fits a 128-byte buffer, and
 * the return value (the captured length) is smaller than 14 + ip_len.
 *
 * Checksums are correct: the IPv4 header checksum, and the TCP, UDP, ICMP
 * and ICMPv6 checksums computed over the whole (virtual) segment, payload
 * bytes that truncation leaves out included.  Payload byte i is
 * spec.payload[i] for i < spec.payload_len when spec.payload is given,
 * else the counting pattern (uint8_t)i.  (For a first fragment the L4
 * header describes only this fragment's bytes; later fragments carry no
 * L4 header at all, just pattern data.)
 *
 * Addresses: MAC source 02:00:00:00:00:01, destination 02:00:00:00:00:02.
 */
#ifndef VXMIRROR_TESTS_FRAMES_H
#define VXMIRROR_TESTS_FRAMES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#ifndef TH_FIN
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#endif

#define FRAME_ETH_HLEN   14
#define FRAME_VXLAN_HLEN 8

/* The IP layer, shared by every builder. */
struct ip_spec {
	const char *src, *dst; /* "198.18.1.1" or "2001:db8::1"; both of one family */
	bool df;               /* IPv4 Don't Fragment (IPv6 has no DF bit: it never fragments) */
	bool mf;               /* More Fragments: the IPv4 MF bit, or an IPv6 Fragment header */
	bool frag6;            /* IPv6: add a Fragment header even without mf/frag_off */
	uint16_t frag_off;     /* fragment offset in bytes (multiple of 8); > 0: no L4 header */
	uint16_t id;           /* IPv4 identification / IPv6 fragment identification */
	uint8_t ttl;           /* TTL or hop limit; 0 = 64 */
	uint8_t tos;           /* IPv4 TOS / IPv6 traffic class */
	uint16_t vlan;         /* 802.1Q VID; 0 = untagged */
	uint32_t ip_len;       /* true IP length (IPv6: 40 + payload length); 0 = computed */
	uint32_t cap_len;      /* write at most this many frame bytes; 0 = the whole frame */
};

struct tcp_spec {
	struct ip_spec ip;
	uint16_t sport, dport;
	uint8_t flags; /* TH_SYN | TH_ACK ... */
	uint32_t seq, ack;
	uint16_t win;           /* 0 = 65535 */
	bool zero_window;       /* advertise a window of 0 (overrides win) */
	uint16_t mss;           /* MSS option; 0 = none */
	bool sack_ok;           /* SACK-permitted option */
	uint8_t nsack;          /* SACK option with this many blocks (0..3) ... */
	uint32_t sack[3][2];    /* ... left and right edges */
	bool has_wscale;        /* window-scale option ... */
	uint8_t wscale;         /* ... with this shift */
	uint32_t payload_len;   /* TCP payload bytes; ip.ip_len, when set, wins */
	const uint8_t *payload; /* NULL = the counting pattern */
};

struct udp_spec {
	struct ip_spec ip;
	uint16_t sport, dport;
	uint32_t payload_len;   /* ip.ip_len, when set, wins */
	const uint8_t *payload; /* e.g. a VXLAN datagram from frame_vxlan() */
};

struct icmp_echo_spec {
	struct ip_spec ip;
	bool reply; /* echo reply instead of request */
	uint16_t id, seq;
	uint32_t payload_len; /* ip.ip_len, when set, wins */
};

/* An ICMP error saying a packet was too big, from a router to its sender. */
struct ptb_spec {
	struct ip_spec ip;   /* router -> original sender; same family as the quoted frame */
	uint32_t mtu;        /* next-hop MTU */
	const uint8_t *orig; /* the offending Ethernet frame (as built here) */
	size_t orig_len;     /* bytes of it available */
	uint32_t quote_len;  /* IP bytes to quote; 0 = IPv4: its header + 8, IPv6: up to 1232 */
};

/* --- internals --- */

/* An L4 header ready to be put behind an IP header. */
struct frame__l4 {
	uint8_t proto;
	uint8_t hdr[60];
	size_t hlen;
	size_t csum_off;        /* where the checksum goes in hdr */
	size_t len_off;         /* where hlen + payload length goes in hdr (UDP); 0 = none */
	bool pseudo;            /* checksum covers the pseudo-header (all but ICMPv4) */
	bool udp;               /* a zero UDP checksum is sent as 0xffff */
	const uint8_t *payload; /* NULL = pattern */
	uint32_t payload_given; /* bytes available at payload */
	uint32_t payload_len;   /* true payload length, unless ip.ip_len says otherwise */
};

static inline void frame__be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void frame__be32(uint8_t *p, uint32_t v)
{
	frame__be16(p, v >> 16);
	frame__be16(p + 2, v);
}

static inline uint8_t frame__byte(const struct frame__l4 *l4, uint32_t i)
{
	return l4->payload != NULL && i < l4->payload_given ? l4->payload[i] : (uint8_t)i;
}

/* frame__sum: add n bytes (n even, or the last chunk) to a ones' complement sum. */
static inline uint64_t frame__sum(uint64_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t frame__fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* frame__l4_csum: the checksum over pseudo-header, L4 header and the whole payload. */
static inline uint16_t frame__l4_csum(const struct frame__l4 *l4, const uint8_t *src,
                                      const uint8_t *dst, size_t alen, uint32_t payload_len)
{
	uint32_t len = (uint32_t)l4->hlen + payload_len;
	uint64_t sum = 0;
	uint8_t tail[4];
	uint16_t c;

	if (l4->pseudo) {
		sum = frame__sum(sum, src, alen);
		sum = frame__sum(sum, dst, alen);
		frame__be32(tail, len);
		sum = frame__sum(sum, tail, 4);
		sum += l4->proto;
	}
	sum = frame__sum(sum, l4->hdr, l4->hlen);
	for (uint32_t i = 0; i < payload_len; i += 2) {
		uint32_t hi = frame__byte(l4, i);
		uint32_t lo = i + 1 < payload_len ? frame__byte(l4, i + 1) : 0;
		sum += hi << 8 | lo;
	}
	c = frame__fold(sum);
	return l4->udp && c == 0 ? 0xffff : c;
}

/* frame__addrs: parse both addresses; the family, or 0 when unusable. */
static inline int frame__addrs(const struct ip_spec *ip, uint8_t src[16], uint8_t dst[16])
{
	if (ip->src == NULL || ip->dst == NULL)
		return 0;
	if (inet_pton(AF_INET, ip->src, src) == 1 && inet_pton(AF_INET, ip->dst, dst) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, ip->src, src) == 1 && inet_pton(AF_INET6, ip->dst, dst) == 1)
		return AF_INET6;
	return 0;
}

/* frame__eth: Ethernet (+ 802.1Q) header; returns its length. */
static inline size_t frame__eth(uint8_t *h, const struct ip_spec *ip, int family)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	size_t n = 12;

	memcpy(h, macs, 12);
	if (ip->vlan != 0) {
		frame__be16(h + n, 0x8100);
		frame__be16(h + n + 2, ip->vlan & 0x0fff);
		n += 4;
	}
	frame__be16(h + n, family == AF_INET ? 0x0800 : 0x86dd);
	return n + 2;
}

static inline void frame__ipv4(uint8_t *h, const struct ip_spec *ip, uint8_t proto, uint32_t total,
                               const uint8_t *src, const uint8_t *dst)
{
	uint32_t frag =
	    (uint32_t)(ip->frag_off / 8) | (ip->df ? 0x4000 : 0) | (ip->mf ? 0x2000 : 0);

	memset(h, 0, 20);
	h[0] = 0x45;
	h[1] = ip->tos;
	frame__be16(h + 2, total);
	frame__be16(h + 4, ip->id);
	frame__be16(h + 6, frag);
	h[8] = ip->ttl != 0 ? ip->ttl : 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	frame__be16(h + 10, frame__fold(frame__sum(0, h, 20)));
}

/* frame__ipv6: fixed header, plus a Fragment header when frag; returns the length. */
static inline size_t frame__ipv6(uint8_t *h, const struct ip_spec *ip, uint8_t proto,
                                 uint32_t total, bool frag, const uint8_t *src, const uint8_t *dst)
{
	memset(h, 0, 48);
	h[0] = (uint8_t)(0x60 | ip->tos >> 4);
	h[1] = (uint8_t)(ip->tos << 4);
	frame__be16(h + 4, total - 40);
	h[6] = frag ? 44 : proto;
	h[7] = ip->ttl != 0 ? ip->ttl : 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	if (!frag)
		return 40;
	h[40] = proto;
	frame__be16(h + 42, (uint32_t)(ip->frag_off & 0xfff8) | (ip->mf ? 1 : 0));
	frame__be32(h + 44, ip->id);
	return 48;
}

/* frame__ip: Ethernet + IP + l4 + payload, truncated to cap and ip->cap_len. */
static inline size_t frame__ip(uint8_t *buf, size_t cap, const struct ip_spec *ip,
                               struct frame__l4 *l4)
{
	uint8_t src[16], dst[16], h[14 + 4 + 48 + 60];
	int family = frame__addrs(ip, src, dst);
	bool v6 = family == AF_INET6;
	bool frag = v6 ? (ip->mf || ip->frag_off != 0 || ip->frag6) : (ip->mf || ip->frag_off != 0);
	size_t alen = v6 ? 16 : 4, eth, iphl, hl, limit, n;
	uint32_t payload_len = l4->payload_len, total;

	if (family == 0)
		return 0;
	if (ip->frag_off != 0)
		l4->hlen = 0; /* a later fragment: no L4 header, only data */
	iphl = v6 ? (frag ? 48 : 40) : 20;
	if (ip->ip_len != 0) {
		if (ip->ip_len < iphl + l4->hlen)
			return 0;
		payload_len = ip->ip_len - (uint32_t)(iphl + l4->hlen);
	}
	total = (uint32_t)(iphl + l4->hlen) + payload_len;
	if (total > (v6 ? 65535u + 40 : 65535u))
		return 0;
	if (l4->hlen != 0 && l4->len_off != 0)
		frame__be16(l4->hdr + l4->len_off, (uint32_t)l4->hlen + payload_len);
	if (l4->hlen != 0)
		frame__be16(l4->hdr + l4->csum_off,
		            frame__l4_csum(l4, src, dst, alen, payload_len));
	eth = frame__eth(h, ip, family);
	if (v6)
		frame__ipv6(h + eth, ip, l4->proto, total, frag, src, dst);
	else
		frame__ipv4(h + eth, ip, l4->proto, total, src, dst);
	memcpy(h + eth + iphl, l4->hdr, l4->hlen);
	hl = eth + iphl + l4->hlen;
	limit = ip->cap_len != 0 && ip->cap_len < cap ? ip->cap_len : cap;
	n = hl < limit ? hl : limit;
	memcpy(buf, h, n);
	for (uint32_t i = 0; n < limit && i < payload_len; i++)
		buf[n++] = frame__byte(l4, i);
	return n;
}

/* frame__tcp_opts: MSS, SACK-permitted, SACK blocks, window scale, padded to 4 bytes. */
static inline size_t frame__tcp_opts(uint8_t *o, const struct tcp_spec *t)
{
	size_t n = 0;

	if (t->mss != 0) {
		o[n++] = 2;
		o[n++] = 4;
		frame__be16(o + n, t->mss);
		n += 2;
	}
	if (t->sack_ok) {
		o[n++] = 4;
		o[n++] = 2;
	}
	if (t->nsack != 0) {
		o[n++] = 1; /* NOP, NOP: the blocks 4-byte aligned, as Linux sends them */
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = (uint8_t)(2 + 8 * t->nsack);
		for (unsigned i = 0; i < t->nsack && i < 3; i++) {
			frame__be32(o + n, t->sack[i][0]);
			frame__be32(o + n + 4, t->sack[i][1]);
			n += 8;
		}
	}
	if (t->has_wscale) {
		o[n++] = 1; /* NOP */
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = t->wscale;
	}
	while (n % 4 != 0)
		o[n++] = 0; /* EOL */
	return n;
}

/* --- builders --- */

/* frame_tcp: Ethernet / IPv4 or IPv6 / TCP. */
static inline size_t frame_tcp(uint8_t *buf, size_t cap, const struct tcp_spec *t)
{
	struct frame__l4 l4 = {.proto = 6, .csum_off = 16, .pseudo = true};
	size_t hlen = 20 + frame__tcp_opts(l4.hdr + 20, t);

	frame__be16(l4.hdr, t->sport);
	frame__be16(l4.hdr + 2, t->dport);
	frame__be32(l4.hdr + 4, t->seq);
	frame__be32(l4.hdr + 8, t->ack);
	l4.hdr[12] = (uint8_t)((hlen / 4) << 4);
	l4.hdr[13] = t->flags;
	frame__be16(l4.hdr + 14, t->zero_window ? 0 : t->win != 0 ? t->win : 65535);
	l4.hlen = hlen;
	l4.payload = t->payload;
	l4.payload_given = t->payload != NULL ? t->payload_len : 0;
	l4.payload_len = t->payload_len;
	return frame__ip(buf, cap, &t->ip, &l4);
}

/* frame_udp: Ethernet / IPv4 or IPv6 / UDP. */
static inline size_t frame_udp(uint8_t *buf, size_t cap, const struct udp_spec *u)
{
	struct frame__l4 l4 = {
	    .proto = 17, .hlen = 8, .csum_off = 6, .len_off = 4, .pseudo = true, .udp = true};

	frame__be16(l4.hdr, u->sport);
	frame__be16(l4.hdr + 2, u->dport);
	l4.payload = u->payload;
	l4.payload_given = u->payload != NULL ? u->payload_len : 0;
	l4.payload_len = u->payload_len;
	return frame__ip(buf, cap, &u->ip, &l4);
}

/* frame_icmp_echo: ICMP echo request/reply, or ICMPv6 for IPv6 addresses. */
static inline size_t frame_icmp_echo(uint8_t *buf, size_t cap, const struct icmp_echo_spec *e)
{
	bool v6 = e->ip.src != NULL && strchr(e->ip.src, ':') != NULL;
	struct frame__l4 l4 = {.proto = v6 ? 58 : 1, .hlen = 8, .csum_off = 2, .pseudo = v6};

	l4.hdr[0] = v6 ? (e->reply ? 129 : 128) : (e->reply ? 0 : 8);
	frame__be16(l4.hdr + 4, e->id);
	frame__be16(l4.hdr + 6, e->seq);
	l4.payload_len = e->payload_len;
	return frame__ip(buf, cap, &e->ip, &l4);
}

/* frame__l3: offset of the IP header in an Ethernet frame, or 0. */
static inline size_t frame__l3(const uint8_t *f, size_t len)
{
	size_t off = 12;

	while (off + 4 <= len &&
	       ((f[off] == 0x81 && f[off + 1] == 0x00) || (f[off] == 0x88 && f[off + 1] == 0xa8)))
		off += 4;
	return off + 2 <= len ? off + 2 : 0;
}

/*
 * frame_icmp_ptb: ICMP type 3 code 4 (fragmentation needed, RFC 1191) or
 * ICMPv6 type 2 (packet too big, RFC 4443), quoting p->orig.
 */
static inline size_t frame_icmp_ptb(uint8_t *buf, size_t cap, const struct ptb_spec *p)
{
	bool v6 = p->ip.src != NULL && strchr(p->ip.src, ':') != NULL;
	struct frame__l4 l4 = {.proto = v6 ? 58 : 1, .hlen = 8, .csum_off = 2, .pseudo = v6};
	size_t l3 = p->orig != NULL ? frame__l3(p->orig, p->orig_len) : 0;
	size_t avail, quote;

	if (l3 == 0 || l3 >= p->orig_len)
		return 0;
	avail = p->orig_len - l3;
	quote = p->quote_len;
	if (quote == 0)
		quote = v6 ? 1232 : (size_t)(p->orig[l3] & 0x0f) * 4 + 8;
	if (quote > avail)
		quote = avail;
	l4.hdr[0] = v6 ? 2 : 3;
	l4.hdr[1] = v6 ? 0 : 4;
	if (v6)
		frame__be32(l4.hdr + 4, p->mtu);
	else
		frame__be16(l4.hdr + 6, p->mtu);
	l4.payload = p->orig + l3;
	l4.payload_given = (uint32_t)quote;
	l4.payload_len = (uint32_t)quote;
	return frame__ip(buf, cap, &p->ip, &l4);
}

/*
 * frame_vxlan: the 8-byte VXLAN header (flags 0x08, `vni`) followed by the
 * inner frame.  Returns 8 + inner_len, or 0 when cap is too small.  To get
 * a whole outer frame, pass the result as the payload of frame_udp() with
 * dport 4789.
 */
static inline size_t frame_vxlan(uint8_t *buf, size_t cap, uint32_t vni, const uint8_t *inner,
                                 size_t inner_len)
{
	if (cap < FRAME_VXLAN_HLEN || inner_len > cap - FRAME_VXLAN_HLEN)
		return 0;
	memset(buf, 0, FRAME_VXLAN_HLEN);
	buf[0] = 0x08;
	frame__be32(buf + 4, (vni & 0xffffff) << 8);
	memmove(buf + FRAME_VXLAN_HLEN, inner, inner_len);
	return FRAME_VXLAN_HLEN + inner_len;
}

#endif
