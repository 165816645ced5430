/*
 * test_config.c - the YAML configuration loader: defaults, every kind of
 * error with its exact line and key, units, printing and reloading.
 *
 * Each YAML document is written one line per string literal, so line N of
 * the document is the Nth literal of the test.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vxmirror/analyzer.h"
#include "vxmirror/config.h"

#define NAME "t.yaml"

static struct config *load(const char *yaml, struct config_errors *errs)
{
	return config_load_string(NAME, yaml, strlen(yaml), errs);
}

/* errors_text: what --check-config would print on stderr. */
static char *errors_text(const struct config_errors *errs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	config_errors_print(errs, NAME, fp);
	fclose(fp);
	return buf;
}

static char *print_text(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	config_print(cfg, fp);
	fclose(fp);
	return buf;
}

/* expect_errors: loading fails with `n` errors, and each of `want` is a line of them. */
static void expect_errors(const char *yaml, size_t n, const char *const *want, size_t nwant)
{
	struct config_errors errs = {0};
	struct config *cfg = load(yaml, &errs);
	char *out = errors_text(&errs);

	cr_expect_null(cfg, "loaded although it has errors");
	cr_expect_eq(errs.n, n, "expected %zu errors, got %zu:\n%s", n, errs.n, out);
	for (size_t i = 0; i < nwant; i++)
		cr_expect_not_null(strstr(out, want[i]), "missing \"%s\" in:\n%s", want[i], out);
	free(out);
	config_free(cfg);
	config_errors_free(&errs);
}

/* expect_error: exactly one error, which starts with `want` ("t.yaml:3: key: ..."). */
static void expect_error(const char *yaml, const char *want)
{
	struct config_errors errs = {0};
	struct config *cfg = load(yaml, &errs);
	char *out = errors_text(&errs);

	cr_expect_null(cfg, "loaded although it has errors");
	cr_expect_eq(errs.n, 1, "expected one error, got %zu:\n%s", errs.n, out);
	cr_expect_eq(strncmp(out, want, strlen(want)), 0, "expected \"%s...\", got:\n%s", want,
	             out);
	free(out);
	config_free(cfg);
	config_errors_free(&errs);
}

static struct config *load_ok(const char *yaml)
{
	struct config_errors errs = {0};
	struct config *cfg = load(yaml, &errs);
	char *out = errors_text(&errs);

	cr_assert_not_null(cfg, "unexpected errors:\n%s", out);
	cr_assert_eq(errs.n, 0);
	free(out);
	config_errors_free(&errs);
	return cfg;
}

static const char *fmt_ep(const struct endpoint *ep, char *buf)
{
	return endpoint_fmt(ep, buf, ADDR_STRLEN + 8);
}

/* expect_defaults: everything but the sessions has its documented default. */
static void expect_defaults(const struct config *cfg)
{
	char buf[ADDR_STRLEN + 8];

	cr_assert_eq(cfg->nlisten, 1);
	cr_expect_str_eq(fmt_ep(&cfg->listen[0], buf), "0.0.0.0:4789");
	cr_expect_eq(cfg->nallowed, 0);
	cr_expect_str_eq(cfg->pcap_dir, "vxmirror-out/pcap");
	cr_expect_str_eq(cfg->alert_log, "vxmirror-out/alerts.json");
	cr_expect_eq(cfg->pcap.rotate_size, 100ull * 1024 * 1024);
	cr_expect_eq(cfg->pcap.rotate_interval, 300);
	cr_expect_eq(cfg->pcap.keep_files, 48);
	cr_expect_eq(cfg->pcap.snaplen, 262144);
	cr_expect_eq(cfg->unknown_vni, UNKNOWN_VNI_AUTO);
	cr_expect_null(cfg->offline_session);
	cr_expect_eq(cfg->analyzer.retransmit_threshold, 3);
	cr_expect_eq(cfg->analyzer.max_flows, 100000);
	cr_expect_eq(cfg->analyzer.flow_timeout, 300);
	cr_expect_eq(cfg->analyzer.closed_timeout, 30);
	cr_expect_eq(cfg->analyzer.fragment_alert_interval, 60);
	cr_expect_eq(cfg->ngeneve, 0);
	cr_expect_eq(cfg->workers, 0); /* auto */
	cr_expect_eq(cfg->rcvbuf, 32ull << 20);
	cr_expect(cfg->http_enabled);
	cr_expect_str_eq(fmt_ep(&cfg->http_listen, buf), "127.0.0.1:9477");
}

/* expect_same: two configs hold the same effective settings. */
static void expect_same(const struct config *a, const struct config *b)
{
	char x[ADDR_STRLEN + 8], y[ADDR_STRLEN + 8];

	cr_assert_eq(a->nlisten, b->nlisten);
	for (size_t i = 0; i < a->nlisten; i++)
		cr_expect_str_eq(fmt_ep(&a->listen[i], x), fmt_ep(&b->listen[i], y));
	cr_assert_eq(a->nallowed, b->nallowed);
	for (size_t i = 0; i < a->nallowed; i++)
		cr_expect_str_eq(cidr_fmt(&a->allowed[i], x, sizeof(x)),
		                 cidr_fmt(&b->allowed[i], y, sizeof(y)));
	cr_expect_str_eq(a->pcap_dir, b->pcap_dir);
	cr_expect_str_eq(a->alert_log, b->alert_log);
	cr_expect_eq(memcmp(&a->pcap, &b->pcap, sizeof(a->pcap)), 0);
	cr_expect_eq(a->unknown_vni, b->unknown_vni);
	cr_expect_eq(a->offline_session == NULL, b->offline_session == NULL);
	if (a->offline_session != NULL && b->offline_session != NULL)
		cr_expect_str_eq(a->offline_session, b->offline_session);
	cr_expect_eq(memcmp(&a->analyzer, &b->analyzer, sizeof(a->analyzer)), 0);
	cr_assert_eq(a->ngeneve, b->ngeneve);
	for (size_t i = 0; i < a->ngeneve; i++)
		cr_expect_str_eq(fmt_ep(&a->geneve_listen[i], x), fmt_ep(&b->geneve_listen[i], y));
	cr_expect_eq(a->workers, b->workers);
	cr_expect_eq(a->rcvbuf, b->rcvbuf);
	cr_expect_eq(a->http_enabled, b->http_enabled);
	if (a->http_enabled && b->http_enabled)
		cr_expect_str_eq(fmt_ep(&a->http_listen, x), fmt_ep(&b->http_listen, y));
	cr_assert_eq(a->nsessions, b->nsessions);
	for (size_t i = 0; i < a->nsessions; i++) {
		const struct session_conf *s = &a->sessions[i], *t = &b->sessions[i];
		cr_expect_str_eq(s->name, t->name);
		cr_expect_eq(s->vni, t->vni);
		cr_expect_eq(s->path_mtu, t->path_mtu);
		cr_expect_eq(s->pcap, t->pcap);
		cr_assert_eq(s->nroutes, t->nroutes);
		for (size_t j = 0; j < s->nroutes; j++) {
			cr_expect_str_eq(cidr_fmt(&s->routes[j].prefix, x, sizeof(x)),
			                 cidr_fmt(&t->routes[j].prefix, y, sizeof(y)));
			cr_expect_eq(s->routes[j].mtu, t->routes[j].mtu);
		}
	}
}

/* --- defaults ---------------------------------------------------------- */

Test(config, empty_file_gives_defaults)
{
	struct config *cfg = load_ok("");

	expect_defaults(cfg);
	cr_expect_eq(cfg->nsessions, 0);
	cr_expect_str_eq(cfg->path, NAME);
	config_free(cfg);
}

Test(config, comments_only_gives_defaults)
{
	struct config *cfg = load_ok("# nothing here\n\n   # still nothing\n");

	expect_defaults(cfg);
	cr_expect_eq(cfg->nsessions, 0);
	config_free(cfg);
}

Test(config, repo_default_config)
{
	struct config_errors errs = {0};
	struct config *cfg = config_load(VX_SOURCE_DIR "/conf/vxmirror.yaml", &errs);
	char *out = errors_text(&errs);

	cr_assert_not_null(cfg, "conf/vxmirror.yaml has errors:\n%s", out);
	cr_expect_eq(errs.n, 0);
	expect_defaults(cfg);
	cr_assert_eq(cfg->nsessions, 1);
	cr_expect_str_eq(cfg->sessions[0].name, "example");
	cr_expect_eq(cfg->sessions[0].vni, 123);
	cr_expect_eq(cfg->sessions[0].path_mtu, 8500);
	cr_expect(cfg->sessions[0].pcap);
	cr_expect_eq(cfg->sessions[0].nroutes, 0);
	free(out);
	config_free(cfg);
	config_errors_free(&errs);
}

Test(config, missing_file)
{
	struct config_errors errs = {0};
	struct config *cfg = config_load("/nonexistent/vxmirror.yaml", &errs);

	cr_expect_null(cfg);
	cr_assert_eq(errs.n, 1);
	cr_expect_eq(errs.v[0].line, 0);
	cr_expect_not_null(strstr(errs.v[0].msg, "cannot open"));
	config_errors_free(&errs);
}

/* --- a full config ----------------------------------------------------- */

static const char full[] = "listen: [\"[::]:4789\", 127.0.0.1:14789]\n"
                           "allowed_sources:\n"
                           "  - 10.0.0.0/8\n"
                           "  - 2001:db8::/32\n"
                           "  - 192.0.2.7\n"
                           "pcap_dir: /tmp/vx pcap\n"
                           "alert_log: \"/tmp/a \\\"q\\\" #1.json\"\n"
                           "pcap:\n"
                           "  rotate_size: 1GiB\n"
                           "  rotate_interval: 1h\n"
                           "  keep_files: 0\n"
                           "  snaplen: 9KiB\n"
                           "unknown_vni: drop\n"
                           "offline_session: db\n"
                           "sessions:\n"
                           "  - name: web\n"
                           "    vni: 7\n"
                           "    path_mtu: 8500\n"
                           "    routes:\n"
                           "      - {prefix: 198.18.0.0/15, mtu: 1500}\n"
                           "      - prefix: 2001:db8:1::/48\n"
                           "        mtu: 1280\n"
                           "  - name: db\n"
                           "    vni: 16777215\n"
                           "    pcap: off\n"
                           "  - name: \"null\"\n"
                           "    vni: 0\n"
                           "analyzer:\n"
                           "  retransmit_threshold: 5\n"
                           "  max_flows: 1000\n"
                           "  flow_timeout: 2h\n"
                           "  closed_timeout: 90\n"
                           "  fragment_alert_interval: 1d\n";

Test(config, full_config_values)
{
	struct config *cfg = load_ok(full);
	char buf[ADDR_STRLEN + 8];

	cr_assert_eq(cfg->nlisten, 2);
	cr_expect_str_eq(fmt_ep(&cfg->listen[0], buf), "[::]:4789");
	cr_expect_eq(cfg->listen[0].ss.ss_family, AF_INET6);
	cr_expect_str_eq(fmt_ep(&cfg->listen[1], buf), "127.0.0.1:14789");
	cr_assert_eq(cfg->nallowed, 3);
	cr_expect_str_eq(cidr_fmt(&cfg->allowed[2], buf, sizeof(buf)), "192.0.2.7/32");
	cr_expect_str_eq(cfg->pcap_dir, "/tmp/vx pcap");
	cr_expect_str_eq(cfg->alert_log, "/tmp/a \"q\" #1.json");
	cr_expect_eq(cfg->pcap.rotate_size, 1ull << 30);
	cr_expect_eq(cfg->pcap.rotate_interval, 3600);
	cr_expect_eq(cfg->pcap.keep_files, 0);
	cr_expect_eq(cfg->pcap.snaplen, 9216);
	cr_expect_eq(cfg->unknown_vni, UNKNOWN_VNI_DROP);
	cr_expect_str_eq(cfg->offline_session, "db");
	cr_assert_eq(cfg->nsessions, 3);
	cr_expect_eq(cfg->sessions[0].line, 16);
	cr_expect_eq(cfg->sessions[0].path_mtu, 8500);
	cr_expect(cfg->sessions[0].pcap);
	cr_assert_eq(cfg->sessions[0].nroutes, 2);
	cr_expect_eq(cfg->sessions[0].routes[1].mtu, 1280);
	cr_expect_str_eq(cidr_fmt(&cfg->sessions[0].routes[1].prefix, buf, sizeof(buf)),
	                 "2001:db8:1::/48");
	cr_expect_eq(cfg->sessions[1].vni, 16777215);
	cr_expect_not(cfg->sessions[1].pcap);
	cr_expect_eq(cfg->sessions[1].path_mtu, 0);
	cr_expect_str_eq(cfg->sessions[2].name, "null");
	cr_expect_eq(cfg->analyzer.retransmit_threshold, 5);
	cr_expect_eq(cfg->analyzer.max_flows, 1000);
	cr_expect_eq(cfg->analyzer.flow_timeout, 7200);
	cr_expect_eq(cfg->analyzer.closed_timeout, 90);
	cr_expect_eq(cfg->analyzer.fragment_alert_interval, 86400);
	config_free(cfg);
}

Test(config, find_vni_and_name)
{
	struct config *cfg = load_ok(full);

	cr_expect_eq(config_find_vni(cfg, 7), &cfg->sessions[0]);
	cr_expect_eq(config_find_vni(cfg, 0), &cfg->sessions[2]);
	cr_expect_null(config_find_vni(cfg, 8));
	cr_expect_eq(config_find_name(cfg, "db"), &cfg->sessions[1]);
	cr_expect_null(config_find_name(cfg, "dbx"));
	config_free(cfg);
}

Test(config, round_trip)
{
	struct config *a = load_ok(full), *b;
	char *text = print_text(a);

	b = load_ok(text);
	expect_same(a, b);
	free(text);
	config_free(a);
	config_free(b);
}

Test(config, round_trip_defaults)
{
	struct config *a = load_ok(""), *b;
	char *text = print_text(a);

	b = load_ok(text);
	expect_same(a, b);
	expect_defaults(b);
	cr_expect_not_null(strstr(text, "rotate_size: 100MiB"), "%s", text);
	cr_expect_not_null(strstr(text, "flow_timeout: 5m"), "%s", text);
	free(text);
	config_free(a);
	config_free(b);
}

Test(config, listen_scalar_and_ipv6)
{
	struct config *cfg = load_ok("listen: \"[::]:4789\"\n");
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&cfg->listen[0].ss;

	cr_assert_eq(cfg->nlisten, 1);
	cr_expect_eq(sin6->sin6_family, AF_INET6);
	cr_expect_eq(ntohs(sin6->sin6_port), 4789);
	cr_expect(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	config_free(cfg);
}

Test(config, booleans_and_nulls)
{
	static const char *const on[] = {"on", "yes", "true", "True", "ON", "y"};
	static const char *const off[] = {"off", "no", "false", "FALSE", "Off", "n"};
	char yaml[128];

	for (size_t i = 0; i < 6; i++) {
		struct config *cfg;
		snprintf(yaml, sizeof(yaml), "sessions: [{name: a, vni: 1, pcap: %s}]\n", on[i]);
		cfg = load_ok(yaml);
		cr_expect(cfg->sessions[0].pcap, "%s", on[i]);
		config_free(cfg);
		snprintf(yaml, sizeof(yaml), "sessions: [{name: a, vni: 1, pcap: %s}]\n", off[i]);
		cfg = load_ok(yaml);
		cr_expect_not(cfg->sessions[0].pcap, "%s", off[i]);
		config_free(cfg);
	}
}

Test(config, empty_sections_keep_defaults)
{
	struct config *cfg =
	    load_ok("pcap:\nanalyzer: {}\nsessions:\nallowed_sources: []\noffline_session: ~\n");

	expect_defaults(cfg);
	cr_expect_eq(cfg->nsessions, 0);
	config_free(cfg);
}

/* --- errors, each with its line and key --------------------------------- */

Test(config_errors, unknown_key_top_level)
{
	expect_error("listen: 0.0.0.0:4789\n"
	             "lissen: 0.0.0.0:4790\n",
	             NAME ":2: unknown key 'lissen' (did you mean 'listen'?)");
}

Test(config_errors, unknown_key_pcap)
{
	expect_error("pcap:\n"
	             "  keep_files: 3\n"
	             "  rotate_sise: 1GiB\n",
	             NAME ":3: pcap: unknown key 'rotate_sise' (did you mean 'rotate_size'?)");
}

Test(config_errors, unknown_key_analyzer)
{
	expect_error("analyzer:\n"
	             "  max_flows: 10\n"
	             "  bogus: 1\n",
	             NAME ":3: analyzer: unknown key 'bogus'");
}

Test(config_errors, unknown_key_session)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "  - name: b\n"
	             "    vni: 2\n"
	             "    mtu: 1500\n",
	             NAME ":6: sessions[1]: unknown key 'mtu'");
}

Test(config_errors, unknown_key_route)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    routes:\n"
	             "      - prefix: 198.18.0.0/15\n"
	             "        mtu: 1500\n"
	             "        via: x\n",
	             NAME ":7: sessions[0].routes[0]: unknown key 'via'");
}

Test(config_errors, duplicate_key)
{
	expect_error("pcap:\n"
	             "  keep_files: 3\n"
	             "  keep_files: 4\n",
	             NAME ":3: pcap.keep_files: duplicate key (first at line 2)");
}

Test(config_errors, top_level_not_a_mapping)
{
	expect_error("- listen\n- sessions\n", NAME ":1: the top level must be a mapping");
}

Test(config_errors, wrong_type_list_for_scalar)
{
	expect_error("pcap_dir: /tmp\n"
	             "alert_log:\n"
	             "  - a.json\n",
	             NAME ":3: alert_log: expected a path, got a list");
}

Test(config_errors, wrong_type_mapping_for_list)
{
	expect_error("sessions:\n"
	             "  name: web\n"
	             "  vni: 1\n",
	             NAME ":2: sessions: expected a list of sessions");
}

Test(config_errors, wrong_type_scalar_for_mapping)
{
	expect_error("pcap: 100MiB\n", NAME ":1: pcap: expected a mapping");
}

Test(config_errors, not_a_number)
{
	expect_error("analyzer:\n"
	             "  max_flows: lots\n",
	             NAME ":2: analyzer.max_flows: 'lots' is not a non-negative integer");
}

Test(config_errors, negative_number)
{
	expect_error("pcap:\n  keep_files: -1\n",
	             NAME ":2: pcap.keep_files: '-1' is not a non-negative integer");
}

Test(config_errors, trailing_garbage)
{
	expect_error("analyzer:\n  retransmit_threshold: 12x\n",
	             NAME ":2: analyzer.retransmit_threshold: '12x' is not");
}

Test(config_errors, number_out_of_range)
{
	expect_error("analyzer:\n  retransmit_threshold: 0\n",
	             NAME ":2: analyzer.retransmit_threshold: 0 is out of range (1..1000)");
}

Test(config_errors, missing_value)
{
	expect_error("pcap:\n  snaplen:\n", NAME ":2: pcap.snaplen: missing value");
}

Test(config_errors, duplicate_vni)
{
	expect_error("sessions:\n"
	             "  - name: web\n"
	             "    vni: 123\n"
	             "  - name: db\n"
	             "    vni: 123\n",
	             NAME
	             ":5: sessions[1].vni: duplicate VNI 123 (also session \"web\" at line 2)");
}

Test(config_errors, duplicate_name)
{
	expect_error("sessions:\n"
	             "  - {name: web, vni: 1}\n"
	             "  - vni: 2\n"
	             "    name: web\n",
	             NAME ":4: sessions[1].name: duplicate name \"web\" (also at line 2)");
}

Test(config_errors, bad_name)
{
	expect_error("sessions:\n  - {name: .hidden, vni: 1}\n",
	             NAME ":2: sessions[0].name: '.hidden' is not a valid name");
	expect_error("sessions:\n  - {name: a/b, vni: 1}\n",
	             NAME ":2: sessions[0].name: 'a/b' is not a valid name");
}

Test(config_errors, missing_name_and_vni)
{
	static const char *const want[] = {
	    NAME ":3: sessions[1]: missing required key 'name'",
	    NAME ":3: sessions[1]: missing required key 'vni'",
	};

	expect_errors("sessions:\n"
	              "  - {name: a, vni: 1}\n"
	              "  - path_mtu: 1500\n",
	              2, want, 2);
}

Test(config_errors, vni_out_of_range)
{
	expect_error("sessions:\n  - name: a\n    vni: 16777216\n",
	             NAME ":3: sessions[0].vni: 16777216 is out of range (0..16777215)");
}

Test(config_errors, bad_cidr_allowed_sources)
{
	expect_error("allowed_sources:\n"
	             "  - 10.0.0.0/8\n"
	             "  - 10.1.2.3/16\n",
	             NAME ":3: allowed_sources[1]: '10.1.2.3/16': host bits set");
	expect_error("allowed_sources: [10.0.0.0/33]\n",
	             NAME ":1: allowed_sources[0]: '10.0.0.0/33': prefix length must be 0..32");
}

Test(config_errors, bad_cidr_route)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    routes:\n"
	             "      - {prefix: 198.18.0.0/15, mtu: 1500}\n"
	             "      - {prefix: 198.18.0.300/32, mtu: 1500}\n",
	             NAME ":6: sessions[0].routes[1].prefix: '198.18.0.300/32': not an IPv4");
}

Test(config_errors, duplicate_route_prefix)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    routes:\n"
	             "      - {prefix: 2001:db8::/32, mtu: 1500}\n"
	             "      - {prefix: 2001:db8::/32, mtu: 1280}\n",
	             NAME
	             ":6: sessions[0].routes[1]: duplicate prefix 2001:db8::/32 (also at line 5)");
}

Test(config_errors, route_missing_mtu)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    routes:\n"
	             "      - prefix: 198.18.0.0/15\n",
	             NAME ":5: sessions[0].routes[0]: missing required key 'mtu'");
}

Test(config_errors, bad_listen)
{
	expect_error("listen:\n"
	             "  - 0.0.0.0:4789\n"
	             "  - \"::1:4789\"\n",
	             NAME ":3: listen[1]: '::1:4789': expected addr:port");
	expect_error("listen: 0.0.0.0:0\n", NAME ":1: listen: '0.0.0.0:0': port must be 1..65535");
	expect_error("listen: []\n", NAME ":1: listen: needs 1..64 addr:port endpoints");
}

Test(config_errors, duplicate_listen)
{
	expect_error("listen: [\"[::]:4789\", \"[0::0]:4789\"]\n",
	             NAME ":1: listen[1]: [::]:4789 is listed twice");
}

Test(config_errors, bad_size_unit)
{
	expect_error("pcap:\n  rotate_size: 100MiBs\n",
	             NAME ":2: pcap.rotate_size: '100MiBs' is not a size");
	expect_error("pcap:\n  rotate_size: 1.5GiB\n",
	             NAME ":2: pcap.rotate_size: '1.5GiB' is not a size");
}

Test(config_errors, size_out_of_range)
{
	expect_error("pcap:\n  rotate_size: 100\n",
	             NAME ":2: pcap.rotate_size: 100 is out of range (0 (off) or 64KiB..)");
	expect_error("pcap:\n  snaplen: 1MiB\n",
	             NAME ":2: pcap.snaplen: 1MiB is out of range (64..256KiB)");
}

Test(config_errors, bad_duration)
{
	expect_error("pcap:\n  rotate_interval: 250ms\n",
	             NAME ":2: pcap.rotate_interval: '250ms' is not a duration");
	expect_error("analyzer:\n  flow_timeout: 8d\n",
	             NAME ":2: analyzer.flow_timeout: 8d is out of range (1s..7d)");
}

Test(config_errors, mtu_out_of_range)
{
	expect_error("sessions:\n  - {name: a, vni: 1, path_mtu: 65536}\n", NAME
	             ":2: sessions[0].path_mtu: 65536 is out of range (0 (unknown) or 68..65535)");
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    routes:\n"
	             "      - prefix: 198.18.0.0/15\n"
	             "        mtu: 67\n",
	             NAME ":6: sessions[0].routes[0].mtu: 67 is out of range (68..65535)");
}

Test(config_errors, bad_unknown_vni)
{
	expect_error("unknown_vni: create\n", NAME ":1: unknown_vni: 'create' is not drop or auto");
}

Test(config_errors, bad_boolean)
{
	expect_error("sessions:\n  - {name: a, vni: 1, pcap: maybe}\n",
	             NAME ":2: sessions[0].pcap: 'maybe' is not a boolean");
}

Test(config_errors, offline_session_unknown)
{
	expect_error("sessions:\n"
	             "  - {name: web, vni: 1}\n"
	             "offline_session: wbe\n",
	             NAME ":3: offline_session: no session is named \"wbe\"");
}

Test(config_errors, yaml_syntax_error)
{
	expect_error("pcap:\n"
	             "  keep_files: 3\n"
	             " snaplen: 9000\n",
	             NAME ":3: YAML syntax error:");
	expect_error("sessions: [{name: a, vni: 1}\n", NAME ":2: YAML syntax error:");
}

Test(config_errors, yaml_bad_utf8)
{
	expect_error("pcap_dir: ok\nalert_log: \xff\xfe\n", NAME ":2: YAML syntax error:");
}

Test(config_errors, second_document)
{
	expect_error("pcap_dir: a\n---\npcap_dir: b\n",
	             NAME ":3: only one YAML document is allowed");
}

Test(config_errors, nul_byte)
{
	expect_error("pcap_dir: \"a\\0b\"\n", NAME ":1: pcap_dir: contains a NUL byte");
}

Test(config_errors, multiple_errors_all_reported)
{
	static const char *const want[] = {
	    NAME ":1: listen[0]: 'nowhere': expected addr:port",
	    NAME ":3: pcap: unknown key 'rotate_sise'",
	    NAME ":4: pcap.keep_files: 'x' is not a non-negative integer",
	    NAME ":7: sessions[0].vni: 99999999 is out of range",
	    NAME ":10: sessions[2].vni: duplicate VNI 5 (also session \"b\" at line 8)",
	    NAME ":11: analyzer: unknown key 'flowtimeout' (did you mean 'flow_timeout'?)",
	    NAME ":12: offline_session: no session is named \"zz\"",
	};

	expect_errors("listen: [nowhere]\n"
	              "pcap:\n"
	              "  rotate_sise: 1GiB\n"
	              "  keep_files: x\n"
	              "sessions:\n"
	              "  - name: a\n"
	              "    vni: 99999999\n"
	              "  - name: b\n"
	              "    vni: 5\n"
	              "  - {name: c, vni: 5}\n"
	              "analyzer: {flowtimeout: 1}\n"
	              "offline_session: zz\n",
	              7, want, 7);
}

Test(config_errors, error_flood_is_capped)
{
	size_t n = 500, len = 0;
	char *yaml = malloc(n * 16 + 1);
	struct config_errors errs = {0};

	cr_assert_not_null(yaml);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(yaml + len, "k%zu: 1\n", i);
	cr_expect_null(config_load_string(NAME, yaml, len, &errs));
	cr_expect_leq(errs.n, 101);
	cr_expect_geq(errs.n, 100);
	free(yaml);
	config_errors_free(&errs);
}

Test(config_errors, alias_bomb_is_bounded)
{
	/* 1000 sessions sharing one list of 1000 routes through an alias: 60 KB of
	 * text naming 3M nodes.  The walk must stop at its budget. */
	size_t n = 1000, len = 0;
	char *yaml = malloc(n * 128 + 256);
	struct config_errors errs = {0};
	char *out;

	cr_assert_not_null(yaml);
	len += (size_t)sprintf(yaml + len, "sessions:\n  - {name: s0, vni: 0, routes: &rl [");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(yaml + len, "%s{prefix: 10.0.%zu.%zu, mtu: 1500}",
		                       i == 0 ? "" : ",", i / 256, i % 256);
	len += (size_t)sprintf(yaml + len, "]}\n");
	for (size_t i = 1; i < n; i++)
		len +=
		    (size_t)sprintf(yaml + len, "  - {name: s%zu, vni: %zu, routes: *rl}\n", i, i);
	cr_expect_null(config_load_string(NAME, yaml, len, &errs));
	out = errors_text(&errs);
	cr_expect_eq(errs.n, 1, "%s", out);
	cr_expect_not_null(strstr(out, "document too large"), "%s", out);
	free(out);
	free(yaml);
	config_errors_free(&errs);
}

Test(config, many_routes_and_sessions)
{
	/* a large but legitimate config loads, and quickly (no quadratic checks) */
	size_t n = 3000, len = 0;
	char *yaml = malloc(n * 96 + 256);
	struct config_errors errs = {0};
	struct config *cfg;

	cr_assert_not_null(yaml);
	len += (size_t)sprintf(yaml + len, "sessions:\n  - name: big\n    vni: 100000\n"
	                                   "    routes:\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(yaml + len,
		                       "      - {prefix: 2001:db8:%zx::/48, mtu: 1500}\n", i);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(yaml + len, "  - {name: s%zu, vni: %zu}\n", i, i);
	cfg = config_load_string(NAME, yaml, len, &errs);
	cr_assert_not_null(cfg);
	cr_expect_eq(cfg->nsessions, n + 1);
	cr_expect_eq(cfg->sessions[0].nroutes, n);
	cr_expect_eq(config_find_vni(cfg, 2999), &cfg->sessions[3000]);
	config_free(cfg);
	free(yaml);
	config_errors_free(&errs);
}

Test(config_errors, null_list_items)
{
	expect_error("sessions:\n"
	             "  -\n"
	             "  - {name: a, vni: 1}\n",
	             NAME ":2: sessions[0]: expected a mapping (name:, vni:, ...), got nothing");
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    routes: [~]\n",
	             NAME
	             ":4: sessions[0].routes[0]: expected a mapping {prefix, mtu}, got nothing");
}

/* --- units ------------------------------------------------------------- */

static uint64_t size_of(const char *s)
{
	uint64_t v = 0;

	cr_assert_eq(parse_size(s, &v), 0, "parse_size(\"%s\") failed", s);
	return v;
}

static uint64_t duration_of(const char *s)
{
	uint64_t v = 0;

	cr_assert_eq(parse_duration(s, &v), 0, "parse_duration(\"%s\") failed", s);
	return v;
}

Test(units, sizes)
{
	cr_expect_eq(size_of("0"), 0);
	cr_expect_eq(size_of("4096"), 4096);
	cr_expect_eq(size_of("4096B"), 4096);
	cr_expect_eq(size_of("64KiB"), 65536);
	cr_expect_eq(size_of("64k"), 65536);
	cr_expect_eq(size_of("64K"), 65536);
	cr_expect_eq(size_of("64KB"), 64000);
	cr_expect_eq(size_of("100MiB"), 104857600);
	cr_expect_eq(size_of("100 MiB"), 104857600);
	cr_expect_eq(size_of("500MB"), 500000000);
	cr_expect_eq(size_of("1GiB"), 1073741824);
	cr_expect_eq(size_of("1G"), 1073741824);
	cr_expect_eq(size_of("1GB"), 1000000000);
	cr_expect_eq(size_of("2TiB"), 2ull << 40);
	cr_expect_eq(size_of("3TB"), 3000000000000ull);
	cr_expect_eq(size_of("18446744073709551615"), UINT64_MAX);
	cr_expect_eq(size_of("16777215TiB"), 16777215ull << 40);
}

Test(units, bad_sizes)
{
	static const char *const bad[] = {
	    "",
	    "B",
	    "-1",
	    "+1",
	    " 1",
	    "1x",
	    "1 ",
	    "1MIB",
	    "1mib",
	    "1.5MiB",
	    "0x10",
	    "1 1",
	    "18446744073709551616",
	    "16777216TiB",
	    "1MiBB",
	    "MiB",
	};
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse_size(bad[i], &v), -1, "parse_size accepted \"%s\"", bad[i]);
	cr_expect_eq(parse_size(NULL, &v), -1);
	cr_expect_eq(v, 42, "output written on failure");
}

Test(units, durations)
{
	cr_expect_eq(duration_of("0"), 0);
	cr_expect_eq(duration_of("45"), 45);
	cr_expect_eq(duration_of("30s"), 30);
	cr_expect_eq(duration_of("5m"), 300);
	cr_expect_eq(duration_of("1h"), 3600);
	cr_expect_eq(duration_of("1d"), 86400);
	cr_expect_eq(duration_of("213503982334601d"), 213503982334601ull * 86400);
}

Test(units, bad_durations)
{
	static const char *const bad[] = {
	    "",
	    "s",
	    "-5m",
	    "250ms",
	    "1.5h",
	    "5M",
	    "1w",
	    "5 minutes",
	    "1h30m",
	    "213503982334602d",
	    "18446744073709551616",
	};
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse_duration(bad[i], &v), -1, "parse_duration accepted \"%s\"",
		             bad[i]);
	cr_expect_eq(v, 42, "output written on failure");
}

/* --- ingest and operations keys ------------------------------------------ */

Test(config, workers_rcvbuf_geneve_http)
{
	char buf[ADDR_STRLEN + 8];
	struct config *c = load_ok("workers: auto\n"
	                           "rcvbuf: 64MiB\n"
	                           "geneve_listen: [\"0.0.0.0:6081\", \"[::]:6081\"]\n"
	                           "http: {listen: \"[::1]:19477\"}\n");
	char *text = print_text(c);
	struct config *d = load_ok(text);

	cr_expect_eq(c->workers, 0);
	cr_expect_eq(c->rcvbuf, 64ull << 20);
	cr_assert_eq(c->ngeneve, 2);
	cr_expect_str_eq(fmt_ep(&c->geneve_listen[1], buf), "[::]:6081");
	cr_expect(c->http_enabled);
	cr_expect_str_eq(fmt_ep(&c->http_listen, buf), "[::1]:19477");
	expect_same(c, d);
	free(text);
	config_free(c);
	config_free(d);
	c = load_ok("workers: 4\nhttp:\n  listen: off\n");
	cr_expect_eq(c->workers, 4);
	cr_expect(!c->http_enabled);
	text = print_text(c);
	d = load_ok(text);
	expect_same(c, d);
	free(text);
	config_free(c);
	config_free(d);
}

Test(config_errors, workers_rcvbuf_http)
{
	expect_error("workers: 0\n", "t.yaml:1: workers: 0 is out of range (1..64)");
	expect_error("workers: many\n", "t.yaml:1: workers: 'many' is not auto or a number");
	expect_error("\nrcvbuf: 1\n", "t.yaml:2: rcvbuf: 1 is out of range");
	expect_error("http:\n  listen: 1.2.3.4\n", "t.yaml:2: http.listen: '1.2.3.4'");
	expect_error("http:\n  port: 9\n", "t.yaml:2: http: unknown key 'port'");
	expect_error("geneve_listen: [nope]\n", "t.yaml:1: geneve_listen[0]: 'nope'");
}

Test(config, http_off_as_a_scalar)
{
	struct config *cfg = load_ok("http: off\n");

	cr_expect(!cfg->http_enabled);
	config_free(cfg);
	cfg = load_ok("http: {listen: off}\n");
	cr_expect(!cfg->http_enabled);
	config_free(cfg);
	cfg = load_ok("http: {listen: \"127.0.0.1:9999\"}\n");
	cr_expect(cfg->http_enabled);
	config_free(cfg);
}

Test(config_errors, http_scalar_other_than_off)
{
	expect_error("http: \"0.0.0.0:9477\"\n",
	             "t.yaml:1: http: '0.0.0.0:9477': expected {listen: \"ADDR:PORT\"} or off");
}

Test(config, disk_budget_and_hooks)
{
	struct config_errors errs = {0};
	struct config *cfg;
	char *out;

	cfg = load("pcap: {max_disk: 20GiB, min_free: 10%, on_complete: [/usr/bin/aws, s3, cp, "
	           "'{file}', 's3://b/{session}/'], on_complete_jobs: 4, delete_after_hook: on}\n",
	           &errs);
	cr_assert_not_null(cfg, "%s", errors_text(&errs));
	cr_assert_eq(cfg->pcap.max_disk, 20ull << 30);
	cr_assert_eq(cfg->pcap.min_free_pct, 10);
	cr_assert_eq(cfg->pcap.min_free, 0);
	cr_assert_str_eq(cfg->pcap.on_complete[0], "/usr/bin/aws");
	cr_assert_str_eq(cfg->pcap.on_complete[3], "{file}");
	cr_assert_null(cfg->pcap.on_complete[5]);
	cr_assert_eq(cfg->pcap.on_complete_jobs, 4);
	cr_assert(cfg->pcap.delete_after_hook);
	out = print_text(cfg);
	cr_assert_not_null(strstr(out, "max_disk: 20GiB"), "%s", out);
	cr_assert_not_null(strstr(out, "min_free: 10%"), "%s", out);
	free(out);
	config_free(cfg);
	/* defaults: no cap, 5% free, no hook */
	cfg = load("", &errs);
	cr_assert_eq(cfg->pcap.max_disk, 0);
	cr_assert_eq(cfg->pcap.min_free_pct, 5);
	cr_assert_null(cfg->pcap.on_complete);
	cr_assert_eq(cfg->pcap.on_complete_jobs, 2);
	config_free(cfg);
	/* a size for min_free */
	cfg = load("pcap: {min_free: 2GiB}\n", &errs);
	cr_assert_eq(cfg->pcap.min_free, 2ull << 30);
	cr_assert_eq(cfg->pcap.min_free_pct, 0);
	config_free(cfg);
	config_errors_free(&errs);
}

Test(config, disk_budget_errors)
{
	expect_error("pcap: {min_free: 120%}\n",
	             NAME ":1: pcap.min_free: '120%' is not a percentage from 0% to 99%");
	expect_error("pcap: {min_free: lots}\n", NAME ":1: pcap.min_free: 'lots' is not a size");
	expect_error("pcap: {on_complete: [aws, s3, cp, '{file}']}\n",
	             NAME ":1: pcap.on_complete: the program must be an absolute path");
	expect_error("pcap: {max_disk: 1KiB}\n", NAME ":1: pcap.max_disk: 1KiB is out of range");
	expect_error("pcap: {on_complete_jobs: 0}\n", NAME ":1: pcap.on_complete_jobs: 0 is out");
}

Test(config, delete_after_hook_needs_a_hook)
{
	expect_error("pcap:\n  delete_after_hook: on\n",
	             NAME ":2: pcap.delete_after_hook: needs pcap.on_complete");
}

Test(config, listen_clashes)
{
	expect_error("listen: [\"0.0.0.0:4789\"]\ngeneve_listen: [\"198.18.0.1:4789\"]\n",
	             NAME ":2: geneve_listen: 198.18.0.1:4789 clashes with listen 0.0.0.0:4789 "
	                  "(line 1)");
	expect_error("geneve_listen: [\"[::]:4789\"]\n",
	             NAME ":1: geneve_listen: [::]:4789 clashes with listen 0.0.0.0:4789 (the "
	                  "default)");
	expect_error("http: {listen: \"127.0.0.1:4789\"}\n",
	             NAME ":1: http.listen: 127.0.0.1:4789 uses the port of listen 0.0.0.0:4789");
	/* negatives: other ports, or other addresses of one family */
	struct config_errors errs = {0};
	struct config *cfg =
	    load("listen: [\"198.18.0.1:4789\"]\ngeneve_listen: [\"198.18.0.2:4789\", "
	         "\"0.0.0.0:6081\"]\nhttp: {listen: \"127.0.0.1:9477\"}\n",
	         &errs);
	cr_assert_not_null(cfg, "%s", errors_text(&errs));
	config_free(cfg);
	config_errors_free(&errs);
}

Test(config, check_dirs)
{
	struct config_errors errs = {0};
	char dir[] = "/tmp/vx-cfgdirs-XXXXXX", yaml[1400], file[600];
	struct config *cfg;
	char *out;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/plain", dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	/* creatable: missing directories under a writable one */
	snprintf(yaml, sizeof(yaml), "pcap_dir: %s/a/b\nalert_log: %s/c/alerts.json\n", dir, dir);
	cfg = load(yaml, &errs);
	cr_assert_not_null(cfg);
	cr_assert_eq(config_check_dirs(cfg, &errs), 0, "%s", errors_text(&errs));
	config_free(cfg);
	/* not: a path through a regular file, on the line that set it */
	snprintf(yaml, sizeof(yaml), "alert_log: %s/c/alerts.json\npcap_dir: %s/plain/pcap\n", dir,
	         file);
	cfg = load(yaml, &errs);
	cr_assert_not_null(cfg);
	cr_assert_eq(config_check_dirs(cfg, &errs), 1);
	out = errors_text(&errs);
	cr_assert_not_null(strstr(out, NAME ":2: pcap_dir: "), "%s", out);
	cr_assert_not_null(strstr(out, "Not a directory"), "%s", out);
	free(out);
	config_free(cfg);
	config_errors_free(&errs);
	unlink(file);
	rmdir(dir);
}

/* --- instance_name and analyzer.suppress ---------------------------------- */

Test(config, instance_name_defaults_to_host_name)
{
	struct config *cfg = load_ok("");
	char h[256] = "";

	cr_assert_eq(gethostname(h, sizeof(h)), 0);
	cr_expect_str_eq(cfg->instance_name, h);
	config_free(cfg);
	cfg = load_ok("instance_name: mirror-a.eu-west-1\n");
	cr_expect_str_eq(cfg->instance_name, "mirror-a.eu-west-1");
	config_free(cfg);
	expect_error("instance_name: \"two words\"\n",
	             "t.yaml:1: instance_name: 'two words': only printable characters, no spaces");
}

Test(config, suppress_rules)
{
	struct config *a = load_ok("analyzer:\n"
	                           "  suppress:\n"
	                           "    - {type: fragmented}\n"
	                           "    - {src: 198.18.0.0/15, dst: 2001:db8::/32}\n"
	                           "    - {type: icmp_ptb, dst: 198.18.1.1}\n"),
	              *b;
	char *text = print_text(a);

	cr_assert_eq(a->nsuppress, 3);
	cr_expect_eq(a->suppress[0].type, ALERT_FRAGMENTED);
	cr_expect(!a->suppress[0].has_src && !a->suppress[0].has_dst);
	cr_expect_eq(a->suppress[1].type, -1);
	cr_expect(a->suppress[1].has_src && a->suppress[1].has_dst);
	cr_expect_eq(a->suppress[1].src.plen, 15);
	cr_expect_eq(a->suppress[2].dst.plen, 32); /* a bare address is a host */
	cr_expect_eq(a->suppress[2].line, 5);
	cr_expect_not_null(strstr(text, "    - {type: icmp_ptb, dst: 198.18.1.1/32}\n"), "%s",
	                   text);
	b = load_ok(text);
	cr_expect_eq(b->nsuppress, 3);
	cr_expect_eq(b->suppress[1].dst.plen, 32);
	free(text);
	config_free(a);
	config_free(b);
}

Test(config, suppress_errors)
{
	expect_error("analyzer:\n  suppress:\n    - {type: blackhole}\n",
	             "t.yaml:3: analyzer.suppress[0].type: 'blackhole': not an alert type");
	expect_error("analyzer:\n  suppress:\n    - {}\n",
	             "t.yaml:3: analyzer.suppress[0]: an empty rule would silence every alert");
	expect_error("analyzer:\n  suppress:\n    - {src: 10.1.2.3/16}\n",
	             "t.yaml:3: analyzer.suppress[0].src: '10.1.2.3/16'");
	expect_error("analyzer:\n  suppress:\n    - {type: fragmented, dts: 10.0.0.0/8}\n",
	             "t.yaml:3: analyzer.suppress[0]: unknown key 'dts'");
	expect_error("analyzer:\n  suppress: {type: fragmented}\n",
	             "t.yaml:2: analyzer.suppress: expected a list of {type, src, dst}");
}

/* --- pcap_filter (issue 12) ---------------------------------------------- */

Test(config_errors, pcap_filter_not_an_expression)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    pcap_filter: \"not port 22 and and\"\n",
	             NAME ":4: sessions[0].pcap_filter: libpcap: can't parse filter expression: "
	                  "syntax error (see pcap-filter(7))");
	expect_error("pcap:\n"
	             "  filter: \"tcp port 99999\"\n",
	             NAME ":2: pcap.filter: libpcap: illegal port number 99999 > 65535 (see "
	                  "pcap-filter(7))");
}

Test(config, pcap_filter_default_and_own)
{
	struct config *c = load_ok("sessions:\n"
	                           "  - {name: a, vni: 1}\n"
	                           "  - {name: b, vni: 2, pcap_filter: \"udp\"}\n"
	                           "pcap:\n"
	                           "  filter: \"not port 22\"\n");
	char *out = print_text(c);

	cr_assert_not_null(c->pcap.filter_prog);
	cr_expect_eq(c->sessions[0].filter,
	             c->pcap.filter_prog); /* the default, set later in the file */
	cr_expect_null(c->sessions[0].pcap_filter);
	cr_assert_not_null(c->sessions[1].filter);
	cr_expect_neq(c->sessions[1].filter, c->pcap.filter_prog);
	cr_expect_str_eq(c->sessions[1].pcap_filter, "udp");
	cr_expect_not_null(strstr(out, "  filter: \"not port 22\"\n"), "%s", out);
	cr_expect_not_null(strstr(out, "    pcap_filter: \"udp\"\n"), "%s", out);
	free(out);
	config_free(c);
	c = load_ok("sessions: [{name: a, vni: 1}]\n");
	cr_expect_null(c->sessions[0].filter); /* no filter: every frame is written */
	config_free(c);
}

/* --- expect_traffic (issue 12) -------------------------------------------- */

Test(config, expect_traffic_off_by_default_a_duration_or_off)
{
	struct config *c = load_ok("sessions:\n"
	                           "  - {name: a, vni: 1}\n"
	                           "  - {name: b, vni: 2, expect_traffic: 5m}\n"
	                           "  - {name: c, vni: 3, expect_traffic: off}\n"
	                           "  - {name: d, vni: 4, expect_traffic: 90}\n"
	                           "pcap: {rotate_interval: off, keep_files: unlimited}\n");
	char *out = print_text(c);

	cr_expect_eq(c->sessions[0].expect_traffic, 0);
	cr_expect_eq(c->sessions[1].expect_traffic, 300);
	cr_expect_eq(c->sessions[2].expect_traffic, 0);
	cr_expect_eq(c->sessions[3].expect_traffic, 90);
	/* the word a key names for 0 is accepted wherever that key is */
	cr_expect_eq(c->pcap.rotate_interval, 0);
	cr_expect_eq(c->pcap.keep_files, 0);
	cr_expect_not_null(strstr(out, "    expect_traffic: 5m\n"), "%s", out);
	cr_expect_not_null(strstr(out, "    expect_traffic: 90s\n"), "%s", out);
	cr_expect_null(strstr(out, "expect_traffic: 0"), "%s", out);
	free(out);
	config_free(c);
}

Test(config_errors, expect_traffic_not_a_duration)
{
	expect_error("sessions:\n"
	             "  - name: a\n"
	             "    vni: 1\n"
	             "    expect_traffic: soon\n",
	             NAME
	             ":4: sessions[0].expect_traffic: 'soon' is not a duration in whole seconds "
	             "(e.g. 30, 30s, 5m, 1h, 1d)");
	expect_error("sessions:\n"
	             "  - {name: a, vni: 1, expect_traffic: 8d}\n",
	             NAME ":2: sessions[0].expect_traffic: 8d is out of range (0 (off) or 1s..7d)");
}
