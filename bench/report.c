// SPDX-License-Identifier: GPL-2.0
/*
 * What a run prints: the environment first (it explains most surprises
 * in the numbers), the table at the end, and the JSON for the host: one
 * object per case and size, then one per goal and size (goals.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json.h>

#include "mapdrv_module.h"
#include "bench.h"

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* The ratio to shmem, for the first-touch-like ns/page cases only. */
static bool has_ratio(const struct result *r)
{
	return r->unit == NS_PER_PAGE && strncmp(r->name, "walk-", 5) != 0;
}

/* @r's ns/page over shmem's at the same size; false if not measured. */
static bool ratio_to_shmem(const struct result *r, double *ratio)
{
	const struct result *shmem = find_result("shmem", r->size);

	if (!has_ratio(r) || !shmem || shmem->median <= 0)
		return false;
	*ratio = r->median / shmem->median;
	return true;
}

static const char *unit_name(enum unit unit)
{
	return unit == NS_PER_PAGE ? "ns/page" : "GB/s";
}

void print_environment(uint64_t seed, int rounds)
{
	char thp[128] = "", *lb, *rb;
	struct timespec res;
	struct utsname u;

	uname(&u);
	/*
	 * "always [madvise] never": the choice in force is in brackets.  It
	 * moves the anonymous cases a lot: with "always" one fault can map
	 * 2 MiB, a huge page for a write, the huge zero page for a read.
	 * The kernel turns it off by itself below 512 MiB of RAM.
	 */
	if (read_text(THP_ENABLED, thp, sizeof(thp)) == 0 &&
	    (lb = strchr(thp, '[')) && (rb = strchr(lb, ']'))) {
		*rb = '\0';
		memmove(thp, lb + 1, strlen(lb + 1) + 1);
	} else {
		strcpy(thp, "unknown");
	}
	/* A clock that ticks in jiffies cannot time a short run. */
	if (clock_getres(CLOCK_MONOTONIC, &res))
		res.tv_sec = res.tv_nsec = -1;
	printf("environment: kernel %s, %ld online CPUs, page size %zu, "
	       "transparent hugepages %s, clock resolution %ld ns; "
	       "times include mmap, exclude munmap; %d rounds a goal, "
	       "bootstrap seed %llu (--seed)\n",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN), page_size, thp,
	       res.tv_sec * 1000000000L + res.tv_nsec, rounds,
	       (unsigned long long)seed);
	fflush(stdout);		/* before the progress lines on stderr */
}

void print_table(const size_t *sizes, int nsizes)
{
	const struct result *r;
	double ratio;

	printf("\n%-28s %9s %12s %-8s %12s %5s\n", "case", "size MiB",
	       "median", "unit", "x shmem", "runs");
	for (int s = 0; s < nsizes; s++) {
		for (size_t c = 0; c < ncases; c++) {
			r = lookup_result(case_order[c], sizes[s]);
			if (!r)
				continue;
			if (r->failed || r->unmeasured) {
				printf("%-28s %9zu %12s\n", r->name, r->size / MIB,
				       r->failed ? "FAILED" : "unmeasured");
				continue;
			}
			printf("%-28s %9zu %12.2f %-8s ", r->name, r->size / MIB,
			       r->median, unit_name(r->unit));
			if (ratio_to_shmem(r, &ratio))
				printf("%12.2f", ratio);
			else
				printf("%12s", "-");
			printf(" %5d\n", r->runs);
			if (r->anon_huge_kb >= 0)
				printf("%-28s %9s   AnonHugePages %ld kB: %.0f%% of it in huge pages\n",
				       "", "", r->anon_huge_kb,
				       100.0 * r->anon_huge_kb * 1024 / r->size);
			if (r->frames_in_order >= 0)
				printf("%-28s %9s   frames in physical order: %.1f%% of its pages (pagemap)\n",
				       "", "", r->frames_in_order);
		}
	}
}

/* ---- JSON ------------------------------------------------------------ */

#define JSON_FLAGS	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED)

/* A number with a fixed number of decimals, not json-c's 17 digits. */
static struct json_object *json_number(double v, int decimals)
{
	char text[64];

	snprintf(text, sizeof(text), "%.*f", decimals, v);
	return json_object_new_double_s(v, text);
}

/* "median_ns_per_page", "min_gb_per_s"...: the unit is in every key. */
static void json_add_value(struct json_object *o, const char *what,
			   enum unit unit, double v)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_%s", what,
		 unit == NS_PER_PAGE ? "ns_per_page" : "gb_per_s");
	json_object_object_add(o, key, json_number(v, 3));
}

static struct json_object *json_results(const size_t *sizes, int nsizes)
{
	struct json_object *array = json_object_new_array(), *o;
	const struct result *r;
	double ratio;

	for (int s = 0; s < nsizes; s++) {
		for (size_t c = 0; c < ncases; c++) {
			/* A failed case has no number to give. */
			r = find_result(case_order[c], sizes[s]);
			if (!r)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "case", json_object_new_string(r->name));
			json_object_object_add(o, "size_bytes",
					       json_object_new_int64(r->size));
			json_add_value(o, "median", r->unit, r->median);
			/* The spread, so that a reader can tell noise from a change. */
			json_add_value(o, "min", r->unit, r->min);
			json_add_value(o, "max", r->unit, r->max);
			json_object_object_add(o, "runs", json_object_new_int(r->runs));
			if (r->anon_huge_kb >= 0)
				json_object_object_add(o, "anon_huge_pages_kb",
						       json_object_new_int64(r->anon_huge_kb));
			if (r->frames_in_order >= 0)
				json_object_object_add(o, "frames_in_order_pct",
						       json_number(r->frames_in_order, 1));
			if (ratio_to_shmem(r, &ratio))
				json_object_object_add(o, "ratio_to_shmem",
						       json_number(ratio, 4));
			json_object_array_add(array, o);
		}
	}
	return array;
}

/* "-": stdout between marker lines, for the host to cut out of the log. */
int write_json(const char *path, const size_t *sizes, int nsizes)
{
	struct json_object *array = json_results(sizes, nsizes);
	int ret = 0;

	json_add_goals(array);

	if (!strcmp(path, "-")) {
		printf("bench-json-begin\n%s\nbench-json-end\n",
		       json_object_to_json_string_ext(array, JSON_FLAGS));
	} else if (json_object_to_file_ext(path, array, JSON_FLAGS)) {
		error_msg("writing %s: %s", path, json_util_get_last_err());
		ret = -1;
	}
	json_object_put(array);
	return ret;
}
