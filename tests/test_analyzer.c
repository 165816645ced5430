/*
 * test_analyzer.c - the path-MTU analyzer, its flow table, path_mtu_lookup
 * and the alert log.
 *
 * Packet tests use real bytes: frames are built with frames.h, decoded
 * with decode_ether() and fed to the analyzer; alerts are collected from
 * the callback.  Time is packet time, set explicitly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vxmirror/alertlog.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/flow.h"
#include "vxmirror/packet.h"

#include "frames.h"

/* Seed 2: A in VPC A, B in VPC B; B -> A goes through a transit gateway. */
#define A  "198.18.1.1"
#define B  "198.18.2.2"
#define A6 "2001:db8:1::1"
#define B6 "2001:db8:2::2"

static struct analyzer *an;
static struct analyzer_conf aconf;
static struct session_conf sess;
static struct route_conf routes[8];
static json_t *alerts;
static struct timespec clk;
static const struct addr *mirror;
static const struct pcap_ref *ref;
static uint8_t fbuf[20000];

static void collect(void *arg, enum alert_type t, json_t *o)
{
	json_t *v = json_object_get(o, "type");

	cr_assert_str_eq(json_string_value(v), alert_type_name(t));
	json_array_append((json_t *)arg, o); /* keeps its own reference */
}

static void setup(void)
{
	aconf = (struct analyzer_conf){.retransmit_threshold = 3,
	                               .max_flows = 1024,
	                               .flow_timeout = 300,
	                               .closed_timeout = 10,
	                               .fragment_alert_interval = 60};
	memset(&sess, 0, sizeof(sess));
	strcpy(sess.name, "prod");
	sess.vni = 4242;
	sess.routes = routes;
	clk = (struct timespec){1795424171, 123456789}; /* 2026-11-23T08:56:11.123456789Z */
	mirror = NULL;
	ref = NULL;
	alerts = json_array();
	an = analyzer_new(&aconf, collect, alerts);
}

static void teardown(void)
{
	analyzer_free(an);
	json_decref(alerts);
}

static void add_route(const char *prefix, uint32_t mtu)
{
	const char *why = NULL;

	cr_assert_lt(sess.nroutes, sizeof(routes) / sizeof(routes[0]));
	cr_assert_eq(cidr_parse(prefix, &routes[sess.nroutes].prefix, &why), 0, "%s: %s", prefix,
	             why);
	routes[sess.nroutes++].mtu = mtu;
}

static void feed(const uint8_t *f, size_t len)
{
	struct packet pkt;
	enum decode_err e;

	cr_assert_gt(len, 0, "frame not built");
	memset(&pkt, 0, sizeof(pkt));
	pkt.ts = clk;
	e = decode_ether(&pkt, f, len);
	cr_assert_eq(e, DEC_OK, "decode: %s", decode_err_name(e));
	analyzer_packet(an, &sess, mirror, &pkt, ref);
}

static void feed_tcp(const struct tcp_spec *t)
{
	feed(fbuf, frame_tcp(fbuf, sizeof(fbuf), t));
}

static void feed_udp(const struct udp_spec *u)
{
	feed(fbuf, frame_udp(fbuf, sizeof(fbuf), u));
}

/* big: a DF data segment of ip_len bytes from src:sport to dst:dport. */
static void big(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t ip_len)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true, .ip_len = ip_len},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = TH_ACK | TH_PSH,
	                            .seq = 1000,
	                            .ack = 1});
}

/* handshake: SYN a -> b with MSS amss, SYN-ACK b -> a with bmss, ACK (0 = no MSS option). */
static void handshake(const char *a, uint16_t ap, uint16_t amss, const char *b, uint16_t bp,
                      uint16_t bmss)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = a, .dst = b, .df = true},
	                            .sport = ap,
	                            .dport = bp,
	                            .flags = TH_SYN,
	                            .seq = 100,
	                            .mss = amss,
	                            .sack_ok = true,
	                            .has_wscale = true,
	                            .wscale = 7});
	feed_tcp(&(struct tcp_spec){.ip = {.src = b, .dst = a, .df = true},
	                            .sport = bp,
	                            .dport = ap,
	                            .flags = TH_SYN | TH_ACK,
	                            .seq = 5000,
	                            .ack = 101,
	                            .mss = bmss});
	feed_tcp(&(struct tcp_spec){.ip = {.src = a, .dst = b, .df = true},
	                            .sport = ap,
	                            .dport = bp,
	                            .flags = TH_ACK,
	                            .seq = 101,
	                            .ack = 5001});
}

static size_t nalerts(void)
{
	return json_array_size(alerts);
}

static json_t *alert(size_t i)
{
	cr_assert_lt(i, nalerts(), "no alert #%zu (have %zu)", i, nalerts());
	return json_array_get(alerts, i);
}

/* get: a member by dotted path ("flow.src"). */
static json_t *get(json_t *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save)) {
		o = json_object_get(o, k);
		cr_assert_not_null(o, "missing %s", path);
	}
	return o;
}

static const char *sget(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	cr_assert(json_is_string(v), "%s is not a string", path);
	return json_string_value(v);
}

static json_int_t iget(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	cr_assert(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

static struct analyzer_stats stats(void)
{
	struct analyzer_stats st;

	analyzer_get_stats(an, &st);
	return st;
}

/* ------------------------------------------------------------------ */
/* path_mtu_lookup */

TestSuite(route, .init = setup, .fini = teardown);

static uint32_t lookup(const char *dst, char *from, size_t fromlen)
{
	struct addr a;

	cr_assert_eq(addr_parse(dst, &a), 0);
	return path_mtu_lookup(&sess, &a, from, fromlen);
}

Test(route, lpm_v4)
{
	char from[64];

	sess.path_mtu = 9001;
	add_route("198.18.0.0/16", 8500);
	add_route("198.18.2.128/25", 1500); /* before the /24: order must not matter */
	add_route("198.18.2.0/24", 1446);
	add_route("2001:db8::/32", 1280); /* other family: never matches IPv4 */
	cr_assert_eq(lookup("198.18.2.200", from, sizeof(from)), 1500);
	cr_assert_str_eq(from, "route 198.18.2.128/25");
	cr_assert_eq(lookup("198.18.2.1", from, sizeof(from)), 1446);
	cr_assert_str_eq(from, "route 198.18.2.0/24");
	cr_assert_eq(lookup("198.18.9.9", from, sizeof(from)), 8500);
	cr_assert_str_eq(from, "route 198.18.0.0/16");
	cr_assert_eq(lookup("10.0.0.1", from, sizeof(from)), 9001);
	cr_assert_str_eq(from, "session path_mtu");
	cr_assert_eq(lookup("10.0.0.1", NULL, 0), 9001);
}

Test(route, lpm_v6)
{
	char from[64];

	sess.path_mtu = 9001;
	add_route("0.0.0.0/0", 1500);
	add_route("2001:db8::/32", 8500);
	add_route("2001:db8:2::/48", 1280);
	cr_assert_eq(lookup("2001:db8:2::2", from, sizeof(from)), 1280);
	cr_assert_str_eq(from, "route 2001:db8:2::/48");
	cr_assert_eq(lookup("2001:db8:1::1", from, sizeof(from)), 8500);
	cr_assert_str_eq(from, "route 2001:db8::/32");
	cr_assert_eq(lookup("2001:db9::1", from, sizeof(from)), 9001);
	cr_assert_str_eq(from, "session path_mtu");
	cr_assert_eq(lookup("192.0.2.1", from, sizeof(from)), 1500);
	cr_assert_str_eq(from, "route 0.0.0.0/0");
}

Test(route, nothing_configured)
{
	char from[64] = "junk";

	cr_assert_eq(lookup("198.18.1.1", from, sizeof(from)), 0);
	cr_assert_str_eq(from, "");
	add_route("2001:db8::/32", 8500);
	cr_assert_eq(lookup("198.18.1.1", from, sizeof(from)), 0);
}

/* ------------------------------------------------------------------ */
/* oversize_df */

TestSuite(oversize_df, .init = setup, .fini = teardown);

Test(oversize_df, v4_over_route_mtu)
{
	struct pcap_ref r = {.file = "/var/lib/vxmirror/prod/prod-20261123T085500Z-7.pcap",
	                     .frame = 42};
	struct addr m;
	json_t *o;

	sess.path_mtu = 9001;
	add_route("198.18.1.0/24", 8500);
	cr_assert_eq(addr_parse(B, &m), 0);
	mirror = &m;
	ref = &r;
	big(B, 443, A, 40000, 9001);
	cr_assert_eq(nalerts(), 1);
	o = alert(0);
	cr_assert_str_eq(sget(o, "type"), "oversize_df");
	cr_assert_str_eq(sget(o, "severity"), "warning");
	cr_assert_str_eq(sget(o, "ts"), "2026-11-23T08:56:11.123456Z");
	cr_assert_str_eq(sget(o, "session"), "prod");
	cr_assert_eq(iget(o, "vni"), 4242);
	cr_assert_str_eq(sget(o, "direction"), "egress");
	cr_assert_str_eq(sget(o, "flow.proto"), "tcp");
	cr_assert_str_eq(sget(o, "flow.src"), B);
	cr_assert_eq(iget(o, "flow.sport"), 443);
	cr_assert_str_eq(sget(o, "flow.dst"), A);
	cr_assert_eq(iget(o, "flow.dport"), 40000);
	cr_assert_eq(iget(o, "ip_len"), 9001);
	cr_assert_eq(iget(o, "path_mtu"), 8500);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "route 198.18.1.0/24");
	cr_assert(json_is_true(get(o, "df")));
	cr_assert(json_is_false(get(o, "truncated")));
	cr_assert_str_eq(sget(o, "pcap.file"), r.file);
	cr_assert_eq(iget(o, "pcap.frame"), 42);
	cr_assert_not_null(strstr(sget(o, "message"), "9001"));
	cr_assert_not_null(strstr(sget(o, "message"), "8500"));
	cr_assert_str_eq(sget(o, "advice"),
	                 "lower the MTU on 198.18.2.2 to 8500 or clamp TCP MSS to 8460 on the path "
	                 "towards 198.18.1.1, and allow ICMP type 3 code 4 (fragmentation needed) "
	                 "back to 198.18.2.2 so PMTUD can work");
	cr_assert_eq(stats().alerts[ALERT_OVERSIZE_DF], 1);
}

Test(oversize_df, direction_and_pcap_null)
{
	struct addr m;

	sess.path_mtu = 1500;
	cr_assert_eq(addr_parse(A, &m), 0);
	mirror = &m; /* A receives: the packet arrives at the mirrored ENI */
	big(B, 443, A, 40000, 1600);
	cr_assert_eq(nalerts(), 1);
	cr_assert_str_eq(sget(alert(0), "direction"), "ingress");
	cr_assert(json_is_null(get(alert(0), "pcap")));

	mirror = NULL; /* unknown: no direction at all */
	big(B, 443, A, 40001, 1600);
	cr_assert_eq(nalerts(), 2);
	cr_assert_null(json_object_get(alert(1), "direction"));

	cr_assert_eq(addr_parse("192.0.2.9", &m), 0); /* neither end */
	mirror = &m;
	big(B, 443, A, 40002, 1600);
	cr_assert_eq(nalerts(), 3);
	cr_assert_null(json_object_get(alert(2), "direction"));
}

Test(oversize_df, longest_prefix_wins)
{
	sess.path_mtu = 1500;
	add_route("198.18.0.0/16", 1400);
	add_route("198.18.1.0/24", 9001);
	big(B, 443, A, 40000, 8000); /* /24 (9001) beats the /16 (1400) and the default */
	cr_assert_eq(nalerts(), 0);
	big(B, 443, "198.18.3.3", 40000, 1450); /* /16 beats the default 1500 */
	cr_assert_eq(nalerts(), 1);
	cr_assert_eq(iget(alert(0), "path_mtu"), 1400);
	cr_assert_str_eq(sget(alert(0), "path_mtu_source"), "route 198.18.0.0/16");
	big(B, 443, "10.1.1.1", 40000, 1501); /* no route: the session default */
	cr_assert_eq(nalerts(), 2);
	cr_assert_eq(iget(alert(1), "path_mtu"), 1500);
	cr_assert_str_eq(sget(alert(1), "path_mtu_source"), "session path_mtu");
}

Test(oversize_df, ipv6_is_always_df)
{
	json_t *o;

	sess.path_mtu = 1500;
	feed_tcp(&(struct tcp_spec){.ip = {.src = B6, .dst = A6, .ip_len = 1600},
	                            .sport = 443,
	                            .dport = 40000,
	                            .flags = TH_ACK});
	cr_assert_eq(nalerts(), 1);
	o = alert(0);
	cr_assert_str_eq(sget(o, "flow.src"), B6);
	cr_assert_str_eq(sget(o, "flow.dst"), A6);
	cr_assert_eq(iget(o, "ip_len"), 1600);
	cr_assert_not_null(strstr(sget(o, "advice"), "clamp TCP MSS to 1440"));
	cr_assert_not_null(strstr(sget(o, "advice"), "ICMPv6 type 2 (packet too big)"));
	cr_assert_not_null(strstr(sget(o, "message"), "[2001:db8:2::2]:443"));
}

Test(oversize_df, not_df_is_not_flagged)
{
	sess.path_mtu = 1500;
	feed_tcp(&(struct tcp_spec){.ip = {.src = B, .dst = A, .df = false, .ip_len = 9001},
	                            .sport = 443,
	                            .dport = 40000,
	                            .flags = TH_ACK});
	cr_assert_eq(nalerts(), 0);
	big(B, 443, A, 40000, 9001); /* the same with DF: flagged */
	cr_assert_eq(nalerts(), 1);
}

Test(oversize_df, truncated_uses_true_length)
{
	size_t n;

	sess.path_mtu = 8500;
	n = frame_tcp(fbuf, sizeof(fbuf),
	              &(struct tcp_spec){
	                  .ip = {.src = B, .dst = A, .df = true, .ip_len = 9001, .cap_len = 128},
	                  .sport = 443,
	                  .dport = 40000,
	                  .flags = TH_ACK});
	cr_assert_eq(n, 128);
	feed(fbuf, n);
	cr_assert_eq(nalerts(), 1);
	cr_assert_eq(iget(alert(0), "ip_len"), 9001);
	cr_assert(json_is_true(get(alert(0), "truncated")));
}

Test(oversize_df, no_mtu_configured)
{
	big(B, 443, A, 40000, 9001);
	big(B6, 443, A6, 40000, 9001);
	cr_assert_eq(nalerts(), 0);
	cr_assert_eq(stats().flows_active, 2);
}

Test(oversize_df, exactly_mtu_is_fine)
{
	sess.path_mtu = 8500;
	big(B, 443, A, 40000, 8500);
	cr_assert_eq(nalerts(), 0);
	big(B, 443, A, 40000, 8501);
	cr_assert_eq(nalerts(), 1);
}

Test(oversize_df, fragment_is_not_flagged)
{
	sess.path_mtu = 1500;
	feed_udp(&(struct udp_spec){
	    .ip = {.src = B, .dst = A, .df = true, .mf = true, .id = 7, .ip_len = 4000},
	    .sport = 5000,
	    .dport = 6000});
	cr_assert_eq(nalerts(), 0);
}

Test(oversize_df, udp_advice_has_no_mss)
{
	sess.path_mtu = 1500;
	feed_udp(&(struct udp_spec){
	    .ip = {.src = B, .dst = A, .df = true, .ip_len = 3000}, .sport = 5000, .dport = 6000});
	cr_assert_eq(nalerts(), 1);
	cr_assert_str_eq(sget(alert(0), "flow.proto"), "udp");
	cr_assert_null(strstr(sget(alert(0), "advice"), "MSS"));
	cr_assert_not_null(strstr(sget(alert(0), "advice"), "to 1500"));
}

Test(oversize_df, icmp_echo_deduped_without_ports)
{
	sess.path_mtu = 1500;
	for (int i = 0; i < 3; i++)
		feed(fbuf,
		     frame_icmp_echo(fbuf, sizeof(fbuf),
		                     &(struct icmp_echo_spec){
		                         .ip = {.src = B, .dst = A, .df = true, .ip_len = 8028},
		                         .id = 1,
		                         .seq = (uint16_t)i}));
	cr_assert_eq(nalerts(), 1);
	cr_assert_str_eq(sget(alert(0), "flow.proto"), "icmp");
	cr_assert(json_is_null(get(alert(0), "flow.sport")));
	cr_assert(json_is_null(get(alert(0), "flow.dport")));
	cr_assert_eq(stats().alerts_suppressed, 2);
}

/* ------------------------------------------------------------------ */
/* dedupe */

TestSuite(dedupe, .init = setup, .fini = teardown);

Test(dedupe, per_flow_and_type)
{
	sess.path_mtu = 1500;
	big(B, 443, A, 40000, 1600);
	big(B, 443, A, 40000, 1600);
	cr_assert_eq(nalerts(), 1);
	cr_assert_eq(stats().alerts_suppressed, 1);
	big(B, 443, A, 40001, 1600); /* another flow */
	cr_assert_eq(nalerts(), 2);
	cr_assert_eq(iget(alert(1), "flow.dport"), 40001);
	cr_assert_eq(stats().alerts[ALERT_OVERSIZE_DF], 2);
	cr_assert_eq(stats().alerts_suppressed, 1);
}

Test(dedupe, each_side_of_a_flow_once)
{
	sess.path_mtu = 1500;
	big(B, 443, A, 40000, 1600);
	big(A, 40000, B, 443, 1600); /* the other host of the same flow */
	big(A, 40000, B, 443, 1600);
	cr_assert_eq(nalerts(), 2);
	cr_assert_str_eq(sget(alert(1), "flow.src"), A);
	cr_assert_eq(stats().alerts_suppressed, 1);
	cr_assert_eq(stats().flows_active, 1);
}

Test(dedupe, per_session)
{
	sess.path_mtu = 1500;
	big(B, 443, A, 40000, 1600);
	sess.vni = 4243; /* the other end's mirror session sees the same packet */
	big(B, 443, A, 40000, 1600);
	cr_assert_eq(nalerts(), 2);
	cr_assert_eq(iget(alert(1), "vni"), 4243);
}

/* ------------------------------------------------------------------ */
/* mss_exceeds_path_mtu */

TestSuite(mss, .init = setup, .fini = teardown);

Test(mss, seed2_flags_b_not_a)
{
	json_t *o;

	sess.path_mtu = 9001;             /* peering: A -> B */
	add_route("198.18.1.0/24", 8500); /* transit gateway: B -> A */
	handshake(A, 40000, 8961, B, 443, 8961);
	cr_assert_eq(nalerts(), 1);
	o = alert(0);
	cr_assert_str_eq(sget(o, "type"), "mss_exceeds_path_mtu");
	cr_assert_str_eq(sget(o, "severity"), "warning");
	cr_assert_str_eq(sget(o, "sender"), B);
	cr_assert_str_eq(sget(o, "flow.src"), B);
	cr_assert_eq(iget(o, "flow.sport"), 443);
	cr_assert_str_eq(sget(o, "flow.dst"), A);
	cr_assert_eq(iget(o, "flow.dport"), 40000);
	cr_assert_eq(iget(o, "mss_sent_by_sender"), 8961);
	cr_assert_eq(iget(o, "mss_received_from_peer"), 8961);
	cr_assert(json_is_false(get(o, "mss_received_is_default")));
	cr_assert_eq(iget(o, "effective_send_size"), 9001);
	cr_assert_eq(iget(o, "path_mtu"), 8500);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "route 198.18.1.0/24");
	cr_assert_not_null(strstr(sget(o, "advice"),
	                          "lower the MTU on 198.18.2.2 to 8500 or clamp TCP MSS to 8460 on "
	                          "the path towards 198.18.1.1"));
	cr_assert_not_null(strstr(sget(o, "message"), "9001"));
	cr_assert_eq(stats().alerts[ALERT_MSS_EXCEEDS_PATH_MTU], 1);

	/* A retransmitted SYN-ACK does not re-evaluate the handshake. */
	feed_tcp(&(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true},
	                            .sport = 443,
	                            .dport = 40000,
	                            .flags = TH_SYN | TH_ACK,
	                            .seq = 5000,
	                            .ack = 101,
	                            .mss = 8961});
	cr_assert_eq(nalerts(), 1);
}

Test(mss, seed2_clamped_own_mss_is_fine)
{
	sess.path_mtu = 9001;
	add_route("198.18.1.0/24", 8500);
	handshake(A, 40000, 8961, B, 443, 8460); /* B's own MSS already fits 8500 */
	cr_assert_eq(nalerts(), 0);
}

Test(mss, ipv6_header_is_60)
{
	json_t *o;

	sess.path_mtu = 9001;
	add_route("2001:db8:1::/48", 8500);
	/* 8460 + 60 = 8520 > 8500; with an IPv4 header size it would just fit */
	handshake(A6, 40000, 8941, B6, 443, 8460);
	cr_assert_eq(nalerts(), 1);
	o = alert(0);
	cr_assert_str_eq(sget(o, "sender"), B6);
	cr_assert_eq(iget(o, "effective_send_size"), 8520);
	cr_assert_not_null(strstr(sget(o, "advice"), "clamp TCP MSS to 8440"));
}

Test(mss, no_mss_means_rfc_default)
{
	json_t *o;

	add_route("198.18.1.0/24", 552);
	handshake(A, 40000, 0, B, 443, 1460); /* A announced none: B may send 536 + 40 */
	cr_assert_eq(nalerts(), 1);
	o = alert(0);
	cr_assert_str_eq(sget(o, "sender"), B);
	cr_assert_eq(iget(o, "mss_received_from_peer"), 536);
	cr_assert(json_is_true(get(o, "mss_received_is_default")));
	cr_assert_eq(iget(o, "effective_send_size"), 576);
}

Test(mss, sender_without_own_mss)
{
	json_t *o;

	add_route("198.18.2.0/24", 1500);
	handshake(A, 40000, 0, B, 443, 8961); /* A sends min(8961, ?) + 40 towards B */
	cr_assert_eq(nalerts(), 1);
	o = alert(0);
	cr_assert_str_eq(sget(o, "sender"), A);
	cr_assert(json_is_null(get(o, "mss_sent_by_sender")));
	cr_assert_eq(iget(o, "effective_send_size"), 9001);
}

Test(mss, both_sides_flagged)
{
	sess.path_mtu = 1500;
	handshake(A, 40000, 8961, B, 443, 8961);
	cr_assert_eq(nalerts(), 2);
	cr_assert_str_eq(sget(alert(0), "sender"), A);
	cr_assert_str_eq(sget(alert(1), "sender"), B);
}

Test(mss, healthy_jumbo_flow)
{
	sess.path_mtu = 9001;
	handshake(A, 40000, 8961, B, 443, 8961);
	for (int i = 0; i < 5; i++) {
		big(A, 40000, B, 443, 9001);
		big(B, 443, A, 40000, 9001);
	}
	cr_assert_eq(nalerts(), 0);
	cr_assert_eq(stats().flows_created, 1);
	cr_assert_eq(stats().alerts_suppressed, 0);
}

Test(mss, syn_options_cut_by_mirror)
{
	size_t n;

	sess.path_mtu = 1500;
	/* 14 + 20 + 20 bytes: the fixed TCP header, but not the MSS option */
	n = frame_tcp(fbuf, sizeof(fbuf),
	              &(struct tcp_spec){.ip = {.src = A, .dst = B, .df = true, .cap_len = 54},
	                                 .sport = 40000,
	                                 .dport = 443,
	                                 .flags = TH_SYN,
	                                 .mss = 8961,
	                                 .sack_ok = true});
	cr_assert_eq(n, 54);
	feed(fbuf, n);
	feed_tcp(&(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true},
	                            .sport = 443,
	                            .dport = 40000,
	                            .flags = TH_SYN | TH_ACK,
	                            .mss = 8961});
	cr_assert_eq(nalerts(), 0); /* not "A announced no MSS, so B sends 576" */
}

Test(mss, no_handshake_without_syn)
{
	sess.path_mtu = 1500;
	feed_tcp(&(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true},
	                            .sport = 443,
	                            .dport = 40000,
	                            .flags = TH_SYN | TH_ACK,
	                            .mss = 8961});
	cr_assert_eq(nalerts(), 0);
}

Test(mss, new_connection_on_same_ports_alerts_again)
{
	sess.path_mtu = 9001;
	add_route("198.18.1.0/24", 8500);
	handshake(A, 40000, 8961, B, 443, 8961);
	feed_tcp(&(struct tcp_spec){
	    .ip = {.src = A, .dst = B}, .sport = 40000, .dport = 443, .flags = TH_RST, .seq = 101});
	clk.tv_sec += 1;
	handshake(A, 40000, 8961, B, 443, 8961);
	cr_assert_eq(nalerts(), 2);
	cr_assert_eq(stats().flows_created, 1);
	cr_assert_eq(stats().alerts_suppressed, 0);
}

/* ------------------------------------------------------------------ */
/* flow table */

TestSuite(flow, .init = setup, .fini = teardown);

static void key(struct flow_key *k, int *side, const char *src, uint16_t sport, const char *dst,
                uint16_t dport)
{
	struct addr s, d;

	cr_assert_eq(addr_parse(src, &s), 0);
	cr_assert_eq(addr_parse(dst, &d), 0);
	*side = flow_key_set(k, 4242, IPPROTO_TCP_, &s, sport, &d, dport);
}

Test(flow, both_directions_one_key)
{
	struct flow_key k1, k2;
	int s1, s2;

	key(&k1, &s1, B, 443, A, 40000);
	key(&k2, &s2, A, 40000, B, 443);
	cr_assert_eq(memcmp(&k1, &k2, sizeof(k1)), 0);
	cr_assert_neq(s1, s2);
	cr_assert_eq(s2, 0);       /* A < B */
	key(&k1, &s1, A, 2, A, 1); /* same address: the lower port is side a */
	cr_assert_eq(s1, 1);
	cr_assert_eq(k1.port_a, 1);
}

Test(flow, both_directions_one_entry)
{
	handshake(A, 40000, 1460, B, 443, 1460);
	big(B, 443, A, 40000, 1500);
	cr_assert_eq(stats().flows_active, 1);
	cr_assert_eq(stats().flows_created, 1);
	big(A, 40001, B, 443, 1500);
	cr_assert_eq(stats().flows_active, 2);
}

Test(flow, side_state)
{
	struct flow_table *t = flow_table_new(16);
	struct flow_key k;
	struct packet pkt;
	struct flow *f;
	bool created;
	int side;

	key(&k, &side, B, 443, A, 40000);
	f = flow_get(t, &k, 1000, &created);
	cr_assert(created);
	cr_assert_eq(f->initiator, FLOW_SIDE_UNKNOWN);
	memset(&pkt, 0, sizeof(pkt));
	decode_ether(&pkt, fbuf,
	             frame_tcp(fbuf, sizeof(fbuf),
	                       &(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true},
	                                          .sport = 443,
	                                          .dport = 40000,
	                                          .flags = TH_SYN,
	                                          .seq = 0xfffffff0,
	                                          .mss = 1460}));
	flow_account(t, f, side, &pkt);
	cr_assert_eq(f->initiator, side);
	cr_assert(f->side[side].flags & FS_HAS_MSS);
	cr_assert(f->side[side].flags & FS_DF);
	cr_assert_eq(f->side[side].mss, 1460);
	cr_assert_eq(f->side[side].seq_next, 0xfffffff1);
	decode_ether(&pkt, fbuf,
	             frame_tcp(fbuf, sizeof(fbuf),
	                       &(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true},
	                                          .sport = 443,
	                                          .dport = 40000,
	                                          .flags = TH_ACK,
	                                          .seq = 0xfffffff1,
	                                          .payload_len = 100}));
	flow_account(t, f, side, &pkt);
	cr_assert_eq(f->side[side].seq_next, 0x55); /* wrapped */
	cr_assert_eq(f->side[side].max_ip_len, 140);
	cr_assert_eq(f->side[side].packets, 2);
	cr_assert_eq(f->side[!side].packets, 0);
	flow_table_free(t);
}

Test(flow, lru_eviction)
{
	struct flow_table *t = flow_table_new(4);
	struct flow_table_stats st;
	struct flow_key k[6];
	bool created;
	int side;

	for (int i = 0; i < 6; i++)
		key(&k[i], &side, A, (uint16_t)(1000 + i), B, 443);
	for (int i = 0; i < 4; i++)
		flow_get(t, &k[i], i, &created);
	flow_get(t, &k[0], 10, &created); /* k[0] used again: k[1] is now the oldest */
	cr_assert(!created);
	flow_get(t, &k[4], 11, &created);
	cr_assert(created);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active, 4);
	cr_assert_eq(st.evicted, 1);
	cr_assert_eq(st.capacity, 4);
	cr_assert_null(flow_lookup(t, &k[1]));
	cr_assert_not_null(flow_lookup(t, &k[0]));
	cr_assert_not_null(flow_lookup(t, &k[2]));
	cr_assert_not_null(flow_lookup(t, &k[4]));
	flow_get(t, &k[5], 12, &created);
	cr_assert_null(flow_lookup(t, &k[2]));
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.evicted, 2);
	cr_assert_eq(st.created, 6);
	flow_table_free(t);
}

Test(flow, grows_in_chunks_up_to_max)
{
	uint32_t max = FLOW_CHUNK * 2 + 100;
	struct flow_table *t = flow_table_new(max);
	struct flow_table_stats st;
	struct flow_key k;
	struct addr s, d;
	bool created;

	cr_assert_eq(addr_parse(A, &s), 0);
	cr_assert_eq(addr_parse(B, &d), 0);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.capacity, 0);
	for (uint32_t i = 0; i <= max; i++) {
		flow_key_set(&k, i / 60000, IPPROTO_UDP_, &s, (uint16_t)(i % 60000), &d, 53);
		flow_get(t, &k, i, &created);
		cr_assert(created);
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.capacity, max);
	cr_assert_eq(st.active, max);
	cr_assert_eq(st.evicted, 1);
	flow_key_set(&k, 0, IPPROTO_UDP_, &s, 0, &d, 53); /* the first one went */
	cr_assert_null(flow_lookup(t, &k));
	flow_key_set(&k, 0, IPPROTO_UDP_, &s, 1, &d, 53);
	cr_assert_not_null(flow_lookup(t, &k));
	flow_table_free(t);
}

Test(flow, analyzer_counts_evictions)
{
	analyzer_free(an);
	aconf.max_flows = 3;
	an = analyzer_new(&aconf, collect, alerts);
	for (uint16_t p = 1; p <= 5; p++)
		big(A, p, B, 443, 100);
	cr_assert_eq(stats().flows_active, 3);
	cr_assert_eq(stats().flows_created, 5);
	cr_assert_eq(stats().flows_evicted, 2);
}

Test(flow, idle_expiry_by_packet_time)
{
	struct timespec t0 = clk, now;

	big(A, 40000, B, 443, 100);
	clk.tv_sec += 100;
	big(A, 40001, B, 443, 100);
	now = (struct timespec){t0.tv_sec + 299, t0.tv_nsec};
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 2);
	now.tv_sec = t0.tv_sec + 300;
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 1);
	cr_assert_eq(stats().flows_expired, 1);
	now.tv_sec = t0.tv_sec + 400;
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 0);
	cr_assert_eq(stats().flows_expired, 2);
}

Test(flow, touch_keeps_a_flow_alive)
{
	struct timespec now;

	big(A, 40000, B, 443, 100);
	clk.tv_sec += 200;
	big(B, 443, A, 40000, 100); /* the other direction counts as activity */
	now = (struct timespec){clk.tv_sec + 299, 0};
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 1);
}

static void fin(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = TH_FIN | TH_ACK,
	                            .seq = 200,
	                            .ack = 200});
}

Test(flow, closed_flows_expire_sooner)
{
	struct timespec now;

	handshake(A, 40000, 1460, B, 443, 1460); /* closed by FIN from both sides */
	fin(A, 40000, B, 443);
	fin(B, 443, A, 40000);
	handshake(A, 40001, 1460, B, 443, 1460); /* half-closed: stays open */
	fin(A, 40001, B, 443);
	handshake(A, 40002, 1460, B, 443, 1460); /* reset */
	feed_tcp(&(struct tcp_spec){
	    .ip = {.src = B, .dst = A}, .sport = 443, .dport = 40002, .flags = TH_RST});
	big(A, 40003, B, 443, 100); /* open */
	cr_assert_eq(stats().flows_active, 4);
	now = (struct timespec){clk.tv_sec + 9, clk.tv_nsec};
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 4);
	now.tv_sec = clk.tv_sec + 10;
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 2);
	cr_assert_eq(stats().flows_expired, 2);
	now.tv_sec = clk.tv_sec + 300;
	analyzer_tick(an, &now);
	cr_assert_eq(stats().flows_active, 0);
}

Test(flow, full_table_evicts_closed_first)
{
	struct flow_table *t = flow_table_new(2);
	struct flow_key k[3];
	struct packet pkt;
	struct flow *f;
	bool created;
	int side;

	for (int i = 0; i < 3; i++)
		key(&k[i], &side, A, (uint16_t)(1000 + i), B, 443);
	flow_get(t, &k[0], 1, &created);
	f = flow_get(t, &k[1], 2, &created);
	memset(&pkt, 0, sizeof(pkt));
	decode_ether(&pkt, fbuf,
	             frame_tcp(fbuf, sizeof(fbuf),
	                       &(struct tcp_spec){.ip = {.src = A, .dst = B},
	                                          .sport = 1001,
	                                          .dport = 443,
	                                          .flags = TH_RST}));
	flow_account(t, f, side, &pkt);
	cr_assert(f->state & FLOW_CLOSED);
	flow_get(t, &k[2], 3, &created); /* k[0] is older, but k[1] is closed */
	cr_assert_not_null(flow_lookup(t, &k[0]));
	cr_assert_null(flow_lookup(t, &k[1]));
	flow_table_free(t);
}

/* ------------------------------------------------------------------ */
/* alert_type_name */

Test(names, all_types)
{
	static const char *want[ALERT__MAX] = {
	    "oversize_df", "mss_exceeds_path_mtu", "mss_clamp_asymmetry", "pmtud_blackhole",
	    "icmp_ptb",    "ptb_ignored",          "fragmented"};

	for (int i = 0; i < ALERT__MAX; i++)
		cr_assert_str_eq(alert_type_name((enum alert_type)i), want[i]);
	cr_assert_str_eq(alert_type_name(ALERT__MAX), "unknown");
}

/* ------------------------------------------------------------------ */
/* alertlog */

static char tmpdir[64];

static void log_setup(void)
{
	umask(022);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vx-alertlog-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	setup();
}

static void log_teardown(void)
{
	char cmd[128];

	teardown();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(alertlog, .init = log_setup, .fini = log_teardown);

/* read_lines: parse every line of `path` as JSON; returns them, asserting one object per line. */
static json_t *read_lines(const char *path)
{
	json_t *lines = json_array();
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, fp)) != -1) {
		json_error_t err;
		json_t *o;
		cr_assert_gt(n, 1);
		cr_assert_eq(line[n - 1], '\n', "line not terminated");
		cr_assert_null(memchr(line, '\n', (size_t)n - 1), "embedded newline");
		o = json_loadb(line, (size_t)n, 0, &err);
		cr_assert_not_null(o, "%s: %s", path, err.text);
		cr_assert(json_is_object(o));
		json_array_append_new(lines, o);
	}
	free(line);
	fclose(fp);
	return lines;
}

static void log_cb(void *arg, enum alert_type t, json_t *o)
{
	(void)t;
	cr_assert_eq(alertlog_write(arg, o), 0);
	json_array_append(alerts, o);
}

Test(alertlog, analyzer_alerts_as_json_lines)
{
	char path[128];
	struct alertlog *l;
	struct alertlog_stats st;
	struct stat sb;
	json_t *lines;

	snprintf(path, sizeof(path), "%s/a/b/alerts.json", tmpdir); /* a/b do not exist */
	l = alertlog_open(path);
	cr_assert_not_null(l);
	cr_assert_str_eq(alertlog_path(l), path);
	analyzer_free(an);
	an = analyzer_new(&aconf, log_cb, l);
	sess.path_mtu = 9001;
	add_route("198.18.1.0/24", 8500);
	handshake(A, 40000, 8961, B, 443, 8961);
	big(B, 443, A, 40000, 9001);
	big(B6, 443, A6, 40000, 9100);
	alertlog_close(l);
	lines = read_lines(path);
	cr_assert_eq(json_array_size(lines), 3);
	cr_assert_eq(nalerts(), 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert(json_equal(json_array_get(lines, i), alert(i)), "line %zu differs", i);
	cr_assert_str_eq(sget(json_array_get(lines, 0), "type"), "mss_exceeds_path_mtu");
	cr_assert_str_eq(sget(json_array_get(lines, 1), "type"), "oversize_df");
	json_decref(lines);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0640);
	l = alertlog_open(path); /* appends */
	alertlog_write(l, alert(0));
	alertlog_get_stats(l, &st);
	cr_assert_eq(st.written, 1);
	cr_assert_eq(st.write_errors, 0);
	alertlog_close(l);
	lines = read_lines(path);
	cr_assert_eq(json_array_size(lines), 4);
	json_decref(lines);
}

Test(alertlog, compact_one_line)
{
	char path[128], buf[256];
	struct alertlog *l;
	json_t *o = json_pack("{s:s, s:{s:i}}", "type", "x", "flow", "sport", 1);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	l = alertlog_open(path);
	cr_assert_eq(alertlog_write(l, o), 0);
	alertlog_close(l);
	fp = fopen(path, "r");
	cr_assert_not_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	cr_assert_str_eq(buf, "{\"type\":\"x\",\"flow\":{\"sport\":1}}\n");
	json_decref(o);
}

Test(alertlog, long_line_in_one_piece)
{
	char path[128];
	struct alertlog *l;
	char *big_str = malloc(20000);
	json_t *o, *lines;

	memset(big_str, 'x', 19999);
	big_str[19999] = '\0';
	o = json_pack("{s:s}", "message", big_str);
	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	l = alertlog_open(path);
	cr_assert_eq(alertlog_write(l, o), 0);
	cr_assert_eq(alertlog_write(l, o), 0);
	alertlog_close(l);
	lines = read_lines(path);
	cr_assert_eq(json_array_size(lines), 2);
	cr_assert(json_equal(json_array_get(lines, 1), o));
	json_decref(lines);
	json_decref(o);
	free(big_str);
}

Test(alertlog, reopen_after_rename)
{
	char path[128], old[160];
	struct alertlog *l;
	json_t *o = json_pack("{s:s}", "type", "oversize_df"), *lines;

	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	snprintf(old, sizeof(old), "%s.1", path);
	l = alertlog_open(path);
	alertlog_write(l, o);
	alertlog_write(l, o);
	cr_assert_eq(rename(path, old), 0); /* logrotate */
	alertlog_write(l, o);               /* still the old file until reopened */
	cr_assert_eq(alertlog_reopen(l), 0);
	alertlog_write(l, o);
	alertlog_close(l);
	lines = read_lines(old);
	cr_assert_eq(json_array_size(lines), 3);
	json_decref(lines);
	lines = read_lines(path);
	cr_assert_eq(json_array_size(lines), 1);
	json_decref(lines);
	json_decref(o);
}

Test(alertlog, failed_reopen_keeps_old_file)
{
	char dir[96], path[128], moved[128], oldpath[160];
	struct alertlog *l;
	json_t *o = json_pack("{s:s}", "type", "oversize_df"), *lines;
	int fd;

	snprintf(dir, sizeof(dir), "%s/d", tmpdir);
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	snprintf(moved, sizeof(moved), "%s/moved", tmpdir);
	snprintf(oldpath, sizeof(oldpath), "%s/alerts.json", moved);
	l = alertlog_open(path);
	cr_assert_not_null(l);
	cr_assert_eq(rename(dir, moved), 0);
	fd = open(dir, O_WRONLY | O_CREAT, 0600); /* a file where the directory was */
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(alertlog_reopen(l), -1);
	cr_assert_eq(alertlog_write(l, o), 0);
	alertlog_close(l);
	lines = read_lines(oldpath);
	cr_assert_eq(json_array_size(lines), 1);
	json_decref(lines);
	json_decref(o);
}

Test(alertlog, open_failure_is_null)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/file", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/sub/alerts.json", tmpdir);
	cr_assert_null(alertlog_open(path));
}

Test(alertlog, write_error_counted)
{
	struct alertlog *l = alertlog_open("/dev/full");
	struct alertlog_stats st;
	json_t *o = json_pack("{s:s}", "type", "oversize_df");

	cr_assert_not_null(l);
	cr_assert_eq(alertlog_write(l, o), -1);
	cr_assert_eq(alertlog_write(l, o), -1);
	alertlog_get_stats(l, &st);
	cr_assert_eq(st.written, 0);
	cr_assert_eq(st.write_errors, 2);
	alertlog_close(l);
	json_decref(o);
}

Test(alertlog, short_write_counted)
{
	char path[128];
	struct alertlog *l;
	struct alertlog_stats st;
	struct rlimit rl;
	struct stat sb;
	json_t *o = json_pack("{s:s}", "message", "a line longer than ten bytes");

	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	l = alertlog_open(path);
	cr_assert_eq(alertlog_write(l, o), 0);
	cr_assert_eq(stat(path, &sb), 0);
	/* Let the file grow by 10 more bytes only: the next line is cut short. */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = (rlim_t)sb.st_size + 10;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(alertlog_write(l, o), -1);
	alertlog_get_stats(l, &st);
	cr_assert_eq(st.written, 1);
	cr_assert_eq(st.write_errors, 1);
	alertlog_close(l);
	json_decref(o);
}

Test(alertlog, stdout_dash)
{
	struct alertlog *l = alertlog_open("-");

	cr_assert_not_null(l);
	cr_assert_str_eq(alertlog_path(l), "-");
	cr_assert_eq(alertlog_reopen(l), 0);
	alertlog_close(l);
	cr_assert_neq(fcntl(STDOUT_FILENO, F_GETFD), -1, "stdout was closed");
}

#define NTHREADS 4
#define NLINES   400

static void *writer(void *arg)
{
	char msg[300];
	json_t *o;

	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	for (int i = 0; i < NLINES; i++) {
		o = json_pack("{s:i, s:s}", "i", i, "message", msg);
		alertlog_write(arg, o);
		json_decref(o);
	}
	return NULL;
}

Test(alertlog, threads_and_reopen_never_split_lines)
{
	char path[128], old[160];
	struct alertlog *l;
	struct alertlog_stats st;
	pthread_t th[NTHREADS];
	json_t *a, *b;

	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	snprintf(old, sizeof(old), "%s.1", path);
	l = alertlog_open(path);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, writer, l);
	usleep(1000);
	rename(path, old);
	cr_assert_eq(alertlog_reopen(l), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	alertlog_get_stats(l, &st);
	alertlog_close(l);
	cr_assert_eq(st.written, NTHREADS * NLINES);
	a = read_lines(old);
	b = read_lines(path);
	cr_assert_eq(json_array_size(a) + json_array_size(b), NTHREADS * NLINES);
	json_decref(a);
	json_decref(b);
}

/* ------------------------------------------------------------------ */
/* frames.h itself: others build their tests on it */

/* sum16: an independent ones' complement sum, for checking frames.h. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += i % 2 == 0 ? (uint32_t)p[i] << 8 : p[i];
	return sum;
}

static uint16_t fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* l4_sum_ok: the L4 checksum of a whole (untruncated) frame verifies. */
static bool l4_sum_ok(const uint8_t *f, size_t n, const struct packet *p)
{
	size_t alen = p->ipver == 6 ? 16 : 4, l3 = p->l3_off, l4 = p->l4_off;
	uint32_t len = (uint32_t)(n - l4), sum = 0;
	uint8_t pl[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                 (uint8_t)len};

	sum = sum16(sum, f + l3 + (p->ipver == 6 ? 8 : 12), 2 * alen);
	sum = sum16(sum, pl, 4);
	sum += p->proto;
	sum = sum16(sum, f + l4, len);
	return fold16(sum) == 0xffff;
}

static void decode_ok(struct packet *p, const uint8_t *f, size_t n)
{
	enum decode_err e;

	cr_assert_gt(n, 0, "frame not built");
	memset(p, 0, sizeof(*p));
	e = decode_ether(p, f, n);
	cr_assert_eq(e, DEC_OK, "decode: %s", decode_err_name(e));
}

Test(frames, checksums)
{
	struct packet p;
	size_t n;

	n = frame_tcp(fbuf, sizeof(fbuf),
	              &(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true, .ttl = 7},
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_SYN | TH_ACK,
	                                 .seq = 5000,
	                                 .ack = 101,
	                                 .mss = 8961,
	                                 .sack_ok = true,
	                                 .has_wscale = true,
	                                 .wscale = 9,
	                                 .payload_len = 33});
	decode_ok(&p, fbuf, n);
	cr_assert_eq(fold16(sum16(0, fbuf + 14, 20)), 0xffff, "IPv4 header checksum");
	cr_assert(l4_sum_ok(fbuf, n, &p), "TCP/IPv4 checksum");
	cr_assert_eq(p.ttl, 7);
	cr_assert(p.flags & PKT_DF);
	cr_assert_eq(p.tcp_flags, TH_SYN | TH_ACK);
	cr_assert_eq(p.seq, 5000);
	cr_assert_eq(p.ack, 101);
	cr_assert_eq(p.tcp_mss, 8961);
	cr_assert_eq(p.tcp_wscale, 9);
	cr_assert_eq(p.payload_len, 33);
	cr_assert_eq(p.ip_len, 20 + 32 + 33);

	n = frame_tcp(fbuf, sizeof(fbuf),
	              &(struct tcp_spec){.ip = {.src = B6, .dst = A6},
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_ACK,
	                                 .payload_len = 1001});
	decode_ok(&p, fbuf, n);
	cr_assert(l4_sum_ok(fbuf, n, &p), "TCP/IPv6 checksum");
	cr_assert_eq(p.ip_len, 40 + 20 + 1001);

	n = frame_udp(fbuf, sizeof(fbuf),
	              &(struct udp_spec){.ip = {.src = A6, .dst = B6, .ip_len = 1500},
	                                 .sport = 5353,
	                                 .dport = 53});
	decode_ok(&p, fbuf, n);
	cr_assert(l4_sum_ok(fbuf, n, &p), "UDP/IPv6 checksum");
	cr_assert_eq(p.payload_len, 1500 - 48);
	cr_assert_eq(fbuf[14 + 40 + 4] << 8 | fbuf[14 + 40 + 5], 1500 - 40, "UDP length");
}

Test(frames, truncation_keeps_true_length)
{
	struct packet p;
	size_t n;

	n = frame_tcp(fbuf, sizeof(fbuf),
	              &(struct tcp_spec){
	                  .ip = {.src = B, .dst = A, .df = true, .ip_len = 9001, .cap_len = 100},
	                  .sport = 443,
	                  .dport = 40000,
	                  .flags = TH_ACK});
	cr_assert_eq(n, 100);
	decode_ok(&p, fbuf, n);
	cr_assert(p.flags & PKT_TRUNCATED);
	cr_assert_eq(p.ip_len, 9001);
	cr_assert_eq(p.wire_len, 9015);
	cr_assert_eq(p.payload_len, 8961);
	cr_assert_eq(frame_tcp(fbuf, 40, &(struct tcp_spec){.ip = {.src = B, .dst = A}}), 40,
	             "cap truncates too");
}

Test(frames, ptb_quotes_the_packet)
{
	static uint8_t orig[2000];
	struct packet p;
	size_t n, m;

	n = frame_tcp(orig, sizeof(orig),
	              &(struct tcp_spec){.ip = {.src = B, .dst = A, .df = true, .ip_len = 1600},
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_ACK,
	                                 .seq = 777});
	m = frame_icmp_ptb(
	    fbuf, sizeof(fbuf),
	    &(struct ptb_spec){
	        .ip = {.src = "198.18.0.1", .dst = B}, .mtu = 1500, .orig = orig, .orig_len = n});
	decode_ok(&p, fbuf, m);
	cr_assert_eq(p.ip_len, 20 + 8 + 28, "IPv4: header + 8 bytes quoted by default");
	cr_assert(p.flags & PKT_PTB);
	cr_assert(p.flags & PKT_QUOTED);
	cr_assert_eq(p.icmp_type, 3);
	cr_assert_eq(p.icmp_code, 4);
	cr_assert_eq(p.icmp_mtu, 1500);
	cr_assert_eq(p.quoted.ip_len, 1600);
	cr_assert_eq(p.quoted.sport, 443);
	cr_assert_eq(p.quoted.dport, 40000);
	cr_assert_eq(p.quoted.seq, 777);

	n = frame_tcp(orig, sizeof(orig),
	              &(struct tcp_spec){.ip = {.src = B6, .dst = A6, .ip_len = 1600},
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_ACK,
	                                 .seq = 778});
	m = frame_icmp_ptb(fbuf, sizeof(fbuf),
	                   &(struct ptb_spec){.ip = {.src = "2001:db8::ff", .dst = B6},
	                                      .mtu = 1280,
	                                      .orig = orig,
	                                      .orig_len = n});
	decode_ok(&p, fbuf, m);
	cr_assert(l4_sum_ok(fbuf, m, &p), "ICMPv6 checksum");
	cr_assert_eq(p.ip_len, 1280, "IPv6: as much as fits in 1280");
	cr_assert(p.flags & PKT_PTB);
	cr_assert_eq(p.icmp_type, 2);
	cr_assert_eq(p.icmp_mtu, 1280);
	cr_assert_eq(p.quoted.ip_len, 1600);
	cr_assert_eq(p.quoted.seq, 778);
}

Test(frames, vxlan_and_outer_udp)
{
	static uint8_t inner[200], vx[300];
	struct packet p;
	uint32_t vni = 0;
	size_t n, v, hlen = 0;

	n = frame_udp(inner, sizeof(inner),
	              &(struct udp_spec){.ip = {.src = A, .dst = B}, .sport = 1, .dport = 2});
	v = frame_vxlan(vx, sizeof(vx), 0xabcdef, inner, n);
	cr_assert_eq(v, n + 8);
	cr_assert_eq(decode_vxlan(vx, v, &vni, &hlen), DEC_OK);
	cr_assert_eq(vni, 0xabcdef);
	cr_assert_eq(hlen, 8);
	cr_assert_eq(memcmp(vx + 8, inner, n), 0);
	cr_assert_eq(frame_vxlan(vx, n + 7, 1, inner, n), 0, "too small: 0, not a cut frame");
	n = frame_udp(fbuf, sizeof(fbuf),
	              &(struct udp_spec){.ip = {.src = "127.0.0.10", .dst = "127.0.0.1"},
	                                 .sport = 33000,
	                                 .dport = 4789,
	                                 .payload_len = (uint32_t)v,
	                                 .payload = vx});
	decode_ok(&p, fbuf, n);
	cr_assert(l4_sum_ok(fbuf, n, &p), "outer UDP checksum");
	cr_assert_eq(p.dport, 4789);
	cr_assert_eq(p.payload_len, v);
	cr_assert_eq(memcmp(fbuf + p.payload_off, vx, v), 0);
}

Test(frames, vlan_and_fragments)
{
	struct packet p;

	decode_ok(
	    &p, fbuf,
	    frame_tcp(fbuf, sizeof(fbuf),
	              &(struct tcp_spec){.ip = {.src = A, .dst = B, .vlan = 12}, .sport = 1}));
	cr_assert_eq(p.nvlan, 1);
	cr_assert_eq(p.vlan[0], 12);
	cr_assert_eq(p.sport, 1);
	decode_ok(&p, fbuf,
	          frame_udp(fbuf, sizeof(fbuf),
	                    &(struct udp_spec){.ip = {.src = A6, .dst = B6, .mf = true, .id = 5},
	                                       .payload_len = 1000}));
	cr_assert(p.flags & PKT_FRAGMENT);
	cr_assert_eq(p.ip_len, 40 + 8 + 8 + 1000);
	cr_assert_eq(p.proto, IPPROTO_UDP_);
	decode_ok(
	    &p, fbuf,
	    frame_udp(fbuf, sizeof(fbuf),
	              &(struct udp_spec){.ip = {.src = A, .dst = B, .frag_off = 1480, .id = 5},
	                                 .payload_len = 100}));
	cr_assert(p.flags & PKT_FRAGMENT);
	cr_assert_eq(p.frag_off, 1480);
	cr_assert_eq(p.ip_len, 20 + 100, "a later fragment has no UDP header");
	cr_assert(!(p.flags & PKT_HAS_L4));
}

Test(frames, unusable_specs_give_0)
{
	cr_assert_eq(frame_tcp(fbuf, sizeof(fbuf), &(struct tcp_spec){.ip = {.src = A, .dst = B6}}),
	             0);
	cr_assert_eq(
	    frame_tcp(fbuf, sizeof(fbuf), &(struct tcp_spec){.ip = {.src = "x", .dst = B}}), 0);
	cr_assert_eq(frame_tcp(fbuf, sizeof(fbuf), &(struct tcp_spec){.ip = {.dst = B}}), 0);
	cr_assert_eq(frame_tcp(fbuf, sizeof(fbuf),
	                       &(struct tcp_spec){.ip = {.src = A, .dst = B, .ip_len = 39}}),
	             0);
	cr_assert_eq(frame_udp(fbuf, sizeof(fbuf),
	                       &(struct udp_spec){.ip = {.src = A, .dst = B, .ip_len = 70000}}),
	             0);
}
