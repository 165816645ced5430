/*
 * metrics.c - render a struct metrics_snapshot (metrics.h).
 *
 * Prometheus text exposition format 0.0.4: every family is one "# HELP",
 * one "# TYPE" and then all its samples, never split.  Names start with
 * vxmirror_; counters end in _total; sizes are bytes and times seconds.
 * Per-session families carry session="<name>",vni="<vni>" (vni="none"
 * for the offline "capture" session).  Every family is always present,
 * zeros included, so a rate() or an alert rule never sees a series appear
 * out of nothing.
 *
 * The families are tables of offsets into the snapshot, so adding a
 * counter is one line and the help text sits next to the name.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vxmirror/metrics.h"
#include "vxmirror/packet.h"
#include "vxmirror/session.h"
#include "vxmirror/util.h"

struct family {
	const char *name; /* without the vxmirror_ prefix */
	const char *type; /* "counter" or "gauge" */
	size_t off;       /* of a uint64_t in the snapshot (or metrics_session) */
	const char *help;
};

#define SNAP(field)    offsetof(struct metrics_snapshot, field)
#define SESSION(field) offsetof(struct metrics_session, field)

/* Global families that are one uint64_t each. */
static const struct family globals[] = {
    {"datagrams_total", "counter", SNAP(ingest.datagrams),
     "VXLAN/GENEVE datagrams received (offline: capture frames)."},
    {"datagram_bytes_total", "counter", SNAP(ingest.bytes), "Bytes of the datagrams received."},
    {"not_allowed_datagrams_total", "counter", SNAP(ingest.not_allowed),
     "Datagrams dropped: outer source outside allowed_sources."},
    {"bad_vxlan_datagrams_total", "counter", SNAP(ingest.bad_vxlan),
     "Datagrams dropped: shorter than the VXLAN header or the I flag not set."},
    {"unknown_vni_datagrams_total", "counter", SNAP(ingest.unknown_vni),
     "Datagrams dropped: VNI of no session (unknown_vni: drop, or past the automatic "
     "session limit)."},
    {"bad_geneve_datagrams_total", "counter", SNAP(ingest.bad_geneve),
     "GENEVE datagrams (GWLB) that are malformed or carry no VXLAN."},
    {"oversize_datagrams_total", "counter", SNAP(ingest.oversize),
     "Datagrams larger than the receive buffer (cut)."},
    {"not_vxlan_frames_total", "counter", SNAP(ingest.not_vxlan),
     "Offline: capture frames neither VXLAN nor eligible for a plain session."},
    {"delivered_frames_total", "counter", SNAP(ingest.delivered),
     "Inner frames handed to a session."},
    {"truncated_packets_total", "counter", SNAP(ingest.truncated),
     "Inner packets the mirror cut short (their true size is still used)."},
    {"kernel_drops_total", "counter", SNAP(ingest.kernel_drops),
     "Datagrams the kernel dropped because a socket receive buffer was full (SO_RXQ_OVFL)."},
    {"receive_wakeups_total", "counter", SNAP(ingest.wakeups),
     "Times a worker woke for a readable socket; datagrams_total over this is the datagrams "
     "taken per wake-up."},
    {"receive_calls_total", "counter", SNAP(ingest.recv_calls),
     "recvmmsg() calls that returned datagrams; datagrams_total over this is the batch size."},
    {"sessions_auto_refused_total", "counter", SNAP(sessions_auto_refused),
     "Unknown VNIs refused because the automatic session limit was reached."},
    {"flows_active", "gauge", SNAP(analyzer.flows_active), "Flows in the analyzer's tables."},
    {"flows_created_total", "counter", SNAP(analyzer.flows_created),
     "Flows the analyzer started tracking."},
    {"flows_evicted_total", "counter", SNAP(analyzer.flows_evicted),
     "Flows pushed out by analyzer.max_flows (least recently used first)."},
    {"flows_expired_total", "counter", SNAP(analyzer.flows_expired),
     "Flows forgotten after flow_timeout or closed_timeout."},
    {"pcap_disk_bytes", "gauge", SNAP(hk.disk_bytes),
     "Bytes of every pcap file under pcap_dir (completed, .part and .recovered) at the last scan."},
    {"pcap_fs_free_bytes", "gauge", SNAP(hk.fs_free_bytes),
     "Free bytes on pcap_dir's filesystem (available to the daemon) at the last scan."},
    {"pcap_budget_unheld_total", "counter", SNAP(hk.budget_unheld),
     "Budget passes after which pcap.max_disk or pcap.min_free still did not hold (another process "
     "fills the disk)."},
    {"pcap_rotate_early_total", "counter", SNAP(hk.rotate_requests),
     "Open pcap files completed early because open files alone exceeded the disk budget."},
    {"pcap_hooks_started_total", "counter", SNAP(hk.hooks_started),
     "pcap.on_complete hooks started."},
    {"pcap_hooks_failed_total", "counter", SNAP(hk.hooks_failed),
     "pcap.on_complete hooks that exited non-zero, were killed or could not start."},
    {"pcap_hooks_overflow_total", "counter", SNAP(hk.hooks_overflow),
     "Completed pcap files not handed to the hook: its queue was full."},
    {"pcap_hooks_running", "gauge", SNAP(hk.hooks_running), "pcap.on_complete hooks running now."},
    {"paths", "gauge", SNAP(analyzer.paths_active),
     "Destinations in the path-MTU maps (docs/paths.md)."},
    {"paths_evicted_total", "counter", SNAP(analyzer.paths_evicted),
     "Path-MTU map entries pushed out by analyzer.max_paths (least recently updated first)."},
    {"ptb_impossible_total", "counter", SNAP(analyzer.ptb_impossible),
     "ICMP packet-too-big messages ignored: an MTU no path has (IPv4 < 68, IPv6 < 1280, or not "
     "below the quoted length)."},
    {"alerts_suppressed_total", "counter", SNAP(analyzer.alerts_suppressed),
     "Alerts not written because the same flow, side and type already had one."},
    {"alert_log_lines_total", "counter", SNAP(alerts.written),
     "Alert lines written to the alert log."},
    {"alert_log_write_errors_total", "counter", SNAP(alerts.write_errors),
     "Alert lines lost: the write failed or was short."},
    {"config_reloads_total", "counter", SNAP(reloads),
     "Successful configuration reloads (SIGHUP)."},
    {"config_reload_errors_total", "counter", SNAP(reload_errors),
     "Reloads refused because the file was invalid; the old configuration was kept."},
};

/* Per-session families that are one uint64_t each. */
static const struct family sessions[] = {
    {"session_packets_total", "counter", SESSION(packets), "Inner packets of the session."},
    {"session_bytes_total", "counter", SESSION(bytes),
     "True (on the wire) bytes of the session's inner frames."},
    {"session_truncated_packets_total", "counter", SESSION(truncated),
     "Inner packets the mirror cut short (PacketLength or target MTU)."},
    {"session_decode_errors_total", "counter", SESSION(decode_errors),
     "Inner frames with an impossible header field (written, not analysed)."},
    {"session_pcap_packets_total", "counter", SESSION(pcap.packets),
     "Records written to the session's pcaps."},
    {"session_pcap_filtered_total", "counter", SESSION(pcap_filtered),
     "Frames not written because pcap_filter (or pcap.filter) did not match; the analyzer saw "
     "them."},
    {"session_pcap_bytes_total", "counter", SESSION(pcap.bytes),
     "Bytes written to the session's pcaps (record headers included)."},
    {"session_pcap_files_rotated_total", "counter", SESSION(pcap.files_rotated),
     "Pcap files completed (renamed from .pcap.part to .pcap)."},
    {"session_pcap_files_deleted_total", "counter", SESSION(pcap.files_deleted),
     "Pcap files deleted by keep_files."},
    {"session_pcap_write_errors_total", "counter", SESSION(pcap.write_errors),
     "Packets not written to a pcap: open or write failures (disk full?)."},
};

static uint64_t u64_at(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

/* head: the HELP and TYPE lines of one family. */
static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP vxmirror_%s %s\n# TYPE vxmirror_%s %s\n", name, help, name, type);
}

/* put_label: `value` escaped for a label value (backslash, quote, newline). */
static void put_label(FILE *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			fputs("\\\\", out);
			break;
		case '"':
			fputs("\\\"", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		default:
			fputc(*p, out);
		}
	}
}

/* session_labels: {session="..",vni=".."} */
static void session_labels(FILE *out, const struct metrics_session *s)
{
	fputs("{session=\"", out);
	put_label(out, s->name);
	if (s->vni == VNI_NONE)
		fputs("\",vni=\"none\"}", out);
	else
		fprintf(out, "\",vni=\"%" PRIu32 "\"}", s->vni);
}

static void render_process(const struct metrics_snapshot *m, FILE *out)
{
	char why[256];

	head(out, "build_info", "gauge", "Always 1; the version is a label.");
	fprintf(out, "vxmirror_build_info{version=\"%s\"} 1\n", VX_VERSION);
	head(out, "start_time_seconds", "gauge", "Unix time the daemon started.");
	fprintf(out, "vxmirror_start_time_seconds %.3f\n", m->start_time);
	head(out, "workers", "gauge", "Receive worker threads.");
	fprintf(out, "vxmirror_workers %" PRIu32 "\n", m->workers);
	head(out, "listeners", "gauge", "Receive sockets bound.");
	fprintf(out, "vxmirror_listeners %" PRIu32 "\n", m->listeners);
	head(out, "listening", "gauge", "1 when every configured listener is bound.");
	fprintf(out, "vxmirror_listening %d\n", m->listening ? 1 : 0);
	head(out, "healthy", "gauge", "1 when /healthz answers 200.");
	fprintf(out, "vxmirror_healthy %d\n", metrics_health(m, why, sizeof(why)) == 0 ? 1 : 0);
	head(out, "alert_log_failing", "gauge", "1 when the last alert log write failed.");
	fprintf(out, "vxmirror_alert_log_failing %d\n", m->alertlog_failing ? 1 : 0);
	head(out, "config_last_reload_successful", "gauge",
	     "0 when the last reload was refused (see the log for file:line), else 1.");
	fprintf(out, "vxmirror_config_last_reload_successful %d\n",
	        m->config_error[0] == '\0' ? 1 : 0);
	head(out, "sessions", "gauge", "Sessions, configured and automatic.");
	fprintf(out, "vxmirror_sessions %zu\n", m->nsessions);
}

static void render_globals(const struct metrics_snapshot *m, FILE *out)
{
	for (size_t i = 0; i < nitems(globals); i++) {
		const struct family *f = &globals[i];
		head(out, f->name, f->type, f->help);
		fprintf(out, "vxmirror_%s %" PRIu64 "\n", f->name, u64_at(m, f->off));
	}
}

/* render_decode: one series per decode result other than success. */
static void render_decode(const struct metrics_snapshot *m, FILE *out)
{
	head(out, "decode_errors_total", "counter",
	     "Inner frame decode results other than success, by kind (not_ip: not IPv4/IPv6, "
	     "still written).");
	for (int k = DEC_OK + 1; k < DEC__MAX; k++)
		fprintf(out, "vxmirror_decode_errors_total{kind=\"%s\"} %" PRIu64 "\n",
		        decode_err_name((enum decode_err)k), m->ingest.decode[k]);
}

/* render_deleted: pcap files deleted, by reason. */
static void render_deleted(const struct metrics_snapshot *m, FILE *out)
{
	head(out, "pcap_files_deleted_total", "counter",
	     "Completed pcap files deleted: to keep pcap.max_disk / pcap.min_free (budget), beyond "
	     "pcap.keep_files (keep_files), or after their hook exited 0 (hook).");
	fprintf(out, "vxmirror_pcap_files_deleted_total{reason=\"budget\"} %" PRIu64 "\n",
	        m->hk.deleted_budget);
	fprintf(out, "vxmirror_pcap_files_deleted_total{reason=\"keep_files\"} %" PRIu64 "\n",
	        m->pcap_deleted_keep_files);
	fprintf(out, "vxmirror_pcap_files_deleted_total{reason=\"hook\"} %" PRIu64 "\n",
	        m->hk.deleted_hook);
	head(out, "pcap_fs_inline_total", "counter",
	     "Renames, keep_files deletions and directory scans that a worker did itself because "
	     "the housekeeper's queue was full (normally 0: that work is off the packet path).");
	fprintf(out, "vxmirror_pcap_fs_inline_total %" PRIu64 "\n", m->pcap_fs_inline);
}

/* render_silenced: alerts kept out of the log by analyzer.suppress, per session. */
static void render_silenced(const struct metrics_snapshot *m, FILE *out)
{
	head(out, "alerts_silenced_total", "counter",
	     "Alerts that matched an analyzer.suppress rule: counted here, not written.");
	for (size_t i = 0; i < m->nsessions; i++) {
		const struct metrics_session *s = &m->sessions[i];
		fputs("vxmirror_alerts_silenced_total{session=\"", out);
		put_label(out, s->name);
		if (s->vni == VNI_NONE)
			fputs("\",vni=\"none\"}", out);
		else
			fprintf(out, "\",vni=\"%" PRIu32 "\"}", s->vni);
		fprintf(out, " %" PRIu64 "\n", s->alerts_silenced);
	}
}

static void render_alerts(const struct metrics_snapshot *m, FILE *out)
{
	head(out, "alerts_total", "counter",
	     "Alerts raised, by session and type (see docs/alerts.md); sum by (type) for the "
	     "whole target.");
	for (size_t i = 0; i < m->nsessions; i++) {
		const struct metrics_session *s = &m->sessions[i];
		for (int k = 0; k < ALERT__MAX; k++) {
			fputs("vxmirror_alerts_total{session=\"", out);
			put_label(out, s->name);
			if (s->vni == VNI_NONE)
				fputs("\",vni=\"none\"", out);
			else
				fprintf(out, "\",vni=\"%" PRIu32 "\"", s->vni);
			fprintf(out, ",type=\"%s\"} %" PRIu64 "\n",
			        alert_type_name((enum alert_type)k), s->alerts[k]);
		}
	}
}

/* render_session_info: one info series per session, with its settings as labels. */
static void render_session_info(const struct metrics_snapshot *m, FILE *out)
{
	head(out, "session_info", "gauge",
	     "Always 1 per session; auto=\"true\" when unknown_vni: auto created it.");
	for (size_t i = 0; i < m->nsessions; i++) {
		const struct metrics_session *s = &m->sessions[i];
		fputs("vxmirror_session_info{session=\"", out);
		put_label(out, s->name);
		if (s->vni == VNI_NONE)
			fputs("\",vni=\"none\"", out);
		else
			fprintf(out, "\",vni=\"%" PRIu32 "\"", s->vni);
		fprintf(out, ",auto=\"%s\",pcap=\"%s\"} 1\n", s->auto_created ? "true" : "false",
		        s->pcap_enabled ? "on" : "off");
	}
	head(out, "session_pcap_failing", "gauge",
	     "1 while the session's pcap ring backs off after a write error.");
	for (size_t i = 0; i < m->nsessions; i++) {
		fputs("vxmirror_session_pcap_failing", out);
		session_labels(out, &m->sessions[i]);
		fprintf(out, " %d\n", m->sessions[i].pcap_failing ? 1 : 0);
	}
}

/* render_session_watch: the last packet of every live session that had
 * one, and the expect_traffic verdict of the sessions that have it. */
static void render_session_watch(const struct metrics_snapshot *m, FILE *out)
{
	head(out, "session_last_packet_seconds", "gauge",
	     "Unix time (packet time) of the session's latest frame; absent until it has one. "
	     "time() - this is how long it has been silent.");
	for (size_t i = 0; i < m->nsessions; i++) {
		const struct metrics_session *s = &m->sessions[i];
		if (!s->live || s->last_packet_ns == 0)
			continue;
		fputs("vxmirror_session_last_packet_seconds", out);
		session_labels(out, s);
		fprintf(out, " %" PRId64 ".%03" PRId64 "\n", s->last_packet_ns / 1000000000,
		        s->last_packet_ns % 1000000000 / 1000000);
	}
	head(out, "session_silent", "gauge",
	     "1 while a session with expect_traffic has received nothing for that long (a "
	     "session_silent alert), else 0; only sessions with expect_traffic.");
	for (size_t i = 0; i < m->nsessions; i++) {
		if (!m->sessions[i].watched)
			continue;
		fputs("vxmirror_session_silent", out);
		session_labels(out, &m->sessions[i]);
		fprintf(out, " %d\n", m->sessions[i].silent ? 1 : 0);
	}
}

static void render_sessions(const struct metrics_snapshot *m, FILE *out)
{
	render_session_info(m, out);
	render_session_watch(m, out);
	for (size_t i = 0; i < nitems(sessions); i++) {
		const struct family *f = &sessions[i];
		head(out, f->name, f->type, f->help);
		for (size_t j = 0; j < m->nsessions; j++) {
			fprintf(out, "vxmirror_%s", f->name);
			session_labels(out, &m->sessions[j]);
			fprintf(out, " %" PRIu64 "\n", u64_at(&m->sessions[j], f->off));
		}
	}
}

void metrics_render(const struct metrics_snapshot *m, FILE *out)
{
	render_process(m, out);
	render_globals(m, out);
	render_decode(m, out);
	render_alerts(m, out);
	render_silenced(m, out);
	render_deleted(m, out);
	render_sessions(m, out);
}

/* add_reason: append "; "-separated text to why, keeping it terminated. */
static void add_reason(char *why, size_t len, const char *text)
{
	size_t used = strlen(why);

	if (used >= len - 1)
		return;
	snprintf(why + used, len - used, "%s%s", used > 0 ? "; " : "", text);
}

int metrics_health(const struct metrics_snapshot *m, char *why, size_t len)
{
	char buf[CONFIG_NAME_MAX + 128], scratch[1];
	size_t failing = 0;

	if (why == NULL || len == 0) { /* the caller only wants the verdict */
		why = scratch;
		len = sizeof(scratch);
	}
	why[0] = '\0';
	if (!m->listening) {
		snprintf(buf, sizeof(buf), "not listening: %" PRIu32 " receive socket%s bound",
		         m->listeners, m->listeners == 1 ? "" : "s");
		add_reason(why, len, buf);
	}
	if (m->alertlog_failing) {
		snprintf(buf, sizeof(buf), "alert log failing: %" PRIu64 " line%s lost",
		         m->alerts.write_errors, m->alerts.write_errors == 1 ? "" : "s");
		add_reason(why, len, buf);
	}
	for (size_t i = 0; i < m->nsessions; i++) {
		const struct metrics_session *s = &m->sessions[i];
		if (!s->pcap_failing)
			continue;
		if (failing++ < 4) {
			snprintf(buf, sizeof(buf),
			         "pcap failing for session %s: %" PRIu64 " write error%s", s->name,
			         s->pcap.write_errors, s->pcap.write_errors == 1 ? "" : "s");
			add_reason(why, len, buf);
		}
	}
	if (failing > 4) {
		snprintf(buf, sizeof(buf), "and %zu more sessions failing", failing - 4);
		add_reason(why, len, buf);
	}
	return failing == 0 && m->listening && !m->alertlog_failing ? 0 : -1;
}
