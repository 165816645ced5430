/*
 * main.c - vxmirrord: command line, signals, reload and wiring of the pipeline.
 *
 * Threads: the main thread runs an event base for signals, the 1 s flush
 * timer (and HTTP); each worker runs its own event base with its own
 * sockets and flow table.  Offline mode (-r) runs one worker inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "vxmirror/alertlog.h"
#include "vxmirror/collect.h"
#include "vxmirror/config.h"
#include "vxmirror/housekeep.h"
#include "vxmirror/http.h"
#include "vxmirror/log.h"
#include "vxmirror/metrics.h"
#include "vxmirror/notify.h"
#include "vxmirror/session.h"
#include "vxmirror/sesswatch.h"
#include "vxmirror/source.h"
#include "vxmirror/util.h"
#include "vxmirror/worker.h"
#include "vxmirror/annotate.h"
#include "vxmirror/extract.h"
#include "vxmirror/paths.h"

#define DEFAULT_CONFIG "/etc/vxmirror/vxmirror.yaml"
#define NSIGS          4

struct opts {
	const char *config;
	const char *read;
	const char *session;
	const char *extract; /* --extract SPEC ("-" = one line from stdin) */
	const char *write;   /* -w OUT.pcap, with --extract */
	double window;       /* --window SECONDS, with --extract */
	const char *paths;   /* --paths FILE ("-" = stdout), with -r */
	bool check;
	int verbose;
};

/* A pointer a reload replaced, and the session table generation after it. */
struct retired {
	void *p;
	unsigned gen;
};

struct daemon {
	const struct opts *o;
	struct ctx ctx;
	struct config *cfg;       /* in force */
	struct retired *old_cfgs; /* replaced by reloads; freed once no worker can read them */
	size_t nold_cfgs;
	struct retired *old_logs;
	size_t nold_logs;
	struct event_base *base;
	struct worker *w;
	struct event **stop_evs; /* per worker: activated from here to stop it */
	size_t nw;
	struct event *sigs[NSIGS];
	struct event *timer;
	struct http *http;
	struct housekeeper *hk; /* the disk budget and the on_complete hooks */
	time_t paths_last;      /* when paths_log got its latest snapshot */
	uint64_t reloads, reload_errors;
	char reload_error[256];
	double start_time;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vxmirrord [-c FILE] [--check-config | -r CAPTURE [-s SESSION] [--paths FILE]] "
	    "[-v]\n"
	    "       vxmirrord [-c FILE] --extract ALERT|FLOW|- -w OUT.pcap [--window SECONDS]\n"
	    "\n"
	    "Receives AWS VPC Traffic Mirroring (VXLAN, UDP 4789), writes decapsulated\n"
	    "pcaps per mirror session and JSON alerts about path-MTU black holes.\n"
	    "\n"
	    "  -c, --config FILE     configuration (default " DEFAULT_CONFIG ")\n"
	    "  -n, --check-config    validate the configuration, print the effective\n"
	    "                        settings and exit (0 valid, 1 invalid)\n"
	    "  -r, --read CAPTURE    offline: replay a capture file (\"-\" = stdin) through\n"
	    "                        the same pipeline, print a summary and exit\n"
	    "  -s, --session NAME    offline: session for plain (unencapsulated) frames\n"
	    "                        (default: offline_session, else \"capture\")\n"
	    "      --paths FILE      offline: write the path-MTU map (what the traffic\n"
	    "                        proved about each destination) as JSON Lines at\n"
	    "                        exit (\"-\" = stdout)\n"
	    "  -x, --extract SPEC    write one flow out of the session's pcaps: SPEC is an\n"
	    "                        alert line (\"-\" reads one from stdin) or\n"
	    "                        \"PROTO SRC:PORT DST:PORT [SESSION] [TIME]\"; both\n"
	    "                        directions and the ICMP errors quoting it, in time\n"
	    "                        order (TIME: an alert's ts, to read only the files\n"
	    "                        around it)\n"
	    "  -w, --write OUT.pcap  where --extract writes\n"
	    "      --window SECONDS  margin around the alert's time (default 300)\n"
	    "  -v, --verbose         more logging (repeat for more)\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            this help\n"
	    "\n"
	    "Signals: SIGTERM/SIGINT stop cleanly (pcaps closed and renamed);\n"
	    "SIGHUP reloads the configuration and reopens the alert log;\n"
	    "SIGUSR1 only reopens the alert log (logrotate).\n");
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'n'},
	    {"read", required_argument, NULL, 'r'},   {"session", required_argument, NULL, 's'},
	    {"verbose", no_argument, NULL, 'v'},      {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},         {"extract", required_argument, NULL, 'x'},
	    {"write", required_argument, NULL, 'w'},  {"window", required_argument, NULL, 'W'},
	    {"paths", required_argument, NULL, 'P'},  {NULL, 0, NULL, 0},
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	o->window = 300;
	while ((ch = getopt_long(argc, argv, "c:nr:s:vVhx:w:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'n':
			o->check = true;
			break;
		case 'r':
			o->read = optarg;
			break;
		case 's':
			o->session = optarg;
			break;
		case 'x':
			o->extract = optarg;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 'W':
			o->window = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || o->window < 0 ||
			    o->window > 86400 * 365) {
				fprintf(stderr,
				        "vxmirrord: --window '%s': expected seconds, 0 or more\n",
				        optarg);
				exit(2);
			}
			break;
		case 'P':
			o->paths = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			printf("vxmirrord %s\n", VX_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vxmirrord: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (o->paths != NULL && o->read == NULL) {
		fprintf(stderr, "vxmirrord: --paths only applies to -r/--read (live: GET /paths, "
		                "paths_log)\n");
		exit(2);
	}
	if (o->session != NULL && o->read == NULL) {
		fprintf(stderr, "vxmirrord: -s/--session only applies to -r/--read\n");
		exit(2);
	}
	if ((o->extract != NULL) != (o->write != NULL)) {
		fprintf(stderr, "vxmirrord: --extract and -w/--write go together\n");
		exit(2);
	}
	if (o->extract != NULL && (o->read != NULL || o->check)) {
		fprintf(stderr,
		        "vxmirrord: --extract does not combine with -r or --check-config\n");
		exit(2);
	}
}

/* absolutize: make a relative path absolute against the working directory,
 * so alerts name pcap files by a path that works from anywhere. */
static void absolutize(char **path)
{
	char cwd[4096];
	char *abs;

	if ((*path)[0] == '/' || strcmp(*path, "-") == 0)
		return;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	abs = xasprintf("%s/%s", cwd, *path);
	free(*path);
	*path = abs;
}

/* load_config: load, or print every error as file:line and return NULL;
 * the first error is kept in `first` (may be NULL). */
static struct config *load_config(const char *path, char *first, size_t len)
{
	struct config_errors errs = {0};
	struct config *cfg;

	cfg = config_load(path, &errs);
	if (cfg == NULL) {
		config_errors_print(&errs, path, stderr);
		if (first != NULL && errs.n > 0)
			snprintf(first, len, "%.80s:%d: %.150s", path, errs.v[0].line,
			         errs.v[0].msg);
	} else {
		absolutize(&cfg->pcap_dir);
		absolutize(&cfg->alert_log);
	}
	config_errors_free(&errs);
	return cfg;
}

/* keep_old: remember a replaced pointer until no worker can use it. */
static void keep_old(struct retired **v, size_t *n, void *p, unsigned gen)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].p = p;
	(*v)[*n].gen = gen;
	(*n)++;
}

/* safe_gen: the oldest generation a worker may still be in. */
static unsigned safe_gen(struct daemon *d)
{
	unsigned safe = sessions_gen(d->ctx.sessions);

	for (size_t i = 0; i < d->nw; i++) {
		unsigned q = atomic_load_explicit(&d->w[i].quiescent, memory_order_acquire);
		if (gen_before(q, safe))
			safe = q;
	}
	return safe;
}

static void drop_config(void *p)
{
	config_free(p);
}

static void drop_alertlog(void *p)
{
	alertlog_close(p);
}

/* reclaim_list: drop the entries of v retired at `safe` or before; how many. */
static size_t reclaim_list(struct retired *v, size_t *n, unsigned safe, void (*drop)(void *))
{
	size_t k = 0, freed = 0;

	for (size_t i = 0; i < *n; i++)
		if (gen_before(safe, v[i].gen))
			v[k++] = v[i];
		else
			drop(v[i].p), freed++;
	*n = k;
	return freed;
}

/* reclaim: free retired sessions, configs and alert logs no worker can use. */
static void reclaim(struct daemon *d)
{
	unsigned safe = safe_gen(d);
	size_t n = sessions_reclaim(d->ctx.sessions, safe);

	n += reclaim_list(d->old_cfgs, &d->nold_cfgs, safe, drop_config);
	n += reclaim_list(d->old_logs, &d->nold_logs, safe, drop_alertlog);
	if (n == 0)
		return;
	malloc_trim(0); /* give the pages back: freed rings leave holes in every thread's arena */
	log_debug("reclaim: freed %zu retired object%s (generation %u)", n, n == 1 ? "" : "s",
	          safe);
}

/* pcap_hk_same: the housekeeper's settings are the same in both. */
static bool pcap_hk_same(const struct pcap_conf *a, const struct pcap_conf *b)
{
	size_t i;

	if (a->max_disk != b->max_disk || a->min_free != b->min_free ||
	    a->min_free_pct != b->min_free_pct || a->on_complete_jobs != b->on_complete_jobs ||
	    a->delete_after_hook != b->delete_after_hook ||
	    (a->on_complete == NULL) != (b->on_complete == NULL))
		return false;
	for (i = 0; a->on_complete != NULL && a->on_complete[i] != NULL; i++)
		if (b->on_complete[i] == NULL || strcmp(a->on_complete[i], b->on_complete[i]) != 0)
			return false;
	return a->on_complete == NULL || b->on_complete[i] == NULL;
}

/* restart_only: warn about settings a reload cannot change. */
static void restart_only(const struct config *a, const struct config *b)
{
	char x[ADDR_STRLEN + 8], y[ADDR_STRLEN + 8];
	bool net = a->nlisten != b->nlisten || a->ngeneve != b->ngeneve ||
	           a->workers != b->workers || a->rcvbuf != b->rcvbuf ||
	           a->http_enabled != b->http_enabled ||
	           strcmp(endpoint_fmt(&a->http_listen, x, sizeof(x)),
	                  endpoint_fmt(&b->http_listen, y, sizeof(y))) != 0;

	for (size_t i = 0; !net && i < a->nlisten; i++)
		net = strcmp(endpoint_fmt(&a->listen[i], x, sizeof(x)),
		             endpoint_fmt(&b->listen[i], y, sizeof(y))) != 0;
	for (size_t i = 0; !net && i < a->ngeneve; i++)
		net = strcmp(endpoint_fmt(&a->geneve_listen[i], x, sizeof(x)),
		             endpoint_fmt(&b->geneve_listen[i], y, sizeof(y))) != 0;
	if (net)
		log_warnx("reload: listen, geneve_listen, workers, rcvbuf and http take effect "
		          "only after a restart; still using the old ones");
	if (memcmp(&a->analyzer, &b->analyzer, sizeof(a->analyzer)) != 0)
		log_warnx("reload: analyzer settings take effect only after a restart");
	if (!pcap_hk_same(&a->pcap, &b->pcap))
		log_warnx("reload: pcap.max_disk, min_free, on_complete, on_complete_jobs and "
		          "delete_after_hook take effect only after a restart");
}

/* swap_alertlog: open a new alert log when its path changed, else reopen. */
static int swap_alertlog(struct daemon *d, const struct config *n)
{
	struct alertlog *cur = atomic_load(&d->ctx.alerts), *nl;

	if (strcmp(alertlog_path(cur), n->alert_log) == 0)
		return alertlog_reopen(cur) == 0 ? 0 : 0; /* a failed reopen keeps the old fd */
	if ((nl = alertlog_open(n->alert_log)) == NULL)
		return -1;
	atomic_store_explicit(&d->ctx.alerts, nl, memory_order_release);
	/* the reload that follows bumps the generation once */
	keep_old(&d->old_logs, &d->nold_logs, cur, sessions_gen(d->ctx.sessions) + 1);
	log_info("alert log is now %s", n->alert_log);
	return 0;
}

/* reload: SIGHUP.  A broken file changes nothing. */
static void reload(struct daemon *d)
{
	struct config *n;

	log_info("reloading %s", d->o->config);
	notify_reloading();
	reclaim(d); /* what earlier reloads retired, before this one retires more */
	n = load_config(d->o->config, d->reload_error, sizeof(d->reload_error));
	if (n == NULL || swap_alertlog(d, n) == -1) {
		d->reload_errors++;
		if (n != NULL)
			snprintf(d->reload_error, sizeof(d->reload_error),
			         "cannot open alert log %.200s", n->alert_log);
		log_warnx("reload failed: %s; still running on the previous configuration",
		          d->reload_error);
		config_free(n);
		notify_ready();
		return;
	}
	restart_only(d->cfg, n);
	sessions_reload(d->ctx.sessions, d->cfg, n);
	atomic_store_explicit(&d->ctx.cfg, n, memory_order_release);
	keep_old(&d->old_cfgs, &d->nold_cfgs, d->cfg, sessions_gen(d->ctx.sessions));
	d->cfg = n;
	d->reloads++;
	d->reload_error[0] = '\0';
	log_info("reloaded %s: %zu session%s configured", d->o->config, n->nsessions,
	         n->nsessions == 1 ? "" : "s");
	notify_ready();
}

/* metrics_collect: the snapshot behind /metrics and /healthz (main thread). */
static void metrics_collect(void *arg, struct metrics_snapshot *m)
{
	struct daemon *d = arg;
	struct collect_src src = {
	    &d->ctx,         d->w, d->nw, d->cfg, d->start_time, d->reloads, d->reload_errors,
	    d->reload_error, d->hk};

	metrics_snapshot_fill(m, &src);
}

static void metrics_release(void *arg, struct metrics_snapshot *m)
{
	(void)arg;
	metrics_snapshot_free(m);
}

/* on_signal: signals arrive here through libevent, in the main loop. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct alertlog *al = atomic_load(&d->ctx.alerts);

	(void)what;
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
		event_base_loopbreak(d->base);
		break;
	case SIGHUP:
		reload(d);
		break;
	case SIGUSR1:
		if (alertlog_reopen(al) == 0)
			log_info("reopened alert log %s", alertlog_path(al));
		break;
	}
}

/* paths_snapshot: the workers' merged path-MTU map into paths_log. */
static void paths_snapshot(struct daemon *d, bool live)
{
	struct path_rec *v;
	size_t n;

	if (d->cfg->paths_log == NULL)
		return;
	n = worker_paths(d->w, d->nw, live, &v);
	if (paths_log_snapshot(d->cfg->paths_log, v, n, d->cfg) == -1)
		log_warn("paths_log %s", d->cfg->paths_log);
	free(v);
	d->paths_last = time(NULL);
}

/* paths_http: GET /paths[?session=NAME]. */
static json_t *paths_http(void *arg, const char *session)
{
	struct daemon *d = arg;
	struct path_rec *v;
	size_t n = worker_paths(d->w, d->nw, true, &v);
	json_t *a = paths_json(v, n, d->cfg, session);

	free(v);
	return a;
}

/* write_paths: --paths FILE at the end of -r. */
static int write_paths(struct daemon *d, const char *file)
{
	struct path_rec *v;
	size_t n = worker_paths(d->w, d->nw, false, &v);
	int fd = strcmp(file, "-") == 0
	             ? STDOUT_FILENO
	             : open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = -1;

	if (fd != -1) {
		rc = paths_write(fd, v, n, d->cfg);
		if (fd != STDOUT_FILENO && close(fd) != 0)
			rc = -1;
	}
	if (rc == -1)
		log_warn("--paths %s", file);
	free(v);
	return rc;
}

/* on_timer: once a second, flush pcaps, close files whose interval ended,
 * watch for silent sessions. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct timespec now;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_REALTIME, &now);
	sessions_flush(d->ctx.sessions);
	sessions_tick(d->ctx.sessions, &now);
	sesswatch_check(&d->ctx, &now);
	reclaim(d);
	if (d->cfg->paths_log != NULL &&
	    (uint64_t)(time(NULL) - d->paths_last) >= d->cfg->paths_interval)
		paths_snapshot(d, true);
}

/* on_worker_timer: in the worker's thread, expire flows and publish counters. */
static void on_worker_timer(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timespec now;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_REALTIME, &now);
	worker_tick(w, &now);
	worker_quiescent(w); /* an idle worker too */
}

/* setup_events: signals and the 1 s timer of the main loop. */
static void setup_events(struct daemon *d)
{
	static const int sigs[NSIGS] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
	struct timeval one = {1, 0};

	for (size_t i = 0; i < NSIGS; i++) {
		d->sigs[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (d->sigs[i] == NULL || evsignal_add(d->sigs[i], NULL) == -1)
			fatalx("cannot install signal handler %d", sigs[i]);
	}
	d->timer = event_new(d->base, -1, EV_PERSIST, on_timer, d);
	if (d->timer == NULL || event_add(d->timer, &one) == -1)
		fatalx("cannot add timer");
}

/* open_outputs: sessions (pcap rings) and the alert log. */
/* on_completed: a pcap file got its final name (a worker's thread, the
 * ring locked): hand it to the housekeeper, which does the rest. */
static void on_completed(void *arg, const char *session, const char *path)
{
	struct daemon *d = arg;

	hk_completed(d->hk, session, path);
}

/* on_defer: a ring's filesystem work, to the housekeeper's thread (a
 * worker's thread, the ring locked). */
static int on_defer(void *arg, void (*fn)(void *), void *ctx)
{
	struct daemon *d = arg;

	return hk_defer(d->hk, fn, ctx);
}

/* on_rotate_early: the housekeeper asks for a session's open file (its thread). */
static void on_rotate_early(void *arg, const char *session)
{
	struct daemon *d = arg;

	sessions_rotate(d->ctx.sessions, session);
}

/* start_housekeeper: the disk budget and the hooks, in their own thread. */
static void start_housekeeper(struct daemon *d)
{
	const struct pcap_conf *p = &d->cfg->pcap;
	struct hk_conf hc = {
	    .dir = d->cfg->pcap_dir,
	    .max_disk = p->max_disk,
	    .min_free = p->min_free,
	    .min_free_pct = p->min_free_pct,
	    .on_complete = p->on_complete,
	    .jobs = p->on_complete_jobs,
	    .queue_max = 4096,
	    .delete_after_hook = p->delete_after_hook,
	    .interval_ms = 1000,
	    .rotate_early = on_rotate_early,
	    .arg = d,
	};

	if ((d->hk = hk_start(&hc)) == NULL)
		fatalx("cannot start the pcap housekeeper");
}

static void open_outputs(struct daemon *d)
{
	struct alertlog *al = alertlog_open(d->cfg->alert_log);

	if (al == NULL)
		fatalx("cannot open alert log %s", d->cfg->alert_log);
	atomic_init(&d->ctx.cfg, d->cfg);
	atomic_init(&d->ctx.alerts, al);
	d->ctx.incidents = incidents_new(INCIDENTS_DEFAULT);
	d->ctx.sessions = sessions_new(d->cfg, on_completed, on_defer, d);
	start_housekeeper(d);
	/* a pcap directory that cannot be used is an error before READY, like the alert log */
	char first[CONFIG_NAME_MAX];
	size_t broken = sessions_pcap_broken(d->ctx.sessions, first, sizeof(first));
	if (broken > 0)
		fatalx("cannot write pcaps for session %s%s under %s (pcap_dir): fix the directory "
		       "or set pcap: off for the session",
		       first, broken > 1 ? " and others" : "", d->cfg->pcap_dir);
}

/* nworkers: the configured count, or for auto one per CPU the process may
 * run on (its affinity: taskset, CPUAffinity=), not every online CPU. */
static size_t nworkers(const struct config *cfg)
{
	cpu_set_t set;
	long n;

	if (cfg->workers > 0)
		return cfg->workers;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (size_t)(n > 64 ? 64 : n);
}

/* run_offline: replay a capture through one inline worker. */
static int run_offline(struct daemon *d)
{
	if (d->o->session != NULL && config_find_name(d->cfg, d->o->session) == NULL)
		fatalx("-s %s: no such session in %s", d->o->session, d->o->config);
	open_outputs(d);
	d->nw = 1;
	d->w = xcalloc(1, sizeof(*d->w));
	worker_init(&d->w[0], 0, &d->ctx, NULL);
	return source_file_run(&d->w[0], d->o->read, d->o->session);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const char *delay = getenv("VXMIRRORD_TEST_WORKER_DELAY_MS");

	/* Tests only: a worker slow to reach its loop (see stop_workers). */
	if (delay != NULL)
		usleep((useconds_t)strtoul(delay, NULL, 10) % 10000 * 1000);
	event_base_dispatch(w->base);
	return NULL;
}

/* on_worker_stop: in the worker's thread, leave its loop. */
static void on_worker_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* start_workers: event bases, sockets (bound in worker order), timers, threads. */
static void start_workers(struct daemon *d)
{
	struct timeval one = {1, 0};

	d->nw = nworkers(d->cfg);
	d->w = xcalloc(d->nw, sizeof(*d->w));
	d->stop_evs = xcalloc(d->nw, sizeof(*d->stop_evs));
	for (size_t i = 0; i < d->nw; i++) {
		struct event_base *b = event_base_new();
		if (b == NULL)
			fatalx("event_base_new failed");
		worker_init(&d->w[i], (int)i, &d->ctx, b);
		atomic_init(&d->w[i].quiescent, sessions_gen(d->ctx.sessions));
		d->w[i].timer = event_new(b, -1, EV_PERSIST, on_worker_timer, &d->w[i]);
		if (d->w[i].timer == NULL || event_add(d->w[i].timer, &one) == -1)
			fatalx("cannot add worker timer");
		if ((d->stop_evs[i] = event_new(b, -1, 0, on_worker_stop, b)) == NULL)
			fatalx("cannot create worker stop event");
	}
	if (source_udp_open(d->w, d->nw) == -1)
		fatalx("cannot listen; nothing would be received");
	for (size_t i = 0; i < d->nw; i++)
		if (pthread_create(&d->w[i].thread, NULL, worker_main, &d->w[i]) != 0)
			fatalx("cannot start worker thread %zu", i);
}

/* stop_workers: break every worker loop, join, then drain what the kernel holds.
 * Not event_base_loopbreak() from here: a worker that has not entered its
 * loop yet would clear that flag when it does, and never stop.  An
 * activated event stays queued until the loop runs it. */
static void stop_workers(struct daemon *d)
{
	for (size_t i = 0; i < d->nw; i++)
		event_active(d->stop_evs[i], EV_TIMEOUT, 1);
	for (size_t i = 0; i < d->nw; i++)
		pthread_join(d->w[i].thread, NULL);
	for (size_t i = 0; i < d->nw; i++)
		source_udp_drain(&d->w[i]); /* what the kernel already holds is not lost */
}

/* run_live: bind, loop until SIGTERM/SIGINT. */
static int run_live(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent without pthreads support");
	d->base = event_base_new();
	if (d->base == NULL)
		fatalx("event_base_new failed");
	open_outputs(d);
	start_workers(d);
	setup_events(d);
	if (d->cfg->http_enabled) {
		d->http =
		    http_start(d->base, &d->cfg->http_listen, metrics_collect, metrics_release, d);
		if (d->http == NULL)
			fatalx("cannot serve /healthz and /metrics (http.listen)");
		http_set_paths(d->http, paths_http, d);
	}
	log_info("ready: %zu worker%s%s, %zu socket%s, %zu session%s configured, pcaps in %s, "
	         "alerts to %s",
	         d->nw, d->nw == 1 ? "" : "s",
	         d->cfg->workers == 0 ? " (auto: one per CPU it may use)" : "",
	         source_udp_count(d->w, d->nw), source_udp_count(d->w, d->nw) == 1 ? "" : "s",
	         d->cfg->nsessions, d->cfg->nsessions == 1 ? "" : "s", d->cfg->pcap_dir,
	         d->cfg->alert_log);
	notify_ready();
	d->paths_last = time(NULL);
	event_base_dispatch(d->base);
	notify_stopping();
	stop_workers(d);
	paths_snapshot(d, false); /* the last word of paths_log */
	return 0;
}

/* teardown: free everything (ASan runs the tests leak-checked). */
static void teardown(struct daemon *d)
{
	for (size_t i = 0; i < d->nw; i++) {
		source_udp_close(&d->w[i]);
		if (d->w[i].timer != NULL)
			event_free(d->w[i].timer);
		if (d->stop_evs != NULL && d->stop_evs[i] != NULL)
			event_free(d->stop_evs[i]);
		worker_fini(&d->w[i]);
		if (d->w[i].base != NULL)
			event_base_free(d->w[i].base);
	}
	free(d->w);
	free(d->stop_evs);
	sessions_free(d->ctx.sessions);
	incidents_free(d->ctx.incidents);
	alertlog_close(atomic_load(&d->ctx.alerts));
	for (size_t i = 0; i < d->nold_logs; i++)
		alertlog_close(d->old_logs[i].p);
	free(d->old_logs);
	config_free(d->cfg);
	for (size_t i = 0; i < d->nold_cfgs; i++)
		config_free(d->old_cfgs[i].p);
	free(d->old_cfgs);
	if (d->http != NULL)
		http_stop(d->http);
	for (size_t i = 0; i < NSIGS; i++)
		if (d->sigs[i] != NULL)
			event_free(d->sigs[i]);
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->base != NULL)
		event_base_free(d->base);
}

/* pcap_lost: a session whose pcaps could not be opened or written. */
static void pcap_lost(struct session *s, void *arg)
{
	struct pcapring_stats ps;
	size_t *n = arg;

	session_pcap_stats(s, &ps);
	if (s->pcap_broken || ps.write_errors > 0)
		(*n)++;
}

/* The sessions' pcap counters the last summary lines sum. */
struct pcap_sums {
	uint64_t deleted;   /* by keep_files */
	uint64_t fs_inline; /* filesystem work done on the packet path */
};

/* add_pcap_sums: a session's share of struct pcap_sums (sessions_foreach). */
static void add_pcap_sums(struct session *s, void *arg)
{
	struct pcap_sums *sum = arg;
	struct pcapring_stats ps;

	session_pcap_stats(s, &ps);
	sum->deleted += ps.files_deleted;
	sum->fs_inline += ps.fs_inline;
}

/* run_extract: --extract SPEC -w OUT; 0 when frames were written. */
static int run_extract(const struct opts *o, const struct config *cfg)
{
	struct extract_spec sp;
	struct extract_stats st;
	char err[512], *line = NULL;
	const char *spec = o->extract;
	size_t cap = 0;
	int rc = 1;

	if (strcmp(spec, "-") == 0) {
		if (getline(&line, &cap, stdin) == -1) {
			fprintf(stderr, "vxmirrord: --extract -: no line on standard input\n");
			free(line);
			return 1;
		}
		spec = line;
	}
	if (extract_parse(spec, &sp, err, sizeof(err)) == -1)
		fprintf(stderr, "vxmirrord: --extract: %s\n", err);
	else if (extract_run(cfg->pcap_dir, &sp, o->window, o->write, &st, err, sizeof(err)) == -1)
		fprintf(stderr, "vxmirrord: --extract: %s\n", err);
	else {
		fprintf(stderr,
		        "extract: %llu frame%s of the flow and %llu ICMP error%s from %llu of %llu "
		        "file%s of %s into %s\n",
		        (unsigned long long)st.frames_flow, st.frames_flow == 1 ? "" : "s",
		        (unsigned long long)st.frames_icmp, st.frames_icmp == 1 ? "" : "s",
		        (unsigned long long)st.files_read, (unsigned long long)st.files_total,
		        st.files_total == 1 ? "" : "s",
		        sp.session[0] ? sp.session : "every session", o->write);
		if (st.frames_flow == 0 && sp.has_time)
			fprintf(
			    stderr,
			    "vxmirrord: --extract: no frame of that flow within %g s of the alert "
			    "(widen with --window)\n",
			    o->window);
		else if (st.frames_flow == 0)
			fprintf(stderr,
			        "vxmirrord: --extract: no frame of that flow in the pcaps\n");
		else
			rc = 0;
	}
	free(line);
	return rc;
}

int main(int argc, char **argv)
{
	struct hk_stats hks = {0};
	struct pcap_sums sums = {0};
	struct daemon d;
	struct opts o;
	int r;

	parse_opts(argc, argv, &o);
	log_init("vxmirrord", o.verbose);
	/* A fixed threshold: glibc would otherwise raise it to the size of the
	 * first 256 KiB pcap buffer freed, put later ones on the heap, and a
	 * daemon that reloads for months would keep the high-water mark. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	memset(&d, 0, sizeof(d));
	d.o = &o;
	d.start_time = (double)time(NULL);
	d.cfg = load_config(o.config, NULL, 0);
	if (d.cfg == NULL)
		return 1;
	if (o.extract != NULL) {
		r = run_extract(&o, d.cfg);
		config_free(d.cfg);
		return r;
	}
	if (o.check) {
		struct config_errors errs = {0};

		if (config_check_dirs(d.cfg, &errs) > 0) {
			config_errors_print(&errs, o.config, stderr);
			config_errors_free(&errs);
			config_free(d.cfg);
			return 1;
		}
		config_print(d.cfg, stdout);
		printf("configuration OK\n");
		config_free(d.cfg);
		return 0;
	}
	r = o.read != NULL ? run_offline(&d) : run_live(&d);
	if (o.paths != NULL && write_paths(&d, o.paths) == -1)
		r = -1;
	sessions_close(d.ctx.sessions); /* every .part flushed and renamed */
	hk_stop(d.hk, 10, &hks);        /* the last files to their hooks; up to 10 s for them */
	d.hk = NULL;
	if (o.read != NULL) {
		size_t lost = 0;
		sessions_foreach(d.ctx.sessions, pcap_lost, &lost);
		if (lost > 0) {
			log_warnx("%zu session%s could not write every packet to its pcaps (see "
			          "pcap_write_errors)",
			          lost, lost == 1 ? "" : "s");
			r = -1;
		}
	}
	workers_summary(d.w, d.nw, &d.ctx, stderr);
	sessions_foreach(d.ctx.sessions, add_pcap_sums, &sums);
	fprintf(stderr,
	        "summary: pcap_files_deleted budget=%" PRIu64 " keep_files=%" PRIu64
	        " hook=%" PRIu64 " hooks_started=%" PRIu64 " hooks_failed=%" PRIu64
	        " hooks_overflow=%" PRIu64 " budget_unheld=%" PRIu64 "\n",
	        hks.deleted_budget, sums.deleted, hks.deleted_hook, hks.hooks_started,
	        hks.hooks_failed, hks.hooks_overflow, hks.budget_unheld);
	/* depends on the filesystem, on when the last scan ran and on how busy the
	 * housekeeper was: not for golden files */
	fprintf(stderr,
	        "summary: pcap_disk disk_bytes=%" PRIu64 " fs_free_bytes=%" PRIu64
	        " fs_inline=%" PRIu64 " fs_deferred=%" PRIu64 "\n",
	        hks.disk_bytes, hks.fs_free_bytes, sums.fs_inline, hks.work_done);
	fprintf(stderr, "summary: reloads=%llu reload_errors=%llu\n", (unsigned long long)d.reloads,
	        (unsigned long long)d.reload_errors);
	teardown(&d);
	return r == 0 ? 0 : 1;
}
