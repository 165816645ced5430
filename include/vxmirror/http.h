/*
 * http.h - /healthz and /metrics over libevent's evhttp.
 *
 * The server lives in the daemon's main event base and knows nothing about
 * workers or sessions: for each request it asks the daemon for a fresh
 * struct metrics_snapshot through a collect callback (in the loop thread),
 * renders it with metrics.h and hands the snapshot back to a release
 * callback.  Nothing is cached; collecting is cheap and happens per
 * request, never per packet.
 *
 *   GET /healthz  200 "ok\n" when metrics_health() is 0, else 503 and the
 *                 reason ("alert log failing: ...\n"); for NLB/GWLB checks.
 *   GET /metrics  200, Prometheus text format 0.0.4 (metrics_render()).
 *   HEAD          as GET, without the body.
 *   other paths   404.   Other methods on those two paths: 405 (Allow: GET, HEAD).
 *
 * Requests are small and few (a health check every few seconds, a scrape
 * every 15 s), so the server is deliberately plain: no keep-alive tuning,
 * a 10 s timeout, 8 KiB of headers and no request bodies.
 */
#ifndef VXMIRROR_HTTP_H
#define VXMIRROR_HTTP_H

#include <stdint.h>

#include <jansson.h>

#include "vxmirror/addr.h"
#include "vxmirror/metrics.h"

struct event_base;
struct http;

/*
 * http_collect_fn: fill *out (zeroed by the caller) with the counters as of
 * now.  Called in the event loop of the base given to http_start(), once
 * per /healthz or /metrics request.  It may allocate (out->sessions).
 */
typedef void http_collect_fn(void *arg, struct metrics_snapshot *out);

/* http_release_fn: free what collect allocated in *snap; may be NULL. */
typedef void http_release_fn(void *arg, struct metrics_snapshot *snap);

/*
 * http_start: listen on `ep` (TCP, SO_REUSEADDR, close-on-exec) and serve
 * requests in `base`.  A port of 0 binds an ephemeral port (tests; see
 * http_port()).  Returns NULL after a log line naming the address and the
 * reason when the address cannot be bound.
 */
struct http *http_start(struct event_base *base, const struct endpoint *ep,
                        http_collect_fn *collect, http_release_fn *release, void *arg);

/*
 * http_paths_fn: the path-MTU map for GET /paths as a JSON array (only the
 * entries of `session` when it is not NULL); the caller decrefs it.
 */
typedef json_t *http_paths_fn(void *arg, const char *session);

/* http_set_paths: serve GET /paths with fn (without it, /paths is 404). */
void http_set_paths(struct http *, http_paths_fn *fn, void *arg);

/* http_port: the TCP port actually bound (host order), 0 on error. */
uint16_t http_port(const struct http *);

/* http_stop: close the listener and every open connection; NULL is a no-op. */
void http_stop(struct http *);

#endif
