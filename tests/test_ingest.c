/*
 * test_ingest.c - the live ingest of the real daemon: several workers with
 * symmetric flow steering, GENEVE (GWLB) delivery, and SIGHUP reload.
 */
#include <criterion/criterion.h>
#include <glob.h>

#include "daemon_harness.h"
#include "frames.h"
#include "vxmirror/steer.h"

/* send_from: one UDP datagram from 127.0.0.10:sport (0 = any) to 127.0.0.1:port. */
static void send_from(uint16_t sport, uint16_t port, const uint8_t *p, size_t len)
{
	struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET};
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	from.sin_addr.s_addr = htonl(0x7f00000a); /* 127.0.0.10: the "mirrored ENI" */
	from.sin_port = htons(sport);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	cr_assert_eq(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0, "bind: %s",
	             strerror(errno));
	cr_assert_eq(sendto(fd, p, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	close(fd);
}

/* vx_tcp: a VXLAN datagram carrying one TCP segment; returns its length. */
static size_t vx_tcp(uint8_t *out, size_t cap, uint32_t vni, const char *src, const char *dst,
                     uint16_t sport, uint16_t dport, uint8_t flags, uint16_t mss)
{
	uint8_t f[256];
	size_t n = frame_tcp(f, sizeof(f),
	                     &(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true},
	                                        .sport = sport,
	                                        .dport = dport,
	                                        .flags = flags,
	                                        .seq = 1,
	                                        .ack = 1,
	                                        .mss = mss});

	cr_assert(n > 0);
	return frame_vxlan(out, cap, vni, f, n);
}

#define NFLOWS 120

Test(ingest, workers_keep_both_directions_together, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port();
	uint8_t d[512];
	char a[32], b[32];
	long long total = 0;

	h_init(&h,
	       "listen: [\"127.0.0.1:%u\"]\nworkers: 4\npcap_dir: pcap\nalert_log: alerts.json\n"
	       "http: {listen: off}\nsessions: [{name: s, vni: 7}]\n",
	       port);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	for (int i = 0; i < NFLOWS; i++) {
		snprintf(a, sizeof(a), "198.18.%d.%d", 1 + i / 200, 1 + i % 200);
		snprintf(b, sizeof(b), "198.19.%d.%d", 1 + i / 100, 1 + (i * 7) % 250);
		/* AWS: the outer source port hashes the directional 5-tuple, so the
		 * two directions arrive from different outer ports */
		size_t n = vx_tcp(d, sizeof(d), 7, a, b, (uint16_t)(10000 + i), 443, TH_ACK, 0);
		send_from((uint16_t)(40000 + 2 * i), port, d, n);
		n = vx_tcp(d, sizeof(d), 7, b, a, 443, (uint16_t)(10000 + i), TH_ACK, 0);
		send_from((uint16_t)(40001 + 2 * i), port, d, n);
	}
	usleep(300 * 1000);
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	cr_assert_eq(h_counter(&h, "summary: datagrams=", "delivered"), 2 * NFLOWS);
	/* one flow entry per connection: no flow was split across workers */
	cr_assert_eq(h_counter(&h, "summary: flows_created=", "flows_created"), NFLOWS, "%s",
	             h_slurp(h.err));
	for (int w = 0; w < 4; w++) {
		char key[32];
		snprintf(key, sizeof(key), "summary: worker=%d ", w);
		long long n = h_counter(&h, key, "datagrams");
		cr_assert(n > 0, "worker %d received nothing: steering does not spread", w);
		total += n;
	}
	cr_assert_eq(total, 2 * NFLOWS);
	h_rm_rf(h.dir);
}

/* vx_ptb: a VXLAN datagram carrying an ICMP frag-needed / ICMPv6 packet-too-big
 * from `router` to `src`, quoting src -> dst's 1500-byte TCP segment. */
static size_t vx_ptb(uint8_t *out, size_t cap, uint32_t vni, const char *router, const char *src,
                     const char *dst, uint16_t sport, uint16_t dport)
{
	uint8_t orig[1600], f[1700];
	size_t n =
	    frame_tcp(orig, sizeof(orig),
	              &(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true, .ip_len = 1500},
	                                 .sport = sport,
	                                 .dport = dport,
	                                 .flags = TH_ACK,
	                                 .seq = 1,
	                                 .ack = 1});
	size_t m = frame_icmp_ptb(f, sizeof(f),
	                          &(struct ptb_spec){.ip = {.src = router, .dst = src},
	                                             .mtu = strchr(src, ':') ? 1280 : 1400,
	                                             .orig = orig,
	                                             .orig_len = n});

	cr_assert(n > 0 && m > 0);
	return frame_vxlan(out, cap, vni, f, m);
}

#define NPTB 24

Test(ingest, icmp_errors_reach_the_worker_of_the_flow_they_quote, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port();
	uint8_t d[2048], q[2048];
	char a[64], b[64], path[600];
	json_t *all, *o;
	size_t i, known = 0, ptbs = 0;

	h_init(&h,
	       "listen: [\"127.0.0.1:%u\"]\nworkers: 4\npcap_dir: pcap\nalert_log: alerts.json\n"
	       "http: {listen: off}\nsessions: [{name: s, vni: 7}]\n",
	       port);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	for (int k = 0; k < NPTB; k++) {
		bool v6 = k % 3 == 2;
		const char *router = v6 ? "2001:db8:ff::1" : "198.19.255.1";
		size_t n, m;

		if (v6) {
			snprintf(a, sizeof(a), "2001:db8:1::%x", k + 1);
			snprintf(b, sizeof(b), "2001:db8:2::%x", 7 * k + 3);
		} else {
			snprintf(a, sizeof(a), "198.18.3.%d", k + 1);
			snprintf(b, sizeof(b), "198.18.4.%d", 7 * k + 3);
		}
		/* the flow (both directions), then a router's PTB to its sender a */
		n = vx_tcp(d, sizeof(d), 7, a, b, (uint16_t)(20000 + k), 443, TH_ACK, 0);
		send_from((uint16_t)(41000 + 3 * k), port, d, n);
		n = vx_tcp(d, sizeof(d), 7, b, a, 443, (uint16_t)(20000 + k), TH_ACK, 0);
		send_from((uint16_t)(41001 + 3 * k), port, d, n);
		m = vx_ptb(q, sizeof(q), 7, router, a, b, (uint16_t)(20000 + k), 443);
		/* the same choice in C: the PTB goes where its flow goes */
		cr_assert_eq(steer_pick(q, m, 4), steer_pick(d, n, 4), "flow %d", k);
		usleep(2000); /* the flow first, as on the wire */
		send_from((uint16_t)(41002 + 3 * k), port, q, m);
	}
	usleep(300 * 1000);
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	snprintf(path, sizeof(path), "%s/alerts.json", h.dir);
	all = h_alerts(path);
	cr_assert_not_null(all);
	json_array_foreach(all, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "type")), "icmp_ptb") != 0)
			continue;
		ptbs++;
		known += json_is_true(json_object_get(o, "flow_known"));
	}
	cr_assert_eq(ptbs, NPTB, "%s", h_slurp(path));
	cr_assert_eq(known, NPTB, "PTBs on another worker than their flow: %s", h_slurp(path));
	json_decref(all);
	h_rm_rf(h.dir);
}

/* vx_seg: a VXLAN datagram carrying one DF TCP segment of ip_len bytes. */
static size_t vx_seg(uint8_t *out, size_t cap, uint32_t vni, const char *src, const char *dst,
                     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint32_t ip_len)
{
	static uint8_t f[9100];
	size_t n = frame_tcp(
	    f, sizeof(f),
	    &(struct tcp_spec){.ip = {.src = src, .dst = dst, .df = true, .ip_len = ip_len},
	                       .sport = sport,
	                       .dport = dport,
	                       .flags = TH_ACK,
	                       .seq = seq,
	                       .ack = ack});

	cr_assert(n > 0);
	return frame_vxlan(out, cap, vni, f, n);
}

Test(ingest, path_map_live_get_paths_and_paths_log, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port(), hport = h_free_port();
	static uint8_t d[9300];
	char path[600];
	struct response r;
	json_t *a, *o;
	size_t n;
	char *log;

	h_init(&h,
	       "listen: [\"127.0.0.1:%u\"]\nworkers: 2\npcap_dir: pcap\nalert_log: alerts.json\n"
	       "http: {listen: \"127.0.0.1:%u\"}\npaths_log: paths.json\npaths_interval: 1s\n"
	       "sessions: [{name: s, vni: 7, routes: [{prefix: 198.18.5.0/24, mtu: 1500}]}]\n",
	       port, hport);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	/* 198.18.6.2 sends 8500 bytes to 198.18.5.1, which acknowledges them:
	 * the route's 1500 is contradicted. */
	n = vx_seg(d, sizeof(d), 7, "198.18.6.2", "198.18.5.1", 443, 40000, 1000, 1, 8500);
	send_from(42000, port, d, n);
	n = vx_seg(d, sizeof(d), 7, "198.18.5.1", "198.18.6.2", 40000, 443, 1, 1000 + 8460, 0);
	send_from(42001, port, d, n);
	usleep(2500 * 1000); /* a worker tick publishes, a paths_log interval passes */
	cr_assert_eq(http_get(hport, "/paths?session=s", &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	a = json_loads(r.body, 0, NULL);
	cr_assert(json_is_array(a), "%s", r.body);
	o = NULL;
	for (size_t i = 0; i < json_array_size(a); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(a, i), "dst")),
		           "198.18.5.1") == 0)
			o = json_array_get(a, i);
	cr_assert_not_null(o, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(o, "passed_max")), 8500);
	cr_assert_eq(json_integer_value(json_object_get(o, "configured_mtu")), 1500);
	cr_assert_str_eq(json_string_value(json_object_get(o, "config_contradicted")), "too_low");
	json_decref(a);
	cr_assert_eq(http_get(hport, "/paths?session=nope", &r), 0);
	cr_assert_str_eq(r.body, "[]");
	/* the alert is counted on its session */
	cr_assert_eq(http_get(hport, "/metrics", &r), 0);
	cr_assert_not_null(
	    strstr(r.body,
	           "vxmirror_alerts_total{session=\"s\",vni=\"7\",type=\"path_mtu_mismatch\"} 1\n"),
	    "%.2000s", r.body);
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	snprintf(path, sizeof(path), "%s/paths.json", h.dir);
	log = h_slurp(path);
	cr_assert_not_null(log, "no paths_log written");
	cr_assert_not_null(strstr(log, "\"dst\":\"198.18.5.1\",\"passed_max\":8500"), "%s", log);
	free(log);
	snprintf(path, sizeof(path), "%s/alerts.json", h.dir);
	log = h_slurp(path);
	cr_assert_not_null(strstr(log, "\"type\":\"path_mtu_mismatch\""), "%s", log);
	free(log);
	h_rm_rf(h.dir);
}

Test(ingest, unknown_vni_drop_takes_no_shared_lock_per_packet, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port();
	uint8_t d[512];
	long long lookups = 0, unknown;

	h_init(&h,
	       "listen: [\"127.0.0.1:%u\"]\nworkers: 2\npcap_dir: pcap\nalert_log: alerts.json\n"
	       "http: {listen: off}\nunknown_vni: drop\nsessions: [{name: s, vni: 7}]\n",
	       port);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	for (int i = 0; i < 300; i++) {
		size_t n = vx_tcp(d, sizeof(d), i % 3 == 0 ? 7 : 999, "198.18.7.1", "198.18.7.2",
		                  (uint16_t)(1000 + i), 80, TH_ACK, 0);
		send_from((uint16_t)(43000 + i), port, d, n);
	}
	usleep(300 * 1000);
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	unknown = h_counter(&h, "summary: datagrams=", "unknown_vni");
	cr_assert_eq(unknown, 200, "%lld datagrams of the unknown VNI counted", unknown);
	for (int w = 0; w < 2; w++) {
		char key[32];
		snprintf(key, sizeof(key), "summary: worker=%d ", w);
		lookups += h_counter(&h, key, "session_lookups");
	}
	/* at most one lookup per worker and VNI: the miss is cached too */
	cr_assert_leq(lookups, 4, "%lld lookups in the shared session table for 300 datagrams",
	              lookups);
	h_rm_rf(h.dir);
}

Test(ingest, steer_pick_is_symmetric)
{
	uint8_t x[512], y[512];
	size_t nx = vx_tcp(x, sizeof(x), 1, "198.18.0.1", "198.18.9.9", 1, 2, TH_ACK, 0);
	size_t ny = vx_tcp(y, sizeof(y), 1, "198.18.9.9", "198.18.0.1", 2, 1, TH_ACK, 0);
	uint8_t u[512];
	size_t nu;

	cr_assert_eq(steer_pick(x, nx, 4), steer_pick(y, ny, 4));
	cr_assert(steer_pick(x, nx, 4) >= 0);
	nu = frame_udp(u, sizeof(u),
	               &(struct udp_spec){.ip = {.src = "2001:db8::1", .dst = "2001:db8::2"},
	                                  .sport = 1,
	                                  .dport = 2,
	                                  .payload_len = 4});
	nx = frame_vxlan(x, sizeof(x), 1, u, nu);
	nu = frame_udp(u, sizeof(u),
	               &(struct udp_spec){.ip = {.src = "2001:db8::2", .dst = "2001:db8::1"},
	                                  .sport = 2,
	                                  .dport = 1,
	                                  .payload_len = 4});
	ny = frame_vxlan(y, sizeof(y), 1, u, nu);
	cr_assert_eq(steer_pick(x, nx, 3), steer_pick(y, ny, 3));
	cr_assert_eq(steer_pick(x, 20, 3), -1); /* too short: the kernel's own hash */
}

/* geneve: GENEVE (proto 0x0800, one 4-byte option) + IPv4/UDP 4789 + `vx`. */
static size_t geneve(uint8_t *out, size_t cap, const uint8_t *vx, size_t vxlen)
{
	uint8_t outer[1024];
	size_t n = frame_udp(outer, sizeof(outer),
	                     &(struct udp_spec){.ip = {.src = "198.18.0.10", .dst = "198.18.0.20"},
	                                        .sport = 33333,
	                                        .dport = 4789,
	                                        .payload_len = (uint32_t)vxlen,
	                                        .payload = vx});

	cr_assert(n > 14 && 12 + n - 14 <= cap);
	memset(out, 0, 12);
	out[0] = 0x01; /* version 0, option length 1 word */
	out[2] = 0x08; /* protocol type 0x0800: an IPv4 packet */
	out[3] = 0x00;
	memcpy(out + 12, outer + 14, n - 14); /* drop the Ethernet header */
	return 12 + n - 14;
}

Test(ingest, geneve_from_gwlb, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port(), gport = h_free_port();
	uint8_t vx[512], g[1024];
	size_t n;

	h_init(&h,
	       "listen: [\"127.0.0.1:%u\"]\ngeneve_listen: [\"127.0.0.1:%u\"]\n"
	       "allowed_sources: [198.18.0.10]\npcap_dir: pcap\nalert_log: alerts.json\n"
	       "http: {listen: off}\nunknown_vni: drop\nsessions: [{name: gw, vni: 55}]\n",
	       port, gport);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	n = vx_tcp(vx, sizeof(vx), 55, "198.18.5.1", "198.18.5.2", 1000, 80, TH_SYN, 8961);
	n = geneve(g, sizeof(g), vx, n);
	send_from(0, gport, g, n);
	g[0] = 0x80; /* version 2: not GENEVE we know */
	send_from(0, gport, g, n);
	usleep(300 * 1000);
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	/* the ENI inside (198.18.0.10) is what allowed_sources checks */
	cr_assert_eq(h_counter(&h, "summary: datagrams=", "not_allowed"), 0);
	cr_assert_eq(h_counter(&h, "summary: datagrams=", "bad_geneve"), 1);
	cr_assert_eq(h_counter(&h, "summary: session=gw ", "packets"), 1);
	cr_assert_eq(h_counter(&h, "summary: session=gw ", "pcap_packets"), 1);
	h_rm_rf(h.dir);
}

static const char *reload_conf1 =
    "listen: [\"127.0.0.1:%u\"]\npcap_dir: pcap\nalert_log: alerts.json\nhttp: {listen: off}\n"
    "unknown_vni: drop\n"
    "sessions:\n"
    "  - {name: web, vni: 100, routes: [{prefix: 198.18.2.0/24, mtu: 1500}]}\n"
    "  - {name: db, vni: 200}\n";
#define RELOAD_CONF2                                                                               \
	"listen: [\"127.0.0.1:%u\"]\npcap_dir: pcap\nalert_log: alerts.json\n"                     \
	"http: {listen: off}\nunknown_vni: drop\nsessions:\n"                                      \
	"  - {name: web, vni: 100, routes: [{prefix: 198.18.2.0/24, mtu: 1500}]}\n"                \
	"  - {name: cache, vni: 300}\n"

/* write_conf: replace the harness config (atomically, like an editor would). */
static void write_conf(struct harness *h, const char *text)
{
	char tmp[400];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", h->conf);
	f = fopen(tmp, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(rename(tmp, h->conf), 0);
}

Test(ingest, sighup_reload, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port();
	uint8_t d[512];
	char text[1024], path[400];
	json_t *al;
	size_t n;

	h_init(&h, reload_conf1, port);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	/* a SYN on web: the handshake is half done when the reload comes */
	n = vx_tcp(d, sizeof(d), 100, "198.18.1.1", "198.18.2.2", 40000, 443, TH_SYN, 8961);
	send_from(0, port, d, n);
	usleep(200 * 1000);

	/* 1. a broken file: logged with file:line, counted, old config kept */
	write_conf(&h, "sessions:\n  - {name: web, vni: 100}\n  - {name: x, vni: 100}\n");
	kill(h.pid, SIGHUP);
	cr_assert(h_wait_log(&h, "reload failed", 5000), "%s", h_slurp(h.err));
	cr_assert(h_wait_log(&h, "vxmirror.yaml:3:", 100), "no file:line: %s", h_slurp(h.err));

	/* 2. logrotate moved the alert log; db removed, cache added, web unchanged */
	snprintf(path, sizeof(path), "%s/alerts.json", h.dir);
	snprintf(text, sizeof(text), "%s/alerts.json.1", h.dir);
	cr_assert_eq(rename(path, text), 0);
	snprintf(text, sizeof(text), RELOAD_CONF2, port);
	write_conf(&h, text);
	kill(h.pid, SIGHUP);
	cr_assert(h_wait_log(&h, "reloaded", 5000), "%s", h_slurp(h.err));

	/* the SYN-ACK completes the handshake begun before the reload: the flow
	 * kept its state, so the MSS alert comes, into the reopened log */
	n = vx_tcp(d, sizeof(d), 100, "198.18.2.2", "198.18.1.1", 443, 40000, TH_SYN | TH_ACK,
	           8961);
	send_from(0, port, d, n);
	n = vx_tcp(d, sizeof(d), 300, "198.18.3.3", "198.18.4.4", 1, 2, TH_ACK, 0);
	send_from(0, port, d, n);
	n = vx_tcp(d, sizeof(d), 200, "198.18.3.3", "198.18.4.4", 1, 2, TH_ACK, 0);
	send_from(0, port, d, n);
	usleep(300 * 1000);
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));

	cr_assert_eq(h_counter(&h, "summary: reloads=", "reloads"), 1);
	cr_assert_eq(h_counter(&h, "summary: reloads=", "reload_errors"), 1);
	cr_assert_eq(h_counter(&h, "summary: session=cache ", "packets"), 1);
	cr_assert_eq(h_counter(&h, "summary: datagrams=", "unknown_vni"), 1); /* db's VNI */
	cr_assert_eq(h_counter(&h, "summary: session=db ", "retired"), 1);
	al = h_alerts(path);
	cr_assert_not_null(al);
	cr_assert_eq(json_array_size(al), 1, "alerts in the reopened log: %zu",
	             json_array_size(al));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(al, 0), "type")),
	                 "mss_exceeds_path_mtu");
	json_decref(al);
	h_rm_rf(h.dir);
}

/* --- expect_traffic: session_silent on the live daemon (issue 12) ---------- */

/* silent_lines: session_silent lines of session `sess` with `severity`; the
 * last one into *last (a new reference, or NULL). */
static int silent_lines(const char *path, const char *sess, const char *severity, json_t **last)
{
	json_t *arr = h_alerts(path), *o;
	size_t i;
	int n = 0;

	cr_assert_not_null(arr, "the alert log has a line that is not JSON");
	if (last != NULL)
		*last = NULL;
	json_array_foreach(arr, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "type")), "session_silent") != 0 ||
		    strcmp(json_string_value(json_object_get(o, "session")), sess) != 0 ||
		    strcmp(json_string_value(json_object_get(o, "severity")), severity) != 0)
			continue;
		n++;
		if (last != NULL) {
			json_decref(*last);
			*last = json_incref(o);
		}
	}
	json_decref(arr);
	return n;
}

/* send_session: one TCP segment of flow k on `vni`, from outer port 45000 + k
 * (different flows, so with several workers they land on several); returns
 * the worker the daemon's steering gives it, of `workers`. */
static int send_session(uint16_t port, uint32_t vni, int k, int workers)
{
	uint8_t d[512];
	char src[32];
	size_t n;

	snprintf(src, sizeof(src), "198.18.1.%d", 1 + k); /* steering hashes the addresses */
	n = vx_tcp(d, sizeof(d), vni, src, "198.18.2.2", (uint16_t)(20000 + k), 443, TH_ACK, 0);
	send_from((uint16_t)(45000 + k), port, d, n);
	return steer_pick(d, n, (uint32_t)workers);
}

/* metric_named: /metrics has a line that starts with `prefix`. */
static bool metric_named(uint16_t http, const char *prefix)
{
	static struct response r;
	char want[256];

	cr_assert_eq(http_get(http, "/metrics", &r), 0, "GET /metrics");
	snprintf(want, sizeof(want), "\n%s", prefix);
	return strstr(r.body, want) != NULL;
}

/* metric_has: /metrics holds the whole sample line `line` (name{labels} value). */
static bool metric_has(uint16_t http, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "%s\n", line);
	return metric_named(http, want);
}

/* frame_ts: the time of frame `frame` (1-based) of the pcap `path`, as an
 * alert's ts; "" when there is no such frame. */
static const char *frame_ts(const char *path, json_int_t frame, char *buf, size_t len)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, eb);
	struct pcap_pkthdr *ph;
	const u_char *d;
	struct tm tm;
	char base[32];

	buf[0] = '\0';
	cr_assert_not_null(pc, "%s: %s", path, eb);
	for (json_int_t i = 1; pcap_next_ex(pc, &ph, &d) == 1; i++) {
		if (i != frame)
			continue;
		time_t t = ph->ts.tv_sec;
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
		snprintf(buf, len, "%s.%06ldZ", base, (long)ph->ts.tv_usec);
		break;
	}
	pcap_close(pc);
	return buf;
}

/*
 * Sessions a, b and d expect traffic every 2 s, c expects nothing.  d never
 * gets any: one warning.  a and b get frames, then b stops: one warning for
 * b (none for a or c), the metrics say so; then b's frames come back from
 * several flows at once (several workers race to end the silence): one
 * info line, at a real pcap frame.
 */
static void silence_live(int workers)
{
	struct harness h;
	uint16_t port = h_free_port(), http = h_free_tcp_port();
	char alerts[400], file[512] = "", ts[40] = "", got[40];
	json_int_t frame = 0;
	json_t *o = NULL;
	struct timespec t0, t1;
	long long ms;
	unsigned seen = 0;
	int i;

	h_init(&h,
	       "listen: [\"127.0.0.1:%u\"]\nworkers: %d\npcap_dir: pcap\nalert_log: alerts.json\n"
	       "http: {listen: \"127.0.0.1:%u\"}\n"
	       "sessions:\n"
	       "  - {name: a, vni: 7, expect_traffic: 2s}\n"
	       "  - {name: b, vni: 8, expect_traffic: 2s}\n"
	       "  - {name: c, vni: 9}\n"
	       "  - {name: d, vni: 10, expect_traffic: 2s}\n",
	       port, workers, http);
	snprintf(alerts, sizeof(alerts), "%s/alerts.json", h.dir);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	for (i = 0; i < 10; i++) { /* 1 s: a and b both busy */
		send_session(port, 7, i % 8, workers);
		send_session(port, 8, i % 8, workers);
		usleep(100 * 1000);
	}
	/* b stops; a goes on.  The warning comes 2-3 s after b's last frame. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 60 && silent_lines(alerts, "b", "warning", NULL) == 0; i++) {
		send_session(port, 7, i % 8, workers);
		usleep(100 * 1000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(silent_lines(alerts, "b", "warning", &o), 1, "%s", h_slurp(alerts));
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cr_assert(ms >= 1800, "warned after %lld ms of silence, expect_traffic is 2 s", ms);
	cr_assert_eq(json_is_false(json_object_get(o, "resumed")), 1);
	cr_assert(json_is_null(json_object_get(o, "flow")) &&
	          json_is_null(json_object_get(o, "pcap")));
	cr_assert(json_integer_value(json_object_get(o, "silent_seconds")) >= 2);
	cr_assert_eq(json_integer_value(json_object_get(o, "expect_traffic")), 2);
	cr_assert(json_is_string(json_object_get(o, "last_packet")));
	cr_assert_str_eq(json_string_value(json_object_get(o, "incident")),
	                 "session_silent session b");
	json_decref(o);
	/* d never had a frame: silent since the daemon began watching it (its
	 * first once-a-second check, so up to a second after b) */
	for (i = 0; i < 30 && silent_lines(alerts, "d", "warning", NULL) == 0; i++) {
		send_session(port, 7, i % 8, workers);
		usleep(100 * 1000);
	}
	cr_assert_eq(silent_lines(alerts, "d", "warning", &o), 1, "%s", h_slurp(alerts));
	cr_assert(json_is_null(json_object_get(o, "last_packet")));
	cr_assert_not_null(strstr(json_string_value(json_object_get(o, "message")),
	                          "no packet since watching began at"));
	json_decref(o);
	cr_assert(metric_has(http, "vxmirror_session_silent{session=\"d\",vni=\"10\"} 1"));
	cr_assert(!metric_named(http, "vxmirror_session_last_packet_seconds{session=\"d\""));
	cr_assert(metric_has(http, "vxmirror_session_silent{session=\"b\",vni=\"8\"} 1"));
	cr_assert(metric_has(http, "vxmirror_session_silent{session=\"a\",vni=\"7\"} 0"));
	cr_assert(!metric_named(http, "vxmirror_session_silent{session=\"c\""));
	cr_assert(
	    metric_named(http, "vxmirror_session_last_packet_seconds{session=\"b\",vni=\"8\"} "));
	cr_assert(!metric_named(http, "vxmirror_session_last_packet_seconds{session=\"c\""));
	for (i = 0; i < 15; i++) { /* 1.5 s more: still one warning, a never */
		send_session(port, 7, i % 8, workers);
		usleep(100 * 1000);
	}
	cr_assert_eq(silent_lines(alerts, "b", "warning", NULL), 1, "once per silence");
	cr_assert_eq(silent_lines(alerts, "a", "warning", NULL), 0, "%s", h_slurp(alerts));
	cr_assert_eq(silent_lines(alerts, "c", "warning", NULL), 0, "c has no expect_traffic");

	for (i = 0; i < 8; i++) /* b is back, on 8 flows at once, on every worker */
		seen |= 1u << send_session(port, 8, i, workers);
	cr_assert_eq(seen, (1u << workers) - 1, "b's flows reach every worker (mask %#x)", seen);
	for (i = 0; i < 30 && silent_lines(alerts, "b", "info", NULL) == 0; i++)
		usleep(100 * 1000);
	cr_assert_eq(silent_lines(alerts, "b", "info", &o), 1, "%s", h_slurp(alerts));
	cr_assert_eq(json_is_true(json_object_get(o, "resumed")), 1);
	cr_assert(json_integer_value(json_object_get(o, "silent_seconds")) >= 2);
	cr_assert_str_eq(json_string_value(json_object_get(o, "mirror_source")), "127.0.0.10");
	snprintf(file, sizeof(file), "%s",
	         json_string_value(json_object_get(json_object_get(o, "pcap"), "file")));
	frame = json_integer_value(json_object_get(json_object_get(o, "pcap"), "frame"));
	snprintf(ts, sizeof(ts), "%s", json_string_value(json_object_get(o, "ts")));
	json_decref(o);
	cr_assert(metric_has(http, "vxmirror_session_silent{session=\"b\",vni=\"8\"} 0"));
	for (i = 0; i < 10; i++) { /* both busy again: nothing more */
		send_session(port, 7, i % 8, workers);
		send_session(port, 8, i % 8, workers);
		usleep(100 * 1000);
	}
	cr_assert_eq(silent_lines(alerts, "b", "info", NULL), 1, "one resumed line");
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	cr_assert_eq(h_counter(&h, "summary: alerts type=session_silent", "count"), 3);
	/* the line points at the frame that ended the silence: same time */
	cr_assert_str_eq(frame_ts(file, frame, got, sizeof(got)), ts, "%s frame %lld", file,
	                 (long long)frame);
	h_rm_rf(h.dir);
}

Test(ingest, silent_session_warns_once_then_resumes_1_worker, .timeout = 60)
{
	silence_live(1);
}

Test(ingest, silent_session_warns_once_then_resumes_2_workers, .timeout = 60)
{
	silence_live(2);
}

Test(ingest, silent_session_warns_once_then_resumes_4_workers, .timeout = 60)
{
	silence_live(4);
}

/* the reload test's config: UDP port, HTTP port, rotate_size, b's expect_traffic */
#define SILENT_RELOAD_CONF                                                                         \
	"listen: [\"127.0.0.1:%u\"]\nworkers: 2\npcap_dir: pcap\n"                                 \
	"alert_log: alerts.json\nhttp: {listen: \"127.0.0.1:%u\"}\n"                               \
	"pcap: {rotate_size: %s}\n"                                                                \
	"sessions:\n"                                                                              \
	"  - {name: a, vni: 7, expect_traffic: 2s}\n"                                              \
	"  - {name: b, vni: 8, expect_traffic: %s}\n"

/*
 * A reload while b is silent: one that replaces b's session object (a pcap
 * setting changed) keeps the silence, so no second warning, and one that
 * turns expect_traffic off ends the watch (no series, no line).
 */
Test(ingest, silent_session_survives_a_reload, .timeout = 60)
{
	struct harness h;
	uint16_t port = h_free_port(), http = h_free_tcp_port();
	char alerts[400], text[1024];
	int i;

	h_init(&h, SILENT_RELOAD_CONF, port, http, "1MiB", "2s");
	snprintf(alerts, sizeof(alerts), "%s/alerts.json", h.dir);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "%s", h_slurp(h.err));
	send_session(port, 8, 0, 2);
	for (i = 0; i < 60 && silent_lines(alerts, "b", "warning", NULL) == 0; i++) {
		send_session(port, 7, i % 8, 2);
		usleep(100 * 1000);
	}
	cr_assert_eq(silent_lines(alerts, "b", "warning", NULL), 1, "%s", h_slurp(alerts));

	snprintf(text, sizeof(text), SILENT_RELOAD_CONF, port, http, "2MiB", "2s");
	write_conf(&h, text); /* the rings change: b is a new object */
	kill(h.pid, SIGHUP);
	cr_assert(h_wait_log(&h, "session b (VNI 8): reopened", 5000), "%s", h_slurp(h.err));
	for (i = 0; i < 35; i++) {
		send_session(port, 7, i % 8, 2);
		usleep(100 * 1000);
	}
	cr_assert_eq(silent_lines(alerts, "b", "warning", NULL), 1, "the silence goes on: %s",
	             h_slurp(alerts));
	cr_assert(metric_has(http, "vxmirror_session_silent{session=\"b\",vni=\"8\"} 1"));

	snprintf(text, sizeof(text), SILENT_RELOAD_CONF, port, http, "2MiB", "off");
	write_conf(&h, text); /* no longer watched */
	kill(h.pid, SIGHUP);
	for (i = 0; i < 30 && metric_named(http, "vxmirror_session_silent{session=\"b\""); i++) {
		send_session(port, 7, i % 8, 2);
		usleep(100 * 1000);
	}
	cr_assert(!metric_named(http, "vxmirror_session_silent{session=\"b\""));
	send_session(port, 8, 1, 2);
	usleep(1500 * 1000);
	cr_assert_eq(silent_lines(alerts, "b", "info", NULL), 0, "%s", h_slurp(alerts));
	cr_assert_eq(h_stop(&h), 0, "%s", h_slurp(h.err));
	cr_assert_eq(h_counter(&h, "summary: alerts type=session_silent", "count"), 1);
	h_rm_rf(h.dir);
}
