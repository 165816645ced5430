/*
 * fuzz_analyzer.c - libFuzzer target for the analyzer fed sequences of packets.
 *
 * The analyzer keeps state across packets (flow table, handshakes, alert
 * dedupe, LRU eviction, expiry), so single packets reach little of it.
 * An input is a sequence of records, each decoded with decode_ether() and
 * handed to analyzer_packet() the way worker_frame() does:
 *
 *	byte 0:            table sizes: max_flows = 1 + (b & 0x3f), max_paths = 1 + (b >> 6)
 *	then, repeated:    ctl (1 byte), len (2 bytes, big-endian), len bytes
 *
 *	ctl & 0x0f   packet time step: 0..14 s forward, 15 = one second back
 *	ctl & 0x10   analyzer_tick() after the packet
 *	ctl & 0x20   no pcap_ref (a session with pcap: off)
 *	ctl & 0x40   session "b" (no routes, no path MTU) instead of "a"
 *	ctl & 0x80   no mirror source (a plain capture)
 *
 * A record cut short by the end of the input takes what is left.  Session
 * "a" has routes of both families and a path_mtu, so oversize_df and
 * mss_exceeds_path_mtu fire.  Every alert must serialise to JSON with the
 * fields every alert carries; the flow table must stay within max_flows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vxmirror/analyzer.h"
#include "vxmirror/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FA_T0 1700000000 /* packet time of the first record */

struct fa_state {
	struct session_conf sess[2];
	struct route_conf routes[4];
	struct addr mirror;
	uint64_t alerts;
};

/* fa_route: one route of session "a"; aborts on a bad literal (a bug here). */
static void fa_route(struct route_conf *r, const char *prefix, uint32_t mtu)
{
	const char *why;

	if (cidr_parse(prefix, &r->prefix, &why) != 0)
		abort();
	r->mtu = mtu;
}

/* fa_setup: two sessions, routes of both families, a mirror source. */
static void fa_setup(struct fa_state *s)
{
	memset(s, 0, sizeof(*s));
	fa_route(&s->routes[0], "198.18.0.0/15", 1500);
	fa_route(&s->routes[1], "198.18.2.0/24", 1399);
	fa_route(&s->routes[2], "2001:db8::/32", 1280);
	fa_route(&s->routes[3], "0.0.0.0/0", 9001);
	strcpy(s->sess[0].name, "a");
	s->sess[0].vni = 100;
	s->sess[0].path_mtu = 8500;
	s->sess[0].routes = s->routes;
	s->sess[0].nroutes = 4;
	s->sess[0].pcap = true;
	strcpy(s->sess[1].name, "b");
	s->sess[1].vni = 200;
	if (addr_parse("198.18.1.1", &s->mirror) != 0)
		abort();
}

/* fa_has: the alert holds `key` of JSON type `type`. */
static void fa_has(json_t *o, const char *key, json_type type)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_typeof(v) != type)
		abort();
}

/* fa_alert: every alert names its type, flow and session and serialises. */
static void fa_alert(void *arg, enum alert_type t, json_t *o)
{
	struct fa_state *s = arg;
	const char *type;
	char *line;

	if ((unsigned)t >= ALERT__MAX || !json_is_object(o))
		abort();
	type = json_string_value(json_object_get(o, "type"));
	if (type == NULL || strcmp(type, alert_type_name(t)) != 0)
		abort();
	fa_has(o, "ts", JSON_STRING);
	fa_has(o, "severity", JSON_STRING);
	fa_has(o, "session", JSON_STRING);
	fa_has(o, "flow", JSON_OBJECT);
	fa_has(o, "message", JSON_STRING);
	fa_has(o, "advice", JSON_STRING);
	if (json_object_get(o, "pcap") == NULL)
		abort();
	line = json_dumps(o, JSON_COMPACT);
	if (line == NULL || strchr(line, '\n') != NULL)
		abort();
	free(line);
	s->alerts++;
}

/* fa_step: advance packet time by the record's control byte. */
static void fa_step(struct timespec *ts, uint8_t ctl)
{
	unsigned adv = ctl & 0x0f;

	if (adv == 0x0f)
		ts->tv_sec -= 1;
	else
		ts->tv_sec += adv;
	ts->tv_nsec = (ts->tv_nsec + 1000) % 1000000000;
}

/* fa_one: decode one frame and feed it, as worker_frame() does. */
static void fa_one(struct analyzer *an, struct fa_state *s, uint8_t ctl, const struct timespec *ts,
                   const uint8_t *p, size_t len, uint64_t frame)
{
	struct pcap_ref ref;
	struct packet pkt;
	enum decode_err e;

	pkt.ts = *ts;
	e = decode_ether(&pkt, p, len);
	if ((unsigned)e >= DEC__MAX)
		abort();
	if (e != DEC_OK)
		return;
	strcpy(ref.file, "/fuzz/a-20231114T221320Z-000001.pcap");
	ref.frame = frame;
	analyzer_packet(an, &s->sess[(ctl & 0x40) ? 1 : 0], (ctl & 0x80) ? NULL : &s->mirror, &pkt,
	                (ctl & 0x20) ? NULL : &ref);
	if (ctl & 0x10)
		analyzer_tick(an, ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyzer_conf conf = {.retransmit_threshold = 3,
	                             .flow_timeout = 300,
	                             .closed_timeout = 30,
	                             .fragment_alert_interval = 60};
	struct timespec ts = {FA_T0, 0};
	struct analyzer_stats st;
	struct fa_state s;
	struct analyzer *an;
	uint64_t frame = 0;
	size_t off = 1;

	if (size < 1)
		return 0;
	fa_setup(&s);
	conf.max_flows = 1 + (data[0] & 0x3f);
	conf.max_paths = 1 + (data[0] >> 6); /* 1..4: eviction is exercised too */
	an = analyzer_new(&conf, fa_alert, &s);
	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		fa_step(&ts, ctl);
		fa_one(an, &s, ctl, &ts, data + off, len, ++frame);
		off += len;
	}
	analyzer_get_stats(an, &st);
	if (st.flows_active > conf.max_flows)
		abort();
	analyzer_free(an);
	return 0;
}
