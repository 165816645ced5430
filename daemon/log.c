/*
 * log.c - OpenBSD-style logging to stderr, one line per event.
 *
 * When stderr is journald's stream (JOURNAL_STREAM names the device and
 * inode of our stderr, see systemd.exec(5)), every line starts with the
 * sd-daemon(3) priority prefix, so `journalctl -p warning` finds the
 * warnings.  Anywhere else (a terminal, a file, a pipe) lines are plain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vxmirror/log.h"

static const char *log_progname = "vxmirrord";
static int log_verbose;
static bool log_journal;

/* sd-daemon(3) priorities */
enum { PRI_ERR = 3, PRI_WARNING = 4, PRI_INFO = 6, PRI_DEBUG = 7 };

/* stderr_is_journal: JOURNAL_STREAM is "DEV:INO" of the stream journald
 * gave us; it only counts while stderr is still that stream. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *progname, int verbose)
{
	if (progname != NULL)
		log_progname = progname;
	log_verbose = verbose;
	log_journal = stderr_is_journal();
}

bool log_to_journal(void)
{
	return log_journal;
}

void log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int log_getverbose(void)
{
	return log_verbose;
}

/* vlog: format one whole line and emit it with a single fputs, so lines
 * from several threads do not interleave. */
static void vlog(int pri, const char *level, const char *fmt, va_list ap, const char *err)
    __attribute__((format(printf, 3, 0)));

static void vlog(int pri, const char *level, const char *fmt, va_list ap, const char *err)
{
	char msg[1024], line[1200], prefix[8] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		snprintf(prefix, sizeof(prefix), "<%d>", pri);
	if (err != NULL)
		snprintf(line, sizeof(line), "%s%s: %s%s: %s\n", prefix, log_progname, level, msg,
		         err);
	else
		snprintf(line, sizeof(line), "%s%s: %s%s\n", prefix, log_progname, level, msg);
	fputs(line, stderr);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(PRI_WARNING, "", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PRI_WARNING, "", fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PRI_INFO, "", fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(PRI_DEBUG, "debug: ", fmt, ap, NULL);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(PRI_ERR, "fatal: ", fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PRI_ERR, "fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void log_ratelimit(struct log_limit *l, const char *fmt, ...)
{
	struct timespec now;
	va_list ap;
	char msg[1024];

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (l->interval_s > 0 && now.tv_sec - l->last_s >= (int64_t)l->interval_s) {
		l->tokens = l->burst;
		l->last_s = now.tv_sec;
	}
	if (l->tokens == 0) {
		l->suppressed++;
		return;
	}
	l->tokens--;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->suppressed > 0) {
		log_warnx("%s (%llu similar messages suppressed)", msg,
		          (unsigned long long)l->suppressed);
		l->suppressed = 0;
	} else
		log_warnx("%s", msg);
}
