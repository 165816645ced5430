/*
 * annotate.c - the fields every alert gains on its way to the alert log
 * (annotate.h).
 *
 * An incident is one cause: the alert type, the host that sent the packet
 * and the destination's prefix (the session's configured route that
 * matches it, else its /24 or /64).  One broken hop gives the same
 * incident on every flow through it, so `jq` can group by .incident, and
 * incident_first_ts / incident_count say how long and how often without
 * any state of the reader's.  The table is shared by the workers (a flow's
 * worker is chosen by its 5-tuple, an incident spans many flows) and
 * guarded by one mutex: it is taken once per alert, never per packet.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "vxmirror/alert.h"
#include "vxmirror/analyzer.h"
#include "vxmirror/annotate.h"
#include "vxmirror/hash.h"
#include "vxmirror/util.h"

#define INCIDENT_KEY_MAX 160

struct incident {
	struct incident *hnext;    /* hash chain */
	TAILQ_ENTRY(incident) lru; /* most recent at the head */
	char key[INCIDENT_KEY_MAX];
	char first_ts[40]; /* the alert's ts form */
	int64_t last_ns;   /* packet time of its latest alert */
	uint64_t count;
};

struct incidents {
	pthread_mutex_t mu;
	struct incident **buckets;
	size_t nbuckets, max, n;
	TAILQ_HEAD(incident_lru, incident) lru;
	uint64_t k[2];
};

struct incidents *incidents_new(size_t max)
{
	struct incidents *t = xcalloc(1, sizeof(*t));

	t->max = max == 0 ? 1 : max;
	t->nbuckets = 16;
	while (t->nbuckets < t->max)
		t->nbuckets <<= 1;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	TAILQ_INIT(&t->lru);
	hash_key_random(t->k, t);
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void incidents_free(struct incidents *t)
{
	struct incident *e;

	if (t == NULL)
		return;
	while ((e = TAILQ_FIRST(&t->lru)) != NULL) {
		TAILQ_REMOVE(&t->lru, e, lru);
		free(e);
	}
	pthread_mutex_destroy(&t->mu);
	free(t->buckets);
	free(t);
}

static struct incident **slot(struct incidents *t, const char *key)
{
	uint64_t h = siphash13((const uint8_t *)key, strlen(key), t->k[0], t->k[1]);
	struct incident **pp = &t->buckets[h & (t->nbuckets - 1)];

	while (*pp != NULL && strcmp((*pp)->key, key) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

/* recycle: unlink the least recently used incident, for reuse. */
static struct incident *recycle(struct incidents *t)
{
	struct incident *e = TAILQ_LAST(&t->lru, incident_lru), **pp = slot(t, e->key);

	*pp = e->hnext;
	TAILQ_REMOVE(&t->lru, e, lru);
	return e;
}

/* incident_count: count one alert of `key` at ts; copy its first ts out. */
static uint64_t incident_count(struct incidents *t, const char *key, const char *ts, int64_t now_ns,
                               char *first, size_t firstlen)
{
	struct incident **pp, *e;
	uint64_t n;

	pthread_mutex_lock(&t->mu);
	pp = slot(t, key);
	if ((e = *pp) != NULL) {
		TAILQ_REMOVE(&t->lru, e, lru);
	} else {
		e = t->n < t->max ? (t->n++, xcalloc(1, sizeof(*e))) : recycle(t);
		memset(e, 0, sizeof(*e));
		vx_strlcpy(e->key, key, sizeof(e->key));
		pp = slot(t, key); /* recycling may have changed the chain */
		*pp = e;
	}
	if (e->count == 0 || now_ns - e->last_ns > INCIDENT_IDLE_S * 1000000000LL) {
		e->count = 0; /* quiet for an hour: a new incident */
		vx_strlcpy(e->first_ts, ts, sizeof(e->first_ts));
	}
	e->count++;
	if (now_ns > e->last_ns)
		e->last_ns = now_ns;
	TAILQ_INSERT_HEAD(&t->lru, e, lru);
	vx_strlcpy(first, e->first_ts, firstlen);
	n = e->count;
	pthread_mutex_unlock(&t->mu);
	return n;
}

/* --- reading the alert back -------------------------------------------- */

struct aflow {
	const char *type, *ts, *session, *proto, *src, *dst, *first_sent;
	json_int_t sport, dport; /* -1: none */
	struct addr s, d;
	bool addrs; /* s and d parsed */
};

static bool aflow_get(const json_t *alert, struct aflow *f)
{
	const json_t *fl = json_object_get(alert, "flow");

	memset(f, 0, sizeof(*f));
	f->sport = f->dport = -1;
	f->type = json_string_value(json_object_get(alert, "type"));
	f->ts = json_string_value(json_object_get(alert, "ts"));
	f->session = json_string_value(json_object_get(alert, "session"));
	f->first_sent = json_string_value(json_object_get(alert, "first_sent"));
	if (!json_is_object(fl))
		return false;
	f->proto = json_string_value(json_object_get(fl, "proto"));
	f->src = json_string_value(json_object_get(fl, "src"));
	f->dst = json_string_value(json_object_get(fl, "dst"));
	if (json_is_integer(json_object_get(fl, "sport")))
		f->sport = json_integer_value(json_object_get(fl, "sport"));
	if (json_is_integer(json_object_get(fl, "dport")))
		f->dport = json_integer_value(json_object_get(fl, "dport"));
	f->addrs = f->src != NULL && f->dst != NULL && addr_parse(f->src, &f->s) == 0 &&
	           addr_parse(f->dst, &f->d) == 0;
	return f->proto != NULL && f->addrs;
}

/* --- suppress ------------------------------------------------------------- */

static bool rule_matches(const struct suppress_rule *r, const struct aflow *f)
{
	if (r->type >= 0 &&
	    (f->type == NULL || strcmp(f->type, alert_type_name((enum alert_type)r->type)) != 0))
		return false;
	if (r->has_src && (!f->addrs || !cidr_contains(&r->src, &f->s)))
		return false;
	if (r->has_dst && (!f->addrs || !cidr_contains(&r->dst, &f->d)))
		return false;
	return true;
}

bool annotate_suppressed(const struct config *cfg, const json_t *alert)
{
	struct aflow f;

	if (cfg == NULL || cfg->nsuppress == 0)
		return false;
	aflow_get(alert, &f);
	for (size_t i = 0; i < cfg->nsuppress; i++)
		if (rule_matches(&cfg->suppress[i], &f))
			return true;
	return false;
}

/* --- the incident ---------------------------------------------------------- */

/* dst_prefix: the matching route's prefix, else the /24 (IPv4) or /64 (IPv6). */
static const char *dst_prefix(const struct session_conf *sess, const struct addr *d, char *buf,
                              size_t len)
{
	const struct route_conf *r = sess != NULL ? route_match(sess, d) : NULL;
	struct cidr c = {.addr = *d, .plen = d->family == AF_INET ? 24 : 64};

	if (r != NULL)
		return cidr_fmt(&r->prefix, buf, len);
	memset(c.addr.a + c.plen / 8, 0, sizeof(c.addr.a) - c.plen / 8);
	return cidr_fmt(&c, buf, len);
}

static void add_incident(struct incidents *inc, const struct session_conf *sess,
                         const struct aflow *f, json_t *alert)
{
	char key[INCIDENT_KEY_MAX], pfx[ADDR_STRLEN + 4], first[40];
	struct timespec ts = {0, 0};
	uint64_t n;

	if (f->type == NULL || f->ts == NULL || (!f->addrs && f->session == NULL))
		return;
	if (f->addrs)
		snprintf(key, sizeof(key), "%s %s -> %s", f->type, f->src,
		         dst_prefix(sess, &f->d, pfx, sizeof(pfx)));
	else /* no flow (session_silent): the session is the cause */
		snprintf(key, sizeof(key), "%s session %s", f->type, f->session);
	json_object_set_new(alert, "incident", json_string(key));
	if (inc == NULL)
		return;
	alert_parse_ts(f->ts, &ts);
	n = incident_count(inc, key, f->ts, ts_ns(&ts), first, sizeof(first));
	json_object_set_new(alert, "incident_first_ts", json_string(first));
	json_object_set_new(alert, "incident_count", json_integer((json_int_t)n));
}

/* --- evidence -------------------------------------------------------------- */

const char *annotate_shell_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	bool plain = s[0] != '\0';

	for (const char *p = s; *p != '\0' && plain; p++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		               "_./:@%+=,-",
		               *p) != NULL;
	if (plain) {
		vx_strlcpy(buf, s, len);
		return buf;
	}
	if (len < 3)
		return "''";
	buf[o++] = '\'';
	for (const char *p = s; *p != '\0' && o + 5 < len; p++) {
		if (*p == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = *p;
		}
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

const char *annotate_wireshark(const char *proto, const char *src, const char *dst,
                               json_int_t sport, json_int_t dport, char *buf, size_t len)
{
	const char *ip = strchr(src, ':') != NULL ? "ipv6" : "ip";
	bool ports =
	    sport >= 0 && dport >= 0 && (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0);
	int n = snprintf(buf, len, "%s.addr==%s && %s.addr==%s", ip, src, ip, dst);

	if (n < 0 || (size_t)n >= len)
		return buf;
	if (ports && sport == dport)
		snprintf(buf + n, len - (size_t)n, " && %s.port==%lld", proto, (long long)sport);
	else if (ports)
		snprintf(buf + n, len - (size_t)n, " && %s.port==%lld && %s.port==%lld", proto,
		         (long long)sport, proto, (long long)dport);
	else if (strcmp(proto, "other") != 0)
		snprintf(buf + n, len - (size_t)n, " && %s", proto);
	return buf;
}

/* out_name: a file name for the extracted flow, from its session and ends. */
static void out_name(const struct aflow *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s-%s.%lld-%s.%lld.pcap", f->session, f->proto, f->src,
	         (long long)f->sport, f->dst, (long long)f->dport);
	for (char *p = buf; *p != '\0'; p++)
		if (*p == ':')
			*p = '_'; /* IPv6 */
}

/* extract_cmd: the --extract command line for the flow, or NULL without ports. */
static json_t *extract_cmd(const struct config *cfg, const struct aflow *f)
{
	char spec[320], qspec[400], conf[1024], out[256], qout[300], cmd[2048];
	const char *s = f->src, *d = f->dst, *l4 = strchr(s, ':') != NULL ? "[" : "",
	           *r4 = *l4 != '\0' ? "]" : "";
	const char *when = f->first_sent != NULL ? f->first_sent : f->ts;

	if (f->sport < 0 || f->dport < 0 || f->session == NULL ||
	    (strcmp(f->proto, "tcp") != 0 && strcmp(f->proto, "udp") != 0))
		return json_null();
	snprintf(spec, sizeof(spec), "%s %s%s%s:%lld %s%s%s:%lld %s%s%s", f->proto, l4, s, r4,
	         (long long)f->sport, l4, d, r4, (long long)f->dport, f->session,
	         when != NULL ? " " : "", when != NULL ? when : "");
	out_name(f, out, sizeof(out));
	snprintf(
	    cmd, sizeof(cmd), "vxmirrord -c %s --extract %s -w %s",
	    annotate_shell_quote(cfg->path_abs ? cfg->path_abs : cfg->path, conf, sizeof(conf)),
	    annotate_shell_quote(spec, qspec, sizeof(qspec)),
	    annotate_shell_quote(out, qout, sizeof(qout)));
	return json_string(cmd);
}

static void add_evidence(const struct config *cfg, const struct aflow *f, json_t *alert)
{
	char ws[512];

	if (f->proto == NULL || !f->addrs)
		return;
	json_object_set_new(alert, "evidence",
	                    json_pack("{s:o, s:s}", "extract", extract_cmd(cfg, f), "wireshark",
	                              annotate_wireshark(f->proto, f->src, f->dst, f->sport,
	                                                 f->dport, ws, sizeof(ws))));
}

void annotate_alert(struct incidents *inc, const struct config *cfg,
                    const struct session_conf *sess, json_t *alert)
{
	struct aflow f;

	aflow_get(alert, &f);
	add_evidence(cfg, &f, alert);
	add_incident(inc, sess, &f, alert);
	json_object_set_new(alert, "instance", json_string(cfg->instance_name));
}
