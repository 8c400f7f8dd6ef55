// SPDX-License-Identifier: GPL-2.0
/*
 * Running a lesson: its steps in order, a snapshot after each, the
 * pauses of --step, and the warm-up that keeps mapview from moving the
 * numbers it reports.
 *
 * Every snapshot is taken before anything is printed (unless --step),
 * and everything mapview writes or calls during the steps is touched
 * before the first one (warm_up()): between two steps its own RssAnon
 * and minor faults move only by what the step itself does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lesson.h"

int fail_sys(const char *what, int err)
{
	fprintf(stderr, "mapview: %s: %s\n", what, strerror(err));
	return EXIT_SYS;
}

int open_device(const char *device, int *fd)
{
	*fd = open(device, O_RDWR | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		fprintf(stderr, "mapview: %s: %s: the mapdrv module is not loaded\n"
			"  load it: sudo insmod mapdrv.ko, or mapview --load mapdrv.ko\n",
			device, strerror(errno));
		return EXIT_NODEV;
	case EACCES:
	case EPERM:
		fprintf(stderr, "mapview: %s: %s: the device is root's (mode 0600)\n"
			"  run mapview as root (sudo mapview)\n", device, strerror(errno));
		return EXIT_PERM;
	default:
		return fail_sys(device, errno);
	}
}

int load_module(struct session *s)
{
	struct options *o = s->opt;
	char msg[512];

	if (module_load(o->load_path, o->load_params, &s->loaded_by_us, msg,
			sizeof(msg))) {
		fprintf(stderr, "mapview: --load: %s\n", msg);
		return EXIT_LOAD;
	}
	return 0;
}

void run_note(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes == MAPVIEW_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->note[r->nnotes++], MAPVIEW_NOTE_LEN, fmt, ap);
	va_end(ap);
}

bool run_marks(const struct run *r, const struct maps_entry *m)
{
	if (r->mark_path && !strcmp(m->path, r->mark_path))
		return true;
	for (int i = 0; i < MAPVIEW_MARKS; i++)
		if (r->mark[i] >= m->start && r->mark[i] < m->end)
			return true;
	return false;
}

/*
 * With --step, wait for Enter: before step @i (@name), or with @i < 0
 * once after the last step, before the findings (or the JSON), so that
 * the last step's numbers can be read from /proc/PID/ too.  The prompt
 * goes to stderr, unbuffered, so that it allocates nothing and so that a
 * program driving mapview knows the previous step's snapshot is taken
 * and the measured process is idle (the tests read /proc/PID/ then).
 */
static void pause_for_enter(struct session *s, int i, const char *name)
{
	char line[16];

	if (!s->opt->step)
		return;
	if (i >= 0)
		fprintf(stderr, "\n-- step %d: %s: press Enter (pid %d) --\n", i,
			name, (int)s->run->pid);
	else
		fprintf(stderr, "\n-- end: press Enter for the %s (pid %d) --\n",
			s->opt->json ? "JSON report" : "findings", (int)s->run->pid);
	if (!fgets(line, sizeof(line), stdin))
		s->opt->step = false;	/* end of input: run to the end */
}

static const char *explain_of(const struct session *s, const struct step *st)
{
	const struct lesson *l = s->run->lesson;

	return l->explain ? l->explain(s, st) : st->explain;
}

/* Take step @i's snapshot; with --step, print it at once. */
static int take_step(struct session *s, int i, const struct step *st)
{
	struct snapshot *snap = &s->run->step[i];
	const char *what = "";
	int ret;

	snap->name = st->name;
	snap->explain = explain_of(s, st);
	ret = snapshot_take(&s->ctx, snap, &what);
	if (ret)
		return fail_sys(what, -ret);
	s->run->nsteps = i + 1;
	if (s->opt->step && !s->opt->json) {
		report_text_step(stdout, s->run, i, s->opt->explain);
		fflush(stdout);
		s->printed = i + 1;
	}
	return 0;
}

/*
 * The warm-up.  A page of the BSS or of a fresh calloc() is not resident
 * until it is first written, the stack and the heap grow into new pages
 * as they are first used, and the first call of a library function binds
 * it (lazy binding) and may fault in its code.  Inside a step, each would
 * be a minor fault and a page of RssAnon (or RssFile) that mapview itself
 * put into the numbers it reports.  So before the first step mapview
 * writes every page it will write (the run with all its snapshots, a
 * reserve of stack and of heap; a lesson's own in its setup), calls what
 * the steps call, takes a snapshot and, with --step, prints a step to
 * /dev/null.  No locking: mlockall() would fault in every page of every
 * library (RSS would be the whole binary's) and, with MCL_FUTURE, every
 * mapping at mmap(), the demand paging the lessons show.  The pages are
 * simply in use already.
 */
#define STACK_RESERVE	(64 * 1024)	/* deeper than any step goes */
#define HEAP_RESERVE	(64 * 1024)	/* more than a step's tables take */

void prefault(void *p, size_t len, long page_size)
{
	volatile char *c = p;
	char v;

	if (!len)
		return;
	for (size_t off = 0; off < len; off += (size_t)page_size) {
		v = c[off];
		c[off] = v;
	}
	v = c[len - 1];
	c[len - 1] = v;
}

/*
 * New anonymous memory is touched by writes alone.  A read first, as
 * prefault() does, maps the huge zero page where THP could back the
 * address, and the kernel allocates that page at its first use: 2 MiB
 * that stay after munmap (6.1 VM, THP always: used grew by the 64 MiB
 * touched plus 2136 kB on the boot's first run, plus 80 to 132 kB on
 * later ones; thp_zero_page_alloc in /proc/vmstat went 0 to 1).
 */
void write_pages(void *p, size_t len, long page_size)
{
	volatile char *c = p;

	if (!len)
		return;
	for (size_t off = 0; off < len; off += (size_t)page_size)
		c[off] = 1;
	c[len - 1] = 1;
}

/* The stack pages below this frame, down to STACK_RESERVE. */
static __attribute__((noinline)) void prefault_stack(long page_size)
{
	volatile char pad[STACK_RESERVE];

	for (size_t off = 0; off < sizeof(pad); off += (size_t)page_size)
		pad[off] = 0;
	pad[sizeof(pad) - 1] = 0;
}

static int warm_up(struct session *s)
{
	struct run *r = s->run;
	const char *what = "";
	uint64_t raw;
	void *p;
	int ret;

	prefault(r, sizeof(*r), r->page_size);
	prefault_stack(r->page_size);
	/* Freed at once: the pages stay in the heap, for later mallocs. */
	p = malloc(HEAP_RESERVE);
	if (!p)
		return fail_sys("warm-up", ENOMEM);
	prefault(p, HEAP_RESERVE, r->page_size);
	free(p);

	/* What reading frames calls first: pread(). */
	ret = pagemap_read(s->pagemap_fd, (unsigned long)r, r->page_size, &raw);
	if (ret)
		return fail_sys("/proc/self/pagemap", -ret);

	/* A snapshot (overwritten by step 0's), and its report. */
	ret = snapshot_take(&s->ctx, &r->step[0], &what);
	if (ret)
		return fail_sys(what, -ret);
	if (s->opt->step && !s->opt->json) {
		FILE *null = fopen("/dev/null", "we");

		if (!null)
			return fail_sys("/dev/null", errno);
		r->step[0].name = r->lesson->steps[0].name;
		r->step[0].explain = r->lesson->steps[0].explain;
		report_text_step(null, r, 0, s->opt->explain);
		fclose(null);
	}

	/*
	 * Last, what the steps call first: mmap and munmap.  The page is
	 * written so that munmap() has a page to unmap: on 6.1 that folds
	 * this thread's cached RSS counts into the ones status shows (later
	 * kernels have nothing to fold), so that VmRSS starts exact.
	 */
	p = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail_sys("warm-up mmap", errno);
	*(volatile char *)p = 1;
	munmap(p, r->page_size);
	return 0;
}

static int run_steps(struct session *s)
{
	const struct lesson *l = s->run->lesson;
	int ret, i = 0;

	/* Before the warm-up: the first fgets() allocates stdin's buffer. */
	pause_for_enter(s, 0, l->steps[0].name);
	ret = warm_up(s);
	for (int k = 0; !ret && k < l->nsteps; k++) {
		const struct step *st = &l->steps[k];

		if (st->wanted && !st->wanted(s))
			continue;
		if (i)
			pause_for_enter(s, i, st->name);
		ret = st->act ? st->act(s) : 0;
		if (!ret)
			ret = take_step(s, i, st);
		if (!ret && st->observe)
			ret = st->observe(s);
		i++;
	}
	if (!ret)
		pause_for_enter(s, -1, NULL);
	return ret;
}

int lesson_run(struct session *s)
{
	const struct lesson *l = s->run->lesson;
	struct run *r = s->run;
	int ret;

	s->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (s->pagemap_fd < 0)
		return fail_sys("/proc/self/pagemap", errno);
	r->pid = getpid();
	if (l->in_subject) {
		ret = subject_start(&s->subject);
		if (ret) {
			ret = fail_sys("starting the subject (/proc/self/exe --subject)", -ret);
			goto out;
		}
		r->pid = s->subject.pid;
		r->subject = true;
		s->ctx.pid = s->subject.pid;
		/*
		 * One request before any step: its code (and sbrk's) faults
		 * in now, not in an observe after a step's snapshot.
		 */
		ret = subject_call(&s->subject, SUBJECT_BRK, 0, 0, NULL);
		if (ret) {
			ret = fail_sys("the subject", -ret);
			goto out;
		}
	}
	ret = l->setup ? l->setup(s) : 0;
	if (ret)
		goto out;
	if (s->opt->step && !s->opt->json)
		report_text_header(r);
	ret = run_steps(s);
	if (!ret && l->finish)
		ret = l->finish(s);
out:
	if (l->cleanup)
		l->cleanup(s);
	subject_stop(&s->subject);
	close(s->pagemap_fd);
	return ret;
}
