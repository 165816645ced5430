/*
 * annotate.h - what every alert gains between the analyzer and the alert
 * log (annotate.c): the suppress rules, the incident it belongs to, the
 * instance that saw it, and the evidence commands.  Alerts are rare, so
 * this runs per alert, never per packet.
 */
#ifndef VXMIRROR_ANNOTATE_H
#define VXMIRROR_ANNOTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "vxmirror/config.h"

/* An incident: the same type, sending host and destination prefix. */
#define INCIDENT_IDLE_S   3600 /* an incident quiet this long (packet time) ends */
#define INCIDENTS_DEFAULT 4096 /* incidents remembered (LRU beyond) */

struct incidents;

/* incidents_new: a table shared by every worker (it locks itself). */
struct incidents *incidents_new(size_t max);
void incidents_free(struct incidents *);

/* annotate_suppressed: true when a rule of cfg->suppress matches `alert`. */
bool annotate_suppressed(const struct config *cfg, const json_t *alert);

/*
 * annotate_alert: add incident, incident_first_ts, incident_count
 * (counted in `inc`; without one, incident alone), instance and evidence
 * to `alert`.  `sess` (may be NULL) gives the routes for the incident's
 * destination prefix.
 */
void annotate_alert(struct incidents *inc, const struct config *cfg,
                    const struct session_conf *sess, json_t *alert);

/* annotate_wireshark: the display filter for a directed flow. */
const char *annotate_wireshark(const char *proto, const char *src, const char *dst,
                               json_int_t sport, json_int_t dport, char *buf, size_t len);
/* annotate_shell_quote: `s` as one shell word. */
const char *annotate_shell_quote(const char *s, char *buf, size_t len);

#endif
