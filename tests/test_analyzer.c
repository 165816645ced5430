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
#include "vxmirror/pathmap.h"

#include "frames.h"

/* Seed 2: A in VPC A, B in VPC B; B -> A goes through a transit gateway. */
#define A  "198.18.1.1"
#define B  "198.18.2.2"
#define A6 "2001:db8:1::1"
#define B6 "2001:db8:2::2"

static struct analyzer *an;
static struct analyzer_conf aconf;
static struct session_conf sess, sess2; /* sess2: the other end's mirror session */
static struct session_conf *sp;         /* the session packets are fed to */
static struct addr mirror_addr;
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
	                               .max_paths = 256,
	                               .flow_timeout = 300,
	                               .closed_timeout = 10,
	                               .fragment_alert_interval = 60};
	memset(&sess, 0, sizeof(sess));
	strcpy(sess.name, "prod");
	sess.vni = 4242;
	sess.routes = routes;
	memset(&sess2, 0, sizeof(sess2));
	strcpy(sess2.name, "peer");
	sess2.vni = 4343;
	sp = &sess;
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
	analyzer_packet(an, sp, mirror, &pkt, ref);
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

/* on: feed packets to session s as seen from the mirrored ENI `m` (NULL = unknown).
 * sess2 shares sess's path MTU configuration. */
static void on(struct session_conf *s, const char *m)
{
	sess2.path_mtu = sess.path_mtu;
	sess2.routes = sess.routes;
	sess2.nroutes = sess.nroutes;
	sp = s;
	mirror = NULL;
	if (m != NULL) {
		cr_assert_eq(addr_parse(m, &mirror_addr), 0);
		mirror = &mirror_addr;
	}
}

/* later: advance packet time by ms milliseconds. */
static void later(long ms)
{
	clk.tv_sec += ms / 1000;
	clk.tv_nsec += (ms % 1000) * 1000000;
	if (clk.tv_nsec >= 1000000000) {
		clk.tv_sec++;
		clk.tv_nsec -= 1000000000;
	}
}

/* seg: a DF TCP segment of ip_len bytes (0 = headers only, no payload). */
static void seg(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
                uint32_t seq, uint32_t ack, uint32_t ip_len)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true, .ip_len = ip_len},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = flags,
	                            .seq = seq,
	                            .ack = ack});
}

/* zwin: a pure ACK advertising a zero (or, open = true, a full) window. */
static void zwin(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t seq,
                 uint32_t ack, bool zero)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = TH_ACK,
	                            .seq = seq,
	                            .ack = ack,
	                            .zero_window = zero});
}

static void syn(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint16_t mss)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = TH_SYN,
	                            .seq = 100,
	                            .mss = mss});
}

static void synack(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint16_t mss)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = TH_SYN | TH_ACK,
	                            .seq = 5000,
	                            .ack = 101,
	                            .mss = mss});
}

/* ptb: router -> to, "frag needed / packet too big, MTU mtu", quoting a TCP
 * segment qsrc:qsport -> qdst:qdport with seq qseq and true length qlen. */
static void ptb(const char *router, const char *to, uint32_t mtu, const char *qsrc, uint16_t qsport,
                const char *qdst, uint16_t qdport, uint32_t qseq, uint32_t qlen)
{
	static uint8_t orig[1600];
	size_t n;

	n = frame_tcp(
	    orig, sizeof(orig),
	    &(struct tcp_spec){.ip = {.src = qsrc, .dst = qdst, .df = true, .ip_len = qlen},
	                       .sport = qsport,
	                       .dport = qdport,
	                       .flags = TH_ACK | TH_PSH,
	                       .seq = qseq,
	                       .ack = 1});
	feed(fbuf, frame_icmp_ptb(fbuf, sizeof(fbuf),
	                          &(struct ptb_spec){.ip = {.src = router, .dst = to},
	                                             .mtu = mtu,
	                                             .orig = orig,
	                                             .orig_len = n}));
}

/* count: alerts of `type` so far. */
static size_t count(const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < nalerts(); i++)
		n += strcmp(json_string_value(json_object_get(alert(i), "type")), type) == 0;
	return n;
}

/* expect: the alerts so far are exactly these types, in this order (NULL-terminated). */
static void expect(const char *const *types)
{
	size_t n = 0;

	for (; types[n] != NULL; n++) {
		cr_assert_lt(n, nalerts(), "alert #%zu (%s) missing", n, types[n]);
		cr_assert_str_eq(sget(alert(n), "type"), types[n], "alert #%zu", n);
	}
	cr_assert_eq(nalerts(), n, "%zu alerts, expected %zu; #%zu is %s", nalerts(), n, n,
	             nalerts() > n ? sget(alert(n), "type") : "-");
}

#define EXPECT(...) expect((const char *const[]){__VA_ARGS__, NULL})
#define NONE        ((const char *const[]){NULL})

static bool is_null(json_t *o, const char *path)
{
	return json_is_null(get(o, path));
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
	                 "on 198.18.2.2 set a per-route MTU (ip route change 198.18.1.1 mtu 8500"
	                 ") or clamp TCP MSS to 8460 on the path towards 198.18.1.1 (narrower th"
	                 "an lowering its interface MTU), and allow ICMP type 3 code 4 (fragment"
	                 "ation needed) back to 198.18.2.2 so PMTUD can work");
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
	cr_assert_eq(nalerts(), 1, "only `fragmented`, no oversize_df");
	cr_assert_str_eq(sget(alert(0), "type"), "fragmented");
	cr_assert_eq(stats().alerts[ALERT_OVERSIZE_DF], 0);
}

Test(oversize_df, udp_advice_has_no_mss)
{
	sess.path_mtu = 1500;
	feed_udp(&(struct udp_spec){
	    .ip = {.src = B, .dst = A, .df = true, .ip_len = 3000}, .sport = 5000, .dport = 6000});
	cr_assert_eq(nalerts(), 1);
	cr_assert_str_eq(sget(alert(0), "flow.proto"), "udp");
	cr_assert_null(strstr(sget(alert(0), "advice"), "MSS"));
	cr_assert_not_null(strstr(sget(alert(0), "advice"), "mtu 1500"));
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
	cr_assert_not_null(
	    strstr(sget(o, "advice"),
	           "clamp TCP MSS to 8460 on the path towards 198.18.1.1, or on 198.18.2.2 set a "
	           "per-route MTU (ip route change 198.18.1.1 mtu 8500)"));
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

Test(flow, memory_per_entry)
{
	/* The figure quoted in flow.h and the README (LP64). */
	if (sizeof(void *) == 8)
		cr_assert_eq(sizeof(struct flow), 272);
	cr_assert_leq(sizeof(struct flow), 288);
}

/* account: one TCP packet from src to dst through flow_account(). */
static void account(struct flow_table *t, struct flow *f, const struct tcp_spec *ts)
{
	struct flow_key k;
	struct packet pkt;
	int side;

	memset(&pkt, 0, sizeof(pkt));
	cr_assert_eq(decode_ether(&pkt, fbuf, frame_tcp(fbuf, sizeof(fbuf), ts)), DEC_OK);
	side = flow_key_make(&k, 4242, &pkt);
	flow_account(t, f, side, &pkt);
}

Test(flow, tracked_segment)
{
	struct flow_table *t = flow_table_new(4);
	struct flow_key k;
	struct flow_side *s;
	struct flow *f;
	bool created;
	int side;
	struct tcp_spec big = {.ip = {.src = B, .dst = A, .df = true, .ip_len = 1040},
	                       .sport = 443,
	                       .dport = 40000,
	                       .flags = TH_ACK,
	                       .seq = 1000,
	                       .ack = 1};
	struct tcp_spec ack = {.ip = {.src = A, .dst = B, .df = true},
	                       .sport = 40000,
	                       .dport = 443,
	                       .flags = TH_ACK,
	                       .seq = 1,
	                       .ack = 1000};

	key(&k, &side, B, 443, A, 40000);
	f = flow_get(t, &k, 1, &created);
	s = &f->side[side];
	account(t, f, &big);
	cr_assert(s->flags & FS_BIG);
	cr_assert_eq(s->big_seq, 1000);
	cr_assert_eq(s->big_end, 2000);
	cr_assert_eq(s->big_ip_len, 1040);
	cr_assert_eq(s->big_retrans, 0);
	account(t, f, &big);
	cr_assert_eq(s->big_retrans, 1);
	big.ip.df = false; /* not DF: says nothing */
	account(t, f, &big);
	cr_assert_eq(s->big_retrans, 1);
	big.ip.df = true;
	ack.zero_window = true;
	account(t, f, &ack);
	account(t, f, &big); /* the peer's window is closed */
	cr_assert_eq(s->big_retrans, 1);
	ack.zero_window = false;
	account(t, f, &ack);
	account(t, f, &big);
	cr_assert_eq(s->big_retrans, 2);
	big.ip.ip_len = 540; /* resent smaller: a fallback */
	account(t, f, &big);
	cr_assert(s->flags & FS_BIG_SHRUNK);
	cr_assert_eq(s->fallback_ip_len, 540);
	cr_assert_eq(s->big_ip_len, 1040);
	ack.ack = 1500;
	account(t, f, &ack);
	cr_assert(!(s->flags & FS_BIG));
	cr_assert(s->flags & FS_RECOVERED);
	cr_assert_eq(s->acked_ip_len, 540, "the small pieces passed, not the big segment");
	big.seq = 2000; /* a new one, bigger than what passed */
	big.ip.ip_len = 1040;
	account(t, f, &big);
	cr_assert(s->flags & FS_BIG);
	cr_assert(!(s->flags & (FS_RECOVERED | FS_BIG_SHRUNK)));
	ack.ack = 3000;
	account(t, f, &ack);
	cr_assert(!(s->flags & (FS_BIG | FS_RECOVERED)));
	cr_assert_eq(s->acked_ip_len, 1040);
	big.seq = 3000; /* not bigger than what passed: not tracked */
	account(t, f, &big);
	cr_assert(!(s->flags & FS_BIG));
	flow_table_free(t);
}

/* ------------------------------------------------------------------ */
/* pmtud_blackhole */

/* Seed 1: an on-prem client (MTU 9000) and a database server; the mirror
 * is on the server's ENI.  A hop towards the client carries 1500 bytes
 * and no ICMP comes back. */
#define CLIENT A
#define SERVER B
#define CPORT  40000
#define SPORT  5439

/* seed1: handshake (MSS 8960 both ways), a 300-byte ClientHello the server
 * acknowledges, the server's 5154-byte DF flight, then `rexmits`
 * retransmissions of it 200, 400, 800 ... ms apart. */
static void seed1(int rexmits)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	later(1);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	later(1);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 0);
	later(1);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	for (int i = 0; i < rexmits; i++) {
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	}
}

TestSuite(blackhole, .init = setup, .fini = teardown);

Test(blackhole, seed1_confirmed_with_route)
{
	struct pcap_ref r = {.file = "prod-1.pcap", .frame = 9};
	json_t *o;

	add_route("198.18.1.0/24", 1500);
	seed1(2);
	EXPECT("mss_exceeds_path_mtu", "oversize_df"); /* 2 retransmits: not yet */
	ref = &r;
	later(800);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	EXPECT("mss_exceeds_path_mtu", "oversize_df", "pmtud_blackhole");
	o = alert(2);
	cr_assert_str_eq(sget(o, "severity"), "critical");
	cr_assert_str_eq(sget(o, "direction"), "egress");
	cr_assert_str_eq(sget(o, "flow.src"), SERVER);
	cr_assert_eq(iget(o, "flow.sport"), SPORT);
	cr_assert_str_eq(sget(o, "flow.dst"), CLIENT);
	cr_assert_eq(iget(o, "flow.dport"), CPORT);
	cr_assert(json_is_true(get(o, "confirmed")));
	cr_assert_str_eq(sget(o, "basis"), "configured");
	cr_assert(json_is_false(get(o, "path_mtu_contradicted")));
	cr_assert_str_eq(sget(o, "sender"), SERVER);
	cr_assert_str_eq(sget(o, "receiver"), CLIENT);
	cr_assert_eq(iget(o, "seq"), 5001);
	cr_assert_eq(iget(o, "ip_len"), 5154);
	cr_assert(json_is_true(get(o, "df")));
	cr_assert_eq(iget(o, "retransmits"), 3);
	cr_assert(json_is_false(get(o, "ptb_seen")));
	cr_assert_eq(iget(o, "largest_passed"), 340);
	cr_assert(is_null(o, "largest_passed_by_sender"));
	cr_assert_eq(iget(o, "path_mtu"), 1500);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "route 198.18.1.0/24");
	cr_assert_str_eq(sget(o, "first_sent"), "2026-11-23T08:56:11.126456Z");
	cr_assert_str_eq(sget(o, "ts"), "2026-11-23T08:56:12.526456Z");
	cr_assert_eq(iget(o, "stalled_ms"), 1400);
	cr_assert(json_is_false(get(o, "recovered_by_fallback")));
	cr_assert(is_null(o, "fallback_ip_len"));
	cr_assert_eq(iget(o, "pcap.frame"), 9);
	cr_assert_str_eq(
	    sget(o, "message"),
	    "198.18.2.2:5439 -> 198.18.1.1:40000: a 5154-byte DF segment (seq 5001) was "
	    "retransmitted 3 times over 1.4 s and never acknowledged, and no ICMP "
	    "packet-too-big came back; the path MTU towards 198.18.1.1 is 1500 (route "
	    "198.18.1.0/24): PMTUD black hole, the connection is stalled");
	cr_assert_str_eq(sget(o, "advice"),
	                 "allow ICMP type 3 code 4 (fragmentation needed) back to 198.18.2.2 (NA"
	                 "CL, security group, host firewall, on-prem devices), and on 198.18.2.2"
	                 " set a per-route MTU (ip route change 198.18.1.1 mtu 1500) or clamp TC"
	                 "P MSS to 1460 on the path towards 198.18.1.1, rather than lowering its"
	                 " interface MTU, which would shrink all its traffic");
	/* More retransmissions: deduplicated. */
	later(1600);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	cr_assert_eq(count("pmtud_blackhole"), 1);
	cr_assert_eq(stats().alerts[ALERT_PMTUD_BLACKHOLE], 1);
}

Test(blackhole, seed1_inferred_without_mtu)
{
	json_t *o;

	seed1(3);
	EXPECT("pmtud_blackhole");
	o = alert(0);
	cr_assert(json_is_false(get(o, "confirmed")));
	cr_assert_eq(iget(o, "ip_len"), 5154);
	cr_assert_eq(iget(o, "retransmits"), 3);
	cr_assert_eq(iget(o, "largest_passed"), 340);
	cr_assert(is_null(o, "path_mtu"));
	cr_assert(is_null(o, "path_mtu_source"));
	cr_assert_str_eq(sget(o, "basis"), "observed");
	cr_assert_not_null(strstr(sget(o, "message"),
	                          "segments of up to 340 bytes in the other direction were "
	                          "acknowledged"));
	cr_assert_str_eq(sget(o, "advice"),
	                 "find the hop that drops 5154-byte packets (from 198.18.2.2: tracepath "
	                 "198.18.1.1, or ping -M do -s 5126 198.18.1.1), allow ICMP type 3 code "
	                 "4 (fragmentation needed) back to 198.18.2.2 (NACL, security group, hos"
	                 "t firewall, on-prem devices), and on 198.18.2.2 set a per-route MTU to"
	                 "wards 198.18.1.1 (ip route change 198.18.1.1 mtu N) or clamp TCP MSS t"
	                 "o what that hop carries, rather than lowering its interface MTU");
}

Test(blackhole, inferred_needs_a_smaller_segment_acknowledged)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 101, 5154);
	for (int i = 0; i < 4; i++) {
		later(200);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 101, 5154);
	}
	cr_assert_eq(nalerts(), 0, "nothing passed yet: no evidence the size is the problem");
	/* The client's 600-byte segment gets through and is acknowledged. */
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 600);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 661, 0);
	cr_assert_eq(nalerts(), 0);
	later(400); /* the next retransmission decides */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 661, 5154);
	EXPECT("pmtud_blackhole");
	cr_assert_eq(iget(alert(0), "retransmits"), 5);
	cr_assert_eq(iget(alert(0), "largest_passed"), 600);
}

Test(blackhole, threshold_from_config)
{
	analyzer_free(an);
	aconf.retransmit_threshold = 5;
	an = analyzer_new(&aconf, collect, alerts);
	seed1(4);
	cr_assert_eq(nalerts(), 0);
	later(3200);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	EXPECT("pmtud_blackhole");
	cr_assert_eq(iget(alert(0), "retransmits"), 5);
}

Test(blackhole, retransmit_needs_same_seq_and_size)
{
	seed1(2);
	/* Same seq but smaller, another seq, no DF: none counts as a retransmit of it. */
	later(800);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 9999, 401, 5154);
	feed_tcp(&(struct tcp_spec){.ip = {.src = SERVER, .dst = CLIENT, .ip_len = 5154},
	                            .sport = SPORT,
	                            .dport = CPORT,
	                            .flags = TH_ACK,
	                            .seq = 5001,
	                            .ack = 401});
	cr_assert_eq(nalerts(), 0);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5200); /* larger: counts */
	EXPECT("pmtud_blackhole");
	cr_assert_eq(iget(alert(0), "ip_len"), 5200);
}

Test(blackhole, original_not_mirrored)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 0);
	/* The 5154-byte segment at 5001 was lost on the way to the mirror; the
	 * one after it was not.  Timeouts retransmit the oldest: 5001. */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 10115, 401, 1500);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	}
	EXPECT("pmtud_blackhole");
	cr_assert_eq(iget(alert(0), "seq"), 5001);
	cr_assert_eq(iget(alert(0), "retransmits"), 3, "its first sighting is a retransmission");
	cr_assert_str_eq(sget(alert(0), "first_sent"), "2026-11-23T08:56:11.323456Z");
}

Test(blackhole, ack_covering_it_is_no_blackhole)
{
	seed1(2);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 10115, 0); /* it got through after all */
	later(800);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154); /* spurious */
	later(800);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 5154);
	cr_assert_eq(nalerts(), 0);
}

Test(blackhole, small_segment_loss_is_not_a_blackhole)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 1460, SERVER, SPORT, 1460);
	/* The client uploads 1500-byte packets: they pass. */
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 101, 5001, 1500);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 1561, 0);
	/* The server's 1040-byte segment passes, then one of the same size is lost 5 times. */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 1561, 1040);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 1561, 6001, 0);
	for (int i = 0; i < 6; i++) {
		later(200);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 6001, 1561, 1040);
	}
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 1561, 7001, 0);
	/* 1400 bytes: bigger than the server ever got through, not than the client did. */
	for (int i = 0; i < 5; i++) {
		later(200);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 7001, 1561, 1400);
	}
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 1561, 8361, 0);
	cr_assert_eq(nalerts(), 0);
	/* Control: 1600 bytes, bigger than anything that passed, does alert. */
	for (int i = 0; i < 4; i++) {
		later(200);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 8361, 1561, 1600);
	}
	EXPECT("pmtud_blackhole");
	/* The sender's own evidence first: the client's 1500 went the other way. */
	cr_assert_eq(iget(alert(0), "largest_passed"), 1400);
	cr_assert_eq(iget(alert(0), "largest_passed_by_sender"), 1400);
	cr_assert_str_eq(sget(alert(0), "basis"), "observed");
}

/* sack: a pure ACK from src carrying one SACK block [l, r). */
static void sack(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t seq,
                 uint32_t ack, uint32_t l, uint32_t r)
{
	feed_tcp(&(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true},
	                            .sport = sport,
	                            .dport = dport,
	                            .flags = TH_ACK,
	                            .seq = seq,
	                            .ack = ack,
	                            .nsack = 1,
	                            .sack = {{l, r}}});
}

/* jumbo_loss: on a 9000-byte path, the server's first 9000-byte segment
 * (seq 5001..13961) is lost and its next one (13961..22921) arrives; the
 * client SACKs it when `sacked`.  `resent_small` first resends the second
 * segment's data in a 1500-byte packet (a fallback: the SACK then proves
 * nothing about 9000).  Then the first is retransmitted three times. */
static void jumbo_loss(bool sacked, bool resent_small)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 0);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 9000);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 13961, 401, 9000);
	if (resent_small) {
		later(50);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 13961, 401, 1500);
	}
	later(1);
	if (sacked)
		sack(CLIENT, CPORT, SERVER, SPORT, 401, 5001, 13961, 22921);
	else
		seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 5001, 0);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 9000);
	}
}

Test(blackhole, sacked_same_size_is_loss_not_a_blackhole)
{
	jumbo_loss(true, false);
	cr_assert_eq(nalerts(), 0, "a 9000-byte segment of the sender was SACKed: the size passes");
}

Test(blackhole, without_the_sack_it_is_inferred)
{
	json_t *o;

	jumbo_loss(false, false);
	EXPECT("pmtud_blackhole");
	o = alert(0);
	cr_assert_str_eq(sget(o, "basis"), "observed");
	cr_assert(json_is_false(get(o, "confirmed")));
	cr_assert_eq(iget(o, "largest_passed"), 340);
	cr_assert(is_null(o, "largest_passed_by_sender"));
	cr_assert(json_is_false(get(o, "withdrawn")));
}

Test(blackhole, sack_after_a_smaller_resend_proves_nothing)
{
	jumbo_loss(true, true);
	EXPECT("pmtud_blackhole");
	cr_assert(is_null(alert(0), "largest_passed_by_sender"));
}

Test(blackhole, sack_proves_the_senders_own_size)
{
	/* Seed 1's TLS flight: 4148, 9000, 1686 and 412 bytes; the client SACKs
	 * only the 412-byte segment.  largest_passed is the sender's 412, not
	 * the other direction's 340. */
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 0);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 4148);          /* ..9109 */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 9109, 401, 9000);          /* ..18069 */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 18069, 401, 1686);         /* ..19715 */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 19715, 401, 412); /* ..20087 */
	sack(CLIENT, CPORT, SERVER, SPORT, 401, 5001, 19715, 20087);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 4148);
	}
	EXPECT("pmtud_blackhole");
	cr_assert_eq(iget(alert(0), "largest_passed"), 412);
	cr_assert_eq(iget(alert(0), "largest_passed_by_sender"), 412);
	cr_assert_not_null(
	    strstr(sget(alert(0), "message"),
	           "198.18.2.2's own segments of up to 412 bytes were acknowledged"));
}

Test(blackhole, acknowledged_after_the_alert_is_withdrawn)
{
	json_t *o;

	jumbo_loss(false, false);
	EXPECT("pmtud_blackhole");
	/* The fourth copy arrives: the client acknowledges everything. */
	later(1600);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 9000);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 22921, 0);
	EXPECT("pmtud_blackhole", "pmtud_blackhole");
	o = alert(1);
	cr_assert_str_eq(sget(o, "severity"), "info");
	cr_assert(json_is_true(get(o, "withdrawn")));
	cr_assert_str_eq(sget(o, "withdrawn_reason"), "acknowledged");
	cr_assert_eq(iget(o, "ip_len"), 9000);
	cr_assert_eq(iget(o, "seq"), 5001);
	cr_assert_str_eq(sget(o, "flow.src"), SERVER);
	cr_assert_not_null(strstr(sget(o, "message"), "withdrawn: "));
	/* Once only. */
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 22921, 0);
	cr_assert_eq(nalerts(), 2);
}

Test(blackhole, a_configured_mtu_never_silences_it)
{
	json_t *o;

	/* Seed 1 typed as an SRE would: the AWS default 9001.  The 5154-byte
	 * flight fits it, yet it is black-holed: raised, basis observed. */
	sess.path_mtu = 9001;
	seed1(3);
	EXPECT("pmtud_blackhole", "path_mtu_mismatch");
	o = alert(1);
	cr_assert_str_eq(sget(o, "kind"), "too_high");
	cr_assert_str_eq(sget(o, "evidence_kind"), "black hole");
	cr_assert_eq(iget(o, "path_mtu"), 9001);
	cr_assert_eq(iget(o, "observed"), 5154);
	cr_assert_eq(iget(o, "failed_min"), 5154);
	cr_assert(is_null(o, "suggested_mtu")); /* only bounded: below 5154 */
	cr_assert_eq(iget(o, "path_mtu_max"), 5153);
	o = alert(0);
	cr_assert_str_eq(sget(o, "basis"), "observed");
	cr_assert(json_is_false(get(o, "confirmed")));
	cr_assert_eq(iget(o, "path_mtu"), 9001);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "session path_mtu");
	cr_assert(json_is_false(get(o, "path_mtu_contradicted")));
	cr_assert_not_null(strstr(sget(o, "message"), "would carry it, so the config is wrong"));
}

/* contradicted: route 1500, yet the server's 8500-byte segment is
 * acknowledged; then a segment of `stall` bytes is retransmitted 3 times. */
static void contradicted(uint32_t stall)
{
	add_route("198.18.1.0/24", 1500);
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 101, 8500); /* ..13461 */
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 101, 13461, 0);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 13461, 101, stall);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 13461, 101, stall);
	}
}

Test(blackhole, a_contradicted_mtu_gives_way_to_the_evidence)
{
	json_t *o;

	/* The config is too low: a stalled 9000 is judged on the evidence
	 * (observed, bigger than the 8500 that passed), not as "> 1500". */
	contradicted(9000);
	cr_assert_eq(count("pmtud_blackhole"), 1);
	o = alert(nalerts() - 1);
	cr_assert_str_eq(sget(o, "type"), "pmtud_blackhole");
	cr_assert_str_eq(sget(o, "basis"), "observed");
	cr_assert(json_is_false(get(o, "confirmed")));
	cr_assert(json_is_true(get(o, "path_mtu_contradicted")));
	cr_assert_eq(iget(o, "largest_passed"), 8500);
}

Test(blackhole, a_size_that_passed_is_loss_whatever_the_route_says)
{
	/* 8000 > the route's 1500, but 8500 already passed on this flow. */
	contradicted(8000);
	cr_assert_eq(count("pmtud_blackhole"), 0);
}

Test(blackhole, tiny_segments_are_never_size_drops)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 1460, SERVER, SPORT, 1460);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 140);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 201, 0);
	for (int i = 0; i < 5; i++) { /* 576 bytes: every IPv4 path carries that */
		later(200);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 201, 576);
	}
	cr_assert_eq(nalerts(), 0);
	/* IPv6: 1280 is the floor. */
	handshake(A6, CPORT, 1440, B6, SPORT, 1440);
	seg(A6, CPORT, B6, SPORT, TH_ACK | TH_PSH, 101, 5001, 160);
	seg(B6, SPORT, A6, CPORT, TH_ACK, 5001, 201, 0);
	for (int i = 0; i < 5; i++) {
		later(200);
		seg(B6, SPORT, A6, CPORT, TH_ACK, 5001, 201, 1280);
	}
	cr_assert_eq(nalerts(), 0);
	for (int i = 0; i < 3; i++) {
		later(200);
		seg(B6, SPORT, A6, CPORT, TH_ACK, 5001, 201, 1281);
	}
	EXPECT("pmtud_blackhole");
	cr_assert_str_eq(sget(alert(0), "flow.src"), B6);
	cr_assert_not_null(strstr(sget(alert(0), "advice"), "ping -6 -M do -s 1233 2001:db8:1::1"));
}

Test(blackhole, zero_window_is_not_a_blackhole)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 1460, SERVER, SPORT, 1460);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 1040);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 6001, 0);
	/* The client's buffer is full: it drops the next segment and says window 0. */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 6001, 401, 1500);
	zwin(CLIENT, CPORT, SERVER, SPORT, 401, 6001, true);
	for (int i = 0; i < 5; i++) { /* window probes carrying that segment */
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 6001, 401, 1500);
		zwin(CLIENT, CPORT, SERVER, SPORT, 401, 6001, true);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 6000, 401, 0); /* Linux-style probe */
	}
	cr_assert_eq(nalerts(), 0);
	/* The window opens; the segment is sent once more and acknowledged. */
	zwin(CLIENT, CPORT, SERVER, SPORT, 401, 6001, false);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 6001, 401, 1500);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 7461, 0);
	cr_assert_eq(nalerts(), 0);
}

Test(blackhole, fallback_follow_up)
{
	json_t *o;

	seed1(3);
	EXPECT("pmtud_blackhole");
	/* Linux tcp_mtu_probing: the flight is resent in 1076-byte segments. */
	later(1600);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 1076);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 6037, 401, 1076);
	cr_assert_eq(nalerts(), 1);
	later(5);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 7073, 0);
	EXPECT("pmtud_blackhole", "pmtud_blackhole");
	o = alert(1);
	cr_assert_str_eq(sget(o, "severity"), "warning");
	cr_assert(json_is_true(get(o, "recovered_by_fallback")));
	cr_assert_eq(iget(o, "fallback_ip_len"), 1076);
	cr_assert_str_eq(sget(o, "flow.src"), SERVER);
	cr_assert_str_eq(sget(o, "sender"), SERVER);
	cr_assert_eq(iget(o, "seq"), 5001);
	cr_assert_eq(iget(o, "ip_len"), 5154);
	cr_assert_eq(iget(o, "retransmits"), 3);
	cr_assert_eq(iget(o, "largest_passed"), 1076);
	cr_assert_eq(iget(o, "largest_passed_by_sender"), 1076);
	cr_assert(json_is_false(get(o, "confirmed")));
	cr_assert_str_eq(sget(o, "first_sent"), "2026-11-23T08:56:11.126456Z");
	cr_assert_eq(iget(o, "stalled_ms"), 1400 + 1600 + 5);
	cr_assert_str_eq(
	    sget(o, "message"),
	    "198.18.2.2 fell back to 1076-byte segments after its 5154-byte segment "
	    "(seq 5001) stalled for 3.0 s, and 198.18.1.1 acknowledged them: the "
	    "connection recovered (e.g. Linux tcp_mtu_probing), but the black hole for "
	    "5154-byte packets remains and every new connection stalls the same way "
	    "first");
	/* Once per flow side: a second stall and fallback stays quiet. */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 7073, 401, 5154);
	for (int i = 0; i < 3; i++) {
		later(200);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 7073, 401, 5154);
	}
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 7073, 401, 1076);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 8109, 0);
	cr_assert_eq(nalerts(), 2);
	cr_assert_eq(stats().alerts[ALERT_PMTUD_BLACKHOLE], 2);
}

Test(blackhole, fallback_before_threshold_is_quiet)
{
	seed1(1);
	later(400);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 401, 1076);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 6037, 0);
	cr_assert_eq(nalerts(), 0);
}

static const char *peer_eni = CLIENT; /* the ENI session "peer" mirrors */

/* both: feed one packet to each session in `to` (1 = sess, 2 = sess2, 3 = both). */
static void both_seg(int to, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                     uint8_t flags, uint32_t seq, uint32_t ack, uint32_t ip_len)
{
	if (to & 1) {
		on(&sess, SERVER);
		seg(src, sport, dst, dport, flags, seq, ack, ip_len);
	}
	if (to & 2) {
		on(&sess2, peer_eni);
		seg(src, sport, dst, dport, flags, seq, ack, ip_len);
	}
}

/* seed1_two_ends: seed 1 with the client's ENI mirrored too (session
 * "peer"); the 5154-byte segment and its retransmissions reach the
 * sessions in `big_to`.  A 1500-byte segment passed before it. */
static void seed1_two_ends(int big_to)
{
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	on(&sess2, peer_eni);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	later(1);
	both_seg(3, CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	both_seg(3, SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 1500);
	both_seg(3, CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 6461, 0);
	later(1);
	both_seg(big_to, SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 6461, 401, 5154);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		both_seg(big_to, SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 6461, 401, 5154);
	}
}

Test(blackhole, two_sessions_say_where_it_died)
{
	json_t *o;

	seed1_two_ends(1); /* the big segment never reaches the client's ENI */
	EXPECT("pmtud_blackhole");
	o = alert(0);
	cr_assert_str_eq(sget(o, "session"), "prod", "raised where it was retransmitted");
	cr_assert_eq(iget(o, "ip_len"), 5154);
	cr_assert_eq(iget(o, "largest_passed"), 1500);
	cr_assert_str_eq(sget(o, "other_session"), "peer");
	cr_assert_eq(iget(o, "other_vni"), 4343);
	cr_assert(json_is_false(get(o, "other_session_saw_it")));
	cr_assert_eq(iget(o, "other_session_largest_ip_len"), 1500);
	cr_assert(strstr(sget(o, "message"),
	                 ". Session peer, the other end's mirror, saw 198.18.2.2's smaller packets "
	                 "of this flow (up to 1500 bytes) but never this one: it dies between the "
	                 "two mirror points (after session prod, before session peer)") != NULL,
	          "%s", sget(o, "message"));
}

Test(blackhole, two_sessions_both_saw_it)
{
	json_t *o;

	seed1_two_ends(3); /* it reached the client's ENI: the loss is beyond */
	EXPECT("pmtud_blackhole", "pmtud_blackhole");
	o = alert(0);
	cr_assert_str_eq(sget(o, "session"), "prod");
	cr_assert_str_eq(sget(o, "other_session"), "peer");
	cr_assert(json_is_true(get(o, "other_session_saw_it")));
	cr_assert_eq(iget(o, "other_session_largest_ip_len"), 5154);
	cr_assert(strstr(sget(o, "message"), ". Session peer saw it too (5154 bytes)") != NULL,
	          "%s", sget(o, "message"));
	o = alert(1);
	cr_assert_str_eq(sget(o, "session"), "peer");
	cr_assert_str_eq(sget(o, "other_session"), "prod");
}

Test(blackhole, two_sessions_of_one_eni_are_one_mirror_point)
{
	peer_eni = SERVER; /* AWS allows several sessions per source ENI */
	seed1_two_ends(3);
	EXPECT("pmtud_blackhole", "pmtud_blackhole");
	for (size_t i = 0; i < 2; i++) {
		cr_assert(is_null(alert(i), "other_session"), "alert %zu", i);
		cr_assert_null(strstr(sget(alert(i), "message"), "Session"));
	}
	peer_eni = CLIENT;
}

Test(blackhole, capture_session_has_no_vni)
{
	strcpy(sess.name, "capture"); /* -r's session for plain frames (session.h VNI_NONE) */
	sess.vni = 0x1000000;
	seed1(3);
	EXPECT("pmtud_blackhole");
	cr_assert_str_eq(sget(alert(0), "session"), "capture");
	cr_assert(is_null(alert(0), "vni"));
}

Test(blackhole, one_session_has_no_other)
{
	json_t *o;

	seed1(3);
	EXPECT("pmtud_blackhole");
	o = alert(0);
	cr_assert(is_null(o, "other_session"));
	cr_assert(is_null(o, "other_session_saw_it"));
	cr_assert(is_null(o, "other_vni"));
	cr_assert(is_null(o, "other_session_largest_ip_len"));
	cr_assert_null(strstr(sget(o, "message"), "Session"));
}

/* ------------------------------------------------------------------ */
/* seed 2 */

TestSuite(seed2, .init = setup, .fini = teardown);

/* seed2_paths: A -> B over peering (9001), B -> A over a transit gateway (8500). */
static void seed2_paths(void)
{
	sess.path_mtu = 9001;
	add_route("198.18.1.0/24", 8500);
}

Test(seed2, at_b_mss_then_blackhole_confirmed)
{
	json_t *o;

	seed2_paths();
	on(&sess, B); /* B's ENI: its SYN-ACK leaves unclamped */
	handshake(A, 40000, 8961, B, 443, 8961);
	EXPECT("mss_exceeds_path_mtu");
	/* A got B's MSS clamped to 8460 by the transit gateway: its 8500-byte packets pass. */
	seg(A, 40000, B, 443, TH_ACK | TH_PSH, 101, 5001, 8500);
	seg(B, 443, A, 40000, TH_ACK, 5001, 8561, 0);
	seg(B, 443, A, 40000, TH_ACK | TH_PSH, 5001, 8561, 9001);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		seg(B, 443, A, 40000, TH_ACK | TH_PSH, 5001, 8561, 9001);
	}
	EXPECT("mss_exceeds_path_mtu", "oversize_df", "pmtud_blackhole");
	o = alert(2);
	cr_assert(json_is_true(get(o, "confirmed")));
	cr_assert_str_eq(sget(o, "sender"), B);
	cr_assert_eq(iget(o, "ip_len"), 9001);
	cr_assert_eq(iget(o, "path_mtu"), 8500);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "route 198.18.1.0/24");
	cr_assert_eq(iget(o, "largest_passed"), 8500);
	cr_assert(is_null(o, "largest_passed_by_sender"));
	cr_assert_not_null(strstr(sget(o, "advice"),
	                          "set a per-route MTU (ip route change 198.18.1.1 mtu 8500) "
	                          "or clamp TCP MSS to 8460 on the path towards 198.18.1.1"));
}

Test(seed2, passed_sizes_are_per_direction)
{
	seed2_paths();
	on(&sess, B);
	handshake(A, 40000, 8961, B, 443, 8961);
	/* Unlike seed 2, A's 9001-byte packets reach B (A -> B is 9001): that says
	 * nothing about B -> A.  B's 9001 is still confirmed by the 8500 route. */
	seg(A, 40000, B, 443, TH_ACK | TH_PSH, 101, 5001, 9001);
	seg(B, 443, A, 40000, TH_ACK, 5001, 9062, 0);
	for (int i = 0; i < 4; i++) {
		later(200);
		seg(B, 443, A, 40000, TH_ACK | TH_PSH, 5001, 9062, 9001);
	}
	EXPECT("mss_exceeds_path_mtu", "oversize_df", "pmtud_blackhole");
	cr_assert_eq(iget(alert(2), "largest_passed"), 9001);
}

Test(seed2, at_a_clamp_asymmetry_from_path_mtus)
{
	json_t *o;

	seed2_paths();
	on(&sess, A); /* A's ENI: B's SYN-ACK arrives clamped by the transit gateway */
	handshake(A, 40000, 8961, B, 443, 8460);
	EXPECT("mss_clamp_asymmetry");
	o = alert(0);
	cr_assert_str_eq(sget(o, "severity"), "warning");
	cr_assert_str_eq(sget(o, "direction"), "ingress");
	cr_assert_str_eq(sget(o, "flow.src"), B);
	cr_assert_eq(iget(o, "flow.sport"), 443);
	cr_assert_str_eq(sget(o, "flow.dst"), A);
	cr_assert_str_eq(sget(o, "evidence_kind"), "path_mtu");
	cr_assert_str_eq(sget(o, "sender"), B);
	cr_assert_str_eq(sget(o, "clamped_segment"), "synack");
	cr_assert(is_null(o, "mss_clamped_from"));
	cr_assert_eq(iget(o, "mss_clamped_to"), 8460);
	cr_assert_eq(iget(o, "mss_unclamped"), 8961);
	cr_assert_eq(iget(o, "effective_send_size"), 9001);
	cr_assert_eq(iget(o, "path_mtu"), 8500);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "route 198.18.1.0/24");
	cr_assert_eq(iget(o, "path_mtu_reverse"), 9001);
	cr_assert_str_eq(sget(o, "path_mtu_reverse_source"), "session path_mtu");
	cr_assert(is_null(o, "other_session"));
	cr_assert(is_null(o, "other_vni"));
	cr_assert_str_eq(
	    sget(o, "message"),
	    "MSS clamping on one path only: 198.18.2.2's SYN-ACK arrived with MSS 8460, "
	    "as clamped to the 8500-byte path from 198.18.2.2, while 198.18.1.1's SYN "
	    "MSS 8961 fits its own path towards 198.18.2.2, so nothing clamps it; "
	    "198.18.2.2 may send 9001-byte packets towards 198.18.1.1, more than that "
	    "path's 8500 bytes (unless its own MTU is 8500)");
	cr_assert_str_eq(
	    sget(o, "advice"),
	    "clamp TCP MSS to 8460 on the path from 198.18.1.1 to 198.18.2.2 too (clamp "
	    "on both paths), or route both directions the same way, or lower the MTU "
	    "on 198.18.2.2 and 198.18.1.1 to 8500");
}

Test(seed2, straddle_needs_the_mirror_position_and_a_clamp_value)
{
	seed2_paths();
	on(&sess, NULL); /* unknown: 8460 may be B's own MSS (B's MTU 8500: fine) */
	handshake(A, 40000, 8961, B, 443, 8460);
	on(&sess, B); /* B's own MSS, seen leaving B */
	handshake(A, 40001, 8961, B, 443, 8460);
	on(&sess, A); /* a 1500-byte host: its MSS is its own, not a clamp to 8500 */
	handshake(A, 40002, 8961, B, 443, 1460);
	on(&sess, A); /* symmetric paths: nothing straddles */
	handshake(A, 40003, 8961, "198.18.1.2", 443, 8460);
	cr_assert_eq(nalerts(), 0);
	on(&sess, A); /* the control: seed 2 from A's ENI */
	handshake(A, 40004, 8961, B, 443, 8460);
	EXPECT("mss_clamp_asymmetry");
}

/* seed2_both: the seed 2 handshake seen by both ends' mirror sessions:
 * A's (sess, VNI 4242) and B's (sess2, VNI 4343).  `b_own`: the MSS B's
 * SYN-ACK leaves with; `a_gets`: what arrives at A; `b_gets`: A's SYN at B. */
static void seed2_both(uint16_t port, uint16_t b_own, uint16_t a_gets, uint16_t b_gets)
{
	on(&sess, A);
	syn(A, port, B, 443, 8961);
	on(&sess2, B);
	syn(A, port, B, 443, b_gets);
	synack(B, 443, A, port, b_own);
	on(&sess, A);
	synack(B, 443, A, port, a_gets);
}

Test(seed2, both_ends_mirrored_two_sessions)
{
	json_t *o;

	seed2_paths();
	seed2_both(40000, 8961, 8460, 8961);
	EXPECT("mss_exceeds_path_mtu", "mss_clamp_asymmetry");
	cr_assert_eq(iget(alert(0), "vni"), 4343, "B's session: B will send 9001 into 8500");
	o = alert(1);
	cr_assert_eq(iget(o, "vni"), 4242);
	cr_assert_str_eq(sget(o, "session"), "prod");
	cr_assert_str_eq(sget(o, "evidence_kind"), "two_sessions");
	cr_assert_str_eq(sget(o, "flow.src"), B);
	cr_assert_str_eq(sget(o, "sender"), B);
	cr_assert_str_eq(sget(o, "clamped_segment"), "synack");
	cr_assert_eq(iget(o, "mss_clamped_from"), 8961);
	cr_assert_eq(iget(o, "mss_clamped_to"), 8460);
	cr_assert_eq(iget(o, "mss_unclamped"), 8961);
	cr_assert_eq(iget(o, "effective_send_size"), 9001);
	cr_assert_eq(iget(o, "path_mtu"), 8500);
	cr_assert_str_eq(sget(o, "other_session"), "peer");
	cr_assert_eq(iget(o, "other_vni"), 4343);
	cr_assert_str_eq(
	    sget(o, "message"),
	    "MSS clamping on one path only: 198.18.2.2's SYN-ACK was rewritten from MSS "
	    "8961 to 8460 between the mirror points (sessions peer and prod), while "
	    "198.18.1.1's SYN MSS 8961 reached it unchanged; 198.18.2.2 may send "
	    "9001-byte packets towards 198.18.1.1, more than the 8500 bytes the clamp "
	    "implies for that path");
	cr_assert_eq(stats().alerts_suppressed, 0, "the path-MTU form stood aside");
}

Test(seed2, two_sessions_need_no_mtu_config)
{
	json_t *o;

	seed2_both(40000, 8961, 8460, 8961);
	EXPECT("mss_clamp_asymmetry");
	o = alert(0);
	cr_assert(is_null(o, "path_mtu"));
	cr_assert(is_null(o, "path_mtu_reverse"));
	/* The mirror image: only A's SYN is clamped, so A is the one at risk. */
	on(&sess, A);
	syn(A, 40001, B, 443, 8961);
	on(&sess2, B);
	syn(A, 40001, B, 443, 8460);
	synack(B, 443, A, 40001, 8961);
	on(&sess, A);
	synack(B, 443, A, 40001, 8961);
	EXPECT("mss_clamp_asymmetry", "mss_clamp_asymmetry");
	o = alert(1);
	cr_assert_eq(iget(o, "vni"), 4242);
	cr_assert_str_eq(sget(o, "sender"), A);
	cr_assert_str_eq(sget(o, "clamped_segment"), "syn");
	cr_assert_eq(iget(o, "mss_clamped_to"), 8460);
}

Test(seed2, two_sessions_fixed_or_symmetric_is_quiet)
{
	seed2_paths();
	seed2_both(40000, 8460, 8460, 8961); /* the fix: B's MTU is 8500 */
	seed2_both(40001, 8961, 8460, 8460); /* MSS clamped on both paths */
	seed2_both(40002, 8961, 8961, 8961); /* nothing clamped (and none needed here) */
	on(&sess, A);                        /* harmless: A's unclamped MSS is small */
	syn(A, 40003, B, 443, 1460);
	on(&sess2, B);
	syn(A, 40003, B, 443, 1460);
	synack(B, 443, A, 40003, 8961);
	on(&sess, A);
	synack(B, 443, A, 40003, 8460);
	cr_assert_eq(count("mss_clamp_asymmetry"), 0);
	/* Only port 40002 leaves B too big for 8500: seen on both sessions. */
	EXPECT("mss_exceeds_path_mtu", "mss_exceeds_path_mtu");
	cr_assert_eq(iget(alert(0), "vni"), 4343);
	cr_assert_eq(iget(alert(0), "flow.dport"), 40002);
	cr_assert_eq(iget(alert(1), "vni"), 4242);
	cr_assert_eq(iget(alert(1), "flow.dport"), 40002);
}

/* ------------------------------------------------------------------ */
/* icmp_ptb, ptb_ignored */

TestSuite(ptb, .init = setup, .fini = teardown);

#define ROUTER "198.18.0.1"

Test(ptb, pmtud_working_gives_icmp_ptb_only)
{
	json_t *o;

	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 9000);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 13961, 401, 9000);
	later(1);
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 5001, 9000);
	EXPECT("icmp_ptb");
	later(50); /* one more was already queued */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 22921, 401, 9000);
	/* The server resends in 1500-byte packets, and they are acknowledged. */
	for (uint32_t s = 5001; s < 5001 + 8 * 1460; s += 1460) {
		later(1);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, s, 401, 1500);
	}
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK, 401, 5001 + 8 * 1460, 0);
	EXPECT("icmp_ptb");
	o = alert(0);
	cr_assert_str_eq(sget(o, "severity"), "info");
	cr_assert_str_eq(sget(o, "direction"), "egress");
	cr_assert_str_eq(sget(o, "flow.proto"), "tcp");
	cr_assert_str_eq(sget(o, "flow.src"), SERVER);
	cr_assert_eq(iget(o, "flow.sport"), SPORT);
	cr_assert_str_eq(sget(o, "flow.dst"), CLIENT);
	cr_assert_eq(iget(o, "flow.dport"), CPORT);
	cr_assert_eq(iget(o, "mtu"), 1500);
	cr_assert_str_eq(sget(o, "reporter"), ROUTER);
	cr_assert_eq(iget(o, "quoted_ip_len"), 9000);
	cr_assert_eq(iget(o, "quoted_seq"), 5001);
	cr_assert(json_is_true(get(o, "flow_known")));
	cr_assert_str_eq(sget(o, "message"),
	                 "198.18.0.1 told 198.18.2.2 that its 9000-byte tcp packet to "
	                 "198.18.1.1:40000 does not fit the next hop (MTU 1500): PMTUD is working, "
	                 "smaller packets should follow");
	cr_assert_str_eq(sget(o, "advice"),
	                 "nothing to do if smaller packets now get through; to save the round tr"
	                 "ip, clamp TCP MSS to 1460 on the path towards 198.18.1.1, or set a per"
	                 "-route MTU on 198.18.2.2 (ip route change 198.18.1.1 mtu 1500)");
}

Test(ptb, ignored_and_no_blackhole)
{
	json_t *o;

	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(CLIENT, CPORT, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 9000);
	for (int i = 0; i < 4; i++) { /* a PTB for every copy; the host firewall eats them */
		later(1);
		ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 5001, 9000);
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 9000);
		if (i == 0)
			EXPECT("icmp_ptb");
	}
	EXPECT("icmp_ptb", "ptb_ignored");
	o = alert(1);
	cr_assert_str_eq(sget(o, "severity"), "warning");
	cr_assert_str_eq(sget(o, "flow.src"), SERVER);
	cr_assert_eq(iget(o, "ptb_mtu"), 1500);
	cr_assert_str_eq(sget(o, "ptb_ts"), "2026-11-23T08:56:11.325456Z");
	cr_assert_str_eq(sget(o, "ts"), "2026-11-23T08:56:11.725456Z");
	cr_assert_eq(iget(o, "ip_len"), 9000);
	cr_assert(json_is_true(get(o, "df")));
	cr_assert_eq(iget(o, "packets_after_ptb"), 2);
	cr_assert_not_null(strstr(sget(o, "advice"), "check the host firewall on 198.18.2.2 for "
	                                             "inbound ICMP type 3 code 4"));
	cr_assert_not_null(strstr(sget(o, "advice"), "net.ipv4.ip_no_pmtu_disc = 0"));
	cr_assert_eq(stats().alerts[ALERT_ICMP_PTB], 1);
	cr_assert_eq(stats().alerts_suppressed, 5, "3 more PTBs, 2 more oversized packets");
}

Test(ptb, in_flight_and_late_are_not_ignored)
{
	on(&sess, SERVER);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001, 401, 9000);
	later(1);
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 5001, 9000);
	for (int i = 1; i <= 5; i++) { /* the rest of the burst, within 100 ms */
		later(19);
		seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 5001 + (uint32_t)i * 8960, 401,
		    9000);
	}
	later(10001); /* PMTU cache expiry 10 min later would look like this */
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 60001, 401, 9000);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 68961, 401, 9000);
	EXPECT("icmp_ptb");
	later(1); /* a fresh PTB re-arms it; this one (100 ms late) alone is not enough */
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 60001, 9000);
	later(150);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 60001, 401, 9000);
	EXPECT("icmp_ptb");
	later(150);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK | TH_PSH, 60001, 401, 9000);
	EXPECT("icmp_ptb", "ptb_ignored");
}

Test(ptb, unknown_flow_ipv6)
{
	json_t *o;

	ptb("2001:db8::ff", B6, 1280, B6, 443, A6, 40000, 777, 1500);
	EXPECT("icmp_ptb");
	o = alert(0);
	cr_assert(json_is_false(get(o, "flow_known")));
	cr_assert_eq(iget(o, "mtu"), 1280);
	cr_assert_str_eq(sget(o, "reporter"), "2001:db8::ff");
	cr_assert_str_eq(sget(o, "flow.src"), B6);
	cr_assert_str_eq(sget(o, "flow.dst"), A6);
	cr_assert_eq(iget(o, "quoted_seq"), 777);
	cr_assert_not_null(strstr(sget(o, "advice"), "clamp TCP MSS to 1220"));
	/* The flow was created for it, so what follows is measured against it. */
	for (int i = 0; i < 2; i++) {
		later(150);
		seg(B6, 443, A6, 40000, TH_ACK, 777, 1, 1500);
	}
	EXPECT("icmp_ptb", "ptb_ignored");
	cr_assert_not_null(strstr(sget(alert(1), "advice"), "inbound ICMPv6 type 2"));
	cr_assert_null(strstr(sget(alert(1), "advice"), "ip_no_pmtu_disc"));
	cr_assert_eq(stats().flows_active, 1);
}

Test(ptb, per_flow_and_side)
{
	on(&sess, NULL);
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 1, 9000);
	ptb("198.18.0.2", SERVER, 1400, SERVER, SPORT, CLIENT, CPORT, 1, 9000); /* deduped */
	ptb(ROUTER, CLIENT, 1500, CLIENT, CPORT, SERVER, SPORT, 1, 9000);       /* other side */
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT + 1, 1, 9000);   /* other flow */
	EXPECT("icmp_ptb", "icmp_ptb", "icmp_ptb");
	cr_assert_str_eq(sget(alert(1), "flow.src"), CLIENT);
	cr_assert_eq(iget(alert(2), "flow.dport"), CPORT + 1);
	cr_assert_eq(stats().alerts_suppressed, 1);
	/* The lower MTU of the second PTB is what ptb_ignored measures against. */
	later(200);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 1, 1, 1450);
	later(200);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 1, 1, 1450);
	EXPECT("icmp_ptb", "icmp_ptb", "icmp_ptb", "ptb_ignored");
	cr_assert_eq(iget(alert(3), "ptb_mtu"), 1400);
}

Test(ptb, no_mtu_in_the_ptb_is_null)
{
	static uint8_t orig[1600];
	struct icmp_echo_spec e = {.ip = {.src = B, .dst = A, .df = true, .ip_len = 1400}, .id = 9};
	size_t n = frame_icmp_echo(orig, sizeof(orig), &e);

	on(&sess, B);
	/* a pre-RFC 1191 router: frag-needed with a next-hop MTU of 0 */
	feed(fbuf, frame_icmp_ptb(fbuf, sizeof(fbuf),
	                          &(struct ptb_spec){.ip = {.src = ROUTER, .dst = B},
	                                             .mtu = 0,
	                                             .orig = orig,
	                                             .orig_len = n}));
	EXPECT("icmp_ptb");
	cr_assert(is_null(alert(0), "mtu"));
	cr_assert_eq(iget(alert(0), "quoted_ip_len"), 1400);
}

Test(ptb, quoting_a_ping)
{
	static uint8_t orig[1600];
	struct icmp_echo_spec e = {.ip = {.src = B, .dst = A, .df = true, .ip_len = 8028}, .id = 9};
	size_t n;

	on(&sess, B);
	feed(fbuf, frame_icmp_echo(fbuf, sizeof(fbuf), &e)); /* ping -M do -s 8000 */
	n = frame_icmp_echo(orig, sizeof(orig), &e);
	later(1);
	feed(fbuf, frame_icmp_ptb(fbuf, sizeof(fbuf),
	                          &(struct ptb_spec){.ip = {.src = ROUTER, .dst = B},
	                                             .mtu = 1500,
	                                             .orig = orig,
	                                             .orig_len = n}));
	for (uint16_t i = 1; i <= 2; i++) {
		later(1000);
		e.seq = i;
		feed(fbuf, frame_icmp_echo(fbuf, sizeof(fbuf), &e));
	}
	EXPECT("icmp_ptb", "ptb_ignored");
	cr_assert_str_eq(sget(alert(0), "flow.proto"), "icmp");
	cr_assert(is_null(alert(0), "flow.sport"));
	cr_assert(is_null(alert(0), "quoted_seq"));
	cr_assert_str_eq(sget(alert(1), "flow.proto"), "icmp");
	cr_assert_eq(iget(alert(1), "ip_len"), 8028);
}

/* ------------------------------------------------------------------ */
/* fragmented */

TestSuite(frag, .init = setup, .fini = teardown);

static void frag_udp(const char *src, const char *dst, uint16_t id, uint16_t off, bool mf)
{
	feed_udp(
	    &(struct udp_spec){.ip = {.src = src, .dst = dst, .mf = mf, .id = id, .frag_off = off},
	                       .sport = 5000,
	                       .dport = 6000,
	                       .payload_len = 1472});
}

Test(frag, once_per_interval_per_session)
{
	json_t *o;

	frag_udp(B, A, 7, 0, true);
	EXPECT("fragmented");
	o = alert(0);
	cr_assert_str_eq(sget(o, "severity"), "info");
	cr_assert_eq(iget(o, "fragments"), 1);
	cr_assert_eq(iget(o, "ip_id"), 7);
	cr_assert_eq(iget(o, "frag_off"), 0);
	cr_assert(json_is_true(get(o, "mf")));
	cr_assert_eq(iget(o, "interval_s"), 60);
	cr_assert_str_eq(sget(o, "flow.proto"), "udp");
	cr_assert_eq(iget(o, "flow.sport"), 5000);
	cr_assert_str_eq(sget(o, "message"),
	                 "1 IP fragment seen on session prod, e.g. 198.18.2.2 -> "
	                 "198.18.1.1 udp id 7 offset 0: a packet without DF was bigger than a link "
	                 "on its path");
	later(1000);
	frag_udp(B, A, 7, 1480, false);
	later(30000);
	frag_udp(A6, B6, 8, 0, true);
	later(28999); /* 59.999 s after the alert */
	frag_udp(B, A, 9, 0, true);
	EXPECT("fragmented");
	on(&sess2, NULL); /* another session has its own interval */
	frag_udp(B, A, 10, 0, true);
	EXPECT("fragmented", "fragmented");
	cr_assert_eq(iget(alert(1), "vni"), 4343);
	cr_assert_eq(iget(alert(1), "fragments"), 1);
	on(&sess, NULL);
	later(1);
	frag_udp(B, A, 11, 2960, false);
	EXPECT("fragmented", "fragmented", "fragmented");
	o = alert(2);
	cr_assert_eq(iget(o, "fragments"), 4);
	cr_assert_eq(iget(o, "ip_id"), 11);
	cr_assert_eq(iget(o, "frag_off"), 2960);
	cr_assert(is_null(o, "mf"));
	cr_assert(is_null(o, "flow.sport"), "a later fragment has no ports");
	cr_assert(strncmp(sget(o, "message"),
	                  "4 IP fragments seen on session prod since the last alert, e.g. ",
	                  63) == 0,
	          "%s", sget(o, "message"));
	cr_assert_eq(stats().alerts[ALERT_FRAGMENTED], 3);
}

Test(frag, many_sessions)
{
	for (uint32_t v = 1; v <= 100; v++) {
		sess.vni = v;
		frag_udp(B, A, (uint16_t)v, 0, true);
	}
	cr_assert_eq(nalerts(), 100);
	frag_udp(B, A, 1, 1480, false); /* VNI 100 again, within its interval */
	cr_assert_eq(nalerts(), 100);
}

/* ------------------------------------------------------------------ */
/* healthy flows */

TestSuite(healthy, .init = setup, .fini = teardown);

/* jumbo_exchange: both sides send `n` full 9001-byte segments each way, all acknowledged. */
static void jumbo_exchange(uint16_t port, int n)
{
	uint32_t a = 101, b = 5001;

	handshake(A, port, 8961, B, 443, 8961);
	for (int i = 0; i < n; i++) {
		later(1);
		seg(A, port, B, 443, TH_ACK, a, b, 9001);
		a += 8961;
		seg(B, 443, A, port, TH_ACK, b, a, 9001);
		b += 8961;
		seg(A, port, B, 443, TH_ACK, a, b, 0);
	}
}

Test(healthy, jumbo_on_a_9001_path)
{
	sess.path_mtu = 9001;
	on(&sess, B);
	jumbo_exchange(40000, 20);
	on(&sess, NULL);
	jumbo_exchange(40001, 20);
	sess.path_mtu = 0; /* nothing configured at all */
	jumbo_exchange(40002, 20);
	expect(NONE);
	cr_assert_eq(stats().alerts_suppressed, 0);
}

/* ------------------------------------------------------------------ */
/* alert_type_name */

/* ------------------------------------------------------------------ */
/* the path-MTU map (pathmap.c) and what the analyzer does with it */

static struct addr paddr(const char *s)
{
	struct addr a;

	cr_assert_eq(addr_parse(s, &a), 0, "%s", s);
	return a;
}

TestSuite(pathmap);

Test(pathmap, bounded_lru_and_counted)
{
	struct path_table *t = path_table_new(2);
	struct addr a = paddr("198.18.1.1"), b = paddr("198.18.1.2"), c = paddr("198.18.1.3");
	struct path_table_stats st;

	path_passed(path_get(t, 7, &a, 1), 1500, true, 1);
	path_passed(path_get(t, 7, &b, 2), 9000, true, 2);
	path_get(t, 7, &a, 3); /* a is the most recent now */
	path_get(t, 7, &c, 4); /* full: b, the least recent, goes */
	cr_assert_not_null(path_lookup(t, 7, &a));
	cr_assert_null(path_lookup(t, 7, &b));
	cr_assert_not_null(path_lookup(t, 7, &c));
	cr_assert_null(path_lookup(t, 8, &a), "keyed by VNI too");
	cr_assert_eq(path_lookup(t, 7, &a)->passed_max, 1500);
	cr_assert_eq(path_lookup(t, 7, &c)->passed_max, 0, "a recycled entry starts empty");
	path_table_get_stats(t, &st);
	cr_assert_eq(st.active, 2);
	cr_assert_eq(st.evicted, 1);
	path_table_free(t);
}

Test(pathmap, impossible_ptb_values_are_ignored_and_counted)
{
	struct path_table *t = path_table_new(8);
	struct addr v4 = paddr("198.18.1.1"), v6 = paddr("2001:db8::1");
	struct path_rec *r4 = path_get(t, 1, &v4, 1), *r6 = path_get(t, 1, &v6, 1);
	struct path_table_stats st;

	cr_assert(!path_ptb(t, r4, 67, 9000, true, 1));   /* below IPv4's 68 */
	cr_assert(!path_ptb(t, r4, 9000, 9000, true, 1)); /* not smaller than the packet */
	cr_assert(!path_ptb(t, r6, 1279, 9000, true, 1)); /* below IPv6's 1280 */
	cr_assert_eq(r4->ptb_mtu, 0);
	cr_assert_eq(r6->ptb_mtu, 0);
	cr_assert_eq(r4->flows, 0, "an ignored PTB is no evidence");
	cr_assert(path_ptb(t, r4, 1500, 9000, true, 2));
	cr_assert(path_ptb(t, r4, 8500, 9000, false, 3));
	cr_assert_eq(r4->ptb_mtu, 1500, "the smallest plausible MTU");
	cr_assert(path_ptb(t, r6, 1280, 1500, true, 2));
	cr_assert_eq(r6->ptb_mtu, 1280);
	path_table_get_stats(t, &st);
	cr_assert_eq(st.ptb_impossible, 3);
	path_table_free(t);
}

Test(pathmap, merge_across_workers)
{
	struct addr a = paddr("198.18.1.1"), b = paddr("198.18.1.2");
	struct path_rec v[4] = {
	    {.vni = 7, .dst = b, .passed_max = 1400, .flows = 1, .first_ns = 5, .last_ns = 6},
	    {.vni = 7,
	     .dst = a,
	     .passed_max = 8500,
	     .failed_min = 9001,
	     .flows = 2,
	     .first_ns = 3,
	     .last_ns = 9},
	    {.vni = 7,
	     .dst = a,
	     .passed_max = 1500,
	     .ptb_mtu = 8500,
	     .flows = 3,
	     .first_ns = 1,
	     .last_ns = 4},
	    {.vni = 7, .dst = a, .failed_min = 9000, .flows = 1, .first_ns = 2, .last_ns = 2},
	};
	size_t n = path_recs_merge(v, 4);

	cr_assert_eq(n, 2);
	cr_assert(addr_eq(&v[0].dst, &a), "sorted by destination");
	cr_assert_eq(v[0].passed_max, 8500, "the max");
	cr_assert_eq(v[0].failed_min, 9000, "the min of those known");
	cr_assert_eq(v[0].ptb_mtu, 8500, "one worker's PTB is not lost to the others' none");
	cr_assert_eq(v[0].flows, 6, "the sum");
	cr_assert_eq(v[0].first_ns, 1);
	cr_assert_eq(v[0].last_ns, 9);
	cr_assert_eq(v[1].passed_max, 1400);
	cr_assert_eq(v[1].flows, 1);
}

Test(pathmap, bounds)
{
	struct path_rec r = {.passed_max = 1400, .failed_min = 9000};
	uint32_t lo, hi, exact;

	path_bounds(&r, &lo, &hi, &exact);
	cr_assert_eq(lo, 1400);
	cr_assert_eq(hi, 8999);
	cr_assert_eq(exact, 0, "only bounded");
	r.ptb_mtu = 8500;
	path_bounds(&r, &lo, &hi, &exact);
	cr_assert_eq(hi, 8500);
	cr_assert_eq(exact, 8500, "a PTB says it");
	r = (struct path_rec){.passed_max = 0};
	path_bounds(&r, &lo, &hi, &exact);
	cr_assert_eq(lo + hi + exact, 0, "nothing known");
}

TestSuite(mismatch, .init = setup, .fini = teardown);

/* acked: a handshake (MSS mss both ways), then a DF segment of ip_len bytes
 * from SERVER that CLIENT acknowledges (client port cport). */
static void acked_mss(uint16_t cport, uint32_t ip_len, uint16_t mss)
{
	on(&sess, SERVER);
	handshake(CLIENT, cport, mss, SERVER, SPORT, mss);
	seg(SERVER, SPORT, CLIENT, cport, TH_ACK, 5001, 101, ip_len);
	seg(CLIENT, cport, SERVER, SPORT, TH_ACK, 101, 5001 + ip_len - 40, 0);
}

static void acked(uint16_t cport, uint32_t ip_len)
{
	acked_mss(cport, ip_len, 8960);
}

Test(mismatch, too_low_once_and_then_the_config_is_not_trusted)
{
	json_t *o;

	add_route("198.18.1.0/24", 1500);
	acked(40001, 8500);
	EXPECT("mss_exceeds_path_mtu", "oversize_df", "path_mtu_mismatch");
	o = alert(2);
	cr_assert_str_eq(sget(o, "severity"), "warning");
	cr_assert_str_eq(sget(o, "kind"), "too_low");
	cr_assert_str_eq(sget(o, "evidence_kind"), "acknowledged");
	cr_assert_eq(iget(o, "path_mtu"), 1500);
	cr_assert_str_eq(sget(o, "path_mtu_source"), "route 198.18.1.0/24");
	cr_assert_eq(iget(o, "observed"), 8500);
	cr_assert_eq(iget(o, "path_mtu_min"), 8500);
	cr_assert_str_eq(sget(o, "flow.src"), SERVER);
	cr_assert_str_eq(sget(o, "flow.dst"), CLIENT);
	/* A second connection to the same client: the contradicted route
	 * raises neither mss_exceeds_path_mtu nor oversize_df, nor a second
	 * mismatch. */
	acked(40002, 8500);
	cr_assert_eq(nalerts(), 3);
}

Test(mismatch, a_size_the_config_allows_proves_nothing)
{
	add_route("198.18.1.0/24", 1500);
	acked_mss(40001, 1400, 1460);
	cr_assert_eq(nalerts(), 0);
}

Test(mismatch, too_high_from_a_ptb)
{
	json_t *o;

	sess.path_mtu = 9001;
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 8960, SERVER, SPORT, 8960);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 101, 9000);
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 5001, 9000);
	EXPECT("icmp_ptb", "path_mtu_mismatch");
	o = alert(1);
	cr_assert_str_eq(sget(o, "kind"), "too_high");
	cr_assert_str_eq(sget(o, "evidence_kind"), "ptb");
	cr_assert_eq(iget(o, "ptb_mtu"), 1500);
	cr_assert_eq(iget(o, "suggested_mtu"), 1500);
	cr_assert_not_null(strstr(sget(o, "advice"), "ip route change 198.18.1.1 mtu 1500"));
}

Test(mismatch, a_ptb_at_the_configured_mtu_agrees)
{
	sess.path_mtu = 1500;
	on(&sess, SERVER);
	handshake(CLIENT, CPORT, 1460, SERVER, SPORT, 1460);
	seg(SERVER, SPORT, CLIENT, CPORT, TH_ACK, 5001, 101, 1500);
	ptb(ROUTER, SERVER, 1500, SERVER, SPORT, CLIENT, CPORT, 5001, 9000);
	EXPECT("icmp_ptb");
}

Test(mismatch, another_flow_delivered_the_size_so_it_is_loss)
{
	/* Connection 1 gets 9000 bytes through to the client; connection 2's
	 * 9000-byte segment is then lost three times: loss, not size. */
	acked(40001, 9000);
	handshake(CLIENT, 40002, 8960, SERVER, SPORT, 8960);
	seg(CLIENT, 40002, SERVER, SPORT, TH_ACK | TH_PSH, 101, 5001, 340);
	seg(SERVER, SPORT, CLIENT, 40002, TH_ACK, 5001, 401, 9000);
	for (int i = 0; i < 3; i++) {
		later(200L << i);
		seg(SERVER, SPORT, CLIENT, 40002, TH_ACK, 5001, 401, 9000);
	}
	cr_assert_eq(nalerts(), 0, "%zu alerts: %s", nalerts(),
	             nalerts() ? json_dumps(alert(0), 0) : "");
}

Test(mismatch, udp_over_a_path_known_to_fail)
{
	json_t *o;

	/* Zero-config.  A TCP black hole at 5154 towards the client ... */
	seed1(3);
	EXPECT("pmtud_blackhole");
	/* ... then UDP: 1400-byte DF datagrams pass, 5154-byte ones will not. */
	feed_udp(
	    &(struct udp_spec){.ip = {.src = SERVER, .dst = CLIENT, .df = true, .ip_len = 1400},
	                       .sport = 5000,
	                       .dport = 5001});
	EXPECT("pmtud_blackhole");
	feed_udp(
	    &(struct udp_spec){.ip = {.src = SERVER, .dst = CLIENT, .df = true, .ip_len = 5154},
	                       .sport = 5000,
	                       .dport = 5001});
	EXPECT("pmtud_blackhole", "oversize_df");
	o = alert(1);
	cr_assert_str_eq(sget(o, "basis"), "observed");
	cr_assert_str_eq(sget(o, "flow.proto"), "udp");
	cr_assert_eq(iget(o, "path_mtu"), 5153);
	cr_assert_not_null(
	    strstr(sget(o, "message"), "known to drop packets of 5154 bytes or more"));
}

Test(names, all_types)
{
	static const char *want[ALERT__MAX] = {
	    "oversize_df",   "mss_exceeds_path_mtu", "mss_clamp_asymmetry", "pmtud_blackhole",
	    "icmp_ptb",      "ptb_ignored",          "fragmented",          "path_mtu_mismatch",
	    "session_silent"};

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
