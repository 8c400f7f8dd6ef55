// SPDX-License-Identifier: GPL-2.0
/*
 * The goals' sessions: for each goal, the cases it compares set up side
 * by side (mapdrv loaded in one mode, a peer or a baseline beside it),
 * run in interleaved rounds (rounds.c), and the paired ratios handed to
 * judge_goal().  The rounds are also the cases' numbers in the table, so
 * a case is timed once, where its goal needs it.
 *
 * linear compares a mapping of the whole buffer with one of its first
 * smallest-size bytes, in the same load and the same rounds: the cost of
 * a page at the largest size over its cost at the smallest, without a
 * reload between the two that would move one and not the other.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mapdrv_uapi.h"
#include "peers/mapdrv_peers.h"
#include "bench.h"

#define LANE(case_name, u, fn, a, rec) (struct lane){			\
	.name = (case_name), .unit = (u), .run = (fn), .arg = (a),	\
	.record = (rec) }

/* Goal @goal: @num's values over @den's, round by round. */
static void judge_pair(const struct plan *p, const char *goal,
		       const char *detail, const struct lane *num,
		       const struct lane *den, double target, bool at_most)
{
	double ratios[MAX_ROUNDS];

	for (int i = 0; i < p->rounds; i++) {
		if (num->values[i] <= 0 || den->values[i] <= 0) {
			goal_unmeasured(goal, detail, p->size, target, at_most,
					"a run too short for this clock");
			return;
		}
		ratios[i] = num->values[i] / den->values[i];
	}
	judge_goal(goal, detail, p->size, ratios, p->rounds, target, at_most);
}

/* Rounds of @lanes, then goal @goal of lane @a over lane @b, if both ran. */
static int run_goal(const struct plan *p, struct lane *lanes, int n,
		    const char *goal, int a, int b, double target, bool at_most)
{
	if (interleave(lanes, n, p->rounds, p->size)) {
		goal_unmeasured(goal, NULL, p->size, target, at_most,
				"a case failed");
		return -1;
	}
	judge_pair(p, goal, NULL, &lanes[a], &lanes[b], target, at_most);
	return 0;
}

/* linear for @mode's lane @whole, if the session had a prefix lane. */
static void judge_linear(const struct plan *p, const struct lane *whole,
			 const struct lane *prefix)
{
	if (prefix)
		judge_pair(p, "linear", whole->name, whole, prefix, 1.25, true);
}

/* A peer beside mapdrv: false if there is none (left out) or it failed. */
static bool with_peer(const struct plan *p, unsigned int mode,
		      const char *goal, double target)
{
	if (!peers_available()) {
		goal_unmeasured(goal, NULL, p->size, target, true,
				"no MAPDRV_PEERS_KO");
		return false;
	}
	if (load_peer(p->size / page_size, mode)) {
		record_failure(peer_cases[mode], p->size);
		goal_unmeasured(goal, NULL, p->size, target, true,
				"the peer did not load");
		return false;
	}
	return true;
}

/*
 * map=fault against the plain .fault (peer-fault-vmalloc_to_page) and
 * against shmem with fault-around off: one page a fault, all three.
 */
int session_fault(const struct plan *p)
{
	struct first_touch mapdrv = FIRST_TOUCH(MAPDRV_DEVICE, p->size, true);
	struct first_touch prefix = FIRST_TOUCH(MAPDRV_DEVICE, p->smallest, true);
	struct first_touch peer = FIRST_TOUCH(MAPDRV_PEER_DEVICE, p->size, false);
	struct first_touch shmem = FIRST_TOUCH("memfd", p->size, false);
	struct lane lanes[4];
	int n = 0, ipeer = -1, ishmem = -1, iprefix = -1, ret = 0;
	bool nofa = false;

	lanes[n++] = LANE("mapdrv-fault", NS_PER_PAGE, run_device_first_touch,
			  &mapdrv, true);
	if (with_peer(p, MAPDRV_PEER_FAULT_VMALLOC_TO_PAGE,
		      "fault-vs-peer-fault", 1.05)) {
		ipeer = n;
		lanes[n++] = LANE("peer-fault-vmalloc_to_page", NS_PER_PAGE,
				  run_device_first_touch, &peer, true);
	}
	shmem.fd = p->shmem_fd;
	if (shmem.fd >= 0 && fault_around_off() == 0) {
		nofa = true;
		ishmem = n;
		lanes[n++] = LANE("shmem-nofaultaround", NS_PER_PAGE, run_shmem,
				  &shmem, true);
	} else {
		goal_unmeasured("fault-vs-shmem-nofaultaround", NULL, p->size,
				1.1, true, "fault_around_bytes not settable");
	}
	if (p->size > p->smallest) {
		iprefix = n;
		lanes[n++] = LANE("mapdrv-fault-prefix", NS_PER_PAGE,
				  run_device_first_touch, &prefix, false);
	}

	if (interleave(lanes, n, p->rounds, p->size)) {
		ret = -1;
	} else {
		if (ipeer >= 0)
			judge_pair(p, "fault-vs-peer-fault", NULL, &lanes[0],
				   &lanes[ipeer], 1.05, true);
		if (ishmem >= 0)
			judge_pair(p, "fault-vs-shmem-nofaultaround", NULL,
				   &lanes[0], &lanes[ishmem], 1.1, true);
		judge_linear(p, &lanes[0], iprefix >= 0 ? &lanes[iprefix] : NULL);
		fprintf(stderr, "bench: %4zu MiB mapdrv-fault: .fault ran %llu times for %zu pages\n",
			p->size / MIB, mapdrv.faults, mapdrv.pages);
	}
	if (nofa)
		fault_around_restore();
	if (ipeer >= 0 && unload_peer())
		ret = -1;
	return ret;
}

/* Two threads against one, first-touching map=fault's mapping. */
int session_threads(const struct plan *p)
{
	struct threads one = { .size = p->size, .pages = p->size / page_size,
			       .nthreads = 1 };
	struct threads two = one;
	struct lane lanes[2];
	int ret;

	one.fd = two.fd = open_device();
	if (one.fd < 0) {
		record_failure("threads-1", p->size);
		record_failure("threads-2", p->size);
		return -1;
	}
	two.nthreads = 2;
	lanes[0] = LANE("threads-1", NS_PER_PAGE, run_threads, &one, true);
	lanes[1] = LANE("threads-2", NS_PER_PAGE, run_threads, &two, true);
	/* Throughput is pages per ns: threads-1's ns/page over threads-2's. */
	ret = run_goal(p, lanes, 2, "threads", 0, 1, 1.6, false);
	close(one.fd);
	return ret;
}

/* One ioctl times both, so each round is a pair already. */
int session_walk(const struct plan *p)
{
	struct lane own = LANE("walk-own", NS_PER_PAGE, NULL, NULL, true);
	struct lane vtp = LANE("walk-vmalloc_to_page", NS_PER_PAGE, NULL, NULL,
			       true);
	size_t pages = p->size / page_size;
	int fd, i, ret = -1;
	double warm[2];

	fd = open_device();
	if (fd >= 0 && walk_once(fd, pages, &warm[0], &warm[1]) == 0) {
		for (i = 0; i < p->rounds; i++) {
			if (walk_once(fd, pages, &own.values[i], &vtp.values[i]))
				break;
		}
		ret = i == p->rounds ? 0 : -1;
	}
	if (fd >= 0)
		close(fd);
	if (ret) {
		record_failure("walk-own", p->size);
		record_failure("walk-vmalloc_to_page", p->size);
		goal_unmeasured("walk-vs-vmalloc_to_page", NULL, p->size, 1.1,
				true, "the ioctl failed");
		return -1;
	}
	record_once(own.name, p->size, NS_PER_PAGE, own.values, p->rounds);
	record_once(vtp.name, p->size, NS_PER_PAGE, vtp.values, p->rounds);
	judge_pair(p, "walk-vs-vmalloc_to_page", NULL, &own, &vtp, 1.1, true);
	return 0;
}

/* map=faultaround against shmem as the kernel has it: 16 pages a trap. */
int session_faultaround(const struct plan *p)
{
	struct first_touch mapdrv = FIRST_TOUCH(MAPDRV_DEVICE, p->size, true);
	struct first_touch prefix = FIRST_TOUCH(MAPDRV_DEVICE, p->smallest, true);
	struct first_touch shmem = FIRST_TOUCH("memfd", p->size, false);
	struct lane lanes[3];
	int n = 0;

	lanes[n++] = LANE("mapdrv-faultaround", NS_PER_PAGE,
			  run_device_first_touch, &mapdrv, true);
	shmem.fd = p->shmem_fd;
	if (shmem.fd >= 0)
		lanes[n++] = LANE("shmem", NS_PER_PAGE, run_shmem, &shmem, true);
	else
		goal_unmeasured("faultaround-vs-shmem", NULL, p->size, 1.0,
				true, "no memfd");
	if (p->size > p->smallest)
		lanes[n++] = LANE("mapdrv-faultaround-prefix", NS_PER_PAGE,
				  run_device_first_touch, &prefix, false);
	if (interleave(lanes, n, p->rounds, p->size))
		return -1;
	if (shmem.fd >= 0)
		judge_pair(p, "faultaround-vs-shmem", NULL, &lanes[0], &lanes[1],
			   1.0, true);
	judge_linear(p, &lanes[0], p->size > p->smallest ? &lanes[n - 1] : NULL);
	return 0;
}

/*
 * map=premap against the two peers that also map every page at mmap:
 * one load of the peers' module each, mapdrv-premap in both (the table
 * shows the first), linear with the first.
 */
int session_premap(const struct plan *p)
{
	static const struct {
		unsigned int mode;
		const char *goal;
	} peers[] = {
		{ MAPDRV_PEER_REMAP_VMALLOC_RANGE, "premap-vs-remap_vmalloc_range" },
		{ MAPDRV_PEER_VM_INSERT_PAGE, "premap-vs-vm_insert_page" },
	};
	struct first_touch mapdrv = FIRST_TOUCH(MAPDRV_DEVICE, p->size, true);
	struct first_touch prefix = FIRST_TOUCH(MAPDRV_DEVICE, p->smallest, true);
	struct first_touch peer = FIRST_TOUCH(MAPDRV_PEER_DEVICE, p->size, false);
	bool linear = p->size > p->smallest;
	struct lane lanes[3];
	int ret = 0;

	for (size_t k = 0; k < ARRAY_SIZE(peers); k++) {
		bool have = with_peer(p, peers[k].mode, peers[k].goal, 1.0);
		int n = 0, iprefix = -1;

		/* Without the peer, the first session times mapdrv alone. */
		if (!have && k > 0)
			continue;
		lanes[n++] = LANE("mapdrv-premap", NS_PER_PAGE,
				  run_device_first_touch, &mapdrv, true);
		if (have)
			lanes[n++] = LANE(peer_cases[peers[k].mode], NS_PER_PAGE,
					  run_device_first_touch, &peer, true);
		if (linear) {
			iprefix = n;
			lanes[n++] = LANE("mapdrv-premap-prefix", NS_PER_PAGE,
					  run_device_first_touch, &prefix, false);
		}
		if (interleave(lanes, n, p->rounds, p->size)) {
			ret = -1;
		} else {
			if (have)
				judge_pair(p, peers[k].goal, NULL, &lanes[0],
					   &lanes[1], 1.0, true);
			if (iprefix >= 0)
				judge_linear(p, &lanes[0], &lanes[iprefix]);
		}
		/* linear once; without peers, one session is all there is. */
		linear = false;
		if (have && unload_peer())
			ret = -1;
	}
	return ret;
}

/*
 * Reading a mapping already in place: mapdrv's (any mode: every page is
 * mapped before timing), anonymous memory in 4 KiB pages, and anonymous
 * memory as THP leaves it, whose huge pages smaps shows.
 */
int session_reread(const struct plan *p)
{
	struct reread mapdrv = { .size = p->size }, nothp = mapdrv, anon = mapdrv;
	struct lane lanes[3];
	long kb;
	int ret = -1;

	mapdrv.p = map_mapdrv_reread(p->size);
	nothp.p = map_anon_reread(p->size, true);
	anon.p = map_anon_reread(p->size, false);
	if (!mapdrv.p || !nothp.p || !anon.p) {
		record_failure("reread-mapdrv", p->size);
		record_failure("reread-anon-nothp", p->size);
		record_failure("reread-anon", p->size);
		goal_unmeasured("reread-vs-anon-nothp", NULL, p->size, 0.95,
				false, "a mapping failed");
		goto out;
	}
	kb = anon_huge_kb(nothp.p);
	if (kb != 0) {
		error_msg("reread-anon-nothp: AnonHugePages %ld kB after MADV_NOHUGEPAGE (-1: not in smaps)",
			  kb);
		record_failure("reread-anon-nothp", p->size);
		goto out;
	}
	lanes[0] = LANE("reread-mapdrv", GB_PER_S, run_reread, &mapdrv, true);
	lanes[1] = LANE("reread-anon-nothp", GB_PER_S, run_reread, &nothp, true);
	lanes[2] = LANE("reread-anon", GB_PER_S, run_reread, &anon, true);
	ret = run_goal(p, lanes, 3, "reread-vs-anon-nothp", 0, 1, 0.95, false);
	note_anon_huge("reread-anon-nothp", p->size, 0);
	note_anon_huge("reread-anon", p->size, anon_huge_kb(anon.p));
	/* After the timing: reading pagemap must not warm what is timed. */
	for (int i = 0; i < 3; i++)
		note_frames_in_order(lanes[i].name, p->size,
				     frames_in_order_pct(((struct reread *)lanes[i].arg)->p,
							 p->size));
out:
	if (mapdrv.p)
		munmap((void *)mapdrv.p, p->size);
	if (nothp.p)
		munmap((void *)nothp.p, p->size);
	if (anon.p)
		munmap((void *)anon.p, p->size);
	return ret;
}
