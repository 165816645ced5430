/*
 * source_file.c - offline mode: replay a capture through the live pipeline.
 *
 * A frame whose outer headers are IPv4/IPv6 + UDP to a VXLAN port is a
 * mirrored datagram and goes to worker_datagram(), exactly like one read
 * from a socket.  Anything else is a plain frame (a tcpdump taken on the
 * server itself, say) and goes to the plain session.  Time is the
 * capture's, so rotation and flow timeouts behave as they did live.
 *
 * Captures from other tools work too: `tcpdump -i any` (LINUX_SLL and
 * LINUX_SLL2), raw IP (RAW, IPV4, IPV6) and BSD loopback (NULL, LOOP),
 * pcap or pcapng as far as libpcap reads it.  Such a frame gets a
 * synthesized Ethernet header (zero MACs, the ethertype its own link
 * header gives) and then takes the same path as an Ethernet frame, so the
 * alerts are the same and the pcaps written stay DLT_EN10MB.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "vxmirror/log.h"
#include "vxmirror/packet.h"
#include "vxmirror/source.h"

/* vxlan_port: true for 4789 and for any configured listen port. */
static bool vxlan_port(const struct config *cfg, uint16_t port)
{
	if (port == VXLAN_PORT)
		return true;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&cfg->listen[i].ss;
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&cfg->listen[i].ss;
		uint16_t p = s4->sin_family == AF_INET ? ntohs(s4->sin_port) : ntohs(s6->sin6_port);
		if (p == port)
			return true;
	}
	return false;
}

/* file_frame: route one captured frame to the datagram or the plain path. */
static void file_frame(struct worker *w, struct session **plain, const char *plain_name,
                       const struct timespec *ts, const uint8_t *p, size_t len)
{
	struct packet outer;
	enum decode_err e;

	outer.ts = *ts;
	e = decode_ether(&outer, p, len);
	if (e == DEC_OK && outer.proto == IPPROTO_UDP_ && (outer.flags & PKT_HAS_L4) &&
	    !(outer.flags & PKT_FRAGMENT)) {
		size_t cap = packet_payload_cap(&outer);
		const uint8_t *udp = p + outer.payload_off;
		if (vxlan_port(atomic_load(&w->ctx->cfg), outer.dport)) {
			worker_datagram(w, ts, &outer.src, udp, cap);
			return;
		}
		if (outer.dport == GENEVE_PORT) {
			worker_geneve(w, ts, &outer.src, udp, cap);
			return;
		}
	}
	if (*plain == NULL)
		*plain = sessions_plain(w->ctx->sessions, plain_name);
	STAT_INC(w->st.datagrams);
	if (*plain == NULL) {
		STAT_INC(w->st.not_vxlan);
		return;
	}
	STAT_ADD(w->st.bytes, len);
	worker_frame(w, *plain, ts, NULL, p, len);
}

#define ETH_HLEN_ 14 /* the header synthesized in front of a frame without one */

/* The link types -r reads; anything else is refused with this list. */
static bool link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* ip_ethertype: the ethertype for a raw IP packet, from its version nibble. */
static uint16_t ip_ethertype(const uint8_t *p, size_t len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/* null_ethertype: DLT_NULL/DLT_LOOP carry a 4-byte address family, in the
 * capturing host's byte order (NULL) or in network order (LOOP).  AF_INET6
 * is 10 on Linux, 24, 28 or 30 on the BSDs and macOS. */
static uint16_t null_ethertype(const uint8_t *p, bool loop)
{
	uint32_t be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	uint32_t le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	uint32_t af = loop ? be : (be < 256 ? be : le);

	switch (af) {
	case 2:
		return ETHERTYPE_IPV4;
	case 10:
	case 24:
	case 28:
	case 30:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/*
 * link_to_ether: the frame as Ethernet.  For DLT_EN10MB that is the frame
 * itself; otherwise strip the link header and write an Ethernet header in
 * front of the network layer into `buf` (ETH_HLEN_ + len bytes).  *outlen
 * is the new length.  NULL when the link header is short or names no
 * ethertype (an SLL protocol below 0x0600 is not one): such a frame cannot
 * be written as Ethernet and is counted as not_vxlan.
 */
static const uint8_t *link_to_ether(int dlt, const uint8_t *p, size_t len, uint8_t *buf,
                                    size_t *outlen)
{
	size_t hl;
	uint16_t et;

	switch (dlt) {
	case DLT_EN10MB:
		*outlen = len;
		return p;
	case DLT_LINUX_SLL: /* pkttype, hatype, halen, addr[8], protocol */
		if (len < 16)
			return NULL;
		hl = 16, et = (uint16_t)(p[14] << 8 | p[15]);
		break;
	case DLT_LINUX_SLL2: /* protocol, reserved, ifindex, hatype, pkttype, halen, addr[8] */
		if (len < 20)
			return NULL;
		hl = 20, et = (uint16_t)(p[0] << 8 | p[1]);
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		hl = 0, et = ip_ethertype(p, len);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 4)
			return NULL;
		hl = 4, et = null_ethertype(p, dlt == DLT_LOOP);
		break;
	default:
		return NULL;
	}
	if (et < 0x0600)
		return NULL;
	memset(buf, 0, 12);
	buf[12] = (uint8_t)(et >> 8);
	buf[13] = (uint8_t)et;
	memcpy(buf + ETH_HLEN_, p + hl, len - hl);
	*outlen = ETH_HLEN_ + len - hl;
	return buf;
}

int source_file_run(struct worker *w, const char *path, const char *plain_name)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct session *plain = NULL;
	struct timespec ts;
	uint8_t *buf = NULL;
	size_t bufsz = 0, flen;
	const uint8_t *frame;
	pcap_t *pc;
	int r, dlt;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pc == NULL) {
		log_warnx("%s: %s", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		log_warnx("%s: link type %s (%d) is not supported (supported: EN10MB, LINUX_SLL, "
		          "LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP)",
		          path, name != NULL ? name : "unknown", dlt);
		pcap_close(pc);
		return -1;
	}
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		ts.tv_sec = h->ts.tv_sec;
		ts.tv_nsec = h->ts.tv_usec; /* nanoseconds: opened with PRECISION_NANO */
		if (dlt != DLT_EN10MB && bufsz < ETH_HLEN_ + (size_t)h->caplen) {
			uint8_t *nb = realloc(buf, ETH_HLEN_ + (size_t)h->caplen);
			if (nb == NULL) {
				log_warnx("%s: out of memory for a %u-byte frame", path, h->caplen);
				r = -2;
				break;
			}
			buf = nb, bufsz = ETH_HLEN_ + (size_t)h->caplen;
		}
		frame = link_to_ether(dlt, data, h->caplen, buf, &flen);
		if (frame == NULL) {
			STAT_INC(w->st.datagrams);
			STAT_INC(w->st.not_vxlan);
			continue;
		}
		file_frame(w, &plain, plain_name, &ts, frame, flen);
	}
	if (r == -1)
		log_warnx("%s: %s (the rest of the file is ignored)", path, pcap_geterr(pc));
	free(buf);
	pcap_close(pc);
	return 0;
}
