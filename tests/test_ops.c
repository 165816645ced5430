/*
 * test_ops.c - the operations surface: metrics_render / metrics_health,
 * the evhttp server (/healthz, /metrics, 404, 405), sd_notify without
 * libsystemd, and the real daemon sending READY=1 on a NOTIFY_SOCKET
 * and serving /metrics that `promtool check metrics` accepts.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/un.h>

#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "daemon_harness.h"
#include "vxmirror/http.h"
#include "vxmirror/metrics.h"
#include "vxmirror/notify.h"
#include "vxmirror/session.h"

/* ---- a fake snapshot --------------------------------------------------- */

static struct metrics_session fake_sessions[3];

/* fake_snapshot: two configured sessions, one automatic, some traffic. */
static void fake_snapshot(struct metrics_snapshot *m)
{
	memset(m, 0, sizeof(*m));
	memset(fake_sessions, 0, sizeof(fake_sessions));
	m->start_time = 1795000000.25;
	m->workers = 2;
	m->listeners = 2;
	m->listening = true;
	m->ingest.datagrams = 1000;
	m->ingest.bytes = 1234567;
	m->ingest.not_allowed = 3;
	m->ingest.bad_vxlan = 4;
	m->ingest.unknown_vni = 5;
	m->ingest.kernel_drops = 6;
	m->ingest.decode[DEC_IP_HLEN] = 7;
	m->analyzer.flows_active = 8;
	m->analyzer.flows_evicted = 9;
	m->analyzer.alerts[ALERT_OVERSIZE_DF] = 10;
	m->alerts.written = 10;
	m->reloads = 2;
	m->reload_errors = 1;
	snprintf(fake_sessions[0].name, CONFIG_NAME_MAX, "web");
	fake_sessions[0].alerts[ALERT_OVERSIZE_DF] = 7;
	fake_sessions[0].vni = 123;
	fake_sessions[0].pcap_enabled = true;
	fake_sessions[0].packets = 42;
	fake_sessions[0].bytes = 4200;
	fake_sessions[0].truncated = 1;
	fake_sessions[0].pcap.bytes = 5000;
	fake_sessions[0].pcap.files_rotated = 11;
	snprintf(fake_sessions[1].name, CONFIG_NAME_MAX, "vni-77");
	fake_sessions[1].alerts[ALERT_OVERSIZE_DF] = 3;
	fake_sessions[1].vni = 77;
	fake_sessions[1].auto_created = true;
	snprintf(fake_sessions[2].name, CONFIG_NAME_MAX, "capture");
	fake_sessions[2].vni = VNI_NONE;
	m->sessions = fake_sessions;
	m->nsessions = 3;
}

static char *render(const struct metrics_snapshot *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	metrics_render(m, f);
	fclose(f);
	return text;
}

/* ---- metrics_render ----------------------------------------------------- */

/* sample_value: the value of the sample line that starts with `series` + ' '. */
static bool sample_value(const char *text, const char *series, double *v)
{
	size_t n = strlen(series);

	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			*v = strtod(p + n + 1, NULL);
			return true;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return false;
}

/* metric_name_ok: [a-z_][a-z0-9_]* */
static bool name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return n > 0;
}

Test(metrics, every_line_is_well_formed)
{
	struct metrics_snapshot m;
	char *text, *save = NULL, family[128] = "", type[16] = "";
	int helps = 0, types = 0, samples = 0;

	fake_snapshot(&m);
	text = render(&m);
	cr_assert(text[strlen(text) - 1] == '\n', "ends with a newline");
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char name[128];
		if (strncmp(l, "# HELP ", 7) == 0) {
			size_t n = strcspn(l + 7, " ");
			cr_assert(n < sizeof(family));
			cr_assert(strcmp(family, "") == 0 || strncmp(l + 7, family, n) != 0 ||
			              family[n] != '\0',
			          "family %s repeated", family);
			memcpy(family, l + 7, n);
			family[n] = '\0';
			cr_assert(strncmp(family, "vxmirror_", 9) == 0, "%s", l);
			cr_assert(name_ok(family, n), "%s", l);
			cr_assert(strlen(l + 7 + n) > 2, "HELP has text: %s", l);
			helps++;
			continue;
		}
		if (strncmp(l, "# TYPE ", 7) == 0) {
			size_t n = strcspn(l + 7, " ");
			cr_assert(strncmp(l + 7, family, n) == 0 && family[n] == '\0',
			          "TYPE right after its HELP: %s", l);
			snprintf(type, sizeof(type), "%s", l + 7 + n + 1);
			cr_assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0, "%s",
			          l);
			if (strcmp(type, "counter") == 0)
				cr_assert(strlen(family) > 6 &&
				              strcmp(family + strlen(family) - 6, "_total") == 0,
				          "counter %s ends in _total", family);
			else
				cr_assert(strstr(family, "_total") == NULL, "gauge %s", family);
			types++;
			continue;
		}
		cr_assert(l[0] != '#', "unknown comment: %s", l);
		/* a sample: name{labels} value */
		size_t n = strcspn(l, "{ ");
		cr_assert(n < sizeof(name));
		memcpy(name, l, n);
		name[n] = '\0';
		cr_assert_str_eq(name, family, "sample of the current family: %s", l);
		const char *rest = l + n;
		if (*rest == '{') {
			const char *close = strstr(rest, "} ");
			cr_assert_not_null(close, "labels closed: %s", l);
			rest = close + 1;
		}
		cr_assert(*rest == ' ', "%s", l);
		char *end;
		strtod(rest + 1, &end);
		cr_assert(end != rest + 1 && *end == '\0', "numeric value: %s", l);
		samples++;
	}
	cr_assert_eq(helps, types);
	cr_assert_gt(helps, 30);
	cr_assert_gt(samples, helps);
	free(text);
}

Test(metrics, values_and_labels)
{
	struct metrics_snapshot m;
	char *text;
	double v;

	fake_snapshot(&m);
	text = render(&m);
	cr_assert(sample_value(text, "vxmirror_datagrams_total", &v) && v == 1000);
	cr_assert(sample_value(text, "vxmirror_bad_vxlan_datagrams_total", &v) && v == 4);
	cr_assert(sample_value(text, "vxmirror_not_allowed_datagrams_total", &v) && v == 3);
	cr_assert(sample_value(text, "vxmirror_unknown_vni_datagrams_total", &v) && v == 5);
	cr_assert(sample_value(text, "vxmirror_kernel_drops_total", &v) && v == 6);
	cr_assert(sample_value(text, "vxmirror_decode_errors_total{kind=\"ip_hlen\"}", &v) &&
	          v == 7);
	cr_assert(sample_value(text, "vxmirror_decode_errors_total{kind=\"not_ip\"}", &v) &&
	          v == 0);
	cr_assert(sample_value(text, "vxmirror_flows_active", &v) && v == 8);
	cr_assert(sample_value(text, "vxmirror_flows_evicted_total", &v) && v == 9);
	/* by session and type: sum by (type) gives the target's total */
	cr_assert(
	    sample_value(text,
	                 "vxmirror_alerts_total{session=\"web\",vni=\"123\",type=\"oversize_df\"}",
	                 &v) &&
	    v == 7);
	cr_assert(sample_value(
	              text,
	              "vxmirror_alerts_total{session=\"vni-77\",vni=\"77\",type=\"oversize_df\"}",
	              &v) &&
	          v == 3);
	cr_assert(sample_value(
	              text,
	              "vxmirror_alerts_total{session=\"web\",vni=\"123\",type=\"pmtud_blackhole\"}",
	              &v) &&
	          v == 0);
	cr_assert(sample_value(text, "vxmirror_config_reloads_total", &v) && v == 2);
	cr_assert(sample_value(text, "vxmirror_config_reload_errors_total", &v) && v == 1);
	cr_assert(sample_value(text, "vxmirror_config_last_reload_successful", &v) && v == 1);
	cr_assert(sample_value(text, "vxmirror_workers", &v) && v == 2);
	cr_assert(sample_value(text, "vxmirror_healthy", &v) && v == 1);
	cr_assert(sample_value(text, "vxmirror_start_time_seconds", &v) && v == 1795000000.25);
	cr_assert(
	    sample_value(text, "vxmirror_session_packets_total{session=\"web\",vni=\"123\"}", &v) &&
	    v == 42);
	cr_assert(
	    sample_value(text,
	                 "vxmirror_session_pcap_files_rotated_total{session=\"web\",vni=\"123\"}",
	                 &v) &&
	    v == 11);
	cr_assert(sample_value(
	              text, "vxmirror_session_truncated_packets_total{session=\"web\",vni=\"123\"}",
	              &v) &&
	          v == 1);
	cr_assert(sample_value(text,
	                       "vxmirror_session_info{session=\"vni-77\",vni=\"77\",auto=\"true\","
	                       "pcap=\"off\"}",
	                       &v) &&
	          v == 1);
	cr_assert(sample_value(
	    text, "vxmirror_session_bytes_total{session=\"capture\",vni=\"none\"}", &v));
	for (int k = 0; k < ALERT__MAX; k++) {
		char series[128];
		snprintf(series, sizeof(series),
		         "vxmirror_alerts_total{session=\"capture\",vni=\"none\",type=\"%s\"}",
		         alert_type_name((enum alert_type)k));
		cr_assert(sample_value(text, series, &v), "%s present", series);
	}
	free(text);
}

/* expect_traffic: the last packet of live sessions that had one, and the
 * silent verdict only for the sessions that are watched. */
Test(metrics, last_packet_and_silent)
{
	struct metrics_snapshot m;
	char *text;
	double v;

	fake_snapshot(&m);
	fake_sessions[0].live = fake_sessions[1].live = fake_sessions[2].live = true;
	fake_sessions[0].last_packet_ns = 1795000123456000000;
	fake_sessions[0].watched = true;
	fake_sessions[0].silent = true;
	fake_sessions[1].last_packet_ns = 1795000100000000000;
	fake_sessions[1].live = false; /* retired by a reload: its last packet says nothing now */
	text = render(&m);
	cr_assert(sample_value(text,
	                       "vxmirror_session_last_packet_seconds{session=\"web\",vni=\"123\"}",
	                       &v) &&
	              v == 1795000123.456,
	          "%s", text);
	cr_assert_null(strstr(text, "vxmirror_session_last_packet_seconds{session=\"vni-77\""));
	cr_assert_null(strstr(text, "vxmirror_session_last_packet_seconds{session=\"capture\""));
	cr_assert(sample_value(text, "vxmirror_session_silent{session=\"web\",vni=\"123\"}", &v) &&
	          v == 1);
	cr_assert_null(strstr(text, "vxmirror_session_silent{session=\"vni-77\""));
	cr_assert_not_null(strstr(text, "# TYPE vxmirror_session_silent gauge\n"));
	free(text);
	fake_sessions[0].silent = false;
	text = render(&m);
	cr_assert(sample_value(text, "vxmirror_session_silent{session=\"web\",vni=\"123\"}", &v) &&
	          v == 0);
	free(text);
}

Test(metrics, label_values_are_escaped)
{
	struct metrics_snapshot m;
	char *text;

	fake_snapshot(&m);
	snprintf(fake_sessions[0].name, CONFIG_NAME_MAX, "a\"b\\c\nd");
	text = render(&m);
	cr_assert_not_null(
	    strstr(text,
	           "vxmirror_session_packets_total{session=\"a\\\"b\\\\c\\nd\",vni=\"123\"} 42\n"),
	    "%s", text);
	free(text);
}

Test(metrics, reload_error_and_no_sessions)
{
	struct metrics_snapshot m;
	char *text;
	double v;

	fake_snapshot(&m);
	m.nsessions = 0;
	m.sessions = NULL;
	snprintf(m.config_error, sizeof(m.config_error), "x.yaml:3: vni: bad");
	text = render(&m);
	cr_assert(sample_value(text, "vxmirror_config_last_reload_successful", &v) && v == 0);
	cr_assert(sample_value(text, "vxmirror_sessions", &v) && v == 0);
	/* the per-session families are still declared */
	cr_assert_not_null(strstr(text, "# TYPE vxmirror_session_packets_total counter\n"));
	free(text);
}

/* ---- metrics_health ----------------------------------------------------- */

Test(health, healthy)
{
	struct metrics_snapshot m;
	char why[256] = "junk";

	fake_snapshot(&m);
	cr_assert_eq(metrics_health(&m, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "");
	cr_assert_eq(metrics_health(&m, NULL, 0), 0);
}

Test(health, reasons)
{
	struct metrics_snapshot m;
	char why[256];

	fake_snapshot(&m);
	m.listening = false;
	m.listeners = 1;
	cr_assert_eq(metrics_health(&m, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "not listening: 1 receive socket bound");

	fake_snapshot(&m);
	m.alertlog_failing = true;
	m.alerts.write_errors = 3;
	cr_assert_eq(metrics_health(&m, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "alert log failing: 3 lines lost");
	cr_assert_eq(metrics_health(&m, NULL, 0), -1);

	fake_snapshot(&m);
	fake_sessions[1].pcap_failing = true;
	fake_sessions[1].pcap.write_errors = 1;
	m.alertlog_failing = true;
	cr_assert_eq(metrics_health(&m, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "alert log failing: 0 lines lost; "
	                      "pcap failing for session vni-77: 1 write error");
	/* a short buffer is cut, still terminated */
	cr_assert_eq(metrics_health(&m, why, 10), -1);
	cr_assert_str_eq(why, "alert log");
}

Test(health, many_failing_sessions)
{
	struct metrics_snapshot m;
	struct metrics_session s[7];
	char why[1024];

	fake_snapshot(&m);
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 7; i++) {
		snprintf(s[i].name, CONFIG_NAME_MAX, "s%d", i);
		s[i].pcap_failing = true;
	}
	m.sessions = s;
	m.nsessions = 7;
	cr_assert_eq(metrics_health(&m, why, sizeof(why)), -1);
	cr_assert_not_null(strstr(why, "session s3:"));
	cr_assert_null(strstr(why, "session s4:"));
	cr_assert_not_null(strstr(why, "and 3 more sessions failing"), "%s", why);
}

/* ---- the HTTP server ---------------------------------------------------- */

struct server {
	struct event_base *base;
	struct http *http;
	pthread_t thread;
	struct event *stop; /* activated from the test thread; breaks the loop in its own */
	pthread_mutex_t mu;
	struct metrics_snapshot snap; /* what collect hands out */
	int collects, releases;
};

static struct server srv;

static void srv_collect(void *arg, struct metrics_snapshot *out)
{
	struct server *s = arg;

	pthread_mutex_lock(&s->mu);
	*out = s->snap;
	s->collects++;
	pthread_mutex_unlock(&s->mu);
}

static void srv_release(void *arg, struct metrics_snapshot *snap)
{
	struct server *s = arg;

	(void)snap;
	pthread_mutex_lock(&s->mu);
	s->releases++;
	pthread_mutex_unlock(&s->mu);
}

/* srv_break: runs in the loop thread.  A loopbreak from the test thread
 * could come before the loop starts, and event_base_loop() clears it on
 * entry; an activated event is not lost that way. */
static void srv_break(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(s->base);
}

static void *srv_loop(void *arg)
{
	struct server *s = arg;

	event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static struct endpoint loopback(uint16_t port)
{
	struct endpoint ep;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ep.ss;

	memset(&ep, 0, sizeof(ep));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ep.sslen = sizeof(*sin);
	return ep;
}

/* srv_paths: a stand-in for the daemon's GET /paths: one entry naming the
 * session asked for. */
static char paths_asked[64];
static json_t *srv_paths(void *arg, const char *session)
{
	(void)arg;
	snprintf(paths_asked, sizeof(paths_asked), "%s", session ? session : "(all)");
	return json_pack("[{s:s, s:s, s:i}]", "session", session ? session : "all", "dst",
	                 "198.18.1.1", "passed_max", 8500);
}
static bool srv_with_paths;

static void srv_start(void)
{
	struct endpoint ep = loopback(0);

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	fake_snapshot(&srv.snap);
	cr_assert_eq(evthread_use_pthreads(), 0);
	srv.base = event_base_new();
	cr_assert_not_null(srv.base);
	srv.stop = event_new(srv.base, -1, 0, srv_break, &srv);
	cr_assert_not_null(srv.stop);
	srv.http = http_start(srv.base, &ep, srv_collect, srv_release, &srv);
	cr_assert_not_null(srv.http);
	cr_assert_gt(http_port(srv.http), 0);
	if (srv_with_paths)
		http_set_paths(srv.http, srv_paths, &srv);
	cr_assert_eq(pthread_create(&srv.thread, NULL, srv_loop, &srv), 0);
}

static void srv_stop(void)
{
	event_active(srv.stop, EV_READ, 0);
	pthread_join(srv.thread, NULL);
	event_free(srv.stop);
	http_stop(srv.http);
	event_base_free(srv.base);
	libevent_global_shutdown();
}

TestSuite(http, .init = srv_start, .fini = srv_stop, .timeout = 30);

Test(http, healthz_ok)
{
	struct response r;

	cr_assert_eq(http_get(http_port(srv.http), "/healthz", &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_str_eq(r.body, "ok\n");
	cr_assert_not_null(strcasestr(r.head, "Content-Type: text/plain"));
	pthread_mutex_lock(&srv.mu);
	cr_assert_eq(srv.collects, 1);
	cr_assert_eq(srv.releases, 1);
	pthread_mutex_unlock(&srv.mu);
}

Test(http, healthz_failing_session)
{
	struct response r;

	pthread_mutex_lock(&srv.mu);
	fake_sessions[0].pcap_failing = true;
	fake_sessions[0].pcap.write_errors = 5;
	pthread_mutex_unlock(&srv.mu);
	cr_assert_eq(http_get(http_port(srv.http), "/healthz", &r), 0);
	cr_assert_eq(r.status, 503, "%s", r.head);
	cr_assert_str_eq(r.body, "pcap failing for session web: 5 write errors\n");
}

Test(http, healthz_alertlog_failing_then_recovers)
{
	struct response r;

	pthread_mutex_lock(&srv.mu);
	srv.snap.alertlog_failing = true;
	srv.snap.alerts.write_errors = 1;
	pthread_mutex_unlock(&srv.mu);
	cr_assert_eq(http_get(http_port(srv.http), "/healthz", &r), 0);
	cr_assert_eq(r.status, 503);
	cr_assert_str_eq(r.body, "alert log failing: 1 line lost\n");

	pthread_mutex_lock(&srv.mu);
	srv.snap.alertlog_failing = false;
	pthread_mutex_unlock(&srv.mu);
	cr_assert_eq(http_get(http_port(srv.http), "/healthz", &r), 0);
	cr_assert_eq(r.status, 200);
}

Test(http, healthz_not_listening)
{
	struct response r;

	pthread_mutex_lock(&srv.mu);
	srv.snap.listening = false;
	srv.snap.listeners = 0;
	pthread_mutex_unlock(&srv.mu);
	cr_assert_eq(http_get(http_port(srv.http), "/healthz", &r), 0);
	cr_assert_eq(r.status, 503);
	cr_assert_str_eq(r.body, "not listening: 0 receive sockets bound\n");
}

Test(http, metrics)
{
	struct response r;

	cr_assert_eq(http_get(http_port(srv.http), "/metrics", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strcasestr(r.head, "Content-Type: text/plain; version=0.0.4"), "%s",
	                   r.head);
	cr_assert_not_null(
	    strstr(r.body, "\nvxmirror_session_packets_total{session=\"web\",vni=\"123\"} 42\n"));
	cr_assert_not_null(strstr(r.body, "\nvxmirror_datagrams_total 1000\n"));
	/* a query string does not change the path */
	cr_assert_eq(http_get(http_port(srv.http), "/metrics?name[]=x", &r), 0);
	cr_assert_eq(r.status, 200);
}

Test(http, head_has_no_body)
{
	struct response r;

	cr_assert_eq(http_request(http_port(srv.http), "HEAD /healthz HTTP/1.0\r\n\r\n", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "");
}

Test(http, not_found)
{
	struct response r;

	cr_assert_eq(http_get(http_port(srv.http), "/", &r), 0);
	cr_assert_eq(r.status, 404);
	cr_assert_eq(http_get(http_port(srv.http), "/healthz/x", &r), 0);
	cr_assert_eq(r.status, 404);
	cr_assert_eq(http_request(http_port(srv.http), "POST /nope HTTP/1.0\r\n\r\n", &r), 0);
	cr_assert_eq(r.status, 404);
	pthread_mutex_lock(&srv.mu);
	cr_assert_eq(srv.collects, 0, "nothing collected for a 404");
	pthread_mutex_unlock(&srv.mu);
}

Test(http, no_paths_without_a_map)
{
	struct response r;

	cr_assert_eq(http_get(http_port(srv.http), "/paths", &r), 0);
	cr_assert_eq(r.status, 404);
}

static void srv_start_paths(void)
{
	srv_with_paths = true;
	srv_start();
}

TestSuite(paths, .init = srv_start_paths, .fini = srv_stop, .timeout = 30);

Test(paths, get_all_and_by_session)
{
	struct response r;
	json_t *a;

	cr_assert_eq(http_get(http_port(srv.http), "/paths", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strcasestr(r.head, "Content-Type: application/json"), "%s", r.head);
	cr_assert_str_eq(paths_asked, "(all)");
	a = json_loads(r.body, 0, NULL);
	cr_assert(json_is_array(a), "%s", r.body);
	cr_assert_eq(json_array_size(a), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(a, 0), "passed_max")), 8500);
	json_decref(a);
	cr_assert_eq(http_get(http_port(srv.http), "/paths?session=prod%2Da", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(paths_asked, "prod-a", "the query is decoded");
	cr_assert_eq(http_request(http_port(srv.http), "POST /paths HTTP/1.0\r\n\r\n", &r), 0);
	cr_assert_eq(r.status, 405);
}

Test(http, method_not_allowed)
{
	static const char *reqs[] = {
	    "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
	    "PUT /healthz HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
	    "DELETE /metrics HTTP/1.0\r\n\r\n",
	    "OPTIONS /healthz HTTP/1.0\r\n\r\n",
	};
	struct response r;

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		cr_assert_eq(http_request(http_port(srv.http), reqs[i], &r), 0, "%s", reqs[i]);
		cr_assert_eq(r.status, 405, "%s -> %d", reqs[i], r.status);
		cr_assert_not_null(strcasestr(r.head, "Allow: GET, HEAD"));
	}
	pthread_mutex_lock(&srv.mu);
	cr_assert_eq(srv.collects, 0);
	pthread_mutex_unlock(&srv.mu);
}

Test(http, bind_failure_is_null)
{
	struct endpoint ep = loopback(http_port(srv.http)); /* in use */
	struct event_base *b = event_base_new();

	cr_assert_null(http_start(b, &ep, srv_collect, NULL, &srv));
	event_base_free(b);
}

/* ---- sd_notify ----------------------------------------------------------- */

struct notify_sock {
	int fd;
	char path[108];
};

/* notify_listen: a SOCK_DGRAM socket and NOTIFY_SOCKET pointing at it;
 * `abstract` makes it "@name" in the abstract namespace. */
static void notify_listen(struct notify_sock *ns, bool abstract)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {10, 0};
	socklen_t len;

	ns->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(ns->fd, 0);
	setsockopt(ns->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (abstract) {
		snprintf(ns->path, sizeof(ns->path), "@vx-notify-test-%d", (int)getpid());
		memcpy(sun.sun_path, ns->path, strlen(ns->path));
		sun.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(ns->path));
	} else {
		snprintf(ns->path, sizeof(ns->path), "/tmp/vx-notify-%d.sock", (int)getpid());
		unlink(ns->path);
		memcpy(sun.sun_path, ns->path, strlen(ns->path) + 1);
		len = sizeof(sun);
	}
	cr_assert_eq(bind(ns->fd, (struct sockaddr *)&sun, len), 0, "bind %s: %s", ns->path,
	             strerror(errno));
	setenv("NOTIFY_SOCKET", ns->path, 1);
}

static void notify_close(struct notify_sock *ns)
{
	close(ns->fd);
	if (ns->path[0] == '/')
		unlink(ns->path);
	unsetenv("NOTIFY_SOCKET");
}

/* notify_recv: the next datagram as a string ("" after the timeout). */
static void notify_recv(struct notify_sock *ns, char *buf, size_t len)
{
	ssize_t n = recv(ns->fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

Test(notify, unset_is_a_noop)
{
	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(notify_ready(), 0);
	cr_assert_eq(notify_stopping(), 0);
	cr_assert_eq(notify_reloading(), 0);
	cr_assert_eq(notify_status("x"), 0);
}

Test(notify, ready_on_a_path)
{
	struct notify_sock ns;
	char buf[256];

	notify_listen(&ns, false);
	cr_assert_eq(notify_ready(), 0);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_str_eq(buf, "READY=1");
	cr_assert_eq(notify_stopping(), 0);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_str_eq(buf, "STOPPING=1");
	notify_close(&ns);
}

Test(notify, abstract_socket)
{
	struct notify_sock ns;
	char buf[256];

	notify_listen(&ns, true);
	cr_assert_eq(notify_ready(), 0);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_str_eq(buf, "READY=1");
	notify_close(&ns);
}

Test(notify, reloading_carries_monotonic_usec)
{
	struct notify_sock ns;
	struct timespec before, after;
	unsigned long long usec = 0;
	char buf[256];

	notify_listen(&ns, false);
	clock_gettime(CLOCK_MONOTONIC, &before);
	cr_assert_eq(notify_reloading(), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_eq(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1, "%s", buf);
	cr_assert_geq(usec, (unsigned long long)before.tv_sec * 1000000ull + before.tv_nsec / 1000);
	cr_assert_leq(usec, (unsigned long long)after.tv_sec * 1000000ull + after.tv_nsec / 1000);
	notify_close(&ns);
}

Test(notify, status_is_one_line)
{
	struct notify_sock ns;
	char buf[256];

	notify_listen(&ns, true);
	cr_assert_eq(notify_status("2 sessions\nlistening"), 0);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_str_eq(buf, "STATUS=2 sessions listening");
	notify_close(&ns);
}

Test(notify, bad_socket_fails)
{
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	cr_assert_eq(notify_ready(), -1);
	setenv("NOTIFY_SOCKET", "/nonexistent/vx-notify.sock", 1);
	cr_assert_eq(notify_ready(), -1);
	unsetenv("NOTIFY_SOCKET");
}

/* ---- the real daemon (needs main.c's wiring) ----------------------------- */

/* promtool_check: `promtool check metrics` on `text`; its output into out.
 * Returns its exit status (127 when promtool is missing: that fails). */
static int promtool_check(const char *dir, const char *text, char *out, size_t len)
{
	char path[1024], cmd[1200];
	FILE *f;
	size_t n;
	int st;

	snprintf(path, sizeof(path), "%s/metrics.txt", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The daemon under test; the suite's fini stops it even when an assertion
 * ended the test early, so no vxmirrord outlives its test. */
static struct harness dh;

/* dh_rm_dir: remove the scratch directory (through a local copy: GCC's
 * format-truncation check cannot bound a global struct's member). */
static void dh_rm_dir(void)
{
	char dir[sizeof(dh.dir)];

	if (dh.dir[0] == '\0')
		return;
	memcpy(dir, dh.dir, sizeof(dir));
	dir[sizeof(dir) - 1] = '\0';
	h_rm_rf(dir);
	dh.dir[0] = '\0';
}

static void daemon_fini(void)
{
	char sock[108];

	if (dh.pid > 0) {
		kill(dh.pid, SIGKILL);
		waitpid(dh.pid, NULL, 0);
		dh.pid = 0;
	}
	dh_rm_dir();
	snprintf(sock, sizeof(sock), "/tmp/vx-notify-%d.sock", (int)getpid());
	unlink(sock); /* notify_listen()'s path socket */
	unsetenv("NOTIFY_SOCKET");
}

TestSuite(daemon, .fini = daemon_fini);

Test(daemon, ready_healthz_metrics_reload_stop, .timeout = 60)
{
	struct harness *h = &dh;
	struct notify_sock ns;
	struct response r;
	uint16_t udp = h_free_port(), tcp = h_free_tcp_port();
	char buf[512], lint[4096];

	h_init(h,
	       "listen: \"127.0.0.1:%u\"\n"
	       "http: {listen: \"127.0.0.1:%u\"}\n"
	       "pcap_dir: pcap\nalert_log: alerts.json\n"
	       "sessions:\n  - {name: web, vni: 123, path_mtu: 8500}\n",
	       udp, tcp);
	notify_listen(&ns, false);
	h_spawn(h, NULL);
	unsetenv("NOTIFY_SOCKET");
	cr_assert(h_wait_log(h, "ready:", 10000), "daemon did not get ready");
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "READY=1"), "READY=1 on NOTIFY_SOCKET, got \"%s\"", buf);

	cr_assert_eq(http_get(tcp, "/healthz", &r), 0, "GET /healthz on %u", tcp);
	cr_assert_eq(r.status, 200, "%s\n%s", r.head, r.body);
	cr_assert_str_eq(r.body, "ok\n");
	cr_assert_eq(http_get(tcp, "/metrics", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "vxmirror_session_packets_total{session=\"web\","
	                                  "vni=\"123\"} 0\n"),
	                   "%s", r.body);
	cr_assert_eq(promtool_check(h->dir, r.body, lint, sizeof(lint)), 0,
	             "promtool check metrics (apt-get install prometheus):\n%s", lint);
	cr_assert_str_eq(lint, "", "promtool is silent on clean metrics: %s", lint);

	/* reload: RELOADING=1 (with MONOTONIC_USEC), then READY=1 again */
	kill(h->pid, SIGHUP);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0, "got \"%s\"", buf);
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "READY=1"), "READY=1 after the reload, got \"%s\"", buf);

	cr_assert_eq(h_stop(h), 0, "SIGTERM: exit 0");
	notify_recv(&ns, buf, sizeof(buf));
	cr_assert_not_null(strstr(buf, "STOPPING=1"), "STOPPING=1 on SIGTERM, got \"%s\"", buf);
	notify_close(&ns);
	dh_rm_dir();
}

Test(daemon, no_notify_socket_still_runs, .timeout = 30)
{
	struct harness *h = &dh;
	uint16_t udp = h_free_port();

	unsetenv("NOTIFY_SOCKET");
	h_init(h,
	       "listen: \"127.0.0.1:%u\"\nhttp: {listen: off}\npcap_dir: pcap\n"
	       "alert_log: alerts.json\n",
	       udp);
	h_spawn(h, NULL);
	cr_assert(h_wait_log(h, "ready:", 10000));
	cr_assert_eq(h_stop(h), 0);
	dh_rm_dir();
}
