/*
 * config.c - load the YAML configuration into struct config (libyaml).
 *
 * The file is loaded as one libyaml document and walked node by node, so
 * every problem can name its line.  Each mapping (top level, pcap,
 * analyzer, a session, a route) has a table of keys; each key has a short
 * setter that validates its own value.  Errors are collected rather than
 * fatal, so one --check-config run shows all of them.  Defaults live in
 * config_defaults() and nowhere else.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "vxmirror/config.h"
#include "vxmirror/log.h"
#include "vxmirror/util.h"

#define VNI_MAX     0xffffffu
#define MTU_MIN     68
#define MTU_MAX     65535
#define DAY         86400u
#define ERRORS_MAX  100     /* then one "too many errors" line */
#define VISITS_MAX  2000000 /* node visits: bounds alias fan-out */
#define LISTEN_MAX  64
#define WORKERS_MAX 64
#define FILE_MAX    (16u << 20) /* a config file is not a data set */
#define KEYS_MAX    32          /* per mapping table (seen-key bitmask) */
#define PATH_MAX_   160         /* "sessions[12].routes[3].prefix" */

/* What a load is working on. */
struct ld {
	yaml_document_t doc;
	struct config *cfg;
	struct config_errors *errs;
	size_t visits;
	bool stopped; /* over budget or too many errors: walk no further */
	int offline_line;
};

/* One value being set: the node, the line to blame, its key path. */
struct val {
	yaml_node_t *n;
	int line;
	const char *path;
	void *obj;
};

struct key;
typedef void key_fn(struct ld *, const struct key *, struct val *);

/* A key of a mapping; numeric keys store into obj at `off`. */
struct key {
	const char *name;
	key_fn *fn;
	size_t off, size;
	uint64_t min, max;
	const char *zero; /* 0 is also allowed, and means this ("off") */
};

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
static void config_defaults(struct config *cfg)
{
	const char *why;

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
	cfg->pcap.rotate_size = 100ull << 20;
	cfg->pcap.rotate_interval = 5 * 60;
	cfg->pcap.keep_files = 48;
	cfg->pcap.snaplen = 262144;
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
	a->flow_timeout = 5 * 60;
	a->closed_timeout = 30;
	a->fragment_alert_interval = 60;
}

/* --- errors ------------------------------------------------------------ */

static void err_vadd(struct config_errors *errs, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void err_vadd(struct config_errors *errs, int line, const char *fmt, va_list ap)
{
	struct config_error *e;

	if (errs->n > ERRORS_MAX)
		return;
	errs->v = xreallocarray(errs->v, errs->n + 1, sizeof(*errs->v));
	e = &errs->v[errs->n++];
	e->line = line;
	if (errs->n > ERRORS_MAX)
		snprintf(e->msg, sizeof(e->msg), "too many errors; the rest are not shown");
	else
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

static void err_add(struct config_errors *errs, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_add(struct config_errors *errs, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(errs, line, fmt, ap);
	va_end(ap);
}

/* verr: an error about value v, as "path: message". */
static void verr(struct ld *ld, const struct val *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void verr(struct ld *ld, const struct val *v, const char *fmt, ...)
{
	char msg[sizeof(((struct config_error *)0)->msg)];
	va_list ap;

	if (ld->stopped)
		return; /* follow-on errors of a walk cut short */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->path[0] == '\0')
		err_add(ld->errs, v->line, "%s", msg);
	else
		err_add(ld->errs, v->line, "%s: %s", v->path, msg);
}

void config_errors_print(const struct config_errors *errs, const char *path, FILE *fp)
{
	for (size_t i = 0; i < errs->n; i++) {
		if (errs->v[i].line > 0)
			fprintf(fp, "%s:%d: %s\n", path, errs->v[i].line, errs->v[i].msg);
		else
			fprintf(fp, "%s: %s\n", path, errs->v[i].msg);
	}
}

void config_errors_free(struct config_errors *errs)
{
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

/* --- numbers ----------------------------------------------------------- */

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit size_units[] = {
    {"", 1},
    {"B", 1},
    {"k", 1ull << 10},
    {"K", 1ull << 10},
    {"KiB", 1ull << 10},
    {"kB", 1000},
    {"KB", 1000},
    {"M", 1ull << 20},
    {"MiB", 1ull << 20},
    {"MB", 1000000},
    {"G", 1ull << 30},
    {"GiB", 1ull << 30},
    {"GB", 1000000000},
    {"T", 1ull << 40},
    {"TiB", 1ull << 40},
    {"TB", 1000000000000ull},
};

static const struct unit duration_units[] = {
    {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", DAY},
};

/* parse_digits: a run of decimal digits (at least one), no sign; *end after it. */
static int parse_digits(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*end = s;
	return 0;
}

/* parse_unit: "<digits>[ ]<unit>" with unit from the table. */
static int parse_unit(const char *s, const struct unit *u, size_t nu, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (s == NULL || parse_digits(s, &v, &end) == -1)
		return -1;
	if (*end == ' ' && end[1] != '\0')
		end++;
	for (size_t i = 0; i < nu; i++) {
		if (strcmp(end, u[i].name) != 0)
			continue;
		if (v > UINT64_MAX / u[i].mult)
			return -1;
		*out = v * u[i].mult;
		return 0;
	}
	return -1;
}

int parse_size(const char *s, uint64_t *out)
{
	return parse_unit(s, size_units, nitems(size_units), out);
}

int parse_duration(const char *s, uint64_t *seconds)
{
	return parse_unit(s, duration_units, nitems(duration_units), seconds);
}

static int parse_uint(const char *s, uint64_t *out)
{
	const char *end;

	if (parse_digits(s, out, &end) == -1 || *end != '\0')
		return -1;
	return 0;
}

/* fmt_unit: v in the largest unit of the table that divides it exactly. */
static const char *fmt_unit(uint64_t v, const struct unit *u, size_t nu, char *buf, size_t len)
{
	const struct unit *best = NULL;

	for (size_t i = 0; i < nu && v != 0; i++) {
		if (u[i].name[0] == '\0' || v % u[i].mult != 0)
			continue;
		if (best == NULL || u[i].mult > best->mult)
			best = &u[i];
	}
	if (best == NULL || best->mult == 1)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%s", v / best->mult, best->name);
	return buf;
}

/* Only the binary units print, so the output reads like the docs. */
static const struct unit size_print_units[] = {
    {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40}};

static const char *fmt_size(uint64_t v, char *buf, size_t len)
{
	return fmt_unit(v, size_print_units, nitems(size_print_units), buf, len);
}

/* fmt_duration: "30s", "60s", "5m", "1h"; seconds up to 2m, as people write them. */
static const char *fmt_duration(uint64_t v, char *buf, size_t len)
{
	if (v == 0 || v < 120 || v % 60 != 0)
		snprintf(buf, len, "%" PRIu64 "%s", v, v == 0 ? "" : "s");
	else
		fmt_unit(v, duration_units, nitems(duration_units), buf, len);
	return buf;
}

static const char *fmt_plain(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* --- nodes ------------------------------------------------------------- */

static yaml_node_t *node(struct ld *ld, int i)
{
	return yaml_document_get_node(&ld->doc, i);
}

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/* is_null: `key:`, `key: ~`, `key: null` (plain, not quoted). */
static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < nitems(nulls); i++)
		if (strcmp(s, nulls[i]) == 0)
			return true;
	return false;
}

static const char *kind_of(const yaml_node_t *n)
{
	if (is_null(n))
		return "nothing";
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a value";
	}
}

/*
 * spend: charge n node visits; false (once, with an error) past the budget.
 * Aliases let a few bytes of YAML name millions of nodes; this bounds the walk.
 */
static bool spend(struct ld *ld, const struct val *v, size_t n)
{
	if (ld->stopped || ld->errs->n > ERRORS_MAX) {
		ld->stopped = true; /* nothing more would be shown */
		return false;
	}
	ld->visits += n;
	if (ld->visits <= VISITS_MAX)
		return true;
	verr(ld, v, "document too large (too many nodes or aliases)");
	ld->stopped = true;
	return false;
}

/* text: the value as a string, or NULL after an error when it is not one. */
static const char *text(struct ld *ld, const struct val *v, const char *want)
{
	const yaml_node_t *n = v->n;

	if (n->type != YAML_SCALAR_NODE) {
		verr(ld, v, "expected %s, got %s", want, kind_of(n));
		return NULL;
	}
	if (is_null(n)) {
		verr(ld, v, "missing value (expected %s)", want);
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		verr(ld, v, "contains a NUL byte");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* --- mappings ---------------------------------------------------------- */

/* distance: Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[KEYS_MAX * 2 + 1];

	if (la > KEYS_MAX * 2 || lb > KEYS_MAX * 2)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t sub = diag + (tolower((unsigned char)a[i - 1]) !=
			                     tolower((unsigned char)b[j - 1]));
			row[j] = MIN(MIN(row[j - 1] + 1, up + 1), sub);
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_key(struct ld *ld, const struct val *v, const char *name,
                        const struct key *keys, size_t nkeys)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; i < nkeys; i++) {
		size_t d = distance(name, keys[i].name);
		if (d < bestd && d < strlen(keys[i].name)) {
			bestd = d;
			best = keys[i].name;
		}
	}
	if (best != NULL)
		verr(ld, v, "unknown key '%.64s' (did you mean '%s'?)", name, best);
	else
		verr(ld, v, "unknown key '%.64s'", name);
}

/* sub_path: "path.name" (or "name"), cut to fit: it only names a key in messages. */
static void sub_path(char *buf, size_t len, const char *path, const char *name)
{
	int n;

	if (path[0] == '\0')
		n = snprintf(buf, len, "%s", name);
	else
		n = snprintf(buf, len, "%s.%s", path, name);
	if (n < 0 && len > 0)
		buf[0] = '\0';
}

static const struct key *find_key(const char *name, const struct key *keys, size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strcmp(name, keys[i].name) == 0)
			return &keys[i];
	return NULL;
}

/* walk_pair: look one key up in the table and hand its value to the setter. */
static void walk_pair(struct ld *ld, yaml_node_pair_t *p, const struct val *m,
                      const struct key *keys, size_t nkeys, int *first)
{
	yaml_node_t *kn = node(ld, p->key), *vn = node(ld, p->value);
	struct val kv = {kn, line_of(kn), m->path, m->obj};
	char path[PATH_MAX_];
	const struct key *k;
	const char *name;

	if ((name = text(ld, &kv, "a key name")) == NULL)
		return;
	if ((k = find_key(name, keys, nkeys)) == NULL) {
		unknown_key(ld, &kv, name, keys, nkeys);
		return;
	}
	sub_path(path, sizeof(path), m->path, name);
	kv.path = path;
	if (first[k - keys] != 0) {
		verr(ld, &kv, "duplicate key (first at line %d)", first[k - keys]);
		return;
	}
	first[k - keys] = kv.line;
	/* blame the key's line for scalars: an empty value has no line of its own */
	kv.n = vn;
	kv.line = vn->type == YAML_SCALAR_NODE ? kv.line : line_of(vn);
	k->fn(ld, k, &kv);
}

/*
 * walk_map: apply the key table to mapping m->n.  Returns a bitmask of the
 * keys that were present (for required keys); a null value is an empty map.
 */
static uint32_t walk_map(struct ld *ld, const struct val *m, const struct key *keys, size_t nkeys)
{
	int first[KEYS_MAX] = {0};
	uint32_t seen = 0;
	yaml_node_pair_t *p;

	if (is_null(m->n))
		return 0;
	if (m->n->type != YAML_MAPPING_NODE) {
		verr(ld, m, "expected a mapping (key: value lines), got %s", kind_of(m->n));
		return 0;
	}
	if (!spend(ld, m, (size_t)(m->n->data.mapping.pairs.top - m->n->data.mapping.pairs.start)))
		return 0;
	for (p = m->n->data.mapping.pairs.start; p < m->n->data.mapping.pairs.top; p++)
		walk_pair(ld, p, m, keys, nkeys, first);
	for (size_t i = 0; i < nkeys; i++)
		if (first[i] != 0)
			seen |= 1u << i;
	return seen;
}

/* missing: report required keys (bitmask `need`) absent from `seen`. */
static void missing(struct ld *ld, const struct val *m, const struct key *keys, uint32_t need,
                    uint32_t seen)
{
	for (size_t i = 0; i < KEYS_MAX; i++)
		if ((need & ~seen) & (1u << i))
			verr(ld, m, "missing required key '%s'", keys[i].name);
}

/* --- scalar setters ---------------------------------------------------- */

typedef int parse_fn(const char *, uint64_t *);
typedef const char *fmt_fn(uint64_t, char *, size_t);

/* range_text: "68..65535", "0 (off) or 64KiB..", in the key's own units. */
static const char *range_text(const struct key *k, fmt_fn *fmt, char *buf, size_t len)
{
	char lo[32], hi[32];

	fmt(k->min, lo, sizeof(lo));
	fmt(k->max, hi, sizeof(hi));
	if (k->max == UINT64_MAX)
		hi[0] = '\0';
	if (k->zero != NULL)
		snprintf(buf, len, "0 (%s) or %s..%s", k->zero, lo, hi);
	else
		snprintf(buf, len, "%s..%s", lo, hi);
	return buf;
}

/* number: parse and range-check a value; false after an error. */
static bool number(struct ld *ld, const struct key *k, const struct val *v, parse_fn *parse,
                   fmt_fn *fmt, const char *want, uint64_t *out)
{
	const char *s = text(ld, v, want);
	char range[80];

	if (s == NULL)
		return false;
	if (parse(s, out) == -1) {
		verr(ld, v, "'%.40s' is not %s", s, want);
		return false;
	}
	if ((*out == 0 && k->zero != NULL) || (*out >= k->min && *out <= k->max))
		return true;
	verr(ld, v, "%.40s is out of range (%s)", s, range_text(k, fmt, range, sizeof(range)));
	return false;
}

static void store(const struct key *k, void *obj, uint64_t x)
{
	char *p = (char *)obj + k->off;

	if (k->size == sizeof(uint32_t)) {
		uint32_t x32 = (uint32_t)x;
		memcpy(p, &x32, sizeof(x32));
	} else {
		memcpy(p, &x, sizeof(x));
	}
}

#define WANT_UINT "a non-negative integer"
#define WANT_SIZE "a size (e.g. 4096, 64KiB, 100MiB, 500MB)"
#define WANT_DUR  "a duration in whole seconds (e.g. 30, 30s, 5m, 1h, 1d)"

static void set_uint(struct ld *ld, const struct key *k, struct val *v)
{
	uint64_t x;

	if (number(ld, k, v, parse_uint, fmt_plain, WANT_UINT, &x))
		store(k, v->obj, x);
}

static void set_size(struct ld *ld, const struct key *k, struct val *v)
{
	uint64_t x;

	if (number(ld, k, v, parse_size, fmt_size, WANT_SIZE, &x))
		store(k, v->obj, x);
}

static void set_duration(struct ld *ld, const struct key *k, struct val *v)
{
	uint64_t x;

	if (number(ld, k, v, parse_duration, fmt_duration, WANT_DUR, &x))
		store(k, v->obj, x);
}

/* set_path: a non-empty string (a file or directory name). */
static void set_path(struct ld *ld, const struct key *k, struct val *v)
{
	char **p = (char **)(void *)((char *)v->obj + k->off);
	const char *s = text(ld, v, "a path");

	if (s == NULL)
		return;
	free(*p);
	*p = xstrdup(s);
}

/* parse_bool: YAML 1.1 booleans (on/off, yes/no, true/false, y/n). */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"on", "yes", "true", "y"};
	static const char *const no[] = {"off", "no", "false", "n"};

	for (size_t i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

static void set_bool(struct ld *ld, const struct key *k, struct val *v)
{
	const char *s = text(ld, v, "on or off");
	bool b;

	if (s == NULL)
		return;
	if (parse_bool(s, &b) == -1) {
		verr(ld, v, "'%.40s' is not a boolean (use on/off, true/false, yes/no)", s);
		return;
	}
	*(bool *)(void *)((char *)v->obj + k->off) = b;
}

/* --- top level --------------------------------------------------------- */

/* list_items: a list, a single scalar (a one-element list), or null (empty). */
static size_t list_items(struct ld *ld, struct val *v, yaml_node_item_t *one,
                         yaml_node_item_t **items)
{
	if (is_null(v->n))
		return 0;
	if (v->n->type == YAML_SCALAR_NODE) {
		*one = (yaml_node_item_t)(v->n - ld->doc.nodes.start + 1);
		*items = one;
		return 1;
	}
	if (v->n->type != YAML_SEQUENCE_NODE) {
		verr(ld, v, "expected a list, got %s", kind_of(v->n));
		return 0;
	}
	*items = v->n->data.sequence.items.start;
	return spend(ld, v, seq_len(v->n)) ? seq_len(v->n) : 0;
}

/* item: the i-th element of a list as a value of its own ("listen[2]"). */
static void item(struct ld *ld, const struct val *list, yaml_node_item_t id, size_t i,
                 struct val *out, char *path, size_t len)
{
	out->n = node(ld, id);
	out->line = line_of(out->n);
	out->obj = list->obj;
	snprintf(path, len, "%s[%zu]", list->path, i);
	out->path = path;
}

static bool listen_add(struct ld *ld, struct val *iv, struct endpoint *eps, size_t n)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	const char *s = text(ld, iv, "addr:port"), *why;

	if (s == NULL)
		return false;
	if (endpoint_parse(s, &eps[n], &why) == -1) {
		verr(ld, iv, "'%.60s': %s", s, why);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(endpoint_fmt(&eps[i], a, sizeof(a)),
		           endpoint_fmt(&eps[n], b, sizeof(b))) == 0) {
			verr(ld, iv, "%s is listed twice", b);
			return false;
		}
	}
	return true;
}

/* set_listen: a list of endpoints; `listen` needs one, `geneve_listen` may be empty. */
static void set_listen(struct ld *ld, const struct key *k, struct val *v)
{
	yaml_node_item_t one, *ids = NULL;
	size_t n = list_items(ld, v, &one, &ids), ok = 0;
	bool geneve = strcmp(k->name, "geneve_listen") == 0;
	struct endpoint *eps, **dst;
	size_t *ndst;
	char path[PATH_MAX_];
	struct val iv;

	dst = geneve ? &ld->cfg->geneve_listen : &ld->cfg->listen;
	ndst = geneve ? &ld->cfg->ngeneve : &ld->cfg->nlisten;
	if ((n == 0 && !geneve) || n > LISTEN_MAX) {
		if (v->n->type != YAML_MAPPING_NODE)
			verr(ld, v, "needs %d..%d addr:port endpoints (e.g. %s)", geneve ? 0 : 1,
			     LISTEN_MAX, geneve ? "0.0.0.0:6081" : "0.0.0.0:4789");
		return;
	}
	eps = xcalloc(n, sizeof(*eps));
	for (size_t i = 0; i < n; i++) {
		item(ld, v, ids[i], i, &iv, path, sizeof(path));
		if (v->n->type == YAML_SCALAR_NODE)
			iv = *v;
		if (listen_add(ld, &iv, eps, ok))
			ok++;
	}
	free(*dst);
	*dst = eps;
	*ndst = ok;
}

/* set_workers: "auto" or 1..WORKERS_MAX. */
static void set_workers(struct ld *ld, const struct key *k, struct val *v)
{
	const char *s = text(ld, v, "auto or a number of threads");
	uint64_t x;

	if (s == NULL)
		return;
	if (strcmp(s, "auto") == 0) {
		ld->cfg->workers = 0;
		return;
	}
	if (number(ld, k, v, parse_uint, fmt_plain, "auto or a number of threads", &x))
		ld->cfg->workers = (uint32_t)x;
}

/* set_http_listen: an endpoint, or off. */
static void set_http_listen(struct ld *ld, const struct key *k, struct val *v)
{
	const char *s = text(ld, v, "addr:port or off"), *why;
	bool off;

	(void)k;
	if (s == NULL)
		return;
	if (parse_bool(s, &off) == 0 && !off) {
		ld->cfg->http_enabled = false;
		return;
	}
	if (endpoint_parse(s, &ld->cfg->http_listen, &why) == -1) {
		verr(ld, v, "'%.60s': %s", s, why);
		return;
	}
	ld->cfg->http_enabled = true;
}

static const struct key http_keys[] = {
    {"listen", set_http_listen, 0, 0, 0, 0, NULL},
};

static void set_http(struct ld *ld, const struct key *k, struct val *v)
{
	const char *s;
	bool on;

	(void)k;
	/* "http: off" means what it says: the same as {listen: off} */
	if (v->n->type == YAML_SCALAR_NODE && !is_null(v->n)) {
		if ((s = text(ld, v, "a mapping or off")) == NULL)
			return;
		if (parse_bool(s, &on) == 0 && !on) {
			ld->cfg->http_enabled = false;
			return;
		}
		verr(ld, v, "'%.60s': expected {listen: \"ADDR:PORT\"} or off", s);
		return;
	}
	v->obj = ld->cfg;
	walk_map(ld, v, http_keys, nitems(http_keys));
}

static void set_allowed(struct ld *ld, const struct key *k, struct val *v)
{
	yaml_node_item_t one, *ids = NULL;
	size_t n = list_items(ld, v, &one, &ids);
	struct config *cfg = ld->cfg;
	char path[PATH_MAX_];
	const char *s, *why;
	struct val iv;

	(void)k;
	cfg->allowed = xcalloc(n, sizeof(*cfg->allowed));
	for (size_t i = 0; i < n; i++) {
		item(ld, v, ids[i], i, &iv, path, sizeof(path));
		if (v->n->type == YAML_SCALAR_NODE)
			iv = *v;
		if ((s = text(ld, &iv, "a CIDR prefix")) == NULL)
			continue;
		if (cidr_parse(s, &cfg->allowed[cfg->nallowed], &why) == -1)
			verr(ld, &iv, "'%.60s': %s", s, why);
		else
			cfg->nallowed++;
	}
}

static void set_unknown_vni(struct ld *ld, const struct key *k, struct val *v)
{
	const char *s = text(ld, v, "drop or auto");

	(void)k;
	if (s == NULL)
		return;
	if (strcmp(s, "drop") == 0)
		ld->cfg->unknown_vni = UNKNOWN_VNI_DROP;
	else if (strcmp(s, "auto") == 0)
		ld->cfg->unknown_vni = UNKNOWN_VNI_AUTO;
	else
		verr(ld, v, "'%.40s' is not drop or auto", s);
}

/* set_offline: a session name, checked against the sessions at the end. */
static void set_offline(struct ld *ld, const struct key *k, struct val *v)
{
	const char *s;

	(void)k;
	if (is_null(v->n))
		return;
	if ((s = text(ld, v, "a session name")) == NULL)
		return;
	free(ld->cfg->offline_session);
	ld->cfg->offline_session = xstrdup(s);
	ld->offline_line = v->line;
}

static const struct key pcap_keys[] = {
    {"rotate_size", set_size, offsetof(struct pcap_conf, rotate_size), 8, 64 << 10, UINT64_MAX,
     "off"},
    {"rotate_interval", set_duration, offsetof(struct pcap_conf, rotate_interval), 8, 1, 7 * DAY,
     "off"},
    {"keep_files", set_uint, offsetof(struct pcap_conf, keep_files), 4, 1, 1000000, "unlimited"},
    {"snaplen", set_size, offsetof(struct pcap_conf, snaplen), 4, 64, 262144, NULL},
};

static void set_pcap(struct ld *ld, const struct key *k, struct val *v)
{
	(void)k;
	v->obj = &ld->cfg->pcap;
	walk_map(ld, v, pcap_keys, nitems(pcap_keys));
}

static const struct key analyzer_keys[] = {
    {"retransmit_threshold", set_uint, offsetof(struct analyzer_conf, retransmit_threshold), 4, 1,
     1000, NULL},
    {"max_flows", set_uint, offsetof(struct analyzer_conf, max_flows), 4, 1, 100000000, NULL},
    {"flow_timeout", set_duration, offsetof(struct analyzer_conf, flow_timeout), 8, 1, 7 * DAY,
     NULL},
    {"closed_timeout", set_duration, offsetof(struct analyzer_conf, closed_timeout), 8, 1, 7 * DAY,
     NULL},
    {"fragment_alert_interval", set_duration,
     offsetof(struct analyzer_conf, fragment_alert_interval), 4, 1, DAY, NULL},
};

static void set_analyzer(struct ld *ld, const struct key *k, struct val *v)
{
	(void)k;
	v->obj = &ld->cfg->analyzer;
	walk_map(ld, v, analyzer_keys, nitems(analyzer_keys));
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

static void set_name(struct ld *ld, const struct key *k, struct val *v)
{
	struct sess_ld *sl = v->obj;
	const char *s = text(ld, v, "a session name");

	(void)k;
	if (s == NULL)
		return;
	if (!name_ok(s)) {
		verr(ld, v,
		     "'%.63s' is not a valid name (1..63 of A-Z a-z 0-9 . _ -, "
		     "not starting with '.')",
		     s);
		return;
	}
	vx_strlcpy(sl->s.name, s, sizeof(sl->s.name));
	sl->name_ok = true;
	sl->name_line = v->line;
}

static void set_vni(struct ld *ld, const struct key *k, struct val *v)
{
	struct sess_ld *sl = v->obj;
	uint64_t x;

	if (!number(ld, k, v, parse_uint, fmt_plain, WANT_UINT, &x))
		return;
	sl->s.vni = (uint32_t)x;
	sl->vni_ok = true;
	sl->vni_line = v->line;
}

static void set_prefix(struct ld *ld, const struct key *k, struct val *v)
{
	struct route_ld *rl = v->obj;
	const char *s = text(ld, v, "a CIDR prefix"), *why;

	(void)k;
	if (s == NULL)
		return;
	if (cidr_parse(s, &rl->r.prefix, &why) == -1) {
		verr(ld, v, "'%.60s': %s", s, why);
		return;
	}
	rl->line = v->line;
}

static const struct key route_keys[] = {
    {"prefix", set_prefix, 0, 0, 0, 0, NULL},
    {"mtu", set_uint, offsetof(struct route_ld, r.mtu), 4, MTU_MIN, MTU_MAX, NULL},
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
static void route_dups(struct ld *ld, const struct val *v, struct route_ld *rls, size_t n)
{
	struct route_ld **p = xcalloc(n, sizeof(*p));
	char path[PATH_MAX_], buf[ADDR_STRLEN + 4];
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
		verr(ld, &e, "duplicate prefix %s (also at line %d)",
		     cidr_fmt(&p[i]->r.prefix, buf, sizeof(buf)), p[first]->line);
	}
	free(p);
}

/* route_load: one {prefix, mtu}; true when it is complete and valid. */
static bool route_load(struct ld *ld, struct val *rv)
{
	uint32_t seen;
	size_t nerr = ld->errs->n;

	if (rv->n->type != YAML_MAPPING_NODE) {
		verr(ld, rv, "expected a mapping {prefix, mtu}, got %s", kind_of(rv->n));
		return false;
	}
	seen = walk_map(ld, rv, route_keys, nitems(route_keys));
	missing(ld, rv, route_keys, 0x3, seen);
	return ld->errs->n == nerr;
}

static void set_routes(struct ld *ld, const struct key *k, struct val *v)
{
	struct session_conf *s = &((struct sess_ld *)v->obj)->s;
	struct route_ld *rls;
	char path[PATH_MAX_];
	struct val rv;
	size_t n, ok = 0;

	(void)k;
	if (is_null(v->n))
		return;
	if (v->n->type != YAML_SEQUENCE_NODE) {
		verr(ld, v, "expected a list of {prefix, mtu}, got %s", kind_of(v->n));
		return;
	}
	if (!spend(ld, v, n = seq_len(v->n)))
		return;
	rls = xcalloc(n, sizeof(*rls));
	for (size_t i = 0; i < n; i++) {
		item(ld, v, v->n->data.sequence.items.start[i], i, &rv, path, sizeof(path));
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

static const struct key session_keys[] = {
    {"name", set_name, 0, 0, 0, 0, NULL},
    {"vni", set_vni, 0, 0, 0, VNI_MAX, NULL},
    {"path_mtu", set_uint, offsetof(struct sess_ld, s.path_mtu), 4, MTU_MIN, MTU_MAX, "unknown"},
    {"routes", set_routes, 0, 0, 0, 0, NULL},
    {"pcap", set_bool, offsetof(struct sess_ld, s.pcap), 1, 0, 0, NULL},
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
static void session_dup(struct ld *ld, const struct val *v, const struct sess_ld *sls,
                        const struct sess_ld *d, const struct sess_ld *f, bool by_vni)
{
	char path[PATH_MAX_];
	struct val e = *v;

	e.path = path;
	snprintf(path, sizeof(path), "%s[%td].%s", v->path, d - sls, by_vni ? "vni" : "name");
	e.line = by_vni ? d->vni_line : d->name_line;
	if (by_vni)
		verr(ld, &e, "duplicate VNI %" PRIu32 " (also session \"%s\" at line %d)", d->s.vni,
		     f->s.name, f->s.line);
	else
		verr(ld, &e, "duplicate name \"%s\" (also at line %d)", d->s.name, f->name_line);
}

/* session_dups: names or VNIs used twice; sorted, so O(n log n). */
static void session_dups(struct ld *ld, const struct val *v, struct sess_ld *sls, size_t n,
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

static void session_load(struct ld *ld, struct val *sv, struct sess_ld *sl)
{
	uint32_t seen;

	sl->s.pcap = true;
	sl->s.line = sv->line;
	sv->obj = sl;
	if (sv->n->type != YAML_MAPPING_NODE) {
		verr(ld, sv, "expected a mapping (name:, vni:, ...), got %s", kind_of(sv->n));
		return;
	}
	seen = walk_map(ld, sv, session_keys, nitems(session_keys));
	missing(ld, sv, session_keys, 0x3, seen);
}

static void set_sessions(struct ld *ld, const struct key *k, struct val *v)
{
	struct config *cfg = ld->cfg;
	struct sess_ld *sls;
	char path[PATH_MAX_];
	struct val sv;
	size_t n;

	(void)k;
	if (is_null(v->n))
		return;
	if (v->n->type != YAML_SEQUENCE_NODE) {
		verr(ld, v, "expected a list of sessions (- name: ...), got %s", kind_of(v->n));
		return;
	}
	if (!spend(ld, v, n = seq_len(v->n)))
		return;
	sls = xcalloc(n, sizeof(*sls));
	for (size_t i = 0; i < n; i++) {
		item(ld, v, v->n->data.sequence.items.start[i], i, &sv, path, sizeof(path));
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
    {"listen", set_listen, 0, 0, 0, 0, NULL},
    {"geneve_listen", set_listen, 0, 0, 0, 0, NULL},
    {"workers", set_workers, 0, 0, 1, WORKERS_MAX, NULL},
    {"rcvbuf", set_size, offsetof(struct config, rcvbuf), 8, 64 << 10, 1ull << 30, NULL},
    {"http", set_http, 0, 0, 0, 0, NULL},
    {"allowed_sources", set_allowed, 0, 0, 0, 0, NULL},
    {"pcap_dir", set_path, offsetof(struct config, pcap_dir), 0, 0, 0, NULL},
    {"alert_log", set_path, offsetof(struct config, alert_log), 0, 0, 0, NULL},
    {"pcap", set_pcap, 0, 0, 0, 0, NULL},
    {"unknown_vni", set_unknown_vni, 0, 0, 0, 0, NULL},
    {"offline_session", set_offline, 0, 0, 0, 0, NULL},
    {"sessions", set_sessions, 0, 0, 0, 0, NULL},
    {"analyzer", set_analyzer, 0, 0, 0, 0, NULL},
};

/* cross_check: rules that span sections, once every section is loaded. */
static void cross_check(struct ld *ld)
{
	struct config *cfg = ld->cfg;
	struct val v = {NULL, ld->offline_line, "offline_session", NULL};

	if (cfg->offline_session != NULL && config_find_name(cfg, cfg->offline_session) == NULL)
		verr(ld, &v, "no session is named \"%.63s\"", cfg->offline_session);
}

/* --- loading ----------------------------------------------------------- */

/* line_at: the line of byte `off` (a reader error has no mark). */
static int line_at(const char *s, size_t len, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		line += s[i] == '\n';
	return line;
}

static void syntax_error(struct ld *ld, yaml_parser_t *p, const char *s, size_t len)
{
	int line = (int)p->problem_mark.line + 1;

	if (p->error == YAML_MEMORY_ERROR) {
		err_add(ld->errs, 0, "out of memory while parsing");
		return;
	}
	if (p->error == YAML_READER_ERROR)
		line = line_at(s, len, p->problem_offset);
	if (p->context != NULL && p->error != YAML_READER_ERROR)
		err_add(ld->errs, line, "YAML syntax error: %s (%s that started at line %d)",
		        p->problem ? p->problem : "?", p->context, (int)p->context_mark.line + 1);
	else
		err_add(ld->errs, line, "YAML syntax error: %s", p->problem ? p->problem : "?");
}

/* parse: load the one document of the stream into ld->doc; -1 after an error. */
static int parse(struct ld *ld, const char *s, size_t len)
{
	yaml_parser_t p;
	yaml_document_t extra;
	int rc = -1;

	if (!yaml_parser_initialize(&p)) {
		err_add(ld->errs, 0, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	if (!yaml_parser_load(&p, &ld->doc)) {
		syntax_error(ld, &p, s, len);
		goto out;
	}
	rc = 0;
	if (!yaml_parser_load(&p, &extra)) {
		syntax_error(ld, &p, s, len);
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&extra);
		if (root != NULL)
			err_add(ld->errs, line_of(root), "only one YAML document is allowed");
		yaml_document_delete(&extra);
	}
out:
	yaml_parser_delete(&p);
	return rc;
}

static void walk(struct ld *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	struct val v = {root, 0, "", ld->cfg};

	if (root == NULL || is_null(root))
		return; /* empty or comments only: all defaults */
	v.line = line_of(root);
	if (root->type != YAML_MAPPING_NODE) {
		verr(ld, &v, "the top level must be a mapping (listen:, sessions:, ...), not %s",
		     kind_of(root));
		return;
	}
	walk_map(ld, &v, top_keys, nitems(top_keys));
	cross_check(ld);
}

struct config *config_load_string(const char *name, const char *yaml, size_t len,
                                  struct config_errors *errs)
{
	struct ld ld = {.errs = errs};
	size_t nerr = errs->n;

	ld.cfg = xcalloc(1, sizeof(*ld.cfg));
	config_defaults(ld.cfg);
	ld.cfg->path = xstrdup(name);
	if (parse(&ld, yaml, len) == 0) {
		walk(&ld);
		yaml_document_delete(&ld.doc);
	}
	if (errs->n == nerr)
		return ld.cfg;
	config_free(ld.cfg);
	return NULL;
}

/* read_file: the whole file into memory; NULL after an error. */
static char *read_file(const char *path, size_t *len, struct config_errors *errs)
{
	FILE *fp = fopen(path, "r");
	char *buf;

	if (fp == NULL) {
		err_add(errs, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	buf = xmalloc(FILE_MAX + 1);
	*len = fread(buf, 1, FILE_MAX + 1, fp);
	if (ferror(fp) || *len > FILE_MAX) {
		err_add(errs, 0, ferror(fp) ? "read error" : "larger than %u MiB", FILE_MAX >> 20);
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
	for (size_t i = 0; i < cfg->nsessions; i++)
		free(cfg->sessions[i].routes);
	free(cfg->sessions);
	free(cfg->path);
	free(cfg->listen);
	free(cfg->geneve_listen);
	free(cfg->allowed);
	free(cfg->pcap_dir);
	free(cfg->alert_log);
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
	fprintf(fp, "rcvbuf: %s  # %" PRIu64 " bytes\n", fmt_size(cfg->rcvbuf, buf, sizeof(buf)),
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
	fputc('\n', fp);
}

static void print_pcap(const struct pcap_conf *p, FILE *fp)
{
	char a[32], b[32];

	fprintf(fp, "pcap:\n");
	fprintf(fp, "  rotate_size: %s  # %" PRIu64 " bytes\n", fmt_size(p->rotate_size, a, 32),
	        p->rotate_size);
	fprintf(fp, "  rotate_interval: %s  # %" PRIu64 " seconds\n",
	        fmt_duration(p->rotate_interval, b, 32), p->rotate_interval);
	fprintf(fp, "  keep_files: %" PRIu32 "\n", p->keep_files);
	fprintf(fp, "  snaplen: %" PRIu32 "\n", p->snaplen);
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
	fprintf(fp, "  flow_timeout: %s\n", fmt_duration(a->flow_timeout, buf, sizeof(buf)));
	fprintf(fp, "  closed_timeout: %s\n", fmt_duration(a->closed_timeout, buf, sizeof(buf)));
	fprintf(fp, "  fragment_alert_interval: %s\n",
	        fmt_duration(a->fragment_alert_interval, buf, sizeof(buf)));
}

void config_print(const struct config *cfg, FILE *fp)
{
	fprintf(fp, "# effective configuration of ");
	print_str(fp, cfg->path);
	fprintf(fp, ", with the defaults filled in\n");
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
}
