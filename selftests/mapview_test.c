// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of mapview in the VM: its JSON report is checked against the
 * kernel's own numbers, read independently while mapview waits between
 * steps (--step) by this test from /proc/<mapview's pid>/ and by procps
 * (ps, pmap, free), and against what the walkthrough must show (VSZ,
 * Rss, faults, frames) -- mapview's own memory included: between two
 * steps its RssAnon and minor faults move by what the step does to the
 * device's mappings and by nothing else.
 *
 * Needs root, the module loaded (any pages=, any map=), MAPVIEW naming
 * the mapview binary (default: userspace/mapview), and procps's ps, pmap
 * and free at /usr/bin.  The guest's busybox has applets of those names
 * first in PATH, so the procps tools are called by full path and checked
 * to be procps's; one missing fails the procps tests (it never skips).
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mapdrv_module.h"
#include "mapdrv_uapi.h"
#include "mapview_run.h"

static const char *const map_mode_names[] = MAPDRV_MAP_NAMES;

#define STEPS 7

/* What procps's tools said about mapview, paused after one step. */
struct procps_view {
	long ps_vsz_kb, ps_rss_kb;	/* ps -o vsz=,rss= -p PID */
	long pmap_kbytes, pmap_rss_kb;	/* pmap -x PID: its total line */
	long pmap_shared_rss_kb;	/* pmap -X PID: Rss of the mapdrv */
	long pmap_private_rss_kb;	/*   lines rw-s and rw-p, -1: none */
	struct freecols free;		/* free -k: its Mem: line */
	struct freecols before, after;	/* /proc/meminfo just around free */
	int free_tries;			/* read_free_between()'s */
};

/* What this test read while mapview was paused after step i. */
struct independent {
	long vsz_kb, vmrss_kb, rss_anon_kb;	/* /proc/PID/status */
	long minflt;				/* /proc/PID/stat */
	long smaps_rss_kb;	/* /proc/PID/smaps: the shared mapping */
	long rollup_rss_kb, rollup_anon_kb;	/* /proc/PID/smaps_rollup */
	long gate_kb;		/* maps lines of no vma: [vsyscall] */
	long long module_faults;	/* MAPDRV_IOC_INFO, by this test */
	long ps_vsz_kb;		/* busybox ps, -1 when it has no vsz */
	struct procps_view procps;
};

/* How run_mapview() runs mapview and what it reads at each pause. */
enum {
	RUN_TEXT = 1,		/* the tables (to /dev/null), not --json */
	RUN_PS = 2,		/* and with these, procps's tools too */
	RUN_PMAP_X = 4,		/* pmap -x */
	RUN_PMAP_XX = 8,	/* pmap -X */
	RUN_FREE = 16,
};

struct mapview_run {
	struct json_object *root;	/* NULL with RUN_TEXT */
	int status;		/* mapview's exit status */
	int nread;		/* steps read independently: 0..nread-1 */
	struct independent seen[STEPS];
	char err[4096];		/* mapview's stderr, for the log */
};

/*
 * @field ("Rss:") of /proc/@pid/smaps in the entry of the shared mapping
 * of the device, "rw-s ... /dev/mapdrv"; -1: none.
 */
static long device_smaps_kb(pid_t pid, const char *field)
{
	char *smaps = slurp(pid, "smaps");
	size_t flen = strlen(field);
	bool in = false;
	long kb = -1;

	for (const char *l = smaps; l && *l; l = next_line(l)) {
		unsigned long a, b;
		char perms[8];

		if (sscanf(l, "%lx-%lx %7s", &a, &b, perms) == 3) {
			in = perms[3] == 's' && memmem(l, strchrnul(l, '\n') - l, MAPDRV_DEVICE,
						       strlen(MAPDRV_DEVICE));
			continue;
		}
		if (in && !strncmp(l, field, flen)) {
			kb = strtol(l + flen, NULL, 10);
			break;
		}
	}
	free(smaps);
	return kb;
}

/*
 * What /proc/PID/maps lists beyond the process's vmas: the gate area
 * (x86_64's [vsyscall] page), which pmap counts and VmSize does not.
 */
static long gate_kb(pid_t pid)
{
	unsigned long a, b;
	char name[64], line[512];
	long kb = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	f = fopen(name, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " [vsyscall]") && sscanf(line, "%lx-%lx", &a, &b) == 2)
			kb += (b - a) / 1024;
	fclose(f);
	return kb;
}

/* The tokens of @line, up to @max, in place. */
static int split(char *line, char **tok, int max)
{
	int n = 0;

	for (char *t = strtok(line, " \t\n"); t && n < max; t = strtok(NULL, " \t\n"))
		tok[n++] = t;
	return n;
}

/*
 * pmap -X: a "PID:   command" line, a header naming the columns (the
 * smaps fields this kernel has, then Mapping: the file's base name),
 * one line per mapping, and totals.  The Rss of the mapdrv lines.
 */
static void parse_pmap_X(char *out, struct procps_view *v)
{
	int perm_col = -1, rss_col = -1, n;
	char *tok[64], *line, *save;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n = split(line, tok, 64);
		if (perm_col < 0) {
			for (int i = 0; i < n; i++) {
				if (!strcmp(tok[i], "Perm"))
					perm_col = i;
				else if (!strcmp(tok[i], "Rss"))
					rss_col = i;
			}
			continue;
		}
		if (rss_col < 0 || n <= rss_col || n <= perm_col ||
		    strcmp(tok[n - 1], "mapdrv") || strlen(tok[perm_col]) != 4)
			continue;
		if (tok[perm_col][3] == 's')
			v->pmap_shared_rss_kb = strtol(tok[rss_col], NULL, 10);
		else
			v->pmap_private_rss_kb = strtol(tok[rss_col], NULL, 10);
	}
}

/* ps, pmap -x, pmap -X and free (as @flags say) on @pid, which is idle. */
static void read_procps(pid_t pid, struct procps_view *v, int flags)
{
	static char out[1 << 16];
	char pidstr[16];
	char *ps[] = { PROCPS_PS, "-o", "vsz=,rss=", "-p", pidstr, NULL };
	char *pmap_x[] = { PROCPS_PMAP, "-x", pidstr, NULL };
	char *pmap_X[] = { PROCPS_PMAP, "-X", pidstr, NULL };
	char *line;

	memset(v, 0xff, sizeof(*v));	/* -1 everywhere */
	snprintf(pidstr, sizeof(pidstr), "%d", pid);

	if ((flags & RUN_PS) && run_tool(ps, out, sizeof(out)) == 0 &&
	    sscanf(out, "%ld %ld", &v->ps_vsz_kb, &v->ps_rss_kb) != 2)
		v->ps_vsz_kb = v->ps_rss_kb = -1;

	/* "total kB   Kbytes  RSS  Dirty" */
	if ((flags & RUN_PMAP_X) && run_tool(pmap_x, out, sizeof(out)) == 0) {
		line = strstr(out, "\ntotal kB");
		if (!line || sscanf(line, "\ntotal kB %ld %ld", &v->pmap_kbytes,
				    &v->pmap_rss_kb) != 2)
			v->pmap_kbytes = v->pmap_rss_kb = -1;
	}

	/* -2: pmap -X did not run, unlike -1 (it ran, no such line). */
	v->pmap_shared_rss_kb = v->pmap_private_rss_kb = -2;
	if ((flags & RUN_PMAP_XX) && run_tool(pmap_X, out, sizeof(out)) == 0) {
		v->pmap_shared_rss_kb = v->pmap_private_rss_kb = -1;
		parse_pmap_X(out, v);
	}

	if (!(flags & RUN_FREE))
		return;
	read_free_between(&v->before, &v->free, &v->after, &v->free_tries);
}

/* VSZ of @pid as busybox ps prints it ("6564" or "6m"), in kB. */
static long ps_vsz_kb(pid_t pid)
{
	char cmd[64], line[128];
	long kb = -1, p;
	char unit;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ps -o pid,vsz 2>/dev/null");
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unit = 0;
		if (sscanf(line, "%ld %ld%c", &p, &kb, &unit) >= 2 && p == pid) {
			if (unit == 'm')
				kb *= 1024;
			else if (unit == 'g')
				kb *= 1024 * 1024;
			break;
		}
		kb = -1;
	}
	pclose(f);
	return kb;
}

static struct mapdrv_info device_info(void)
{
	struct mapdrv_info info = { 0 };
	int fd = open(MAPDRV_DEVICE, O_RDONLY);

	if (fd >= 0) {
		ioctl(fd, MAPDRV_IOC_INFO, &info);
		close(fd);
	}
	return info;
}

/* Everything but procps first: the cheap reads, closest to the pause. */
static void read_independent(pid_t pid, struct independent *s, int flags)
{
	s->minflt = proc_minflt(pid);
	s->vsz_kb = proc_field(pid, "status", "VmSize:");
	s->vmrss_kb = proc_field(pid, "status", "VmRSS:");
	s->rss_anon_kb = proc_field(pid, "status", "RssAnon:");
	s->rollup_rss_kb = proc_field(pid, "smaps_rollup", "Rss:");
	s->rollup_anon_kb = proc_field(pid, "smaps_rollup", "Anonymous:");
	s->smaps_rss_kb = device_smaps_kb(pid, "Rss:");
	s->gate_kb = gate_kb(pid);
	s->module_faults = (long long)device_info().faults;
	s->ps_vsz_kb = flags & RUN_TEXT ? -1 : ps_vsz_kb(pid);
	if (flags & (RUN_PS | RUN_PMAP_X | RUN_PMAP_XX | RUN_FREE))
		read_procps(pid, &s->procps, flags);
}

/*
 * Run mapview --step [--json] [ARG], reading /proc/PID/ (and with
 * RUN_PROCPS procps's view) at each pause; returns 0 with @r filled, or
 * -1.  The pause before step N follows step N-1's snapshot, the one
 * after the last step ends the steps: mapview is idle at each.
 */
static int run_mapview(struct mapview_run *r, const char *extra, int flags)
{
	/* RUN_TEXT: --step twice, no --json; the tables go to /dev/null. */
	const char *argv[] = {
		"mapview", "--step", flags & RUN_TEXT ? "--step" : "--json", extra, NULL,
	};
	struct mapview_child c;
	int step;

	memset(r, 0, sizeof(*r));
	if (mapview_start(&c, argv, !(flags & RUN_TEXT)))
		return -1;
	while ((step = mapview_prompt(&c, r->err, sizeof(r->err), NULL)) >= 0) {
		if (step == PROMPT_END)
			step = STEPS;	/* the pause after the last step */
		/* Step - 1 is taken and mapview is idle: read its numbers. */
		if (step >= 1 && step <= STEPS) {
			read_independent(c.pid, &r->seen[step - 1], flags);
			r->nread = step;
		}
		if (mapview_resume(&c))
			break;
		/* After the last pause mapview writes the JSON: go read it. */
		if (step == STEPS)
			break;
	}
	/* The JSON, then whatever mapview said on stderr after the last step. */
	r->root = mapview_finish(&c, r->err, sizeof(r->err), &r->status);
	if (flags & RUN_TEXT)
		return r->status ? -1 : 0;
	return r->root ? 0 : -1;
}

static struct json_object *step(struct mapview_run *r, int i)
{
	return arr_idx(get(r->root, "steps"), i);
}

/*
 * The minor faults that a first write to a page costs once a read has
 * mapped it, in a MAP_SHARED mapping of the device: 0 where the CPU sets
 * the dirty bit itself (x86_64; arm64 with FEAT_HAFDBS), 1 where the
 * kernel must (arm64 without it: a permission fault).  Measured in this
 * process, on this CPU, before mapview runs.
 */
static long write_after_read_faults(long page_size)
{
	struct rusage a, b;
	volatile char *map;
	long n = -1;
	char c;
	int fd;

	fd = open(MAPDRV_DEVICE, O_RDWR);
	if (fd < 0)
		return -1;
	map = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map != MAP_FAILED) {
		c = map[page_size - 1];
		getrusage(RUSAGE_SELF, &a);
		map[page_size - 1] = c;		/* the same byte: the buffer is intact */
		getrusage(RUSAGE_SELF, &b);
		n = b.ru_minflt - a.ru_minflt;
		munmap((void *)map, page_size);
	}
	close(fd);
	return n;
}

/*
 * Whether this kernel's /proc/PID/status counts exactly: equal, after
 * each of a few faults, to what smaps_rollup finds in the page tables
 * just before or just after (a read may itself fault).  6.1 keeps up to
 * 64 faults' worth in the faulting thread, out of status; 6.2 moved the
 * counts to per-CPU counters, which status sums only on kernels with the
 * later fix (get_mm_counter_sum(): Debian's 6.12.95 and 7.3.4 have it);
 * /proc/PID/stat's rss is not summed even there.
 */
static bool status_is_exact(long page_size)
{
	pid_t self = getpid();
	bool exact = true;
	char *m;

	m = mmap(NULL, 8 * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return false;
	for (int i = 0; exact && i < 8; i++) {
		long before, status, after;

		m[i * page_size] = 1;
		before = proc_field(self, "smaps_rollup", "Anonymous:");
		status = proc_field(self, "status", "RssAnon:");
		after = proc_field(self, "smaps_rollup", "Anonymous:");
		exact = status >= 0 && (status == before || status == after);
	}
	munmap(m, 8 * page_size);
	return exact;
}

/*
 * What step @i (1-6) adds to mapview's own minor faults (@minflt) and
 * anonymous memory (@anon_kb), and nothing else may: the faults the
 * module served at step 3 (@device_faults), the write of step 4
 * (@write_faults, from write_after_read_faults()), at step 5 the one
 * copy-on-write fault and its page, which step 6 gives back.  Steps 0-2
 * open and map: no fault, no page.
 */
static void expected_step(int i, long long device_faults, long write_faults,
			  long page_kb, long long *minflt, long long *anon_kb)
{
	*minflt = 0;
	*anon_kb = 0;
	switch (i) {
	case 3:
		*minflt = device_faults;
		break;
	case 4:
		*minflt = write_faults;
		break;
	case 5:
		*minflt = 1;
		*anon_kb = page_kb;
		break;
	case 6:
		*anon_kb = -page_kb;
		break;
	}
}

FIXTURE(mapview) {
	struct mapview_run run;
	struct mapdrv_info info;
	long page_kb;
	long write_faults;	/* write_after_read_faults() */
	bool status_exact;	/* status_is_exact() */
};

FIXTURE_SETUP(mapview)
{
	long page_size = sysconf(_SC_PAGESIZE);

	self->info = device_info();
	ASSERT_NE(0, self->info.pages) TH_LOG("no %s", MAPDRV_DEVICE);
	self->page_kb = page_size / 1024;
	self->write_faults = write_after_read_faults(page_size);
	ASSERT_LE(0, self->write_faults);
	self->status_exact = status_is_exact(page_size);
	ASSERT_EQ(0, run_mapview(&self->run, NULL, 0))
		TH_LOG("mapview gave no JSON; stderr:\n%s", self->run.err);
	ASSERT_EQ(0, self->run.status) TH_LOG("stderr:\n%s", self->run.err);
}

FIXTURE_TEARDOWN(mapview)
{
	json_object_put(self->run.root);
}

TEST_F(mapview, json_has_the_schema)
{
	static const char *const step_keys[] = {
		"name", "vsz_kb", "rss_kb", "rss_anon_kb", "rss_file_kb",
		"rss_shmem_kb", "minflt", "module_faults", "maps", "smaps",
		"smaps_private", "smaps_rollup", "meminfo",
	};
	struct json_object *steps = get(self->run.root, "steps");

	ASSERT_TRUE(json_object_is_type(steps, json_type_array));
	ASSERT_EQ(STEPS, json_object_array_length(steps));
	for (int i = 0; i < STEPS; i++) {
		struct json_object *s = step(&self->run, i);

		expect_step_shape(_metadata, s, i, step_keys,
				  sizeof(step_keys) / sizeof(step_keys[0]));
		EXPECT_LT(0, get_int(s, "vsz_kb"));
	}
	ASSERT_TRUE(json_object_is_type(get(self->run.root, "frames"), json_type_array));
}

TEST_F(mapview, vsz_grows_by_the_mapping_at_mmap)
{
	long long before = get_int(step(&self->run, 1), "vsz_kb");
	long long after = get_int(step(&self->run, 2), "vsz_kb");

	EXPECT_EQ((long long)self->info.size / 1024, after - before);
	/* And back at munmap. */
	EXPECT_EQ(before, get_int(step(&self->run, 6), "vsz_kb"));
}

/* The growth of @field of the JSON step objects from step @a to step @b. */
static long long grew(struct mapview_run *run, const char *field, int a, int b)
{
	return get_int(step(run, b), field) - get_int(step(run, a), field);
}

/*
 * smaps Rss after mmap (step 2) and after the touches (step 3), as the
 * map mode has it: fault maps the touched pages only, faultaround whole
 * windows around them, premap everything at mmap.
 */
TEST_F(mapview, rss_follows_the_touched_pages_and_the_map_mode)
{
	long long touched = get_int(self->run.root, "touched");
	long long window = get_int(self->run.root, "window");
	long long pages = self->info.pages;
	long long rss2 = get_int(get(step(&self->run, 2), "smaps"), "Rss");
	long long rss3 = get_int(get(step(&self->run, 3), "smaps"), "Rss");

	EXPECT_EQ((pages + 1) / 2, touched);
	EXPECT_STREQ(map_mode_names[self->info.map_mode],
		     json_object_get_string(get(self->run.root, "map_mode")));
	switch (self->info.map_mode) {
	case MAPDRV_MAP_FAULT:
		EXPECT_EQ(0, rss2);
		EXPECT_EQ(touched * self->page_kb, rss3);
		break;
	case MAPDRV_MAP_FAULTAROUND:
		/* Whole windows: at most one partial window at each end. */
		EXPECT_EQ(0, rss2);
		EXPECT_LE(touched * self->page_kb, rss3);
		EXPECT_GE((touched + 2 * window) * self->page_kb, rss3);
		EXPECT_GE(pages * self->page_kb, rss3);
		break;
	default:
		EXPECT_EQ(pages * self->page_kb, rss2);
		EXPECT_EQ(rss2, rss3);
	}
}

/* What the module says it mapped is what the page tables hold. */
TEST_F(mapview, module_mapped_is_what_smaps_counts)
{
	EXPECT_EQ(grew(&self->run, "module_mapped", 1, 3) * self->page_kb,
		  get_int(get(step(&self->run, 3), "smaps"), "Rss"));
}

TEST_F(mapview, module_faults_follow_the_map_mode)
{
	long long touched = get_int(self->run.root, "touched");
	long long window = get_int(self->run.root, "window");
	long long faults = grew(&self->run, "module_faults", 2, 3);

	switch (self->info.map_mode) {
	case MAPDRV_MAP_FAULT:
		EXPECT_EQ(touched, faults);
		break;
	case MAPDRV_MAP_FAULTAROUND:
		/* One per window touched: the first may be partial. */
		EXPECT_LE((touched + window - 1) / window, faults);
		EXPECT_GE((touched + window - 1) / window + 1, faults);
		break;
	default:
		EXPECT_EQ(0, faults);
	}
}

TEST_F(mapview, every_touched_frame_matches)
{
	struct json_object *frames = get(self->run.root, "frames");
	long long touched = get_int(self->run.root, "touched");

	ASSERT_EQ(touched, (long long)json_object_array_length(frames));
	for (size_t i = 0; i < json_object_array_length(frames); i++) {
		struct json_object *f = json_object_array_get_idx(frames, i);

		EXPECT_TRUE(json_object_get_boolean(get(f, "match"))) {
			TH_LOG("frame %zu", i);
		}
		EXPECT_NE(0, get_int(f, "user_pfn"));
		EXPECT_EQ(get_int(f, "user_pfn"), get_int(f, "kernel_pfn"));
	}
}

TEST_F(mapview, private_page_has_its_own_frame)
{
	struct json_object *pf = get(self->run.root, "private_frame");

	ASSERT_NE(NULL, pf);
	EXPECT_FALSE(json_object_get_boolean(get(pf, "match")));
	EXPECT_NE(0, get_int(pf, "user_pfn"));
	EXPECT_NE(get_int(pf, "user_pfn"), get_int(pf, "kernel_pfn"));
	EXPECT_EQ(self->page_kb,
		  get_int(get(step(&self->run, 5), "smaps_private"), "Anonymous"));
}

/*
 * At each pause this test read /proc/PID/ itself: the same numbers as
 * mapview's snapshot of the step, minor faults included -- so neither
 * the snapshot nor the pause after it faulted anything.
 */
TEST_F(mapview, numbers_match_an_independent_reading)
{
	ASSERT_EQ(STEPS, self->run.nread);
	for (int i = 0; i < STEPS; i++) {
		struct independent *seen = &self->run.seen[i];
		struct json_object *s = step(&self->run, i);

		EXPECT_EQ(seen->vsz_kb, get_int(s, "vsz_kb")) TH_LOG("step %d", i);
		EXPECT_EQ(seen->vmrss_kb, get_int(s, "rss_kb")) TH_LOG("step %d", i);
		EXPECT_EQ(seen->rss_anon_kb, get_int(s, "rss_anon_kb")) TH_LOG("step %d", i);
		EXPECT_EQ(seen->minflt, get_int(s, "minflt")) TH_LOG("step %d", i);
		EXPECT_EQ(seen->smaps_rss_kb, sub_int(s, "smaps", "Rss")) TH_LOG("step %d", i);
		EXPECT_EQ(seen->rollup_rss_kb, sub_int(s, "smaps_rollup", "Rss"))
			TH_LOG("step %d", i);
		EXPECT_EQ(seen->rollup_anon_kb, sub_int(s, "smaps_rollup", "Anonymous"))
			TH_LOG("step %d", i);
		if (i >= 1) {
			EXPECT_EQ(seen->module_faults, get_int(s, "module_faults"))
				TH_LOG("step %d", i);
		}
	}
}

/*
 * mapview's own memory: from one step to the next, its minor faults and
 * its anonymous pages move by exactly what the step does to the device's
 * mappings (expected_step()), and by nothing of mapview's own: no
 * snapshot storage, stack, heap or code first touched inside a step.
 * smaps_rollup's Anonymous is exact on every kernel; status's RssAnon is
 * held to the same where this kernel counts exactly (status_is_exact()).
 */
TEST_F(mapview, own_memory_moves_only_by_the_steps)
{
	TH_LOG("a write after a read costs %ld fault(s) here; status %s", self->write_faults,
	       self->status_exact ? "counts exactly" : "lags the page tables");
	for (int i = 1; i < STEPS; i++) {
		long long device = grew(&self->run, "module_faults", i - 1, i);
		long long minflt, anon;

		expected_step(i, device, self->write_faults, self->page_kb,
			      &minflt, &anon);
		EXPECT_EQ(minflt, grew(&self->run, "minflt", i - 1, i))
			TH_LOG("step %d: minflt", i);
		EXPECT_EQ(anon, sub_int(step(&self->run, i), "smaps_rollup", "Anonymous") -
				sub_int(step(&self->run, i - 1), "smaps_rollup", "Anonymous"))
			TH_LOG("step %d: smaps_rollup:Anonymous", i);
		if (self->status_exact) {
			EXPECT_EQ(anon, grew(&self->run, "rss_anon_kb", i - 1, i))
				TH_LOG("step %d: status:RssAnon", i);
		} else {
			TH_LOG("step %d: status:RssAnon %+lld kB (this kernel's count is approximate), "
			       "smaps_rollup:Anonymous %+lld kB", i,
			       grew(&self->run, "rss_anon_kb", i - 1, i),
			       sub_int(step(&self->run, i), "smaps_rollup", "Anonymous") -
			       sub_int(step(&self->run, i - 1), "smaps_rollup", "Anonymous"));
		}
	}
	/* Step 3's device faults are the touches, as the map mode has them. */
	EXPECT_LE(0, grew(&self->run, "module_faults", 2, 3));
}

/*
 * VmRSS is the kernel's running count, smaps_rollup's Rss the page
 * tables walked.  They agree to the kB where the kernel sums its count
 * for status; elsewhere the difference is logged, as a measurement.
 */
TEST_F(mapview, vmrss_is_the_page_tables_where_the_kernel_counts_exactly)
{
	for (int i = 0; i < STEPS; i++) {
		struct json_object *s = step(&self->run, i);
		long long rollup = sub_int(s, "smaps_rollup", "Rss");

		ASSERT_LT(0, rollup) TH_LOG("step %d: no smaps_rollup", i);
		if (self->status_exact) {
			EXPECT_EQ(rollup, get_int(s, "rss_kb")) TH_LOG("step %d", i);
			EXPECT_EQ(sub_int(s, "smaps_rollup", "Anonymous"),
				  get_int(s, "rss_anon_kb")) TH_LOG("step %d", i);
		} else {
			TH_LOG("step %d: status:VmRSS %lld kB, smaps_rollup:Rss %lld kB (%+lld): "
			       "this kernel's status counts approximately", i,
			       get_int(s, "rss_kb"), rollup, get_int(s, "rss_kb") - rollup);
		}
	}
}

TEST_F(mapview, busybox_ps_agrees_on_vsz)
{
	for (int i = 0; i < STEPS; i++) {
		long ps = self->run.seen[i].ps_vsz_kb;
		long long vsz = get_int(step(&self->run, i), "vsz_kb");

		ASSERT_LT(0, ps) TH_LOG("step %d: ps -o pid,vsz showed nothing", i);
		/* ps rounds to MiB above some size ("6m"): allow that. */
		EXPECT_GE(1024, labs(ps - vsz)) TH_LOG("step %d: ps %ld, json %lld", i, ps, vsz);
	}
}

/*
 * procps's view of mapview at each pause (read_procps()), against
 * mapview's snapshot of the step.  What each tool reads:
 *  - ps -o vsz,rss: VmSize and VmRSS of /proc/PID/status (procps 4), the
 *    very lines mapview read: equal to the kB on every kernel, since
 *    mapview is idle and a count nobody updates does not move.
 *  - pmap -x's total: the sums of /proc/PID/smaps' Size and Rss.  Size
 *    counts the gate area too (x86_64's [vsyscall], no vma of the
 *    process: not in VmSize); Rss is the page tables walked, as
 *    smaps_rollup's.  Both to the kB.
 *  - pmap -X: each mapping's smaps line, the device's among them.
 *  - free -k: /proc/meminfo, read a moment after mapview's snapshot.
 */
FIXTURE(procps) {
	struct mapview_run run;
};

FIXTURE_SETUP(procps)
{
	static const char *const tools[] = { PROCPS_PS, PROCPS_PMAP, PROCPS_FREE };

	/* Missing is a failure, not a skip: the guest must have procps. */
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		ASSERT_TRUE(is_procps(tools[i]))
			TH_LOG("%s: missing, or not procps's (%s -V)", tools[i], tools[i]);
	}
	ASSERT_NE(0, device_info().pages) TH_LOG("no %s", MAPDRV_DEVICE);
}

FIXTURE_TEARDOWN(procps)
{
	json_object_put(self->run.root);
}

/*
 * mapview --json --step with the procps tool of @flags run at each
 * pause: each test runs its own, so that a slow (debug) kernel runs each
 * tool once per pause, not four.
 */
#define RUN_WITH(flags) do {						\
		ASSERT_EQ(0, run_mapview(&self->run, NULL, (flags)))	\
			TH_LOG("mapview gave no JSON; stderr:\n%s",	\
			       self->run.err);				\
		ASSERT_EQ(0, self->run.status)				\
			TH_LOG("stderr:\n%s", self->run.err);		\
		ASSERT_EQ(STEPS, self->run.nread);			\
	} while (0)

/* Room for procps's tools at 7 pauses on the debug kernel (KASAN, TCG). */
#define PROCPS_TIMEOUT	300

TEST_F_TIMEOUT(procps, ps_shows_mapviews_vsz_and_rss, PROCPS_TIMEOUT)
{
	RUN_WITH(RUN_PS);
	for (int i = 0; i < STEPS; i++) {
		struct procps_view *v = &self->run.seen[i].procps;
		struct json_object *s = step(&self->run, i);

		ASSERT_LT(0, v->ps_vsz_kb) TH_LOG("step %d: %s gave nothing", i, PROCPS_PS);
		EXPECT_EQ(get_int(s, "vsz_kb"), v->ps_vsz_kb) TH_LOG("step %d: VSZ", i);
		EXPECT_EQ(get_int(s, "rss_kb"), v->ps_rss_kb) TH_LOG("step %d: RSS", i);
	}
}

TEST_F_TIMEOUT(procps, pmap_x_total_is_vsz_and_the_page_tables, PROCPS_TIMEOUT)
{
	RUN_WITH(RUN_PMAP_X);
	for (int i = 0; i < STEPS; i++) {
		struct independent *seen = &self->run.seen[i];
		struct procps_view *v = &seen->procps;
		struct json_object *s = step(&self->run, i);

		ASSERT_LT(0, v->pmap_kbytes) TH_LOG("step %d: %s -x gave no total", i,
						    PROCPS_PMAP);
		ASSERT_LE(0, seen->gate_kb);
		EXPECT_EQ(get_int(s, "vsz_kb") + seen->gate_kb, v->pmap_kbytes)
			TH_LOG("step %d: Kbytes (gate area %ld kB)", i, seen->gate_kb);
		EXPECT_EQ(sub_int(s, "smaps_rollup", "Rss"), v->pmap_rss_kb)
			TH_LOG("step %d: RSS", i);
		EXPECT_EQ(seen->rollup_rss_kb, v->pmap_rss_kb)
			TH_LOG("step %d: /proc/PID/smaps_rollup", i);
	}
}

TEST_F_TIMEOUT(procps, pmap_X_shows_the_device_mappings_rss, PROCPS_TIMEOUT)
{
	RUN_WITH(RUN_PMAP_XX);
	for (int i = 0; i < STEPS; i++) {
		struct procps_view *v = &self->run.seen[i].procps;
		struct json_object *s = step(&self->run, i);

		ASSERT_NE(-2, v->pmap_shared_rss_kb) TH_LOG("step %d: %s -X failed", i,
							    PROCPS_PMAP);
		/* -1 on both sides: no such mapping at this step. */
		EXPECT_EQ(sub_int(s, "smaps", "Rss"), v->pmap_shared_rss_kb)
			TH_LOG("step %d: the MAP_SHARED mapping", i);
		EXPECT_EQ(sub_int(s, "smaps_private", "Rss"), v->pmap_private_rss_kb)
			TH_LOG("step %d: the MAP_PRIVATE mapping", i);
	}
	/* The device was mapped and touched: not a vacuous -1 == -1. */
	EXPECT_LT(0, self->run.seen[3].procps.pmap_shared_rss_kb);
	EXPECT_LT(0, self->run.seen[5].procps.pmap_private_rss_kb);
}

/*
 * free(1) is a view of /proc/meminfo, read at its own moment: MemTotal
 * does not move, so free's total is mapview's to the kB.  The rest moves
 * with the system (free's own process, the per-CPU page lists, slab), so
 * each column is held to the /proc/meminfo this test read just before
 * and just after free ran, within FREE_SLACK_KB (read_free_between()),
 * and to mapview's snapshot of the step within FREE_DRIFT_KB (ps and
 * pmap ran between).
 */
#define FREE_DRIFT_KB	4096

TEST_F_TIMEOUT(procps, free_shows_meminfo, PROCPS_TIMEOUT)
{
	RUN_WITH(RUN_FREE);
	for (int i = 0; i < STEPS; i++) {
		struct procps_view *v = &self->run.seen[i].procps;
		struct json_object *mi = get(step(&self->run, i), "meminfo");
		const struct {
			const char *name;
			long free, before, after, mapview;
		} col[] = {
			{ "free", v->free.free, v->before.free, v->after.free,
			  get_int(mi, "MemFree") },
			{ "available", v->free.available, v->before.available,
			  v->after.available, get_int(mi, "MemAvailable") },
			{ "shared", v->free.shared, v->before.shared, v->after.shared,
			  get_int(mi, "Shmem") },
			{ "buff/cache", v->free.buff_cache, v->before.buff_cache,
			  v->after.buff_cache, get_int(mi, "Buffers") +
			  get_int(mi, "Cached") + get_int(mi, "SReclaimable") },
		};

		ASSERT_LT(0, v->free.total) TH_LOG("step %d: %s -k gave no Mem: line", i,
						   PROCPS_FREE);
		EXPECT_EQ(get_int(mi, "MemTotal"), v->free.total) TH_LOG("step %d: total", i);
		EXPECT_EQ(v->before.total, v->free.total);
		for (size_t c = 0; c < sizeof(col) / sizeof(col[0]); c++) {
			EXPECT_TRUE(near(col[c].free, col[c].before, col[c].after,
					 FREE_SLACK_KB))
				TH_LOG("step %d: %s %ld kB, /proc/meminfo %ld then %ld kB (try %d)",
				       i, col[c].name, col[c].free, col[c].before,
				       col[c].after, v->free_tries);
			EXPECT_TRUE(near(col[c].free, col[c].mapview, col[c].mapview,
					 FREE_DRIFT_KB))
				TH_LOG("step %d: %s %ld kB, mapview %ld kB", i,
				       col[c].name, col[c].free, col[c].mapview);
			if (getenv("MAPVIEW_TEST_VERBOSE"))
				TH_LOG("step %d: %s: free %ld, meminfo %ld/%ld, mapview %ld (%+ld)",
				       i, col[c].name, col[c].free, col[c].before,
				       col[c].after, col[c].mapview,
				       col[c].free - col[c].mapview);
		}
	}
}

/* Bad input: one clear message and a documented exit code each. */
FIXTURE(cli) {
	int unused;
};

FIXTURE_SETUP(cli)
{
}

FIXTURE_TEARDOWN(cli)
{
}

TEST_F(cli, errors_have_distinct_exit_codes)
{
	int status;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s --touch 0 >/dev/null 2>&1", mapview_path());
	status = system(cmd);
	EXPECT_EQ(1, WEXITSTATUS(status));
	snprintf(cmd, sizeof(cmd), "%s --device /nonexistent >/dev/null 2>&1",
		 mapview_path());
	status = system(cmd);
	EXPECT_EQ(2, WEXITSTATUS(status));
	snprintf(cmd, sizeof(cmd), "%s --walk 99999999 >/dev/null 2>&1",
		 mapview_path());
	status = system(cmd);
	EXPECT_EQ(1, WEXITSTATUS(status));
}

/* Run mapview as an unprivileged user; its exit status, output in @out. */
static int run_as_nobody(const char *args, char *out, size_t len)
{
	char cmd[512], line[1024];
	int status, n = 0;
	FILE *f;
	pid_t pid;
	int p[2];

	if (pipe(p))
		return -1;
	pid = fork_as_nobody();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		snprintf(cmd, sizeof(cmd), "%s %s", mapview_path(), args);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	/* Keep what fits, drain the rest: mapview must not die of SIGPIPE. */
	while (f && fgets(line, sizeof(line), f)) {
		if (n + strlen(line) < len) {
			strcpy(out + n, line);
			n += strlen(line);
		}
	}
	out[n] = '\0';
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(cli, not_root_cannot_open_the_device)
{
	char out[4096];

	EXPECT_EQ(3, run_as_nobody("--touch 1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "run mapview as root")) TH_LOG("%s", out);
}

/*
 * With the device opened up (as a classroom might), an unprivileged run
 * works but the PFNs are hidden: null in JSON, never zeros, and --walk
 * refuses with its own exit code.
 */
TEST_F(cli, not_root_sees_pfns_hidden)
{
	static char out[1 << 20];
	struct json_object *root, *frames;
	char walk_out[4096];
	int status;

	ASSERT_EQ(0, chmod(MAPDRV_DEVICE, 0666));
	status = run_as_nobody("--json --touch 2 --no-private 2>/dev/null", out, sizeof(out));
	EXPECT_EQ(6, run_as_nobody("--touch 1 --walk 0", walk_out, sizeof(walk_out)));
	EXPECT_NE(NULL, strstr(walk_out, "CAP_SYS_ADMIN")) TH_LOG("%s", walk_out);
	chmod(MAPDRV_DEVICE, 0600);
	ASSERT_EQ(0, status);
	root = json_tokener_parse(out);
	ASSERT_NE(NULL, root) TH_LOG("not JSON:\n%s", out);
	EXPECT_TRUE(json_object_get_boolean(get(root, "pfns_hidden")));
	frames = get(root, "frames");
	ASSERT_EQ(2, json_object_array_length(frames));
	EXPECT_EQ(NULL, get(json_object_array_get_idx(frames, 0), "user_pfn"));
	EXPECT_EQ(NULL, get(json_object_array_get_idx(frames, 0), "kernel_pfn"));
	json_object_put(root);
}

/* --load: mapview inserts the module itself, through libkmod. */
TEST_F(cli, load_inserts_the_module)
{
	const char *ko = getenv("MAPDRV_KO");
	char params[128], cmd[512], line[512];
	int loaded_by_us = 0, sixteen = 0, status;
	FILE *f;

	ASSERT_NE(NULL, ko) TH_LOG("MAPDRV_KO must name mapdrv.ko");
	ASSERT_EQ(0, module_params(params, sizeof(params)))
		TH_LOG("%s: %s", SYSFS_PARAMS, strerror(errno));
	ASSERT_EQ(0, unload_module()) TH_LOG("unload: %s", strerror(errno));

	snprintf(cmd, sizeof(cmd), "%s --load %s pages=16 --touch 2 --no-private 2>&1",
		 mapview_path(), ko);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		loaded_by_us += !!strstr(line, "(loaded by --load)");
		sixteen += !!strstr(line, "16 pages of");
	}
	status = f ? pclose(f) : -1;

	/* Put the module back as it was, whatever happened above. */
	unload_module();
	ASSERT_EQ(0, load_module(params)) TH_LOG("reload: %s", strerror(errno));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, loaded_by_us);
	EXPECT_EQ(1, sixteen);
}

/* --load of something that is no module: exit 4 and a message. */
TEST_F(cli, load_of_a_bad_file_fails_with_4)
{
	char cmd[512];
	int status;

	snprintf(cmd, sizeof(cmd), "%s --load /proc/version >/dev/null 2>&1",
		 mapview_path());
	status = system(cmd);
	EXPECT_EQ(4, WEXITSTATUS(status));
}

/* The human report: tables, the proof of sharing and the walk. */
TEST_F(cli, text_report_shows_the_shared_frame_and_walk)
{
	char cmd[512], line[512];
	int shared = 0, walk = 0, status;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --explain --touch 4 --walk 1", mapview_path());
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "# %s", line);
		shared += !!strstr(line, "4 of 4 touched pages: the user page is the kernel's page");
		walk += !!strstr(line, "two roads to one frame");
	}
	status = pclose(f);
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, shared);
	EXPECT_EQ(1, walk);
}

/*
 * --walk in JSON: one object per level down to the stop; a folded level
 * says so and has no entry; the others point somewhere, the last at the
 * page the walk found, the page the user's pagemap shows.
 */
TEST_F(cli, json_walk_shows_each_level_or_that_it_is_folded)
{
	static char out[1 << 20];
	struct json_object *root, *walk, *levels;
	long long levels_in_use, real = 0, folded = 0;
	size_t n = 0, got;
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --json --touch 2 --no-private --walk 1",
		 mapview_path());
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while ((got = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += got;
	out[n] = '\0';
	EXPECT_EQ(0, WEXITSTATUS(pclose(f)));
	root = json_tokener_parse(out);
	ASSERT_NE(NULL, root) TH_LOG("not JSON:\n%s", out);
	walk = get(root, "walk");
	ASSERT_NE(NULL, walk);

#if defined(__aarch64__)
	EXPECT_STREQ("arm64", json_object_get_string(get(walk, "arch")));
	EXPECT_NE(NULL, get(walk, "ttbr1"));
#else
	EXPECT_STREQ("x86_64", json_object_get_string(get(walk, "arch")));
	EXPECT_TRUE(json_object_object_get_ex(walk, "ttbr1", NULL));
	EXPECT_EQ(NULL, get(walk, "ttbr1"));
#endif
	EXPECT_LT(0, get_int(walk, "root"));
	levels_in_use = get_int(walk, "pgtable_levels");
	EXPECT_TRUE(levels_in_use == 4 || levels_in_use == 5);

	levels = get(walk, "levels");
	ASSERT_TRUE(json_object_is_type(levels, json_type_array));
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		struct json_object *lv = json_object_array_get_idx(levels, i);

		if (json_object_get_boolean(get(lv, "folded"))) {
			folded++;
			EXPECT_FALSE(json_object_object_get_ex(lv, "entry", NULL))
				TH_LOG("level %zu", i);
			continue;
		}
		real++;
		EXPECT_TRUE(json_object_object_get_ex(lv, "entry", NULL));
		EXPECT_LT(0, get_int(lv, "pfn")) TH_LOG("level %zu", i);
		EXPECT_NE(NULL, get(lv, "flags"));
	}
	/* Without huge leaves the walk goes down to the PTE: every level. */
	if (!strcmp(json_object_get_string(get(walk, "leaf")), "pte")) {
		struct json_object *last;

		EXPECT_EQ(5, real + folded);
		EXPECT_EQ(levels_in_use, real);
		last = json_object_array_get_idx(levels, json_object_array_length(levels) - 1);
		EXPECT_EQ(get_int(walk, "pfn"), get_int(last, "pfn"));
	}
	EXPECT_TRUE(json_object_get_boolean(get(walk, "found")));
	EXPECT_EQ(get_int(walk, "pfn"), get_int(walk, "user_pfn"));
	json_object_put(root);
}

/*
 * The tables with --step (libsmartcols, stdout) are printed between the
 * steps: they must not move mapview's memory either.  Read from
 * /proc/PID/ at each pause, its minor faults and smaps_rollup's
 * Anonymous move by the steps' own and nothing more.
 */
TEST_F(cli, step_tables_do_not_move_mapviews_memory)
{
	long page_size = sysconf(_SC_PAGESIZE);
	long write_faults = write_after_read_faults(page_size);
	static struct mapview_run run;

	ASSERT_LE(0, write_faults);
	ASSERT_EQ(0, run_mapview(&run, "--explain", RUN_TEXT))
		TH_LOG("mapview --step failed (%d); stderr:\n%s", run.status, run.err);
	ASSERT_EQ(STEPS, run.nread);
	for (int i = 1; i < STEPS; i++) {
		struct independent *a = &run.seen[i - 1], *b = &run.seen[i];
		long long minflt, anon;

		expected_step(i, b->module_faults - a->module_faults, write_faults,
			      page_size / 1024, &minflt, &anon);
		EXPECT_EQ(minflt, b->minflt - a->minflt) TH_LOG("step %d: minflt", i);
		EXPECT_EQ(anon, b->rollup_anon_kb - a->rollup_anon_kb)
			TH_LOG("step %d: smaps_rollup:Anonymous", i);
	}
}

int main(int argc, char **argv)
{
	if (access(MAPDRV_DEVICE, F_OK))
		ksft_exit_skip("%s missing: load mapdrv.ko first\n", MAPDRV_DEVICE);
	if (access(mapview_path(), X_OK))
		ksft_exit_skip("no mapview at %s: set MAPVIEW\n", mapview_path());
	return test_harness_run(argc, argv);
}
