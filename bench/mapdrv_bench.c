// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv_bench: what it costs a process to reach mapdrv's buffer, beside
 * what the kernel's own paths cost for the same number of pages.
 *
 * mapdrv can put its pages into a process three ways (the module
 * parameter map=): one page per fault, a window of pages per fault, or
 * every page at mmap() time.  Whether any of them is "fast" only means
 * something next to a baseline, so the same first touch (mmap, then read
 * one byte of every page) is timed on shmem (a memfd whose pages are
 * already in the page cache: the kernel's minor-fault path, with its own
 * fault-around) and on anonymous memory.  Then what happens after the
 * first touch: reading a mapping that is already there (is mapdrv's
 * memory as fast to read as anyone's?), copying the buffer out with
 * pread() instead of mapping it, two threads faulting at once, and the
 * module's own page-table walk against the kernel's vmalloc_to_page().
 *
 * A first touch is timed from before mmap() to after the last page is
 * read, munmap() left out, the same in every case: premap does its work
 * inside mmap(), so leaving mmap() out would make it look free.
 *
 * Other drivers map a vmalloc'd buffer too, and a developer choosing
 * an approach compares with theirs: bench/peers/mapdrv_peers.ko serves
 * the same marked buffer by remap_vmalloc_range(), a vm_insert_page()
 * per page, or a .fault with vmalloc_to_page() (cases_peers.c).  Two
 * baselines are made to do what a mode does: shmem with fault-around
 * off (one page a fault), anonymous memory without huge pages.
 *
 * Each goal compares two cases, and those run interleaved: one warm-up
 * each, then N rounds of one run each, A B, B A, ... (rounds.c).  The
 * goal's figure is the median of the rounds' ratios with a 95%
 * bootstrap interval (stats.c); reached, missed or inconclusive by where
 * the interval lies (goals.c).  The rounds also give the cases' medians
 * in the table; the cases no goal compares (anon-*, read-copy) run once
 * untimed, then --runs times.  The verdicts never change the exit
 * status.
 *
 * Needs root and MAPDRV_KO (the path of mapdrv.ko): the module is
 * reloaded for each size and map mode, and at the end loaded again with
 * the parameters it had at the start.
 *
 * Exit status: 0 every case measured and verified, 1 a case failed (a
 * system call, a check of the pages' contents, a walk mismatch), 2 usage.
 *
 * This file: the options, the order of the sessions for one size, and
 * the module's loads.  The sessions (which cases side by side, for
 * which goal) are in sessions.c, the cases in cases_mapdrv.c,
 * cases_peers.c and cases_kernel.c, the loops they time in touch.c, the
 * reread mappings' layout in layout.c, the medians in results.c, what is
 * printed in report.c and goals.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapdrv_module.h"
#include "mapdrv_uapi.h"
#include "bench.h"

#define DEFAULT_ROUNDS	101

size_t page_size;

/* map=NAME for each enum mapdrv_map_mode. */
static const char *const mapdrv_modes[] = MAPDRV_MAP_NAMES;

/* ---- messages -------------------------------------------------------- */

void error_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void error_errno(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", why);
}

/* ---- the module ------------------------------------------------------ */

/*
 * unload_module() never waits: if something still holds the module, it
 * fails (EAGAIN).  Every mapping and fd of ours is closed by then, so
 * that would be someone else's.
 */
static int unload_mapdrv(void)
{
	if (!module_live())
		return 0;
	if (unload_module()) {
		error_errno("unloading %s", MODULE_NAME);
		return -1;
	}
	return 0;
}

static int load_mapdrv_params(const char *params)
{
	if (load_module(params)) {
		error_errno("loading %s %s", getenv("MAPDRV_KO"), params);
		return -1;
	}
	return 0;
}

/*
 * (Re)load the module with a buffer of @pages pages mapped the @mode
 * way, and check that it took both: an older module ignores an unknown
 * map= with no more than a line in dmesg, and its numbers would then be
 * reported under the wrong name.
 */
static int load_mapdrv(size_t pages, unsigned int mode)
{
	struct mapdrv_info info;
	char params[96];
	int fd, ret;

	snprintf(params, sizeof(params), "pages=%zu map=%s", pages,
		 mapdrv_modes[mode]);
	if (unload_mapdrv() || load_mapdrv_params(params))
		return -1;
	fd = open_device();
	if (fd < 0)
		return -1;
	ret = get_info(fd, &info);
	close(fd);
	if (ret)
		return -1;
	if (info.pages != pages || info.map_mode != mode) {
		error_msg("loaded with %s, the module reports %llu pages and map mode %u",
			  params, (unsigned long long)info.pages, info.map_mode);
		return -1;
	}
	return 0;
}

/* ---- one size -------------------------------------------------------- */

static void fail_cases(size_t size, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		record_failure(names[i], size);
}

/*
 * Each map mode needs its own load; the cases that are not about a mode
 * run on map=fault.  One memfd serves both shmem cases, with fault-around
 * off and on; it is closed before premap's sessions, the ones that hold
 * the most memory at once (the buffer and two anonymous copies).
 */
static int bench_size(size_t size, size_t smallest, int rounds, int runs)
{
	static const char *const fault_cases[] = {
		"mapdrv-fault", "peer-fault-vmalloc_to_page",
		"shmem-nofaultaround", "read-copy", "threads-1", "threads-2",
		"walk-own", "walk-vmalloc_to_page",
	};
	static const char *const premap_cases[] = {
		"mapdrv-premap", "peer-remap_vmalloc_range",
		"peer-vm_insert_page", "reread-mapdrv", "reread-anon-nothp",
		"reread-anon",
	};
	struct plan p = { .size = size, .smallest = smallest, .rounds = rounds };
	size_t pages = size / page_size;
	int ret = 0;

	p.shmem_fd = shmem_open(size);
	if (p.shmem_fd < 0) {
		record_failure("shmem", size);
		record_failure("shmem-nofaultaround", size);
	}

	if (load_mapdrv(pages, MAPDRV_MAP_FAULT)) {
		fail_cases(size, fault_cases, ARRAY_SIZE(fault_cases));
	} else {
		session_fault(&p);
		session_threads(&p);
		session_walk(&p);
		bench_read_copy(size, runs);
	}
	if (load_mapdrv(pages, MAPDRV_MAP_FAULTAROUND))
		record_failure("mapdrv-faultaround", size);
	else
		session_faultaround(&p);
	if (p.shmem_fd >= 0)
		close(p.shmem_fd);
	p.shmem_fd = -1;

	if (load_mapdrv(pages, MAPDRV_MAP_PREMAP)) {
		fail_cases(size, premap_cases, ARRAY_SIZE(premap_cases));
	} else {
		session_premap(&p);
		session_reread(&p);
	}
	if (unload_mapdrv())
		ret = -1;

	/* Only beside the table: no goal compares them. */
	bench_anon(size, runs);
	return ret;
}

/* ---- options --------------------------------------------------------- */

struct options {
	size_t sizes[MAX_SIZES];	/* bytes */
	int nsizes;
	int runs;
	int rounds;
	uint64_t seed;
	const char *json;		/* NULL: none; "-": stdout */
};

#define SYNOPSIS "usage: " PROG " [--quick] [--sizes MIB,MIB,...] [--rounds N] [--runs N]\n" \
		 "                    [--seed N] [--json PATH|-]\n"

static void usage(void)
{
	printf(SYNOPSIS
		"\n"
		"Times how pages of /dev/mapdrv reach a process (map=fault, faultaround,\n"
		"premap) beside other drivers' ways (the peers' module), shmem and\n"
		"anonymous memory, and reading, copying, two threads and the module's\n"
		"page-table walk; prints the medians, their ratio to shmem and the\n"
		"project's goals, each judged from interleaved rounds.\n"
		"\n"
		"  --sizes LIST  buffer sizes in MiB (default 4,64,256)\n"
		"  --rounds N    rounds of each goal's cases, interleaved, 2..%d, after\n"
		"                one warm-up (default %d)\n"
		"  --runs N      timed runs of the cases no goal compares (anon-*,\n"
		"                read-copy), 1..%d, after one warm-up (default 7)\n"
		"  --seed N      the bootstrap's seed (default 1): the same rounds and\n"
		"                seed give the same intervals\n"
		"  --quick       --sizes 4 --rounds 5 --runs 3, unless those are given\n"
		"  --json PATH   also write the results as JSON; '-': to stdout between\n"
		"                the lines bench-json-begin and bench-json-end\n"
		"\n"
		"Needs root and MAPDRV_KO, the path of mapdrv.ko: the module is reloaded\n"
		"for each size and mode, then loaded again as it was.  MAPDRV_PEERS_KO,\n"
		"the path of mapdrv_peers.ko, adds the peers (without it, their cases\n"
		"and goals are left out).\n"
		"Exit status: 0 all measured and verified, 1 a case failed, 2 usage;\n"
		"the goals' verdicts never change it.\n",
		MAX_ROUNDS, DEFAULT_ROUNDS, MAX_RUNS);
}

static int usage_error(void)
{
	fputs(SYNOPSIS "Try '" PROG " --help'.\n", stderr);
	return 2;
}

/* "4,64,256" in MiB to bytes; -1 with a message if not valid. */
static int parse_sizes(const char *arg, struct options *o)
{
	const char *p = arg;
	unsigned long long mib;
	char *end;

	o->nsizes = 0;
	for (;;) {
		if (*p < '0' || *p > '9') {
			error_msg("--sizes: '%s' is not a list of sizes in MiB like 4,64,256", arg);
			return -1;
		}
		errno = 0;
		mib = strtoull(p, &end, 10);
		if (errno || mib == 0 || mib > SIZE_MAX / MIB) {
			error_msg("--sizes: %.*s MiB: a size must be more than 0 and fit in memory",
				  (int)(end - p), p);
			return -1;
		}
		if ((mib * MIB) % page_size || mib * MIB / page_size > UINT_MAX) {
			error_msg("--sizes: %llu MiB is not a whole number of %zu-byte pages the module can hold",
				  mib, page_size);
			return -1;
		}
		if (o->nsizes == MAX_SIZES) {
			error_msg("--sizes: at most %d sizes", MAX_SIZES);
			return -1;
		}
		o->sizes[o->nsizes++] = mib * MIB;
		if (*end == '\0')
			return 0;
		if (*end != ',') {
			error_msg("--sizes: unexpected '%c' in '%s'", *end, arg);
			return -1;
		}
		p = end + 1;
	}
}

/* --runs, --rounds: a number from @min to @max. */
static int parse_count(const char *opt, const char *arg, int min, int max,
		       int *count)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < min || n > max) {
		error_msg("%s: '%s' is not a number from %d to %d", opt, arg,
			  min, max);
		return -1;
	}
	*count = n;
	return 0;
}

static int parse_seed(const char *arg, uint64_t *seed)
{
	char *end;

	errno = 0;
	*seed = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *arg == '-') {
		error_msg("--seed: '%s' is not a number", arg);
		return -1;
	}
	return 0;
}

/* 0: go on; 1: done (--help); 2: usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "sizes", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quick = false, have_sizes = false, have_runs = false;
	bool have_rounds = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 's':
			if (parse_sizes(optarg, o))
				return 2;
			have_sizes = true;
			break;
		case 'r':
			if (parse_count("--runs", optarg, 1, MAX_RUNS, &o->runs))
				return 2;
			have_runs = true;
			break;
		case 'R':
			/* Two pairs at least: one has no spread to resample. */
			if (parse_count("--rounds", optarg, 2, MAX_ROUNDS,
					&o->rounds))
				return 2;
			have_rounds = true;
			break;
		case 'S':
			if (parse_seed(optarg, &o->seed))
				return 2;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'h':
			usage();
			return 1;
		default:
			return usage_error();
		}
	}
	if (optind < argc) {
		error_msg("unexpected argument '%s'", argv[optind]);
		return usage_error();
	}
	if (!have_sizes) {
		static const size_t full[] = { 4, 64, 256 };

		o->nsizes = quick ? 1 : 3;
		for (int i = 0; i < o->nsizes; i++)
			o->sizes[i] = full[i] * MIB;
	}
	if (!have_runs)
		o->runs = quick ? 3 : 7;
	if (!have_rounds)
		o->rounds = quick ? 5 : DEFAULT_ROUNDS;
	return 0;
}

/* ---- main ------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct options o = { .seed = 1 };
	char params[256] = "";
	bool was_loaded, failed = false;
	size_t smallest = SIZE_MAX;
	int ret;

	page_size = sysconf(_SC_PAGESIZE);
	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : 2;

	if (geteuid() != 0) {
		error_msg("needs root: it loads and unloads %s", MODULE_NAME);
		return 1;
	}
	if (!getenv("MAPDRV_KO")) {
		error_msg("MAPDRV_KO is not set: set it to the path of mapdrv.ko");
		return 1;
	}
	if (access(getenv("MAPDRV_KO"), R_OK)) {
		error_errno("MAPDRV_KO=%s", getenv("MAPDRV_KO"));
		return 1;
	}
	/* Before anything is unloaded: what cannot be put back is not taken. */
	was_loaded = module_live();
	if (was_loaded && module_params(params, sizeof(params))) {
		error_errno("reading the parameters of the loaded %s from %s",
			    MODULE_NAME, SYSFS_PARAMS);
		return 1;
	}
	bench_seed = o.seed;
	print_environment(o.seed, o.rounds);

	for (int s = 0; s < o.nsizes; s++) {
		if (o.sizes[s] < smallest)
			smallest = o.sizes[s];
	}
	for (int s = 0; s < o.nsizes; s++) {
		if (bench_size(o.sizes[s], smallest, o.rounds, o.runs))
			failed = true;
	}

	/* As it was, so that whatever runs next finds the module it expects. */
	if (unload_mapdrv() || (was_loaded && load_mapdrv_params(params)))
		failed = true;

	/* The peers' module only ever loads beside a session: none is left. */
	if (unload_peer())
		failed = true;
	print_table(o.sizes, o.nsizes);
	print_goals();
	fflush(stdout);
	if (o.json && write_json(o.json, o.sizes, o.nsizes))
		failed = true;

	if (failed || any_case_failed()) {
		error_msg("not every case was measured and verified: see the messages above");
		return 1;
	}
	return 0;
}
