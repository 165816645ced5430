/*
 * hash.c - the random key of hash.h's SipHash tables.
 */
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "vxmirror/hash.h"

void hash_key_random(uint64_t k[2], const void *salt)
{
	struct timespec ts;

	if (getrandom(k, 2 * sizeof(*k), GRND_NONBLOCK) != (ssize_t)(2 * sizeof(*k))) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)salt;
		k[1] = (uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ULL;
	}
}
