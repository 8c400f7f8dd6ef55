// SPDX-License-Identifier: GPL-2.0
/*
 * Interleaved rounds: the cases a goal compares run one after the other
 * in every round, A B, then B A, and so on, instead of all of A's runs
 * and then all of B's.  Whatever slows the VM for a while (the host's
 * other VMs, a page cache being written back) then slows both sides of
 * a pair alike, and the pair's ratio keeps what is the cases' own.  The
 * order rotates so that neither case always runs on the caches and TLB
 * the other left behind.
 */
#include <stdio.h>

#include "bench.h"

int interleave(struct lane *lanes, int nlanes, int rounds, size_t size)
{
	double warm;
	int r, i;

	/* The warm-up: what only a first run pays (see measure()). */
	for (i = 0; i < nlanes; i++) {
		if (lanes[i].run(lanes[i].arg, &warm))
			goto failed;
	}
	for (r = 0; r < rounds; r++) {
		for (int k = 0; k < nlanes; k++) {
			i = (r + k) % nlanes;
			if (lanes[i].run(lanes[i].arg, &lanes[i].values[r]))
				goto failed;
		}
	}
	for (i = 0; i < nlanes; i++) {
		if (lanes[i].record)
			record_once(lanes[i].name, size, lanes[i].unit,
				    lanes[i].values, rounds);
	}
	return 0;
failed:
	fprintf(stderr, "bench: %4zu MiB %s failed in its round\n", size / MIB,
		lanes[i].name);
	for (i = 0; i < nlanes; i++) {
		if (lanes[i].record && !lookup_result(lanes[i].name, size))
			record_failure(lanes[i].name, size);
	}
	return -1;
}
