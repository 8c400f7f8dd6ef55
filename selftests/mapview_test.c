// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of mapview in the VM: its JSON report is checked against the
 * kernel's own numbers, read independently by this test from
 * /proc/<mapview's pid>/ while mapview waits between steps (--step), and
 * against what the walkthrough must show (VSZ, Rss, faults, frames).
 *
 * Needs root, the module loaded (any pages=), and MAPVIEW naming the
 * mapview binary (default: userspace/mapview).
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mapdrv_module.h"
#include "mapdrv_uapi.h"

static const char *const map_mode_names[] = MAPDRV_MAP_NAMES;

#define STEPS 7

/* What this test read itself while mapview was paused after step i. */
struct independent {
	long vsz_kb;		/* /proc/PID/status VmSize */
	long smaps_rss_kb;	/* /proc/PID/smaps Rss of the shared mapping */
	long ps_vsz_kb;		/* busybox ps, -1 when it has no vsz */
};

struct mapview_run {
	struct json_object *root;
	int status;		/* mapview's exit status */
	int nread;		/* steps read independently */
	struct independent seen[STEPS];
	char err[4096];		/* mapview's stderr, for the log */
};

static const char *mapview_path(void)
{
	const char *p = getenv("MAPVIEW");

	return p ? p : "userspace/mapview";
}

static long proc_field_kb(pid_t pid, const char *file, const char *path_match,
			  const char *field)
{
	char name[64], line[512];
	int in = path_match == NULL;
	long kb = -1;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/%s", pid, file);
	f = fopen(name, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perms[8];

		if (path_match && sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {
			/* The shared mapping of the device: "rw-s ... /dev/mapdrv". */
			in = perms[3] == 's' && strstr(line, path_match);
			continue;
		}
		if (in && !strncmp(line, field, strlen(field))) {
			kb = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
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

/* Read stderr up to the next "-- step N: ..." prompt; N, or -1 at EOF. */
static int wait_prompt(FILE *err, char *log, size_t loglen)
{
	char line[512];
	int step;

	while (fgets(line, sizeof(line), err)) {
		if (sscanf(line, "-- step %d:", &step) == 1)
			return step;
		strncat(log, line, loglen - strlen(log) - 1);
	}
	return -1;
}

/*
 * Run mapview --json --step ARGS, reading /proc/PID/ at each pause;
 * returns 0 with @r filled, or -1.
 */
static int run_mapview(struct mapview_run *r, const char *extra)
{
	int in[2], out[2], err[2], step;
	char *json = NULL;
	size_t len = 0;
	FILE *ferr, *fout;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(in) || pipe(out) || pipe(err))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		if (extra)
			execl(mapview_path(), "mapview", "--json", "--step",
			      extra, (char *)NULL);
		else
			execl(mapview_path(), "mapview", "--json", "--step",
			      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	ferr = fdopen(err[0], "r");
	fout = fdopen(out[0], "r");

	while ((step = wait_prompt(ferr, r->err, sizeof(r->err))) >= 0) {
		/* Step - 1 is taken and mapview is idle: read its numbers. */
		if (step >= 1 && step - 1 < STEPS) {
			struct independent *s = &r->seen[step - 1];

			s->vsz_kb = proc_field_kb(pid, "status", NULL, "VmSize:");
			s->smaps_rss_kb = proc_field_kb(pid, "smaps", "/dev/mapdrv",
							"Rss:");
			s->ps_vsz_kb = ps_vsz_kb(pid);
			r->nread = step;
		}
		if (write(in[1], "\n", 1) != 1)
			break;
		/* After the last step mapview writes the JSON: go read it. */
		if (step == STEPS - 1)
			break;
	}
	close(in[1]);
	/* The rest of stderr (errors, if any), then the JSON. */
	{
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), fout)) > 0) {
			char *more = realloc(json, len + n + 1);

			if (!more)
				break;
			json = more;
			memcpy(json + len, buf, n);
			len += n;
			json[len] = '\0';
		}
	}
	/* Whatever mapview said on stderr after the last step. */
	wait_prompt(ferr, r->err, sizeof(r->err));
	fclose(ferr);
	fclose(fout);
	waitpid(pid, &r->status, 0);
	r->status = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128;
	r->root = json ? json_tokener_parse(json) : NULL;
	free(json);
	return r->root ? 0 : -1;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static long long get_int(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : -1;
}

static struct json_object *step(struct mapview_run *r, int i)
{
	return json_object_array_get_idx(get(r->root, "steps"), i);
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

FIXTURE(mapview) {
	struct mapview_run run;
	struct mapdrv_info info;
	long page_kb;
};

FIXTURE_SETUP(mapview)
{
	self->info = device_info();
	ASSERT_NE(0, self->info.pages) TH_LOG("no %s", MAPDRV_DEVICE);
	self->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	ASSERT_EQ(0, run_mapview(&self->run, NULL))
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
		"meminfo",
	};
	struct json_object *steps = get(self->run.root, "steps");

	ASSERT_TRUE(json_object_is_type(steps, json_type_array));
	ASSERT_EQ(STEPS, json_object_array_length(steps));
	for (int i = 0; i < STEPS; i++) {
		struct json_object *s = step(&self->run, i);

		for (size_t k = 0; k < sizeof(step_keys) / sizeof(step_keys[0]); k++) {
			EXPECT_TRUE(json_object_object_get_ex(s, step_keys[k], NULL))
				TH_LOG("step %d lacks %s", i, step_keys[k]);
		}
		EXPECT_TRUE(json_object_is_type(get(s, "maps"), json_type_array));
		EXPECT_TRUE(json_object_is_type(get(s, "meminfo"), json_type_object));
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

TEST_F(mapview, numbers_match_an_independent_reading)
{
	/* Steps 0-5: this test read /proc/PID/ while mapview waited. */
	ASSERT_LE(6, self->run.nread);
	for (int i = 0; i < 6; i++) {
		struct json_object *s = step(&self->run, i);
		struct json_object *smaps = get(s, "smaps");

		EXPECT_EQ(self->run.seen[i].vsz_kb, get_int(s, "vsz_kb")) TH_LOG("step %d", i);
		long long want = smaps ? get_int(smaps, "Rss") : -1;

		EXPECT_EQ(self->run.seen[i].smaps_rss_kb, want) TH_LOG("step %d", i);
	}
}

TEST_F(mapview, busybox_ps_agrees_on_vsz)
{
	for (int i = 0; i < 6; i++) {
		long ps = self->run.seen[i].ps_vsz_kb;
		long long vsz = get_int(step(&self->run, i), "vsz_kb");

		ASSERT_LT(0, ps) TH_LOG("step %d: ps -o pid,vsz showed nothing", i);
		/* ps rounds to MiB above some size ("6m"): allow that. */
		EXPECT_GE(1024, labs(ps - vsz)) TH_LOG("step %d: ps %ld, json %lld", i, ps, vsz);
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
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		if (setgid(65534) || setuid(65534))
			_exit(126);
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

int main(int argc, char **argv)
{
	if (access(MAPDRV_DEVICE, F_OK))
		ksft_exit_skip("%s missing: load mapdrv.ko first\n", MAPDRV_DEVICE);
	if (access(mapview_path(), X_OK))
		ksft_exit_skip("no mapview at %s: set MAPVIEW\n", mapview_path());
	return test_harness_run(argc, argv);
}
