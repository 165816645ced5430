/*
 * vxgen - load generator for the vxmirror benchmarks.
 *
 * Sends AWS-style mirrored traffic: VXLAN (flags 0x08, a VNI) over UDP,
 * each datagram carrying one inner Ethernet / IPv4 / TCP frame, with
 * sendmmsg() in batches.  Or, with -w, writes the same packets as a
 * capture of the mirror target's interface (outer Ethernet / IPv4 /
 * UDP / VXLAN / inner frame), the way `tcpdump -i eth0 -w` records it.
 *
 * Traffic model.  `flows` TCP connections; packet j belongs to flow
 * first + j % flows (-F) and is that flow's packet k = j / flows (round
 * robin); -k starts the sequence at packet j = skip.  Packet
 * 0 of a flow is the client's SYN (MSS 1460), 1 the server's SYN-ACK, then
 * the two directions alternate with ACK / PSH-ACK segments whose inner IP
 * length comes from the size spec (default "imix": 40, 576 and 1500 bytes
 * in the ratio 7:4:1), with sequence and acknowledgement numbers that
 * follow the bytes really sent.  So flows == count gives `count` distinct
 * flows of one SYN each (the flow flood).  Frames have DF set and correct
 * IPv4 and TCP checksums; the payload is the counting pattern of
 * tests/frames.h, which builds the per-size templates.
 *
 * Outer header.  Like AWS, the outer UDP source port is a hash of the
 * directional inner 5-tuple, so the two directions of a flow usually
 * arrive with different source ports.  That needs a raw socket
 * (IPPROTO_RAW, IP_HDRINCL; root); with -u, or when a raw socket is not
 * allowed, a plain UDP socket is used and every datagram has its port.
 * The outer UDP checksum is 0, as the Linux vxlan driver sends it.
 *
 * Destinations are restricted to loopback (127.0.0.0/8) and the
 * benchmarking range 198.18.0.0/15 (a netns lab); runs are always bounded
 * by a duration and/or a packet count.
 *
 * Prints one line of key=value counters on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tests/frames.h"

#define GEN_MAX_BATCH    1024
#define GEN_MAX_DURATION 3600 /* seconds: every run is bounded */
#define GEN_MAX_FLOWS    (1u << 24)
#define GEN_MAX_VNIS     64
#define GEN_MAX_IPLEN    9001 /* AWS jumbo frames; far below the loopback MTU */
#define GEN_MAX_SIZES    16
#define GEN_HDR_MAX      128        /* outer IP+UDP+VXLAN + inner Ethernet/IP/TCP(+options) */
#define GEN_TS_BASE      1767225600 /* capture time: 2026-01-01T00:00:00Z */

/* One frame template: inner Ethernet/IPv4/TCP headers with zero addresses,
 * ports, seq, ack and IP id; checksums valid for those zeros. */
struct tmpl {
	uint8_t hdr[14 + 20 + 60];
	size_t hlen;       /* Ethernet + IP + TCP header bytes */
	uint32_t payload;  /* TCP payload bytes (the counting pattern) */
	uint16_t ip_csum;  /* IPv4 header checksum of the template */
	uint16_t tcp_csum; /* TCP checksum of the template */
};

enum { T_SYN, T_SYNACK, T_DATA0 }; /* template indexes; data sizes follow */

struct gen {
	/* options */
	struct in_addr src, dst;
	uint16_t port;
	uint64_t rate;   /* packets per second; 0 = as fast as possible */
	double duration; /* seconds; 0 = until count */
	uint64_t count;  /* packets; 0 = until duration */
	uint32_t flows;
	uint32_t first; /* number of the first flow */
	uint64_t skip;  /* packets of the sequence to skip (not sent) */
	uint32_t vnis[GEN_MAX_VNIS];
	size_t nvnis;
	uint32_t sizes[GEN_MAX_SIZES]; /* inner IP lengths, picked uniformly */
	size_t nsizes;
	unsigned batch;
	bool udp;          /* plain UDP socket instead of raw */
	const char *write; /* capture file instead of sending */
	bool quiet;

	/* state */
	struct tmpl t[T_DATA0 + GEN_MAX_SIZES];
	uint32_t (*seq)[2]; /* per flow: next seq of client (0) and server (1) */
	uint8_t pattern[GEN_MAX_IPLEN];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vxgen [options]\n"
	        "  -d, --dst ADDR      destination: 127.0.0.0/8 or 198.18.0.0/15 (127.0.0.1)\n"
	        "  -S, --src ADDR      outer source address (127.0.0.1; with -w also any)\n"
	        "  -p, --port PORT     destination UDP port (4789)\n"
	        "  -r, --rate PPS      packets per second; 0 = as fast as possible (0)\n"
	        "  -t, --duration SEC  stop after this long (5; with -n %d, the maximum)\n"
	        "  -n, --count N       stop after N packets (-w: default 1000000)\n"
	        "  -f, --flows N       distinct inner TCP flows, round robin (10000)\n"
	        "  -F, --first-flow N  number the flows from N, so that a second run can\n"
	        "                      bring new flows (0)\n"
	        "  -k, --skip N        start at packet N of the sequence, so that a second\n"
	        "                      run continues the flows of the first (0)\n"
	        "  -s, --size SPEC     inner IP lengths: imix (40,576,1500 as 7:4:1), N, or\n"
	        "                      N,N,... picked uniformly; 40..%d (imix)\n"
	        "  -V, --vni LIST      VNIs, e.g. 100 or 100,200 or 100-103; flow f uses\n"
	        "                      VNI f %% count (100)\n"
	        "  -b, --batch N       datagrams per sendmmsg (64)\n"
	        "  -u, --udp           plain UDP socket: one outer source port for all\n"
	        "  -w, --write FILE    write a pcap (outer Ethernet/IPv4/UDP/VXLAN/inner)\n"
	        "                      instead of sending; -r sets its packet rate (1000000)\n"
	        "  -q, --quiet         no warnings\n",
	        GEN_MAX_DURATION, GEN_MAX_IPLEN);
}

static int die(const char *what)
{
	fprintf(stderr, "vxgen: %s\n", what);
	return 2;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_vnis(struct gen *g, const char *s)
{
	char buf[512], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	g->nvnis = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi;
		if (dash != NULL)
			*dash = '\0';
		if (!parse_u64(tok, 0xffffff, &lo))
			return false;
		hi = lo;
		if (dash != NULL && (!parse_u64(dash + 1, 0xffffff, &hi) || hi < lo))
			return false;
		for (uint64_t v = lo; v <= hi; v++) {
			if (g->nvnis == GEN_MAX_VNIS)
				return false;
			g->vnis[g->nvnis++] = (uint32_t)v;
		}
	}
	return g->nvnis > 0;
}

static bool parse_sizes(struct gen *g, const char *s)
{
	char buf[256], *save = NULL;

	if (strcmp(s, "imix") == 0) {
		/* simple IMIX, 7:4:1 */
		static const uint32_t imix[12] = {40, 40,  40,  40,  40,  40,
		                                  40, 576, 576, 576, 576, 1500};
		memcpy(g->sizes, imix, sizeof(imix));
		g->nsizes = 12;
		return true;
	}
	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	g->nsizes = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (!parse_u64(tok, GEN_MAX_IPLEN, &v) || v < 40 || g->nsizes == GEN_MAX_SIZES)
			return false;
		g->sizes[g->nsizes++] = (uint32_t)v;
	}
	return g->nsizes > 0;
}

/* dst_allowed: loopback or 198.18.0.0/15 only. */
static bool dst_allowed(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return (h >> 24) == 127 || (h >> 17) == (0xc6120000u >> 17);
}

/* --- checksums --- */

static uint32_t sum16(uint32_t sum, uint32_t v32)
{
	return sum + (v32 >> 16) + (v32 & 0xffff);
}

/* csum_add: a template checksum (fields zero) with these 16-bit words added. */
static uint16_t csum_add(uint16_t csum, uint32_t words)
{
	uint32_t s = (uint16_t)~csum + words;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* mix32: a 32-bit finaliser (murmur3 fmix32). */
static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* --- the traffic model --- */

/* Flow f: client 10.128.0.0/9 + (f >> 4) port 40000 + (f & 15),
 * server 10.0.0.1..251, port 443 or 80. */
static void flow_tuple(uint32_t f, uint32_t *cip, uint16_t *cport, uint32_t *sip, uint16_t *sport)
{
	*cip = 0x0a800000u + (f >> 4) + 1;
	*cport = (uint16_t)(40000 + (f & 15));
	*sip = 0x0a000000u + f % 251 + 1;
	*sport = f % 3 != 0 ? 443 : 80;
}

static void tmpl_build(struct tmpl *t, uint8_t flags, uint32_t ip_len, bool opts)
{
	static uint8_t buf[14 + GEN_MAX_IPLEN];
	struct tcp_spec s = {
	    .ip = {.src = "0.0.0.0", .dst = "0.0.0.0", .df = true, .ip_len = ip_len},
	    .flags = flags,
	    .mss = opts ? 1460 : 0,
	    .sack_ok = opts,
	    .has_wscale = opts,
	    .wscale = 7,
	    .win = opts ? 64240 : 502};
	size_t n = frame_tcp(buf, sizeof(buf), &s);
	size_t thl;

	if (opts) {
		/* SYN / SYN-ACK: their length is what the options make */
		s.ip.ip_len = 0;
		n = frame_tcp(buf, sizeof(buf), &s);
	}
	thl = (size_t)(buf[14 + 20 + 12] >> 4) * 4;
	t->hlen = 14 + 20 + thl;
	t->payload = (uint32_t)(n - t->hlen);
	memcpy(t->hdr, buf, t->hlen);
	t->ip_csum = get16(t->hdr + 14 + 10);
	t->tcp_csum = get16(t->hdr + 14 + 20 + 16);
}

/*
 * packet_build: headers of global packet j into hdr (inner frame headers
 * only; the payload is g->pattern[0..*payload)).  Returns the header
 * length; sets the VNI and the outer source port.
 */
static size_t packet_build(struct gen *g, uint64_t j, uint8_t *hdr, uint32_t *payload,
                           uint32_t *vni, uint16_t *outer_sport)
{
	uint32_t i = (uint32_t)(j % g->flows), f = g->first + i;
	uint64_t k = j / g->flows;
	int dir = (int)(k & 1); /* 0: client -> server, 1: server -> client */
	uint32_t cip, sip, src, dst, seq, ack, tcps;
	uint16_t cport, sport, sp, dp;
	const struct tmpl *t;
	uint8_t flags;
	uint32_t ips;

	flow_tuple(f, &cip, &cport, &sip, &sport);
	if (k == 0) {
		t = &g->t[T_SYN];
		flags = TH_SYN;
		g->seq[i][0] = mix32(f + 1) & 0x7fffffff;
		g->seq[i][1] = mix32(f ^ 0x5a5a5a5a) & 0x7fffffff;
	} else if (k == 1) {
		t = &g->t[T_SYNACK];
		flags = TH_SYN | TH_ACK;
	} else {
		t = &g->t[T_DATA0 + mix32((uint32_t)j ^ (uint32_t)(j >> 32)) % g->nsizes];
		flags = t->payload > 0 ? TH_ACK | TH_PSH : TH_ACK;
	}
	src = dir == 0 ? cip : sip;
	dst = dir == 0 ? sip : cip;
	sp = dir == 0 ? cport : sport;
	dp = dir == 0 ? sport : cport;
	seq = g->seq[i][dir];
	ack = k == 0 ? 0 : g->seq[i][!dir];
	/* SYN and FIN take one sequence number */
	g->seq[i][dir] += t->payload + ((flags & TH_SYN) ? 1 : 0);

	memcpy(hdr, t->hdr, t->hlen);
	/* IPv4: id, addresses */
	put16(hdr + 14 + 4, (uint32_t)k);
	put32(hdr + 14 + 12, src);
	put32(hdr + 14 + 16, dst);
	ips = sum16(sum16((uint32_t)k & 0xffff, src), dst);
	put16(hdr + 14 + 10, csum_add(t->ip_csum, ips));
	/* TCP: ports, seq, ack, flags (the template's flags are already in) */
	put16(hdr + 34, sp);
	put16(hdr + 36, dp);
	put32(hdr + 38, seq);
	put32(hdr + 42, ack);
	hdr[34 + 13] = flags;
	tcps = sum16(sum16(sum16(sum16(0, src), dst), (uint32_t)sp << 16 | dp), seq);
	tcps = sum16(tcps, ack);
	/* the template's flags byte (the low byte of word 6) may differ */
	tcps += flags;
	tcps += 0xffff - t->hdr[34 + 13]; /* minus the template's flags */
	put16(hdr + 34 + 16, csum_add(t->tcp_csum, tcps));

	*payload = t->payload;
	*vni = g->vnis[f % g->nvnis];
	/* AWS: the outer source port hashes the directional inner 5-tuple */
	*outer_sport =
	    (uint16_t)(32768 +
	               mix32(mix32(src ^ mix32(dst)) ^ ((uint32_t)sp << 16 | dp) ^ 6) % 28232);
	return t->hlen;
}

/* outer_build: outer IPv4 + UDP + VXLAN headers in front of an inner frame of inner_len. */
static size_t outer_build(const struct gen *g, uint8_t *p, uint16_t sport, uint32_t vni,
                          size_t inner_len, uint16_t ipid)
{
	size_t udp_len = 8 + 8 + inner_len;
	uint32_t s;

	memset(p, 0, 36);
	p[0] = 0x45;
	put16(p + 2, (uint32_t)(20 + udp_len));
	put16(p + 4, ipid);
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, &g->src, 4);
	memcpy(p + 16, &g->dst, 4);
	s = 0;
	for (int i = 0; i < 20; i += 2)
		s += get16(p + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(p + 10, (uint16_t)~s);
	put16(p + 20, sport);
	put16(p + 22, g->port);
	put16(p + 24, (uint32_t)udp_len);
	/* UDP checksum 0: none, as the Linux vxlan driver sends it over IPv4 */
	p[28] = 0x08;
	put32(p + 32, vni << 8);
	return 36;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* --- capture file --- */

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int write_capture(struct gen *g)
{
	static const uint8_t eth[14] = {0x02, 0, 0, 0, 0, 0x20, 0x02, 0, 0, 0, 0, 0x10, 0x08, 0x00};
	uint8_t fh[24] = {0}, rec[16 + 14 + GEN_HDR_MAX];
	uint64_t rate = g->rate != 0 ? g->rate : 1000000, bytes = 0;
	double t0 = now_s();
	FILE *f;

	f = fopen(g->write, "wb");
	if (f == NULL) {
		fprintf(stderr, "vxgen: %s: %s\n", g->write, strerror(errno));
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	/* pcap file header, microsecond resolution, DLT_EN10MB, host order */
	le32(fh, 0xa1b2c3d4);
	fh[4] = 2;
	fh[6] = 4;
	le32(fh + 16, 262144);
	le32(fh + 20, 1);
	fwrite(fh, 1, sizeof(fh), f);
	for (uint64_t j = 0; j < g->count && !stop; j++) {
		uint8_t inner[GEN_HDR_MAX];
		uint32_t payload, vni, len;
		uint16_t osport;
		size_t hl = packet_build(g, g->skip + j, inner, &payload, &vni, &osport);
		uint64_t us = (g->skip + j) * 1000000 / rate;
		size_t ol;

		memcpy(rec + 16, eth, 14);
		ol = outer_build(g, rec + 16 + 14, osport, vni, hl + payload, (uint16_t)j);
		memcpy(rec + 16 + 14 + ol, inner, hl);
		len = (uint32_t)(14 + ol + hl + payload);
		le32(rec, (uint32_t)(GEN_TS_BASE + us / 1000000));
		le32(rec + 4, (uint32_t)(us % 1000000));
		le32(rec + 8, len);
		le32(rec + 12, len);
		fwrite(rec, 1, 16 + 14 + ol + hl, f);
		fwrite(g->pattern, 1, payload, f);
		bytes += 16 + len;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "vxgen: %s: %s\n", g->write, strerror(errno));
		return 1;
	}
	printf("vxgen: wrote=%" PRIu64 " file=%s bytes=%" PRIu64 " flows=%u elapsed=%.3f\n",
	       g->count, g->write, bytes + 24, g->flows, now_s() - t0);
	return 0;
}

/* --- sending --- */

static int open_socket(struct gen *g)
{
	int fd = -1, sz = 4 << 20;

	if (!g->udp) {
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (fd == -1) {
			if (!g->quiet)
				fprintf(stderr,
				        "vxgen: raw socket: %s; using a UDP socket (one outer "
				        "source port)\n",
				        strerror(errno));
			g->udp = true;
		}
	}
	if (g->udp) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = g->src};
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			fprintf(stderr, "vxgen: udp socket: %s\n", strerror(errno));
			return -1;
		}
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

static int send_loop(struct gen *g)
{
	static struct mmsghdr msgs[GEN_MAX_BATCH];
	static struct iovec iov[GEN_MAX_BATCH][2];
	static uint8_t hdrs[GEN_MAX_BATCH][GEN_HDR_MAX];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = g->dst};
	uint64_t sent = 0, errors = 0, bytes = 0, calls = 0;
	double t0, t_end, elapsed;
	unsigned batch = g->batch;
	int fd = open_socket(g), last_errno = 0;

	if (fd == -1)
		return 1;
	/* raw: the port in sin_port must be 0 (it would be read as the protocol) */
	to.sin_port = g->udp ? htons(g->port) : 0;
	if (g->rate > 0 && g->rate / 1000 < batch)
		batch = (unsigned)(g->rate / 1000 > 0 ? g->rate / 1000 : 1); /* >= 1000 batches/s */
	prctl(PR_SET_TIMERSLACK, 1UL);
	t0 = now_s();
	t_end = g->duration > 0 ? t0 + g->duration : 0;
	while (!stop) {
		unsigned n = batch;
		double now = now_s();
		int r;

		if (g->count != 0 && g->count - sent < n)
			n = (unsigned)(g->count - sent);
		if (n == 0 || (t_end != 0 && now >= t_end))
			break;
		if (g->rate > 0) {
			/* absolute schedule: batch i is due at t0 + sent / rate */
			double due = t0 + (double)sent / (double)g->rate;
			if (due > now) {
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				double d = due - now;
				ts.tv_sec += (time_t)d;
				ts.tv_nsec += (long)((d - (double)(time_t)d) * 1e9);
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
				continue;
			}
		}
		for (unsigned i = 0; i < n; i++) {
			uint8_t inner[GEN_HDR_MAX];
			uint32_t payload, vni;
			uint16_t osport;
			size_t hl =
			    packet_build(g, g->skip + sent + i, inner, &payload, &vni, &osport);
			size_t ol = outer_build(g, hdrs[i], osport, vni, hl + payload,
			                        (uint16_t)(sent + i));
			uint8_t *start = g->udp ? hdrs[i] + 28 : hdrs[i]; /* UDP: VXLAN onwards */
			size_t slen = g->udp ? ol - 28 : ol;

			memcpy(hdrs[i] + ol, inner, hl);
			iov[i][0].iov_base = start;
			iov[i][0].iov_len = slen + hl;
			iov[i][1].iov_base = g->pattern;
			iov[i][1].iov_len = payload;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_name = &to;
			msgs[i].msg_hdr.msg_namelen = sizeof(to);
			msgs[i].msg_hdr.msg_iov = iov[i];
			msgs[i].msg_hdr.msg_iovlen = payload > 0 ? 2 : 1;
			bytes += slen + hl + payload - (g->udp ? 0 : 28); /* UDP payload bytes */
		}
		r = sendmmsg(fd, msgs, n, 0);
		calls++;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS and friends: count the whole batch as not sent and go on;
			 * the packet sequence moves on so flows stay consistent */
			last_errno = errno;
			errors += n;
			sent += n;
			continue;
		}
		if ((unsigned)r < n) {
			last_errno = EAGAIN;
			errors += n - (unsigned)r;
		}
		sent += n;
	}
	elapsed = now_s() - t0;
	close(fd);
	if (errors > 0 && !g->quiet)
		fprintf(stderr, "vxgen: %" PRIu64 " datagrams not sent: %s\n", errors,
		        strerror(last_errno));
	printf("vxgen: sent=%" PRIu64 " errors=%" PRIu64 " bytes=%" PRIu64 " elapsed=%.3f pps=%.0f "
	       "flows=%u vnis=%zu socket=%s calls=%" PRIu64 " cpu=%.3f\n",
	       sent - errors, errors, bytes, elapsed, (double)(sent - errors) / elapsed, g->flows,
	       g->nvnis, g->udp ? "udp" : "raw", calls, cpu_s());
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"dst", required_argument, NULL, 'd'},
	                                   {"src", required_argument, NULL, 'S'},
	                                   {"port", required_argument, NULL, 'p'},
	                                   {"rate", required_argument, NULL, 'r'},
	                                   {"duration", required_argument, NULL, 't'},
	                                   {"count", required_argument, NULL, 'n'},
	                                   {"flows", required_argument, NULL, 'f'},
	                                   {"first-flow", required_argument, NULL, 'F'},
	                                   {"skip", required_argument, NULL, 'k'},
	                                   {"size", required_argument, NULL, 's'},
	                                   {"vni", required_argument, NULL, 'V'},
	                                   {"batch", required_argument, NULL, 'b'},
	                                   {"udp", no_argument, NULL, 'u'},
	                                   {"write", required_argument, NULL, 'w'},
	                                   {"quiet", no_argument, NULL, 'q'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	static struct gen g;
	uint64_t v;
	int c, rc;

	inet_pton(AF_INET, "127.0.0.1", &g.dst);
	inet_pton(AF_INET, "127.0.0.1", &g.src);
	g.port = 4789;
	g.flows = 10000;
	g.batch = 64;
	g.vnis[0] = 100;
	g.nvnis = 1;
	parse_sizes(&g, "imix");
	while ((c = getopt_long(argc, argv, "d:S:p:r:t:n:f:F:k:s:V:b:uw:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &g.dst) != 1)
				return die("--dst: not an IPv4 address");
			break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &g.src) != 1)
				return die("--src: not an IPv4 address");
			break;
		case 'p':
			if (!parse_u64(optarg, 65535, &v) || v == 0)
				return die("--port: 1..65535");
			g.port = (uint16_t)v;
			break;
		case 'r':
			if (!parse_u64(optarg, 100000000, &v))
				return die("--rate: 0..100000000");
			g.rate = v;
			break;
		case 't':
			if (!parse_u64(optarg, GEN_MAX_DURATION, &v) || v == 0)
				return die("--duration: 1..3600 seconds");
			g.duration = (double)v;
			break;
		case 'n':
			if (!parse_u64(optarg, 1000000000, &v) || v == 0)
				return die("--count: 1..1000000000");
			g.count = v;
			break;
		case 'f':
			if (!parse_u64(optarg, GEN_MAX_FLOWS, &v) || v == 0)
				return die("--flows: 1..16777216");
			g.flows = (uint32_t)v;
			break;
		case 'F':
			if (!parse_u64(optarg, GEN_MAX_FLOWS, &v))
				return die("--first-flow: 0..16777216");
			g.first = (uint32_t)v;
			break;
		case 'k':
			if (!parse_u64(optarg, 1000000000, &v))
				return die("--skip: 0..1000000000");
			g.skip = v;
			break;
		case 's':
			if (!parse_sizes(&g, optarg))
				return die("--size: imix, or inner IP lengths 40..9001, up to 16");
			break;
		case 'V':
			if (!parse_vnis(&g, optarg))
				return die("--vni: VNIs 0..16777215 as N, N,N or N-M (up to 64)");
			break;
		case 'b':
			if (!parse_u64(optarg, GEN_MAX_BATCH, &v) || v == 0)
				return die("--batch: 1..1024");
			g.batch = (unsigned)v;
			break;
		case 'u':
			g.udp = true;
			break;
		case 'w':
			g.write = optarg;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (g.write == NULL && !dst_allowed(g.dst))
		return die("--dst: only loopback (127.0.0.0/8) or 198.18.0.0/15");
	if (g.write != NULL && g.count == 0)
		g.count = 1000000;
	if (g.write == NULL && g.duration == 0)
		g.duration = g.count == 0 ? 5 : GEN_MAX_DURATION; /* always bounded in time */
	for (size_t i = 0; i < sizeof(g.pattern); i++)
		g.pattern[i] = (uint8_t)i;
	tmpl_build(&g.t[T_SYN], TH_SYN, 0, true);
	tmpl_build(&g.t[T_SYNACK], TH_SYN | TH_ACK, 0, true);
	for (size_t i = 0; i < g.nsizes; i++)
		tmpl_build(&g.t[T_DATA0 + i], TH_ACK, g.sizes[i], false);
	g.seq = calloc(g.flows, sizeof(*g.seq));
	if (g.seq == NULL)
		return die("out of memory");
	/* --skip: run the sequence up to the first packet, to get the flows' state */
	for (uint64_t j = 0; j < g.skip; j++) {
		uint8_t hdr[GEN_HDR_MAX];
		uint32_t payload, vni;
		uint16_t osport;
		packet_build(&g, j, hdr, &payload, &vni, &osport);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = g.write != NULL ? write_capture(&g) : send_loop(&g);
	free(g.seq);
	return rc;
}
