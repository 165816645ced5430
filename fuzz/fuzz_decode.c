/*
 * fuzz_decode.c - libFuzzer target for the packet decoder.
 *
 * Each input is decoded as an Ethernet frame, as a bare IP packet, as a
 * VXLAN datagram whose inner frame is then decoded, and as a GENEVE
 * datagram (a Gateway Load Balancer's) whose payload is then decoded as
 * its protocol type says (what a worker does).  Beyond "no crash, no
 * over-read" (ASan), it checks the invariants every later stage relies on.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vxmirror/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fd_check: the invariants of a decoded packet, whatever the input. */
static void fd_check(const struct packet *pkt, enum decode_err e, size_t size)
{
	if ((unsigned)e >= DEC__MAX || decode_err_name(e) == NULL)
		abort();
	if (pkt->cap_len != size || pkt->wire_len < size)
		abort();
	if (packet_payload_cap(pkt) > size)
		abort();
	if (pkt->nvlan > 2)
		abort();
	if (pkt->l3_off > size || pkt->l4_off > size)
		abort();
	if (pkt->ipver != 0 && pkt->ip_len != 0 && pkt->wire_len < pkt->l3_off + pkt->ip_len)
		abort();
	if (e == DEC_OK && pkt->ipver != 0 && pkt->ip_hlen > pkt->ip_len)
		abort();
	if ((pkt->flags & PKT_QUOTED) && pkt->quoted.ipver != 4 && pkt->quoted.ipver != 6)
		abort();
}

/* fd_geneve: a GENEVE header, then its payload by protocol type. */
static void fd_geneve(const uint8_t *data, size_t size)
{
	struct packet pkt = {0};
	enum decode_err e;
	uint16_t proto;
	size_t hlen;

	if (decode_geneve(data, size, &proto, &hlen) != DEC_OK)
		return;
	if (hlen > size)
		abort();
	if (proto == 0x6558)
		e = decode_ether(&pkt, data + hlen, size - hlen);
	else if (proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6)
		e = decode_ip(&pkt, data + hlen, size - hlen);
	else
		return;
	fd_check(&pkt, e, size - hlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkt = {0};
	enum decode_err e;
	uint32_t vni;
	size_t hlen;

	e = decode_ether(&pkt, data, size);
	fd_check(&pkt, e, size);
	e = decode_ip(&pkt, data, size);
	fd_check(&pkt, e, size);
	if (decode_vxlan(data, size, &vni, &hlen) == DEC_OK) {
		if (hlen > size || vni > 0xffffff)
			abort();
		e = decode_ether(&pkt, data + hlen, size - hlen);
		fd_check(&pkt, e, size - hlen);
	}
	fd_geneve(data, size);
	return 0;
}
