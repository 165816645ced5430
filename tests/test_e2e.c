/*
 * test_e2e.c - vxmirrord end to end: the real binary, real UDP datagrams
 * on loopback (IPv4 and IPv6 listeners), the real outputs read back with
 * libpcap and jansson; and offline mode (-r) on the committed capture,
 * which must give the same pcaps and alerts as the live path.
 */
#include <criterion/criterion.h>
#include <glob.h>

#include "daemon_harness.h"
#include "e2e_scenario.h"
#include "vxmirror/packet.h"

#define CAPTURE VX_TEST_DATA "/e2e-vxlan.pcap"

static const char *e2e_conf = "listen: [\"127.0.0.1:%u\", \"[::1]:%u\"]\n"
                              "allowed_sources: [127.0.0.8/29, \"::1\"]\n"
                              "pcap_dir: pcap\n"
                              "alert_log: alerts.json\n"
                              "unknown_vni: drop\n"
                              "sessions:\n"
                              "  - name: web\n"
                              "    vni: 100\n"
                              "    path_mtu: 9001\n"
                              "    routes: [{prefix: 198.18.2.0/24, mtu: 1500}]\n"
                              "  - name: db\n"
                              "    vni: 200\n";

/* One record of a pcap file, for comparing outputs. */
struct rec {
	uint32_t caplen, len;
	uint8_t data[E2E_MAXLEN];
};

/* read_session: every record of the session's completed pcap files, in name order. */
static int read_session(const char *dir, const char *session, struct rec *out, int max)
{
	char pat[400], errbuf[PCAP_ERRBUF_SIZE];
	glob_t g;
	int n = 0;

	snprintf(pat, sizeof(pat), "%s/pcap/%s/%s-*.pcap", dir, session, session);
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		pcap_t *pc = pcap_open_offline(g.gl_pathv[i], errbuf);
		struct pcap_pkthdr *h;
		const u_char *d;
		cr_assert_not_null(pc, "%s: %s", g.gl_pathv[i], errbuf);
		cr_assert_eq(pcap_datalink(pc), DLT_EN10MB);
		while (pcap_next_ex(pc, &h, &d) == 1 && n < max) {
			out[n].caplen = h->caplen;
			out[n].len = h->len;
			memcpy(out[n].data, d, h->caplen < E2E_MAXLEN ? h->caplen : E2E_MAXLEN);
			n++;
		}
		pcap_close(pc);
	}
	globfree(&g);
	return n;
}

/* send_capture: replay the UDP payloads of CAPTURE to the daemon's port,
 * each from its outer source address, as AWS would send them. */
static int send_capture(uint16_t port)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(CAPTURE, errbuf);
	struct pcap_pkthdr *h;
	const u_char *d;
	int sent = 0;

	cr_assert_not_null(pc, "%s", errbuf);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		struct packet o;
		struct sockaddr_storage from = {0}, to = {0};
		socklen_t sl;
		int fd;

		cr_assert_eq(decode_ether(&o, d, h->caplen), DEC_OK);
		cr_assert_eq(o.proto, IPPROTO_UDP_);
		if (o.src.family == AF_INET) {
			struct sockaddr_in *f4 = (void *)&from, *t4 = (void *)&to;
			f4->sin_family = t4->sin_family = AF_INET;
			memcpy(&f4->sin_addr, o.src.a, 4);
			t4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			t4->sin_port = htons(port);
			sl = sizeof(*f4);
		} else {
			struct sockaddr_in6 *f6 = (void *)&from, *t6 = (void *)&to;
			f6->sin6_family = t6->sin6_family = AF_INET6;
			memcpy(&f6->sin6_addr, o.src.a, 16);
			t6->sin6_addr = in6addr_loopback;
			t6->sin6_port = htons(port);
			sl = sizeof(*f6);
		}
		fd = socket(o.src.family, SOCK_DGRAM, 0);
		cr_assert(fd >= 0);
		cr_assert_eq(bind(fd, (struct sockaddr *)&from, sl), 0, "bind: %s",
		             strerror(errno));
		cr_assert_eq(sendto(fd, d + o.payload_off, packet_payload_cap(&o), 0,
		                    (struct sockaddr *)&to, sl),
		             (ssize_t)packet_payload_cap(&o), "sendto: %s", strerror(errno));
		close(fd);
		sent++;
		usleep(2000); /* keep packet order = capture order across two sockets */
	}
	pcap_close(pc);
	return sent;
}

/* check_counters: the stop summary accounts for every datagram. */
static void check_counters(struct harness *h)
{
	const char *g = "summary: datagrams=";

	cr_assert_eq(h_counter(h, g, "datagrams"), E2E_EXPECT_DATAGRAMS);
	cr_assert_eq(h_counter(h, g, "not_allowed"), E2E_EXPECT_NOT_ALLOWED);
	cr_assert_eq(h_counter(h, g, "bad_vxlan"), E2E_EXPECT_BAD_VXLAN);
	cr_assert_eq(h_counter(h, g, "unknown_vni"), E2E_EXPECT_UNKNOWN_VNI);
	cr_assert_eq(h_counter(h, g, "truncated"), E2E_EXPECT_TRUNCATED);
	cr_assert_eq(h_counter(h, g, "delivered"), E2E_EXPECT_WEB + E2E_EXPECT_DB);
	cr_assert_eq(h_counter(h, "summary: session=web ", "packets"), E2E_EXPECT_WEB);
	cr_assert_eq(h_counter(h, "summary: session=db ", "packets"), E2E_EXPECT_DB);
	cr_assert_eq(h_counter(h, "summary: session=db ", "truncated"), 1);
	cr_assert_eq(h_counter(h, "type=oversize_df ", "count"), 1);
	cr_assert_eq(h_counter(h, "type=mss_exceeds_path_mtu ", "count"), 1);
}

/* check_pcaps: per-session contents, true lengths of truncated packets, no .part. */
static void check_pcaps(struct harness *h)
{
	static struct rec web[16], db[16];
	char sdir[400];

	cr_assert_eq(read_session(h->dir, "web", web, 16), E2E_EXPECT_WEB);
	cr_assert_eq(read_session(h->dir, "db", db, 16), E2E_EXPECT_DB);
	/* frame 5 of web is the 5154-byte DF packet, whole */
	cr_assert_eq(web[4].len, 14 + 5154);
	cr_assert_eq(web[4].caplen, 14 + 5154);
	/* db's first frame was truncated by the mirror: orig_len is the true size */
	cr_assert_eq(db[0].len, 14 + 9001);
	cr_assert_eq(db[0].caplen, 200);
	/* decapsulated: an Ethernet frame carrying IPv6 */
	cr_assert_eq(db[1].data[12], 0x86);
	cr_assert_eq(db[1].data[13], 0xdd);
	for (const char *const *s = (const char *const[]){"web", "db", NULL}; *s; s++) {
		snprintf(sdir, sizeof(sdir), "%s/pcap/%s", h->dir, *s);
		cr_assert_eq(h_count_files(sdir, ".part"), 0, "a .part file is left in %s", sdir);
	}
	/* dropped VNIs and sources are written nowhere */
	snprintf(sdir, sizeof(sdir), "%s/pcap/vni-300", h->dir);
	cr_assert_eq(h_count_files(sdir, ""), -1);
}

/* find_alert: the alert of `type` in arr; fails the test when absent. */
static json_t *find_alert(json_t *arr, const char *type)
{
	size_t i;
	json_t *a;

	json_array_foreach(arr, i, a)
	{
		if (strcmp(json_string_value(json_object_get(a, "type")), type) == 0)
			return a;
	}
	cr_assert_fail("no %s alert", type);
	return NULL;
}

/* check_alerts: exactly the two expected alerts, with their evidence. */
static json_t *check_alerts(struct harness *h)
{
	char path[400];
	json_t *arr, *a, *flow, *pcap;

	snprintf(path, sizeof(path), "%s/alerts.json", h->dir);
	arr = h_alerts(path);
	cr_assert_not_null(arr, "alerts.json holds a line that is not a JSON object");
	cr_assert_eq(json_array_size(arr), 2, "expected 2 alerts, got %zu", json_array_size(arr));

	a = find_alert(arr, "oversize_df");
	flow = json_object_get(a, "flow");
	cr_assert_str_eq(json_string_value(json_object_get(a, "session")), "web");
	cr_assert_eq(json_integer_value(json_object_get(a, "vni")), 100);
	cr_assert_str_eq(json_string_value(json_object_get(flow, "src")), "198.18.1.1");
	cr_assert_str_eq(json_string_value(json_object_get(flow, "dst")), "198.18.2.2");
	cr_assert_eq(json_integer_value(json_object_get(flow, "dport")), 443);
	cr_assert_eq(json_integer_value(json_object_get(a, "ip_len")), 5154);
	cr_assert_eq(json_integer_value(json_object_get(a, "path_mtu")), 1500);
	pcap = json_object_get(a, "pcap");
	cr_assert_eq(json_integer_value(json_object_get(pcap, "frame")), 5);
	cr_assert_eq(access(json_string_value(json_object_get(pcap, "file")), R_OK), 0,
	             "the alert's pcap file %s does not exist",
	             json_string_value(json_object_get(pcap, "file")));
	cr_assert_not_null(json_string_value(json_object_get(a, "advice")));
	cr_assert_not_null(json_string_value(json_object_get(a, "message")));
	cr_assert_not_null(json_string_value(json_object_get(a, "ts")));

	a = find_alert(arr, "mss_exceeds_path_mtu");
	flow = json_object_get(a, "flow");
	cr_assert_str_eq(json_string_value(json_object_get(flow, "src")), "198.18.1.1");
	cr_assert_eq(json_integer_value(json_object_get(a, "path_mtu")), 1500);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(a, "pcap"), "frame")), 2);
	return arr;
}

/* run_live: daemon on loopback, the capture replayed as datagrams. */
static json_t *run_live(struct harness *h)
{
	uint16_t port = h_free_port();

	h_init(h, e2e_conf, port, port);
	h_spawn(h, NULL);
	cr_assert(h_wait_log(h, "ready:", 10000), "vxmirrord did not start:\n%s", h_slurp(h->err));
	cr_assert_eq(send_capture(port), E2E_N);
	usleep(300 * 1000);
	cr_assert_eq(h_stop(h), 0, "vxmirrord did not exit 0 on SIGTERM:\n%s", h_slurp(h->err));
	check_counters(h);
	check_pcaps(h);
	return check_alerts(h);
}

/* run_offline: the same capture with -r. */
static json_t *run_offline(struct harness *h)
{
	const char *args[] = {"-r", CAPTURE, NULL};

	h_init(h, e2e_conf, 4789, 4789);
	cr_assert_eq(h_run(h, args), 0, "vxmirrord -r failed:\n%s", h_slurp(h->err));
	check_counters(h);
	check_pcaps(h);
	return check_alerts(h);
}

Test(e2e, live_udp)
{
	struct harness h;
	json_t *a = run_live(&h);

	json_decref(a);
	h_rm_rf(h.dir);
}

Test(e2e, offline_capture)
{
	struct harness h;
	json_t *a = run_offline(&h);

	json_decref(a);
	h_rm_rf(h.dir);
}

/* strip: drop what legitimately differs between runs: time and file names
 * (evidence holds both: the config's path and the alert's time). */
static void strip(json_t *arr)
{
	size_t i;
	json_t *a;

	json_array_foreach(arr, i, a)
	{
		json_object_del(a, "ts");
		json_object_del(a, "incident_first_ts");
		json_object_del(a, "evidence");
		json_object_del(json_object_get(a, "pcap"), "file");
	}
}

Test(e2e, offline_equals_live)
{
	static struct rec lw[16], ow[16], ld[16], od[16];
	struct harness hl, ho;
	json_t *la = run_live(&hl), *oa = run_offline(&ho);
	int n;

	strip(la);
	strip(oa);
	cr_assert(json_equal(la, oa), "alerts differ:\nlive:    %s\noffline: %s",
	          json_dumps(la, JSON_COMPACT), json_dumps(oa, JSON_COMPACT));
	n = read_session(hl.dir, "web", lw, 16);
	cr_assert_eq(read_session(ho.dir, "web", ow, 16), n);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(lw[i].len, ow[i].len);
		cr_assert_eq(lw[i].caplen, ow[i].caplen);
		cr_assert_eq(memcmp(lw[i].data, ow[i].data, lw[i].caplen), 0, "web frame %d", i);
	}
	n = read_session(hl.dir, "db", ld, 16);
	cr_assert_eq(read_session(ho.dir, "db", od, 16), n);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(ld[i].len, od[i].len);
		cr_assert_eq(memcmp(ld[i].data, od[i].data, ld[i].caplen), 0, "db frame %d", i);
	}
	json_decref(la);
	json_decref(oa);
	h_rm_rf(hl.dir);
	h_rm_rf(ho.dir);
}

Test(cli, version_and_help)
{
	struct harness h;
	const char *v[] = {"--version", NULL}, *hp[] = {"--help", NULL}, *bad[] = {"--bogus", NULL};
	char *out;

	h_init(&h, "");
	cr_assert_eq(h_run(&h, v), 0);
	out = h_slurp(h.err);
	cr_assert(strstr(out, "vxmirrord " VX_VERSION) != NULL, "%s", out);
	free(out);
	cr_assert_eq(h_run(&h, hp), 0);
	out = h_slurp(h.err);
	cr_assert(strstr(out, "usage: vxmirrord") != NULL && strstr(out, "--check-config"), "%s",
	          out);
	free(out);
	cr_assert_eq(h_run(&h, bad), 2);
	h_rm_rf(h.dir);
}

Test(cli, check_config)
{
	struct harness h;
	const char *chk[] = {"--check-config", NULL};
	char *out;

	h_init(&h, e2e_conf, 4789, 4789);
	cr_assert_eq(h_run(&h, chk), 0);
	out = h_slurp(h.err);
	cr_assert(strstr(out, "configuration OK") != NULL, "%s", out);
	cr_assert(strstr(out, "name: \"web\"") != NULL, "effective settings not printed:\n%s", out);
	free(out);
	h_rm_rf(h.dir);

	/* an error names file:line */
	h_init(&h, "pcap_dir: pcap\nsessions:\n  - name: a\n    vni: 1\n  - name: b\n    vni: 1\n");
	cr_assert_eq(h_run(&h, chk), 1);
	out = h_slurp(h.err);
	cr_assert(strstr(out, "vxmirror.yaml:6:") != NULL, "no file:line in:\n%s", out);
	cr_assert(strstr(out, "configuration OK") == NULL);
	free(out);
	h_rm_rf(h.dir);
}

Test(cli, default_config_is_valid)
{
	struct harness h;
	const char *chk[] = {"-c", VX_SOURCE_DIR "/conf/vxmirror.yaml", "--check-config", NULL};
	char *out;

	h_init(&h, "");
	cr_assert_eq(h_run(&h, chk), 0);
	out = h_slurp(h.err);
	cr_assert(strstr(out, "configuration OK") != NULL, "%s", out);
	free(out);
	h_rm_rf(h.dir);
}

/* ---- pcap.on_complete: shipping completed files away (tcpdump -z) ---- */

static const char *hook_conf = "listen: [\"127.0.0.1:%u\"]\n"
                               "pcap_dir: pcap\n"
                               "alert_log: alerts.json\n"
                               "http: {listen: off}\n"
                               "unknown_vni: drop\n"
                               "pcap:\n"
                               "  on_complete: [%s, \"{file}\", \"shipped/{session}.pcap\"]\n"
                               "  delete_after_hook: on\n"
                               "sessions: [{name: web, vni: 100}, {name: db, vni: 200}]\n";

/* count: files matching a glob under the harness dir. */
static size_t count(const struct harness *h, const char *pat)
{
	char p[512];
	glob_t g;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", h->dir, pat);
	if (glob(p, 0, NULL, &g) != 0)
		return 0;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

Test(e2e, on_complete_ships_and_deletes_after_the_hook, .timeout = 60)
{
	struct harness h;
	const char *args[] = {"-r", CAPTURE, NULL};
	char d[512];

	h_init(&h, hook_conf, 4789, "/bin/cp");
	snprintf(d, sizeof(d), "%s/shipped", h.dir);
	cr_assert_eq(mkdir(d, 0700), 0);
	cr_assert_eq(h_run(&h, args), 0, "vxmirrord -r failed:\n%s", h_slurp(h.err));
	/* -r completes one file per session at exit: handed to the hook, which
	 * the daemon waits for, then deleted because it exited 0 */
	cr_assert_eq(count(&h, "shipped/web.pcap") + count(&h, "shipped/db.pcap"), 2, "%s",
	             h_slurp(h.err));
	cr_assert_eq(count(&h, "pcap/*/*.pcap"), 0, "shipped files are deleted locally");
	cr_assert_eq(h_counter(&h, "summary: pcap_files_deleted ", "hooks_started"), 2);
	cr_assert_eq(h_counter(&h, "summary: pcap_files_deleted ", "hooks_failed"), 0);
	cr_assert_eq(h_counter(&h, "summary: pcap_files_deleted ", "hook"), 2);
	h_rm_rf(h.dir);
}

Test(e2e, a_failing_hook_keeps_the_file, .timeout = 60)
{
	struct harness h;
	const char *args[] = {"-r", CAPTURE, NULL};

	h_init(&h, hook_conf, 4789, "/bin/false");
	cr_assert_eq(h_run(&h, args), 0, "vxmirrord -r failed:\n%s", h_slurp(h.err));
	cr_assert_eq(count(&h, "pcap/*/*.pcap"), 2, "a file whose hook failed must stay");
	cr_assert_eq(h_counter(&h, "summary: pcap_files_deleted ", "hooks_started"), 2);
	cr_assert_eq(h_counter(&h, "summary: pcap_files_deleted ", "hooks_failed"), 2);
	cr_assert_eq(h_counter(&h, "summary: pcap_files_deleted ", "hook"), 0);
	h_rm_rf(h.dir);
}
