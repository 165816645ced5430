/*
 * test_extract.c - one flow out of a session's pcaps: across a rotation
 * boundary (the handshake in the older file), with the ICMP errors that
 * quote it, files chosen by time, from an alert line or a flow spec.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "frames.h"
#include "vxmirror/extract.h"

static char dir[] = "/tmp/vx-test-extract-XXXXXX";
static char out[600];

#define T0 1764583200 /* 2025-12-01T10:00:00Z */

struct rec {
	time_t t;
	uint8_t buf[2048];
	size_t len;
	char tag; /* 'A' the flow, 'P' a PTB quoting it, 'B' another flow */
};

/* A: 198.18.2.2:8080 <-> 198.18.1.2:45618; B: the same hosts, port 443 */
static size_t tcp(uint8_t *b, bool from_server, uint16_t port, uint8_t flags, uint32_t len)
{
	struct tcp_spec t = {
	    .ip = {.src = from_server ? "198.18.2.2" : "198.18.1.2",
	           .dst = from_server ? "198.18.1.2" : "198.18.2.2",
	           .df = true},
	    .sport = from_server ? port : 45618,
	    .dport = from_server ? 45618 : port,
	    .flags = flags,
	    .seq = 1000,
	    .ack = 2000,
	    .payload_len = len,
	};
	return frame_tcp(b, 2048, &t);
}

/* file: write recs [i, j) to dir/web/NAME, modification time = the last record's */
static void file(const char *name, struct rec *r, size_t i, size_t j)
{
	char path[700];
	pcap_t *dead =
	    pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *du;
	struct timespec times[2];

	snprintf(path, sizeof(path), "%s/web/%s", dir, name);
	cr_assert((du = pcap_dump_open(dead, path)) != NULL);
	for (size_t k = i; k < j; k++) {
		struct pcap_pkthdr h = {.ts = {r[k].t, 5000},
		                        .caplen = (bpf_u_int32)r[k].len,
		                        .len = (bpf_u_int32)r[k].len};
		pcap_dump((u_char *)du, &h, r[k].buf);
	}
	pcap_dump_close(du);
	pcap_close(dead);
	times[0].tv_sec = times[1].tv_sec = r[j - 1].t;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	cr_assert(utimensat(AT_FDCWD, path, times, 0) == 0);
}

static struct rec recs[9];

static void setup(void)
{
	char p[700];
	struct ptb_spec ptb = {.ip = {.src = "198.18.2.254", .dst = "198.18.2.2"}, .mtu = 1500};
	uint8_t big[2048];
	size_t bl;

	cr_assert(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/web", dir);
	cr_assert(mkdir(p, 0750) == 0);
	snprintf(out, sizeof(out), "%s/out.pcap", dir);
	/* file 1, 10:00-10:05: the handshake, and flow B */
	recs[0] = (struct rec){.t = T0 + 1, .tag = 'A'};
	recs[0].len = tcp(recs[0].buf, false, 8080, TH_SYN, 0);
	recs[1] = (struct rec){.t = T0 + 2, .tag = 'A'};
	recs[1].len = tcp(recs[1].buf, true, 8080, TH_SYN | TH_ACK, 0);
	recs[2] = (struct rec){.t = T0 + 3, .tag = 'B'};
	recs[2].len = tcp(recs[2].buf, true, 443, TH_ACK, 100);
	recs[3] = (struct rec){.t = T0 + 290, .tag = 'A'};
	recs[3].len = tcp(recs[3].buf, false, 8080, TH_ACK, 0);
	/* file 2 (still open), 10:05-: the data, a PTB quoting it, B */
	recs[4] = (struct rec){.t = T0 + 301, .tag = 'A'};
	recs[4].len = tcp(recs[4].buf, true, 8080, TH_ACK | TH_PSH, 1400);
	bl = tcp(big, true, 8080, TH_ACK, 1400);
	ptb.orig = big, ptb.orig_len = bl;
	recs[5] = (struct rec){.t = T0 + 302, .tag = 'P'};
	recs[5].len = frame_icmp_ptb(recs[5].buf, 2048, &ptb);
	recs[6] = (struct rec){.t = T0 + 303, .tag = 'B'};
	recs[6].len = tcp(recs[6].buf, false, 443, TH_ACK, 0);
	recs[7] = (struct rec){.t = T0 + 304, .tag = 'A'};
	recs[7].len = tcp(recs[7].buf, true, 8080, TH_ACK | TH_PSH, 1400);
	/* file 3, an hour later: the same flow again (outside an alert's window) */
	recs[8] = (struct rec){.t = T0 + 3600, .tag = 'A'};
	recs[8].len = tcp(recs[8].buf, true, 8080, TH_ACK, 10);
	for (size_t i = 0; i < 9; i++)
		cr_assert(recs[i].len > 0);
	file("web-20251201T100000Z-000001.pcap", recs, 0, 4);
	file("web-20251201T100500Z-000002.pcap.part", recs, 4, 8);
	file("web-20251201T110000Z-000003.pcap", recs, 8, 9);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert(system(cmd) == 0);
}

/* read_out: the records of out.pcap must be exactly recs[idx...] in order */
static void expect(const int *idx, size_t n)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(out, PCAP_TSTAMP_PRECISION_NANO, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t k = 0;

	cr_assert(pc != NULL, "%s", eb);
	cr_assert_eq(pcap_datalink(pc), DLT_EN10MB);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		cr_assert(k < n, "more records than expected");
		cr_assert_eq(h->ts.tv_sec, recs[idx[k]].t, "record %zu", k);
		cr_assert_eq(h->caplen, recs[idx[k]].len);
		cr_assert(memcmp(d, recs[idx[k]].buf, h->caplen) == 0);
		k++;
	}
	pcap_close(pc);
	cr_assert_eq(k, n, "%zu records, expected %zu", k, n);
}

Test(extract, alert_line_spans_the_rotation_and_takes_the_ptb, .init = setup, .fini = teardown)
{
	const char *alert = "{\"ts\":\"2025-12-01T10:05:04.000000Z\",\"type\":\"pmtud_blackhole\","
	                    "\"session\":\"web\","
	                    "\"flow\":{\"proto\":\"tcp\",\"src\":\"198.18.2.2\",\"sport\":8080,"
	                    "\"dst\":\"198.18.1.2\","
	                    "\"dport\":45618},\"first_sent\":\"2025-12-01T10:05:01.000000Z\"}";
	struct extract_spec sp;
	struct extract_stats st;
	char err[256];
	const int want[] = {0, 1, 3, 4, 5, 7};

	cr_assert(extract_parse(alert, &sp, err, sizeof(err)) == 0, "%s", err);
	cr_assert(sp.has_time);
	/* 300 s of margin reaches back into file 1, not forward to file 3 */
	cr_assert(extract_run(dir, &sp, 300, out, &st, err, sizeof(err)) == 0, "%s", err);
	cr_assert_eq(st.files_total, 3);
	cr_assert_eq(st.files_read, 2);
	cr_assert_eq(st.frames_flow, 5);
	cr_assert_eq(st.frames_icmp, 1);
	expect(want, 6);
}

Test(extract, a_short_window_reads_one_file, .init = setup, .fini = teardown)
{
	const char *alert =
	    "{\"ts\":\"2025-12-01T10:05:04.000000Z\",\"session\":\"web\",\"flow\":{\"proto\":"
	    "\"tcp\","
	    "\"src\":\"198.18.2.2\",\"sport\":8080,\"dst\":\"198.18.1.2\",\"dport\":45618}}";
	struct extract_spec sp;
	struct extract_stats st;
	char err[256];
	const int want[] = {4, 5, 7};

	cr_assert(extract_parse(alert, &sp, err, sizeof(err)) == 0, "%s", err);
	cr_assert(extract_run(dir, &sp, 5, out, &st, err, sizeof(err)) == 0, "%s", err);
	cr_assert_eq(st.files_read, 1);
	expect(want, 3);
}

Test(extract, flow_spec_either_direction_every_file, .init = setup, .fini = teardown)
{
	struct extract_spec sp;
	struct extract_stats st;
	char err[256];
	const int want[] = {0, 1, 3, 4, 5, 7, 8};

	cr_assert(
	    extract_parse("tcp 198.18.1.2:45618 198.18.2.2:8080 web", &sp, err, sizeof(err)) == 0,
	    "%s", err);
	cr_assert(!sp.has_time);
	cr_assert(extract_run(dir, &sp, 60, out, &st, err, sizeof(err)) == 0, "%s", err);
	cr_assert_eq(st.files_read, 3);
	expect(want, 7);
	/* every session when none is named */
	cr_assert(extract_parse("tcp 198.18.2.2:8080 198.18.1.2:45618", &sp, err, sizeof(err)) ==
	          0);
	cr_assert(extract_run(dir, &sp, 60, out, &st, err, sizeof(err)) == 0, "%s", err);
	expect(want, 7);
}

Test(extract, other_flow_gives_an_empty_pcap, .init = setup, .fini = teardown)
{
	struct extract_spec sp;
	struct extract_stats st;
	char err[256];

	cr_assert(
	    extract_parse("udp 198.18.2.2:8080 198.18.1.2:45618 web", &sp, err, sizeof(err)) == 0);
	cr_assert(extract_run(dir, &sp, 60, out, &st, err, sizeof(err)) == 0, "%s", err);
	cr_assert_eq(st.frames_flow + st.frames_icmp, 0);
	expect(NULL, 0);
}

Test(extract, unknown_session_is_an_error, .init = setup, .fini = teardown)
{
	struct extract_spec sp;
	struct extract_stats st;
	char err[256];

	cr_assert(extract_parse("tcp 198.18.2.2:8080 198.18.1.2:45618 nosuch", &sp, err,
	                        sizeof(err)) == 0);
	cr_assert(extract_run(dir, &sp, 60, out, &st, err, sizeof(err)) == -1);
	cr_assert(strstr(err, "no pcaps of session nosuch") != NULL, "%s", err);
}

Test(extract, parse)
{
	struct extract_spec sp;
	char err[256];

	cr_assert(
	    extract_parse("tcp [2001:db8::1]:443 [2001:db8::2]:5000", &sp, err, sizeof(err)) == 0,
	    "%s", err);
	cr_assert_eq(sp.sport, 443);
	cr_assert_eq(sp.dport, 5000);
	cr_assert(extract_parse("sctp 1.2.3.4:1 5.6.7.8:2", &sp, err, sizeof(err)) == -1);
	cr_assert(extract_parse("tcp 1.2.3.4 5.6.7.8:2", &sp, err, sizeof(err)) == -1);
	cr_assert(extract_parse("tcp 1.2.3.4:70000 5.6.7.8:2", &sp, err, sizeof(err)) == -1);
	cr_assert(extract_parse("tcp 1.2.3.4:1", &sp, err, sizeof(err)) == -1);
	cr_assert(
	    extract_parse("{\"flow\":{\"proto\":\"icmp\",\"src\":\"1.2.3.4\",\"dst\":\"5.6.7.8\"}}",
	                  &sp, err, sizeof(err)) == -1);
	cr_assert(strstr(err, "without ports") != NULL, "%s", err);
	cr_assert(extract_parse("{not json", &sp, err, sizeof(err)) == -1);
}
