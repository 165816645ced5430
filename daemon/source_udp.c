/*
 * source_udp.c - live ingest: UDP listeners drained with recvmmsg().
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "vxmirror/log.h"
#include "vxmirror/source.h"
#include "vxmirror/steer.h"
#include "vxmirror/util.h"

#define UDP_BATCH  64    /* datagrams per recvmmsg() */
#define UDP_BUDGET 8     /* batches per callback, so timers and signals still run */
#define UDP_BUFSZ  65536 /* a whole UDP datagram always fits */
/*
 * A wake-up whose first recvmmsg() finds less than a full batch sleeps
 * UDP_HOLD_NS once and reads again.  A worker woken per handful of
 * datagrams spends more on the wake-up (epoll, the context switch, the
 * sender's wake-up IPI) than on the packets; holding 0.5 ms makes a
 * wake-up read a hundred or more (bench/README.md, issue 13).  0.5 ms is
 * 500 datagrams at 1 Mpps against a 32 MiB socket buffer that holds tens
 * of thousands, and nothing here needs lower latency than that.
 */
#define UDP_HOLD_NS 500000L
#define UDP_CMSGSZ  CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))

struct udp_src;

struct udp_sock {
	struct udp_src *u;
	int fd;
	struct event *ev;
	bool geneve;        /* GENEVE (GWLB) rather than VXLAN */
	uint32_t last_ovfl; /* SO_RXQ_OVFL is a running count per socket */
	char name[ADDR_STRLEN + 8];
};

struct udp_src {
	struct worker *w;
	struct udp_sock *socks;
	size_t nsocks;
	/* receive batch, allocated once */
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t (*bufs)[UDP_BUFSZ];
	uint8_t cmsg[UDP_BATCH][UDP_CMSGSZ];
};

/* batch_reset: re-arm the mmsghdr array before each recvmmsg(). */
static void batch_reset(struct udp_src *u)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		struct msghdr *m = &u->msgs[i].msg_hdr;
		u->iov[i].iov_base = u->bufs[i];
		u->iov[i].iov_len = UDP_BUFSZ;
		memset(m, 0, sizeof(*m));
		m->msg_name = &u->from[i];
		m->msg_namelen = sizeof(u->from[i]);
		m->msg_iov = &u->iov[i];
		m->msg_iovlen = 1;
		m->msg_control = u->cmsg[i];
		m->msg_controllen = sizeof(u->cmsg[i]);
	}
}

/* msg_meta: kernel timestamp and drop counter from the control messages. */
static void msg_meta(struct udp_src *u, struct udp_sock *s, struct msghdr *m, struct timespec *ts)
{
	struct cmsghdr *c;
	uint32_t ovfl;
	bool have_ts = false;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			memcpy(ts, CMSG_DATA(c), sizeof(*ts));
			have_ts = true;
		} else if (c->cmsg_type == SO_RXQ_OVFL &&
		           c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			memcpy(&ovfl, CMSG_DATA(c), sizeof(ovfl));
			STAT_ADD(u->w->st.kernel_drops, (uint32_t)(ovfl - s->last_ovfl));
			s->last_ovfl = ovfl;
		}
	}
	if (!have_ts)
		clock_gettime(CLOCK_REALTIME, ts);
}

/* udp_drain_once: one recvmmsg() batch; returns datagrams read, 0 when empty. */
static int udp_drain_once(struct udp_src *u, struct udp_sock *s)
{
	struct timespec ts;
	struct addr src;
	int n;

	batch_reset(u);
	n = recvmmsg(s->fd, u->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_ratelimit(&u->w->ll, "%s: recvmmsg: %s", s->name, strerror(errno));
		return 0;
	}
	STAT_INC(u->w->st.recv_calls);
	for (int i = 0; i < n; i++) {
		struct msghdr *m = &u->msgs[i].msg_hdr;
		msg_meta(u, s, m, &ts);
		if (m->msg_flags & MSG_TRUNC)
			STAT_INC(u->w->st.oversize);
		if (addr_from_sockaddr((struct sockaddr *)&u->from[i], &src) == -1)
			continue;
		if (s->geneve)
			worker_geneve(u->w, &ts, &src, u->bufs[i], u->msgs[i].msg_len);
		else
			worker_datagram(u->w, &ts, &src, u->bufs[i], u->msgs[i].msg_len);
	}
	return n;
}

/* udp_cb: drain one readable socket, under a budget; hold once when it found few. */
static void udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;

	(void)fd;
	(void)what;
	STAT_INC(s->u->w->st.wakeups);
	for (int b = 0; b < UDP_BUDGET; b++) {
		int n = udp_drain_once(s->u, s);
		if (n == UDP_BATCH)
			continue;
		if (b == 0 && n > 0) { /* the first batch was not full: hold once */
			struct timespec hold = {0, UDP_HOLD_NS};
			nanosleep(&hold, NULL);
			continue;
		}
		break;
	}
	worker_quiescent(s->u->w);
}

/* want_v6only: [::] is dual-stack unless an IPv4 endpoint shares its port. */
static int want_v6only(const struct endpoint *eps, size_t n, const struct endpoint *ep)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ep->ss;

	for (size_t i = 0; i < n; i++) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&eps[i].ss;
		if (s4->sin_family == AF_INET && s4->sin_port == s6->sin6_port)
			return 1;
	}
	return 0;
}

/* set_rcvbuf: ask for a big receive buffer and say when the kernel caps it. */
static void set_rcvbuf(int fd, const char *name, uint64_t bytes, bool warn)
{
	int want = bytes > INT32_MAX / 2 ? INT32_MAX / 2 : (int)bytes, got = 0;
	socklen_t sl = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want)) == -1)
		log_warn("%s: SO_RCVBUF", name);
	if (warn && getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &sl) == 0 && got / 2 < want)
		log_warnx("%s: receive buffer is %d KiB, wanted %d KiB (rcvbuf): the kernel caps "
		          "it at net.core.rmem_max; raise that with 'sysctl -w "
		          "net.core.rmem_max=%d' (and in /etc/sysctl.d/ to keep it)",
		          name, got / 2 / 1024, want / 1024, want);
}

/* udp_sock_open: socket, options, bind.  -1 after logging. */
static int udp_sock_open(const struct config *cfg, const struct endpoint *eps, size_t neps,
                         size_t i, bool reuseport, bool first, struct udp_sock *s)
{
	const struct endpoint *ep = &eps[i];
	int one = 1, fd;

	endpoint_fmt(ep, s->name, sizeof(s->name));
	fd = socket(ep->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("listen %s: socket", s->name);
		return -1;
	}
	if (ep->ss.ss_family == AF_INET6) {
		int v6only = want_v6only(eps, neps, ep);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
		log_warn("listen %s: SO_REUSEPORT", s->name);
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) == -1)
		log_warn("listen %s: SO_TIMESTAMPNS", s->name);
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) == -1)
		log_warn("listen %s: SO_RXQ_OVFL", s->name);
	set_rcvbuf(fd, s->name, cfg->rcvbuf, first); /* one warning per endpoint */
	if (bind(fd, (const struct sockaddr *)&ep->ss, ep->sslen) == -1) {
		log_warn("listen %s: bind", s->name);
		close(fd);
		return -1;
	}
	s->fd = fd;
	return 0;
}

/* udp_src_new: the per-worker receive state, allocated once. */
static struct udp_src *udp_src_new(struct worker *w, size_t nsocks)
{
	struct udp_src *u = xcalloc(1, sizeof(*u));

	u->w = w;
	u->bufs = xcalloc(UDP_BATCH, UDP_BUFSZ);
	u->socks = xcalloc(nsocks, sizeof(*u->socks));
	w->src = u;
	return u;
}

/* udp_add: open endpoint i for worker w and register it with w's base. */
static int udp_add(struct worker *w, const struct endpoint *eps, size_t neps, size_t i, bool geneve,
                   bool reuseport)
{
	struct udp_src *u = w->src;
	struct udp_sock *s = &u->socks[u->nsocks];

	if (udp_sock_open(atomic_load(&w->ctx->cfg), eps, neps, i, reuseport, w->id == 0, s) == -1)
		return -1;
	u->nsocks++;
	s->u = u;
	s->geneve = geneve;
	s->ev = event_new(w->base, s->fd, EV_READ | EV_PERSIST, udp_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1) {
		log_warnx("listen %s: cannot add event", s->name);
		return -1;
	}
	return 0;
}

/* udp_group: endpoint i on every worker, in worker order (the reuseport
 * group's socket order), then the steering program on the group. */
static int udp_group(struct worker *w, size_t nw, const struct endpoint *eps, size_t neps, size_t i,
                     bool geneve)
{
	struct udp_src *u0;

	for (size_t k = 0; k < nw; k++)
		if (udp_add(&w[k], eps, neps, i, geneve, nw > 1) == -1)
			return -1;
	u0 = w[0].src;
	if (nw > 1 && steer_attach(u0->socks[u0->nsocks - 1].fd, (uint32_t)nw, geneve) == -1) {
		log_warn("listen %s: cannot attach the flow-steering program; both directions "
		         "of a flow may reach different workers",
		         u0->socks[u0->nsocks - 1].name);
		return -1;
	}
	log_info("listening on %s (udp, %s, %zu worker%s)", u0->socks[u0->nsocks - 1].name,
	         geneve ? "geneve" : "vxlan", nw, nw == 1 ? "" : "s");
	return 0;
}

int source_udp_open(struct worker *w, size_t nw)
{
	const struct config *cfg = atomic_load(&w[0].ctx->cfg);

	for (size_t k = 0; k < nw; k++)
		udp_src_new(&w[k], cfg->nlisten + cfg->ngeneve);
	for (size_t i = 0; i < cfg->nlisten; i++)
		if (udp_group(w, nw, cfg->listen, cfg->nlisten, i, false) == -1)
			return -1;
	for (size_t i = 0; i < cfg->ngeneve; i++)
		if (udp_group(w, nw, cfg->geneve_listen, cfg->ngeneve, i, true) == -1)
			return -1;
	return 0;
}

size_t source_udp_count(struct worker *w, size_t nw)
{
	size_t n = 0;

	for (size_t k = 0; k < nw; k++)
		if (w[k].src != NULL)
			n += ((struct udp_src *)w[k].src)->nsocks;
	return n;
}

void source_udp_drain(struct worker *w)
{
	struct udp_src *u = w->src;

	if (u == NULL)
		return;
	for (size_t i = 0; i < u->nsocks; i++)
		udp_cb(u->socks[i].fd, EV_READ, &u->socks[i]);
}

void source_udp_close(struct worker *w)
{
	struct udp_src *u = w->src;

	if (u == NULL)
		return;
	for (size_t i = 0; i < u->nsocks; i++) {
		if (u->socks[i].ev != NULL)
			event_free(u->socks[i].ev);
		close(u->socks[i].fd);
	}
	free(u->socks);
	free(u->bufs);
	free(u);
	w->src = NULL;
}
