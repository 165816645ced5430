/*
 * alertlog.c - the JSON Lines alert log (alertlog.h).
 *
 * Thread-safe by construction, without a lock: every line is one write()
 * on an O_APPEND descriptor, so lines from several workers never
 * interleave, and alertlog_reopen() swaps the file under the same
 * descriptor number with dup3(), which is atomic: a writer uses either the
 * old file or the new one, never a closed or reused descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vxmirror/alertlog.h"
#include "vxmirror/log.h"
#include "vxmirror/util.h"

#define LINE_STACK 4096 /* most alerts fit; longer ones are allocated */

struct alertlog {
	char *path;
	int fd;
	bool is_stdout;
	_Atomic uint64_t written;
	_Atomic uint64_t write_errors;
	atomic_bool failing; /* log the first failure of a run only */
};

static int open_file(const char *path)
{
	int fd;

	if (mkdir_parent(path) == -1) {
		log_warn("alert log: cannot create the directory of %s", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		log_warn("alert log: open %s", path);
	return fd;
}

struct alertlog *alertlog_open(const char *path)
{
	struct alertlog *l = xcalloc(1, sizeof(*l));

	l->path = xstrdup(path);
	if (strcmp(path, "-") == 0) {
		l->fd = STDOUT_FILENO;
		l->is_stdout = true;
		return l;
	}
	l->fd = open_file(path);
	if (l->fd == -1) {
		free(l->path);
		free(l);
		return NULL;
	}
	return l;
}

/* write_line: the whole line in one write(); a short write is a lost line. */
static int write_line(struct alertlog *l, const char *buf, size_t len)
{
	ssize_t r;

	do
		r = write(l->fd, buf, len);
	while (r == -1 && errno == EINTR);
	if (r == (ssize_t)len) {
		atomic_fetch_add(&l->written, 1);
		if (atomic_exchange(&l->failing, false))
			log_info("alert log %s: writing again", l->path);
		return 0;
	}
	atomic_fetch_add(&l->write_errors, 1);
	if (!atomic_exchange(&l->failing, true)) {
		if (r == -1)
			log_warn("alert log %s: write (further errors are only counted)", l->path);
		else
			log_warnx("alert log %s: short write %zd of %zu (further errors are only "
			          "counted)",
			          l->path, r, len);
	}
	return -1;
}

int alertlog_write(struct alertlog *l, const json_t *alert)
{
	char stackbuf[LINE_STACK], *buf = stackbuf;
	size_t n;
	int rc;

	n = json_dumpb(alert, stackbuf, sizeof(stackbuf) - 1, JSON_COMPACT);
	if (n > sizeof(stackbuf) - 1) {
		buf = xmalloc(n + 1);
		n = json_dumpb(alert, buf, n, JSON_COMPACT);
	}
	if (n == 0) {
		atomic_fetch_add(&l->write_errors, 1);
		rc = -1;
		goto done;
	}
	buf[n] = '\n';
	rc = write_line(l, buf, n + 1);
done:
	if (buf != stackbuf)
		free(buf);
	return rc;
}

int alertlog_reopen(struct alertlog *l)
{
	int fd;

	if (l->is_stdout)
		return 0;
	fd = open_file(l->path);
	if (fd == -1)
		return -1;
	if (dup3(fd, l->fd, O_CLOEXEC) == -1) {
		log_warn("alert log %s: dup3", l->path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void alertlog_close(struct alertlog *l)
{
	if (l == NULL)
		return;
	if (!l->is_stdout)
		close(l->fd);
	free(l->path);
	free(l);
}

void alertlog_get_stats(struct alertlog *l, struct alertlog_stats *st)
{
	st->written = atomic_load(&l->written);
	st->write_errors = atomic_load(&l->write_errors);
}

const char *alertlog_path(const struct alertlog *l)
{
	return l->path;
}

bool alertlog_failing(struct alertlog *l)
{
	return atomic_load(&l->failing);
}
