/*
 * log.c - OpenBSD-style logging to stderr, one line per event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vxmirror/log.h"

static const char *log_progname = "vxmirrord";
static int log_verbose;

void log_init(const char *progname, int verbose)
{
	if (progname != NULL)
		log_progname = progname;
	log_verbose = verbose;
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
static void vlog(const char *level, const char *fmt, va_list ap, const char *err)
    __attribute__((format(printf, 2, 0)));

static void vlog(const char *level, const char *fmt, va_list ap, const char *err)
{
	char msg[1024], line[1200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err != NULL)
		snprintf(line, sizeof(line), "%s: %s%s: %s\n", log_progname, level, msg, err);
	else
		snprintf(line, sizeof(line), "%s: %s%s\n", log_progname, level, msg);
	fputs(line, stderr);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog("", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap, NULL);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, NULL);
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
