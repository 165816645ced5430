/*
 * daemon_harness.h - run vxmirrord from a test: a scratch directory with a
 * config, the daemon started in the foreground with stderr to a file,
 * readiness awaited on its "ready:" log line, and helpers to read what it
 * produced (summary counters, alert lines, pcap files).
 */
#ifndef VX_DAEMON_HARNESS_H
#define VX_DAEMON_HARNESS_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

struct harness {
	char dir[256];  /* scratch directory */
	char conf[300]; /* dir/vxmirror.yaml */
	char err[300];  /* dir/stderr.log */
	pid_t pid;
};

/* h__free_port: a port of socket type `type` that was free a moment ago on 127.0.0.1. */
static inline uint16_t h__free_port(int type)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, type, 0);
	uint16_t port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		abort();
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* h_free_port: a UDP port that was free a moment ago on 127.0.0.1. */
static inline uint16_t h_free_port(void)
{
	return h__free_port(SOCK_DGRAM);
}

/* h_free_tcp_port: the same for TCP (http.listen). */
static inline uint16_t h_free_tcp_port(void)
{
	return h__free_port(SOCK_STREAM);
}

/* h_init: make the scratch dir and write the config (printf-style).  A config
 * that does not mention http: gets "http: {listen: off}" appended, so that
 * test daemons never compete for the default 127.0.0.1:9477 (with each
 * other under ctest -j, or with a real vxmirrord on the machine). */
static inline void h_init(struct harness *h, const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	memset(h, 0, sizeof(*h));
	snprintf(h->dir, sizeof(h->dir), "/tmp/vx-e2e-XXXXXX");
	if (mkdtemp(h->dir) == NULL)
		abort();
	snprintf(h->conf, sizeof(h->conf), "%s/vxmirror.yaml", h->dir);
	snprintf(h->err, sizeof(h->err), "%s/stderr.log", h->dir);
	f = fopen(h->conf, "w");
	if (f == NULL)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (strstr(fmt, "http:") == NULL)
		fputs("\nhttp: {listen: off}\n", f);
	fclose(f);
}

/* h_slurp: a whole file as a NUL-terminated string (caller frees); NULL if absent. */
static inline char *h_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* h_spawn: run vxmirrord with extra args (NULL-terminated) in h->dir,
 * stderr (and stdout) to h->err.  Returns the pid. */
static inline pid_t h_spawn(struct harness *h, const char *const *args)
{
	const char *argv[16];
	size_t n = 0;
	pid_t pid;

	argv[n++] = VXMIRRORD_PATH;
	argv[n++] = "-c";
	argv[n++] = h->conf;
	for (; args != NULL && *args != NULL && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(h->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || chdir(h->dir) == -1)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	h->pid = pid;
	return pid;
}

/* h_wait_log: wait up to `ms` for `needle` to appear in the daemon's stderr. */
static inline bool h_wait_log(struct harness *h, const char *needle, int ms)
{
	for (int waited = 0; waited <= ms; waited += 20) {
		char *s = h_slurp(h->err);
		bool hit = s != NULL && strstr(s, needle) != NULL;
		free(s);
		if (hit)
			return true;
		if (h->pid > 0 && waitpid(h->pid, NULL, WNOHANG) == h->pid) {
			h->pid = 0;
			return false;
		}
		usleep(20 * 1000);
	}
	return false;
}

/* h_stop: SIGTERM and wait (at most 10 s); returns the exit status or -1. */
static inline int h_stop(struct harness *h)
{
	int st;

	if (h->pid <= 0)
		return -1;
	kill(h->pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			h->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		usleep(20 * 1000);
	}
	kill(h->pid, SIGKILL);
	waitpid(h->pid, &st, 0);
	h->pid = 0;
	return -1;
}

/* h_run: run to completion (offline mode); returns the exit status. */
static inline int h_run(struct harness *h, const char *const *args)
{
	int st;
	pid_t pid = h_spawn(h, args);

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	h->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* h_counter: the value of `key=` on the first stderr line holding `line_has`
 * (e.g. h_counter(h, "summary: datagrams=", "bad_vxlan")); -1 when absent. */
static inline long long h_counter(struct harness *h, const char *line_has, const char *key)
{
	char *s = h_slurp(h->err), *line, *save = NULL, pat[64];
	long long v = -1;

	if (s == NULL)
		return -1;
	snprintf(pat, sizeof(pat), " %s=", key);
	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *k;
		if (strstr(line, line_has) == NULL)
			continue;
		k = strstr(line, pat);
		if (k != NULL) {
			v = strtoll(k + strlen(pat), NULL, 10);
			break;
		}
	}
	free(s);
	return v;
}

/* h_alerts: every line of the alert log parsed as JSON (array; caller decrefs).
 * A line that is not valid JSON makes it return NULL. */
static inline json_t *h_alerts(const char *path)
{
	char *s = h_slurp(path), *line, *save = NULL;
	json_t *arr = json_array();

	if (s == NULL)
		return arr;
	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, 0, NULL);
		if (o == NULL || !json_is_object(o)) {
			json_decref(arr);
			free(s);
			return NULL;
		}
		json_array_append_new(arr, o);
	}
	free(s);
	return arr;
}

/* h_count_files: entries in `dir` ending with `suffix`. */
static inline int h_count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	size_t sl = strlen(suffix);

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* h_rm_rf: remove the scratch directory. */
static inline void h_rm_rf(const char *dir)
{
	char cmd[400];

	if (strncmp(dir, "/tmp/vx-", 8) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return;
}

/* --- HTTP/1.0 client for the tests of /healthz, /metrics, /paths --- */

struct response {
	int status;
	char head[2048]; /* status line and headers */
	char body[65536];
};

/* http_request: send `req` verbatim to 127.0.0.1:port and read until the
 * server closes (HTTP/1.0).  0, or -1 when the connection failed. */
static inline int http_request(uint16_t port, const char *req, struct response *r)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {5, 0};
	static char buf[sizeof(r->head) + sizeof(r->body)];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *sep;

	memset(r, 0, sizeof(*r));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return -1;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (sep == NULL || (size_t)(sep - buf) >= sizeof(r->head))
		return -1;
	memcpy(r->head, buf, (size_t)(sep - buf));
	snprintf(r->body, sizeof(r->body), "%s", sep + 4);
	if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
		return -1;
	return 0;
}

static inline int http_get(uint16_t port, const char *path, struct response *r)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	return http_request(port, req, r);
}

#endif
