/*
 * decode_geneve.c - GENEVE (RFC 8926), as a Gateway Load Balancer delivers it.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Variable-Length Options                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Opt Len counts 4-byte words.  The payload is an IPv4/IPv6 packet
 * (protocol type 0x0800/0x86dd) or an Ethernet frame (0x6558).
 */
#include "vxmirror/packet.h"
#include "vxmirror/rd.h"

#define GENEVE_HLEN 8

enum decode_err decode_geneve(const uint8_t *p, size_t len, uint16_t *proto, size_t *hlen)
{
	struct rd r;
	uint8_t vo;
	size_t optlen;

	rd_init(&r, p, len);
	vo = rd_u8(&r);
	rd_skip(&r, 1);
	*proto = rd_be16(&r);
	rd_skip(&r, 4);
	if (r.err)
		return DEC_GENEVE;
	if ((vo >> 6) != 0)
		return DEC_GENEVE; /* only version 0 exists */
	optlen = (size_t)(vo & 0x3f) * 4;
	if (optlen > len - GENEVE_HLEN)
		return DEC_GENEVE;
	*hlen = GENEVE_HLEN + optlen;
	return DEC_OK;
}
