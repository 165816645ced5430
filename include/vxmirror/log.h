/*
 * log.h - the OpenBSD daemon logging API (relayd/ntpd/bgpd), as it is.
 *
 * Everything goes to stderr, one line per event, which is what journald
 * wants.  Under journald (JOURNAL_STREAM matches stderr) each line starts
 * with its sd-daemon priority: <3> fatal, <4> warn/warnx/ratelimit,
 * <6> info, <7> debug; elsewhere lines are plain.  fatal()/fatalx() are
 * for start-up only, never for a packet.  Per-packet problems use
 * log_ratelimit() so a flood of bad input cannot turn into a flood of log
 * lines.
 */
#ifndef VXMIRROR_LOG_H
#define VXMIRROR_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#define VX_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* log_init: set the program name and verbosity (0 = info, 1+ = debug), and
 * look whether stderr is journald's stream. */
void log_init(const char *progname, int verbose);
bool log_to_journal(void);
void log_setverbose(int verbose);
int log_getverbose(void);

void log_warn(const char *, ...) VX_PRINTF(1, 2); /* appends strerror(errno) */
void log_warnx(const char *, ...) VX_PRINTF(1, 2);
void log_info(const char *, ...) VX_PRINTF(1, 2);
void log_debug(const char *, ...) VX_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *, ...) VX_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *, ...) VX_PRINTF(1, 2);

/*
 * A token bucket for per-packet log lines: at most `burst` lines, then one
 * per `interval_s` seconds.  Suppressed lines are counted and reported with
 * the next line that gets through.  Not thread-safe: keep one per worker.
 */
struct log_limit {
	uint32_t burst;
	uint32_t interval_s;
	uint32_t tokens;
	int64_t last_s;
	uint64_t suppressed;
};
#define LOG_LIMIT_INIT(burst, interval)                                                            \
	{                                                                                          \
		(burst), (interval), (burst), 0, 0                                                 \
	}

/* log_ratelimit: log_warnx() through the limiter `l`. */
void log_ratelimit(struct log_limit *l, const char *, ...) VX_PRINTF(2, 3);

#endif
