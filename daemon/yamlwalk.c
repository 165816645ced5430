/*
 * yamlwalk.c - the YAML walker under config.c (libyaml).
 *
 * It knows YAML nodes, key tables, numbers with units, and how to say
 * what is wrong on which line; it knows nothing of vxmirror's keys, which
 * are config.c's.  A file is loaded as one libyaml document (yw_load) and
 * walked mapping by mapping (yw_walk_map), each key handed to its setter.
 * Errors are collected rather than fatal, so one --check-config run shows
 * all of them, and the walk is bounded: node visits (aliases can fan a few
 * bytes out into millions of nodes) and the number of errors.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "vxmirror/util.h"
#include "vxmirror/yamlwalk.h"

#define DAY        86400u
#define ERRORS_MAX 100     /* then one "too many errors" line */
#define VISITS_MAX 2000000 /* node visits: bounds alias fan-out */

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

void yw_errorf(struct config_errors *errs, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vadd(errs, line, fmt, ap);
	va_end(ap);
}

/* yw_err: an error about value v, as "path: message". */
void yw_err(struct yw *yw, const struct val *v, const char *fmt, ...)
{
	char msg[sizeof(((struct config_error *)0)->msg)];
	va_list ap;

	if (yw->stopped)
		return; /* follow-on errors of a walk cut short */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->path[0] == '\0')
		yw_errorf(yw->errs, v->line, "%s", msg);
	else
		yw_errorf(yw->errs, v->line, "%s: %s", v->path, msg);
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

int yw_parse_uint(const char *s, uint64_t *out)
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

const char *yw_fmt_size(uint64_t v, char *buf, size_t len)
{
	return fmt_unit(v, size_print_units, nitems(size_print_units), buf, len);
}

/* yw_fmt_duration: "30s", "60s", "5m", "1h"; seconds up to 2m, as people write them. */
const char *yw_fmt_duration(uint64_t v, char *buf, size_t len)
{
	if (v == 0 || v < 120 || v % 60 != 0)
		snprintf(buf, len, "%" PRIu64 "%s", v, v == 0 ? "" : "s");
	else
		fmt_unit(v, duration_units, nitems(duration_units), buf, len);
	return buf;
}

const char *yw_fmt_plain(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* --- nodes ------------------------------------------------------------- */

yaml_node_t *yw_node(struct yw *yw, int i)
{
	return yaml_document_get_node(&yw->doc, i);
}

int yw_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/* yw_is_null: `key:`, `key: ~`, `key: null` (plain, not quoted). */
bool yw_is_null(const yaml_node_t *n)
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

const char *yw_kind(const yaml_node_t *n)
{
	if (yw_is_null(n))
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
bool yw_spend(struct yw *yw, const struct val *v, size_t n)
{
	if (yw->stopped || yw->errs->n > ERRORS_MAX) {
		yw->stopped = true; /* nothing more would be shown */
		return false;
	}
	yw->visits += n;
	if (yw->visits <= VISITS_MAX)
		return true;
	yw_err(yw, v, "document too large (too many nodes or aliases)");
	yw->stopped = true;
	return false;
}

/* yw_text: the value as a string, or NULL after an error when it is not one. */
const char *yw_text(struct yw *yw, const struct val *v, const char *want)
{
	const yaml_node_t *n = v->n;

	if (n->type != YAML_SCALAR_NODE) {
		yw_err(yw, v, "expected %s, got %s", want, yw_kind(n));
		return NULL;
	}
	if (yw_is_null(n)) {
		yw_err(yw, v, "missing value (expected %s)", want);
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		yw_err(yw, v, "contains a NUL byte");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

size_t yw_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* --- mappings ---------------------------------------------------------- */

/* distance: Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[YW_KEYS_MAX * 2 + 1];

	if (la > YW_KEYS_MAX * 2 || lb > YW_KEYS_MAX * 2)
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

static void unknown_key(struct yw *yw, const struct val *v, const char *name,
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
		yw_err(yw, v, "unknown key '%.64s' (did you mean '%s'?)", name, best);
	else
		yw_err(yw, v, "unknown key '%.64s'", name);
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
static void walk_pair(struct yw *yw, yaml_node_pair_t *p, const struct val *m,
                      const struct key *keys, size_t nkeys, int *first)
{
	yaml_node_t *kn = yw_node(yw, p->key), *vn = yw_node(yw, p->value);
	struct val kv = {kn, yw_line(kn), m->path, m->obj};
	char path[YW_PATH_MAX];
	const struct key *k;
	const char *name;

	if ((name = yw_text(yw, &kv, "a key name")) == NULL)
		return;
	if ((k = find_key(name, keys, nkeys)) == NULL) {
		unknown_key(yw, &kv, name, keys, nkeys);
		return;
	}
	sub_path(path, sizeof(path), m->path, name);
	kv.path = path;
	if (first[k - keys] != 0) {
		yw_err(yw, &kv, "duplicate key (first at line %d)", first[k - keys]);
		return;
	}
	first[k - keys] = kv.line;
	/* blame the key's line for scalars: an empty value has no line of its own */
	kv.n = vn;
	kv.line = vn->type == YAML_SCALAR_NODE ? kv.line : yw_line(vn);
	k->fn(yw, k, &kv);
}

/*
 * walk_map: apply the key table to mapping m->n.  Returns a bitmask of the
 * keys that were present (for required keys); a null value is an empty map.
 */
uint32_t yw_walk_map(struct yw *yw, const struct val *m, const struct key *keys, size_t nkeys)
{
	int first[YW_KEYS_MAX] = {0};
	uint32_t seen = 0;
	yaml_node_pair_t *p;

	if (yw_is_null(m->n))
		return 0;
	if (m->n->type != YAML_MAPPING_NODE) {
		yw_err(yw, m, "expected a mapping (key: value lines), got %s", yw_kind(m->n));
		return 0;
	}
	if (!yw_spend(yw, m,
	              (size_t)(m->n->data.mapping.pairs.top - m->n->data.mapping.pairs.start)))
		return 0;
	for (p = m->n->data.mapping.pairs.start; p < m->n->data.mapping.pairs.top; p++)
		walk_pair(yw, p, m, keys, nkeys, first);
	for (size_t i = 0; i < nkeys; i++)
		if (first[i] != 0)
			seen |= 1u << i;
	return seen;
}

/* yw_missing: report required keys (bitmask `need`) absent from `seen`. */
void yw_missing(struct yw *yw, const struct val *m, const struct key *keys, uint32_t need,
                uint32_t seen)
{
	for (size_t i = 0; i < YW_KEYS_MAX; i++)
		if ((need & ~seen) & (1u << i))
			yw_err(yw, m, "missing required key '%s'", keys[i].name);
}

/* --- scalar setters ---------------------------------------------------- */

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

/* yw_number: parse and range-check a value; false after an error. */
bool yw_number(struct yw *yw, const struct key *k, const struct val *v, parse_fn *parse,
               fmt_fn *fmt, const char *want, uint64_t *out)
{
	const char *s = yw_text(yw, v, want);
	char range[80];

	if (s == NULL)
		return false;
	if (k->zero != NULL && strcmp(s, k->zero) == 0) {
		*out = 0; /* the word for 0 ("off", "unlimited") */
		return true;
	}
	if (parse(s, out) == -1) {
		yw_err(yw, v, "'%.40s' is not %s", s, want);
		return false;
	}
	if ((*out == 0 && k->zero != NULL) || (*out >= k->min && *out <= k->max))
		return true;
	yw_err(yw, v, "%.40s is out of range (%s)", s, range_text(k, fmt, range, sizeof(range)));
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

void yw_set_uint(struct yw *yw, const struct key *k, struct val *v)
{
	uint64_t x;

	if (yw_number(yw, k, v, yw_parse_uint, yw_fmt_plain, WANT_UINT, &x))
		store(k, v->obj, x);
}

void yw_set_size(struct yw *yw, const struct key *k, struct val *v)
{
	uint64_t x;

	if (yw_number(yw, k, v, parse_size, yw_fmt_size, WANT_SIZE, &x))
		store(k, v->obj, x);
}

void yw_set_duration(struct yw *yw, const struct key *k, struct val *v)
{
	uint64_t x;

	if (yw_number(yw, k, v, parse_duration, yw_fmt_duration, WANT_DUR, &x))
		store(k, v->obj, x);
}

/* yw_set_path: a non-empty string (a file or directory name). */
void yw_set_path(struct yw *yw, const struct key *k, struct val *v)
{
	char **p = (char **)(void *)((char *)v->obj + k->off);
	const char *s = yw_text(yw, v, "a path");

	if (s == NULL)
		return;
	free(*p);
	*p = xstrdup(s);
}

/* yw_parse_bool: YAML 1.1 booleans (on/off, yes/no, true/false, y/n). */
int yw_parse_bool(const char *s, bool *out)
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

void yw_set_bool(struct yw *yw, const struct key *k, struct val *v)
{
	const char *s = yw_text(yw, v, "on or off");
	bool b;

	if (s == NULL)
		return;
	if (yw_parse_bool(s, &b) == -1) {
		yw_err(yw, v, "'%.40s' is not a boolean (use on/off, true/false, yes/no)", s);
		return;
	}
	*(bool *)(void *)((char *)v->obj + k->off) = b;
}

/* --- lists ------------------------------------------------------------ */

/* yw_list: a list, a single scalar (a one-element list), or null (empty). */
size_t yw_list(struct yw *yw, struct val *v, yaml_node_item_t *one, yaml_node_item_t **items)
{
	if (yw_is_null(v->n))
		return 0;
	if (v->n->type == YAML_SCALAR_NODE) {
		*one = (yaml_node_item_t)(v->n - yw->doc.nodes.start + 1);
		*items = one;
		return 1;
	}
	if (v->n->type != YAML_SEQUENCE_NODE) {
		yw_err(yw, v, "expected a list, got %s", yw_kind(v->n));
		return 0;
	}
	*items = v->n->data.sequence.items.start;
	return yw_spend(yw, v, yw_seq_len(v->n)) ? yw_seq_len(v->n) : 0;
}

/* yw_item: the i-th element of a list as a value of its own ("listen[2]"). */
void yw_item(struct yw *yw, const struct val *list, yaml_node_item_t id, size_t i, struct val *out,
             char *path, size_t len)
{
	out->n = yw_node(yw, id);
	out->line = yw_line(out->n);
	out->obj = list->obj;
	snprintf(path, len, "%s[%zu]", list->path, i);
	out->path = path;
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

static void syntax_error(struct yw *yw, yaml_parser_t *p, const char *s, size_t len)
{
	int line = (int)p->problem_mark.line + 1;

	if (p->error == YAML_MEMORY_ERROR) {
		yw_errorf(yw->errs, 0, "out of memory while parsing");
		return;
	}
	if (p->error == YAML_READER_ERROR)
		line = line_at(s, len, p->problem_offset);
	if (p->context != NULL && p->error != YAML_READER_ERROR)
		yw_errorf(yw->errs, line, "YAML syntax error: %s (%s that started at line %d)",
		          p->problem ? p->problem : "?", p->context, (int)p->context_mark.line + 1);
	else
		yw_errorf(yw->errs, line, "YAML syntax error: %s", p->problem ? p->problem : "?");
}

/* yw_load: load the one document of the stream into yw->doc; -1 after an error. */
int yw_load(struct yw *yw, const char *s, size_t len)
{
	yaml_parser_t p;
	yaml_document_t extra;
	int rc = -1;

	if (!yaml_parser_initialize(&p)) {
		yw_errorf(yw->errs, 0, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	if (!yaml_parser_load(&p, &yw->doc)) {
		syntax_error(yw, &p, s, len);
		goto out;
	}
	rc = 0;
	if (!yaml_parser_load(&p, &extra)) {
		syntax_error(yw, &p, s, len);
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&extra);
		if (root != NULL)
			yw_errorf(yw->errs, yw_line(root), "only one YAML document is allowed");
		yaml_document_delete(&extra);
	}
out:
	yaml_parser_delete(&p);
	return rc;
}
