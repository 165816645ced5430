/*
 * test_decode.c - Criterion tests for the packet decoder (vx_decode).
 *
 * Frames are hex arrays with one comment per layer, like the tcpdump and
 * Suricata unit tests.  Every decode runs on an exact-size heap copy so
 * ASan catches a read of even one byte past the capture.  Each valid frame
 * is also decoded at every shorter length (check_prefixes), which must
 * never fail with anything but "too short" and must keep the true sizes.
 * L4 checksums are zero: the decoder does not verify them (a truncated
 * mirror copy could not be checked anyway).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vxmirror/addr.h"
#include "vxmirror/packet.h"
#include "vxmirror/util.h"

/* ---- frames ---------------------------------------------------------- */

/* clang-format off */
static const uint8_t ipv4_tcp_syn[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.1.1 > 198.18.2.2, hl 20, len 60, id 0x1234, DF, ttl 64, TCP */
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x99, 0x60,
	0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12, 0x02, 0x02,
	/* TCP: 40000 > 443, seq 0x1020304, ack 0x0, off 10, flags 0x02, win 62727 */
	0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xf5, 0x07, 0x00, 0x00, 0x00, 0x00,
	/* TCP options: MSS 8961, SACK-permitted, timestamps, NOP, window scale 7 */
	0x02, 0x04, 0x23, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0a, 0x0b, 0x0c, 0x0d,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv4_opts_tcp[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.2.2 > 198.18.1.1, hl 24, len 54, id 0x1234, DF, ttl 64, TCP, opt RA */
	0x46, 0x00, 0x00, 0x36, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x04, 0x62,
	0xc6, 0x12, 0x02, 0x02, 0xc6, 0x12, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00,
	/* TCP: 443 > 40000, seq 0x11111111, ack 0x1020305, off 5, flags 0x18, win 501 */
	0x01, 0xbb, 0x9c, 0x40, 0x11, 0x11, 0x11, 0x11, 0x01, 0x02, 0x03, 0x05,
	0x50, 0x18, 0x01, 0xf5, 0x00, 0x00, 0x00, 0x00,
	/* payload (10 bytes) */
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
};
/* clang-format on */

/* clang-format off */
static const uint8_t vlan_ipv4_udp_padded[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, 0x8100 vid 100, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0x00, 0x64, 0x08, 0x00,
	/* IPv4: 198.18.1.1 > 198.18.0.2, hl 20, len 32, id 0x1234, no DF, ttl 64, UDP */
	0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0xdb, 0x71,
	0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12, 0x00, 0x02,
	/* UDP: 5353 > 53, length 12 */
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00,
	/* payload (4 bytes) */
	0x61, 0x62, 0x63, 0x64,
	/* Ethernet padding (10 bytes) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/* clang-format off */
static const uint8_t qinq_ipv4_tcp[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, 0x88a8 vid 10, 0x8100 vid 20, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x20, 0x14, 0x08, 0x00,
	/* IPv4: 10.0.0.1 > 10.0.0.2, hl 20, len 40, id 0x1234, DF, ttl 64, TCP */
	0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x14, 0x9a,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	/* TCP: 22 > 50022, seq 0xdeadbeef, ack 0xcafef00d, off 5, flags 0x10, win 1024 */
	0x00, 0x16, 0xc3, 0x66, 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xf0, 0x0d,
	0x50, 0x10, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv4_frag_first[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.1.1 > 198.18.2.2, hl 20, len 44, id 0xabcd, MF, ttl 64, UDP */
	0x45, 0x00, 0x00, 0x2c, 0xab, 0xcd, 0x20, 0x00, 0x40, 0x11, 0x1f, 0xcc,
	0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12, 0x02, 0x02,
	/* UDP: 4000 > 5000, length 1208 */
	0x0f, 0xa0, 0x13, 0x88, 0x04, 0xb8, 0x00, 0x00,
	/* payload (16 bytes) */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv4_frag_later[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.1.1 > 198.18.2.2, hl 20, len 36, id 0xabcd, off 1480, ttl 64, UDP */
	0x45, 0x00, 0x00, 0x24, 0xab, 0xcd, 0x00, 0xb9, 0x40, 0x11, 0x3f, 0x1b,
	0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12, 0x02, 0x02,
	/* fragment data (16 bytes from the middle of a UDP payload) */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv6_tcp_syn[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x86dd */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd,
	/* IPv6: 2001:db8::1 > 2001:db8::2, plen 24, nh 6, hlim 64 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02,
	/* TCP: 50000 > 443, seq 0x55667788, ack 0x0, off 6, flags 0x02, win 64800 */
	0xc3, 0x50, 0x01, 0xbb, 0x55, 0x66, 0x77, 0x88, 0x00, 0x00, 0x00, 0x00,
	0x60, 0x02, 0xfd, 0x20, 0x00, 0x00, 0x00, 0x00,
	/* TCP options: MSS 1440 */
	0x02, 0x04, 0x05, 0xa0,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv6_ext_frag_udp[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x86dd */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd,
	/* IPv6: 2001:db8::1 > 2001:db8::2, plen 48, nh 0, hlim 64 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02,
	/* Hop-by-hop options: nh 60, 8 bytes, PadN */
	0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* Destination options: nh 44, 8 bytes, PadN */
	0x2c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* Fragment: nh 17, offset 0, M=1, id 0xdeadbeef */
	0x11, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,
	/* UDP: 12345 > 53, length 24 */
	0x30, 0x39, 0x00, 0x35, 0x00, 0x18, 0x00, 0x00,
	/* payload (16 bytes) */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv6_udp[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x86dd */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd,
	/* IPv6: 2001:db8::1 > 2001:db8::53, plen 12, nh 17, hlim 64 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x53,
	/* UDP: 12345 > 53, length 12 */
	0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00,
	/* payload (4 bytes) */
	0x61, 0x62, 0x63, 0x64,
};
/* clang-format on */

/* clang-format off */
static const uint8_t icmp_needfrag[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.0.254 > 198.18.1.1, hl 20, len 56, id 0x1234, no DF, ttl 64, ICMP */
	0x45, 0x00, 0x00, 0x38, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0xda, 0x6d,
	0xc6, 0x12, 0x00, 0xfe, 0xc6, 0x12, 0x01, 0x01,
	/* ICMP: type 3 code 4 (fragmentation needed), next-hop MTU 8500 */
	0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x21, 0x34,
	/* quoted IPv4: 198.18.1.1 > 198.18.2.2, hl 20, len 9001, id 0x4242, DF, ttl 64, TCP */
	0x45, 0x00, 0x23, 0x29, 0x42, 0x42, 0x40, 0x00, 0x40, 0x06, 0x46, 0x65,
	0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12, 0x02, 0x02,
	/* quoted TCP: 40000 > 443, seq 0xa0b0c0d0 */
	0x9c, 0x40, 0x01, 0xbb, 0xa0, 0xb0, 0xc0, 0xd0,
};
/* clang-format on */

/* clang-format off */
static const uint8_t icmp_timxceed[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.0.254 > 198.18.1.1, hl 20, len 60, id 0x1234, no DF, ttl 64, ICMP */
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0xda, 0x69,
	0xc6, 0x12, 0x00, 0xfe, 0xc6, 0x12, 0x01, 0x01,
	/* ICMP: type 11 (time exceeded), code 0 */
	0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* quoted IPv4: 198.18.1.1 > 203.0.113.9, hl 24, len 100, id 0x77, no DF, ttl 1, UDP, opt RA */
	0x46, 0x00, 0x00, 0x64, 0x00, 0x77, 0x00, 0x00, 0x01, 0x11, 0x20, 0xf1,
	0xc6, 0x12, 0x01, 0x01, 0xcb, 0x00, 0x71, 0x09, 0x94, 0x04, 0x00, 0x00,
	/* quoted UDP: 33434 > 33435, length 80 */
	0x82, 0x9a, 0x82, 0x9b, 0x00, 0x50, 0x00, 0x00,
};
/* clang-format on */

/* clang-format off */
static const uint8_t icmp6_ptb[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x86dd */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd,
	/* IPv6: 2001:db8::fe > 2001:db8::1, plen 68, nh 58, hlim 64 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x44, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01,
	/* ICMPv6: type 2 (packet too big), MTU 1280 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
	/* quoted IPv6: 2001:db8::1 > 2001:db8::2, plen 1460, nh 6, hlim 64 */
	0x60, 0x00, 0x00, 0x00, 0x05, 0xb4, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02,
	/* quoted TCP: 50000 > 80, seq 0x11223344, ack 0x99, off 5, flags 0x18, win 1000 */
	0xc3, 0x50, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x99,
	0x50, 0x18, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/* clang-format off */
static const uint8_t ipv4_tcp_9001_cut[] = {
	/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02, type 0x0800 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	/* IPv4: 198.18.1.1 > 198.18.2.2, hl 20, len 9001, id 0x1234, DF, ttl 64, TCP */
	0x45, 0x00, 0x23, 0x29, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x76, 0x73,
	0xc6, 0x12, 0x01, 0x01, 0xc6, 0x12, 0x02, 0x02,
	/* TCP: 40000 > 443, seq 0x1020304, ack 0x5060708, off 8, flags 0x10, win 491 */
	0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x80, 0x10, 0x01, 0xeb, 0x00, 0x00, 0x00, 0x00,
	/* TCP options: NOP, NOP, timestamps */
	0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	/* payload (8949 bytes) */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
	0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
	0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,
	0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83,
	0x84, 0x85,
};
/* clang-format on */

/* ---- helpers --------------------------------------------------------- */

static void *allocs[32];
static size_t nallocs;

/* heap_copy: an exact-size heap copy of a frame, freed after the test. */
static uint8_t *heap_copy(const uint8_t *f, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	cr_assert_not_null(b);
	cr_assert_lt(nallocs, nitems(allocs));
	if (n > 0)
		memcpy(b, f, n);
	allocs[nallocs++] = b;
	return b;
}

static void free_allocs(void)
{
	while (nallocs > 0)
		free(allocs[--nallocs]);
}

TestSuite(decode, .fini = free_allocs);

/* decode_buf: decode b in place into a junk-filled packet; ts must survive. */
static enum decode_err decode_buf(struct packet *pkt, const uint8_t *b, size_t n)
{
	enum decode_err e;

	memset(pkt, 0xa5, sizeof(*pkt));
	pkt->ts.tv_sec = 1700000000;
	pkt->ts.tv_nsec = 123456;
	e = decode_ether(pkt, b, n);
	cr_assert_eq(pkt->ts.tv_sec, 1700000000);
	cr_assert_eq(pkt->ts.tv_nsec, 123456);
	cr_assert_eq(pkt->frame, b);
	cr_assert_eq(pkt->cap_len, n);
	return e;
}

/* decode: decode an exact-size heap copy of f. */
static enum decode_err decode(struct packet *pkt, const uint8_t *f, size_t n)
{
	return decode_buf(pkt, heap_copy(f, n), n);
}

#define DECODE(pkt, frame) decode((pkt), (frame), sizeof(frame))

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void assert_addr(const struct addr *a, const char *want)
{
	struct addr w;
	char buf[ADDR_STRLEN];

	cr_assert_eq(addr_parse(want, &w), 0);
	cr_assert(addr_eq(a, &w), "address %s, want %s", addr_fmt(a, buf, sizeof(buf)), want);
}

/* check_l4_same: a prefix that decoded L4 must agree with the full frame. */
static void check_l4_same(const struct packet *full, const struct packet *pkt, size_t n)
{
	cr_assert_eq(pkt->l4_off, full->l4_off);
	cr_assert_eq(pkt->sport, full->sport, "at %zu bytes", n);
	cr_assert_eq(pkt->dport, full->dport, "at %zu bytes", n);
	cr_assert_eq(pkt->seq, full->seq);
	cr_assert_eq(pkt->ack, full->ack);
	cr_assert_eq(pkt->tcp_flags, full->tcp_flags);
	cr_assert_eq(pkt->tcp_hlen, full->tcp_hlen);
	cr_assert_eq(pkt->payload_len, full->payload_len, "at %zu bytes", n);
	cr_assert_eq(pkt->payload_off, full->payload_off);
	cr_assert_eq(pkt->icmp_type, full->icmp_type);
	cr_assert_eq(pkt->icmp_code, full->icmp_code);
	cr_assert_eq(pkt->icmp_mtu, full->icmp_mtu);
	cr_assert_eq(pkt->flags & PKT_PTB, full->flags & PKT_PTB);
	cr_assert_leq(packet_payload_cap(pkt), n - pkt->payload_off);
	if (n >= full->payload_off) {
		/* The whole L4 header is there: options must be parsed too. */
		cr_assert(!(pkt->flags & PKT_L4_TRUNCATED), "at %zu bytes", n);
		cr_assert_eq(pkt->flags & PKT_HAS_MSS, full->flags & PKT_HAS_MSS);
		cr_assert_eq(pkt->tcp_mss, full->tcp_mss);
		cr_assert_eq(pkt->tcp_wscale, full->tcp_wscale);
	}
}

/* check_quote_same: a partial quote keeps what the full quote has. */
static void check_quote_same(const struct packet *full, const struct packet *pkt)
{
	const struct quoted *q = &pkt->quoted, *fq = &full->quoted;

	cr_assert(full->flags & PKT_QUOTED);
	cr_assert_eq(q->ipver, fq->ipver);
	cr_assert(addr_eq(&q->src, &fq->src));
	cr_assert(addr_eq(&q->dst, &fq->dst));
	cr_assert_eq(q->ip_len, fq->ip_len);
	if (q->has_ports) {
		cr_assert_eq(q->sport, fq->sport);
		cr_assert_eq(q->dport, fq->dport);
	}
	if (q->has_seq)
		cr_assert_eq(q->seq, fq->seq);
}

/* check_prefix: what a decode of the first n bytes of a valid frame must give. */
static void check_prefix(const struct packet *full, const struct packet *pkt, enum decode_err e,
                         size_t n)
{
	size_t iphdr = full->ipver == 4 ? 20 : 40, ipend = full->l3_off + full->ip_len;

	cr_assert_lt((unsigned)e, DEC__MAX);
	if (n < full->l3_off) {
		cr_assert_eq(e, DEC_ETH_SHORT, "%s at %zu bytes", decode_err_name(e), n);
		return;
	}
	if (n < full->l3_off + iphdr) {
		cr_assert_eq(e, DEC_IP_SHORT, "%s at %zu bytes", decode_err_name(e), n);
		return;
	}
	cr_assert_eq(e, DEC_OK, "%s at %zu bytes", decode_err_name(e), n);
	cr_assert_eq(pkt->cap_len, n);
	cr_assert_eq(pkt->ip_len, full->ip_len, "ip_len %u at %zu bytes", pkt->ip_len, n);
	cr_assert_eq(pkt->wire_len, MAX(n, ipend));
	cr_assert_geq(pkt->wire_len, n);
	cr_assert(addr_eq(&pkt->src, &full->src));
	cr_assert(addr_eq(&pkt->dst, &full->dst));
	cr_assert_eq(pkt->nvlan, full->nvlan);
	if (n < ipend)
		cr_assert(pkt->flags & PKT_TRUNCATED, "at %zu bytes", n);
	else
		cr_assert_eq(pkt->flags & ~PKT_PADDED, full->flags & ~PKT_PADDED);
	if (pkt->flags & PKT_HAS_L4)
		check_l4_same(full, pkt, n);
	else if (full->flags & PKT_HAS_L4)
		cr_assert(pkt->flags & PKT_L4_TRUNCATED, "at %zu bytes", n);
	if (pkt->flags & PKT_QUOTED)
		check_quote_same(full, pkt);
}

/*
 * check_prefixes: decode every shorter capture of a valid frame, each from
 * an exact-size heap buffer, and check it against the full decode.
 */
static void check_prefixes(const uint8_t *f, size_t len)
{
	struct packet full, pkt;
	enum decode_err e;
	uint8_t *b;
	size_t n;

	cr_assert_eq(decode(&full, f, len), DEC_OK);
	for (n = 0; n < len; n++) {
		b = malloc(n ? n : 1);
		cr_assert_not_null(b);
		memcpy(b, f, n);
		e = decode_buf(&pkt, b, n);
		check_prefix(&full, &pkt, e, n);
		free(b);
	}
}

#define CHECK_PREFIXES(frame) check_prefixes((frame), sizeof(frame))

/* ---- valid frames ---------------------------------------------------- */

Test(decode, ipv4_tcp_syn_options)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv4_tcp_syn), DEC_OK);
	cr_assert_eq(pkt.ethertype, ETHERTYPE_IPV4);
	cr_assert_eq(pkt.nvlan, 0);
	cr_assert_eq(pkt.l3_off, 14);
	cr_assert_eq(pkt.ipver, 4);
	cr_assert_eq(pkt.proto, IPPROTO_TCP_);
	cr_assert_eq(pkt.ttl, 64);
	cr_assert_eq(pkt.ip_hlen, 20);
	cr_assert_eq(pkt.ip_len, 60);
	cr_assert_eq(pkt.ip_id, 0x1234);
	cr_assert_eq(pkt.frag_off, 0);
	assert_addr(&pkt.src, "198.18.1.1");
	assert_addr(&pkt.dst, "198.18.2.2");
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4 | PKT_HAS_MSS);
	cr_assert_eq(pkt.wire_len, 74);
	cr_assert_eq(pkt.l4_off, 34);
	cr_assert_eq(pkt.sport, 40000);
	cr_assert_eq(pkt.dport, 443);
	cr_assert_eq(pkt.seq, 0x01020304);
	cr_assert_eq(pkt.ack, 0);
	cr_assert_eq(pkt.tcp_flags, TH_SYN);
	cr_assert_eq(pkt.tcp_win, 62727);
	cr_assert_eq(pkt.tcp_hlen, 40);
	cr_assert_eq(pkt.tcp_mss, 8961);
	cr_assert_eq(pkt.tcp_wscale, 7);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.payload_off, 74);
	cr_assert_eq(packet_payload_cap(&pkt), 0);
	CHECK_PREFIXES(ipv4_tcp_syn);
}

Test(decode, ipv4_options_skipped)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv4_opts_tcp), DEC_OK);
	cr_assert_eq(pkt.ip_hlen, 24);
	cr_assert_eq(pkt.ip_len, 54);
	cr_assert_eq(pkt.l4_off, 38);
	assert_addr(&pkt.src, "198.18.2.2");
	cr_assert_eq(pkt.sport, 443);
	cr_assert_eq(pkt.dport, 40000);
	cr_assert_eq(pkt.seq, 0x11111111);
	cr_assert_eq(pkt.ack, 0x01020305);
	cr_assert_eq(pkt.tcp_flags, TH_PSH | TH_ACK);
	cr_assert_eq(pkt.tcp_hlen, 20);
	cr_assert_eq(pkt.tcp_wscale, 0xff);
	cr_assert(!(pkt.flags & PKT_HAS_MSS));
	cr_assert_eq(pkt.payload_len, 10);
	cr_assert_eq(pkt.payload_off, 58);
	cr_assert_eq(packet_payload_cap(&pkt), 10);
	cr_assert_eq(memcmp(pkt.frame + pkt.payload_off, "0123456789", 10), 0);
	CHECK_PREFIXES(ipv4_opts_tcp);
}

Test(decode, ipv4_options_cut_by_capture)
{
	struct packet pkt;

	/* The capture ends inside the IP options: truncated, not invalid. */
	cr_assert_eq(decode(&pkt, ipv4_opts_tcp, 14 + 22), DEC_OK);
	cr_assert_eq(pkt.flags & (PKT_TRUNCATED | PKT_L4_TRUNCATED),
	             PKT_TRUNCATED | PKT_L4_TRUNCATED);
	cr_assert(!(pkt.flags & PKT_HAS_L4));
	cr_assert_eq(pkt.l4_off, 0);
	cr_assert_eq(pkt.ip_len, 54);
	cr_assert_eq(pkt.wire_len, 68);
}

Test(decode, vlan_udp_with_ethernet_padding)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, vlan_ipv4_udp_padded), DEC_OK);
	cr_assert_eq(pkt.nvlan, 1);
	cr_assert_eq(pkt.vlan[0], 100);
	cr_assert_eq(pkt.ethertype, ETHERTYPE_IPV4);
	cr_assert_eq(pkt.l3_off, 18);
	cr_assert_eq(pkt.ip_len, 32);
	cr_assert_eq(pkt.flags, PKT_PADDED | PKT_HAS_L4);
	/* The pad is part of the frame on the wire: keep it in wire_len. */
	cr_assert_eq(pkt.wire_len, 60);
	cr_assert_eq(pkt.proto, IPPROTO_UDP_);
	cr_assert_eq(pkt.sport, 5353);
	cr_assert_eq(pkt.dport, 53);
	cr_assert_eq(pkt.l4_off, 38);
	cr_assert_eq(pkt.payload_off, 46);
	cr_assert_eq(pkt.payload_len, 4);
	/* ...but not in the payload. */
	cr_assert_eq(packet_payload_cap(&pkt), 4);
	CHECK_PREFIXES(vlan_ipv4_udp_padded);
}

Test(decode, qinq_tcp)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, qinq_ipv4_tcp), DEC_OK);
	cr_assert_eq(pkt.nvlan, 2);
	cr_assert_eq(pkt.vlan[0], 10);
	cr_assert_eq(pkt.vlan[1], 20); /* PCP bits stripped */
	cr_assert_eq(pkt.l3_off, 22);
	cr_assert_eq(pkt.l4_off, 42);
	assert_addr(&pkt.src, "10.0.0.1");
	assert_addr(&pkt.dst, "10.0.0.2");
	cr_assert_eq(pkt.sport, 22);
	cr_assert_eq(pkt.dport, 50022);
	cr_assert_eq(pkt.seq, 0xdeadbeef);
	cr_assert_eq(pkt.ack, 0xcafef00d);
	cr_assert_eq(pkt.tcp_flags, TH_ACK);
	cr_assert_eq(pkt.tcp_win, 1024);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.wire_len, 62);
	CHECK_PREFIXES(qinq_ipv4_tcp);
}

Test(decode, ipv4_first_fragment)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv4_frag_first), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_FRAGMENT | PKT_HAS_L4);
	cr_assert_eq(pkt.frag_off, 0);
	cr_assert_eq(pkt.ip_id, 0xabcd);
	cr_assert_eq(pkt.sport, 4000);
	cr_assert_eq(pkt.dport, 5000);
	/* UDP says 1208, this fragment holds 16: the smaller wins. */
	cr_assert_eq(pkt.payload_len, 16);
	CHECK_PREFIXES(ipv4_frag_first);
}

Test(decode, ipv4_later_fragment_has_no_l4)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv4_frag_later), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_FRAGMENT);
	cr_assert_eq(pkt.frag_off, 1480);
	cr_assert_eq(pkt.ip_id, 0xabcd);
	cr_assert_eq(pkt.proto, IPPROTO_UDP_);
	cr_assert_eq(pkt.l4_off, 0);
	cr_assert_eq(pkt.sport, 0);
	cr_assert_eq(pkt.payload_off, 0);
	cr_assert_eq(packet_payload_cap(&pkt), 0);
	CHECK_PREFIXES(ipv4_frag_later);
}

Test(decode, ipv6_tcp_mss)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv6_tcp_syn), DEC_OK);
	cr_assert_eq(pkt.ethertype, ETHERTYPE_IPV6);
	cr_assert_eq(pkt.ipver, 6);
	cr_assert_eq(pkt.ttl, 64);
	cr_assert_eq(pkt.proto, IPPROTO_TCP_);
	cr_assert_eq(pkt.ip_hlen, 40);
	cr_assert_eq(pkt.ip_len, 64);
	cr_assert_eq(pkt.wire_len, 78);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4 | PKT_HAS_MSS);
	assert_addr(&pkt.src, "2001:db8::1");
	assert_addr(&pkt.dst, "2001:db8::2");
	cr_assert_eq(pkt.l4_off, 54);
	cr_assert_eq(pkt.sport, 50000);
	cr_assert_eq(pkt.dport, 443);
	cr_assert_eq(pkt.seq, 0x55667788);
	cr_assert_eq(pkt.tcp_flags, TH_SYN);
	cr_assert_eq(pkt.tcp_hlen, 24);
	cr_assert_eq(pkt.tcp_mss, 1440);
	cr_assert_eq(pkt.tcp_wscale, 0xff);
	CHECK_PREFIXES(ipv6_tcp_syn);
}

Test(decode, ipv6_extension_headers_and_fragment)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv6_ext_frag_udp), DEC_OK);
	cr_assert_eq(pkt.ip_hlen, 40 + 8 + 8 + 8);
	cr_assert_eq(pkt.ip_len, 88);
	cr_assert_eq(pkt.proto, IPPROTO_UDP_);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_FRAGMENT | PKT_HAS_L4);
	cr_assert_eq(pkt.ip_id, 0xdeadbeef);
	cr_assert_eq(pkt.frag_off, 0);
	cr_assert_eq(pkt.l4_off, 78);
	cr_assert_eq(pkt.sport, 12345);
	cr_assert_eq(pkt.dport, 53);
	cr_assert_eq(pkt.payload_len, 16);
	cr_assert_eq(pkt.payload_off, 86);
	cr_assert_eq(packet_payload_cap(&pkt), 16);
	CHECK_PREFIXES(ipv6_ext_frag_udp);
}

Test(decode, ipv6_later_fragment_has_no_l4)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv6_ext_frag_udp, sizeof(ipv6_ext_frag_udp));

	put16(b, 72, 1448); /* fragment offset 181 * 8, M = 0 */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_ext_frag_udp)), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_FRAGMENT);
	cr_assert_eq(pkt.frag_off, 1448);
	cr_assert_eq(pkt.proto, IPPROTO_UDP_);
	cr_assert_eq(pkt.ip_hlen, 64);
	cr_assert_eq(pkt.l4_off, 0);
	cr_assert_eq(pkt.sport, 0);
}

Test(decode, ipv6_extension_cut_by_capture)
{
	struct packet pkt;

	/* Capture ends in the destination options: truncation, not DEC_IP6_EXT. */
	cr_assert_eq(decode(&pkt, ipv6_ext_frag_udp, 14 + 40 + 8 + 4), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_TRUNCATED | PKT_L4_TRUNCATED);
	cr_assert_eq(pkt.proto, 60); /* stopped in the destination options */
	cr_assert_eq(pkt.ip_hlen, 48);
	cr_assert_eq(pkt.l4_off, 0);
	cr_assert_eq(pkt.ip_len, 88);
	cr_assert_eq(pkt.wire_len, 102);
}

Test(decode, ipv6_udp)
{
	struct packet pkt;

	cr_assert_eq(DECODE(&pkt, ipv6_udp), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4);
	assert_addr(&pkt.dst, "2001:db8::53");
	cr_assert_eq(pkt.sport, 12345);
	cr_assert_eq(pkt.dport, 53);
	cr_assert_eq(pkt.payload_len, 4);
	cr_assert_eq(memcmp(pkt.frame + pkt.payload_off, "abcd", 4), 0);
	CHECK_PREFIXES(ipv6_udp);
}

Test(decode, icmp_frag_needed_with_quote)
{
	struct packet pkt;
	const struct quoted *q = &pkt.quoted;

	cr_assert_eq(DECODE(&pkt, icmp_needfrag), DEC_OK);
	cr_assert_eq(pkt.proto, IPPROTO_ICMP_);
	assert_addr(&pkt.src, "198.18.0.254");
	cr_assert_eq(pkt.flags, PKT_HAS_L4 | PKT_PTB | PKT_QUOTED);
	cr_assert_eq(pkt.icmp_type, 3);
	cr_assert_eq(pkt.icmp_code, 4);
	cr_assert_eq(pkt.icmp_mtu, 8500);
	cr_assert_eq(q->ipver, 4);
	cr_assert_eq(q->proto, IPPROTO_TCP_);
	assert_addr(&q->src, "198.18.1.1");
	assert_addr(&q->dst, "198.18.2.2");
	cr_assert_eq(q->ip_len, 9001);
	cr_assert(q->has_ports);
	cr_assert_eq(q->sport, 40000);
	cr_assert_eq(q->dport, 443);
	cr_assert(q->has_seq);
	cr_assert_eq(q->seq, 0xa0b0c0d0);
	CHECK_PREFIXES(icmp_needfrag);
}

Test(decode, icmp_quote_cut_before_ports)
{
	struct packet pkt;

	/* The quoted IP header is whole, the quoted TCP ports are not. */
	cr_assert_eq(decode(&pkt, icmp_needfrag, 14 + 20 + 8 + 20 + 3), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_TRUNCATED | PKT_HAS_L4 | PKT_PTB | PKT_QUOTED);
	cr_assert_eq(pkt.quoted.ip_len, 9001);
	cr_assert(!pkt.quoted.has_ports);
	cr_assert(!pkt.quoted.has_seq);
	/* Not even the quoted IP header: a PTB without a quote. */
	cr_assert_eq(decode(&pkt, icmp_needfrag, 14 + 20 + 8 + 19), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_TRUNCATED | PKT_HAS_L4 | PKT_PTB);
	cr_assert_eq(pkt.icmp_mtu, 8500);
}

Test(decode, icmp_time_exceeded_quote_with_options)
{
	struct packet pkt;
	const struct quoted *q = &pkt.quoted;

	cr_assert_eq(DECODE(&pkt, icmp_timxceed), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_HAS_L4 | PKT_QUOTED);
	cr_assert_eq(pkt.icmp_type, 11);
	cr_assert_eq(pkt.icmp_mtu, 0);
	cr_assert_eq(q->proto, IPPROTO_UDP_);
	assert_addr(&q->dst, "203.0.113.9");
	cr_assert_eq(q->ip_len, 100);
	cr_assert(q->has_ports);
	cr_assert_eq(q->sport, 33434);
	cr_assert_eq(q->dport, 33435);
	cr_assert(!q->has_seq);
	CHECK_PREFIXES(icmp_timxceed);
}

Test(decode, icmp6_packet_too_big_with_quote)
{
	struct packet pkt;
	const struct quoted *q = &pkt.quoted;

	cr_assert_eq(DECODE(&pkt, icmp6_ptb), DEC_OK);
	cr_assert_eq(pkt.proto, IPPROTO_ICMP6_);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4 | PKT_PTB | PKT_QUOTED);
	cr_assert_eq(pkt.icmp_type, 2);
	cr_assert_eq(pkt.icmp_code, 0);
	cr_assert_eq(pkt.icmp_mtu, 1280);
	cr_assert_eq(q->ipver, 6);
	cr_assert_eq(q->proto, IPPROTO_TCP_);
	assert_addr(&q->src, "2001:db8::1");
	assert_addr(&q->dst, "2001:db8::2");
	cr_assert_eq(q->ip_len, 1500);
	cr_assert(q->has_ports);
	cr_assert_eq(q->sport, 50000);
	cr_assert_eq(q->dport, 80);
	cr_assert(q->has_seq);
	cr_assert_eq(q->seq, 0x11223344);
	CHECK_PREFIXES(icmp6_ptb);
}

Test(decode, icmp6_time_exceeded_quotes_too)
{
	struct packet pkt;
	uint8_t *b = heap_copy(icmp6_ptb, sizeof(icmp6_ptb));

	b[54] = 3; /* ICMPv6 time exceeded */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp6_ptb)), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4 | PKT_QUOTED);
	cr_assert_eq(pkt.icmp_mtu, 0);
	cr_assert_eq(pkt.quoted.sport, 50000);
	cr_assert_eq(pkt.quoted.seq, 0x11223344);
}

Test(decode, truncated_jumbo_mirror)
{
	struct packet pkt;

	/* A 9001-byte segment mirrored through a smaller MTU: 200 bytes kept. */
	cr_assert_eq(sizeof(ipv4_tcp_9001_cut), 200);
	cr_assert_eq(DECODE(&pkt, ipv4_tcp_9001_cut), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_TRUNCATED | PKT_HAS_L4);
	cr_assert_eq(pkt.cap_len, 200);
	cr_assert_eq(pkt.ip_len, 9001);
	cr_assert_eq(pkt.wire_len, 14 + 9001);
	cr_assert_eq(pkt.tcp_hlen, 32);
	cr_assert_eq(pkt.payload_len, 9001 - 20 - 32);
	cr_assert_eq(pkt.payload_off, 14 + 20 + 32);
	cr_assert_eq(packet_payload_cap(&pkt), 200 - 66);
	cr_assert_eq(pkt.seq, 0x01020304);
	cr_assert_eq(pkt.ack, 0x05060708);
	CHECK_PREFIXES(ipv4_tcp_9001_cut);
}

Test(decode, tcp_options_cut_by_capture)
{
	struct packet pkt;

	/* Fixed header captured, options not: fixed fields, no MSS. */
	cr_assert_eq(decode(&pkt, ipv4_tcp_syn, 14 + 20 + 30), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_TRUNCATED | PKT_L4_TRUNCATED | PKT_HAS_L4);
	cr_assert_eq(pkt.seq, 0x01020304);
	cr_assert_eq(pkt.tcp_hlen, 40);
	cr_assert_eq(pkt.tcp_wscale, 0xff);
	/* Not even the fixed header: only the ports, no PKT_HAS_L4. */
	cr_assert_eq(decode(&pkt, ipv4_tcp_syn, 14 + 20 + 6), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_TRUNCATED | PKT_L4_TRUNCATED);
	cr_assert_eq(pkt.sport, 40000);
	cr_assert_eq(pkt.dport, 443);
	cr_assert_eq(pkt.seq, 0);
}

Test(decode, tcp_standalone)
{
	struct packet pkt;

	/* An entry point called on its own takes len as the segment length. */
	memset(&pkt, 0, sizeof(pkt));
	cr_assert_eq(decode_tcp(&pkt, heap_copy(ipv4_tcp_syn + 34, 40), 40), DEC_OK);
	cr_assert_eq(pkt.sport, 40000);
	cr_assert_eq(pkt.tcp_mss, 8961);
	cr_assert_eq(pkt.payload_off, 40);
	cr_assert_eq(pkt.payload_len, 0);
}

Test(decode, tcp_eol_ends_options)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));

	b[58] = 0; /* EOL where SACK-permitted was; what follows is ignored */
	b[59] = 0;
	b[71] = 0xff; /* would be a bad option if it were parsed */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_OK);
	cr_assert_eq(pkt.tcp_mss, 8961);
	cr_assert_eq(pkt.tcp_wscale, 0xff);
}

Test(decode, not_ip)
{
	struct packet pkt;
	/* clang-format off */
	static const uint8_t arp[] = {
		/* Ethernet: 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, type 0x0806 (ARP) */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x06,
		/* ARP: request who-has 198.18.0.1 tell 198.18.1.1 */
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x01, 0xc6, 0x12, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xc6, 0x12, 0x00, 0x01,
	};
	/* clang-format on */

	cr_assert_eq(DECODE(&pkt, arp), DEC_NOT_IP);
	cr_assert_eq(pkt.ethertype, 0x0806);
	cr_assert_eq(pkt.ipver, 0);
	cr_assert_eq(pkt.l3_off, 0);
	cr_assert_eq(pkt.wire_len, sizeof(arp));
	cr_assert_eq(pkt.tcp_wscale, 0xff);
}

/* ---- malformed frames ------------------------------------------------ */

Test(decode, eth_short)
{
	struct packet pkt;

	cr_assert_eq(decode(&pkt, ipv4_tcp_syn, 13), DEC_ETH_SHORT);
	cr_assert_eq(pkt.wire_len, 13);
	cr_assert_eq(decode(&pkt, ipv4_tcp_syn, 0), DEC_ETH_SHORT);
	/* A VLAN tag cut in half is short Ethernet too. */
	cr_assert_eq(decode(&pkt, qinq_ipv4_tcp, 16), DEC_ETH_SHORT);
	cr_assert_eq(pkt.nvlan, 0);
}

Test(decode, third_vlan_tag)
{
	struct packet pkt;
	/* clang-format off */
	static const uint8_t three_tags[] = {
		/* Ethernet: 02:00:00:00:00:01 > 02:00:00:00:00:02 */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		/* 0x88a8 vid 10, 0x8100 vid 20, 0x8100 vid 30, type 0x0800 */
		0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x81, 0x00, 0x00, 0x1e,
		0x08, 0x00,
		/* IPv4: 10.0.0.1 > 10.0.0.2, hl 20, len 20, no payload */
		0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	};
	/* clang-format on */

	cr_assert_eq(DECODE(&pkt, three_tags), DEC_VLAN_DEPTH);
	cr_assert_eq(pkt.nvlan, 2);
	cr_assert_eq(pkt.vlan[0], 10);
	cr_assert_eq(pkt.vlan[1], 20);
	/* Two tags of the same frame are fine. */
	uint8_t *b = heap_copy(three_tags, sizeof(three_tags));
	b[20] = 0x08;
	b[21] = 0x00;
	cr_assert_eq(decode_buf(&pkt, b, 22), DEC_IP_SHORT);
	memmove(b + 20, b + 24, sizeof(three_tags) - 24);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(three_tags) - 4), DEC_OK);
	cr_assert_eq(pkt.proto, 0xfd);
}

Test(decode, ipv4_bad_ihl)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));

	b[14] = 0x44; /* IHL 4 */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_IP_HLEN);
	b[14] = 0x40; /* IHL 0 */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_IP_HLEN);
	cr_assert(!(pkt.flags & PKT_HAS_L4));
}

Test(decode, ipv4_total_length_below_header)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_opts_tcp, sizeof(ipv4_opts_tcp));

	put16(b, 16, 23); /* header is 24 */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_opts_tcp)), DEC_IP_LEN);
	put16(b, 16, 24); /* exactly the header: valid, no room for TCP */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_opts_tcp)), DEC_TCP_OFF);
	cr_assert_eq(pkt.ip_len, 24);
}

Test(decode, ip_version_mismatch)
{
	struct packet pkt;
	uint8_t *b4 = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));
	uint8_t *b6 = heap_copy(ipv6_tcp_syn, sizeof(ipv6_tcp_syn));

	b4[14] = 0x65; /* ethertype IPv4, version 6 */
	cr_assert_eq(decode_buf(&pkt, b4, sizeof(ipv4_tcp_syn)), DEC_IP_VERSION);
	cr_assert_eq(pkt.ipver, 0);
	b6[14] = 0x45; /* ethertype IPv6, version 4 */
	cr_assert_eq(decode_buf(&pkt, b6, sizeof(ipv6_tcp_syn)), DEC_IP_VERSION);
	cr_assert_eq(pkt.ipver, 0);
}

Test(decode, ipv6_payload_length_too_small_for_tcp)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv6_tcp_syn, sizeof(ipv6_tcp_syn));

	/* The TCP header (with its MSS option) is 24 bytes; the IPv6 header
	 * says the whole payload is 20 or 8: an invalid length, not truncation. */
	put16(b, 18, 20);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_tcp_syn)), DEC_TCP_OFF);
	cr_assert_eq(pkt.ip_len, 60);
	put16(b, 18, 8);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_tcp_syn)), DEC_TCP_OFF);
	cr_assert(!(pkt.flags & PKT_HAS_L4));
	put16(b, 18, 0);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_tcp_syn)), DEC_TCP_OFF);
}

Test(decode, ipv6_payload_length_too_small_for_udp)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv6_udp, sizeof(ipv6_udp));

	put16(b, 18, 7);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_udp)), DEC_UDP_LEN);
}

Test(decode, ipv6_extension_past_payload_length)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv6_ext_frag_udp, sizeof(ipv6_ext_frag_udp));

	put16(b, 18, 12); /* hop-by-hop fits, destination options do not */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_ext_frag_udp)), DEC_IP6_EXT);
	put16(b, 18, 9); /* one byte of destination options: not even nh + len */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_ext_frag_udp)), DEC_IP6_EXT);
	put16(b, 18, 0); /* a jumbogram; not supported */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_ext_frag_udp)), DEC_IP6_EXT);
	put16(b, 18, 48);
	b[55] = 200; /* hop-by-hop claims 1608 bytes */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv6_ext_frag_udp)), DEC_IP6_EXT);
}

/* ipv6_chain: IPv6 + n destination-options headers + an 8-byte UDP header. */
static size_t ipv6_chain(uint8_t *b, int n)
{
	size_t off = 14 + 40;
	int i;

	memcpy(b, ipv6_udp, 14 + 40);
	put16(b, 18, (uint16_t)(n * 8 + 8));
	b[20] = 60;
	for (i = 0; i < n; i++) {
		static const uint8_t dst[] = {60, 0, 1, 4, 0, 0, 0, 0};
		memcpy(b + off, dst, 8);
		if (i == n - 1)
			b[off] = IPPROTO_UDP_;
		off += 8;
	}
	memcpy(b + off, ipv6_udp + 54, 8);
	put16(b, off + 4, 8);
	return off + 8;
}

Test(decode, ipv6_extension_chain_depth)
{
	struct packet pkt;
	uint8_t tmp[14 + 40 + 9 * 8 + 8];
	size_t n;

	n = ipv6_chain(tmp, 8); /* the most this decoder walks */
	cr_assert_eq(decode(&pkt, tmp, n), DEC_OK);
	cr_assert_eq(pkt.ip_hlen, 40 + 64);
	cr_assert_eq(pkt.sport, 12345);
	n = ipv6_chain(tmp, 9);
	cr_assert_eq(n, sizeof(tmp));
	cr_assert_eq(decode(&pkt, tmp, n), DEC_IP6_EXT);
}

Test(decode, tcp_data_offset_below_5)
{
	struct packet pkt;
	uint8_t *b = heap_copy(qinq_ipv4_tcp, sizeof(qinq_ipv4_tcp));

	b[54] = 0x40; /* data offset 4 */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(qinq_ipv4_tcp)), DEC_TCP_OFF);
	cr_assert(!(pkt.flags & PKT_HAS_L4));
	b[54] = 0x00;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(qinq_ipv4_tcp)), DEC_TCP_OFF);
}

Test(decode, tcp_data_offset_beyond_ip_payload)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));

	b[46] = 0xb0; /* 44 bytes of header in a 40-byte segment */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OFF);
	/* Same when the capture is short: the lengths alone are impossible. */
	cr_assert_eq(decode_buf(&pkt, b, 14 + 20 + 20), DEC_TCP_OFF);
}

Test(decode, tcp_option_past_header)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));

	b[72] = 4; /* window scale, last option, claims 4 bytes with 3 left */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
	b[72] = 5; /* or an unknown option of 5 bytes */
	b[71] = 30;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
	b[71] = 1; /* NOP, NOP, then a kind in the last byte with no length */
	b[72] = 1;
	b[73] = 8;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
}

Test(decode, tcp_zero_length_option)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));

	b[59] = 0; /* SACK-permitted with length 0: would loop forever */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
	b[59] = 1;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
	b[59] = 2;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_OK);
}

Test(decode, tcp_bad_mss_and_wscale_length)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));

	b[55] = 3; /* MSS of length 3 */
	b[57] = 1; /* keep the rest aligned: a NOP */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
	b[55] = 4;
	b[57] = 0x01;
	b[72] = 2; /* window scale of length 2 */
	b[73] = 1;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
}

Test(decode, udp_length_below_8)
{
	struct packet pkt;
	uint8_t *b = heap_copy(vlan_ipv4_udp_padded, sizeof(vlan_ipv4_udp_padded));

	put16(b, 42, 7);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(vlan_ipv4_udp_padded)), DEC_UDP_LEN);
	cr_assert(!(pkt.flags & PKT_HAS_L4));
	put16(b, 42, 0);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(vlan_ipv4_udp_padded)), DEC_UDP_LEN);
	put16(b, 42, 8); /* an empty datagram is fine */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(vlan_ipv4_udp_padded)), DEC_OK);
	cr_assert_eq(pkt.payload_len, 0);
}

Test(decode, icmp_quote_bad_ihl)
{
	struct packet pkt;
	uint8_t *b = heap_copy(icmp_needfrag, sizeof(icmp_needfrag));

	/* Quoted IHL 4: no router quotes that, so the error is malformed. */
	b[42] = 0x44;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp_needfrag)), DEC_ICMP);
	cr_assert(!(pkt.flags & PKT_QUOTED));
	cr_assert(pkt.flags & PKT_PTB); /* what was decoded stays valid */
	b[42] = 0x65;                   /* quoted version 6 in an ICMPv4 error */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp_needfrag)), DEC_ICMP);
}

Test(decode, icmp_length_too_small)
{
	struct packet pkt;
	uint8_t *b = heap_copy(icmp_needfrag, sizeof(icmp_needfrag));

	put16(b, 16, 20 + 7); /* ICMP message of 7 bytes */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp_needfrag)), DEC_ICMP);
	put16(b, 16, 20 + 8 + 12); /* an error whose quote cannot hold an IP header */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp_needfrag)), DEC_ICMP);
	cr_assert(!(pkt.flags & PKT_QUOTED));
	b[34] = 8; /* ...but an echo request of that size is fine */
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp_needfrag)), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_HAS_L4 | PKT_PADDED);
	cr_assert_eq(pkt.payload_len, 12);
}

Test(decode, icmp_quote_stops_at_ip_length)
{
	struct packet pkt;
	uint8_t *b4 = heap_copy(icmp_needfrag, sizeof(icmp_needfrag));
	uint8_t *b6 = heap_copy(icmp6_ptb, sizeof(icmp6_ptb));

	/* The quoted ports are still in the frame, but past the IP length:
	 * they are Ethernet padding now and must not be read as ports. */
	put16(b4, 16, 20 + 8 + 20 + 2);
	cr_assert_eq(decode_buf(&pkt, b4, sizeof(icmp_needfrag)), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_HAS_L4 | PKT_PTB | PKT_QUOTED | PKT_PADDED);
	cr_assert(!pkt.quoted.has_ports);
	cr_assert_eq(pkt.quoted.sport, 0);
	put16(b6, 18, 8 + 40 + 6);
	cr_assert_eq(decode_buf(&pkt, b6, sizeof(icmp6_ptb)), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4 | PKT_PTB | PKT_QUOTED | PKT_PADDED);
	cr_assert(pkt.quoted.has_ports);
	cr_assert(!pkt.quoted.has_seq);
}

Test(decode, icmp6_quote_bad_version)
{
	struct packet pkt;
	uint8_t *b = heap_copy(icmp6_ptb, sizeof(icmp6_ptb));

	b[62] = 0x45;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp6_ptb)), DEC_ICMP);
	cr_assert(!(pkt.flags & PKT_QUOTED));
	cr_assert_eq(pkt.icmp_mtu, 1280);
}

Test(decode, icmp_quote_total_length_below_ihl)
{
	struct packet pkt;
	uint8_t *b = heap_copy(icmp_needfrag, sizeof(icmp_needfrag));

	/* The quote goes through the packet decoder's own IPv4 header parser,
	 * so it is held to the same rule: total length 19 < IHL*4 = 20. */
	put16(b, 44, 19);
	cr_assert_eq(decode_buf(&pkt, b, sizeof(icmp_needfrag)), DEC_ICMP);
	cr_assert(!(pkt.flags & PKT_QUOTED));
}

/* icmp6_ptb_frag: icmp6_ptb with an 8-byte fragment header (offset `off`
 * bytes, M set) between the quoted IPv6 header and its TCP header. */
static uint8_t *icmp6_ptb_frag(size_t *len, uint16_t off)
{
	const size_t at = 14 + 40 + 8 + 40;
	uint8_t b[sizeof(icmp6_ptb) + 8];

	*len = sizeof(b);
	memcpy(b, icmp6_ptb, at);
	memcpy(b + at + 8, icmp6_ptb + at, sizeof(icmp6_ptb) - at);
	put16(b, 18, 0x44 + 8); /* outer payload length */
	put16(b, 66, 1460 + 8); /* quoted payload length */
	b[68] = 44;             /* quoted next header: fragment */
	b[at] = 6;              /* fragment header: next header TCP */
	b[at + 1] = 0;
	put16(b, at + 2, off | 1); /* offset, M */
	put16(b, at + 4, 0x1234);  /* identification */
	put16(b, at + 6, 0x5678);
	return heap_copy(b, sizeof(b)); /* exactly sized: ASan sees any overread */
}

Test(decode, icmp6_quote_walks_extension_headers)
{
	struct packet pkt;
	size_t len;
	uint8_t *b = icmp6_ptb_frag(&len, 0);

	/* A first fragment: the shared extension-header walk reaches TCP. */
	cr_assert_eq(decode_buf(&pkt, b, len), DEC_OK);
	cr_assert_eq(pkt.flags, PKT_DF | PKT_HAS_L4 | PKT_PTB | PKT_QUOTED);
	cr_assert_eq(pkt.quoted.proto, IPPROTO_TCP_);
	cr_assert_eq(pkt.quoted.ip_len, 40 + 1460 + 8);
	cr_assert(pkt.quoted.has_ports);
	cr_assert_eq(pkt.quoted.sport, 50000);
	cr_assert_eq(pkt.quoted.dport, 80);
	cr_assert_eq(pkt.quoted.seq, 0x11223344);
	/* A later fragment: what follows is payload, not ports. */
	b = icmp6_ptb_frag(&len, 1448);
	cr_assert_eq(decode_buf(&pkt, b, len), DEC_OK);
	cr_assert(pkt.flags & PKT_QUOTED);
	cr_assert(!pkt.quoted.has_ports);
	cr_assert_eq(pkt.quoted.sport, 0);
}

Test(decode, tcp_sack_blocks)
{
	struct packet pkt;
	uint8_t *b = heap_copy(ipv4_tcp_syn, sizeof(ipv4_tcp_syn));
	static const uint8_t opts[20] = {1,    1,    5,    18,   0x00, 0x00, 0x10,
	                                 0x00, 0x00, 0x00, 0x20, 0x00, 0xff, 0xff,
	                                 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10};

	/* NOP NOP SACK with two blocks, filling the 20 option bytes; the
	 * second one wraps around 2^32. */
	memcpy(b + 54, opts, sizeof(opts));
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_OK);
	cr_assert_eq(pkt.nsack, 2);
	cr_assert_eq(pkt.sack[0][0], 0x1000);
	cr_assert_eq(pkt.sack[0][1], 0x2000);
	cr_assert_eq(pkt.sack[1][0], 0xfffffff0);
	cr_assert_eq(pkt.sack[1][1], 0x10);
	cr_assert(!(pkt.flags & PKT_HAS_MSS));
	/* The SYN as it was has no SACK blocks. */
	cr_assert_eq(DECODE(&pkt, ipv4_tcp_syn), DEC_OK);
	cr_assert_eq(pkt.nsack, 0);
	/* A length that is not 2 + 8n is malformed, as is one block too short. */
	b[57] = 17;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
	b[57] = 2;
	cr_assert_eq(decode_buf(&pkt, b, sizeof(ipv4_tcp_syn)), DEC_TCP_OPT);
}

/* ---- VXLAN ----------------------------------------------------------- */

/* clang-format off */
static const uint8_t vxlan_hdr[] = {
	/* VXLAN: flags 0x08 (I), reserved, VNI 0x123456, reserved */
	0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x00,
};
/* clang-format on */

Test(decode, vxlan_good_and_inner_frame)
{
	uint8_t buf[sizeof(vxlan_hdr) + sizeof(ipv4_tcp_syn)];
	struct packet pkt;
	uint32_t vni;
	size_t hlen, n = sizeof(buf);
	uint8_t *b;

	memcpy(buf, vxlan_hdr, sizeof(vxlan_hdr));
	memcpy(buf + sizeof(vxlan_hdr), ipv4_tcp_syn, sizeof(ipv4_tcp_syn));
	b = heap_copy(buf, n);
	cr_assert_eq(decode_vxlan(b, n, &vni, &hlen), DEC_OK);
	cr_assert_eq(vni, 0x123456);
	cr_assert_eq(hlen, VXLAN_HLEN);
	cr_assert_eq(decode_buf(&pkt, b + hlen, n - hlen), DEC_OK);
	cr_assert_eq(pkt.tcp_mss, 8961);
}

Test(decode, vxlan_reserved_bits_ignored)
{
	uint8_t *b = heap_copy(vxlan_hdr, sizeof(vxlan_hdr));
	uint32_t vni;
	size_t hlen;

	b[0] = 0xff;
	b[7] = 0xff; /* the reserved byte after the VNI is not part of it */
	cr_assert_eq(decode_vxlan(b, sizeof(vxlan_hdr), &vni, &hlen), DEC_OK);
	cr_assert_eq(vni, 0x123456);
}

Test(decode, vxlan_short)
{
	uint32_t vni = 7;
	size_t n, hlen = 7;

	for (n = 0; n < sizeof(vxlan_hdr); n++) {
		uint8_t *b = heap_copy(vxlan_hdr, n);

		cr_assert_eq(decode_vxlan(b, n, &vni, &hlen), DEC_VXLAN_SHORT, "at %zu bytes", n);
		cr_assert_eq(vni, 0);
		cr_assert_eq(hlen, 0);
	}
}

Test(decode, vxlan_bad_flags)
{
	uint8_t *b = heap_copy(vxlan_hdr, sizeof(vxlan_hdr));
	uint32_t vni;
	size_t hlen;

	b[0] = 0x00;
	cr_assert_eq(decode_vxlan(b, sizeof(vxlan_hdr), &vni, &hlen), DEC_VXLAN_FLAGS);
	b[0] = 0xf7; /* everything but I */
	cr_assert_eq(decode_vxlan(b, sizeof(vxlan_hdr), &vni, &hlen), DEC_VXLAN_FLAGS);
}

/* ---- names ----------------------------------------------------------- */

Test(decode, err_names)
{
	static const char *const want[] = {
	    "ok",      "eth_short",   "vlan_depth",  "not_ip",  "ip_short", "ip_version",
	    "ip_hlen", "ip_len",      "ip6_ext",     "tcp_off", "tcp_opt",  "udp_len",
	    "icmp",    "vxlan_short", "vxlan_flags", "geneve",
	};
	int i;

	cr_assert_eq(nitems(want), DEC__MAX);
	for (i = 0; i < DEC__MAX; i++)
		cr_assert_str_eq(decode_err_name((enum decode_err)i), want[i]);
	cr_assert_str_eq(decode_err_name(DEC__MAX), "unknown");
}
