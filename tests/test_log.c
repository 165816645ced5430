/*
 * test_log.c - log lines carry the sd-daemon priority prefix under journald
 * (JOURNAL_STREAM names stderr's device:inode) and are plain elsewhere.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vxmirror/log.h"

#define PLAIN "t: w 1\nt: i 2\nt: debug: d 3\nt: e: No such file or directory\n"

static char path[] = "/tmp/vx-test-log-XXXXXX";

/* to_file: point stderr at a new temporary file. */
static void to_file(void)
{
	int fd = mkstemp(path);

	cr_assert(fd != -1);
	fflush(stderr);
	cr_assert(dup2(fd, STDERR_FILENO) != -1);
	close(fd);
	setvbuf(stderr, NULL, _IONBF, 0);
}

/* journal_env: JOURNAL_STREAM for stderr, or a wrong one when `match` is false. */
static void journal_env(bool match)
{
	struct stat st;
	char v[64];

	cr_assert(fstat(STDERR_FILENO, &st) == 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino + (match ? 0 : 1));
	cr_assert(setenv("JOURNAL_STREAM", v, 1) == 0);
}

static void emit(void)
{
	log_init("t", 1);
	log_warnx("w %d", 1);
	log_info("i %d", 2);
	log_debug("d %d", 3);
	errno = ENOENT;
	log_warn("e");
}

static char *slurp(void)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	return buf;
}

Test(log, journald_gets_priorities)
{
	to_file();
	journal_env(true);
	emit();
	cr_assert(log_to_journal());
	cr_assert_str_eq(slurp(), "<4>t: w 1\n<6>t: i 2\n<7>t: debug: d 3\n"
	                          "<4>t: e: No such file or directory\n");
}

Test(log, plain_without_journal_stream)
{
	to_file();
	unsetenv("JOURNAL_STREAM");
	emit();
	cr_assert(!log_to_journal());
	cr_assert_str_eq(slurp(), PLAIN);
}

Test(log, plain_when_stderr_is_not_the_journal_stream)
{
	to_file();
	journal_env(false); /* stderr was redirected after systemd set it up */
	emit();
	cr_assert(!log_to_journal());
	cr_assert_str_eq(slurp(), PLAIN);
}

Test(log, garbage_journal_stream_is_plain)
{
	to_file();
	cr_assert(setenv("JOURNAL_STREAM", "not-a-stream", 1) == 0);
	emit();
	cr_assert(!log_to_journal());
	cr_assert_str_eq(slurp(), PLAIN);
}
