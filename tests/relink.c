/*
 * relink.c - rewrite an Ethernet capture under another link type, as
 * another capture tool would have recorded the same packets:
 *
 *   relink LINKTYPE IN.pcap OUT.pcap
 *
 * LINKTYPE is LINUX_SLL (tcpdump -i any), LINUX_SLL2 (tcpdump -i any since
 * 4.99 with -y), RAW, IPV4, IPV6 (raw IP), NULL (BSD loopback, host byte
 * order, AF_INET6 = 30 as on macOS) or LOOP (network byte order).  The
 * Ethernet header (and 802.1Q tags) of each frame becomes that link
 * header; orig_len shrinks or grows by the same amount.  Frames whose
 * network layer the link type cannot carry (IPv6 under IPV4, say) are
 * left out.  Test tool only: libpcap reads and writes the files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

static int usage(void)
{
	fprintf(stderr, "usage: relink LINUX_SLL|LINUX_SLL2|RAW|IPV4|IPV6|NULL|LOOP IN OUT\n");
	return 2;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h, oh;
	const u_char *d;
	uint8_t *buf;
	unsigned long n = 0, left = 0;
	pcap_t *in, *out;
	pcap_dumper_t *du;
	int dlt, r;

	if (argc != 4)
		return usage();
	dlt = pcap_datalink_name_to_val(argv[1]);
	if (dlt != DLT_LINUX_SLL && dlt != DLT_LINUX_SLL2 && dlt != DLT_RAW && dlt != DLT_IPV4 &&
	    dlt != DLT_IPV6 && dlt != DLT_NULL && dlt != DLT_LOOP)
		return usage();
	in = pcap_open_offline_with_tstamp_precision(argv[2], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (in == NULL || pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr, "relink: %s: %s\n", argv[2], in ? "not Ethernet" : errbuf);
		return 1;
	}
	out = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	du = pcap_dump_open(out, argv[3]);
	buf = malloc(262144 + 32);
	if (du == NULL || buf == NULL) {
		fprintf(stderr, "relink: %s: %s\n", argv[3], pcap_geterr(out));
		return 1;
	}
	while ((r = pcap_next_ex(in, &h, &d)) == 1) {
		size_t off = 12, hl;
		uint16_t et;

		while (off + 2 <= h->caplen && (d[off] << 8 | d[off + 1]) == 0x8100)
			off += 4;
		if (off + 2 > h->caplen) {
			left++;
			continue;
		}
		et = (uint16_t)(d[off] << 8 | d[off + 1]);
		off += 2;
		if ((dlt == DLT_IPV4 && et != 0x0800) || (dlt == DLT_IPV6 && et != 0x86dd) ||
		    ((dlt == DLT_RAW || dlt == DLT_NULL || dlt == DLT_LOOP) && et != 0x0800 &&
		     et != 0x86dd)) {
			left++;
			continue;
		}
		switch (dlt) {
		case DLT_LINUX_SLL: /* pkttype 0 (to us), ARPHRD_ETHER, halen 6, source MAC */
			memset(buf, 0, 16);
			buf[3] = 1, buf[5] = 6;
			memcpy(buf + 6, d + 6, 6);
			buf[14] = (uint8_t)(et >> 8), buf[15] = (uint8_t)et;
			hl = 16;
			break;
		case DLT_LINUX_SLL2: /* protocol, reserved, ifindex 2, ARPHRD_ETHER, pkttype, halen
		                      */
			memset(buf, 0, 20);
			buf[0] = (uint8_t)(et >> 8), buf[1] = (uint8_t)et;
			buf[7] = 2, buf[9] = 1, buf[11] = 6;
			memcpy(buf + 12, d + 6, 6);
			hl = 20;
			break;
		case DLT_NULL: { /* host byte order */
			uint32_t af = et == 0x0800 ? 2 : 30;
			memcpy(buf, &af, 4);
			hl = 4;
			break;
		}
		case DLT_LOOP: /* network byte order */
			memset(buf, 0, 4);
			buf[3] = et == 0x0800 ? 2 : 30;
			hl = 4;
			break;
		default:
			hl = 0;
		}
		memcpy(buf + hl, d + off, h->caplen - off);
		oh = *h;
		oh.caplen = (bpf_u_int32)(hl + h->caplen - off);
		oh.len = (bpf_u_int32)(hl + h->len - off);
		pcap_dump((u_char *)du, &oh, buf);
		n++;
	}
	pcap_dump_close(du);
	pcap_close(in);
	pcap_close(out);
	free(buf);
	fprintf(stderr, "relink: %s: %lu frames as %s, %lu left out\n", argv[3], n, argv[1], left);
	return r == -1 ? 1 : 0;
}
