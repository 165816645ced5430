/*
 * vxsink - the bare baseline for the vxmirror benchmarks: a UDP sink that
 * receives with recvmmsg() and only counts.
 *
 * Same socket set-up as vxmirrord's listener (daemon/source_udp.c):
 * batches of 64, SO_RCVBUF 32 MiB (with the same warning when
 * net.core.rmem_max caps it), SO_TIMESTAMPNS and SO_RXQ_OVFL (its drop
 * counter is reported as kernel_drops).  It blocks in recvmmsg() with
 * MSG_WAITFORONE instead of going through an event loop: the cheapest
 * way to take datagrams off a socket.
 *
 * -j N runs N threads, each with its own SO_REUSEPORT socket (the kernel's
 * default 4-tuple hash spreads the datagrams), the baseline for a daemon
 * with several workers.
 *
 * Exits on SIGTERM/SIGINT or after the time bound, after taking what is
 * still queued, and prints one line of key=value counters on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SINK_BATCH   64
#define SINK_BUFSZ   65536
#define SINK_RCVBUF  (32 << 20)
#define SINK_MAX_JOB 64
#define SINK_MAX_SEC 3600
#define SINK_CMSGSZ  (CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t)))

struct sink {
	pthread_t th;
	int fd;
	uint64_t received, bytes, calls, kernel_drops;
	uint32_t last_ovfl;
	struct mmsghdr msgs[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	uint8_t cmsg[SINK_BATCH][SINK_CMSGSZ];
	uint8_t (*bufs)[SINK_BUFSZ];
};

static volatile sig_atomic_t stop;
static bool no_ts;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vxsink [-l ADDR:PORT] [-t SECONDS] [-j THREADS] [--no-ts] [-q]\n"
	           "  -l, --listen ADDR:PORT  IPv4 endpoint (0.0.0.0:4789)\n"
	           "  -t, --time SECONDS      exit after this long at most (60; max 3600)\n"
	           "  -j, --threads N         N SO_REUSEPORT sockets, one thread each (1)\n"
	           "      --no-ts             no SO_TIMESTAMPNS (vxmirrord sets it)\n"
	           "  -q, --quiet             no warnings\n");
}

static void batch_reset(struct sink *s)
{
	for (int i = 0; i < SINK_BATCH; i++) {
		struct msghdr *m = &s->msgs[i].msg_hdr;
		s->iov[i].iov_base = s->bufs[i];
		s->iov[i].iov_len = SINK_BUFSZ;
		memset(m, 0, sizeof(*m));
		m->msg_iov = &s->iov[i];
		m->msg_iovlen = 1;
		m->msg_control = s->cmsg[i];
		m->msg_controllen = sizeof(s->cmsg[i]);
	}
}

/* count: datagrams and the SO_RXQ_OVFL drop counter of one batch. */
static void count(struct sink *s, int n)
{
	s->received += (uint64_t)n;
	for (int i = 0; i < n; i++) {
		struct msghdr *m = &s->msgs[i].msg_hdr;
		s->bytes += s->msgs[i].msg_len;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
				uint32_t ovfl;
				memcpy(&ovfl, CMSG_DATA(c), sizeof(ovfl));
				s->kernel_drops += (uint32_t)(ovfl - s->last_ovfl);
				s->last_ovfl = ovfl;
			}
		}
	}
}

static void *sink_run(void *arg)
{
	struct sink *s = arg;
	int n;

	while (!stop) {
		batch_reset(s);
		n = recvmmsg(s->fd, s->msgs, SINK_BATCH, MSG_WAITFORONE, NULL);
		s->calls++;
		if (n > 0)
			count(s, n);
		else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			perror("vxsink: recvmmsg");
			break;
		}
	}
	/* take what is still queued */
	for (;;) {
		batch_reset(s);
		n = recvmmsg(s->fd, s->msgs, SINK_BATCH, MSG_DONTWAIT, NULL);
		s->calls++;
		if (n <= 0)
			break;
		count(s, n);
	}
	return NULL;
}

static int sink_open(struct sink *s, const struct sockaddr_in *sin, int jobs, bool quiet)
{
	int one = 1, want = SINK_RCVBUF, got = 0;
	socklen_t sl = sizeof(got);
	struct timeval tv = {.tv_sec = 0, .tv_usec = 100000}; /* to see `stop` */

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		perror("vxsink: socket");
		return -1;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (jobs > 1)
		setsockopt(s->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (!no_ts)
		setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &got, &sl) == 0 && got / 2 < want && !quiet)
		fprintf(stderr,
		        "vxsink: receive buffer is %d KiB, wanted %d KiB; raise it with "
		        "'sysctl -w net.core.rmem_max=%d'\n",
		        got / 2 / 1024, want / 1024, want);
	if (bind(s->fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1) {
		perror("vxsink: bind");
		return -1;
	}
	s->bufs = calloc(SINK_BATCH, SINK_BUFSZ);
	return s->bufs != NULL ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"listen", required_argument, NULL, 'l'},
	                                   {"time", required_argument, NULL, 't'},
	                                   {"threads", required_argument, NULL, 'j'},
	                                   {"no-ts", no_argument, NULL, 'T'},
	                                   {"quiet", no_argument, NULL, 'q'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	static struct sink sinks[SINK_MAX_JOB];
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(4789)};
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: wake recvmmsg */
	uint64_t received = 0, bytes = 0, calls = 0, drops = 0;
	long seconds = 60, jobs = 1;
	bool quiet = false;
	double t0, deadline;
	struct rusage ru;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "l:t:j:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'l': {
			char host[64], *colon;
			if (strlen(optarg) >= sizeof(host))
				goto bad;
			strcpy(host, optarg);
			colon = strrchr(host, ':');
			if (colon == NULL)
				goto bad;
			*colon = '\0';
			long port = strtol(colon + 1, &end, 10);
			if (*end != '\0' || port < 1 || port > 65535 ||
			    inet_pton(AF_INET, host, &sin.sin_addr) != 1)
				goto bad;
			sin.sin_port = htons((uint16_t)port);
			break;
		}
		case 't':
			seconds = strtol(optarg, &end, 10);
			if (*end != '\0' || seconds < 1 || seconds > SINK_MAX_SEC)
				goto bad;
			break;
		case 'j':
			jobs = strtol(optarg, &end, 10);
			if (*end != '\0' || jobs < 1 || jobs > SINK_MAX_JOB)
				goto bad;
			break;
		case 'T':
			no_ts = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	for (long i = 0; i < jobs; i++)
		if (sink_open(&sinks[i], &sin, (int)jobs, quiet || i > 0) == -1)
			return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)seconds);
	fprintf(stderr, "vxsink: listening on %s:%u threads=%ld\n", inet_ntoa(sin.sin_addr),
	        ntohs(sin.sin_port), jobs);
	t0 = now_s();
	deadline = t0 + (double)seconds;
	for (long i = 0; i < jobs; i++)
		if (pthread_create(&sinks[i].th, NULL, sink_run, &sinks[i]) != 0) {
			perror("vxsink: pthread_create");
			return 1;
		}
	for (long i = 0; i < jobs; i++) {
		pthread_join(sinks[i].th, NULL);
		received += sinks[i].received;
		bytes += sinks[i].bytes;
		calls += sinks[i].calls;
		drops += sinks[i].kernel_drops;
		close(sinks[i].fd);
		free(sinks[i].bufs);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("vxsink: received=%" PRIu64 " bytes=%" PRIu64 " kernel_drops=%" PRIu64
	       " calls=%" PRIu64 " threads=%ld elapsed=%.3f timeout=%d cpu=%.3f\n",
	       received, bytes, drops, calls, jobs, now_s() - t0, now_s() >= deadline,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	return 0;
bad:
	usage(stderr);
	return 2;
}
