/*
 * steer.h - keep both directions of an inner flow on one worker.
 *
 * With several workers, each binds its own socket to every listen
 * endpoint with SO_REUSEPORT.  The kernel's default reuseport hash uses
 * the outer 4-tuple, and AWS derives the outer UDP source port from the
 * *directional* inner 5-tuple, so the two directions of a connection would
 * land on different workers and their flow tables would each see half of
 * it.  steer_attach() installs a classic-BPF reuseport program
 * (SO_ATTACH_REUSEPORT_CBPF) that reads the inner IPv4/IPv6 addresses out
 * of the VXLAN payload (or GENEVE + IP/UDP + VXLAN) and picks the socket by
 * a symmetric hash of them: src ^ dst is the same both ways.
 *
 * The program sees the UDP payload.  A packet it cannot parse (not IP
 * inside, or too short) gets an out-of-range index, which makes the kernel
 * fall back to its default hash.
 */
#ifndef VXMIRROR_STEER_H
#define VXMIRROR_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_filter;

/* steer_program: build the program for `nsocks` sockets into prog
 * (room for STEER_MAX_INSNS); returns the instruction count, 0 if it
 * would not fit. */
#define STEER_MAX_INSNS 128
size_t steer_program(struct sock_filter *prog, uint32_t nsocks, bool geneve);

/* steer_attach: attach it to the reuseport group of `fd`.  0 or -1 (errno). */
int steer_attach(int fd, uint32_t nsocks, bool geneve);

/* steer_pick: the same choice computed in C, for tests: the socket index
 * for a VXLAN payload `p` (UDP payload), or -1 when it falls back. */
int steer_pick(const uint8_t *p, size_t len, uint32_t nsocks);

#endif
