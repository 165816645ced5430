/*
 * source.h - where datagrams and frames come from.
 *
 * source_udp: the live path.  One non-blocking UDP socket per `listen`
 * endpoint, drained with recvmmsg() in batches under a per-callback budget
 * so timers and signals still run; kernel receive timestamps
 * (SO_TIMESTAMPNS) and kernel drop counts (SO_RXQ_OVFL).
 *
 * source_file: offline mode (-r).  Reads a capture with libpcap and feeds
 * every frame through the same pipeline: VXLAN datagrams (outer UDP to a
 * VXLAN port) go to worker_datagram(), plain frames to a session's
 * worker_frame().
 */
#ifndef VXMIRROR_SOURCE_H
#define VXMIRROR_SOURCE_H

#include "vxmirror/worker.h"

/* source_udp_open: bind every listen endpoint once per worker (in worker
 * order, with SO_REUSEPORT and the steering program when there are
 * several) and add read events to each worker's base.  0, or -1 after
 * logging which endpoint failed and why. */
int source_udp_open(struct worker *w, size_t nworkers);
/* source_udp_count: sockets bound over all workers. */
size_t source_udp_count(struct worker *w, size_t nworkers);
/* source_udp_drain: one budgeted pass over every socket (at shutdown). */
void source_udp_drain(struct worker *);
void source_udp_close(struct worker *);

/* source_file_run: replay `path` ("-" = stdin).  `plain_session` names the
 * session for unencapsulated frames (NULL: config default).  0, or -1 when
 * the file cannot be read. */
int source_file_run(struct worker *, const char *path, const char *plain_session);

#endif
