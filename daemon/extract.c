/*
 * extract.c - one flow out of a session's pcaps (see extract.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "vxmirror/alert.h"
#include "vxmirror/extract.h"
#include "vxmirror/log.h"
#include "vxmirror/packet.h"
#include "vxmirror/pcapring.h"
#include "vxmirror/util.h"

#define EX_SNAPLEN 262144

static VX_PRINTF(3, 4) int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int proto_parse(const char *s, uint8_t *proto)
{
	if (strcmp(s, "tcp") == 0)
		*proto = IPPROTO_TCP_;
	else if (strcmp(s, "udp") == 0)
		*proto = IPPROTO_UDP_;
	else
		return -1;
	return 0;
}

/* endpoint_parse: "198.18.0.1:80" or "[2001:db8::1]:80". */
static int flow_endpoint_parse(const char *s, struct addr *a, uint16_t *port)
{
	char buf[128];
	const char *colon;
	char *end;
	unsigned long p;
	size_t n;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			return -1;
		n = (size_t)(rb - s - 1);
		colon = rb + 1;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (addr_parse(buf, a) == -1)
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int parse_alert(const char *text, struct extract_spec *sp, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je), *fl;
	const char *sess = NULL, *proto = NULL, *src = NULL, *dst = NULL, *ts = NULL, *first = NULL;
	json_int_t sport = -1, dport = -1;
	int rc = -1;

	if (o == NULL)
		return fail(err, errlen, "not an alert line: %s (column %d)", je.text, je.column);
	fl = json_object_get(o, "flow");
	if (json_unpack_ex(o, &je, 0, "{s?s, s?s}", "session", &sess, "ts", &ts) == -1 ||
	    !json_is_object(fl) ||
	    json_unpack_ex(fl, &je, 0, "{s:s, s:s, s:s, s?I, s?I}", "proto", &proto, "src", &src,
	                   "dst", &dst, "sport", &sport, "dport", &dport) == -1) {
		fail(err, errlen, "the alert has no usable flow: %s", je.text);
		goto out;
	}
	if (proto_parse(proto, &sp->proto) == -1 || sport < 0 || sport > 65535 || dport < 0 ||
	    dport > 65535) {
		fail(err, errlen, "the alert's flow is %s without ports: nothing to extract by",
		     proto);
		goto out;
	}
	if (addr_parse(src, &sp->src) == -1 || addr_parse(dst, &sp->dst) == -1) {
		fail(err, errlen, "the alert's flow has a bad address");
		goto out;
	}
	sp->sport = (uint16_t)sport;
	sp->dport = (uint16_t)dport;
	if (sess != NULL)
		vx_strlcpy(sp->session, sess, sizeof(sp->session));
	if (ts != NULL && alert_parse_ts(ts, &sp->t1) == 0) {
		sp->has_time = true;
		sp->t0 = sp->t1;
		/* a black hole's story starts when the segment was first sent */
		if (json_unpack(o, "{s:s}", "first_sent", &first) == 0)
			alert_parse_ts(first, &sp->t0);
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* flow_time: the optional trailing "TS" of a flow spec (an alert's time, so
 * only the files around it are read). */
static int flow_time(const char *t, struct extract_spec *sp)
{
	if (alert_parse_ts(t, &sp->t0) == -1)
		return -1;
	sp->t1 = sp->t0;
	sp->has_time = true;
	return 0;
}

int extract_parse(const char *text, struct extract_spec *sp, char *err, size_t errlen)
{
	char buf[512], *f[6], *save = NULL;
	size_t n = 0;

	memset(sp, 0, sizeof(*sp));
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == '{')
		return parse_alert(text, sp, err, errlen);
	if (strlen(text) >= sizeof(buf))
		return fail(err, errlen, "flow spec too long");
	vx_strlcpy(buf, text, sizeof(buf));
	buf[strcspn(buf, "\r\n")] = '\0';
	for (char *t = strtok_r(buf, " \t", &save); t != NULL && n < 6;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n < 3 || n > 5)
		return fail(err, errlen,
		            "expected an alert line or 'PROTO SRC:PORT DST:PORT [SESSION] [TIME]', "
		            "got '%s'",
		            text);
	if (proto_parse(f[0], &sp->proto) == -1)
		return fail(err, errlen, "protocol '%s': expected tcp or udp", f[0]);
	if (flow_endpoint_parse(f[1], &sp->src, &sp->sport) == -1)
		return fail(err, errlen, "'%s': expected ADDR:PORT ([ADDR]:PORT for IPv6)", f[1]);
	if (flow_endpoint_parse(f[2], &sp->dst, &sp->dport) == -1)
		return fail(err, errlen, "'%s': expected ADDR:PORT ([ADDR]:PORT for IPv6)", f[2]);
	/* the last extra field may be the time (an alert's "ts" form) */
	if (n > 3 && flow_time(f[n - 1], sp) == 0)
		n--;
	else if (n == 5)
		return fail(err, errlen, "'%s': expected a time like 2026-11-23T10:08:44.682783Z",
		            f[4]);
	if (n == 4)
		vx_strlcpy(sp->session, f[3], sizeof(sp->session));
	return 0;
}

/* --- choosing files ------------------------------------------------------------ */

struct exfile {
	char *path;
	time_t start; /* from the name; 0 when the name has none */
	time_t end;   /* modification time */
};

static int exfile_cmp(const void *a, const void *b)
{
	const struct exfile *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void list_session(const char *sdir, struct exfile **v, size_t *n, size_t *cap)
{
	struct dirent *de;
	DIR *d = opendir(sdir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct pcap_name pn;
		struct stat sb;
		char *p;
		if (pcapring_parse_name(de->d_name, &pn) == PCAP_NAME_OTHER)
			continue;
		p = xasprintf("%s/%s", sdir, de->d_name);
		if (stat(p, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			free(p);
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 32;
			*v = xreallocarray(*v, *cap, sizeof(**v));
		}
		(*v)[*n].path = p;
		(*v)[*n].start = pcap_name_start(&pn);
		(*v)[*n].end = sb.st_mtime;
		(*n)++;
	}
	closedir(d);
}

/* --- matching frames ----------------------------------------------------------- */

static bool flow_match(const struct extract_spec *sp, uint8_t proto, const struct addr *s,
                       uint16_t sport, const struct addr *d, uint16_t dport)
{
	if (proto != sp->proto)
		return false;
	return (addr_eq(s, &sp->src) && sport == sp->sport && addr_eq(d, &sp->dst) &&
	        dport == sp->dport) ||
	       (addr_eq(s, &sp->dst) && sport == sp->dport && addr_eq(d, &sp->src) &&
	        dport == sp->sport);
}

/* frame_match: 1 = the flow, 2 = an ICMP error quoting it, 0 = neither. */
static int frame_match(const struct extract_spec *sp, const uint8_t *p, size_t len)
{
	struct packet pkt;

	if (decode_ether(&pkt, p, len) != DEC_OK || pkt.ipver == 0)
		return 0;
	if ((pkt.flags & PKT_HAS_L4) && !(pkt.flags & PKT_FRAGMENT) &&
	    flow_match(sp, pkt.proto, &pkt.src, pkt.sport, &pkt.dst, pkt.dport))
		return 1;
	if ((pkt.flags & PKT_QUOTED) && pkt.quoted.has_ports &&
	    flow_match(sp, pkt.quoted.proto, &pkt.quoted.src, pkt.quoted.sport, &pkt.quoted.dst,
	               pkt.quoted.dport))
		return 2;
	return 0;
}

static bool ts_lt(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int extract_run(const char *pcap_dir, const struct extract_spec *sp, double window_s,
                const char *out, struct extract_stats *st, char *err, size_t errlen)
{
	struct exfile *v = NULL;
	size_t n = 0, cap = 0;
	struct timespec lo = {0, 0}, hi = {0, 0};
	pcap_t *dead;
	pcap_dumper_t *du;
	char ebuf[PCAP_ERRBUF_SIZE];
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (sp->session[0] != '\0') {
		char *sdir = xasprintf("%s/%s", pcap_dir, sp->session);
		struct stat sb;
		if (stat(sdir, &sb) == -1) {
			rc = fail(err, errlen, "no pcaps of session %s: %s: %s", sp->session, sdir,
			          strerror(errno));
			free(sdir);
			return rc;
		}
		list_session(sdir, &v, &n, &cap);
		free(sdir);
	} else {
		DIR *d = opendir(pcap_dir);
		struct dirent *de;
		if (d == NULL)
			return fail(err, errlen, "%s: %s", pcap_dir, strerror(errno));
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char *sdir = xasprintf("%s/%s", pcap_dir, de->d_name);
			list_session(sdir, &v, &n, &cap);
			free(sdir);
		}
		closedir(d);
	}
	qsort(v, n, sizeof(*v), exfile_cmp);
	st->files_total = n;
	if (sp->has_time) {
		long long w = (long long)(window_s + 0.999999);
		lo = sp->t0, hi = sp->t1;
		lo.tv_sec -= w;
		hi.tv_sec += w;
	}
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, EX_SNAPLEN,
	                                            PCAP_TSTAMP_PRECISION_NANO);
	if ((du = pcap_dump_open(dead, out)) == NULL) {
		rc = fail(err, errlen, "%s: %s", out, pcap_geterr(dead));
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *pc;
		int r;

		/* a file [start, end] that ends before the window or starts after it */
		if (sp->has_time && ((v[i].end < lo.tv_sec) || (v[i].start > hi.tv_sec)))
			continue;
		pc = pcap_open_offline_with_tstamp_precision(v[i].path, PCAP_TSTAMP_PRECISION_NANO,
		                                             ebuf);
		if (pc == NULL) /* an empty .part that has no header yet, say */
			continue;
		st->files_read++;
		while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
			struct timespec ts = {h->ts.tv_sec, h->ts.tv_usec};
			st->frames_read++;
			if (sp->has_time && (ts_lt(&ts, &lo) || ts_lt(&hi, &ts)))
				continue;
			switch (frame_match(sp, data, h->caplen)) {
			case 1:
				st->frames_flow++;
				break;
			case 2:
				st->frames_icmp++;
				break;
			default:
				continue;
			}
			pcap_dump((u_char *)du, h, data);
		}
		pcap_close(pc);
	}
	if (pcap_dump_flush(du) == -1)
		rc = fail(err, errlen, "%s: write error", out);
	pcap_dump_close(du);
done:
	pcap_close(dead);
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	return rc;
}
