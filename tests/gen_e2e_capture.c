/*
 * gen_e2e_capture - write the end-to-end scenario (e2e_scenario.h) as a
 * capture of mirrored traffic, the way `tcpdump -i eth0 -w` on a mirror
 * target records it: Ethernet / IPv4|IPv6 / UDP 4789 / VXLAN / inner frame.
 *
 * usage: gen_e2e_capture OUT.pcap
 * tests/data/e2e-vxlan.pcap is its output; CTest checks it is up to date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "e2e_scenario.h"

int main(int argc, char **argv)
{
	static struct e2e_dgram d[E2E_N];
	static uint8_t outer[E2E_MAXLEN + 100];
	pcap_dumper_t *dump;
	pcap_t *dead;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_e2e_capture OUT.pcap\n");
		return 2;
	}
	n = e2e_scenario(d);
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	dump = pcap_dump_open(dead, argv[1]);
	if (dump == NULL) {
		fprintf(stderr, "gen_e2e_capture: %s\n", pcap_geterr(dead));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct pcap_pkthdr h;
		size_t len = frame_udp(
		    outer, sizeof(outer),
		    &(struct udp_spec){.ip = {.src = d[i].outer_src, .dst = d[i].outer_dst},
		                       .sport = (uint16_t)(33000 + i),
		                       .dport = 4789,
		                       .payload_len = (uint32_t)d[i].len,
		                       .payload = d[i].data});
		if (len == 0) {
			fprintf(stderr, "gen_e2e_capture: datagram %d does not fit\n", i);
			return 1;
		}
		/* 2026-01-01T00:00:00Z + 10 ms per frame: a fixed, reproducible time */
		h.ts.tv_sec = 1767225600 + i / 100;
		h.ts.tv_usec = (i % 100) * 10000;
		h.caplen = h.len = (bpf_u_int32)len;
		pcap_dump((u_char *)dump, &h, outer);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	return 0;
}
