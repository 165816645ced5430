/*
 * config.h - the daemon's configuration, loaded from YAML with libyaml.
 *
 * The YAML is loaded into these structs; all defaults live in one place
 * (config_defaults() in config.c).  A loaded config is immutable: a reload
 * (SIGHUP) parses into a fresh struct config and swaps it in only when the
 * whole file is valid.
 */
#ifndef VXMIRROR_CONFIG_H
#define VXMIRROR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vxmirror/addr.h"

struct bpf_program;

#define CONFIG_NAME_MAX 64 /* session names become directory names */

enum unknown_vni { UNKNOWN_VNI_DROP = 0, UNKNOWN_VNI_AUTO };

struct route_conf {
	struct cidr prefix;
	uint32_t mtu;
};

struct session_conf {
	char name[CONFIG_NAME_MAX]; /* [A-Za-z0-9._-], not starting with '.' */
	uint32_t vni;               /* 0..16777215 */
	uint32_t path_mtu;          /* 0 = not configured */
	struct route_conf *routes;
	size_t nroutes;
	bool pcap; /* write pcaps for this session (default on) */
	int line;  /* where it was defined, for messages */
	/* expect_traffic: seconds without a packet after which the session is
	 * reported silent (session_silent); 0 = off */
	uint64_t expect_traffic;
	/* pcap_filter: a libpcap expression deciding which frames are written
	 * (the analyzer sees all); NULL = pcap.filter.  filter: the compiled
	 * program, this session's or pcap.filter's; NULL = write every frame. */
	char *pcap_filter;
	const struct bpf_program *filter;
};

struct pcap_conf {
	uint64_t rotate_size;      /* bytes; 0 = no size rotation */
	uint64_t rotate_interval;  /* seconds; 0 = no time rotation */
	uint32_t keep_files;       /* per session; 0 = keep all */
	uint32_t snaplen;          /* bytes kept per packet in the pcap */
	uint64_t max_disk;         /* bytes of all pcaps under pcap_dir; 0 = no cap */
	uint64_t min_free;         /* bytes to keep free on pcap_dir's filesystem, or ... */
	uint32_t min_free_pct;     /* ... this percent of it (one of the two is set) */
	char **on_complete;        /* hook argv ({file}, {session}), NULL-terminated; NULL = none */
	uint32_t on_complete_jobs; /* hooks running at once */
	bool delete_after_hook;    /* delete a file once its hook exits 0 */
	char *filter;              /* default pcap_filter of every session, NULL = none */
	struct bpf_program *filter_prog; /* compiled */
};

struct analyzer_conf {
	uint32_t retransmit_threshold;    /* pmtud_blackhole: retransmits of one segment */
	uint32_t max_flows;               /* flow table cap (LRU eviction) */
	uint32_t max_paths;               /* path-MTU map cap per worker (LRU eviction) */
	uint64_t flow_timeout;            /* idle timeout, seconds */
	uint64_t closed_timeout;          /* after FIN/RST, seconds */
	uint32_t fragment_alert_interval; /* seconds between `fragmented` alerts per session */
};

/* analyzer.suppress: one known issue whose alerts are counted, not written.
 * Each part is optional (at least one is given); all given parts must match. */
struct suppress_rule {
	int type;              /* enum alert_type, or -1 = any type */
	bool has_src, has_dst; /* match the alert's flow.src / flow.dst */
	struct cidr src, dst;
	int line;
};

struct config {
	char *path;          /* file it was loaded from */
	char *path_abs;      /* the same, absolute (for commands in alerts); may be NULL */
	char *instance_name; /* every alert's "instance"; default the host name */

	struct endpoint *listen; /* VXLAN (UDP 4789) listeners */
	size_t nlisten;
	struct endpoint *geneve_listen; /* GENEVE (UDP 6081, GWLB targets) listeners */
	size_t ngeneve;
	uint32_t workers;  /* worker threads; 0 = auto (one per CPU) */
	uint64_t rcvbuf;   /* SO_RCVBUF per socket, bytes */
	bool http_enabled; /* serve /healthz and /metrics */
	struct endpoint http_listen;
	struct cidr *allowed; /* empty = allow all */
	size_t nallowed;

	char *pcap_dir;
	char *alert_log;
	char *paths_log; /* path-MTU map snapshots (JSON Lines); NULL = off */
	int pcap_dir_line, alert_log_line, paths_log_line; /* where they were set (0: default) */
	uint64_t paths_interval;                           /* seconds between paths_log snapshots */
	struct pcap_conf pcap;

	enum unknown_vni unknown_vni;
	struct session_conf *sessions;
	size_t nsessions;
	/* session that plain (unencapsulated) frames of a -r capture go to;
	 * NULL = an automatic session named "capture" (no VNI, no path MTU) */
	char *offline_session;

	struct analyzer_conf analyzer;
	struct suppress_rule *suppress; /* analyzer.suppress */
	size_t nsuppress;
};

/* One problem found while loading, as "file:line: message". */
struct config_error {
	int line;
	char msg[256];
};

struct config_errors {
	struct config_error *v;
	size_t n;
};

/*
 * config_load: parse `path`.  Returns a new config, or NULL with every
 * problem found appended to *errs (which the caller frees with
 * config_errors_free).  Never exits.
 */
struct config *config_load(const char *path, struct config_errors *errs);
/* config_load_string: the same from memory (tests, fuzzing); `name` stands in for the path. */
struct config *config_load_string(const char *name, const char *yaml, size_t len,
                                  struct config_errors *errs);
void config_free(struct config *);
/* config_analyzer_defaults: the analyzer section's defaults (config_defaults() uses it). */
void config_analyzer_defaults(struct analyzer_conf *);
void config_errors_print(const struct config_errors *, const char *path, FILE *);
void config_errors_free(struct config_errors *);

/* config_check_dirs: --check-config's look at the filesystem: pcap_dir and
 * the directories of alert_log and paths_log must exist or be creatable
 * (the nearest existing ancestor a writable directory).  Appends file:line
 * errors; returns how many. */
size_t config_check_dirs(const struct config *, struct config_errors *);

/* config_print: the effective settings, for --check-config. */
void config_print(const struct config *, FILE *);

/* config_find_vni / config_find_name: NULL when absent. */
const struct session_conf *config_find_vni(const struct config *, uint32_t vni);
const struct session_conf *config_find_name(const struct config *, const char *name);

/* parse_size: "100MiB", "1GB", "4096" -> bytes.  parse_duration: "5m", "1h", "30s", "250ms" is
 * rejected (whole seconds). */
int parse_size(const char *, uint64_t *out);
int parse_duration(const char *, uint64_t *seconds);

#endif
