/*
 * detector.h - the table of detections the analyzer runs (detector.c).
 *
 * Each detect_*.c file exports one `struct detector`.  For every IPv4/IPv6
 * packet the analyzer walks detector_table[] in order and calls the
 * `packet` callback of each detector whose `events` match the packet; the
 * order is part of the output (alerts of one packet come out in table
 * order), so new entries go where their alerts should appear.
 *
 * How to add a detector
 *   1. Write daemon/detect_<name>.c with its rule and one
 *      `const struct detector detector_<name> = { ... };`: a name, the
 *      events it wants, optional per-worker state_new/state_free (the
 *      state is handed to every callback; nothing is allocated per
 *      packet), and the packet callback.
 *   2. Add one line to detector_table[] in daemon/detector.c (and its
 *      extern next to it), and the file to vx_analyzer in CMakeLists.txt.
 *   3. Give its alert type an entry in enum alert_type and docs/alerts.md.
 */
#ifndef VXMIRROR_DETECTOR_H
#define VXMIRROR_DETECTOR_H

#include <stddef.h>

struct pctx; /* the packet being analysed (analyzer_int.h) */

/* The packet events a detector can ask for. */
enum detector_event {
	DET_EV_IP = 0x01,  /* every IPv4/IPv6 packet of a known session */
	DET_EV_TCP = 0x02, /* a TCP segment that has a flow entry */
};

struct detector {
	const char *name;
	unsigned events;          /* DET_EV_* */
	void *(*state_new)(void); /* per-worker state, or NULL */
	void (*state_free)(void *);
	void (*packet)(struct pctx *, void *state);
};

/* detector_table: every detector, in the order the analyzer runs them. */
extern const struct detector *const detector_table[];
extern const size_t detector_count;

#endif
