/*
 * test_housekeep.c - the disk budget across sessions and the on_complete
 * hooks, on real files in a temporary pcap_dir.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vxmirror/housekeep.h"

static char dir[] = "/tmp/vx-test-hk-XXXXXX";

static void setup(void)
{
	cr_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert(system(cmd) == 0);
}

/* put: dir/<sess>/<name> with `size` bytes. */
static void put(const char *sess, const char *name, size_t size)
{
	char p[512];
	char *buf = calloc(1, size + 1);
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, sess);
	mkdir(p, 0750);
	snprintf(p, sizeof(p), "%s/%s/%s", dir, sess, name);
	cr_assert((f = fopen(p, "w")) != NULL);
	cr_assert(fwrite(buf, 1, size, f) == size || size == 0);
	fclose(f);
	free(buf);
}

static bool there(const char *sess, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s/%s", dir, sess, name);
	return access(p, F_OK) == 0;
}

static void msleep(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* wait_for: poll the stats until pred holds (5 s at most). */
#define WAIT_FOR(hk, st, pred)                                                                     \
	do {                                                                                       \
		for (int i_ = 0; i_ < 500; i_++) {                                                 \
			hk_get_stats((hk), &(st));                                                 \
			if (pred)                                                                  \
				break;                                                             \
			msleep(10);                                                                \
		}                                                                                  \
	} while (0)

/* Three sessions, files interleaved in time: the oldest go first, across sessions. */
static void three_sessions(void)
{
	put("web", "web-20261201T100000Z-000001.pcap", 1000);
	put("db", "db-20261201T100500Z-000001.pcap", 1000);
	put("web", "web-20261201T101000Z-000002.pcap", 1000);
	put("a-b", "a-b-20261201T101500Z-000001.recovered.pcap", 1000); /* '-' in a session name */
	put("db", "db-20261201T102000Z-000002.pcap", 1000);
	put("web", "web-20261201T102500Z-000003.pcap.part", 1000);
	put("web", "notes.txt", 5000); /* not a pcap: neither counted nor deleted */
}

Test(housekeep, max_disk_deletes_oldest_across_sessions, .init = setup, .fini = teardown)
{
	struct hk_conf c = {.dir = dir, .max_disk = 4000, .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	three_sessions(); /* 6000 bytes of pcaps */
	cr_assert((hk = hk_start(&c)) != NULL);
	WAIT_FOR(hk, st, st.scans >= 2);
	hk_stop(hk, 0, NULL);
	cr_assert_eq(st.deleted_budget, 2);
	cr_assert_eq(st.disk_bytes, 4000);
	cr_assert_eq(st.files, 4);
	cr_assert_eq(st.budget_unheld, 0);
	cr_assert(!there("web", "web-20261201T100000Z-000001.pcap"));
	cr_assert(!there("db", "db-20261201T100500Z-000001.pcap"));
	cr_assert(there("web", "web-20261201T101000Z-000002.pcap"));
	cr_assert(there("a-b", "a-b-20261201T101500Z-000001.recovered.pcap"));
	cr_assert(there("db", "db-20261201T102000Z-000002.pcap"));
	cr_assert(there("web", "web-20261201T102500Z-000003.pcap.part"));
	cr_assert(there("web", "notes.txt"));
}

Test(housekeep, within_budget_deletes_nothing, .init = setup, .fini = teardown)
{
	struct hk_conf c = {.dir = dir, .max_disk = 6000, .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	three_sessions();
	cr_assert((hk = hk_start(&c)) != NULL);
	WAIT_FOR(hk, st, st.scans >= 3);
	hk_stop(hk, 0, NULL);
	cr_assert_eq(st.scans >= 3, true);
	cr_assert_eq(st.deleted_budget, 0);
	cr_assert_eq(st.disk_bytes, 6000);
	cr_assert_eq(st.files, 6);
	cr_assert(st.fs_bytes > 0 && st.fs_free_bytes > 0);
}

Test(housekeep, growth_is_anticipated, .init = setup, .fini = teardown)
{
	struct hk_conf c = {.dir = dir, .max_disk = 5500, .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	put("web", "web-20261201T100000Z-000001.pcap", 1000);
	put("web", "web-20261201T101000Z-000002.pcap", 1000);
	put("web", "web-20261201T102000Z-000003.pcap", 1000);
	put("web", "web-20261201T103000Z-000004.pcap.part", 1000);
	cr_assert((hk = hk_start(&c)) != NULL); /* 4000: fits */
	WAIT_FOR(hk, st, st.scans >= 2);
	cr_assert_eq(st.deleted_budget, 0);
	/* the open file grows by 1000 per pass: at 5000 the next pass would
	 * break 5500, so the oldest goes before it does */
	put("web", "web-20261201T103000Z-000004.pcap.part", 2000);
	hk_kick(hk);
	WAIT_FOR(hk, st, st.deleted_budget >= 1);
	hk_stop(hk, 0, NULL);
	cr_assert_eq(st.deleted_budget, 1);
	cr_assert(!there("web", "web-20261201T100000Z-000001.pcap"));
	cr_assert_eq(st.budget_unheld, 0);
}

static char rotated[64];
static void on_rotate(void *arg, const char *session)
{
	(void)arg;
	snprintf(rotated, sizeof(rotated), "%s", session);
}

Test(housekeep, open_files_over_the_cap_rotate_the_largest, .init = setup, .fini = teardown)
{
	struct hk_conf c = {
	    .dir = dir, .max_disk = 2500, .interval_ms = 20, .rotate_early = on_rotate};
	struct hk_stats st;
	struct housekeeper *hk;

	put("web", "web-20261201T100000Z-000001.pcap.part", 1000);
	put("db", "db-20261201T100000Z-000001.pcap.part", 2000);
	cr_assert((hk = hk_start(&c)) != NULL);
	WAIT_FOR(hk, st, st.rotate_requests >= 1);
	hk_stop(hk, 0, NULL);
	cr_assert(st.rotate_requests >= 1);
	cr_assert_str_eq(rotated, "db");
	cr_assert(st.budget_unheld >= 1); /* nothing completed could be deleted */
	cr_assert(there("db", "db-20261201T100000Z-000001.pcap.part"));
}

Test(housekeep, min_free_that_cannot_hold_is_counted, .init = setup, .fini = teardown)
{
	/* 100% free can never hold: every completed file goes, open ones stay */
	struct hk_conf c = {.dir = dir, .min_free_pct = 100, .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	three_sessions();
	cr_assert((hk = hk_start(&c)) != NULL);
	WAIT_FOR(hk, st, st.budget_unheld >= 2);
	hk_stop(hk, 0, NULL);
	cr_assert_eq(st.deleted_budget, 5);
	cr_assert(st.budget_unheld >= 2);
	cr_assert(there("web", "web-20261201T102500Z-000003.pcap.part"));
	cr_assert(there("web", "notes.txt"));
}

Test(housekeep, min_free_zero_percent_deletes_nothing, .init = setup, .fini = teardown)
{
	struct hk_conf c = {.dir = dir, .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	three_sessions();
	cr_assert((hk = hk_start(&c)) != NULL);
	WAIT_FOR(hk, st, st.scans >= 2);
	hk_stop(hk, 0, NULL);
	cr_assert_eq(st.deleted_budget, 0);
	cr_assert_eq(st.budget_unheld, 0);
}

Test(housekeep, expand)
{
	char *s = hk_expand("s3://b/{session}/{file}{x}{file", "/p/f.pcap", "web");

	cr_assert_str_eq(s, "s3://b/web//p/f.pcap{x}{file");
	free(s);
}

Test(housekeep, hook_ships_then_deletes, .init = setup, .fini = teardown)
{
	char dest[600], src[600], shipped[700];
	char *argv[] = {"/bin/cp", "{file}", dest, NULL};
	struct hk_conf c = {.dir = dir,
	                    .on_complete = argv,
	                    .jobs = 2,
	                    .queue_max = 8,
	                    .delete_after_hook = true,
	                    .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	snprintf(dest, sizeof(dest), "%s/shipped", dir);
	mkdir(dest, 0750);
	put("web", "web-20261201T100000Z-000001.pcap", 100);
	snprintf(src, sizeof(src), "%s/web/web-20261201T100000Z-000001.pcap", dir);
	cr_assert((hk = hk_start(&c)) != NULL);
	hk_completed(hk, "web", src);
	WAIT_FOR(hk, st, st.deleted_hook >= 1);
	hk_stop(hk, 10, NULL);
	cr_assert_eq(st.hooks_started, 1);
	cr_assert_eq(st.hooks_failed, 0);
	cr_assert_eq(st.deleted_hook, 1);
	cr_assert(access(src, F_OK) != 0);
	snprintf(shipped, sizeof(shipped), "%s/web-20261201T100000Z-000001.pcap", dest);
	cr_assert(access(shipped, F_OK) == 0);
}

Test(housekeep, failing_hook_keeps_the_file, .init = setup, .fini = teardown)
{
	char src[600];
	char *argv[] = {"/bin/false", "{file}", NULL};
	struct hk_conf c = {.dir = dir,
	                    .on_complete = argv,
	                    .jobs = 1,
	                    .queue_max = 8,
	                    .delete_after_hook = true,
	                    .interval_ms = 20};
	struct hk_stats st;
	struct housekeeper *hk;

	put("web", "web-20261201T100000Z-000001.pcap", 100);
	snprintf(src, sizeof(src), "%s/web/web-20261201T100000Z-000001.pcap", dir);
	cr_assert((hk = hk_start(&c)) != NULL);
	hk_completed(hk, "web", src);
	WAIT_FOR(hk, st, st.hooks_failed >= 1);
	hk_stop(hk, 10, NULL);
	cr_assert_eq(st.hooks_failed, 1);
	cr_assert_eq(st.deleted_hook, 0);
	cr_assert(access(src, F_OK) == 0);
}

Test(housekeep, missing_hook_program_is_counted, .init = setup, .fini = teardown)
{
	char *argv[] = {"/nonexistent/ship", "{file}", NULL};
	struct hk_conf c = {.dir = dir, .on_complete = argv, .jobs = 1, .queue_max = 8};
	struct hk_stats st;
	struct housekeeper *hk;

	cr_assert((hk = hk_start(&c)) != NULL);
	hk_completed(hk, "web", "/tmp/whatever.pcap");
	WAIT_FOR(hk, st, st.hooks_failed >= 1);
	hk_stop(hk, 1, NULL);
	cr_assert_eq(st.hooks_failed, 1);
	cr_assert_eq(st.hooks_started, 0);
}

Test(housekeep, bounded_queue_and_budget_spares_hooked_files, .init = setup, .fini = teardown)
{
	char *argv[] = {"/bin/sh", "-c", "sleep 0.5; touch \"$0.done\"", "{file}", NULL};
	struct hk_conf c = {.dir = dir,
	                    .on_complete = argv,
	                    .jobs = 1,
	                    .queue_max = 1,
	                    .max_disk = 1,
	                    .interval_ms = 20};
	char p[3][600];
	struct hk_stats st;
	struct housekeeper *hk;

	for (int i = 0; i < 3; i++) {
		char tmp[40];
		snprintf(p[i], sizeof(p[i]), "%s/web/web-20261201T100%d00Z-00000%d.pcap", dir, i,
		         i + 1);
		snprintf(tmp, sizeof(tmp), "f%d.tmp", i); /* not a pcap until renamed */
		put("web", tmp, 100);
	}
	cr_assert((hk = hk_start(&c)) != NULL);
	for (int i = 0; i < 3; i++) {
		char tmp[600];
		snprintf(tmp, sizeof(tmp), "%s/web/f%d.tmp", dir, i);
		hk_completed(hk, "web", p[i]); /* [0] runs, [1] waits, [2]: queue full */
		cr_assert(rename(tmp, p[i]) == 0);
		if (i == 0)
			WAIT_FOR(hk, st, st.hooks_started >= 1);
	}
	WAIT_FOR(hk, st, st.deleted_budget >= 1);
	uint64_t scans = st.scans;
	WAIT_FOR(hk, st, st.scans >= scans + 3);
	cr_assert_eq(st.hooks_overflow, 1);
	cr_assert_eq(st.deleted_budget, 1);
	/* the budget (1 byte) wants every file gone, but two are with the hook */
	cr_assert(access(p[0], F_OK) == 0);
	cr_assert(access(p[1], F_OK) == 0);
	cr_assert(access(p[2], F_OK) != 0);
	hk_stop(hk, 10, NULL); /* the waiting one still runs at shutdown */
	for (int i = 0; i < 3; i++) {
		char done[700];
		snprintf(done, sizeof(done), "%s.done", p[i]);
		cr_assert_eq(access(done, F_OK) == 0, i < 2, "hook ran for file %d: %d", i,
		             access(done, F_OK) == 0);
	}
}

/* deferred work: run on the housekeeper's thread, in order, and all of it before hk_stop returns */
static struct {
	pthread_t th[64];
	int order[64];
	int n;
} done_work;
static pthread_mutex_t work_mu = PTHREAD_MUTEX_INITIALIZER;

static void one_piece(void *ctx)
{
	msleep(2);
	pthread_mutex_lock(&work_mu);
	done_work.th[done_work.n] = pthread_self();
	done_work.order[done_work.n++] = (int)(intptr_t)ctx;
	pthread_mutex_unlock(&work_mu);
}

Test(housekeep, deferred_work_runs_in_order_off_the_caller, .init = setup, .fini = teardown)
{
	struct hk_conf c = {.dir = dir, .interval_ms = 1000};
	struct housekeeper *hk = hk_start(&c);
	struct hk_stats st;

	cr_assert_not_null(hk);
	done_work.n = 0;
	for (int i = 0; i < 64; i++)
		cr_assert_eq(hk_defer(hk, one_piece, (void *)(intptr_t)i), 0);
	hk_stop(hk, 0, &st); /* waits for all 64 (about 130 ms) */
	cr_assert_eq(done_work.n, 64);
	cr_assert_eq(st.work_done, 64);
	cr_assert_eq(st.work_refused, 0);
	for (int i = 0; i < 64; i++) {
		cr_assert_eq(done_work.order[i], i);
		cr_assert(!pthread_equal(done_work.th[i], pthread_self()));
	}
	cr_assert_eq(hk_defer(NULL, one_piece, NULL), -1); /* no housekeeper: the caller runs it */
}
