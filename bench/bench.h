/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of mapdrv_bench share.  mapdrv_bench.c says what the
 * benchmark measures and why; each case lives in cases_mapdrv.c (the
 * module's paths), cases_peers.c (other drivers' ways, bench/peers/) or
 * cases_kernel.c (the kernel's own, the baselines); layout.c says how
 * the reread cases' memory lies.  rounds.c runs the cases a goal
 * compares interleaved, stats.c and goals.c judge them.
 */
#ifndef _MAPDRV_BENCH_H
#define _MAPDRV_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROG		"mapdrv_bench"
#define MIB		(1024UL * 1024UL)
#define MAX_SIZES	16
#define MAX_RUNS	1000
#define MAX_ROUNDS	1000	/* rounds of a goal's interleaved cases */
#define MARKER_BYTE	'm'	/* every page of the buffer starts "mapdrv page" */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The one global: every case counts in pages.  Set first thing in main(). */
extern size_t page_size;

/* ---- messages (mapdrv_bench.c) ---------------------------------------- */

void __attribute__((format(printf, 1, 2))) error_msg(const char *fmt, ...);
/* error_msg() with ": strerror(errno)" appended; errno is read first. */
void __attribute__((format(printf, 1, 2))) error_errno(const char *fmt, ...);

/* ---- results (results.c) ---------------------------------------------- */

enum unit { NS_PER_PAGE, GB_PER_S };

struct result {
	const char *name;
	size_t size;		/* bytes */
	enum unit unit;
	double median, min, max;
	int runs;
	bool failed;
	bool unmeasured;	/* a run too short for the clock to see */
	long anon_huge_kb;	/* reread-anon*: AnonHugePages; -1: n/a */
	double frames_in_order;	/* reread-*: frames_in_order_pct(); -1: n/a */
};

extern const char *const case_order[];	/* every case, the table's order */
extern const size_t ncases;

uint64_t now_ns(void);

/* One run of a case: 0 and the run's value (in the case's unit), or -1. */
typedef int (*run_fn)(void *arg, double *value);

/* One untimed warm-up run, then @runs timed ones; records the median. */
int measure(const char *name, size_t size, enum unit unit, int runs,
	    run_fn run, void *arg);
/* Records @runs values measured some other way; sorts them. */
void record(const char *name, size_t size, enum unit unit, double *values,
	    int runs);
void record_failure(const char *name, size_t size);
/* What smaps said of the case's mapping: AnonHugePages in kB. */
void note_anon_huge(const char *name, size_t size, long kb);
void note_frames_in_order(const char *name, size_t size, double pct);
bool any_case_failed(void);
/* record() unless @name at @size has a result already; @values unsorted. */
void record_once(const char *name, size_t size, enum unit unit,
		 const double *values, int runs);

/* The result of case @name at @size, failed or not; NULL if never run. */
const struct result *lookup_result(const char *name, size_t size);
/* The measured result of case @name at @size (not failed, seen), or NULL. */
const struct result *find_result(const char *name, size_t size);

/* ---- touching pages (touch.c) ----------------------------------------- */

size_t touch_read(const volatile char *p, size_t pages, char want);
void touch_write(volatile char *p, size_t pages);
int check_markers(size_t bad, size_t pages, const char *where);
void *map(size_t size, int prot, int flags, int fd, const char *what);

/* A run_fn: the bandwidth of reading a mapping that is already there. */
struct reread {
	const uint64_t *p;
	size_t size;
};
int run_reread(void *arg, double *value);

/* ---- interleaved rounds (rounds.c) ------------------------------------ */

/*
 * One of the cases a goal compares: a run_fn, and the value of each
 * round in round order (pair i is round i of each lane).
 */
struct lane {
	const char *name;
	enum unit unit;
	run_fn run;
	void *arg;
	bool record;		/* also a case of the table */
	double values[MAX_ROUNDS];
};

/*
 * A warm-up run of each lane, then @rounds rounds of one run each, the
 * lanes' order rotating from round to round (A B, B A, ... for two);
 * records the lanes marked so.  0, or -1 when a run failed (every lane
 * recorded as failed).
 */
int interleave(struct lane *lanes, int nlanes, int rounds, size_t size);

/* ---- statistics (stats.c) --------------------------------------------- */

struct estimate {
	double ratio;		/* the median of the paired ratios */
	double low, high;	/* its 95% bootstrap confidence interval */
	int pairs;
};

double median_of(const double *v, int n);
double median_sorted(const double *v, int n);
void sort_doubles(double *v, int n);
/* The median of @ratios and its interval, from @seed. */
void paired_estimate(const double *ratios, int n, uint64_t seed,
		     struct estimate *e);
/* Pairs more that would likely move the interval off @target; -1: many. */
int more_pairs_needed(const struct estimate *e, double target);

/* ---- the cases -------------------------------------------------------- */

struct mapdrv_info;

/* A first touch of a device: [mmap @size bytes, read a byte a page]. */
struct first_touch {
	const char *device;	/* the path opened for each run */
	size_t size;		/* the mapping's length, from offset 0 */
	size_t pages;
	bool mapdrv;		/* check mapdrv's counters too */
	unsigned long long faults;	/* mapdrv: .fault calls, last run */
	int fd;			/* memfd cases: the file mapped */
};

#define FIRST_TOUCH(dev, bytes, is_mapdrv) (struct first_touch){		.device = (dev), .size = (bytes), .pages = (bytes) / page_size,		.mapdrv = (is_mapdrv), .fd = -1 }

/* cases_mapdrv.c: the module must be loaded with a buffer of @size. */
extern const char *const mapdrv_cases[];	/* per enum mapdrv_map_mode */
int open_device(void);
int get_info(int fd, struct mapdrv_info *info);
int run_device_first_touch(void *arg, double *value);
void bench_read_copy(size_t size, int runs);
void *map_mapdrv_reread(size_t size);	/* every page in place, checked */

struct threads {
	int fd;
	size_t size;
	size_t pages;
	int nthreads;		/* 1 or 2 */
};
int run_threads(void *arg, double *value);
/* One MAPDRV_IOC_WALK_BENCH: ns/page of the walk and vmalloc_to_page(). */
int walk_once(int fd, size_t pages, double *own, double *vtp);

/* cases_peers.c: bench/peers/mapdrv_peers.ko, from MAPDRV_PEERS_KO. */
extern const char *const peer_cases[];	/* per enum mapdrv_peer_mode */
bool peers_available(void);		/* MAPDRV_PEERS_KO is set */
int load_peer(size_t pages, unsigned int mode);
int unload_peer(void);

/* cases_kernel.c: the baselines. */
int shmem_open(size_t size);		/* a memfd, every page in place */
int run_shmem(void *arg, double *value);
/* /sys/kernel/debug/fault_around_bytes: 0 set (old value kept), -1. */
int fault_around_off(void);
void fault_around_restore(void);
void bench_anon(size_t size, int runs);
/* Anonymous memory filled; @nohuge: MADV_NOHUGEPAGE first.  NULL: failed. */
void *map_anon_reread(size_t size, bool nohuge);

/* ---- what /proc says of a reread mapping (layout.c) ------------------- */

/* AnonHugePages of the mapping at @p, in kB; -1 if not found. */
long anon_huge_kb(const void *p);
/* % of its pages whose frame follows the previous page's; -1: unseen. */
double frames_in_order_pct(const void *p, size_t size);

/* ---- the goals' sessions (sessions.c) --------------------------------- */

/* One size: what every session needs. */
struct plan {
	size_t size;		/* the buffer's, bytes */
	size_t smallest;	/* the run's smallest size: linear's reference */
	int rounds;
	int shmem_fd;		/* a memfd of @size filled, or -1 */
};

/* mapdrv loaded in the mode each names, with a buffer of p->size. */
int session_fault(const struct plan *p);
int session_threads(const struct plan *p);
int session_walk(const struct plan *p);
int session_faultaround(const struct plan *p);
int session_premap(const struct plan *p);
int session_reread(const struct plan *p);

/* ---- the report (report.c, goals.c) ----------------------------------- */

void print_environment(uint64_t seed, int rounds);
void print_table(const size_t *sizes, int nsizes);

/*
 * A goal at a size, judged from @ratios (one per round; the goal's
 * ratio as its text says it, e.g. mapdrv's ns/page over the peer's):
 * reached when the whole interval meets @target, missed when none of it
 * does.  @at_most: the ratio must be <= @target, else >=.  @detail: a
 * case name where one goal covers several (linear), or NULL.
 */
void judge_goal(const char *goal, const char *detail, size_t size,
		const double *ratios, int n, double target, bool at_most);
/* The same goal not measured (a case failed or could not run). */
void goal_unmeasured(const char *goal, const char *detail, size_t size,
		     double target, bool at_most, const char *why);
void print_goals(void);
struct json_object;
void json_add_goals(struct json_object *array);
int write_json(const char *path, const size_t *sizes, int nsizes);
extern uint64_t bench_seed;

#endif /* _MAPDRV_BENCH_H */
