/*
 * yamlwalk.h - the YAML walker config.c is built on (daemon/yamlwalk.c).
 *
 * A mapping is walked with a table of keys; each key names a setter that
 * validates and stores its own value, and every error names its line and
 * key path ("sessions[2].routes[0].mtu").  The walker owns the YAML; the
 * tables and the setters of vxmirror's own keys are config.c's.
 */
#ifndef VXMIRROR_YAMLWALK_H
#define VXMIRROR_YAMLWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "vxmirror/config.h"

#define YW_KEYS_MAX 32  /* per mapping table (seen-key bitmask) */
#define YW_PATH_MAX 160 /* "sessions[12].routes[3].prefix" */

#define WANT_UINT "a non-negative integer"
#define WANT_SIZE "a size (e.g. 4096, 64KiB, 100MiB, 500MB)"
#define WANT_DUR  "a duration in whole seconds (e.g. 30, 30s, 5m, 1h, 1d)"

/* What a load is working on. */
struct yw {
	yaml_document_t doc;
	struct config_errors *errs;
	size_t visits;
	bool stopped; /* over budget or too many errors: walk no further */
	void *ctx;    /* the caller's: what the setters load into */
};

/* One value being set: the node, the line to blame, its key path. */
struct val {
	yaml_node_t *n;
	int line;
	const char *path;
	void *obj;
};

struct key;
typedef void key_fn(struct yw *, const struct key *, struct val *);
typedef int parse_fn(const char *, uint64_t *);
typedef const char *fmt_fn(uint64_t, char *, size_t);

/* A key of a mapping; numeric keys store into obj at `off` (size 4 or 8). */
struct key {
	const char *name;
	key_fn *fn;
	size_t off, size;
	uint64_t min, max;
	const char *zero; /* 0 is also allowed, and means this ("off") */
};

/* yw_load: parse the one document of s into yw->doc; -1 after a syntax
 * error (reported).  The caller deletes yw->doc after a 0. */
int yw_load(struct yw *yw, const char *s, size_t len);

/* Errors: yw_errorf at a line (0: none); yw_err about a value, as
 * "path: message", and nothing once the walk has stopped. */
void yw_errorf(struct config_errors *errs, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void yw_err(struct yw *yw, const struct val *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Nodes. */
yaml_node_t *yw_node(struct yw *yw, int i);
int yw_line(const yaml_node_t *n);
bool yw_is_null(const yaml_node_t *n);     /* `key:`, `~`, `null` (plain) */
const char *yw_kind(const yaml_node_t *n); /* "a list", "a mapping", ... */
size_t yw_seq_len(const yaml_node_t *n);
/* yw_spend: charge n node visits; false (once, with an error) past the budget. */
bool yw_spend(struct yw *yw, const struct val *v, size_t n);
/* yw_text: the value as a string, or NULL after an error when it is not one. */
const char *yw_text(struct yw *yw, const struct val *v, const char *want);

/*
 * yw_walk_map: apply the key table to mapping m->n (a null value is an
 * empty map); unknown keys get a "did you mean", duplicates the line of the
 * first.  Returns the bitmask of keys present, for yw_missing().
 */
uint32_t yw_walk_map(struct yw *yw, const struct val *m, const struct key *keys, size_t nkeys);
void yw_missing(struct yw *yw, const struct val *m, const struct key *keys, uint32_t need,
                uint32_t seen);

/* Lists: yw_list gives a list's items (a lone scalar is a list of one, null
 * is empty); yw_item makes item i a value of its own, "path[i]". */
size_t yw_list(struct yw *yw, struct val *v, yaml_node_item_t *one, yaml_node_item_t **items);
void yw_item(struct yw *yw, const struct val *list, yaml_node_item_t id, size_t i, struct val *out,
             char *path, size_t len);

/* Numbers: parse and range-check against k->min..k->max (or k->zero). */
bool yw_number(struct yw *yw, const struct key *k, const struct val *v, parse_fn *parse,
               fmt_fn *fmt, const char *want, uint64_t *out);
int yw_parse_uint(const char *s, uint64_t *out);
int yw_parse_bool(const char *s, bool *out); /* on/off, yes/no, true/false, y/n */
const char *yw_fmt_plain(uint64_t v, char *buf, size_t len);
const char *yw_fmt_size(uint64_t v, char *buf, size_t len);     /* "64KiB" */
const char *yw_fmt_duration(uint64_t v, char *buf, size_t len); /* "30s", "5m" */

/* Setters for a key table: numbers stored at k->off in v->obj, a path
 * (strdup'ed char *), a boolean. */
key_fn yw_set_uint, yw_set_size, yw_set_duration, yw_set_path, yw_set_bool;

#endif
