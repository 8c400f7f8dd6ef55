/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mapview's two suites, mapview_test.c and lessons_test.c, share:
 * where mapview is, running a tool (procps's) for its output, running
 * mapview --step and answering its pauses, reading /proc, free(1)'s
 * columns, the JSON getters and the shape every step has.
 *
 * Each suite is one program, so this is a header of static inline
 * functions, like mapdrv_module.h.
 */
#ifndef _MAPVIEW_RUN_H
#define _MAPVIEW_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json.h>

/* procps, by full path: busybox's applets come first in the guest's PATH. */
#define PROCPS_PS	"/usr/bin/ps"
#define PROCPS_PMAP	"/usr/bin/pmap"
#define PROCPS_FREE	"/usr/bin/free"

static inline const char *mapview_path(void)
{
	const char *p = getenv("MAPVIEW");

	return p ? p : "userspace/mapview";
}

/*
 * ---- /proc, read by the test ------------------------------------------
 *
 * mapview parses /proc with userspace/procfs.c, and the device's suites
 * use that parser too.  mapview's suites judge mapview's numbers, so they
 * read the same files with these few lines of their own: a bug in
 * procfs.c would otherwise show up on both sides of every comparison and
 * pass.
 */

/*
 * A whole /proc/@pid/@file (@pid 0: the path @file), NUL-terminated,
 * malloc()ed; NULL when unreadable.
 */
static inline char *slurp(pid_t pid, const char *file)
{
	size_t len = 0, cap = 1 << 16;
	char name[64], *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (pid)
		snprintf(name, sizeof(name), "/proc/%d/%s", pid, file);
	else
		snprintf(name, sizeof(name), "%s", file);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *more = realloc(buf, cap * 2);

			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The line after @l in a text; NULL after the last. */
static inline const char *next_line(const char *l)
{
	const char *nl = strchr(l, '\n');

	return nl ? nl + 1 : NULL;
}

/* "Field:   N kB" (or "Field: N") of a status-like text; -1 if absent. */
static inline long text_field(const char *text, const char *field)
{
	size_t flen = strlen(field);

	for (const char *l = text; l && *l; l = next_line(l))
		if (!strncmp(l, field, flen))
			return strtol(l + flen, NULL, 10);
	return -1;
}

/* @field ("VmRSS:") of /proc/@pid/@file; -1 if absent. */
static inline long proc_field(pid_t pid, const char *file, const char *field)
{
	char *text = slurp(pid, file);
	long v = text ? text_field(text, field) : -1;

	free(text);
	return v;
}

/* Field 10 of /proc/PID/stat: the minor faults, getrusage()'s ru_minflt. */
static inline long proc_minflt(pid_t pid)
{
	char *buf = slurp(pid, "stat"), *p;
	long v = -1;

	/* After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt. */
	p = buf ? strrchr(buf, ')') : NULL;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %ld", &v) != 1)
		v = -1;
	free(buf);
	return v;
}

/* ---- procps's tools, and free(1) --------------------------------------- */

/*
 * Run @argv (argv[0] a full path, no shell, no PATH) with its stdout in
 * @out (what fits; the rest is drained) and its stderr discarded.
 * Returns its exit status, 127 when it could not be run, -1 on error.
 */
static inline int run_tool(char *const argv[], char *out, size_t len)
{
	int p[2], status;
	size_t n = 0;
	ssize_t got;
	pid_t pid;
	char sink[512];

	out[0] = '\0';
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if (n + 1 < len)
			got = read(p[0], out + n, len - 1 - n);
		else
			got = read(p[0], sink, sizeof(sink));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (n + 1 < len)
			n += got;
	}
	out[n] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether @path runs and says it is procps's ("ps from procps-ng 4.0.2"). */
static inline bool is_procps(const char *path)
{
	char *argv[] = { (char *)path, "-V", NULL };
	char out[256];

	return run_tool(argv, out, sizeof(out)) == 0 && strstr(out, "procps");
}

/* free(1)'s Mem: line, in kB; -1: not read. */
struct freecols {
	long total, used, free, shared, buff_cache, available;
	long pcp;	/* lessons_test's: kB on the per-CPU free lists */
};

/*
 * free(1)'s columns as procps 4 computes them from /proc/meminfo:
 * buff/cache = Buffers + Cached + SReclaimable, used = total - available.
 */
static inline void read_meminfo_cols(struct freecols *c)
{
	char *mi = slurp(0, "/proc/meminfo");
	long buffers, cached, sreclaimable;

	memset(c, 0xff, sizeof(*c));	/* -1 everywhere */
	if (!mi)
		return;
	c->total = text_field(mi, "MemTotal:");
	c->free = text_field(mi, "MemFree:");
	c->available = text_field(mi, "MemAvailable:");
	c->shared = text_field(mi, "Shmem:");
	buffers = text_field(mi, "Buffers:");
	cached = text_field(mi, "Cached:");
	sreclaimable = text_field(mi, "SReclaimable:");
	if (buffers >= 0 && cached >= 0 && sreclaimable >= 0)
		c->buff_cache = buffers + cached + sreclaimable;
	if (c->total >= 0 && c->available >= 0)
		c->used = c->total - c->available;
	free(mi);
}

/* procps's free -k: its Mem: line; 0, or -1 with every column -1. */
static inline int read_free(struct freecols *c)
{
	char *argv[] = { PROCPS_FREE, "-k", NULL };
	char out[1024], *line;

	memset(c, 0xff, sizeof(*c));
	if (run_tool(argv, out, sizeof(out)) != 0)
		return -1;
	/* "Mem:  total used free shared buff/cache available" */
	line = strstr(out, "Mem:");
	if (!line || sscanf(line, "Mem: %ld %ld %ld %ld %ld %ld", &c->total, &c->used,
			    &c->free, &c->shared, &c->buff_cache, &c->available) != 6) {
		memset(c, 0xff, sizeof(*c));
		return -1;
	}
	return 0;
}

/*
 * free -k between two readings of /proc/meminfo, read again until MemFree
 * and MemAvailable held still across it, within FREE_SLACK_KB: right
 * after a big step the kernel is still settling (measured on the debug
 * 6.1 kernel, after reading a 64 MiB file back: MemAvailable +5412 kB
 * across free's run and free's own reading 1004 kB below both), and then
 * the two say nothing about how free computes its columns.  A quiet
 * system holds still at once (100 of 100 tries on the debug kernel,
 * free's available equal to both readings).  read_free()'s status.
 */
#define FREE_SLACK_KB	512
#define FREE_TRIES	20

static inline int read_free_between(struct freecols *before, struct freecols *free,
				    struct freecols *after, int *tries)
{
	int status = -1;

	for (*tries = 1; *tries <= FREE_TRIES; ++*tries) {
		read_meminfo_cols(before);
		status = read_free(free);
		read_meminfo_cols(after);
		if (labs(after->free - before->free) <= FREE_SLACK_KB &&
		    labs(after->available - before->available) <= FREE_SLACK_KB)
			break;
	}
	if (*tries > FREE_TRIES)
		*tries = FREE_TRIES;
	return status;
}

/* @v lies within @slack of [min(a, b), max(a, b)]. */
static inline bool near(long v, long a, long b, long slack)
{
	long lo = a < b ? a : b, hi = a < b ? b : a;

	return v >= lo - slack && v <= hi + slack;
}

/* ---- mapview --step ----------------------------------------------------- */

/*
 * mapview run with --step: before each step and after the last it
 * prints a prompt on stderr and waits for a newline on its stdin.
 */
struct mapview_child {
	pid_t pid;
	int in;			/* its stdin: a newline ends a pause */
	FILE *out;		/* its stdout; NULL: /dev/null */
	FILE *err;		/* its stderr: the prompts, and what else it says */
};

/*
 * Start mapview_path() with @argv (argv[0] "mapview"), its stdin and
 * stderr piped to @c, its stdout too with @read_out, else at /dev/null
 * (a report nobody reads must not block on a full pipe).  0, or -1.
 */
static inline int mapview_start(struct mapview_child *c, const char *const argv[],
				bool read_out)
{
	int in[2], out[2], err[2];

	memset(c, 0, sizeof(*c));
	if (pipe(in) || pipe(out) || pipe(err))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		dup2(in[0], 0);
		if (read_out) {
			dup2(out[1], 1);
		} else {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
		}
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		execv(mapview_path(), (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	c->in = in[1];
	c->err = fdopen(err[0], "r");
	if (read_out)
		c->out = fdopen(out[0], "r");
	else
		close(out[0]);
	return 0;
}

/* What mapview_prompt() returns for "-- end: ...", the pause after the last step. */
#define PROMPT_END	INT_MAX

/* "(pid P)" at the end of a prompt: the process it measures; -1: none. */
static inline pid_t prompt_pid(const char *line)
{
	const char *p = strstr(line, "(pid ");

	return p ? (pid_t)strtol(p + 5, NULL, 10) : -1;
}

/*
 * Read mapview's stderr up to the next prompt: "-- step N: ..." gives N,
 * "-- end: ..." PROMPT_END, the end of the stream -1.  The other lines
 * go to @log (what fits); with @pid, the prompt's pid goes there.
 */
static inline int mapview_prompt(struct mapview_child *c, char *log, size_t loglen,
				 pid_t *pid)
{
	char line[1024];
	int step;

	while (fgets(line, sizeof(line), c->err)) {
		if (sscanf(line, "-- step %d:", &step) != 1) {
			if (strncmp(line, "-- end:", 7)) {
				strncat(log, line, loglen - strlen(log) - 1);
				continue;
			}
			step = PROMPT_END;
		}
		if (pid)
			*pid = prompt_pid(line);
		return step;
	}
	return -1;
}

/* End the pause: mapview takes its next step.  0, or -1. */
static inline int mapview_resume(struct mapview_child *c)
{
	return write(c->in, "\n", 1) == 1 ? 0 : -1;
}

/*
 * After the last pause: close mapview's stdin, read its stdout to the
 * end, the rest of its stderr into @log, and wait for it; its exit
 * status (128: killed) in @status.  The JSON it wrote, parsed; NULL
 * when none (or its stdout was /dev/null).
 */
static inline struct json_object *mapview_finish(struct mapview_child *c, char *log,
						 size_t loglen, int *status)
{
	struct json_object *root;
	char buf[4096], *json = NULL;
	size_t len = 0, n;

	close(c->in);
	while (c->out && (n = fread(buf, 1, sizeof(buf), c->out)) > 0) {
		char *more = realloc(json, len + n + 1);

		if (!more)
			break;
		json = more;
		memcpy(json + len, buf, n);
		len += n;
		json[len] = '\0';
	}
	mapview_prompt(c, log, loglen, NULL);
	fclose(c->err);
	if (c->out)
		fclose(c->out);
	waitpid(c->pid, status, 0);
	*status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128;
	root = json ? json_tokener_parse(json) : NULL;
	free(json);
	return root;
}

/* ---- the JSON ------------------------------------------------------------ */

static inline struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* An integer of @o, -1 when missing or null. */
static inline long long get_int(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : -1;
}

/* @key of the object @obj of @o, -1 when it or the object is missing or null. */
static inline long long sub_int(struct json_object *o, const char *obj, const char *key)
{
	struct json_object *sub = get(o, obj);

	return sub ? get_int(sub, key) : -1;
}

/* json-c asserts on a NULL or non-array array: these return 0 and NULL. */
static inline size_t arr_len(struct json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static inline struct json_object *arr_idx(struct json_object *a, size_t i)
{
	return i < arr_len(a) ? json_object_array_get_idx(a, i) : NULL;
}

/*
 * JSON step @s (number @i) has each of @keys, "maps" an array and
 * "meminfo" an object: the shape every step of every lesson has.
 * Harness checks: the suite includes kselftest_harness.h first.
 */
static inline void expect_step_shape(struct __test_metadata *_metadata,
				     struct json_object *s, int i,
				     const char *const keys[], size_t nkeys)
{
	for (size_t k = 0; k < nkeys; k++) {
		EXPECT_TRUE(json_object_object_get_ex(s, keys[k], NULL))
			TH_LOG("step %d lacks %s", i, keys[k]);
	}
	EXPECT_TRUE(json_object_is_type(get(s, "maps"), json_type_array));
	EXPECT_TRUE(json_object_is_type(get(s, "meminfo"), json_type_object));
}

#endif /* _MAPVIEW_RUN_H */
