/*
 * e2e_scenario.h - the datagrams of the end-to-end test, built from real
 * bytes with frames.h.  gen_e2e_capture writes them, wrapped in outer
 * Ethernet/IP/UDP 4789, to tests/data/e2e-vxlan.pcap; test_e2e replays
 * that capture live over loopback (from the same outer source addresses)
 * and offline with -r, and checks both give the same pcaps and alerts.
 *
 * Sessions in the test config: "web" VNI 100 (path_mtu 9001, route
 * 198.18.2.0/24 mtu 1500), "db" VNI 200 (no MTU).  unknown_vni: drop.
 * allowed_sources: 127.0.0.8/29 and ::1.
 */
#ifndef VX_E2E_SCENARIO_H
#define VX_E2E_SCENARIO_H

#include "frames.h"

#define E2E_MAXLEN 9100

struct e2e_dgram {
	const char *outer_src; /* mirrored ENI (outer source), loopback here */
	const char *outer_dst;
	uint8_t data[E2E_MAXLEN]; /* the UDP payload: VXLAN + inner frame */
	size_t len;
};

enum {
	E2E_N = 12,
	E2E_EXPECT_DATAGRAMS = 12,
	E2E_EXPECT_NOT_ALLOWED = 1,
	E2E_EXPECT_BAD_VXLAN = 2,
	E2E_EXPECT_UNKNOWN_VNI = 1,
	E2E_EXPECT_TRUNCATED = 1,
	E2E_EXPECT_WEB = 6, /* frames in session web's pcaps */
	E2E_EXPECT_DB = 2,  /* frames in session db's pcaps */
};

/* e2e__vx: wrap an inner frame into VXLAN for VNI `vni`. */
static inline void e2e__vx(struct e2e_dgram *d, const char *src, uint32_t vni, const uint8_t *inner,
                           size_t n)
{
	d->outer_src = src;
	d->outer_dst = strchr(src, ':') != NULL ? "::1" : "127.0.0.1";
	d->len = frame_vxlan(d->data, sizeof(d->data), vni, inner, n);
}

/* e2e_scenario: fill d[E2E_N]; returns how many were built (E2E_N). */
static inline int e2e_scenario(struct e2e_dgram *d)
{
	static uint8_t f[E2E_MAXLEN];
	const char *A = "198.18.1.1", *B = "198.18.2.2", *src = "127.0.0.10";
	size_t n;
	int i = 0;

	/* 0: SYN A->B, MSS 8961 (a 9001-MTU host) */
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = {.src = A, .dst = B, .df = true},
	                                 .sport = 40000,
	                                 .dport = 443,
	                                 .flags = TH_SYN,
	                                 .seq = 1000,
	                                 .mss = 8961});
	e2e__vx(&d[i++], src, 100, f, n);
	/* 1: SYN-ACK B->A, MSS 8961: A will send 9001-byte packets into a 1500 route */
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true},
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_SYN | TH_ACK,
	                                 .seq = 5000,
	                                 .ack = 1001,
	                                 .mss = 8961});
	e2e__vx(&d[i++], src, 100, f, n);
	/* 2: ACK A->B */
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = {.src = A, .dst = B, .df = true},
	                                 .sport = 40000,
	                                 .dport = 443,
	                                 .flags = TH_ACK,
	                                 .seq = 1001,
	                                 .ack = 5001});
	e2e__vx(&d[i++], src, 100, f, n);
	/* 3: B->A 1500 bytes: fits everywhere */
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true, .ip_len = 1500},
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_ACK,
	                                 .seq = 5001,
	                                 .ack = 1001});
	e2e__vx(&d[i++], src, 100, f, n);
	/* 4: A->B 5154 bytes DF (seed 1's ServerHello size) into the 1500 route */
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = {.src = A, .dst = B, .df = true, .ip_len = 5154},
	                                 .sport = 40000,
	                                 .dport = 443,
	                                 .flags = TH_ACK | TH_PSH,
	                                 .seq = 1001,
	                                 .ack = 6461});
	e2e__vx(&d[i++], src, 100, f, n);
	/* 5: its retransmission: same flow and type, so no second alert */
	e2e__vx(&d[i], src, 100, f, n);
	i++;
	/* 6: session db: a 9001-byte DF packet the mirror truncated to 200 bytes */
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = {.src = "198.18.3.3",
	                                        .dst = "198.18.4.4",
	                                        .df = true,
	                                        .ip_len = 9001,
	                                        .cap_len = 200},
	                                 .sport = 5432,
	                                 .dport = 50000,
	                                 .flags = TH_ACK,
	                                 .seq = 1,
	                                 .ack = 1});
	e2e__vx(&d[i++], src, 200, f, n);
	/* 7: session db over the IPv6 listener: inner IPv6 UDP */
	n = frame_udp(f, sizeof(f),
	              &(struct udp_spec){.ip = {.src = "2001:db8::1", .dst = "2001:db8::2"},
	                                 .sport = 5353,
	                                 .dport = 5353,
	                                 .payload_len = 32});
	e2e__vx(&d[i++], "::1", 200, f, n);
	/* 8: VNI 300 is not configured and unknown_vni is drop */
	e2e__vx(&d[i++], src, 300, f, n);
	/* 9: flags byte without the I bit */
	e2e__vx(&d[i], src, 100, f, n);
	d[i++].data[0] = 0x00;
	/* 10: a 4-byte datagram: shorter than a VXLAN header */
	e2e__vx(&d[i], src, 100, f, n);
	d[i++].len = 4;
	/* 11: a valid datagram from a source outside allowed_sources */
	e2e__vx(&d[i++], "127.0.0.99", 100, f, n);
	return i;
}

#endif
