/*
 * config.c - vxmirror's configuration keys, loaded into struct config.
 *
 * The YAML itself is yamlwalk.c's: it loads the document and walks it node
 * by node, so every problem can name its line.  Here each mapping (top
 * level, pcap, analyzer, a session, a route) has a table of keys; each key
 * has a short setter that validates its own value.  Errors are collected rather than
 * fatal, so one --check-config run shows all of them.  Defaults live in
 * config_defaults() and nowhere else.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <limits.h>
#include <string.h>
#include <pcap/pcap.h>
#include <yaml.h>

#include "vxmirror/analyzer.h"
#include "vxmirror/config.h"
#include "vxmirror/log.h"
#include "vxmirror/util.h"
#include "vxmirror/yamlwalk.h"

#define VNI_MAX     0xffffffu
#define MTU_MIN     68
#define MTU_MAX     65535
#define DAY         86400u
#define LISTEN_MAX  64
#define WORKERS_MAX 64
#define FILE_MAX    (16u << 20) /* a config file is not a data set */

/* What config.c loads into, behind the walker's ctx. */
struct cfg_ld {
	struct config *cfg;
	int offline_line;
	int delete_after_hook_line;
	int listen_line[LISTEN_MAX], geneve_line[LISTEN_MAX], http_line;
};

static struct cfg_ld *cld(const struct yw *yw)
{
	return yw->ctx;
}

/* A session while it is being loaded, with the lines for messages. */
struct sess_ld {
	struct session_conf s;
	int name_line, vni_line;
	bool name_ok, vni_ok;
};

struct route_ld {
	struct route_conf r;
	int line;   /* of the prefix */
	size_t idx; /* position in the list */
};

/* config_defaults: every default value, in one place. */
/* default_instance: the host name, as every alert's "instance". */
static char *default_instance(void)
{
	char h[256];

	if (gethostname(h, sizeof(h)) == -1 || h[0] == '\0')
		return xstrdup("unknown");
	h[sizeof(h) - 1] = '\0';
	return xstrdup(h);
}

static void config_defaults(struct config *cfg)
{
	const char *why;

	cfg->instance_name = default_instance();

	cfg->nlisten = 1;
	cfg->listen = xcalloc(1, sizeof(*cfg->listen));
	if (endpoint_parse("0.0.0.0:4789", &cfg->listen[0], &why) == -1)
		fatalx("%s: bad built-in listen address: %s", __func__, why);
	cfg->geneve_listen = NULL;
	cfg->ngeneve = 0;
	cfg->workers = 0; /* auto: one per CPU */
	cfg->rcvbuf = 32ull << 20;
	cfg->http_enabled = true;
	if (endpoint_parse("127.0.0.1:9477", &cfg->http_listen, &why) == -1)
		fatalx("%s: bad built-in http address: %s", __func__, why);
	cfg->allowed = NULL; /* allow all */
	cfg->nallowed = 0;
	cfg->pcap_dir = xstrdup("vxmirror-out/pcap");
	cfg->alert_log = xstrdup("vxmirror-out/alerts.json");
	cfg->paths_log = NULL; /* off */
	cfg->paths_interval = 5 * 60;
	cfg->pcap.rotate_size = 100ull << 20;
	cfg->pcap.rotate_interval = 5 * 60;
	cfg->pcap.keep_files = 48;
	cfg->pcap.snaplen = 262144;
	cfg->pcap.max_disk = 0; /* no cap */
	cfg->pcap.min_free = 0;
	cfg->pcap.min_free_pct = 5; /* keep 5% of pcap_dir's filesystem free */
	cfg->pcap.on_complete = NULL;
	cfg->pcap.on_complete_jobs = 2;
	cfg->pcap.delete_after_hook = false;
	cfg->unknown_vni = UNKNOWN_VNI_AUTO;
	cfg->sessions = NULL;
	cfg->nsessions = 0;
	cfg->offline_session = NULL;
	config_analyzer_defaults(&cfg->analyzer);
}

void config_analyzer_defaults(struct analyzer_conf *a)
{
	a->retransmit_threshold = 3;
	a->max_flows = 100000;
	a->max_paths = 10000;
	a->flow_timeout = 5 * 60;
	a->closed_timeout = 30;
	a->fragment_alert_interval = 60;
}

/* --- top level --------------------------------------------------------- */

static bool listen_add(struct yw *ld, struct val *iv, struct endpoint *eps, size_t n)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	const char *s = yw_text(ld, iv, "addr:port"), *why;

	if (s == NULL)
		return false;
	if (endpoint_parse(s, &eps[n], &why) == -1) {
		yw_err(ld, iv, "'%.60s': %s", s, why);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(endpoint_fmt(&eps[i], a, sizeof(a)),
		           endpoint_fmt(&eps[n], b, sizeof(b))) == 0) {
			yw_err(ld, iv, "%s is listed twice", b);
			return false;
		}
	}
	return true;
}

/* set_listen: a list of endpoints; `listen` needs one, `geneve_listen` may be empty. */
static void set_listen(struct yw *ld, const struct key *k, struct val *v)
{
	yaml_node_item_t one, *ids = NULL;
	size_t n = yw_list(ld, v, &one, &ids), ok = 0;
	bool geneve = strcmp(k->name, "geneve_listen") == 0;
	struct endpoint *eps, **dst;
	size_t *ndst;
	char path[YW_PATH_MAX];
	struct val iv;

	dst = geneve ? &cld(ld)->cfg->geneve_listen : &cld(ld)->cfg->listen;
	ndst = geneve ? &cld(ld)->cfg->ngeneve : &cld(ld)->cfg->nlisten;
	if ((n == 0 && !geneve) || n > LISTEN_MAX) {
		if (v->n->type != YAML_MAPPING_NODE)
			yw_err(ld, v, "needs %d..%d addr:port endpoints (e.g. %s)", geneve ? 0 : 1,
			       LISTEN_MAX, geneve ? "0.0.0.0:6081" : "0.0.0.0:4789");
		return;
	}
	eps = xcalloc(n, sizeof(*eps));
	for (size_t i = 0; i < n; i++) {
		yw_item(ld, v, ids[i], i, &iv, path, sizeof(path));
		if (v->n->type == YAML_SCALAR_NODE)
			iv = *v;
		if (listen_add(ld, &iv, eps, ok)) {
			(geneve ? cld(ld)->geneve_line : cld(ld)->listen_line)[ok] = iv.line;
			ok++;
		}
	}
	free(*dst);
	*dst = eps;
	*ndst = ok;
}

/* set_workers: "auto" or 1..WORKERS_MAX. */
static void set_workers(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s = yw_text(ld, v, "auto or a number of threads");
	uint64_t x;

	if (s == NULL)
		return;
	if (strcmp(s, "auto") == 0) {
		cld(ld)->cfg->workers = 0;
		return;
	}
	if (yw_number(ld, k, v, yw_parse_uint, yw_fmt_plain, "auto or a number of threads", &x))
		cld(ld)->cfg->workers = (uint32_t)x;
}

/* set_http_listen: an endpoint, or off. */
static void set_http_listen(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s = yw_text(ld, v, "addr:port or off"), *why;
	bool off;

	(void)k;
	if (s == NULL)
		return;
	if (yw_parse_bool(s, &off) == 0 && !off) {
		cld(ld)->cfg->http_enabled = false;
		return;
	}
	if (endpoint_parse(s, &cld(ld)->cfg->http_listen, &why) == -1) {
		yw_err(ld, v, "'%.60s': %s", s, why);
		return;
	}
	cld(ld)->http_line = v->line;
	cld(ld)->cfg->http_enabled = true;
}

static const struct key http_keys[] = {
    {"listen", set_http_listen, 0, 0, 0, 0, NULL},
};

static void set_http(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s;
	bool on;

	(void)k;
	/* "http: off" means what it says: the same as {listen: off} */
	if (v->n->type == YAML_SCALAR_NODE && !yw_is_null(v->n)) {
		if ((s = yw_text(ld, v, "a mapping or off")) == NULL)
			return;
		if (yw_parse_bool(s, &on) == 0 && !on) {
			cld(ld)->cfg->http_enabled = false;
			return;
		}
		yw_err(ld, v, "'%.60s': expected {listen: \"ADDR:PORT\"} or off", s);
		return;
	}
	v->obj = cld(ld)->cfg;
	yw_walk_map(ld, v, http_keys, nitems(http_keys));
}

static void set_allowed(struct yw *ld, const struct key *k, struct val *v)
{
	yaml_node_item_t one, *ids = NULL;
	size_t n = yw_list(ld, v, &one, &ids);
	struct config *cfg = cld(ld)->cfg;
	char path[YW_PATH_MAX];
	const char *s, *why;
	struct val iv;

	(void)k;
	cfg->allowed = xcalloc(n, sizeof(*cfg->allowed));
	for (size_t i = 0; i < n; i++) {
		yw_item(ld, v, ids[i], i, &iv, path, sizeof(path));
		if (v->n->type == YAML_SCALAR_NODE)
			iv = *v;
		if ((s = yw_text(ld, &iv, "a CIDR prefix")) == NULL)
			continue;
		if (cidr_parse(s, &cfg->allowed[cfg->nallowed], &why) == -1)
			yw_err(ld, &iv, "'%.60s': %s", s, why);
		else
			cfg->nallowed++;
	}
}

/* set_file_path: pcap_dir or alert_log, and the line for config_check_dirs(). */
static void set_file_path(struct yw *ld, const struct key *k, struct val *v)
{
	struct config *cfg = cld(ld)->cfg;

	yw_set_path(ld, k, v);
	if (strcmp(k->name, "pcap_dir") == 0)
		cfg->pcap_dir_line = v->line;
	else
		cfg->alert_log_line = v->line;
}

/* set_paths_log: a path, or off. */
static void set_paths_log(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s = yw_text(ld, v, "a path or off");
	struct config *cfg = cld(ld)->cfg;

	(void)k;
	if (s == NULL)
		return;
	cfg->paths_log_line = v->line;
	free(cfg->paths_log);
	cfg->paths_log = strcmp(s, "off") == 0 ? NULL : xstrdup(s);
}

static void set_unknown_vni(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s = yw_text(ld, v, "drop or auto");

	(void)k;
	if (s == NULL)
		return;
	if (strcmp(s, "drop") == 0)
		cld(ld)->cfg->unknown_vni = UNKNOWN_VNI_DROP;
	else if (strcmp(s, "auto") == 0)
		cld(ld)->cfg->unknown_vni = UNKNOWN_VNI_AUTO;
	else
		yw_err(ld, v, "'%.40s' is not drop or auto", s);
}

/* set_offline: a session name, checked against the sessions at the end. */
static void set_offline(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s;

	(void)k;
	if (yw_is_null(v->n))
		return;
	if ((s = yw_text(ld, v, "a session name")) == NULL)
		return;
	free(cld(ld)->cfg->offline_session);
	cld(ld)->cfg->offline_session = xstrdup(s);
	cld(ld)->offline_line = v->line;
}

/* set_instance: instance_name, printable and short: it goes into every alert. */
static void set_instance(struct yw *ld, const struct key *k, struct val *v)
{
	const char *s = yw_text(ld, v, "a name");
	size_t n;

	(void)k;
	if (s == NULL)
		return;
	n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i])) {
			yw_err(ld, v, "'%.60s': only printable characters, no spaces", s);
			return;
		}
	if (n == 0 || n > 253) {
		yw_err(ld, v, "expected 1 to 253 characters, got %zu", n);
		return;
	}
	free(cld(ld)->cfg->instance_name);
	cld(ld)->cfg->instance_name = xstrdup(s);
}

/* set_min_free: a size, or a percentage of the filesystem ("5%"). */
static void set_min_free(struct yw *ld, const struct key *k, struct val *v)
{
	struct pcap_conf *pc = v->obj;
	const char *s = yw_text(ld, v, "a size or a percentage (e.g. 10GiB, 5%)");
	uint64_t x;
	size_t n;

	(void)k;
	if (s == NULL)
		return;
	n = strlen(s);
	if (n > 1 && s[n - 1] == '%') {
		char num[24];
		if (n - 1 >= sizeof(num)) {
			yw_err(ld, v, "'%.40s' is not a percentage", s);
			return;
		}
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if (yw_parse_uint(num, &x) == -1 || x > 99) {
			yw_err(ld, v, "'%.40s' is not a percentage from 0%% to 99%%", s);
			return;
		}
		pc->min_free = 0;
		pc->min_free_pct = (uint32_t)x;
		return;
	}
	if (parse_size(s, &x) == -1) {
		yw_err(ld, v, "'%.40s' is not a size or a percentage (e.g. 10GiB, 5%%)", s);
		return;
	}
	pc->min_free = x;
	pc->min_free_pct = 0;
}

/* set_delete_after_hook: a boolean; its line for cross_check(). */
static void set_delete_after_hook(struct yw *ld, const struct key *k, struct val *v)
{
	yw_set_bool(ld, k, v);
	cld(ld)->delete_after_hook_line = v->line;
}

/* argv_free: a NULL-terminated list of strings. */
static void argv_free(char **argv)
{
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* set_on_complete: the hook, a list of strings (argv; no shell). */
static void set_on_complete(struct yw *ld, const struct key *k, struct val *v)
{
	struct pcap_conf *pc = v->obj;
	yaml_node_item_t one, *ids = NULL;
	size_t n = yw_list(ld, v, &one, &ids), ok = 0;
	char path[YW_PATH_MAX], **argv;
	const char *s;
	struct val iv;

	(void)k;
	argv_free(pc->on_complete);
	pc->on_complete = NULL;
	if (n == 0)
		return; /* [] or null: no hook */
	argv = xcalloc(n + 1, sizeof(*argv));
	for (size_t i = 0; i < n; i++) {
		yw_item(ld, v, ids[i], i, &iv, path, sizeof(path));
		if (v->n->type == YAML_SCALAR_NODE)
			iv = *v;
		if ((s = yw_text(ld, &iv, "a program argument")) != NULL)
			argv[ok++] = xstrdup(s);
	}
	if (ok == n && argv[0][0] != '/')
		yw_err(ld, v,
		       "the program must be an absolute path (it is run without a shell "
		       "or PATH), got '%.60s'",
		       argv[0]);
	pc->on_complete = argv;
}

/* filter_compile: a libpcap filter expression for the decapsulated
 * (DLT_EN10MB) frames; NULL after reporting libpcap's message. */
static struct bpf_program *filter_compile(struct yw *ld, const struct val *v, const char *expr)
{
	struct bpf_program *bp = xcalloc(1, sizeof(*bp));
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 262144);

	if (pd == NULL) {
		yw_err(ld, v, "cannot compile a filter: pcap_open_dead failed");
		free(bp);
		return NULL;
	}
	if (pcap_compile(pd, bp, expr, 1, PCAP_NETMASK_UNKNOWN) == -1) {
		yw_err(ld, v, "libpcap: %s (see pcap-filter(7))", pcap_geterr(pd));
		free(bp);
		bp = NULL;
	}
	pcap_close(pd);
	return bp;
}

static void filter_free(struct bpf_program *bp)
{
	if (bp == NULL)
		return;
	pcap_freecode(bp);
	free(bp);
}

/* set_filter: pcap.filter, the default of sessions[].pcap_filter. */
static void set_filter(struct yw *ld, const struct key *k, struct val *v)
{
	struct pcap_conf *pc = v->obj;
	const char *s;

	(void)k;
	free(pc->filter);
	filter_free(pc->filter_prog);
	pc->filter = NULL;
	pc->filter_prog = NULL;
	if (yw_is_null(v->n) || (s = yw_text(ld, v, "a libpcap filter expression")) == NULL)
		return;
	pc->filter = xstrdup(s);
	pc->filter_prog = filter_compile(ld, v, s);
}

static const struct key pcap_keys[] = {
    {"rotate_size", yw_set_size, offsetof(struct pcap_conf, rotate_size), 8, 64 << 10, UINT64_MAX,
     "off"},
    {"rotate_interval", yw_set_duration, offsetof(struct pcap_conf, rotate_interval), 8, 1, 7 * DAY,
     "off"},
    {"keep_files", yw_set_uint, offsetof(struct pcap_conf, keep_files), 4, 1, 1000000, "unlimited"},
    {"snaplen", yw_set_size, offsetof(struct pcap_conf, snaplen), 4, 64, 262144, NULL},
    {"max_disk", yw_set_size, offsetof(struct pcap_conf, max_disk), 8, 64 << 10, UINT64_MAX,
     "no cap"},
    {"min_free", set_min_free, 0, 0, 0, 0, NULL},
    {"on_complete", set_on_complete, 0, 0, 0, 0, NULL},
    {"on_complete_jobs", yw_set_uint, offsetof(struct pcap_conf, on_complete_jobs), 4, 1, 64, NULL},
    {"delete_after_hook", set_delete_after_hook, offsetof(struct pcap_conf, delete_after_hook), 1,
     0, 0, NULL},
    {"filter", set_filter, 0, 0, 0, 0, NULL},
};

static void set_pcap(struct yw *ld, const struct key *k, struct val *v)
{
	(void)k;
	v->obj = &cld(ld)->cfg->pcap;
	yw_walk_map(ld, v, pcap_keys, nitems(pcap_keys));
}

/* --- analyzer.suppress ------------------------------------------------- */

static void set_sup_type(struct yw *ld, const struct key *k, struct val *v)
{
	struct suppress_rule *r = v->obj;
	const char *s = yw_text(ld, v, "an alert type");

	(void)k;
	if (s == NULL)
		return;
	for (int t = 0; t < ALERT__MAX; t++)
		if (strcmp(s, alert_type_name((enum alert_type)t)) == 0) {
			r->type = t;
			return;
		}
	yw_err(ld, v,
	       "'%.60s': not an alert type (oversize_df, mss_exceeds_path_mtu, "
	       "mss_clamp_asymmetry, pmtud_blackhole, icmp_ptb, ptb_ignored, fragmented, "
	       "path_mtu_mismatch)",
	       s);
}

static void set_sup_cidr(struct yw *ld, const struct key *k, struct val *v)
{
	struct suppress_rule *r = v->obj;
	bool src = strcmp(k->name, "src") == 0;
	const char *s = yw_text(ld, v, "a CIDR prefix or an address"), *why;

	if (s == NULL)
		return;
	if (cidr_parse(s, src ? &r->src : &r->dst, &why) == -1) {
		yw_err(ld, v, "'%.60s': %s", s, why);
		return;
	}
	*(src ? &r->has_src : &r->has_dst) = true;
}

static const struct key suppress_keys[] = {
    {"type", set_sup_type, 0, 0, 0, 0, NULL},
    {"src", set_sup_cidr, 0, 0, 0, 0, NULL},
    {"dst", set_sup_cidr, 0, 0, 0, 0, NULL},
};

/* suppress_load: one {type, src, dst}; true when it is valid and not empty. */
static bool suppress_load(struct yw *ld, struct val *rv, struct suppress_rule *r)
{
	size_t nerr = ld->errs->n;

	r->type = -1;
	r->line = rv->line;
	if (rv->n->type != YAML_MAPPING_NODE) {
		yw_err(ld, rv, "expected a mapping {type, src, dst}, got %s", yw_kind(rv->n));
		return false;
	}
	if (yw_walk_map(ld, rv, suppress_keys, nitems(suppress_keys)) == 0) {
		yw_err(ld, rv, "an empty rule would silence every alert: give type, src or dst");
		return false;
	}
	return ld->errs->n == nerr;
}

static void set_suppress(struct yw *ld, const struct key *k, struct val *v)
{
	struct config *cfg = cld(ld)->cfg;
	char path[YW_PATH_MAX];
	struct val rv;
	size_t n;

	(void)k;
	if (yw_is_null(v->n))
		return;
	if (v->n->type != YAML_SEQUENCE_NODE) {
		yw_err(ld, v, "expected a list of {type, src, dst}, got %s", yw_kind(v->n));
		return;
	}
	if (!yw_spend(ld, v, n = yw_seq_len(v->n)))
		return;
	free(cfg->suppress);
	cfg->suppress = xcalloc(n, sizeof(*cfg->suppress));
	cfg->nsuppress = 0;
	for (size_t i = 0; i < n; i++) {
		yw_item(ld, v, v->n->data.sequence.items.start[i], i, &rv, path, sizeof(path));
		rv.obj = &cfg->suppress[cfg->nsuppress];
		if (suppress_load(ld, &rv, &cfg->suppress[cfg->nsuppress]))
			cfg->nsuppress++;
	}
}

static const struct key analyzer_keys[] = {
    {"retransmit_threshold", yw_set_uint, offsetof(struct analyzer_conf, retransmit_threshold), 4,
     1, 1000, NULL},
    {"max_flows", yw_set_uint, offsetof(struct analyzer_conf, max_flows), 4, 1, 100000000, NULL},
    {"max_paths", yw_set_uint, offsetof(struct analyzer_conf, max_paths), 4, 1, 10000000, NULL},
    {"flow_timeout", yw_set_duration, offsetof(struct analyzer_conf, flow_timeout), 8, 1, 7 * DAY,
     NULL},
    {"closed_timeout", yw_set_duration, offsetof(struct analyzer_conf, closed_timeout), 8, 1,
     7 * DAY, NULL},
    {"fragment_alert_interval", yw_set_duration,
     offsetof(struct analyzer_conf, fragment_alert_interval), 4, 1, DAY, NULL},
    {"suppress", set_suppress, 0, 0, 0, 0, NULL},
};

static void set_analyzer(struct yw *ld, const struct key *k, struct val *v)
{
	(void)k;
	v->obj = &cld(ld)->cfg->analyzer;
	yw_walk_map(ld, v, analyzer_keys, nitems(analyzer_keys));
}

/* --- sessions ---------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_MAX || s[0] == '.')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return false;
	return true;
}

static void set_name(struct yw *ld, const struct key *k, struct val *v)
{
	struct sess_ld *sl = v->obj;
	const char *s = yw_text(ld, v, "a session name");

	(void)k;
	if (s == NULL)
		return;
	if (!name_ok(s)) {
		yw_err(ld, v,
		       "'%.63s' is not a valid name (1..63 of A-Z a-z 0-9 . _ -, "
		       "not starting with '.')",
		       s);
		return;
	}
	vx_strlcpy(sl->s.name, s, sizeof(sl->s.name));
	sl->name_ok = true;
	sl->name_line = v->line;
}

static void set_vni(struct yw *ld, const struct key *k, struct val *v)
{
	struct sess_ld *sl = v->obj;
	uint64_t x;

	if (!yw_number(ld, k, v, yw_parse_uint, yw_fmt_plain, WANT_UINT, &x))
		return;
	sl->s.vni = (uint32_t)x;
	sl->vni_ok = true;
	sl->vni_line = v->line;
}

static void set_prefix(struct yw *ld, const struct key *k, struct val *v)
{
	struct route_ld *rl = v->obj;
	const char *s = yw_text(ld, v, "a CIDR prefix"), *why;

	(void)k;
	if (s == NULL)
		return;
	if (cidr_parse(s, &rl->r.prefix, &why) == -1) {
		yw_err(ld, v, "'%.60s': %s", s, why);
		return;
	}
	rl->line = v->line;
}

static const struct key route_keys[] = {
    {"prefix", set_prefix, 0, 0, 0, 0, NULL},
    {"mtu", yw_set_uint, offsetof(struct route_ld, r.mtu), 4, MTU_MIN, MTU_MAX, NULL},
};

static bool cidr_same(const struct cidr *a, const struct cidr *b)
{
	return a->plen == b->plen && addr_eq(&a->addr, &b->addr);
}

/* route_cmp: by prefix, then by position, so a duplicate follows its first. */
static int route_cmp(const void *a, const void *b)
{
	const struct route_ld *x = *(const struct route_ld *const *)a;
	const struct route_ld *y = *(const struct route_ld *const *)b;
	int c = addr_cmp(&x->r.prefix.addr, &y->r.prefix.addr);

	if (c == 0)
		c = (int)x->r.prefix.plen - (int)y->r.prefix.plen;
	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* route_dups: report repeated prefixes; sorting keeps a long list O(n log n). */
static void route_dups(struct yw *ld, const struct val *v, struct route_ld *rls, size_t n)
{
	struct route_ld **p = xcalloc(n, sizeof(*p));
	char path[YW_PATH_MAX], buf[ADDR_STRLEN + 4];
	struct val e = *v;
	size_t first = 0;

	for (size_t i = 0; i < n; i++)
		p[i] = &rls[i];
	qsort(p, n, sizeof(*p), route_cmp);
	e.path = path;
	for (size_t i = 1; i < n; i++) {
		if (!cidr_same(&p[i]->r.prefix, &p[first]->r.prefix)) {
			first = i;
			continue;
		}
		snprintf(path, sizeof(path), "%s[%zu]", v->path, p[i]->idx);
		e.line = p[i]->line;
		yw_err(ld, &e, "duplicate prefix %s (also at line %d)",
		       cidr_fmt(&p[i]->r.prefix, buf, sizeof(buf)), p[first]->line);
	}
	free(p);
}

/* route_load: one {prefix, mtu}; true when it is complete and valid. */
static bool route_load(struct yw *ld, struct val *rv)
{
	uint32_t seen;
	size_t nerr = ld->errs->n;

	if (rv->n->type != YAML_MAPPING_NODE) {
		yw_err(ld, rv, "expected a mapping {prefix, mtu}, got %s", yw_kind(rv->n));
		return false;
	}
	seen = yw_walk_map(ld, rv, route_keys, nitems(route_keys));
	yw_missing(ld, rv, route_keys, 0x3, seen);
	return ld->errs->n == nerr;
}

static void set_routes(struct yw *ld, const struct key *k, struct val *v)
{
	struct session_conf *s = &((struct sess_ld *)v->obj)->s;
	struct route_ld *rls;
	char path[YW_PATH_MAX];
	struct val rv;
	size_t n, ok = 0;

	(void)k;
	if (yw_is_null(v->n))
		return;
	if (v->n->type != YAML_SEQUENCE_NODE) {
		yw_err(ld, v, "expected a list of {prefix, mtu}, got %s", yw_kind(v->n));
		return;
	}
	if (!yw_spend(ld, v, n = yw_seq_len(v->n)))
		return;
	rls = xcalloc(n, sizeof(*rls));
	for (size_t i = 0; i < n; i++) {
		yw_item(ld, v, v->n->data.sequence.items.start[i], i, &rv, path, sizeof(path));
		memset(&rls[ok], 0, sizeof(rls[ok]));
		rls[ok].idx = i;
		rv.obj = &rls[ok];
		if (route_load(ld, &rv))
			ok++;
	}
	route_dups(ld, v, rls, ok);
	s->routes = xcalloc(ok, sizeof(*s->routes));
	for (size_t i = 0; i < ok; i++)
		s->routes[i] = rls[i].r;
	s->nroutes = ok;
	free(rls);
}

/* set_sess_filter: sessions[].pcap_filter, compiled now (errors at its line). */
static void set_sess_filter(struct yw *ld, const struct key *k, struct val *v)
{
	struct session_conf *s = &((struct sess_ld *)v->obj)->s;
	const char *t;

	(void)k;
	if (yw_is_null(v->n) || (t = yw_text(ld, v, "a libpcap filter expression")) == NULL)
		return;
	if (s->pcap_filter != NULL)
		filter_free((struct bpf_program *)s->filter);
	free(s->pcap_filter);
	s->pcap_filter = xstrdup(t);
	s->filter = filter_compile(ld, v, t);
}

static const struct key session_keys[] = {
    {"name", set_name, 0, 0, 0, 0, NULL},
    {"vni", set_vni, 0, 0, 0, VNI_MAX, NULL},
    {"path_mtu", yw_set_uint, offsetof(struct sess_ld, s.path_mtu), 4, MTU_MIN, MTU_MAX, "unknown"},
    {"routes", set_routes, 0, 0, 0, 0, NULL},
    {"pcap", yw_set_bool, offsetof(struct sess_ld, s.pcap), 1, 0, 0, NULL},
    {"pcap_filter", set_sess_filter, 0, 0, 0, 0, NULL},
    {"expect_traffic", yw_set_duration, offsetof(struct sess_ld, s.expect_traffic), 8, 1, 7 * DAY,
     "off"},
};

/* by_pos: ties keep file order, so the first of a kind sorts first. */
static int by_pos(const struct sess_ld *x, const struct sess_ld *y)
{
	return (x > y) - (x < y);
}

static int sess_vni_cmp(const void *a, const void *b)
{
	const struct sess_ld *x = *(const struct sess_ld *const *)a;
	const struct sess_ld *y = *(const struct sess_ld *const *)b;

	if (x->s.vni != y->s.vni)
		return x->s.vni < y->s.vni ? -1 : 1;
	return by_pos(x, y);
}

static int sess_name_cmp(const void *a, const void *b)
{
	const struct sess_ld *x = *(const struct sess_ld *const *)a;
	const struct sess_ld *y = *(const struct sess_ld *const *)b;
	int c = strcmp(x->s.name, y->s.name);

	return c != 0 ? c : by_pos(x, y);
}

/* session_dup: report session d, which repeats the name or VNI of f. */
static void session_dup(struct yw *ld, const struct val *v, const struct sess_ld *sls,
                        const struct sess_ld *d, const struct sess_ld *f, bool by_vni)
{
	char path[YW_PATH_MAX];
	struct val e = *v;

	e.path = path;
	snprintf(path, sizeof(path), "%s[%td].%s", v->path, d - sls, by_vni ? "vni" : "name");
	e.line = by_vni ? d->vni_line : d->name_line;
	if (by_vni)
		yw_err(ld, &e, "duplicate VNI %" PRIu32 " (also session \"%s\" at line %d)",
		       d->s.vni, f->s.name, f->s.line);
	else
		yw_err(ld, &e, "duplicate name \"%s\" (also at line %d)", d->s.name, f->name_line);
}

/* session_dups: names or VNIs used twice; sorted, so O(n log n). */
static void session_dups(struct yw *ld, const struct val *v, struct sess_ld *sls, size_t n,
                         bool by_vni)
{
	struct sess_ld **p = xcalloc(n, sizeof(*p));
	size_t m = 0, first = 0;

	for (size_t i = 0; i < n; i++)
		if (by_vni ? sls[i].vni_ok : sls[i].name_ok)
			p[m++] = &sls[i];
	qsort(p, m, sizeof(*p), by_vni ? sess_vni_cmp : sess_name_cmp);
	for (size_t i = 1; i < m; i++) {
		bool same = by_vni ? p[i]->s.vni == p[first]->s.vni
		                   : strcmp(p[i]->s.name, p[first]->s.name) == 0;
		if (same)
			session_dup(ld, v, sls, p[i], p[first], by_vni);
		else
			first = i;
	}
	free(p);
}

static void session_load(struct yw *ld, struct val *sv, struct sess_ld *sl)
{
	uint32_t seen;

	sl->s.pcap = true;
	sl->s.line = sv->line;
	sv->obj = sl;
	if (sv->n->type != YAML_MAPPING_NODE) {
		yw_err(ld, sv, "expected a mapping (name:, vni:, ...), got %s", yw_kind(sv->n));
		return;
	}
	seen = yw_walk_map(ld, sv, session_keys, nitems(session_keys));
	yw_missing(ld, sv, session_keys, 0x3, seen);
}

static void set_sessions(struct yw *ld, const struct key *k, struct val *v)
{
	struct config *cfg = cld(ld)->cfg;
	struct sess_ld *sls;
	char path[YW_PATH_MAX];
	struct val sv;
	size_t n;

	(void)k;
	if (yw_is_null(v->n))
		return;
	if (v->n->type != YAML_SEQUENCE_NODE) {
		yw_err(ld, v, "expected a list of sessions (- name: ...), got %s", yw_kind(v->n));
		return;
	}
	if (!yw_spend(ld, v, n = yw_seq_len(v->n)))
		return;
	sls = xcalloc(n, sizeof(*sls));
	for (size_t i = 0; i < n; i++) {
		yw_item(ld, v, v->n->data.sequence.items.start[i], i, &sv, path, sizeof(path));
		session_load(ld, &sv, &sls[i]);
	}
	session_dups(ld, v, sls, n, false);
	session_dups(ld, v, sls, n, true);
	cfg->sessions = xcalloc(n, sizeof(*cfg->sessions));
	for (size_t i = 0; i < n; i++)
		cfg->sessions[i] = sls[i].s;
	cfg->nsessions = n;
	free(sls);
}

static const struct key top_keys[] = {
    {"instance_name", set_instance, 0, 0, 0, 0, NULL},
    {"listen", set_listen, 0, 0, 0, 0, NULL},
    {"geneve_listen", set_listen, 0, 0, 0, 0, NULL},
    {"workers", set_workers, 0, 0, 1, WORKERS_MAX, NULL},
    {"rcvbuf", yw_set_size, offsetof(struct config, rcvbuf), 8, 64 << 10, 1ull << 30, NULL},
    {"http", set_http, 0, 0, 0, 0, NULL},
    {"allowed_sources", set_allowed, 0, 0, 0, 0, NULL},
    {"pcap_dir", set_file_path, offsetof(struct config, pcap_dir), 0, 0, 0, NULL},
    {"alert_log", set_file_path, offsetof(struct config, alert_log), 0, 0, 0, NULL},
    {"paths_log", set_paths_log, 0, 0, 0, 0, NULL},
    {"paths_interval", yw_set_duration, offsetof(struct config, paths_interval), 8, 1, DAY, NULL},
    {"pcap", set_pcap, 0, 0, 0, 0, NULL},
    {"unknown_vni", set_unknown_vni, 0, 0, 0, 0, NULL},
    {"offline_session", set_offline, 0, 0, 0, 0, NULL},
    {"sessions", set_sessions, 0, 0, 0, 0, NULL},
    {"analyzer", set_analyzer, 0, 0, 0, 0, NULL},
};

/* ep_wild: the unspecified address (0.0.0.0 or ::). */
static bool ep_wild(const struct endpoint *e)
{
	static const uint8_t zero[16];

	if (e->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&e->ss)->sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)&e->ss)->sin6_addr, zero, 16) == 0;
}

static uint16_t ep_port(const struct endpoint *e)
{
	return e->ss.ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)&e->ss)->sin_port)
	                                  : ntohs(((const struct sockaddr_in6 *)&e->ss)->sin6_port);
}

/* ep_clash: two sockets on these could not both be bound (a wildcard
 * covers every address of its family; [::] covers IPv4 too). */
static bool ep_clash(const struct endpoint *a, const struct endpoint *b)
{
	char x[ADDR_STRLEN + 8], y[ADDR_STRLEN + 8];

	if (ep_port(a) != ep_port(b))
		return false;
	if (a->ss.ss_family != b->ss.ss_family)
		return (a->ss.ss_family == AF_INET6 && ep_wild(a)) ||
		       (b->ss.ss_family == AF_INET6 && ep_wild(b));
	return ep_wild(a) || ep_wild(b) ||
	       strcmp(endpoint_fmt(a, x, sizeof(x)), endpoint_fmt(b, y, sizeof(y))) == 0;
}

/* where: "line N", or "the default" for a value not in the file. */
static const char *where(int line, char *buf, size_t len)
{
	if (line > 0)
		snprintf(buf, len, "line %d", line);
	else
		snprintf(buf, len, "the default");
	return buf;
}

/* listen_clashes: the same port twice across listen, geneve_listen and http
 * would fail at bind (or, with SO_REUSEPORT, split one stream in two). */
static void listen_clashes(struct yw *ld)
{
	const struct config *cfg = cld(ld)->cfg;
	char a[ADDR_STRLEN + 8], b[ADDR_STRLEN + 8], w[32];
	struct val v = {NULL, 0, "geneve_listen", NULL};

	for (size_t g = 0; g < cfg->ngeneve; g++) {
		for (size_t l = 0; l < cfg->nlisten; l++) {
			if (!ep_clash(&cfg->geneve_listen[g], &cfg->listen[l]))
				continue;
			v.line = cld(ld)->geneve_line[g];
			yw_err(ld, &v, "%s clashes with listen %s (%s): one port, two sockets",
			       endpoint_fmt(&cfg->geneve_listen[g], a, sizeof(a)),
			       endpoint_fmt(&cfg->listen[l], b, sizeof(b)),
			       where(cld(ld)->listen_line[l], w, sizeof(w)));
		}
	}
	if (!cfg->http_enabled || cld(ld)->http_line == 0)
		return;
	v.path = "http.listen";
	v.line = cld(ld)->http_line;
	for (size_t i = 0; i < cfg->nlisten + cfg->ngeneve; i++) {
		bool gen = i >= cfg->nlisten;
		const struct endpoint *e =
		    gen ? &cfg->geneve_listen[i - cfg->nlisten] : &cfg->listen[i];
		if (ep_clash(&cfg->http_listen, e))
			yw_err(ld, &v,
			       "%s uses the port of %s %s (%s): give the HTTP endpoint a port of "
			       "its own",
			       endpoint_fmt(&cfg->http_listen, a, sizeof(a)),
			       gen ? "geneve_listen" : "listen", endpoint_fmt(e, b, sizeof(b)),
			       where(gen ? cld(ld)->geneve_line[i - cfg->nlisten]
			                 : cld(ld)->listen_line[i],
			             w, sizeof(w)));
	}
}

/* cross_check: rules that span sections, once every section is loaded. */
static void cross_check(struct yw *ld)
{
	struct config *cfg = cld(ld)->cfg;
	struct val v = {NULL, cld(ld)->offline_line, "offline_session", NULL};

	if (cfg->offline_session != NULL && config_find_name(cfg, cfg->offline_session) == NULL)
		yw_err(ld, &v, "no session is named \"%.63s\"", cfg->offline_session);
	if (cfg->pcap.delete_after_hook && cfg->pcap.on_complete == NULL) {
		v.line = cld(ld)->delete_after_hook_line;
		v.path = "pcap.delete_after_hook";
		yw_err(ld, &v, "needs pcap.on_complete: with no hook, every file would be deleted");
	}
	listen_clashes(ld);
	/* pcap.filter is every session's default, wherever it is in the file */
	for (size_t i = 0; i < cfg->nsessions; i++)
		if (cfg->sessions[i].pcap_filter == NULL)
			cfg->sessions[i].filter = cfg->pcap.filter_prog;
}

static void walk(struct yw *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	struct val v = {root, 0, "", cld(ld)->cfg};

	if (root == NULL || yw_is_null(root))
		return; /* empty or comments only: all defaults */
	v.line = yw_line(root);
	if (root->type != YAML_MAPPING_NODE) {
		yw_err(ld, &v, "the top level must be a mapping (listen:, sessions:, ...), not %s",
		       yw_kind(root));
		return;
	}
	yw_walk_map(ld, &v, top_keys, nitems(top_keys));
	cross_check(ld);
}

struct config *config_load_string(const char *name, const char *yaml, size_t len,
                                  struct config_errors *errs)
{
	struct cfg_ld cl = {0};
	struct yw ld = {.errs = errs, .ctx = &cl};
	size_t nerr = errs->n;

	cl.cfg = xcalloc(1, sizeof(*cl.cfg));
	config_defaults(cl.cfg);
	cl.cfg->path = xstrdup(name);
	cl.cfg->path_abs = realpath(name, NULL); /* NULL: use path */
	if (yw_load(&ld, yaml, len) == 0) {
		walk(&ld);
		yaml_document_delete(&ld.doc);
	}
	if (errs->n == nerr)
		return cl.cfg;
	config_free(cl.cfg);
	return NULL;
}

/* read_file: the whole file into memory; NULL after an error. */
static char *read_file(const char *path, size_t *len, struct config_errors *errs)
{
	FILE *fp = fopen(path, "r");
	char *buf;

	if (fp == NULL) {
		yw_errorf(errs, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	buf = xmalloc(FILE_MAX + 1);
	*len = fread(buf, 1, FILE_MAX + 1, fp);
	if (ferror(fp) || *len > FILE_MAX) {
		yw_errorf(errs, 0, ferror(fp) ? "read error" : "larger than %u MiB",
		          FILE_MAX >> 20);
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

struct config *config_load(const char *path, struct config_errors *errs)
{
	struct config *cfg;
	size_t len = 0;
	char *buf = read_file(path, &len, errs);

	if (buf == NULL)
		return NULL;
	cfg = config_load_string(path, buf, len, errs);
	free(buf);
	return cfg;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nsessions; i++) {
		free(cfg->sessions[i].routes);
		if (cfg->sessions[i].pcap_filter != NULL)
			filter_free((struct bpf_program *)cfg->sessions[i].filter);
		free(cfg->sessions[i].pcap_filter);
	}
	free(cfg->sessions);
	free(cfg->pcap.filter);
	filter_free(cfg->pcap.filter_prog);
	free(cfg->path);
	free(cfg->path_abs);
	free(cfg->instance_name);
	free(cfg->suppress);
	free(cfg->listen);
	free(cfg->geneve_listen);
	free(cfg->allowed);
	free(cfg->pcap_dir);
	free(cfg->alert_log);
	argv_free(cfg->pcap.on_complete);
	free(cfg->paths_log);
	free(cfg->offline_session);
	free(cfg);
}

const struct session_conf *config_find_vni(const struct config *cfg, uint32_t vni)
{
	for (size_t i = 0; i < cfg->nsessions; i++)
		if (cfg->sessions[i].vni == vni)
			return &cfg->sessions[i];
	return NULL;
}

const struct session_conf *config_find_name(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nsessions; i++)
		if (strcmp(cfg->sessions[i].name, name) == 0)
			return &cfg->sessions[i];
	return NULL;
}

/* --- printing ---------------------------------------------------------- */

/* print_str: a double-quoted YAML string, escaped so it loads back the same. */
static void print_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void print_net(const struct config *cfg, FILE *fp)
{
	char buf[ADDR_STRLEN + 8];

	fprintf(fp, "listen:\n");
	for (size_t i = 0; i < cfg->nlisten; i++)
		fprintf(fp, "  - \"%s\"\n", endpoint_fmt(&cfg->listen[i], buf, sizeof(buf)));
	fprintf(fp, "geneve_listen:%s\n", cfg->ngeneve == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->ngeneve; i++)
		fprintf(fp, "  - \"%s\"\n", endpoint_fmt(&cfg->geneve_listen[i], buf, sizeof(buf)));
	if (cfg->workers == 0)
		fprintf(fp, "workers: auto\n");
	else
		fprintf(fp, "workers: %" PRIu32 "\n", cfg->workers);
	fprintf(fp, "rcvbuf: %s  # %" PRIu64 " bytes\n", yw_fmt_size(cfg->rcvbuf, buf, sizeof(buf)),
	        cfg->rcvbuf);
	fprintf(fp, "http:\n  listen: ");
	if (cfg->http_enabled)
		fprintf(fp, "\"%s\"\n", endpoint_fmt(&cfg->http_listen, buf, sizeof(buf)));
	else
		fprintf(fp, "off\n");
	fprintf(fp, "allowed_sources:%s\n", cfg->nallowed == 0 ? " []  # allow all" : "");
	for (size_t i = 0; i < cfg->nallowed; i++)
		fprintf(fp, "  - %s\n", cidr_fmt(&cfg->allowed[i], buf, sizeof(buf)));
	fprintf(fp, "pcap_dir: ");
	print_str(fp, cfg->pcap_dir);
	fprintf(fp, "\nalert_log: ");
	print_str(fp, cfg->alert_log);
	fprintf(fp, "\npaths_log: ");
	if (cfg->paths_log != NULL)
		print_str(fp, cfg->paths_log);
	else
		fprintf(fp, "off");
	fprintf(fp, "\npaths_interval: %s\n",
	        yw_fmt_duration(cfg->paths_interval, buf, sizeof(buf)));
}

static void print_pcap(const struct pcap_conf *p, FILE *fp)
{
	char a[32], b[32];

	fprintf(fp, "pcap:\n");
	fprintf(fp, "  rotate_size: %s  # %" PRIu64 " bytes\n", yw_fmt_size(p->rotate_size, a, 32),
	        p->rotate_size);
	fprintf(fp, "  rotate_interval: %s  # %" PRIu64 " seconds\n",
	        yw_fmt_duration(p->rotate_interval, b, 32), p->rotate_interval);
	fprintf(fp, "  keep_files: %" PRIu32 "\n", p->keep_files);
	fprintf(fp, "  snaplen: %" PRIu32 "\n", p->snaplen);
	fprintf(fp, "  max_disk: %s\n",
	        p->max_disk ? yw_fmt_size(p->max_disk, a, 32) : "0  # no cap");
	if (p->min_free_pct != 0 || p->min_free == 0)
		fprintf(fp, "  min_free: %" PRIu32 "%%\n", p->min_free_pct);
	else
		fprintf(fp, "  min_free: %s\n", yw_fmt_size(p->min_free, b, 32));
	fprintf(fp, "  on_complete:%s\n", p->on_complete ? "" : " []");
	for (size_t i = 0; p->on_complete != NULL && p->on_complete[i] != NULL; i++) {
		fprintf(fp, "    - ");
		print_str(fp, p->on_complete[i]);
		fputc('\n', fp);
	}
	fprintf(fp, "  on_complete_jobs: %" PRIu32 "\n", p->on_complete_jobs);
	fprintf(fp, "  delete_after_hook: %s\n", p->delete_after_hook ? "on" : "off");
	fprintf(fp, "  filter: ");
	if (p->filter != NULL)
		print_str(fp, p->filter);
	else
		fprintf(fp, "null  # every frame is written");
	fputc('\n', fp);
}

static void print_session(const struct session_conf *s, FILE *fp)
{
	char buf[ADDR_STRLEN + 4];

	fprintf(fp, "  - name: ");
	print_str(fp, s->name); /* quoted: a name may read as a number or null */
	fputc('\n', fp);
	fprintf(fp, "    vni: %" PRIu32 "\n", s->vni);
	fprintf(fp, "    path_mtu: %" PRIu32 "%s\n", s->path_mtu,
	        s->path_mtu == 0 ? "  # unknown" : "");
	fprintf(fp, "    pcap: %s\n", s->pcap ? "on" : "off");
	if (s->pcap_filter != NULL) {
		fprintf(fp, "    pcap_filter: ");
		print_str(fp, s->pcap_filter);
		fputc('\n', fp);
	}
	if (s->expect_traffic != 0)
		fprintf(fp, "    expect_traffic: %s\n",
		        yw_fmt_duration(s->expect_traffic, buf, sizeof(buf)));
	fprintf(fp, "    routes:%s\n", s->nroutes == 0 ? " []" : "");
	for (size_t i = 0; i < s->nroutes; i++)
		fprintf(fp, "      - {prefix: %s, mtu: %" PRIu32 "}\n",
		        cidr_fmt(&s->routes[i].prefix, buf, sizeof(buf)), s->routes[i].mtu);
}

static void print_analyzer(const struct analyzer_conf *a, FILE *fp)
{
	char buf[32];

	fprintf(fp, "analyzer:\n");
	fprintf(fp, "  retransmit_threshold: %" PRIu32 "\n", a->retransmit_threshold);
	fprintf(fp, "  max_flows: %" PRIu32 "\n", a->max_flows);
	fprintf(fp, "  max_paths: %" PRIu32 "\n", a->max_paths);
	fprintf(fp, "  flow_timeout: %s\n", yw_fmt_duration(a->flow_timeout, buf, sizeof(buf)));
	fprintf(fp, "  closed_timeout: %s\n", yw_fmt_duration(a->closed_timeout, buf, sizeof(buf)));
	fprintf(fp, "  fragment_alert_interval: %s\n",
	        yw_fmt_duration(a->fragment_alert_interval, buf, sizeof(buf)));
}

static void print_suppress(const struct config *cfg, FILE *fp)
{
	char buf[ADDR_STRLEN + 4];

	fprintf(fp, "  suppress:%s\n", cfg->nsuppress == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->nsuppress; i++) {
		const struct suppress_rule *r = &cfg->suppress[i];
		const char *sep = "";

		fprintf(fp, "    - {");
		if (r->type >= 0) {
			fprintf(fp, "type: %s", alert_type_name((enum alert_type)r->type));
			sep = ", ";
		}
		if (r->has_src) {
			fprintf(fp, "%ssrc: %s", sep, cidr_fmt(&r->src, buf, sizeof(buf)));
			sep = ", ";
		}
		if (r->has_dst)
			fprintf(fp, "%sdst: %s", sep, cidr_fmt(&r->dst, buf, sizeof(buf)));
		fprintf(fp, "}\n");
	}
}

void config_print(const struct config *cfg, FILE *fp)
{
	fprintf(fp, "# effective configuration of ");
	print_str(fp, cfg->path);
	fprintf(fp, ", with the defaults filled in\n");
	fprintf(fp, "instance_name: ");
	print_str(fp, cfg->instance_name);
	fputc('\n', fp);
	print_net(cfg, fp);
	print_pcap(&cfg->pcap, fp);
	fprintf(fp, "unknown_vni: %s\n", cfg->unknown_vni == UNKNOWN_VNI_AUTO ? "auto" : "drop");
	fprintf(fp, "offline_session: ");
	if (cfg->offline_session != NULL)
		print_str(fp, cfg->offline_session);
	else
		fprintf(fp, "~  # unset");
	fputc('\n', fp);
	fprintf(fp, "sessions:%s\n", cfg->nsessions == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->nsessions; i++)
		print_session(&cfg->sessions[i], fp);
	print_analyzer(&cfg->analyzer, fp);
	print_suppress(cfg, fp);
}

/* dir_usable: NULL when `dir` is a writable directory or can be created
 * (its nearest existing ancestor is one), else why not. */
static const char *dir_usable(const char *dir, char *why, size_t len)
{
	char p[PATH_MAX];
	struct stat st;
	char *slash;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return "the path is too long";
	for (;;) {
		if (stat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				snprintf(why, len, "%s is not a directory", p);
				return why;
			}
			if (access(p, W_OK | X_OK) != 0) {
				snprintf(why, len, "%s is not writable by this user: %s", p,
				         strerror(errno));
				return why;
			}
			return NULL;
		}
		if (errno != ENOENT) {
			snprintf(why, len, "%s: %s", p, strerror(errno));
			return why;
		}
		if ((slash = strrchr(p, '/')) == NULL) {
			vx_strlcpy(p, ".", sizeof(p)); /* a relative path: the working directory */
			continue;
		}
		if (slash == p) {
			p[1] = '\0'; /* "/" */
			continue;
		}
		*slash = '\0';
	}
}

/* parent_of: the directory part of a file path ("." for a bare name). */
static const char *parent_of(const char *file, char *buf, size_t len)
{
	const char *slash = strrchr(file, '/');

	if (slash == NULL)
		return ".";
	if (slash == file)
		return "/";
	snprintf(buf, len, "%.*s", (int)(slash - file), file);
	return buf;
}

size_t config_check_dirs(const struct config *cfg, struct config_errors *errs)
{
	char buf[PATH_MAX], why[PATH_MAX + 128];
	const char *w;
	size_t n = 0;

	if ((w = dir_usable(cfg->pcap_dir, why, sizeof(why))) != NULL) {
		yw_errorf(errs, cfg->pcap_dir_line, "pcap_dir: %s cannot be used: %s",
		          cfg->pcap_dir, w);
		n++;
	}
	if (strcmp(cfg->alert_log, "-") != 0 &&
	    (w = dir_usable(parent_of(cfg->alert_log, buf, sizeof(buf)), why, sizeof(why))) !=
	        NULL) {
		yw_errorf(errs, cfg->alert_log_line, "alert_log: %s cannot be created: %s",
		          cfg->alert_log, w);
		n++;
	}
	if (cfg->paths_log != NULL && (w = dir_usable(parent_of(cfg->paths_log, buf, sizeof(buf)),
	                                              why, sizeof(why))) != NULL) {
		yw_errorf(errs, cfg->paths_log_line, "paths_log: %s cannot be created: %s",
		          cfg->paths_log, w);
		n++;
	}
	return n;
}
