/*
 * steer.c - classic-BPF reuseport steering by a symmetric inner-flow hash.
 *
 * Layout seen by the program (offsets from the UDP payload, plus X):
 *
 *   X+0   VXLAN header (8)
 *   X+8   inner Ethernet: dst(6) src(6) type(2)   [+4 per 802.1Q tag, one handled]
 *   X+22  inner IPv4: src at +12, dst at +16      inner IPv6: src at +8, dst at +24
 *
 * For GENEVE sockets a prologue first sets X past the GENEVE header and the
 * IPv4 + UDP headers of the mirrored packet it carries (GWLB delivers the
 * VXLAN packet itself inside GENEVE, protocol type 0x0800).
 *
 * An ICMP or ICMPv6 error (unreachable / packet too big, time exceeded,
 * parameter problem; for IPv4 also source quench and redirect) is hashed
 * by the addresses of the packet it quotes instead of its own: the router
 * that sent it is no end of the flow, and the analyzer must see the PTB on
 * the worker that owns the flow it quotes.  The hash is symmetric, so the
 * quoted sender -> receiver lands where both directions of the flow do.
 */
#include <errno.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/socket.h>

#include "vxmirror/steer.h"

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

#define FALLBACK 0xffffffffu /* >= nsocks: the kernel uses its own hash */

struct prog {
	struct sock_filter *v;
	size_t n;
	bool overflow;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n < STEER_MAX_INSNS)
		p->v[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
	else
		p->overflow = true;
}

/* geneve_prologue: X = GENEVE header + inner IPv4 header + UDP header. */
static void geneve_prologue(struct prog *p)
{
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, 2);       /* protocol type */
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0x0800); /* IPv4 inside? */
	emit(p, BPF_RET | BPF_K, 0, 0, FALLBACK);
	emit(p, BPF_LD | BPF_B | BPF_ABS, 0, 0, 0); /* ver | opt len */
	emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0x3f);
	emit(p, BPF_ALU | BPF_LSH | BPF_K, 0, 0, 2);
	emit(p, BPF_ALU | BPF_ADD | BPF_K, 0, 0, 8); /* + fixed header */
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);        /* X = inner IPv4 */
	emit(p, BPF_LD | BPF_B | BPF_IND, 0, 0, 0);  /* version | IHL */
	emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0x0f);
	emit(p, BPF_ALU | BPF_LSH | BPF_K, 0, 0, 2);
	emit(p, BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0);
	emit(p, BPF_ALU | BPF_ADD | BPF_K, 0, 0, 8); /* + UDP header */
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);        /* X = VXLAN */
}

/* load_words: M[m..] = n words at X+off. */
static void load_words(struct prog *p, uint32_t off, uint32_t n, uint32_t m)
{
	for (uint32_t i = 0; i < n; i++) {
		emit(p, BPF_LD | BPF_W | BPF_IND, 0, 0, off + 4 * i);
		emit(p, BPF_ST, 0, 0, m + i);
	}
}

/* fold_and_pick: A = xor of M[0..n-1], folded, modulo nsocks; return it. */
static void fold_and_pick(struct prog *p, uint32_t n, uint32_t nsocks)
{
	emit(p, BPF_LD | BPF_MEM, 0, 0, 0);
	for (uint32_t i = 1; i < n; i++) {
		emit(p, BPF_LDX | BPF_MEM, 0, 0, i);
		emit(p, BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0);
	}
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, 0, 0, 16);
	emit(p, BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0);
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, 0, 0, 8);
	emit(p, BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0);
	emit(p, BPF_ALU | BPF_MOD | BPF_K, 0, 0, nsocks);
	emit(p, BPF_RET | BPF_A, 0, 0, 0);
}

/* jump_here: point the jt (or jf) of the jump at `at` to the next instruction. */
static void jump_here(struct prog *p, size_t at, bool jt)
{
	if (p->overflow)
		return;
	if (jt)
		p->v[at].jt = (uint8_t)(p->n - at - 1);
	else
		p->v[at].jf = (uint8_t)(p->n - at - 1);
}

/*
 * icmp4_quote: an ICMP error is steered by the packet it quotes, so that it
 * reaches the worker that owns that flow (the hash is symmetric, so the
 * quoted sender -> receiver gives the flow's own worker).  In: X = base, A
 * = the IP protocol.  Out, at the returned jump's target: X moved so that
 * X+22 is the quoted IP header; every other case falls through with X as
 * it was.  Both continue with the plain IPv4 hash.
 */
static void icmp4_quote(struct prog *p)
{
	static const uint8_t errors[] = {3, 4, 5, 11, 12}; /* unreach, quench, redirect, ... */
	size_t not_icmp, jumps[sizeof(errors)], skip;

	not_icmp = p->n;
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1); /* ICMP? jf patched */
	emit(p, BPF_MISC | BPF_TXA, 0, 0, 0);
	emit(p, BPF_ST, 0, 0, 15);                   /* M[15] = X */
	emit(p, BPF_LD | BPF_B | BPF_IND, 0, 0, 22); /* version | IHL */
	emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0x0f);
	emit(p, BPF_ALU | BPF_LSH | BPF_K, 0, 0, 2);
	emit(p, BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0);
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);        /* X = base + IHL */
	emit(p, BPF_LD | BPF_B | BPF_IND, 0, 0, 22); /* ICMP type */
	for (size_t i = 0; i < sizeof(errors); i++) {
		jumps[i] = p->n;
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, errors[i]); /* jt patched */
	}
	emit(p, BPF_LDX | BPF_MEM, 0, 0, 15); /* not an error: X back */
	skip = p->n;
	emit(p, BPF_JMP | BPF_JA, 0, 0, 0); /* k patched */
	for (size_t i = 0; i < sizeof(errors); i++)
		jump_here(p, jumps[i], true);
	emit(p, BPF_MISC | BPF_TXA, 0, 0, 0);
	emit(p, BPF_ALU | BPF_ADD | BPF_K, 0, 0, 8); /* past the ICMP header */
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);
	if (!p->overflow)
		p->v[skip].k = (uint32_t)(p->n - skip - 1);
	jump_here(p, not_icmp, false);
}

/* icmp6_quote: the same for ICMPv6 errors (types 1-4); A = next header. */
static void icmp6_quote(struct prog *p)
{
	size_t not_icmp, jumps[4], skip;

	not_icmp = p->n;
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 58);
	emit(p, BPF_LD | BPF_B | BPF_IND, 0, 0, 22 + 40); /* ICMPv6 type */
	for (size_t i = 0; i < 4; i++) {
		jumps[i] = p->n;
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, (uint32_t)(i + 1));
	}
	skip = p->n;
	emit(p, BPF_JMP | BPF_JA, 0, 0, 0);
	for (size_t i = 0; i < 4; i++)
		jump_here(p, jumps[i], true);
	emit(p, BPF_MISC | BPF_TXA, 0, 0, 0);
	emit(p, BPF_ALU | BPF_ADD | BPF_K, 0, 0, 40 + 8); /* the quoted IPv6 header */
	emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);
	if (!p->overflow)
		p->v[skip].k = (uint32_t)(p->n - skip - 1);
	jump_here(p, not_icmp, false);
}

size_t steer_program(struct sock_filter *v, uint32_t nsocks, bool geneve)
{
	struct prog p = {v, 0, false};
	size_t v4, v6;

	if (geneve)
		geneve_prologue(&p);
	else
		emit(&p, BPF_LDX | BPF_IMM, 0, 0, 0);
	/* one 802.1Q tag: move X by 4 */
	emit(&p, BPF_LD | BPF_H | BPF_IND, 0, 0, 20);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0x8100);
	emit(&p, BPF_MISC | BPF_TXA, 0, 0, 0);
	emit(&p, BPF_ALU | BPF_ADD | BPF_K, 0, 0, 4);
	emit(&p, BPF_MISC | BPF_TAX, 0, 0, 0);
	emit(&p, BPF_LD | BPF_H | BPF_IND, 0, 0, 20);
	/* dispatch on the ethertype; the jump offsets are patched below */
	v4 = p.n;
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0x0800);
	v6 = p.n;
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0x86dd);
	emit(&p, BPF_RET | BPF_K, 0, 0, FALLBACK);
	jump_here(&p, v4, true);
	emit(&p, BPF_LD | BPF_B | BPF_IND, 0, 0, 22 + 9); /* protocol */
	icmp4_quote(&p);
	load_words(&p, 22 + 12, 2, 0);
	fold_and_pick(&p, 2, nsocks);
	jump_here(&p, v6, true);
	emit(&p, BPF_LD | BPF_B | BPF_IND, 0, 0, 22 + 6); /* next header */
	icmp6_quote(&p);
	load_words(&p, 22 + 8, 8, 0);
	fold_and_pick(&p, 8, nsocks);
	return p.overflow ? 0 : p.n;
}

int steer_attach(int fd, uint32_t nsocks, bool geneve)
{
	struct sock_filter insns[STEER_MAX_INSNS];
	struct sock_fprog fp;

	memset(insns, 0, sizeof(insns));
	fp.len = (unsigned short)steer_program(insns, nsocks, geneve);
	fp.filter = insns;
	if (fp.len == 0) {
		errno = E2BIG;
		return -1;
	}
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof(fp));
}

/* be32: a big-endian word, as BPF_LD|BPF_W loads it. */
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* icmp_error: the ICMP (v4) / ICMPv6 (v6) type is an error that quotes a packet. */
static bool icmp_error(bool v6, uint8_t type)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

int steer_pick(const uint8_t *p, size_t len, uint32_t nsocks)
{
	size_t x = 0, off, n, ip;
	uint32_t a = 0, t;

	if (len < 22)
		return -1;
	t = (uint32_t)p[20] << 8 | p[21];
	if (t == 0x8100) {
		x = 4;
		if (len < 26)
			return -1;
		t = (uint32_t)p[24] << 8 | p[25];
	}
	ip = x + 22;
	if (t == 0x0800) {
		if (len < ip + 10)
			return -1;
		if (p[ip + 9] == 1) {
			size_t icmp = ip + (size_t)(p[ip] & 0x0f) * 4;
			if (len < icmp + 1)
				return -1;
			if (icmp_error(false, p[icmp]))
				ip = icmp + 8; /* the quoted IPv4 header */
		}
		off = ip + 12;
		n = 2;
	} else if (t == 0x86dd) {
		if (len < ip + 7)
			return -1;
		if (p[ip + 6] == 58) {
			if (len < ip + 41)
				return -1;
			if (icmp_error(true, p[ip + 40]))
				ip += 40 + 8; /* the quoted IPv6 header */
		}
		off = ip + 8;
		n = 8;
	} else
		return -1;
	if (len < off + 4 * n)
		return -1; /* the kernel program would return 0 */
	for (size_t i = 0; i < n; i++)
		a ^= be32(p + off + 4 * i);
	a ^= a >> 16;
	a ^= a >> 8;
	return (int)(a % nsocks);
}
