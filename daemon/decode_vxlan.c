/*
 * decode_vxlan.c - VXLAN, RFC 7348 section 5.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|R|R|R|I|R|R|R|                   Reserved                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * AWS Traffic Mirroring sends flags 0x08 and the session's VNI.  The
 * reserved bits "MUST be ignored on receipt" (RFC 7348), so only the I
 * bit is checked.  The inner Ethernet frame follows the 8 bytes.
 */
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"

#define VXLAN_FLAG_I 0x08

enum decode_err decode_vxlan(const uint8_t *p, size_t len, uint32_t *vni, size_t *hlen)
{
	struct rd r;
	uint8_t flags;
	uint32_t id;

	*vni = 0;
	*hlen = 0;
	rd_init(&r, p, len);
	flags = rd_u8(&r);
	rd_skip(&r, 3); /* reserved */
	id = rd_be24(&r);
	rd_skip(&r, 1); /* reserved */
	if (r.err)
		return DEC_VXLAN_SHORT;
	if (!(flags & VXLAN_FLAG_I))
		return DEC_VXLAN_FLAGS;
	*vni = id;
	*hlen = r.off;
	return DEC_OK;
}
