/*
 * test_pcapring.c - the rotating pcap writer: names, rotation by size and
 * by aligned interval, keep_files, pcap_ref, write errors and back-off,
 * recovery of stale .part files.  Every file is read back with libpcap.
 * Each test runs in a fresh mkdtemp directory.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vxmirror/pcapring.h"

#define T0           1704067200 /* 2024-01-01T00:00:00Z, a minute boundary */
#define ID_OFF       54         /* after Ethernet 14 + IPv4 20 + TCP 20 */
#define MAX_FILES    64
#define MAX_RECS     4096
#define FILEHDR      24
#define RECHDR       16
#define ST_MS(s, ms) ts_at((s), (long)(ms)*1000000L)

static char g_dir[64];
static char g_sdir[128]; /* g_dir/s */

struct rec {
	uint32_t caplen, len, id;
	int64_t sec;
	long usec;
};

/* rm_entry: nftw callback removing one entry. */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/test_pcapring.XXXXXX");
	cr_assert_not_null(mkdtemp(g_dir));
	snprintf(g_sdir, sizeof(g_sdir), "%s/s", g_dir);
}

static void teardown(void)
{
	nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pcapring, .init = setup, .fini = teardown);

static struct timespec ts_at(int64_t sec, long nsec)
{
	struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
	return ts;
}

/* make_frame: an Ethernet/IPv4/TCP frame of len bytes (>= 58) carrying `id`. */
static void make_frame(uint8_t *f, size_t len, uint32_t id)
{
	static const uint8_t hdr[ID_OFF] = {
	    /* Ethernet: dst, src, type IPv4 */
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	    /* IPv4: v4 ihl5, tos, total length (patched), id, DF, ttl 64, TCP, csum, src, dst */
	    0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10,
	    0, 0, 2,
	    /* TCP: sport 40000, dport 443, seq, ack, doff 5, ACK, window, csum, urg */
	    0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0};

	cr_assert_geq(len, ID_OFF + 4);
	memcpy(f, hdr, sizeof(hdr));
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[ID_OFF] = (uint8_t)(id >> 24);
	f[ID_OFF + 1] = (uint8_t)(id >> 16);
	f[ID_OFF + 2] = (uint8_t)(id >> 8);
	f[ID_OFF + 3] = (uint8_t)id;
	for (size_t i = ID_OFF + 4; i < len; i++)
		f[i] = (uint8_t)(id + i);
}

/* frame_id: the id make_frame put in a frame read back. */
static uint32_t frame_id(const uint8_t *f)
{
	return (uint32_t)f[ID_OFF] << 24 | (uint32_t)f[ID_OFF + 1] << 16 |
	       (uint32_t)f[ID_OFF + 2] << 8 | f[ID_OFF + 3];
}

/* conf: a ring on g_dir/s with the given rotation settings and snaplen 65535. */
static struct pcapring_conf conf(uint64_t size, uint64_t interval, uint32_t keep)
{
	struct pcapring_conf c = {.dir = g_dir,
	                          .session = "s",
	                          .rotate_size = size,
	                          .rotate_interval = interval,
	                          .keep_files = keep,
	                          .snaplen = 65535};
	return c;
}

/* put: write one frame of len bytes with `id` at ts; returns pcapring_write's result. */
static int put(struct pcapring *r, struct timespec ts, size_t len, uint32_t id,
               struct pcap_ref *ref)
{
	uint8_t f[4000];

	cr_assert_leq(len, sizeof(f));
	make_frame(f, len, id);
	return pcapring_write(r, &ts, f, len, (uint32_t)len, ref);
}

/* cmp_name: qsort on names. */
static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* list_dir: the sorted entry names of dir (without . and ..). */
static size_t list_dir(const char *dir, char names[][256], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cr_assert_lt(n, max);
		snprintf(names[n++], 256, "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, 256, cmp_name);
	return n;
}

/* in_sdir: g_sdir/name in a static buffer. */
static const char *in_sdir(const char *name)
{
	static char p[PATH_MAX];
	int n = snprintf(p, sizeof(p), "%s/%s", g_sdir, name);

	cr_assert(n > 0 && (size_t)n < sizeof(p));
	return p;
}

/* read_pcap: read every record of path; asserts DLT_EN10MB, a clean end and sane lengths. */
static size_t read_pcap(const char *path, struct rec *recs, size_t max)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;
	int rc;

	cr_assert_not_null(p, "%s: %s", path, eb);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		cr_assert_lt(n, max);
		cr_assert_leq(h->caplen, h->len);
		recs[n].caplen = h->caplen;
		recs[n].len = h->len;
		recs[n].id = h->caplen >= ID_OFF + 4 ? frame_id(d) : UINT32_MAX;
		recs[n].sec = h->ts.tv_sec;
		recs[n].usec = h->ts.tv_usec;
		n++;
	}
	cr_assert_eq(rc, PCAP_ERROR_BREAK, "%s: %s", path, pcap_geterr(p));
	pcap_close(p);
	return n;
}

/* file_size: size of path, -1 if missing. */
static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* write_pcap: a pcap written directly with libpcap, for files "from an earlier run". */
static void write_pcap(const char *path, int nrec)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dp = pcap_dump_open(pd, path);
	struct pcap_pkthdr h = {.caplen = 100, .len = 100};
	uint8_t f[100];

	cr_assert_not_null(dp, "%s", pcap_geterr(pd));
	for (int i = 0; i < nrec; i++) {
		make_frame(f, sizeof(f), (uint32_t)i);
		h.ts.tv_sec = T0 + i;
		pcap_dump((u_char *)dp, &h, f);
	}
	pcap_dump_close(dp);
	pcap_close(pd);
}

/* touch: create an empty file (or with `text`). */
static void touch(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

Test(pcapring, size_rotation)
{
	struct pcapring_conf c = conf(2000, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	char names[MAX_FILES][256];
	static struct rec recs[MAX_RECS];
	size_t nf, total = 0, expect[] = {17, 17, 16}; /* 24 + 17 * 116 = 1996 <= 2000 */

	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 50; i++)
		cr_assert_eq(put(r, ST_MS(T0, i), 100, i, NULL), 0);
	pcapring_close(r);
	nf = list_dir(g_sdir, names, MAX_FILES);
	cr_assert_eq(nf, 3);
	for (size_t i = 0; i < nf; i++) {
		size_t n = read_pcap(in_sdir(names[i]), recs, MAX_RECS);
		cr_assert_eq(n, expect[i], "%s: %zu records", names[i], n);
		cr_assert_eq(file_size(in_sdir(names[i])), FILEHDR + (long long)n * (RECHDR + 100));
		for (size_t k = 0; k < n; k++) {
			cr_assert_eq(recs[k].caplen, 100);
			cr_assert_eq(recs[k].len, 100);
			cr_assert_eq(recs[k].id, total + k);
			cr_assert_eq(recs[k].usec, (long)(total + k) * 1000);
		}
		total += n;
	}
	cr_assert_eq(total, 50);
}

Test(pcapring, size_rotation_stats_and_oversize_record)
{
	struct pcapring_conf c = conf(2000, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	struct pcapring_stats st;
	char names[MAX_FILES][256];
	struct rec recs[4];

	cr_assert_not_null(r);
	/* a record bigger than rotate_size still goes in, alone in its file */
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(put(r, ts_at(T0 + i, 0), 3000, i, NULL), 0);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.packets, 3);
	cr_assert_eq(st.bytes, 3 * (RECHDR + 3000));
	cr_assert_eq(st.files_rotated, 2);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(read_pcap(in_sdir(names[i]), recs, 4), 1);
		cr_assert_eq(recs[0].id, (uint32_t)i);
		cr_assert_eq(recs[0].caplen, 3000);
	}
}

Test(pcapring, orig_len_and_snaplen)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r;
	char names[4][256];
	struct rec recs[4];
	uint8_t f[200];
	struct timespec ts = ts_at(T0, 0);

	make_frame(f, sizeof(f), 7);
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(pcapring_write(r, &ts, f, 200, 9015, NULL), 0);
	/* orig_len below cap_len (a caller bug) still gives len >= caplen */
	cr_assert_eq(pcapring_write(r, &ts, f, 200, 0, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 4), 2);
	cr_assert_eq(recs[0].caplen, 200);
	cr_assert_eq(recs[0].len, 9015);
	cr_assert_eq(recs[0].id, 7);
	cr_assert_eq(recs[1].caplen, 200);
	cr_assert_eq(recs[1].len, 200);
	cr_assert_eq(unlink(in_sdir(names[0])), 0);

	c.snaplen = 100;
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(pcapring_write(r, &ts, f, 200, 9015, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 4), 1);
	cr_assert_eq(recs[0].caplen, 100);
	cr_assert_eq(recs[0].len, 9015);
	cr_assert_eq(recs[0].id, 7);
}

/* check_time_split: packets at base + off[i] with interval 60 give exactly these files. */
static void check_time_split(int64_t base, const int *off, size_t noff, const char *const *want,
                             const size_t *count, size_t nwant)
{
	struct pcapring_conf c = conf(0, 60, 0);
	struct pcapring *r = pcapring_open(&c);
	char names[MAX_FILES][256];
	struct rec recs[16];
	size_t k = 0;

	cr_assert_not_null(r);
	for (size_t i = 0; i < noff; i++)
		cr_assert_eq(put(r, ts_at(base + off[i], 0), 80, (uint32_t)i, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), nwant);
	for (size_t i = 0; i < nwant; i++) {
		cr_assert_str_eq(names[i], want[i]);
		cr_assert_eq(read_pcap(in_sdir(names[i]), recs, 16), count[i], "%s", names[i]);
		for (size_t j = 0; j < count[i]; j++, k++)
			cr_assert_eq(recs[j].sec, base + off[k]);
	}
}

Test(pcapring, time_rotation_aligned_start)
{
	static const int off[] = {0, 10, 59, 60, 61, 125};
	static const char *const want[] = {"s-20240101T000000Z-000001.pcap",
	                                   "s-20240101T000100Z-000002.pcap",
	                                   "s-20240101T000205Z-000003.pcap"};
	static const size_t count[] = {3, 2, 1};

	check_time_split(T0, off, 6, want, count, 3);
}

Test(pcapring, time_rotation_unaligned_start)
{
	/* from :30 the first file still ends at the next minute, not 60 s later */
	static const int off[] = {0, 10, 59, 60, 61, 125};
	static const char *const want[] = {"s-20240101T000030Z-000001.pcap",
	                                   "s-20240101T000129Z-000002.pcap",
	                                   "s-20240101T000235Z-000003.pcap"};
	static const size_t count[] = {2, 3, 1};

	check_time_split(T0 + 30, off, 6, want, count, 3);
}

Test(pcapring, tick_closes_idle_file)
{
	struct pcapring_conf c = conf(0, 60, 0);
	struct pcapring *r = pcapring_open(&c);
	struct pcapring_stats st;
	struct timespec now;
	char names[4][256];
	struct rec recs[4];

	cr_assert_not_null(r);
	cr_assert_eq(put(r, ts_at(T0 + 5, 0), 80, 1, NULL), 0);
	now = ts_at(T0 + 59, 999999999);
	pcapring_tick(r, &now);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000005Z-000001.pcap.part");
	now = ts_at(T0 + 60, 0);
	pcapring_tick(r, &now);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000005Z-000001.pcap");
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 4), 1);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.files_rotated, 1);
	/* the next packet opens a new file */
	cr_assert_eq(put(r, ts_at(T0 + 61, 0), 80, 2, NULL), 0);
	cr_assert_eq(list_dir(g_sdir, names, 4), 2);
	cr_assert_str_eq(names[1], "s-20240101T000101Z-000002.pcap.part");
	pcapring_close(r);
}

Test(pcapring, flush_keeps_part_readable)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	char names[4][256];
	struct rec recs[8];

	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(put(r, ts_at(T0, (long)i), 64, i, NULL), 0);
	pcapring_flush(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000000Z-000001.pcap.part");
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 8), 5);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000000Z-000001.pcap");
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 8), 5);
}

Test(pcapring, finish_completes_and_ring_stays_usable)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	char names[4][256];

	cr_assert_not_null(r);
	cr_assert_eq(put(r, ts_at(T0, 0), 64, 1, NULL), 0);
	pcapring_finish(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000000Z-000001.pcap");
	cr_assert_eq(put(r, ts_at(T0, 1), 64, 2, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 2);
	cr_assert_str_eq(names[1], "s-20240101T000000Z-000002.pcap");
}

Test(pcapring, keep_files_keeps_newest)
{
	struct pcapring_conf c = conf(0, 60, 3);
	struct pcapring *r = pcapring_open(&c);
	struct pcapring_stats st;
	char names[MAX_FILES][256];

	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 6; i++)
		cr_assert_eq(put(r, ts_at(T0 + 60 * i, 0), 64, i, NULL), 0);
	pcapring_get_stats(r, &st);
	pcapring_close(r);
	cr_assert_eq(st.files_rotated, 5);
	cr_assert_eq(st.files_deleted, 2);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3);
	cr_assert_str_eq(names[0], "s-20240101T000300Z-000004.pcap");
	cr_assert_str_eq(names[1], "s-20240101T000400Z-000005.pcap");
	cr_assert_str_eq(names[2], "s-20240101T000500Z-000006.pcap");
}

Test(pcapring, keep_files_counts_earlier_runs)
{
	struct pcapring_conf c = conf(0, 60, 3);
	struct pcapring *r;
	struct pcapring_stats st;
	char names[MAX_FILES][256];

	cr_assert_eq(mkdir(g_sdir, 0750), 0);
	write_pcap(in_sdir("s-20231231T000000Z-000001.pcap"), 1);
	write_pcap(in_sdir("s-20231231T000100Z-000002.recovered.pcap"), 1);
	write_pcap(in_sdir("s-20231231T000200Z-000003.pcap"), 1);
	/* not ours to delete: a .part, other names, another session's pattern */
	touch(in_sdir("s-20231231T000300Z-000009.pcap.part"), "");
	touch(in_sdir("notes.txt"), "x");
	touch(in_sdir("s-foo.pcap"), "x");
	touch(in_sdir("s2-20231231T000000Z-000001.pcap"), "x");
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 2; i++)
		cr_assert_eq(put(r, ts_at(T0 + 60 * i, 0), 64, i, NULL), 0);
	pcapring_close(r);
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(put(r, ts_at(T0 + 120, 0), 64, 2, NULL), 0);
	pcapring_finish(r);
	pcapring_get_stats(r, &st);
	pcapring_close(r);
	cr_assert_eq(st.files_deleted, 1); /* the last old file; the first ring removed two */
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3 + 4);
	/* seq continues after the highest one found (9, from the .part) */
	cr_assert_str_eq(names[0], "notes.txt");
	cr_assert_str_eq(names[1], "s-20231231T000300Z-000009.pcap.part");
	cr_assert_str_eq(names[2], "s-20240101T000000Z-000010.pcap");
	cr_assert_str_eq(names[3], "s-20240101T000100Z-000011.pcap");
	cr_assert_str_eq(names[4], "s-20240101T000200Z-000012.pcap");
	cr_assert_str_eq(names[5], "s-foo.pcap");
	cr_assert_str_eq(names[6], "s2-20231231T000000Z-000001.pcap");
}

/* A stand-in for the housekeeper: deferred work waits here until run_deferred(). */
static struct {
	void (*fn)(void *);
	void *ctx;
} g_q[16];
static int g_nq;
static bool g_refuse;

static int defer_to_q(void *arg, void (*fn)(void *), void *ctx)
{
	(void)arg;
	if (g_refuse)
		return -1;
	cr_assert_lt(g_nq, 16);
	g_q[g_nq].fn = fn;
	g_q[g_nq].ctx = ctx;
	g_nq++;
	return 0;
}

static void run_deferred(void)
{
	for (int i = 0; i < g_nq; i++)
		g_q[i].fn(g_q[i].ctx);
	g_nq = 0;
}

/* deferred_conf: conf() whose deferred work goes to g_q (emptied); fresh as
 * for an automatic session. */
static struct pcapring_conf deferred_conf(uint64_t size, uint64_t interval, uint32_t keep,
                                          bool fresh)
{
	struct pcapring_conf c = conf(size, interval, keep);

	g_nq = 0;
	g_refuse = false;
	c.defer = defer_to_q;
	c.fresh = fresh;
	return c;
}

#define F(min) "s-20240101T00" #min "00Z-0000"

Test(pcapring, packet_path_defers_rename_and_keep_files)
{
	struct pcapring_conf c = deferred_conf(0, 60, 2, false);
	struct pcapring_stats st;
	char names[MAX_FILES][256];
	struct pcapring_fs *fs;
	struct pcapring *r;
	uint64_t rot, del;

	r = pcapring_open(&c);
	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(put(r, ts_at(T0 + 60 * i, 0), 64, i, NULL), 0);
	/* the packets closed two files: their renames wait for the other thread */
	cr_assert_eq(g_nq, 2);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3);
	cr_assert_str_eq(names[0], F(00) "01.pcap.part");
	cr_assert_str_eq(names[1], F(01) "02.pcap.part");
	cr_assert_str_eq(names[2], F(02) "03.pcap.part");
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.files_rotated, 0);
	run_deferred();
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3);
	cr_assert_str_eq(names[0], F(00) "01.pcap");
	cr_assert_str_eq(names[1], F(01) "02.pcap");
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.files_rotated, 2);
	cr_assert_eq(st.files_deleted, 0);
	cr_assert_eq(st.fs_inline, 0);
	/* the queue refuses: the packet does it in place, counted */
	g_refuse = true;
	cr_assert_eq(put(r, ts_at(T0 + 180, 0), 64, 3, NULL), 0);
	cr_assert_eq(g_nq, 0);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.fs_inline, 1);
	cr_assert_eq(st.files_rotated, 3);
	cr_assert_eq(st.files_deleted, 1);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3);
	cr_assert_str_eq(names[0], F(01) "02.pcap");
	cr_assert_str_eq(names[1], F(02) "03.pcap");
	cr_assert_str_eq(names[2], F(03) "04.pcap.part");
	/* work still queued when the ring is closed runs afterwards, on the shared part */
	g_refuse = false;
	cr_assert_eq(put(r, ts_at(T0 + 240, 0), 64, 4, NULL), 0);
	cr_assert_eq(g_nq, 1);
	fs = pcapring_fs_get(r);
	pcapring_close(r); /* not a packet: completes file 5 in place */
	cr_assert_eq(g_nq, 1);
	run_deferred();
	pcapring_fs_counts(fs, &rot, &del);
	pcapring_fs_put(fs);
	cr_assert_eq(rot, 5);
	cr_assert_eq(del, 3);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 2);
	cr_assert_str_eq(names[0], F(03) "04.pcap");
	cr_assert_str_eq(names[1], F(04) "05.pcap");
}

Test(pcapring, fresh_ring_recovers_through_defer_and_spares_its_own)
{
	struct pcapring_conf c = deferred_conf(0, 0, 0, true);
	char names[MAX_FILES][256];
	struct rec recs[8];
	struct pcap_ref ref;
	struct pcapring *r;

	cr_assert_eq(mkdir(g_sdir, 0750), 0);
	write_pcap(in_sdir("s-20231231T000000Z-000001.pcap.part"), 2);
	write_pcap(in_sdir(F(00) "01.pcap.part"), 1); /* an earlier run, same second */
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(g_nq, 1); /* the recovery: not done while the session is made */
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 2);
	cr_assert_eq(put(r, ts_at(T0, 0), 64, 7, &ref), 0);
	cr_assert_str_eq(ref.file, in_sdir(F(00) "02.pcap")); /* 01 is taken */
	run_deferred();
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 3);
	cr_assert_str_eq(names[0], "s-20231231T000000Z-000001.recovered.pcap");
	cr_assert_str_eq(names[1], F(00) "01.recovered.pcap");
	cr_assert_str_eq(names[2], F(00) "02.pcap.part"); /* ours, still written */
	cr_assert_eq(put(r, ts_at(T0 + 1, 0), 64, 8, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(read_pcap(in_sdir(F(00) "02.pcap"), recs, 8), 2);
	cr_assert_eq(recs[0].id, 7);
	cr_assert_eq(recs[1].id, 8);
	cr_assert_eq(read_pcap(in_sdir("s-20231231T000000Z-000001.recovered.pcap"), recs, 8), 2);
}

Test(pcapring, fresh_ring_first_records_wait_for_the_directory)
{
	struct pcapring_conf c = deferred_conf(0, 0, 0, true);
	struct pcapring_stats st;
	struct pcap_ref ref1, ref2, ref3;
	struct rec recs[8];
	struct pcapring *r;
	struct stat sb;

	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(stat(g_sdir, &sb), -1); /* not made on the packet path */
	cr_assert_eq(put(r, ts_at(T0, 0), 100, 1, &ref1), 0);
	cr_assert_eq(put(r, ts_at(T0, 5), 100, 2, &ref2), 0);
	cr_assert_eq(stat(g_sdir, &sb), -1);
	/* the alerts of the waiting records name the file they will be in */
	cr_assert_str_eq(ref1.file, in_sdir(F(00) "01.pcap"));
	cr_assert_eq(ref1.frame, 1);
	cr_assert_eq(ref2.frame, 2);
	run_deferred(); /* the housekeeper makes the directory */
	cr_assert_eq(stat(g_sdir, &sb), 0);
	cr_assert_eq(put(r, ts_at(T0 + 1, 0), 100, 3, &ref3), 0);
	cr_assert_str_eq(ref3.file, ref1.file);
	cr_assert_eq(ref3.frame, 3);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.packets, 3);
	cr_assert_eq(st.fs_inline, 0);
	pcapring_close(r);
	cr_assert_eq(read_pcap(ref1.file, recs, 8), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(recs[i].id, (uint32_t)i + 1);
	cr_assert_eq(recs[1].usec, 0); /* 5 ns */
}

Test(pcapring, fresh_ring_waits_bounded_then_makes_the_directory_itself)
{
	struct pcapring_conf c = deferred_conf(0, 0, 0, true);
	struct pcapring_stats st;
	static struct rec recs[400];
	struct pcap_ref ref;
	struct pcapring *r;
	size_t n;

	r = pcapring_open(&c);
	cr_assert_not_null(r);
	/* the housekeeper never gets to it: after 1 MiB the packet path makes it */
	for (uint32_t i = 0; i < 300; i++)
		cr_assert_eq(put(r, ts_at(T0, i * 1000L), 4000, i, &ref), 0);
	cr_assert_eq(ref.frame, 300);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.fs_inline, 1);
	cr_assert_eq(st.packets, 300);
	cr_assert_eq(st.write_errors, 0);
	pcapring_close(r);
	run_deferred(); /* after the ring: mkdir finds it, recovery spares its file */
	n = read_pcap(ref.file, recs, 400);
	cr_assert_eq(n, 300);
	for (uint32_t i = 0; i < 300; i++)
		cr_assert_eq(recs[i].id, i);
}

Test(pcapring, fresh_ring_closed_while_waiting_keeps_its_records)
{
	struct pcapring_conf c = deferred_conf(0, 0, 0, true);
	struct pcap_ref ref;
	struct rec recs[8];
	struct pcapring *r;

	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(put(r, ts_at(T0, 0), 100, 9, &ref), 0);
	pcapring_close(r); /* shutdown before the housekeeper ran: made in place */
	run_deferred();
	cr_assert_eq(read_pcap(ref.file, recs, 8), 1);
	cr_assert_eq(recs[0].id, 9);
}

Test(pcapring, no_packets_no_file_and_no_part_after_close)
{
	struct pcapring_conf c = conf(500, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	char names[MAX_FILES][256];
	struct timespec now = ts_at(T0 + 3600, 0);

	cr_assert_not_null(r);
	pcapring_tick(r, &now);
	pcapring_flush(r);
	pcapring_finish(r);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, MAX_FILES), 0);

	r = pcapring_open(&c);
	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 20; i++)
		cr_assert_eq(put(r, ts_at(T0, (long)i), 100, i, NULL), 0);
	pcapring_close(r);
	size_t n = list_dir(g_sdir, names, MAX_FILES);
	cr_assert_gt(n, 1);
	for (size_t i = 0; i < n; i++)
		cr_assert_null(strstr(names[i], ".part"), "%s left behind", names[i]);
}

Test(pcapring, pcap_ref_final_name_and_frames)
{
	/* 24 + 3 * 116 = 372: three 100-byte records per file */
	struct pcapring_conf c = conf(400, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	struct pcap_ref refs[8];
	struct rec recs[8];
	char want[PATH_MAX];

	cr_assert_not_null(r);
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(put(r, ts_at(T0 + i, 0), 100, 100 + i, &refs[i]), 0);
	pcapring_close(r);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t file = i / 3, frame = i % 3 + 1;

		snprintf(want, sizeof(want), "%s/s-20240101T00000%uZ-%06u.pcap", g_sdir, file * 3,
		         file + 1);
		cr_assert_str_eq(refs[i].file, want);
		cr_assert_eq(refs[i].frame, frame);
		cr_assert_geq(read_pcap(refs[i].file, recs, 8), frame);
		cr_assert_eq(recs[frame - 1].id, 100 + i, "ref %u points at the wrong record", i);
	}
}

Test(pcapring, never_overwrites_existing_name)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	char names[4][256];
	struct rec recs[4];
	struct pcap_ref ref;

	cr_assert_not_null(r);
	/* appears after open, so the scan did not see it */
	touch(in_sdir("s-20240101T000000Z-000001.pcap"), "precious");
	touch(in_sdir("s-20240101T000000Z-000002.pcap.part"), "also");
	cr_assert_eq(put(r, ts_at(T0, 0), 64, 5, &ref), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 3);
	cr_assert_str_eq(names[2], "s-20240101T000000Z-000003.pcap");
	cr_assert_str_eq(ref.file, in_sdir(names[2]));
	cr_assert_eq(file_size(in_sdir(names[0])), 8);
	cr_assert_eq(file_size(in_sdir(names[1])), 4);
	cr_assert_eq(read_pcap(in_sdir(names[2]), recs, 4), 1);
}

Test(pcapring, open_error_counts_backs_off_and_recovers)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	struct pcapring_stats st;
	char names[4][256];
	struct rec recs[4];

	cr_assert_not_null(r);
	/* a regular file where the session directory should be: every open fails */
	cr_assert_eq(rmdir(g_sdir), 0);
	touch(g_sdir, "blocker");
	cr_assert_eq(put(r, ts_at(T0, 0), 64, 1, NULL), -1);
	cr_assert_eq(put(r, ts_at(T0, 500000000), 64, 2, NULL), -1);
	cr_assert_eq(unlink(g_sdir), 0);
	/* fixed, but still within 1 s of packet time of the failure: no retry yet */
	cr_assert_eq(put(r, ts_at(T0, 999999999), 64, 3, NULL), -1);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.write_errors, 3);
	cr_assert_eq(st.packets, 0);
	cr_assert_eq(put(r, ts_at(T0 + 1, 0), 64, 4, NULL), 0);
	cr_assert_eq(put(r, ts_at(T0 + 1, 1), 64, 5, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000001Z-000001.pcap");
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 4), 2);
	cr_assert_eq(recs[0].id, 4);
	cr_assert_eq(recs[1].id, 5);
}

/* set_fsize_limit: limit (or unlimit) the size of files this process writes. */
static void set_fsize_limit(rlim_t lim)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = lim == RLIM_INFINITY ? rl.rlim_max : lim;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

Test(pcapring, write_error_truncates_to_whole_records_then_resumes)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	struct pcapring_stats st;
	char names[4][256];
	struct rec recs[64];
	uint32_t ok = 0;

	cr_assert_not_null(r);
	/* RLIMIT_FSIZE gives a deterministic EFBIG, even as root: room for 35 records */
	signal(SIGXFSZ, SIG_IGN);
	set_fsize_limit(4096);
	for (uint32_t i = 0; i < 60; i++) {
		if (put(r, ST_MS(T0, i * 10), 100, i, NULL) == 0)
			ok++;
		pcapring_flush(r);
	}
	pcapring_get_stats(r, &st);
	cr_assert_eq(ok, 36); /* the 36th was buffered, then lost at its flush */
	cr_assert_eq(st.write_errors, 1 + 24);
	cr_assert_eq(st.files_rotated, 1);
	/* the salvaged file is complete: whole records only, already renamed */
	cr_assert_eq(list_dir(g_sdir, names, 4), 1);
	cr_assert_str_eq(names[0], "s-20240101T000000Z-000001.pcap");
	cr_assert_eq(file_size(in_sdir(names[0])), FILEHDR + 35 * (RECHDR + 100));
	set_fsize_limit(RLIM_INFINITY);
	/* failure at T0+0.35 s: closed until T0+1.35 s of packet time */
	cr_assert_eq(put(r, ST_MS(T0 + 1, 349), 100, 98, NULL), -1);
	cr_assert_eq(put(r, ST_MS(T0 + 1, 350), 100, 99, NULL), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 2);
	cr_assert_eq(read_pcap(in_sdir(names[0]), recs, 64), 35);
	for (uint32_t i = 0; i < 35; i++)
		cr_assert_eq(recs[i].id, i);
	cr_assert_str_eq(names[1], "s-20240101T000001Z-000002.pcap");
	cr_assert_eq(read_pcap(in_sdir(names[1]), recs, 64), 1);
	cr_assert_eq(recs[0].id, 99);
}

Test(pcapring, write_error_on_empty_file_removes_it)
{
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	struct pcapring_stats st;
	char names[4][256];

	cr_assert_not_null(r);
	signal(SIGXFSZ, SIG_IGN);
	set_fsize_limit(100); /* not even the header and one record */
	cr_assert_eq(put(r, ts_at(T0, 0), 100, 1, NULL), 0);
	pcapring_flush(r);
	set_fsize_limit(RLIM_INFINITY);
	pcapring_get_stats(r, &st);
	cr_assert_eq(st.write_errors, 1);
	cr_assert_eq(list_dir(g_sdir, names, 4), 0);
	pcapring_close(r);
	cr_assert_eq(list_dir(g_sdir, names, 4), 0);
}

Test(pcapring, recover_renames_stale_part_files)
{
	char names[8][256];
	struct rec recs[8];
	struct pcap_ref ref;
	struct pcapring_conf c = conf(0, 0, 0);
	struct pcapring *r;
	FILE *f;

	cr_assert_eq(pcapring_recover(g_dir, "s"), 0); /* no directory yet */
	cr_assert_eq(mkdir(g_sdir, 0750), 0);
	write_pcap(in_sdir("s-20240101T000000Z-000001.pcap.part"), 3);
	/* the crash cut the 4th record short */
	f = fopen(in_sdir("s-20240101T000000Z-000001.pcap.part"), "a");
	cr_assert_not_null(f);
	fwrite("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 1, 10, f);
	fclose(f);
	touch(in_sdir("s-20240101T000100Z-000002.pcap.part"), ""); /* crashed before any flush */
	touch(in_sdir("other.pcap.part"), "x");
	cr_assert_eq(pcapring_recover(g_dir, "s"), 1);
	cr_assert_eq(list_dir(g_sdir, names, 8), 2);
	cr_assert_str_eq(names[0], "other.pcap.part");
	cr_assert_str_eq(names[1], "s-20240101T000000Z-000001.recovered.pcap");
	cr_assert_eq(read_pcap(in_sdir(names[1]), recs, 8), 3);
	cr_assert_eq(recs[2].id, 2);
	cr_assert_eq(pcapring_recover(g_dir, "s"), 0);
	/* a ring opened afterwards continues the sequence */
	r = pcapring_open(&c);
	cr_assert_not_null(r);
	cr_assert_eq(put(r, ts_at(T0, 0), 64, 1, &ref), 0);
	pcapring_close(r);
	cr_assert_str_eq(ref.file, in_sdir("s-20240101T000000Z-000002.pcap"));
}

Test(pcapring, open_rejects_bad_session_and_blocked_dir)
{
	struct pcapring_conf c = conf(0, 0, 0);
	char blocked[PATH_MAX];

	c.session = "../x";
	cr_assert_null(pcapring_open(&c));
	c.session = "..";
	cr_assert_null(pcapring_open(&c));
	c.session = "";
	cr_assert_null(pcapring_open(&c));
	snprintf(blocked, sizeof(blocked), "%s/file", g_dir);
	touch(blocked, "x");
	c.dir = blocked;
	c.session = "s";
	cr_assert_null(pcapring_open(&c));
	/* nested, missing parents are created */
	snprintf(blocked, sizeof(blocked), "%s/a/b/c", g_dir);
	c.dir = blocked;
	pcapring_close(pcapring_open(&c));
	snprintf(blocked, sizeof(blocked), "%s/a/b/c/s", g_dir);
	cr_assert_eq(access(blocked, F_OK), 0);
}

struct thr_arg {
	struct pcapring *r;
	uint32_t base;
};

/* writer: one worker thread writing 500 frames to a shared ring. */
static void *writer(void *p)
{
	struct thr_arg *a = p;
	uint8_t f[120];

	for (uint32_t i = 0; i < 500; i++) {
		struct timespec ts = ts_at(T0, (long)i);

		make_frame(f, sizeof(f), a->base + i);
		if (pcapring_write(a->r, &ts, f, sizeof(f), sizeof(f), NULL) != 0)
			return (void *)1;
	}
	return NULL;
}

Test(pcapring, threads_share_one_ring)
{
	struct pcapring_conf c = conf(10000, 0, 0);
	struct pcapring *r = pcapring_open(&c);
	struct thr_arg a[4];
	pthread_t t[4];
	char names[MAX_FILES][256];
	static struct rec recs[MAX_RECS];
	static uint8_t seen[4][500];
	size_t nf, total = 0;
	void *rv;

	cr_assert_not_null(r);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thr_arg){r, (uint32_t)i * 1000};
		cr_assert_eq(pthread_create(&t[i], NULL, writer, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &rv), 0);
		cr_assert_null(rv);
	}
	pcapring_close(r);
	nf = list_dir(g_sdir, names, MAX_FILES);
	for (size_t i = 0; i < nf; i++) {
		size_t n = read_pcap(in_sdir(names[i]), recs, MAX_RECS);

		for (size_t k = 0; k < n; k++) {
			uint32_t id = recs[k].id;

			cr_assert_lt(id / 1000, 4);
			cr_assert_lt(id % 1000, 500);
			cr_assert_eq(seen[id / 1000][id % 1000]++, 0, "id %u twice", id);
		}
		total += n;
	}
	cr_assert_eq(total, 2000);
}

Test(pcapring, parse_name)
{
	struct pcap_name pn;

	cr_assert_eq(pcapring_parse_name("a-b-20261201T100500Z-000042.pcap.part", &pn),
	             PCAP_NAME_PART);
	cr_assert_str_eq(pn.stamp, "20261201T100500Z");
	cr_assert_eq(pn.seq, 42);
	cr_assert_eq(pn.session_len, 3); /* "a-b" */
	cr_assert_eq(pcap_name_start(&pn), 1796119500);
	cr_assert_eq(pcapring_parse_name("web-20261201T100500Z-7.recovered.pcap", &pn),
	             PCAP_NAME_RECOVERED);
	cr_assert_eq(pn.session_len, 3);
	cr_assert_eq(pcapring_parse_name("web-20261201T100500Z-7.pcap", &pn), PCAP_NAME_DONE);
	/* a pcap, but not a ring's name: kind only */
	cr_assert_eq(pcapring_parse_name("capture.pcap", &pn), PCAP_NAME_DONE);
	cr_assert_str_eq(pn.stamp, "");
	cr_assert_eq(pcap_name_start(&pn), 0);
	cr_assert_eq(pcapring_parse_name("web-20261201T100500-7.pcap", &pn), PCAP_NAME_DONE);
	cr_assert_str_eq(pn.stamp, "");
	cr_assert_eq(pcapring_parse_name("-20261201T100500Z-7.pcap", &pn), PCAP_NAME_DONE);
	cr_assert_str_eq(pn.stamp, ""); /* no session */
	cr_assert_eq(pcapring_parse_name("web-20261201T100500Z-.pcap", &pn), PCAP_NAME_DONE);
	cr_assert_str_eq(pn.stamp, "");
	cr_assert_eq(pcapring_parse_name("web-20261201T100500Z-7.pcapng", &pn), PCAP_NAME_OTHER);
	cr_assert_eq(pcapring_parse_name(".pcap", &pn), PCAP_NAME_OTHER);
}
