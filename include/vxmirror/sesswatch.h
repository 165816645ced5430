/*
 * sesswatch.h - sessions[].expect_traffic: a configured session that has
 * received nothing for that long is a session_silent alert (warning, once
 * per silence), and its first frame after it another (info, "resumed").
 *
 * A deleted mirror session, a changed mirror filter or a security group
 * that stopped the VXLAN all look the same from here: nothing arrives.
 * Only configured sessions are watched (automatic ones come and go with
 * their traffic).  Time is the clock the caller passes: the wall clock in
 * the daemon, packet time in -r, so a replay gives the same lines.
 */
#ifndef VXMIRROR_SESSWATCH_H
#define VXMIRROR_SESSWATCH_H

#include <time.h>

#include "vxmirror/addr.h"
#include "vxmirror/pcapring.h"
#include "vxmirror/session.h"
#include "vxmirror/worker.h"

/* sesswatch_check: at `now`, declare the silences that reached their
 * session's expect_traffic, and end those whose traffic came back without
 * a frame noticing (once a second, in one thread). */
void sesswatch_check(struct ctx *, const struct timespec *now);

/* sesswatch_frame: a frame of `s` while s->watch.silent is set: end the
 * silence with that frame (ts, outer source, where it was written; ref may
 * be NULL).  Any worker; only one writes the line. */
void sesswatch_frame(struct ctx *, struct session *s, const struct timespec *ts,
                     const struct addr *mirror_src, const struct pcap_ref *ref);

#endif
