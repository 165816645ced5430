/*
 * source_file.c - offline mode: replay a capture through the live pipeline.
 *
 * A frame whose outer headers are IPv4/IPv6 + UDP to a VXLAN port is a
 * mirrored datagram and goes to worker_datagram(), exactly like one read
 * from a socket.  Anything else is a plain frame (a tcpdump taken on the
 * server itself, say) and goes to the plain session.  Time is the
 * capture's, so rotation and flow timeouts behave as they did live.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
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

int source_file_run(struct worker *w, const char *path, const char *plain_name)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct session *plain = NULL;
	struct timespec ts;
	pcap_t *pc;
	int r;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pc == NULL) {
		log_warnx("%s: %s", path, errbuf);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		log_warnx("%s: link type %s is not supported (capture on an Ethernet interface, "
		          "e.g. tcpdump -i eth0)",
		          path, pcap_datalink_val_to_name(pcap_datalink(pc)));
		pcap_close(pc);
		return -1;
	}
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		ts.tv_sec = h->ts.tv_sec;
		ts.tv_nsec = h->ts.tv_usec; /* nanoseconds: opened with PRECISION_NANO */
		file_frame(w, &plain, plain_name, &ts, data, h->caplen);
	}
	if (r == -1)
		log_warnx("%s: %s (the rest of the file is ignored)", path, pcap_geterr(pc));
	pcap_close(pc);
	return 0;
}
