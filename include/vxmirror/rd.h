/*
 * rd.h - a bounded reader with a sticky error (after OpenSMTPD unpack_dns.c).
 *
 * Every packet byte is read through these.  A read that needs more bytes
 * than remain sets `err`, returns 0 and leaves the offset alone; callers
 * chain reads and check `err` once.  Nothing here can read past `len`.
 */
#ifndef VXMIRROR_RD_H
#define VXMIRROR_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

/* rd_left: bytes not yet read. */
static inline size_t rd_left(const struct rd *r)
{
	return r->len - r->off;
}

/* rd_need: true when n bytes remain; otherwise set the sticky error. */
static inline bool rd_need(struct rd *r, size_t n)
{
	if (r->err || rd_left(r) < n) {
		r->err = true;
		return false;
	}
	return true;
}

static inline uint8_t rd_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	return r->p[r->off++];
}

static inline uint16_t rd_be16(struct rd *r)
{
	uint16_t v;

	if (!rd_need(r, 2))
		return 0;
	v = (uint16_t)((uint16_t)r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return v;
}

static inline uint32_t rd_be24(struct rd *r)
{
	uint32_t v;

	if (!rd_need(r, 3))
		return 0;
	v = (uint32_t)r->p[r->off] << 16 | (uint32_t)r->p[r->off + 1] << 8 | r->p[r->off + 2];
	r->off += 3;
	return v;
}

static inline uint32_t rd_be32(struct rd *r)
{
	uint32_t v;

	if (!rd_need(r, 4))
		return 0;
	v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	    (uint32_t)r->p[r->off + 2] << 8 | r->p[r->off + 3];
	r->off += 4;
	return v;
}

/* rd_bytes: copy n bytes out; on short input copy nothing. */
static inline void rd_bytes(struct rd *r, void *dst, size_t n)
{
	if (!rd_need(r, n))
		return;
	memcpy(dst, r->p + r->off, n);
	r->off += n;
}

static inline void rd_skip(struct rd *r, size_t n)
{
	if (!rd_need(r, n))
		return;
	r->off += n;
}

#endif
