/*
 * fuzz_decode.c - libFuzzer target for the packet decoder.
 *
 * Each input is decoded twice: as an Ethernet frame, and as a VXLAN
 * datagram whose inner frame is then decoded (what a worker does).  Beyond
 * "no crash, no over-read" (ASan), it checks the invariants every later
 * stage relies on.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vxmirror/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check: the invariants of a decoded packet, whatever the input. */
static void check(const struct packet *pkt, enum decode_err e, size_t size)
{
	if ((unsigned)e >= DEC__MAX || decode_err_name(e) == NULL)
		abort();
	if (pkt->cap_len != size || pkt->wire_len < size)
		abort();
	if (packet_payload_cap(pkt) > size)
		abort();
	if (pkt->nvlan > 2)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkt = {0};
	enum decode_err e;
	uint32_t vni;
	size_t hlen;

	e = decode_ether(&pkt, data, size);
	check(&pkt, e, size);
	if (decode_vxlan(data, size, &vni, &hlen) == DEC_OK) {
		e = decode_ether(&pkt, data + hlen, size - hlen);
		check(&pkt, e, size - hlen);
	}
	return 0;
}
