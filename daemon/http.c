/*
 * http.c - /healthz and /metrics with libevent's evhttp (http.h).
 *
 * The listening socket is made by evconnlistener from the configured
 * sockaddr (so IPv6 and exact addresses work without a string round
 * trip) and handed to evhttp; evhttp does all the HTTP.  Every request
 * goes to one generic callback that routes on the path, so an unknown
 * path is a plain 404 and a wrong method on a known path a 405.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "vxmirror/http.h"
#include "vxmirror/log.h"
#include "vxmirror/metrics.h"
#include "vxmirror/util.h"

#define HTTP_TIMEOUT_S   10
#define HTTP_MAX_HEADERS 8192
#define HTTP_MAX_BODY    1024 /* we take no bodies; keep what a client may push small */
#define HTTP_BACKLOG     64

#define METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"
#define TEXT_CTYPE    "text/plain; charset=utf-8"

struct http {
	struct evhttp *evh;
	struct evconnlistener *lev;        /* until evhttp owns it */
	struct evhttp_bound_socket *bound; /* for http_port() */
	http_collect_fn *collect;
	http_release_fn *release;
	void *arg;
	http_paths_fn *paths;
	void *paths_arg;
};

void http_set_paths(struct http *h, http_paths_fn *fn, void *arg)
{
	h->paths = fn;
	h->paths_arg = arg;
}

/* reply: send `code` with a text body (which may be NULL) and no caching. */
static void reply(struct evhttp_request *req, int code, const char *reason, const char *ctype,
                  const char *body, size_t len)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_add_header(hdr, "Content-Type", ctype);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp 2.1 would send a body with HEAD: give only its length */
		char n[32];
		snprintf(n, sizeof(n), "%zu", body != NULL ? len : 0);
		evhttp_add_header(hdr, "Content-Length", n);
	} else if (body != NULL) {
		evbuffer_add(buf, body, len);
	}
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	reply(req, code, reason, TEXT_CTYPE, text, strlen(text));
}

/* serve_healthz: 200 "ok" or 503 and why. */
static void serve_healthz(struct evhttp_request *req, const struct metrics_snapshot *snap)
{
	char why[512], line[sizeof(why) + 2];

	if (metrics_health(snap, why, sizeof(why)) == 0) {
		reply_text(req, HTTP_OK, "OK", "ok\n");
		return;
	}
	snprintf(line, sizeof(line), "%s\n", why);
	reply_text(req, HTTP_SERVUNAVAIL, "Service Unavailable", line);
}

/* serve_metrics: render into memory, then one reply. */
static void serve_metrics(struct evhttp_request *req, const struct metrics_snapshot *snap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL) {
		log_warn("http: open_memstream");
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	metrics_render(snap, f);
	if (fclose(f) != 0) {
		log_warn("http: rendering /metrics");
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		reply(req, HTTP_OK, "OK", METRICS_CTYPE, text, len);
	}
	free(text);
}

/* serve_paths: GET /paths[?session=NAME], a JSON array (docs/paths.md). */
static void serve_paths(struct http *h, struct evhttp_request *req, const struct evhttp_uri *uri)
{
	const char *query = evhttp_uri_get_query(uri), *session = NULL;
	struct evkeyvalq params;
	json_t *a;
	char *text;

	params.tqh_first = NULL; /* TAILQ_INIT: an empty list for evhttp_clear_headers */
	params.tqh_last = &params.tqh_first;
	if (query != NULL) {
		if (evhttp_parse_query_str(query, &params) != 0) {
			reply_text(req, HTTP_BADREQUEST, "Bad Request", "bad query string\n");
			return;
		}
		session = evhttp_find_header(&params, "session");
	}
	a = h->paths(h->paths_arg, session);
	text = a != NULL ? json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(a);
	evhttp_clear_headers(&params);
	if (text == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	reply(req, HTTP_OK, "OK", "application/json", text, strlen(text));
	free(text);
}

/* on_request: route by path, then check the method, then collect and serve. */
static void on_request(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct metrics_snapshot snap;
	bool healthz, metrics, paths;

	healthz = path != NULL && strcmp(path, "/healthz") == 0;
	metrics = path != NULL && strcmp(path, "/metrics") == 0;
	paths = path != NULL && strcmp(path, "/paths") == 0 && h->paths != NULL;
	if (!healthz && !metrics && !paths) {
		reply_text(req, HTTP_NOTFOUND, "Not Found",
		           "not found: try /healthz, /metrics or /paths\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		reply_text(req, HTTP_BADMETHOD, "Method Not Allowed", "method not allowed\n");
		return;
	}
	if (paths) {
		serve_paths(h, req, uri);
		return;
	}
	memset(&snap, 0, sizeof(snap));
	h->collect(h->arg, &snap);
	if (healthz)
		serve_healthz(req, &snap);
	else
		serve_metrics(req, &snap);
	if (h->release != NULL)
		h->release(h->arg, &snap);
}

/* configure: limits, and every method reaching on_request so it can say 405
 * (evhttp would answer a method outside its allowed set with 501). */
static void configure(struct http *h)
{
	evhttp_set_timeout(h->evh, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->evh, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->evh, HTTP_MAX_BODY);
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	                                       EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                       EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                       EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h->evh, TEXT_CTYPE);
	evhttp_set_gencb(h->evh, on_request, h);
}

/* bound_endpoint: the local address of the listening socket. */
static int bound_endpoint(const struct http *h, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->sslen = sizeof(ep->ss);
	return getsockname(evhttp_bound_socket_get_fd(h->bound), (struct sockaddr *)&ep->ss,
	                   &ep->sslen);
}

struct http *http_start(struct event_base *base, const struct endpoint *ep,
                        http_collect_fn *collect, http_release_fn *release, void *arg)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct endpoint local;
	char addr[ADDR_STRLEN + 8];

	endpoint_fmt(ep, addr, sizeof(addr));
	h->collect = collect;
	h->release = release;
	h->arg = arg;
	h->lev = evconnlistener_new_bind(
	    base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    HTTP_BACKLOG, (const struct sockaddr *)&ep->ss, (int)ep->sslen);
	if (h->lev == NULL) {
		log_warn("http: cannot listen on %s", addr);
		goto fail;
	}
	if ((h->evh = evhttp_new(base)) == NULL ||
	    (h->bound = evhttp_bind_listener(h->evh, h->lev)) == NULL) {
		log_warnx("http: cannot serve on %s", addr);
		goto fail;
	}
	h->lev = NULL; /* evhttp owns (and frees) it now */
	configure(h);
	if (bound_endpoint(h, &local) == 0) /* the real port when ep asked for 0 */
		endpoint_fmt(&local, addr, sizeof(addr));
	log_info("http: /healthz and /metrics on %s", addr);
	return h;
fail:
	if (h->lev != NULL)
		evconnlistener_free(h->lev);
	if (h->evh != NULL)
		evhttp_free(h->evh);
	free(h);
	return NULL;
}

uint16_t http_port(const struct http *h)
{
	struct endpoint ep;

	if (h == NULL || bound_endpoint(h, &ep) == -1)
		return 0;
	if (ep.ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ep.ss)->sin_port);
	if (ep.ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ep.ss)->sin6_port);
	return 0;
}

void http_stop(struct http *h)
{
	if (h == NULL)
		return;
	evhttp_free(h->evh); /* frees the bound listener and open connections */
	free(h);
}
