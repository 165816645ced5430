/*
 * test_annotate.c - what every alert gains on its way to the log
 * (annotate.c): incidents, analyzer.suppress, instance and evidence.
 * The alerts are built as the analyzer builds them (the common head,
 * alert.c) and read back from their JSON.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/annotate.h"
#include "vxmirror/config.h"

static struct config *load(const char *yaml)
{
	struct config_errors errs = {0};
	struct config *cfg = config_load_string("t.yaml", yaml, strlen(yaml), &errs);

	cr_assert_not_null(cfg, "config did not load (%zu errors)", errs.n);
	config_errors_free(&errs);
	return cfg;
}

/* alert: an alert head as alert_new() writes it. */
static json_t *alert(const char *type, const char *ts, const char *proto, const char *src,
                     int sport, const char *dst, int dport)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "ts", ts, "type", type, "severity",
	                      "critical", "session", "srv", "vni", 10, "mirror_source", src);

	json_object_set_new(o, "flow",
	                    json_pack("{s:s, s:s, s:o, s:s, s:o}", "proto", proto, "src", src,
	                              "sport", sport < 0 ? json_null() : json_integer(sport), "dst",
	                              dst, "dport", dport < 0 ? json_null() : json_integer(dport)));
	return o;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s != NULL ? s : "(none)";
}

static json_int_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

#define T0 "2026-12-02T11:49:48.110598Z"

Test(annotate, one_incident_across_flows_of_one_sender_and_prefix)
{
	struct config *cfg = load("instance_name: tgt-a\n");
	struct incidents *inc = incidents_new(16);
	json_t *a = alert("pmtud_blackhole", T0, "tcp", "198.18.2.2", 443, "198.18.1.1", 40000);
	json_t *b = alert("pmtud_blackhole", "2026-12-02T11:50:01.000000Z", "tcp", "198.18.2.2",
	                  8080, "198.18.1.77", 40001);
	json_t *c = alert("pmtud_blackhole", "2026-12-02T11:50:02.000000Z", "tcp", "198.18.2.2",
	                  443, "198.18.3.1", 40002);
	json_t *d = alert("oversize_df", "2026-12-02T11:50:03.000000Z", "tcp", "198.18.2.2", 443,
	                  "198.18.1.1", 40000);

	annotate_alert(inc, cfg, NULL, a);
	annotate_alert(inc, cfg, NULL, b);
	annotate_alert(inc, cfg, NULL, c);
	annotate_alert(inc, cfg, NULL, d);
	cr_expect_str_eq(str(a, "incident"), "pmtud_blackhole 198.18.2.2 -> 198.18.1.0/24");
	cr_expect_str_eq(str(b, "incident"), str(a, "incident"));
	cr_expect_eq(num(a, "incident_count"), 1);
	cr_expect_eq(num(b, "incident_count"), 2);
	cr_expect_str_eq(str(b, "incident_first_ts"), T0);
	/* another /24, another type: other incidents */
	cr_expect_str_eq(str(c, "incident"), "pmtud_blackhole 198.18.2.2 -> 198.18.3.0/24");
	cr_expect_eq(num(c, "incident_count"), 1);
	cr_expect_str_eq(str(d, "incident"), "oversize_df 198.18.2.2 -> 198.18.1.0/24");
	cr_expect_eq(num(d, "incident_count"), 1);
	cr_expect_str_eq(str(a, "instance"), "tgt-a");
	json_decref(a), json_decref(b), json_decref(c), json_decref(d);
	incidents_free(inc);
	config_free(cfg);
}

Test(annotate, the_matching_route_is_the_prefix_and_ipv6_uses_64)
{
	struct config *cfg = load("sessions:\n"
	                          "  - name: srv\n"
	                          "    vni: 10\n"
	                          "    routes: [{prefix: 198.18.0.0/16, mtu: 8500}]\n");
	struct incidents *inc = incidents_new(16);
	json_t *a = alert("pmtud_blackhole", T0, "tcp", "198.18.2.2", 443, "198.18.1.1", 40000);
	json_t *b = alert("pmtud_blackhole", T0, "tcp", "198.18.2.2", 443, "198.18.200.9", 40000);
	json_t *c = alert("icmp_ptb", T0, "tcp", "2001:db8:1::2", 443, "2001:db8:2:3:4::5", 40000);

	annotate_alert(inc, cfg, &cfg->sessions[0], a);
	annotate_alert(inc, cfg, &cfg->sessions[0], b);
	annotate_alert(inc, cfg, &cfg->sessions[0], c);
	cr_expect_str_eq(str(a, "incident"), "pmtud_blackhole 198.18.2.2 -> 198.18.0.0/16");
	cr_expect_eq(num(b, "incident_count"), 2, "the route covers both /24s");
	cr_expect_str_eq(str(c, "incident"), "icmp_ptb 2001:db8:1::2 -> 2001:db8:2:3::/64");
	json_decref(a), json_decref(b), json_decref(c);
	incidents_free(inc);
	config_free(cfg);
}

Test(annotate, an_incident_quiet_for_an_hour_starts_again)
{
	struct config *cfg = load("");
	struct incidents *inc = incidents_new(16);
	json_t *a = alert("fragmented", T0, "udp", "198.18.2.2", 53, "198.18.1.1", 5353);
	json_t *b = alert("fragmented", "2026-12-02T12:49:48.110598Z", "udp", "198.18.2.2", 53,
	                  "198.18.1.1", 5353);
	json_t *c = alert("fragmented", "2026-12-02T13:49:48.110599Z", "udp", "198.18.2.2", 53,
	                  "198.18.1.1", 5353);

	annotate_alert(inc, cfg, NULL, a);
	annotate_alert(inc, cfg, NULL, b); /* exactly 3600 s later: still the same */
	annotate_alert(inc, cfg, NULL, c); /* 3600 s and 1 us after b: a new one */
	cr_expect_eq(num(b, "incident_count"), 2);
	cr_expect_eq(num(c, "incident_count"), 1);
	cr_expect_str_eq(str(c, "incident_first_ts"), "2026-12-02T13:49:48.110599Z");
	json_decref(a), json_decref(b), json_decref(c);
	incidents_free(inc);
	config_free(cfg);
}

Test(annotate, the_table_is_bounded_least_recent_out)
{
	struct config *cfg = load("");
	struct incidents *inc = incidents_new(2);
	const char *dst[] = {"198.18.1.1", "198.18.3.1", "198.18.1.1", "198.18.5.1", "198.18.3.1"};
	json_int_t want[] = {1, 1, 2, 1, 1}; /* .3 was the least recent when .5 came */

	for (size_t i = 0; i < 5; i++) {
		json_t *a = alert("icmp_ptb", T0, "tcp", "198.18.2.2", 443, dst[i], 40000);
		annotate_alert(inc, cfg, NULL, a);
		cr_expect_eq(num(a, "incident_count"), want[i], "alert %zu: count %lld", i,
		             (long long)num(a, "incident_count"));
		json_decref(a);
	}
	incidents_free(inc);
	config_free(cfg);
}

struct many {
	struct incidents *inc;
	const struct config *cfg;
	json_int_t max;
};

static void *count_many(void *arg)
{
	struct many *m = arg;

	for (int i = 0; i < 1000; i++) {
		json_t *a = alert("pmtud_blackhole", T0, "tcp", "198.18.2.2", 443, "198.18.1.1", i);
		annotate_alert(m->inc, m->cfg, NULL, a);
		if (num(a, "incident_count") > m->max)
			m->max = num(a, "incident_count");
		json_decref(a);
	}
	return NULL;
}

Test(annotate, workers_share_one_count)
{
	struct config *cfg = load("");
	struct incidents *inc = incidents_new(16);
	struct many m[4];
	pthread_t th[4];
	json_int_t top = 0;

	for (int i = 0; i < 4; i++) {
		m[i] = (struct many){inc, cfg, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, count_many, &m[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (m[i].max > top)
			top = m[i].max;
	}
	cr_expect_eq(top, 4000, "4 workers x 1000 alerts of one incident: %lld", (long long)top);
	incidents_free(inc);
	config_free(cfg);
}

Test(annotate, suppress_rules_match_type_src_and_dst)
{
	struct config *cfg = load("analyzer:\n"
	                          "  suppress:\n"
	                          "    - {type: fragmented}\n"
	                          "    - {type: icmp_ptb, src: 198.18.2.0/24}\n"
	                          "    - {dst: 2001:db8::/32}\n");
	struct {
		const char *type, *src, *dst;
		bool silenced;
	} c[] = {
	    {"fragmented", "198.18.9.9", "198.18.1.1", true},
	    {"icmp_ptb", "198.18.2.2", "198.18.1.1", true},
	    {"icmp_ptb", "198.18.3.2", "198.18.1.1", false},
	    {"pmtud_blackhole", "198.18.2.2", "198.18.1.1", false},
	    {"pmtud_blackhole", "2001:db9::1", "2001:db8::1", true},
	    {"pmtud_blackhole", "2001:db8::1", "2001:db9::1", false},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t *a = alert(c[i].type, T0, "tcp", c[i].src, 443, c[i].dst, 40000);
		cr_expect_eq(annotate_suppressed(cfg, a), c[i].silenced, "case %zu: %s %s -> %s", i,
		             c[i].type, c[i].src, c[i].dst);
		json_decref(a);
	}
	config_free(cfg);
}

Test(annotate, evidence_commands)
{
	struct config *cfg = load("");
	json_t *a = alert("pmtud_blackhole", T0, "tcp", "2001:db8::2", 443, "2001:db8::1", 40000);
	json_t *b = alert("fragmented", T0, "icmp", "198.18.2.2", -1, "198.18.1.1", -1);
	json_t *ev;
	char q[128];

	json_object_set_new(a, "first_sent", json_string("2026-12-02T11:49:47.000001Z"));
	free(cfg->path_abs);
	cfg->path_abs = strdup("/etc/vx mirror/it's.yaml");
	annotate_alert(NULL, cfg, NULL, a);
	annotate_alert(NULL, cfg, NULL, b);
	ev = json_object_get(a, "evidence");
	cr_expect_str_eq(
	    str(ev, "extract"),
	    "vxmirrord -c '/etc/vx mirror/it'\\''s.yaml' --extract 'tcp [2001:db8::2]:443 "
	    "[2001:db8::1]:40000 srv 2026-12-02T11:49:47.000001Z' -w "
	    "srv-tcp-2001_db8__2.443-2001_db8__1.40000.pcap");
	cr_expect_str_eq(str(ev, "wireshark"),
	                 "ipv6.addr==2001:db8::2 && ipv6.addr==2001:db8::1 && tcp.port==443 && "
	                 "tcp.port==40000");
	/* no incident table: the key alone */
	cr_expect_str_eq(str(a, "incident"), "pmtud_blackhole 2001:db8::2 -> 2001:db8::/64");
	cr_expect_null(json_object_get(a, "incident_count"));
	ev = json_object_get(b, "evidence");
	cr_expect(json_is_null(json_object_get(ev, "extract")), "no ports: nothing to extract by");
	cr_expect_str_eq(str(ev, "wireshark"),
	                 "ip.addr==198.18.2.2 && ip.addr==198.18.1.1 && icmp");
	cr_expect_str_eq(annotate_shell_quote("plain-name_1.yaml", q, sizeof(q)),
	                 "plain-name_1.yaml");
	cr_expect_str_eq(annotate_shell_quote("", q, sizeof(q)), "''");
	json_decref(a), json_decref(b);
	config_free(cfg);
}
