/*
 * render_metrics.c - print metrics_render() of a snapshot with every kind
 * of session and non-zero counters, for `promtool check metrics`
 * (tests/ops/promtool.sh).
 */
#include <stdio.h>
#include <string.h>

#include "vxmirror/metrics.h"
#include "vxmirror/session.h"

int main(void)
{
	struct metrics_session s[3];
	struct metrics_snapshot m;

	memset(&m, 0, sizeof(m));
	memset(s, 0, sizeof(s));
	m.start_time = 1795000000.5;
	m.workers = m.listeners = 2;
	m.listening = true;
	m.ingest.datagrams = 100;
	m.ingest.bytes = 150000;
	m.ingest.decode[DEC_OK] = 90;
	m.ingest.decode[DEC_TCP_OPT] = 1;
	m.analyzer.flows_active = 3;
	m.analyzer.alerts[ALERT_PMTUD_BLACKHOLE] = 1;
	m.alertlog_failing = true; /* healthy 0, and a reason */
	snprintf(m.config_error, sizeof(m.config_error), "vxmirror.yaml:3: vni: bad");
	snprintf(s[0].name, sizeof(s[0].name), "web");
	s[0].vni = 123;
	s[0].pcap_enabled = true;
	s[0].packets = 90;
	s[0].pcap.packets = 90;
	s[0].live = true;
	s[0].last_packet_ns = 1795000123456789012; /* expect_traffic, silent */
	s[0].watched = true;
	s[0].silent = true;
	s[1].live = true;
	s[1].last_packet_ns = 1795000100000000000;
	snprintf(s[1].name, sizeof(s[1].name), "vni-7");
	s[1].vni = 7;
	s[1].auto_created = true;
	s[1].pcap_failing = true;
	snprintf(s[2].name, sizeof(s[2].name), "capture");
	s[2].vni = VNI_NONE;
	m.sessions = s;
	m.nsessions = 3;
	metrics_render(&m, stdout);
	return ferror(stdout) ? 1 : 0;
}
