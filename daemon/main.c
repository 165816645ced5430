/*
 * main.c - vxmirrord: command line, signals and wiring of the pipeline.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "vxmirror/alertlog.h"
#include "vxmirror/config.h"
#include "vxmirror/log.h"
#include "vxmirror/session.h"
#include "vxmirror/source.h"
#include "vxmirror/util.h"
#include "vxmirror/worker.h"

#define DEFAULT_CONFIG "/etc/vxmirror/vxmirror.yaml"

struct opts {
	const char *config;
	const char *read;
	const char *session;
	bool check;
	int verbose;
};

struct daemon {
	struct ctx ctx;
	struct config *cfg;
	struct event_base *base;
	struct worker w;
	struct event *sigs[4];
	struct event *timer;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vxmirrord [-c FILE] [--check-config | -r CAPTURE [-s SESSION]] [-v]\n"
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
	        "  -v, --verbose         more logging (repeat for more)\n"
	        "  -V, --version         print the version and exit\n"
	        "  -h, --help            this help\n"
	        "\n"
	        "Signals: SIGTERM/SIGINT stop cleanly (pcaps closed and renamed);\n"
	        "SIGHUP/SIGUSR1 reopen the alert log (logrotate).\n");
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'n'},
	    {"read", required_argument, NULL, 'r'},   {"session", required_argument, NULL, 's'},
	    {"verbose", no_argument, NULL, 'v'},      {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "c:nr:s:vVh", longopts, NULL)) != -1) {
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
	if (o->session != NULL && o->read == NULL) {
		fprintf(stderr, "vxmirrord: -s/--session only applies to -r/--read\n");
		exit(2);
	}
}

/* load_config: load or print every error as file:line and return NULL. */
static struct config *load_config(const char *path)
{
	struct config_errors errs = {0};
	struct config *cfg;

	cfg = config_load(path, &errs);
	if (cfg == NULL)
		config_errors_print(&errs, path, stderr);
	config_errors_free(&errs);
	return cfg;
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

/* on_signal: signals arrive here through libevent, in the loop. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
		event_base_loopbreak(d->base);
		break;
	case SIGHUP:
	case SIGUSR1:
		if (alertlog_reopen(d->ctx.alerts) == 0)
			log_info("reopened alert log %s", alertlog_path(d->ctx.alerts));
		break;
	}
}

/* on_timer: once a second, flush pcaps and close files whose interval ended. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct timespec now;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_REALTIME, &now);
	sessions_flush(d->ctx.sessions);
	sessions_tick(d->ctx.sessions, &now);
	worker_tick(&d->w, &now);
}

/* setup_events: signals and the 1 s timer. */
static void setup_events(struct daemon *d)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
	struct timeval one = {1, 0};

	for (size_t i = 0; i < 4; i++) {
		d->sigs[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (d->sigs[i] == NULL || evsignal_add(d->sigs[i], NULL) == -1)
			fatalx("cannot install signal handler %d", sigs[i]);
	}
	d->timer = event_new(d->base, -1, EV_PERSIST, on_timer, d);
	if (d->timer == NULL || event_add(d->timer, &one) == -1)
		fatalx("cannot add timer");
}

/* open_outputs: sessions (pcap rings) and the alert log. */
static void open_outputs(struct daemon *d)
{
	absolutize(&d->cfg->pcap_dir);
	absolutize(&d->cfg->alert_log);
	d->ctx.cfg = d->cfg;
	d->ctx.alerts = alertlog_open(d->cfg->alert_log);
	if (d->ctx.alerts == NULL)
		fatalx("cannot open alert log %s", d->cfg->alert_log);
	d->ctx.sessions = sessions_new(d->cfg);
}

static void close_outputs(struct daemon *d)
{
	sessions_free(d->ctx.sessions);
	alertlog_close(d->ctx.alerts);
	config_free(d->cfg);
}

/* run_offline: replay a capture and print the summary. */
static int run_offline(struct daemon *d, const struct opts *o)
{
	int r;

	if (o->session != NULL && config_find_name(d->cfg, o->session) == NULL)
		fatalx("-s %s: no such session in %s", o->session, o->config);
	open_outputs(d);
	worker_init(&d->w, 0, &d->ctx, NULL);
	r = source_file_run(&d->w, o->read, o->session);
	return r;
}

/* run_live: bind, loop until SIGTERM/SIGINT. */
static int run_live(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->base = event_base_new();
	if (d->base == NULL)
		fatalx("event_base_new failed");
	open_outputs(d);
	worker_init(&d->w, 0, &d->ctx, d->base);
	if (source_udp_open(&d->w) == -1)
		fatalx("cannot listen; nothing will be received");
	setup_events(d);
	log_info("ready: %zu listener%s, %zu session%s configured, pcaps in %s, alerts to %s",
	         d->cfg->nlisten, d->cfg->nlisten == 1 ? "" : "s", d->cfg->nsessions,
	         d->cfg->nsessions == 1 ? "" : "s", d->cfg->pcap_dir, d->cfg->alert_log);
	event_base_dispatch(d->base);
	source_udp_drain(&d->w); /* what the kernel already holds is not lost */
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d;
	struct opts o;
	int r;

	parse_opts(argc, argv, &o);
	log_init("vxmirrord", o.verbose);
	memset(&d, 0, sizeof(d));
	d.cfg = load_config(o.config);
	if (d.cfg == NULL)
		return 1;
	if (o.check) {
		config_print(d.cfg, stdout);
		printf("configuration OK\n");
		config_free(d.cfg);
		return 0;
	}
	r = o.read != NULL ? run_offline(&d, &o) : run_live(&d);
	sessions_close(d.ctx.sessions); /* every .part flushed and renamed */
	workers_summary(&d.w, 1, &d.ctx, stderr);
	worker_fini(&d.w);
	if (d.w.src != NULL)
		source_udp_close(&d.w);
	close_outputs(&d);
	if (d.base != NULL) {
		for (size_t i = 0; i < 4; i++)
			if (d.sigs[i] != NULL)
				event_free(d.sigs[i]);
		if (d.timer != NULL)
			event_free(d.timer);
		event_base_free(d.base);
	}
	return r == 0 ? 0 : 1;
}
