// SPDX-License-Identifier: GPL-2.0
/*
 * Timing and the results: every case hands its runs to measure() or
 * record(), and the report reads them back by case name and size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

/* The table's order, per size: baselines, mapdrv's modes, the rest. */
const char *const case_order[] = {
	"shmem", "shmem-nofaultaround", "anon-read", "anon-write",
	"anon-populate",
	"mapdrv-fault", "mapdrv-faultaround", "mapdrv-premap",
	"peer-fault-vmalloc_to_page", "peer-remap_vmalloc_range",
	"peer-vm_insert_page",
	"read-copy", "threads-1", "threads-2",
	"walk-own", "walk-vmalloc_to_page",
	"reread-mapdrv", "reread-anon", "reread-anon-nothp",
};
const size_t ncases = ARRAY_SIZE(case_order);

static struct result results[MAX_SIZES * ARRAY_SIZE(case_order)];
static int nresults;
static bool any_failed;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The median, because one slow run (an interrupt, the host scheduling
 * the VM away) moves a mean but not a median; the smallest and largest
 * beside it, to show how much the runs spread.
 */
void record(const char *name, size_t size, enum unit unit, double *values,
	    int runs)
{
	double mid;

	sort_doubles(values, runs);
	mid = median_sorted(values, runs);

	results[nresults++] = (struct result){
		.name = name, .size = size, .unit = unit, .median = mid,
		.min = values[0], .max = values[runs - 1], .runs = runs,
		.anon_huge_kb = -1, .frames_in_order = -1,
	};
	/*
	 * A run the clock did not see move (a kernel whose clock ticks in
	 * jiffies, like the debug kernel's) gives 0: no number is better
	 * than a wrong one.  Not a failure: nothing was found wrong.
	 */
	if (values[0] <= 0) {
		results[nresults - 1].unmeasured = true;
		fprintf(stderr, "bench: %4zu MiB %-26s not measured: a run took no time on this clock\n",
			size / MIB, name);
		return;
	}
	/* Progress as it comes: under emulation a size can take minutes. */
	fprintf(stderr, "bench: %4zu MiB %-26s %10.2f %-7s (min %.2f, max %.2f)\n",
		size / MIB, name, mid, unit == NS_PER_PAGE ? "ns/page" : "GB/s",
		values[0], values[runs - 1]);
}

void record_once(const char *name, size_t size, enum unit unit,
		 const double *values, int runs)
{
	double copy[MAX_ROUNDS];

	if (lookup_result(name, size))
		return;
	memcpy(copy, values, runs * sizeof(*values));
	record(name, size, unit, copy, runs);
}

void record_failure(const char *name, size_t size)
{
	const struct result *r = lookup_result(name, size);

	/* Failed once is failed, whatever was recorded before. */
	if (r)
		results[r - results].failed = true;
	else
		results[nresults++] = (struct result){
			.name = name, .size = size, .failed = true,
			.anon_huge_kb = -1, .frames_in_order = -1,
		};
	any_failed = true;
	fprintf(stderr, "bench: %4zu MiB %-26s FAILED\n", size / MIB, name);
}

void note_anon_huge(const char *name, size_t size, long kb)
{
	const struct result *r = lookup_result(name, size);

	if (r)
		results[r - results].anon_huge_kb = kb;
}

void note_frames_in_order(const char *name, size_t size, double pct)
{
	const struct result *r = lookup_result(name, size);

	if (r)
		results[r - results].frames_in_order = pct;
}

bool any_case_failed(void)
{
	return any_failed;
}

const struct result *lookup_result(const char *name, size_t size)
{
	for (int i = 0; i < nresults; i++) {
		if (results[i].size == size && !strcmp(results[i].name, name))
			return &results[i];
	}
	return NULL;
}

const struct result *find_result(const char *name, size_t size)
{
	const struct result *r = lookup_result(name, size);

	return r && !r->failed && !r->unmeasured ? r : NULL;
}

/*
 * The warm-up pays for what only a first run pays (the binary's pages,
 * the allocator's first chunks, cold caches) and would be noise.
 */
int measure(const char *name, size_t size, enum unit unit, int runs,
	    run_fn run, void *arg)
{
	double values[MAX_RUNS];

	if (run(arg, &values[0]))
		goto failed;
	for (int i = 0; i < runs; i++) {
		if (run(arg, &values[i]))
			goto failed;
	}
	record(name, size, unit, values, runs);
	return 0;
failed:
	record_failure(name, size);
	return -1;
}
