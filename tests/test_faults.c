/*
 * test_faults.c - vxmirrord under hostile input and failing machinery.
 *
 *  - barrage: the real daemon on loopback fed random datagrams, every
 *    truncation of valid mirrored datagrams, every VXLAN flags byte,
 *    random VNIs (unknown_vni drop and auto, past SESSIONS_AUTO_MAX) and
 *    inner headers with absurd lengths.  It stays up and its counters
 *    account for every datagram, category by category.
 *  - disk full: pcap_dir on a 1 MiB tmpfs in a private mount namespace.
 *    Writes fail and are counted, alerts keep flowing, writing resumes
 *    by itself once space is freed, every closed pcap reads cleanly.
 *  - SIGKILL while writing: closed pcaps read cleanly, the .part reads up
 *    to its last whole record, the next start keeps it as .recovered.pcap.
 *  - fuzz regressions: tests/data/fuzz/<target>/ replayed through the
 *    libFuzzer entry points (built here with gcc, ASan+UBSan).
 *
 * Everything stays on 127.0.0.1 and under /tmp/vx-*; every loop is bounded.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <glob.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>

#include "daemon_harness.h"
#include "frames.h"
#include "vxmirror/packet.h"
#include "vxmirror/pcapring.h"
#include "vxmirror/session.h"

/* The libFuzzer entry points, each under its own name. */
#define LLVMFuzzerTestOneInput fuzz_decode_one
#include "../fuzz/fuzz_decode.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_analyzer_one
#include "../fuzz/fuzz_analyzer.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput

#define MAXDG      9200
#define PACE_N     32          /* datagrams per burst ... */
#define PACE_US    200         /* ... then a pause, and a wait while more than ... */
#define PACE_QUEUE (256 << 10) /* ... bytes are queued: the socket never overflows */
#define WEB_VNI    100
#define PROBE_SRC  7777 /* source port of the DF probe that must raise an alert */
#define ID_SPORT   4000 /* source port of numbered frames (id in the TCP seq) */

static const char *conf_fmt = "listen: [\"127.0.0.1:%u\"]\n"
                              "allowed_sources: [127.0.0.1/32]\n"
                              "workers: %u\n"
                              "pcap_dir: pcap\n"
                              "alert_log: alerts.json\n"
                              "unknown_vni: %s\n"
                              "pcap: {rotate_size: %s, keep_files: 0, min_free: 0%%}\n"
                              "sessions:\n"
                              "  - name: web\n"
                              "    vni: 100\n"
                              "    path_mtu: 9001\n"
                              "    routes: [{prefix: 198.18.2.0/24, mtu: 1500}]\n";

/* --- sending ------------------------------------------------------------ */

/* What the daemon must count, built up as datagrams are sent. */
struct expect {
	long sent, not_allowed, bad_vxlan, unknown_vni, delivered;
	long decode_errors, truncated; /* of delivered inner frames, by decode_ether() here */
};

struct tx {
	int fd;       /* bound to 127.0.0.1: allowed */
	int fd_other; /* bound to 127.0.0.2: not in allowed_sources */
	struct sockaddr_in to;
	struct expect x;
	bool auto_vni;                        /* unknown_vni: auto */
	uint32_t seen[SESSIONS_AUTO_MAX + 1]; /* VNIs that got an automatic session */
	size_t nseen;
};

static int bound_socket(const char *ip)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;

	cr_assert(fd >= 0);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "bind %s: %s", ip,
	             strerror(errno));
	return fd;
}

static void tx_open(struct tx *t, uint16_t port, bool auto_vni)
{
	memset(t, 0, sizeof(*t));
	t->fd = bound_socket("127.0.0.1");
	t->fd_other = bound_socket("127.0.0.2");
	t->to.sin_family = AF_INET;
	t->to.sin_port = htons(port);
	t->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->auto_vni = auto_vni;
}

static void tx_close(struct tx *t)
{
	close(t->fd);
	close(t->fd_other);
}

/* rx_queued: bytes waiting in the receive queues of UDP sockets bound to `port`
 * (/proc/net/udp; several with SO_REUSEPORT workers). */
static long rx_queued(uint16_t port)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];
	unsigned lport;
	unsigned long rxq;
	long sum = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %*x %*x:%lx", &lport, &rxq) == 2 &&
		    lport == port)
			sum += (long)rxq;
	fclose(f);
	return sum;
}

/* tx_throttle: let the daemon drain its socket before the kernel would drop
 * (the receive buffer may be capped small by net.core.rmem_max); bounded. */
static void tx_throttle(struct tx *t)
{
	for (int i = 0; i < 5000 && rx_queued(ntohs(t->to.sin_port)) > PACE_QUEUE; i++)
		usleep(1000);
}

/* tx_raw: send one datagram, pacing bursts. */
static void tx_raw(struct tx *t, int fd, const uint8_t *p, size_t n)
{
	ssize_t r = sendto(fd, p, n, 0, (struct sockaddr *)&t->to, sizeof(t->to));

	cr_assert_eq(r, (ssize_t)n, "sendto %zu bytes: %s", n, strerror(errno));
	if (++t->x.sent % PACE_N == 0) {
		usleep(PACE_US);
		tx_throttle(t);
	}
}

/* vni_accepted: would the daemon hand this VNI to a session? */
static bool vni_accepted(struct tx *t, uint32_t vni)
{
	if (vni == WEB_VNI)
		return true;
	if (!t->auto_vni)
		return false;
	for (size_t i = 0; i < t->nseen; i++)
		if (t->seen[i] == vni)
			return true;
	if (t->nseen == SESSIONS_AUTO_MAX)
		return false;
	t->seen[t->nseen++] = vni;
	return true;
}

/* expect_inner: what the daemon's decoder will make of a delivered inner frame. */
static void expect_inner(struct expect *x, const uint8_t *p, size_t n)
{
	struct packet pkt = {0};
	enum decode_err e = decode_ether(&pkt, p, n);

	x->delivered++;
	if (e != DEC_OK && e != DEC_NOT_IP)
		x->decode_errors++;
	if (pkt.flags & PKT_TRUNCATED)
		x->truncated++;
}

/* tx_dgram: send a datagram from an allowed source, noting where it must end up. */
static void tx_dgram(struct tx *t, const uint8_t *p, size_t n)
{
	uint32_t vni = n >= 8 ? (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6] : 0;

	if (n < 8 || !(p[0] & 0x08))
		t->x.bad_vxlan++;
	else if (!vni_accepted(t, vni))
		t->x.unknown_vni++;
	else
		expect_inner(&t->x, p + 8, n - 8);
	tx_raw(t, t->fd, p, n);
}

/* tx_inner: wrap an inner frame in VXLAN for `vni` and send it. */
static void tx_inner(struct tx *t, uint32_t vni, const uint8_t *f, size_t n)
{
	static uint8_t d[MAXDG + 8];

	cr_assert(n > 0 && n <= MAXDG, "inner frame of %zu bytes", n);
	tx_dgram(t, d, frame_vxlan(d, sizeof(d), vni, f, n));
}

/* --- frames --- */

/* xorshift64*: a reproducible stream of pseudo-random numbers. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ull;
}

/* tcp4: a TCP/IPv4 frame A -> dst with the given sizes. */
static size_t tcp4(uint8_t *f, size_t cap, const char *dst, uint16_t sport, uint32_t seq,
                   uint32_t ip_len, bool df)
{
	return frame_tcp(
	    f, cap,
	    &(struct tcp_spec){.ip = {.src = "198.18.1.1", .dst = dst, .df = df, .ip_len = ip_len},
	                       .sport = sport,
	                       .dport = 443,
	                       .flags = TH_ACK,
	                       .seq = seq,
	                       .ack = 1});
}

/* probe: a 5154-byte DF segment into the 1500 route: must raise oversize_df. */
static size_t probe(uint8_t *f, size_t cap, uint16_t sport)
{
	return tcp4(f, cap, "198.18.2.2", sport, 1, 5154, true);
}

/* --- reading results ------------------------------------------------------ */

/* alert_from: is there an alert whose flow has source port `sport`? */
static bool alert_from(const char *dir, uint16_t sport)
{
	char path[400];
	json_t *arr, *a;
	size_t i;
	bool hit = false;

	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	arr = h_alerts(path);
	cr_assert_not_null(arr, "alerts.json holds a line that is not JSON");
	json_array_foreach(arr, i, a)
	{
		json_t *flow = json_object_get(a, "flow");
		if (json_integer_value(json_object_get(flow, "sport")) == sport)
			hit = true;
	}
	json_decref(arr);
	return hit;
}

/* wait_alert: wait up to `ms` for the alert of the probe from `sport`. */
static bool wait_alert(const char *dir, uint16_t sport, int ms)
{
	for (int waited = 0; waited <= ms; waited += 50) {
		if (alert_from(dir, sport))
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* What reading one pcap file gave. */
struct pread {
	long n; /* records read */
	int rc; /* the last pcap_next_ex(): -2 clean end, -1 error */
	char err[PCAP_ERRBUF_SIZE + 64];
	long ids; /* numbered frames (sport ID_SPORT) among them */
	uint32_t first_id, last_id;
	bool ids_consecutive;
};

/* rec_id: the id of a numbered frame (TCP seq of sport ID_SPORT), or false. */
static bool rec_id(const struct pcap_pkthdr *h, const u_char *d, uint32_t *id)
{
	if (h->caplen < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00 || d[14] != 0x45 ||
	    d[23] != 6 || (d[34] << 8 | d[35]) != ID_SPORT)
		return false;
	*id = (uint32_t)d[38] << 24 | (uint32_t)d[39] << 16 | (uint32_t)d[40] << 8 | d[41];
	return true;
}

/* read_fp: read every record of an open pcap stream (closed with it). */
static void read_fp(FILE *fp, struct pread *r)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	uint32_t id;

	memset(r, 0, sizeof(*r));
	r->ids_consecutive = true;
	pc = pcap_fopen_offline(fp, eb);
	if (pc == NULL) {
		r->rc = -1;
		snprintf(r->err, sizeof(r->err), "open: %s", eb);
		fclose(fp);
		return;
	}
	while ((r->rc = pcap_next_ex(pc, &h, &d)) == 1) {
		r->n++;
		if (h->caplen > h->len || pcap_datalink(pc) != DLT_EN10MB)
			r->ids_consecutive = false;
		if (!rec_id(h, d, &id))
			continue;
		if (r->ids > 0 && id != r->last_id + 1)
			r->ids_consecutive = false;
		if (r->ids++ == 0)
			r->first_id = id;
		r->last_id = id;
	}
	if (r->rc == -1)
		snprintf(r->err, sizeof(r->err), "%s", pcap_geterr(pc));
	pcap_close(pc);
}

/* read_at: read_fp on dirfd/name. */
static void read_at(int dirfd, const char *name, struct pread *r)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	FILE *fp = fd == -1 ? NULL : fdopen(fd, "rb");

	cr_assert_not_null(fp, "open %s: %s", name, strerror(errno));
	read_fp(fp, r);
}

/* Completed files of a session directory, in name (= time) order. */
struct names {
	char v[512][128];
	int n;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* list_at: entries of dirfd ending in `suffix`, sorted. */
static void list_at(int dirfd, const char *suffix, struct names *out)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd == -1 ? NULL : fdopendir(fd);
	struct dirent *e;
	size_t sl = strlen(suffix);

	cr_assert_not_null(d, "opendir: %s", strerror(errno));
	out->n = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < sl || strcmp(e->d_name + l - sl, suffix) != 0 || out->n == 512)
			continue;
		cr_assert_lt(l, sizeof(out->v[0]), "file name too long: %s", e->d_name);
		memcpy(out->v[out->n++], e->d_name, l + 1);
	}
	closedir(d);
	qsort(out->v, (size_t)out->n, sizeof(out->v[0]), cmp_name);
}

/* check_closed: every *.pcap in dirfd reads to a clean end; returns the records. */
static long check_closed(int dirfd, struct names *files)
{
	struct pread r;
	long total = 0;

	list_at(dirfd, ".pcap", files);
	for (int i = 0; i < files->n; i++) {
		read_at(dirfd, files->v[i], &r);
		cr_assert_eq(r.rc, -2, "%s does not read cleanly after %ld records: %s",
		             files->v[i], r.n, r.err);
		total += r.n;
	}
	return total;
}

/* open_dir: a directory fd. */
static int open_dir(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int open_dir(const char *fmt, ...)
{
	char path[600];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* no_sanitizer_report: the daemon's log holds no ASan/UBSan report. */
static void no_sanitizer_report(struct harness *h)
{
	char *log = h_slurp(h->err);

	cr_assert_not_null(log);
	cr_assert(strstr(log, "AddressSanitizer") == NULL && strstr(log, "runtime error") == NULL &&
	              strstr(log, "LeakSanitizer") == NULL,
	          "sanitizer report:\n%s", log);
	free(log);
}

/* start: the daemon on a fresh port; fails the test if it does not come up. */
static uint16_t start(struct harness *h, unsigned workers, const char *unknown_vni,
                      const char *rotate)
{
	uint16_t port = h_free_port();

	h_init(h, conf_fmt, port, workers, unknown_vni, rotate);
	h_spawn(h, NULL);
	cr_assert(h_wait_log(h, "ready:", 10000), "vxmirrord did not start:\n%s", h_slurp(h->err));
	return port;
}

/* stop_ok: SIGTERM, exit 0, no sanitizer report. */
static void stop_ok(struct harness *h)
{
	int st = h_stop(h);

	cr_assert_eq(st, 0, "vxmirrord did not exit 0 on SIGTERM (%d):\n%s", st, h_slurp(h->err));
	no_sanitizer_report(h);
}

/* check_accounting: the stop summary accounts for every datagram sent. */
static void check_accounting(struct harness *h, const struct expect *x)
{
	const char *g = "summary: datagrams=";
	long long dg = h_counter(h, g, "datagrams"), drops = h_counter(h, g, "kernel_drops");
	long long na = h_counter(h, g, "not_allowed"), bad = h_counter(h, g, "bad_vxlan");
	long long unk = h_counter(h, g, "unknown_vni"), del = h_counter(h, g, "delivered");
	long long over = h_counter(h, g, "oversize"), geneve = h_counter(h, g, "bad_geneve");

	cr_log_info("sent=%ld not_allowed=%ld bad_vxlan=%ld unknown_vni=%ld delivered=%ld "
	            "decode_errors=%ld truncated=%ld",
	            x->sent, x->not_allowed, x->bad_vxlan, x->unknown_vni, x->delivered,
	            x->decode_errors, x->truncated);
	cr_assert_eq(drops, 0, "the kernel dropped %lld datagrams: pace the sender", drops);
	cr_assert_eq(dg, x->sent, "datagrams=%lld, sent %ld", dg, x->sent);
	cr_assert_eq(over, 0);
	cr_assert_leq(geneve, 0, "bad_geneve=%lld with no GENEVE listener", geneve);
	cr_assert_eq(dg, na + bad + unk + del + over,
	             "datagrams=%lld != not_allowed %lld + bad_vxlan %lld + unknown_vni %lld + "
	             "delivered %lld + oversize %lld",
	             dg, na, bad, unk, del, over);
	cr_assert_eq(na, x->not_allowed);
	cr_assert_eq(bad, x->bad_vxlan);
	cr_assert_eq(unk, x->unknown_vni);
	cr_assert_eq(del, x->delivered);
	cr_assert_eq(h_counter(h, g, "decode_errors"), x->decode_errors);
	cr_assert_eq(h_counter(h, g, "truncated"), x->truncated);
}

/* --- the barrage ---------------------------------------------------------- */

/* send_random: datagrams of random bytes; half carry VNI 100 and the I flag. */
static void send_random(struct tx *t, int count)
{
	static uint8_t d[1600];

	for (int i = 0; i < count; i++) {
		size_t n = (size_t)(rnd() % sizeof(d));
		for (size_t k = 0; k < n; k++)
			d[k] = (uint8_t)rnd();
		if (i % 2 == 1 && n >= 8) {
			d[0] |= 0x08;
			d[4] = 0;
			d[5] = 0;
			d[6] = WEB_VNI;
		}
		tx_dgram(t, d, n);
	}
}

/* send_truncations: every prefix (0..len bytes) of a valid mirrored datagram. */
static void send_truncations(struct tx *t, const uint8_t *f, size_t n)
{
	static uint8_t d[MAXDG + 8];
	size_t len = frame_vxlan(d, sizeof(d), WEB_VNI, f, n);

	cr_assert(len > 0);
	for (size_t cut = 0; cut <= len; cut++)
		tx_dgram(t, d, cut);
}

/* truncation_sources: a few valid frames whose every prefix is sent. */
static void send_all_truncations(struct tx *t)
{
	static uint8_t f[MAXDG], big[MAXDG];
	size_t n, bn;

	n = frame_tcp(
	    f, sizeof(f),
	    &(struct tcp_spec){.ip = {.src = "198.18.1.1", .dst = "198.18.2.2", .df = true},
	                       .sport = 40000,
	                       .dport = 443,
	                       .flags = TH_SYN,
	                       .mss = 8961,
	                       .sack_ok = true,
	                       .has_wscale = true,
	                       .wscale = 7,
	                       .payload_len = 64});
	send_truncations(t, f, n);
	n = frame_tcp(
	    f, sizeof(f),
	    &(struct tcp_spec){
	        .ip = {.src = "2001:db8::1", .dst = "2001:db8::2", .frag6 = true, .vlan = 7},
	        .sport = 40000,
	        .dport = 443,
	        .flags = TH_SYN,
	        .mss = 1440,
	        .payload_len = 64});
	send_truncations(t, f, n);
	bn = tcp4(big, sizeof(big), "198.18.2.2", 1, 1, 1500, true);
	send_truncations(t, big, bn);
	n = frame_icmp_ptb(f, sizeof(f),
	                   &(struct ptb_spec){.ip = {.src = "198.18.0.1", .dst = "198.18.1.1"},
	                                      .mtu = 1500,
	                                      .orig = big,
	                                      .orig_len = bn});
	send_truncations(t, f, n);
}

/* send_flags: every VXLAN flags byte on a valid frame; without the I bit it is bad. */
static void send_flags(struct tx *t)
{
	static uint8_t f[256], d[300];
	size_t n = tcp4(f, sizeof(f), "198.18.3.3", 2, 1, 0, false), len;

	for (int flags = 0; flags < 256; flags++) {
		len = frame_vxlan(d, sizeof(d), WEB_VNI, f, n);
		d[0] = (uint8_t)flags;
		d[1] = (uint8_t)rnd(); /* reserved bytes are ignored */
		d[7] = (uint8_t)rnd();
		tx_dgram(t, d, len);
	}
}

/* send_random_vnis: valid frames with random 24-bit VNIs. */
static void send_random_vnis(struct tx *t, int count)
{
	static uint8_t f[256];
	size_t n = tcp4(f, sizeof(f), "198.18.3.3", 3, 1, 0, false);

	for (int i = 0; i < count; i++) {
		uint32_t vni = (uint32_t)rnd() & 0xffffff;
		tx_inner(t, vni, f, n);
		if (i % 3 == 0)
			tx_inner(t, vni, f, n); /* a second datagram of the same VNI */
	}
}

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* absurd4: an IPv4 frame whose header says what the bytes cannot hold. */
static void send_absurd4(struct tx *t)
{
	static uint8_t f[MAXDG], q[MAXDG];
	size_t n;

	/* IHL 15 (60-byte header) with 40 bytes of IP captured */
	cr_assert_geq(tcp4(f, sizeof(f), "198.18.3.3", 5, 1, 0, true), 14 + 40);
	f[14] = 0x4f;
	tx_inner(t, WEB_VNI, f, 14 + 40);
	/* IHL 15 with the whole header there but options of garbage */
	n = tcp4(f, sizeof(f), "198.18.3.3", 5, 1, 200, true);
	f[14] = 0x4f;
	tx_inner(t, WEB_VNI, f, n);
	/* IHL 0..4 */
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		n = tcp4(f, sizeof(f), "198.18.3.3", 5, 1, 0, true);
		f[14] = (uint8_t)(0x40 | ihl);
		tx_inner(t, WEB_VNI, f, n);
	}
	/* total length 65535 on 60 bytes; total length 0; 19 */
	for (uint32_t tot = 0; tot < 3; tot++) {
		n = tcp4(f, sizeof(f), "198.18.2.2", 6, 1, 0, true);
		be16(f + 16, tot == 0 ? 65535 : tot == 1 ? 0 : 19);
		tx_inner(t, WEB_VNI, f, 60);
	}
	/* TCP data offset 15 with a short segment, and 0..4 */
	for (uint8_t off = 0; off < 6; off++) {
		n = tcp4(f, sizeof(f), "198.18.3.3", 7, 1, 0, true);
		f[14 + 20 + 12] = (uint8_t)((off == 5 ? 15 : off) << 4);
		tx_inner(t, WEB_VNI, f, n);
	}
	/* TCP options: zero length, length past the header, MSS of length 3 */
	for (int k = 0; k < 3; k++) {
		static const uint8_t opts[3][4] = {{2, 0, 0, 0}, {8, 40, 0, 0}, {2, 3, 5, 0}};
		n = frame_tcp(f, sizeof(f),
		              &(struct tcp_spec){.ip = {.src = "198.18.1.1", .dst = "198.18.3.3"},
		                                 .sport = 8,
		                                 .dport = 9,
		                                 .flags = TH_SYN,
		                                 .mss = 1460});
		memcpy(f + 14 + 20 + 20, opts[k], 4);
		tx_inner(t, WEB_VNI, f, n);
	}
	/* UDP length 0, 7 and 65535 */
	for (uint32_t k = 0; k < 3; k++) {
		n = frame_udp(f, sizeof(f),
		              &(struct udp_spec){.ip = {.src = "198.18.1.1", .dst = "198.18.3.3"},
		                                 .sport = 53,
		                                 .dport = 53,
		                                 .payload_len = 20});
		be16(f + 14 + 20 + 4, k == 0 ? 0 : k == 1 ? 7 : 65535);
		tx_inner(t, WEB_VNI, f, n);
	}
	/* an ICMP PTB quoting garbage: random bytes, an IHL 3 quote, a v6 quote */
	cr_assert_geq(tcp4(q, sizeof(q), "198.18.2.2", 9, 1, 0, true), 14 + 40);
	for (int k = 0; k < 3; k++) {
		n = frame_icmp_ptb(
		    f, sizeof(f),
		    &(struct ptb_spec){.ip = {.src = "198.18.0.1", .dst = "198.18.1.1"},
		                       .mtu = 1400,
		                       .orig = q,
		                       .orig_len = 14 + 40});
		for (size_t i = 14 + 20 + 8; i < n; i++)
			f[i] = k == 0 ? (uint8_t)rnd() : f[i];
		if (k == 1)
			f[14 + 20 + 8] = 0x43;
		if (k == 2)
			f[14 + 20 + 8] = 0x60;
		tx_inner(t, WEB_VNI, f, n);
	}
}

/* ipv6_ext_chain: an IPv6 frame with `depth` destination-options headers. */
static size_t ipv6_ext_chain(uint8_t *f, size_t cap, int depth, uint16_t plen_field)
{
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	size_t n = 0, l3;

	cr_assert(cap >= 14 + 40 + (size_t)depth * 8 + 20);
	memset(f, 0, cap);
	f[0] = 2;
	f[6] = 2;
	be16(f + 12, 0x86dd);
	l3 = 14;
	f[l3] = 0x60;
	f[l3 + 6] = depth > 0 ? 60 : 6;
	f[l3 + 7] = 64;
	memcpy(f + l3 + 8, src, 16);
	memcpy(f + l3 + 24, dst, 16);
	n = l3 + 40;
	for (int i = 0; i < depth; i++, n += 8)
		f[n] = i + 1 < depth ? 60 : 6; /* next header; length 0 = 8 bytes */
	be16(f + n, 1);                        /* TCP: ports, data offset 5 */
	be16(f + n + 2, 2);
	f[n + 12] = 0x50;
	f[n + 13] = TH_ACK;
	n += 20;
	be16(f + l3 + 4, plen_field != 0 ? plen_field : (uint32_t)(n - l3 - 40));
	return n;
}

/* send_absurd6: IPv6 payload lengths and extension chains that cannot be. */
static void send_absurd6(struct tx *t)
{
	static uint8_t f[MAXDG];
	size_t n;

	/* payload length 65535 on a short packet */
	n = ipv6_ext_chain(f, sizeof(f), 0, 65535);
	tx_inner(t, WEB_VNI, f, n);
	/* 8 nested extension headers (the limit), then 9 and 20 */
	for (int depth = 1; depth <= 20; depth += depth < 8 ? 7 : depth == 8 ? 1 : 11) {
		n = ipv6_ext_chain(f, sizeof(f), depth, 0);
		tx_inner(t, WEB_VNI, f, n);
	}
	/* an extension header longer than the payload length */
	n = ipv6_ext_chain(f, sizeof(f), 1, 0);
	f[14 + 40 + 1] = 255;
	tx_inner(t, WEB_VNI, f, n);
	/* version 4 behind ethertype 0x86dd, and three VLAN tags */
	n = ipv6_ext_chain(f, sizeof(f), 0, 0);
	f[14] = 0x40;
	tx_inner(t, WEB_VNI, f, n);
	n = tcp4(f, sizeof(f), "198.18.3.3", 10, 1, 0, false);
	memmove(f + 12 + 12, f + 12, n - 12);
	for (int i = 0; i < 3; i++) {
		be16(f + 12 + i * 4, 0x8100);
		be16(f + 14 + i * 4, 1);
	}
	tx_inner(t, WEB_VNI, f, n + 12);
}

/* send_not_allowed: valid datagrams from a source outside allowed_sources. */
static void send_not_allowed(struct tx *t, int count)
{
	static uint8_t f[256], d[300];
	size_t n = tcp4(f, sizeof(f), "198.18.3.3", 11, 1, 0, false);
	size_t len = frame_vxlan(d, sizeof(d), WEB_VNI, f, n);

	for (int i = 0; i < count; i++) {
		tx_raw(t, t->fd_other, d, len);
		t->x.not_allowed++;
	}
}

/* send_probe: the DF probe, then wait for its alert: the daemon still works. */
static void send_probe(struct tx *t, struct harness *h, uint16_t sport)
{
	static uint8_t f[MAXDG];

	tx_inner(t, WEB_VNI, f, probe(f, sizeof(f), sport));
	cr_assert(wait_alert(h->dir, sport, 5000),
	          "no oversize_df alert for the probe after the barrage:\n%s", h_slurp(h->err));
}

/* check_web_pcaps: every frame delivered to web is in its closed pcaps. */
static void check_web_pcaps(struct harness *h, long expect)
{
	static struct names files;
	int fd = open_dir("%s/pcap/web", h->dir);

	cr_assert_eq(check_closed(fd, &files), expect);
	list_at(fd, ".part", &files);
	cr_assert_eq(files.n, 0, "a .part is left after SIGTERM");
	close(fd);
	cr_assert_eq(h_counter(h, "summary: session=web ", "pcap_write_errors"), 0);
}

/* barrage: with unknown_vni: drop, where each datagram ends up does not
 * depend on the order the workers take them in. */
static void barrage(unsigned workers)
{
	struct harness h;
	struct tx t;

	tx_open(&t, start(&h, workers, "drop", "1MiB"), false);
	send_not_allowed(&t, 50);
	send_random(&t, 2000);
	send_all_truncations(&t);
	send_flags(&t);
	send_absurd4(&t);
	send_absurd6(&t);
	send_random_vnis(&t, 300);
	send_probe(&t, &h, PROBE_SRC);
	tx_close(&t);
	stop_ok(&h);
	check_accounting(&h, &t.x);
	cr_assert_gt(t.x.bad_vxlan, 100);
	cr_assert_gt(t.x.unknown_vni, 300);
	cr_assert_gt(t.x.decode_errors, 100);
	cr_assert_gt(t.x.truncated, 100);
	cr_assert_eq(h_counter(&h, "summary: session=web ", "packets"), t.x.delivered);
	check_web_pcaps(&h, t.x.delivered);
	/* nothing was created for the dropped VNIs */
	{
		static struct names dirs;
		int fd = open_dir("%s/pcap", h.dir);
		list_at(fd, "", &dirs);
		close(fd);
		cr_assert_eq(dirs.n, 3, "pcap/ holds more than web/"); /* ".", "..", "web" */
	}
	h_rm_rf(h.dir);
}

Test(faults, barrage_unknown_vni_drop, .timeout = 120)
{
	barrage(1);
}

Test(faults, barrage_two_workers, .timeout = 120)
{
	barrage(2);
}

/* count_session_lines: "summary: session=" lines of automatic sessions with `packets`. */
static int count_auto_sessions(struct harness *h, long packets)
{
	char *log = h_slurp(h->err), *line, *save = NULL, want[64];
	int n = 0;

	cr_assert_not_null(log);
	snprintf(want, sizeof(want), " packets=%ld ", packets);
	for (line = strtok_r(log, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "summary: session=vni-") != NULL && strstr(line, want) != NULL)
			n++;
	free(log);
	return n;
}

Test(faults, barrage_unknown_vni_auto_past_the_cap, .timeout = 120)
{
	static uint8_t f[256];
	struct harness h;
	struct tx t;
	size_t n;

	tx_open(&t, start(&h, 1, "auto", "1MiB"), true);
	/* SESSIONS_AUTO_MAX + 44 distinct VNIs, two datagrams each */
	n = tcp4(f, sizeof(f), "198.18.3.3", 3, 1, 0, false);
	for (uint32_t i = 0; i < SESSIONS_AUTO_MAX + 44; i++) {
		uint32_t vni = 1000 + i * 7919;
		tx_inner(&t, vni, f, n);
		tx_inner(&t, vni, f, n);
	}
	send_random(&t, 500);
	send_flags(&t);
	send_absurd4(&t);
	send_probe(&t, &h, PROBE_SRC);
	tx_close(&t);
	stop_ok(&h);
	check_accounting(&h, &t.x);
	cr_assert_eq(t.nseen, SESSIONS_AUTO_MAX);
	cr_assert_geq(t.x.unknown_vni, 88);
	cr_assert_eq(count_auto_sessions(&h, 2), SESSIONS_AUTO_MAX);
	{
		static struct names dirs;
		int fd = open_dir("%s/pcap", h.dir);
		list_at(fd, "", &dirs);
		close(fd);
		cr_assert_eq(dirs.n, 2 + 1 + SESSIONS_AUTO_MAX, "%d entries in pcap/", dirs.n);
	}
	h_rm_rf(h.dir);
}

/* --- disk full -------------------------------------------------------------- */

/*
 * spawn_in_tmpfs: run the daemon in a private mount namespace where
 * h->dir/pcap is a 1 MiB tmpfs.  The test reaches it through
 * /proc/<pid>/root; a directory fd opened there keeps the tmpfs
 * readable after the daemon (and its namespace) is gone.
 */
static pid_t spawn_in_tmpfs(struct harness *h)
{
	char mnt[400];
	pid_t pid;

	snprintf(mnt, sizeof(mnt), "%s/pcap", h->dir);
	cr_assert_eq(mkdir(mnt, 0750), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(h->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || chdir(h->dir) == -1)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		if (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
		    mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0750") == -1) {
			fprintf(stderr, "test: private tmpfs: %s\n", strerror(errno));
			_exit(125);
		}
		execl(VXMIRRORD_PATH, VXMIRRORD_PATH, "-c", h->conf, (char *)NULL);
		_exit(127);
	}
	h->pid = pid;
	return pid;
}

/* send_numbered: `count` 1400-byte frames numbered from *id, paced. */
static void send_numbered(struct tx *t, uint32_t *id, int count)
{
	static uint8_t f[MAXDG];

	for (int i = 0; i < count; i++, (*id)++)
		tx_inner(t, WEB_VNI, f,
		         tcp4(f, sizeof(f), "198.18.3.3", ID_SPORT, *id, 1400, false));
}

/* read_and_remove: check and count the closed pcaps in dirfd, then delete them. */
static long read_and_remove(int dirfd, uint32_t *max_id)
{
	static struct names files;
	struct pread r;
	long total = check_closed(dirfd, &files);

	for (int i = 0; i < files.n; i++) {
		read_at(dirfd, files.v[i], &r);
		cr_assert(r.ids_consecutive, "%s: numbered frames out of order", files.v[i]);
		if (r.ids > 0 && r.last_id > *max_id)
			*max_id = r.last_id;
		cr_assert_eq(unlinkat(dirfd, files.v[i], 0), 0);
	}
	return total;
}

Test(faults, disk_full_counts_keeps_alerting_and_resumes, .timeout = 120)
{
	static struct names files;
	struct harness h;
	struct statfs sf;
	struct tx t;
	uint16_t port = h_free_port();
	long before, after, packets, written, errors;
	uint32_t id = 0, max_id = 0, resume_from;
	int pcapfd, webfd;
	struct stat sb;
	char *log;

	h_init(&h, conf_fmt, port, 1u, "drop", "128KiB");
	spawn_in_tmpfs(&h);
	cr_assert(h_wait_log(&h, "ready:", 10000), "vxmirrord did not start:\n%s", h_slurp(h.err));
	pcapfd = open_dir("/proc/%d/root%s/pcap", h.pid, h.dir);
	cr_assert_eq(fstatfs(pcapfd, &sf), 0);
	cr_assert_eq(sf.f_type, 0x01021994, "pcap_dir is not the private tmpfs"); /* TMPFS_MAGIC */
	webfd = open_dir("/proc/%d/root%s/pcap/web", h.pid, h.dir);
	{
		char outside[400];
		snprintf(outside, sizeof(outside), "%s/pcap/web", h.dir);
		cr_assert_eq(stat(outside, &sb), -1, "the tmpfs is visible outside the namespace");
	}
	tx_open(&t, port, false);

	/* fill 1 MiB with 1400-byte frames, then some more */
	send_numbered(&t, &id, 1200);
	cr_assert(h_wait_log(&h, "No space left on device", 5000),
	          "no ENOSPC reported after 1.7 MB into a 1 MiB tmpfs:\n%s", h_slurp(h.err));
	send_numbered(&t, &id, 100);

	/* the analyzer does not depend on the disk */
	send_probe(&t, &h, PROBE_SRC);

	/* free the space: every closed file (checked first) goes */
	usleep(300 * 1000);
	before = read_and_remove(webfd, &max_id);
	cr_assert_gt(before, 100, "only %ld frames made it into closed files", before);

	/* past the ring's back-off (1 s of packet time), writing resumes by itself */
	sleep(2);
	resume_from = id;
	send_numbered(&t, &id, 50);
	usleep(1200 * 1000);
	send_numbered(&t, &id, 50);
	send_probe(&t, &h, PROBE_SRC + 1);
	tx_close(&t);
	stop_ok(&h);

	/* what is left in the tmpfs: complete, readable, the resumed frames all there */
	after = 0;
	list_at(webfd, ".part", &files);
	cr_assert_eq(files.n, 0, "a .part is left after SIGTERM");
	{
		long n = check_closed(webfd, &files);
		long resumed = 0;
		struct pread r;
		for (int i = 0; i < files.n; i++) {
			read_at(webfd, files.v[i], &r);
			cr_assert(r.ids_consecutive, "%s: numbered frames out of order",
			          files.v[i]);
			if (r.ids > 0 && r.first_id >= resume_from)
				resumed += r.ids;
		}
		after = n;
		cr_assert_eq(resumed, 100, "%ld of the 100 frames sent after space was freed",
		             resumed);
	}
	close(webfd);
	close(pcapfd);

	packets = h_counter(&h, "summary: session=web ", "packets");
	written = h_counter(&h, "summary: session=web ", "pcap_packets");
	errors = h_counter(&h, "summary: session=web ", "pcap_write_errors");
	cr_log_info("disk full: packets=%ld pcap_packets=%ld pcap_write_errors=%ld, records in "
	            "files removed to free space %ld, left %ld",
	            packets, written, errors, before, after);
	cr_assert_eq(packets, t.x.delivered);
	cr_assert_gt(errors, 0, "pcap writes failed but pcap_write_errors=0");
	cr_assert_eq(written + errors, packets,
	             "pcap_packets %ld + pcap_write_errors %ld != packets %ld", written, errors,
	             packets);
	cr_assert_eq(written, before + after,
	             "pcap_packets=%ld, but the closed files hold %ld + %ld records", written,
	             before, after);
	cr_assert_gt(max_id, 0);
	log = h_slurp(h.err);
	cr_assert(strstr(log, "No space left on device") != NULL);
	free(log);
	h_rm_rf(h.dir);
}

/* The same 1 MiB tmpfs with a disk budget of 512 KiB: the oldest files go
 * before the disk is full, so no write fails and the newest frames are all
 * there (pcap.max_disk, with the default min_free: 5%). */
static const char *budget_fmt = "listen: [\"127.0.0.1:%u\"]\n"
                                "allowed_sources: [127.0.0.1/32]\n"
                                "workers: 1\n"
                                "pcap_dir: pcap\n"
                                "alert_log: alerts.json\n"
                                "unknown_vni: drop\n"
                                "pcap: {rotate_size: 64KiB, keep_files: 0, max_disk: 512KiB}\n"
                                "sessions: [{name: web, vni: 100, path_mtu: 9001}]\n";

Test(faults, disk_budget_keeps_the_disk_from_filling, .timeout = 120)
{
	static struct names files;
	struct harness h;
	struct tx t;
	uint16_t port = h_free_port();
	uint32_t id = 0;
	long errors, deleted, frames;
	uint32_t last = 0;
	int webfd;
	char *log;

	h_init(&h, budget_fmt, port);
	spawn_in_tmpfs(&h);
	cr_assert(h_wait_log(&h, "ready:", 10000), "vxmirrord did not start:\n%s", h_slurp(h.err));
	webfd = open_dir("/proc/%d/root%s/pcap/web", h.pid, h.dir);
	tx_open(&t, port, false);
	/* 3.5 MB of 1400-byte frames into a 1 MiB disk, a little at a time so
	 * the housekeeper's once-a-second pass keeps up, as with real traffic */
	for (int i = 0; i < 25; i++) {
		send_numbered(&t, &id, 100);
		usleep(150 * 1000);
	}
	tx_close(&t);
	usleep(300 * 1000);
	/* what is left: the newest frames, in complete files, within the budget */
	{
		long bytes = 0;
		struct pread r;
		struct stat sb;

		frames = 0;
		list_at(webfd, ".pcap", &files);
		for (int i = 0; i < files.n; i++) {
			read_at(webfd, files.v[i], &r);
			cr_assert(r.ids_consecutive, "%s: numbered frames out of order",
			          files.v[i]);
			if (r.ids > 0 && r.last_id > last)
				last = r.last_id;
			frames += r.ids;
			cr_assert_eq(fstatat(webfd, files.v[i], &sb, 0), 0);
			bytes += sb.st_size;
		}
		cr_assert_leq(bytes, 512 * 1024, "%ld bytes of completed pcaps, budget 512 KiB",
		              bytes);
	}
	stop_ok(&h);
	close(webfd);
	log = h_slurp(h.err);
	errors = h_counter(&h, "summary: session=web ", "pcap_write_errors");
	deleted = h_counter(&h, "summary: pcap_files_deleted ", "budget");
	cr_log_info("disk budget: %u frames sent, %ld left in the newest files, %ld files deleted "
	            "for the budget, pcap_write_errors=%ld",
	            id, frames, deleted, errors);
	cr_assert_null(strstr(log, "No space left on device"), "the disk filled up:\n%s", log);
	cr_assert_eq(errors, 0, "pcap writes failed under a budget");
	cr_assert_gt(deleted, 10, "only %ld files deleted to keep 3.5 MB in 512 KiB", deleted);
	cr_assert_gt(frames, 100, "the newest frames were not kept");
	free(log);
	h_rm_rf(h.dir);
}

/* --- SIGKILL while writing ------------------------------------------------- */

#define KILL_FRAME    1000                   /* IP bytes of each numbered frame */
#define KILL_REC      (16 + 14 + KILL_FRAME) /* its pcap record */
#define KILL_ROTATE   (2 << 20)              /* rotate_size: 2MiB */
#define KILL_PER_FILE ((KILL_ROTATE - 24) / KILL_REC)

/* wait_writing: up to 10 s for `files` closed pcaps and a .part of `part_min` bytes on disk. */
static bool wait_writing(const char *dir, int files, off_t part_min)
{
	static struct names done, part;
	int fd = open_dir("%s/pcap/web", dir);
	struct stat sb;
	bool ok = false;

	for (int waited = 0; waited <= 10000 && !ok; waited += 20) {
		list_at(fd, ".pcap", &done);
		list_at(fd, ".pcap.part", &part);
		ok = done.n == files && part.n == 1 && fstatat(fd, part.v[0], &sb, 0) == 0 &&
		     sb.st_size >= part_min;
		if (!ok)
			usleep(20 * 1000);
	}
	close(fd);
	return ok;
}

Test(faults, sigkill_mid_stream_then_recover, .timeout = 120)
{
	static struct names files, parts;
	static uint8_t f[MAXDG];
	struct harness h;
	struct pread r, part;
	struct tx t;
	uint32_t id = 0, last_closed = 0;
	char recovered[256];
	int st, webfd;
	char *log;

	tx_open(&t, start(&h, 1, "drop", "2MiB"), false);
	/* two whole files, then halfway into the third (four stdio buffers of it) */
	for (long i = 0; i < 2 * KILL_PER_FILE + KILL_PER_FILE / 2; i++, id++)
		tx_inner(&t, WEB_VNI, f,
		         tcp4(f, sizeof(f), "198.18.3.3", ID_SPORT, id, KILL_FRAME, false));
	cr_assert(wait_writing(h.dir, 2, 512 << 10), "the daemon did not write 2.25 files:\n%s",
	          h_slurp(h.err));
	/* mid-stream: datagrams still queued for the daemon when it dies */
	for (int i = 0; i < 64; i++, id++)
		tx_inner(&t, WEB_VNI, f,
		         tcp4(f, sizeof(f), "198.18.3.3", ID_SPORT, id, KILL_FRAME, false));
	cr_assert_eq(kill(h.pid, SIGKILL), 0);
	cr_assert_eq(waitpid(h.pid, &st, 0), h.pid);
	h.pid = 0;
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "vxmirrord exited before the kill");
	tx_close(&t);

	webfd = open_dir("%s/pcap/web", h.dir);
	cr_assert_geq(check_closed(webfd, &files), 2 * KILL_PER_FILE);
	cr_assert_eq(files.n, 2);
	for (int i = 0; i < files.n; i++) {
		read_at(webfd, files.v[i], &r);
		cr_assert(r.ids_consecutive && r.first_id == (i == 0 ? 0 : last_closed + 1),
		          "%s: frames %u..%u", files.v[i], r.first_id, r.last_id);
		last_closed = r.last_id;
	}
	/* the unfinished file: whole records up to the crash, maybe a cut last one */
	list_at(webfd, ".pcap.part", &parts);
	cr_assert_eq(parts.n, 1);
	read_at(webfd, parts.v[0], &part);
	cr_assert_geq(part.n, 1, "%s: no record readable", parts.v[0]);
	cr_assert(part.rc == -2 || strstr(part.err, "truncated") != NULL,
	          "%s: error before the last record: %s", parts.v[0], part.err);
	cr_assert(part.ids_consecutive && part.first_id == last_closed + 1, "%s: frames %u..%u",
	          parts.v[0], part.first_id, part.last_id);

	/* the next start keeps it as *.recovered.pcap and says so (in a fresh log) */
	cr_assert_eq(unlink(h.err), 0);
	h_spawn(&h, NULL);
	cr_assert(h_wait_log(&h, "ready:", 10000), "vxmirrord did not restart:\n%s",
	          h_slurp(h.err));
	log = h_slurp(h.err);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "kept 1 unfinished pcap file") != NULL, "not said:\n%s", log);
	free(log);
	snprintf(recovered, sizeof(recovered), "%.*s.recovered.pcap",
	         (int)(strlen(parts.v[0]) - strlen(".pcap.part")), parts.v[0]);
	read_at(webfd, recovered, &r);
	cr_assert_eq(r.rc, -2, "%s does not read cleanly: %s", recovered, r.err);
	cr_assert_eq(r.n, part.n);
	cr_assert_eq(r.last_id, part.last_id);
	list_at(webfd, ".pcap.part", &parts);
	cr_assert_eq(parts.n, 0);
	stop_ok(&h);
	close(webfd);
	h_rm_rf(h.dir);
}

/* --- stop right after start ---------------------------------------------------- */

/* SIGTERM while a worker has not reached its event loop yet: an
 * event_base_loopbreak() from the main thread would be forgotten when the
 * worker's loop starts, and the daemon would hang in pthread_join.  The
 * test hook VXMIRRORD_TEST_WORKER_DELAY_MS makes that window 500 ms wide. */
Test(faults, sigterm_before_workers_run, .timeout = 60)
{
	struct harness h;

	setenv("VXMIRRORD_TEST_WORKER_DELAY_MS", "500", 1);
	start(&h, 2, "drop", "2MiB");
	unsetenv("VXMIRRORD_TEST_WORKER_DELAY_MS");
	stop_ok(&h);
	cr_assert_geq(h_counter(&h, "summary: datagrams=", "datagrams"), 0, "no stop summary");
	h_rm_rf(h.dir);
}

/* --- pcapring accounting under write errors -------------------------------- */

/* A record lost when a failed file is cut back is not also "written". */
Test(faults, pcapring_lost_records_are_not_counted_as_written)
{
	char dir[] = "/tmp/vx-ring-XXXXXX";
	struct pcapring_conf c = {.session = "s"};
	struct pcapring_stats st;
	struct pcapring *r;
	struct rlimit rl;
	uint8_t frame[100] = {0};
	int ok = 0;
	struct names files;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	c.dir = dir;
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = 4096; /* room for the header and 35 records of 116 bytes */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (int i = 0; i < 60; i++) {
		struct timespec ts = {1704067200, i * 10000000};
		if (pcapring_write(r, &ts, frame, sizeof(frame), sizeof(frame), NULL) == 0)
			ok++;
		if (i % 4 == 3)
			pcapring_flush(r); /* several records lost at once */
	}
	rl.rlim_cur = rl.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	pcapring_get_stats(r, &st);
	pcapring_close(r);
	fd = open_dir("%s/s", dir);
	cr_assert_eq(check_closed(fd, &files), (long)st.packets,
	             "stats say %lu records written, the file holds another number",
	             (unsigned long)st.packets);
	close(fd);
	cr_assert_eq(st.packets + st.write_errors, 60, "packets %lu + write_errors %lu",
	             (unsigned long)st.packets, (unsigned long)st.write_errors);
	cr_assert_eq(st.bytes, st.packets * (16 + sizeof(frame)));
	cr_assert_gt(ok, (int)st.packets); /* some were accepted, then lost with the file's tail */
	h_rm_rf(dir);
}

/* --- fuzz regressions -------------------------------------------------------- */

/* replay_dir: every file in tests/data/fuzz/<kind>/ through `entry`; returns how many. */
static int replay_dir(const char *kind, int (*entry)(const uint8_t *, size_t))
{
	char pat[400];
	glob_t g;
	int n = 0;

	snprintf(pat, sizeof(pat), "%s/fuzz/%s/*", VX_TEST_DATA, kind);
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *buf = h_slurp(g.gl_pathv[i]);
		struct stat sb;
		cr_assert_not_null(buf, "%s", g.gl_pathv[i]);
		cr_assert_eq(stat(g.gl_pathv[i], &sb), 0);
		cr_log_info("replay %s", g.gl_pathv[i]);
		cr_assert_eq(entry((const uint8_t *)buf, (size_t)sb.st_size), 0);
		free(buf);
		n++;
	}
	globfree(&g);
	return n;
}

Test(faults, fuzz_regressions_decode)
{
	cr_assert_gt(replay_dir("decode", fuzz_decode_one), 0);
}

Test(faults, fuzz_regressions_analyzer)
{
	cr_assert_gt(replay_dir("analyzer", fuzz_analyzer_one), 0);
}

Test(faults, fuzz_regressions_config)
{
	cr_assert_gt(replay_dir("config", fuzz_config_one), 0);
}
