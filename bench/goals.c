// SPDX-License-Identifier: GPL-2.0
/*
 * The project's goals, checked against the results and printed after
 * the table.  They never change the exit status: make check runs the
 * benchmark under emulation, where its numbers mean nothing, only so
 * that its code cannot rot (selftests/vm_suite.sh).
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "mapdrv_uapi.h"
#include "bench.h"

/*
 * One goal: its line of numbers, and whether each part was reached,
 * missed or not measured.  A miss anywhere misses the goal; otherwise a
 * part not measured leaves it undecided.
 */
struct goal {
	char text[512];
	size_t len;
	bool missed, unmeasured;
};

static void __attribute__((format(printf, 2, 3)))
goal_add(struct goal *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (g->len >= sizeof(g->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(g->text + g->len, sizeof(g->text) - g->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g->len += n;
}

/* Adds "LABEL X.XXx" for the ratio @a/@b, which must be <= or >= @limit. */
static void goal_ratio(struct goal *g, const char *label,
		       const struct result *a, const struct result *b,
		       double limit, bool at_most)
{
	double ratio;

	if (!a || !b || b->median <= 0) {
		goal_add(g, "%s%s not measured", g->len ? ", " : "", label);
		g->unmeasured = true;
		return;
	}
	ratio = a->median / b->median;
	goal_add(g, "%s%s %.2fx", g->len ? ", " : "", label, ratio);
	if (at_most ? ratio > limit : ratio < limit)
		g->missed = true;
}

/* Goals 2, 3, 4 and 6: case @a over case @b at every size. */
static void goal_ratio_per_size(struct goal *g, const size_t *sizes,
				int nsizes, const char *a, const char *b,
				double limit, bool at_most)
{
	char label[32];

	for (int s = 0; s < nsizes; s++) {
		snprintf(label, sizeof(label), "%zu MiB", sizes[s] / MIB);
		goal_ratio(g, label, find_result(a, sizes[s]),
			   find_result(b, sizes[s]), limit, at_most);
	}
}

static void goal_print(int number, const char *title, const struct goal *g)
{
	printf("%d. %s: %s: %s\n", number, title, g->text,
	       g->missed ? "missed" : g->unmeasured ? "not measured" : "reached");
}

/* The fastest first touch of mapdrv's modes at @size, or NULL. */
static const struct result *best_mapdrv(size_t size)
{
	const struct result *best = NULL, *r;

	for (size_t m = 0; m < MAPDRV_MAP_MODES; m++) {
		r = find_result(mapdrv_cases[m], size);
		if (r && (!best || r->median < best->median))
			best = r;
	}
	return best;
}

/* Goal 5: ns/page at the largest size over the smallest, per case. */
static void goal_linear(struct goal *g, const char *name, size_t smallest,
			size_t largest)
{
	goal_ratio(g, name, find_result(name, largest),
		   find_result(name, smallest), 1.25, true);
}

void print_goals(const size_t *sizes, int nsizes)
{
	static const char *const baselines[] = {
		"shmem", "anon-read", "anon-write", "anon-populate",
	};
	size_t smallest = sizes[0], largest = sizes[0];
	const struct result *best;
	char title[128], label[64];
	struct goal g;
	int s;

	for (s = 1; s < nsizes; s++) {
		if (sizes[s] < smallest)
			smallest = sizes[s];
		if (sizes[s] > largest)
			largest = sizes[s];
	}
	printf("\ngoals (reported only: they never change the exit status)\n");

	g = (struct goal){ 0 };
	for (s = 0; s < nsizes; s++) {
		best = best_mapdrv(sizes[s]);
		snprintf(label, sizeof(label), "%zu MiB %s", sizes[s] / MIB,
			 best ? best->name : "mapdrv");
		goal_ratio(&g, label, best, find_result("shmem", sizes[s]),
			   1.0, true);
	}
	goal_print(1, "best mapdrv first touch <= 1.0x shmem per page", &g);

	g = (struct goal){ 0 };
	goal_ratio_per_size(&g, sizes, nsizes, "mapdrv-fault", "shmem", 2.0, true);
	goal_print(2, "mapdrv-fault <= 2.0x shmem per page", &g);

	g = (struct goal){ 0 };
	goal_ratio_per_size(&g, sizes, nsizes, "reread-mapdrv", "reread-anon",
			    0.95, false);
	goal_print(3, "reread-mapdrv >= 0.95x reread-anon (GB/s)", &g);

	g = (struct goal){ 0 };
	goal_ratio_per_size(&g, sizes, nsizes, "walk-own", "walk-vmalloc_to_page",
			    1.1, true);
	goal_print(4, "walk-own <= 1.1x walk-vmalloc_to_page per page", &g);

	/*
	 * Judged on mapdrv's modes, the subject of the goals; the kernel's
	 * own first touches are shown beside them, to tell a cost of mapdrv
	 * from one of the machine (caches, TLB, the emulator).
	 */
	snprintf(title, sizeof(title),
		 "linear cost: ns/page at %zu MiB / at %zu MiB <= 1.25",
		 largest / MIB, smallest / MIB);
	if (smallest == largest) {
		printf("5. linear cost: not measured (one size)\n");
	} else {
		g = (struct goal){ 0 };
		for (size_t m = 0; m < MAPDRV_MAP_MODES; m++)
			goal_linear(&g, mapdrv_cases[m], smallest, largest);
		goal_print(5, title, &g);
		g = (struct goal){ 0 };
		for (size_t b = 0; b < ARRAY_SIZE(baselines); b++)
			goal_linear(&g, baselines[b], smallest, largest);
		printf("   (not judged, the kernel's own: %s)\n", g.text);
	}

	/* Throughput is pages per ns: threads-2's over threads-1's is
	 * threads-1's ns/page over threads-2's. */
	g = (struct goal){ 0 };
	goal_ratio_per_size(&g, sizes, nsizes, "threads-1", "threads-2", 1.6, false);
	snprintf(title, sizeof(title),
		 "threads-2 throughput >= 1.6x threads-1 (%ld online CPUs)",
		 sysconf(_SC_NPROCESSORS_ONLN));
	goal_print(6, title, &g);
}
