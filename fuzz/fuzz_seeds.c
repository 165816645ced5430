/*
 * fuzz_seeds.c - write the seed corpora of the fuzz targets.
 *
 *	fuzz_seeds OUTDIR FILE...
 *
 * Each FILE ending in ".pcap" is a capture (tests/data/): every frame
 * becomes a fuzz_decode seed, and so does its UDP payload (the VXLAN
 * datagram); the inner frames, in capture order, become fuzz_analyzer
 * sequences (see fuzz_analyzer.c for the record format).  Any other FILE
 * is a YAML configuration and is copied as a fuzz_config seed.
 *
 * A few frames built with tests/frames.h are added, for what the captures
 * do not hold: a PMTUD conversation in both address families (handshake,
 * an oversized DF segment, the router's PTB quoting it, retransmissions,
 * FIN), fragments, a VLAN tag and a mirror-truncated packet.
 *
 * Writes OUTDIR/decode, OUTDIR/analyzer and OUTDIR/config: a few dozen
 * small files, generated at run time rather than committed.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frames.h"

#define SEQ_MAX   (256 * 1024)
#define FRAME_MAX 9200

/* A fuzz_analyzer input being built: byte 0 then records. */
struct seq {
	uint8_t b[SEQ_MAX];
	size_t n;
};

static const char *outdir;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "fuzz_seeds: %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

/* put: write one seed file OUTDIR/kind/name. */
static void put(const char *kind, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, kind, name);
	if ((f = fopen(path, "wb")) == NULL)
		die("open", path);
	if (n > 0 && fwrite(p, 1, n, f) != n)
		die("write", path);
	if (fclose(f) != 0)
		die("close", path);
}

static void seq_init(struct seq *s, uint8_t max_flows_byte)
{
	s->b[0] = max_flows_byte;
	s->n = 1;
}

/* seq_add: one record: control byte, big-endian length, frame. */
static void seq_add(struct seq *s, uint8_t ctl, const uint8_t *f, size_t n)
{
	if (n > 0xffff || s->n + 3 + n > sizeof(s->b))
		return;
	s->b[s->n] = ctl;
	s->b[s->n + 1] = (uint8_t)(n >> 8);
	s->b[s->n + 2] = (uint8_t)n;
	memcpy(s->b + s->n + 3, f, n);
	s->n += 3 + n;
}

/* udp_payload: offset of the UDP payload of an untagged IPv4/IPv6 frame, 0 if none. */
static size_t udp_payload(const uint8_t *f, size_t n)
{
	size_t l3 = 14, l4;

	if (n < l3 + 40)
		return 0;
	if (f[12] == 0x08 && f[13] == 0x00 && f[l3 + 9] == 17)
		l4 = l3 + (size_t)(f[l3] & 0x0f) * 4;
	else if (f[12] == 0x86 && f[13] == 0xdd && f[l3 + 6] == 17)
		l4 = l3 + 40;
	else
		return 0;
	return l4 + 8 <= n ? l4 + 8 : 0;
}

/* from_pcap: decode seeds from each frame, one analyzer sequence per capture. */
static void from_pcap(const char *path, int idx)
{
	static struct seq s;
	char eb[PCAP_ERRBUF_SIZE], name[64];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(path, eb);
	int i = 0;

	if (pc == NULL) {
		fprintf(stderr, "fuzz_seeds: %s\n", eb);
		exit(1);
	}
	seq_init(&s, 0x3f);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		size_t pl = udp_payload(d, h->caplen);
		snprintf(name, sizeof(name), "pcap%d-%03d", idx, i);
		put("decode", name, d, h->caplen);
		if (pl != 0 && h->caplen - pl >= FRAME_VXLAN_HLEN) {
			snprintf(name, sizeof(name), "pcap%d-%03d-vxlan", idx, i);
			put("decode", name, d + pl, h->caplen - pl);
			seq_add(&s, 0x01, d + pl + FRAME_VXLAN_HLEN,
			        h->caplen - pl - FRAME_VXLAN_HLEN);
		} else {
			seq_add(&s, 0x01, d, h->caplen);
		}
		i++;
	}
	pcap_close(pc);
	snprintf(name, sizeof(name), "pcap%d-sequence", idx);
	put("analyzer", name, s.b, s.n);
}

/* copy_config: a YAML file as a fuzz_config seed. */
static void copy_config(const char *path, int idx)
{
	static uint8_t buf[1 << 20];
	char name[64];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		die("open", path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	snprintf(name, sizeof(name), "conf%d.yaml", idx);
	put("config", name, buf, n);
}

/* Frames of one synthetic PMTUD conversation, client A, server B. */
struct conv {
	const char *a, *b, *router;
	uint32_t mtu;
	struct seq s;
};

/* conv_put: one frame as a decode seed (plain and in VXLAN) and a sequence record. */
static void conv_put(struct conv *c, const char *tag, int i, uint8_t ctl, const uint8_t *f,
                     size_t n)
{
	static uint8_t vx[FRAME_MAX + FRAME_VXLAN_HLEN];
	char name[64];
	size_t vn;

	if (n == 0) {
		fprintf(stderr, "fuzz_seeds: %s frame %d could not be built\n", tag, i);
		exit(1);
	}
	snprintf(name, sizeof(name), "%s-%02d", tag, i);
	put("decode", name, f, n);
	vn = frame_vxlan(vx, sizeof(vx), 100, f, n);
	snprintf(name, sizeof(name), "%s-%02d-vxlan", tag, i);
	put("decode", name, vx, vn);
	seq_add(&c->s, ctl, f, n);
}

/* conversation: handshake, a big DF segment, PTB, retransmissions, FIN both ways. */
static void conversation(struct conv *c, const char *tag)
{
	static uint8_t f[FRAME_MAX], big[FRAME_MAX];
	struct ip_spec ab = {.src = c->a, .dst = c->b, .df = true};
	struct ip_spec ba = {.src = c->b, .dst = c->a, .df = true};
	size_t n, bn;
	int i = 0;

	seq_init(&c->s, 0x3f);
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = ab,
	                                 .sport = 40000,
	                                 .dport = 443,
	                                 .flags = TH_SYN,
	                                 .seq = 1000,
	                                 .mss = 8961,
	                                 .sack_ok = true,
	                                 .has_wscale = true,
	                                 .wscale = 7});
	conv_put(c, tag, i++, 0x01, f, n);
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = ba,
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_SYN | TH_ACK,
	                                 .seq = 5000,
	                                 .ack = 1001,
	                                 .mss = 8961});
	conv_put(c, tag, i++, 0x00, f, n);
	n = frame_tcp(
	    f, sizeof(f),
	    &(struct tcp_spec){
	        .ip = ab, .sport = 40000, .dport = 443, .flags = TH_ACK, .seq = 1001, .ack = 5001});
	conv_put(c, tag, i++, 0x00, f, n);
	ba.ip_len = 5154;
	ba.cap_len = 256;
	bn = frame_tcp(big, sizeof(big),
	               &(struct tcp_spec){.ip = ba,
	                                  .sport = 443,
	                                  .dport = 40000,
	                                  .flags = TH_ACK | TH_PSH,
	                                  .seq = 5001,
	                                  .ack = 1001});
	conv_put(c, tag, i++, 0x00, big, bn);
	n = frame_icmp_ptb(
	    f, sizeof(f),
	    &(struct ptb_spec){
	        .ip = {.src = c->router, .dst = c->b}, .mtu = c->mtu, .orig = big, .orig_len = bn});
	conv_put(c, tag, i++, 0x00, f, n);
	for (int r = 0; r < 3; r++)
		conv_put(c, tag, i++, 0x11, big, bn);
	ba.ip_len = 0;
	ba.cap_len = 0;
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = ab,
	                                 .sport = 40000,
	                                 .dport = 443,
	                                 .flags = TH_FIN | TH_ACK,
	                                 .seq = 1001,
	                                 .ack = 5001});
	conv_put(c, tag, i++, 0x01, f, n);
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){.ip = ba,
	                                 .sport = 443,
	                                 .dport = 40000,
	                                 .flags = TH_FIN | TH_ACK,
	                                 .seq = 5001,
	                                 .ack = 1002});
	conv_put(c, tag, i++, 0x1e, f, n);
	put("analyzer", tag, c->s.b, c->s.n);
}

/* odd_frames: fragments, a VLAN tag, a truncated UDP datagram, an echo. */
static void odd_frames(void)
{
	static struct conv c;
	static uint8_t f[FRAME_MAX];
	size_t n;
	int i = 0;

	seq_init(&c.s, 0x01); /* max_flows 2: eviction */
	n = frame_udp(f, sizeof(f),
	              &(struct udp_spec){
	                  .ip = {.src = "198.18.1.1", .dst = "198.18.2.2", .mf = true, .id = 7},
	                  .sport = 53,
	                  .dport = 53,
	                  .payload_len = 1600});
	conv_put(&c, "odd", i++, 0x01, f, n);
	n = frame_udp(
	    f, sizeof(f),
	    &(struct udp_spec){
	        .ip = {.src = "198.18.1.1", .dst = "198.18.2.2", .frag_off = 1480, .id = 7},
	        .sport = 53,
	        .dport = 53,
	        .payload_len = 128});
	conv_put(&c, "odd", i++, 0x01, f, n);
	n = frame_udp(f, sizeof(f),
	              &(struct udp_spec){
	                  .ip = {.src = "2001:db8::1", .dst = "2001:db8::2", .mf = true, .id = 9},
	                  .sport = 4500,
	                  .dport = 4500,
	                  .payload_len = 1400});
	conv_put(&c, "odd", i++, 0x02, f, n);
	n = frame_tcp(f, sizeof(f),
	              &(struct tcp_spec){
	                  .ip = {.src = "198.18.3.3", .dst = "198.18.4.4", .vlan = 42, .df = true},
	                  .sport = 1,
	                  .dport = 2,
	                  .flags = TH_SYN,
	                  .mss = 1460});
	conv_put(&c, "odd", i++, 0x03, f, n);
	n = frame_udp(f, sizeof(f),
	              &(struct udp_spec){.ip = {.src = "198.18.1.1",
	                                        .dst = "198.19.0.1",
	                                        .df = true,
	                                        .ip_len = 9001,
	                                        .cap_len = 60},
	                                 .sport = 5000,
	                                 .dport = 5001});
	conv_put(&c, "odd", i++, 0x14, f, n);
	n = frame_icmp_echo(
	    f, sizeof(f),
	    &(struct icmp_echo_spec){.ip = {.src = "2001:db8::1", .dst = "2001:db8::3"},
	                             .id = 1,
	                             .seq = 1,
	                             .payload_len = 56});
	conv_put(&c, "odd", i++, 0x8f, f, n);
	put("analyzer", "odd", c.s.b, c.s.n);
}

static void mkdir_kind(const char *kind)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", outdir, kind);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die("mkdir", path);
}

int main(int argc, char **argv)
{
	static struct conv v4 = {
	    .a = "198.19.1.1", .b = "198.18.2.2", .router = "198.18.0.1", .mtu = 1500};
	static struct conv v6 = {
	    .a = "2001:db8:1::1", .b = "2001:db8:2::2", .router = "2001:db8::1", .mtu = 1280};
	static const char *configs[] = {
	    "listen: [\"127.0.0.1:4789\", \"[::1]:4789\"]\nallowed_sources: [127.0.0.8/29, "
	    "\"::1\"]\npcap_dir: pcap\nalert_log: alerts.json\nunknown_vni: drop\nsessions:\n"
	    "  - name: web\n    vni: 100\n    path_mtu: 9001\n    routes: [{prefix: "
	    "198.18.2.0/24, mtu: 1500}]\n  - name: db\n    vni: 200\n",
	    "pcap: {rotate_size: 1MiB, rotate_interval: 30s, keep_files: 0, snaplen: 64}\n"
	    "analyzer: {retransmit_threshold: 1, max_flows: 1, flow_timeout: 1s, closed_timeout: "
	    "1d, fragment_alert_interval: 1s}\nworkers: auto\nrcvbuf: 64KiB\nhttp: off\n"
	    "geneve_listen: [\"0.0.0.0:6081\"]\noffline_session: x\nsessions: [{name: x, vni: 0, "
	    "pcap: off, routes: [{prefix: \"::/0\", mtu: 1280}]}]\n",
	};
	int np = 0, nc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_seeds OUTDIR [CAPTURE.pcap | CONFIG.yaml]...\n");
		return 2;
	}
	outdir = argv[1];
	mkdir_kind("decode");
	mkdir_kind("analyzer");
	mkdir_kind("config");
	for (int i = 2; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (l > 5 && strcmp(argv[i] + l - 5, ".pcap") == 0)
			from_pcap(argv[i], np++);
		else
			copy_config(argv[i], nc++);
	}
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "builtin%zu.yaml", i);
		put("config", name, (const uint8_t *)configs[i], strlen(configs[i]));
	}
	conversation(&v4, "pmtud4");
	conversation(&v6, "pmtud6");
	odd_frames();
	return 0;
}
