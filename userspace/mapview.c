// SPDX-License-Identifier: GPL-2.0
/*
 * mapview: run one lesson of the memory chapter -- by default the device
 * lesson: map /dev/mapdrv and show, step by step, what the process and
 * the system see, and that the user's page and the kernel's are one
 * physical frame -- and report it as text, JSON or an HTML page.
 * This file reads the command line and picks the report; steps.c runs
 * the lesson, lesson_*.c are the lessons.  Exit codes: mapview.h.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson.h"

/* dkms.conf holds the version; the Makefile passes it. */
#ifndef MAPDRV_VERSION
#define MAPDRV_VERSION "(unknown: built without the Makefile)"
#endif

static void usage(FILE *out)
{
	fprintf(out,
"usage: mapview [--lesson NAME] [OPTIONS]\n"
"Run one lesson of the memory chapter and show, step by step, what the\n"
"process and the system see: maps, VmSize/VmRSS, smaps, faults, meminfo,\n"
"and for the device lesson the proof that user and kernel share frames.\n"
"\n"
"  --lesson NAME     device (default), segments, heap, mmap, demand, cow,\n"
"                    free: --lessons says what each shows\n"
"  --lessons         list the lessons\n"
"  --device PATH     the device (default " MAPDRV_DEVICE ")\n"
"  --touch N         pages to touch (device: to read at step 3, default\n"
"                    half the buffer; demand: default 1000)\n"
"  --no-private      device: leave out the MAP_PRIVATE step\n"
"  --walk PAGE       device: the module's page-table walk for PAGE (root)\n"
"  --json            one JSON object instead of the tables\n"
"  --html FILE       also write the run as one HTML page (a picture)\n"
"  --explain         a few sentences under each step\n"
"  --step            wait for Enter before each step and after the last\n"
"  --load PATH.ko [PARAM=VALUE...]  load the module first (libkmod);\n"
"                    the free lesson loads it at one of its steps\n"
"  --help, --version\n"
"\n"
"examples:\n"
"  sudo mapview --explain\n"
"  sudo mapview --load ./mapdrv.ko pages=64 --touch 8 --walk 3 --html walk.html\n"
"  mapview --lesson demand --explain\n"
"  sudo mapview --lesson cow --json | jq .facts\n"
"\n"
"exit status: 0 ok, 1 usage, 2 no device (module not loaded), 3 permission\n"
"denied, 4 --load failed, 5 a system call or /proc failed, 6 --walk without\n"
"CAP_SYS_ADMIN.\n");
}

static void list_lessons(void)
{
	for (size_t i = 0; i < nlessons; i++)
		printf("%-9s %s\n", lessons[i]->name, lessons[i]->summary);
}

/* A count or page number: decimal digits, no sign, within @max. */
static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *s < '0' || *s > '9' || *v > max ?
		-1 : 0;
}

enum { OPT_LESSONS = 256, OPT_NO_PRIVATE, OPT_HTML, OPT_LOAD };

static const struct option long_options[] = {
	{ "lesson",	required_argument, NULL, 'l' },
	{ "lessons",	no_argument,       NULL, OPT_LESSONS },
	{ "device",	required_argument, NULL, 'd' },
	{ "touch",	required_argument, NULL, 't' },
	{ "no-private",	no_argument,       NULL, OPT_NO_PRIVATE },
	{ "walk",	required_argument, NULL, 'w' },
	{ "json",	no_argument,       NULL, 'j' },
	{ "html",	required_argument, NULL, OPT_HTML },
	{ "explain",	no_argument,       NULL, 'e' },
	{ "step",	no_argument,       NULL, 's' },
	{ "load",	required_argument, NULL, OPT_LOAD },
	{ "help",	no_argument,       NULL, 'h' },
	{ "version",	no_argument,       NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* --load's PARAM=VALUE words: up to the next option. */
static int take_load_params(int argc, char **argv, struct options *o)
{
	while (optind < argc && argv[optind][0] != '-') {
		size_t used = strlen(o->load_params);
		int n = snprintf(o->load_params + used,
				 sizeof(o->load_params) - used, "%s%s",
				 used ? " " : "", argv[optind]);

		if (n < 0 || (size_t)n >= sizeof(o->load_params) - used) {
			fprintf(stderr, "mapview: --load: the parameters are longer than %zu bytes\n",
				sizeof(o->load_params) - 1);
			return -1;
		}
		optind++;
	}
	return 0;
}

/* 0, or -1 after a message; exits for --help, --version and --lessons. */
static int parse_options(int argc, char **argv, struct options *o)
{
	unsigned long v;
	int c;

	o->device = MAPDRV_DEVICE;
	o->walk_page = -1;
	/* "+": stop at the first word that is not an option (PARAM=VALUE). */
	while ((c = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!lesson_find(optarg)) {
				fprintf(stderr, "mapview: --lesson %s: no such lesson (mapview --lessons lists them)\n",
					optarg);
				return -1;
			}
			o->lesson = optarg;
			break;
		case OPT_LESSONS:
			list_lessons();
			exit(0);
		case 'd':
			o->device = optarg;
			break;
		case 't':
			if (parse_ulong(optarg, LONG_MAX, &o->touch) || !o->touch) {
				fprintf(stderr, "mapview: --touch %s: not a page count\n", optarg);
				return -1;
			}
			o->touch_set = true;
			break;
		case OPT_NO_PRIVATE:
			o->no_private = true;
			break;
		case 'w':
			if (parse_ulong(optarg, LONG_MAX, &v)) {
				fprintf(stderr, "mapview: --walk %s: not a page number\n", optarg);
				return -1;
			}
			o->walk_page = (long)v;
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_HTML:
			o->html = optarg;
			break;
		case 'e':
			o->explain = true;
			break;
		case 's':
			o->step = true;
			break;
		case OPT_LOAD:
			o->load_path = optarg;
			if (take_load_params(argc, argv, o))
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("mapview %s\n", MAPDRV_VERSION);
			exit(0);
		default:
			return -1;	/* getopt_long said what */
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mapview: '%s': not an option\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int report(const struct session *s)
{
	const struct run *r = s->run;

	if (s->opt->json) {
		if (report_json(r))
			return fail_sys("stdout", errno);
	} else {
		if (!s->printed)
			report_text_header(r);
		for (int i = s->printed; i < r->nsteps; i++)
			report_text_step(stdout, r, i, s->opt->explain);
		if (r->lesson->report_text)
			r->lesson->report_text(r);
		report_text_notes(r);
	}
	if (s->opt->html && report_html(r, s->opt->html))
		return fail_sys(s->opt->html, errno);
	return 0;
}

int main(int argc, char **argv)
{
	static struct run run;
	struct options opt = { 0 };
	struct session s = { .run = &run, .opt = &opt, .ctx = { .fd = -1 } };
	char device[PATH_MAX];
	int ret, ret2;

	/* The subject of the heap, mmap and demand lessons: see subject.h. */
	if (argc == 2 && !strcmp(argv[1], "--subject"))
		return subject_main();
	if (parse_options(argc, argv, &opt)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	run.lesson = lesson_find(opt.lesson ? opt.lesson : "device");
	run.page_size = sysconf(_SC_PAGESIZE);

	/* The free lesson loads the module at one of its steps. */
	if (opt.load_path && strcmp(run.lesson->name, "free")) {
		ret = load_module(&s);
		if (ret)
			return ret;
	}
	/* maps shows the resolved path of the device. */
	run.device = realpath(opt.device, device) ? device : opt.device;

	ret = lesson_run(&s);
	if (ret && ret != EXIT_HIDDEN)
		return ret;
	ret2 = report(&s);
	free(run.frames.frame);
	return ret ? ret : ret2;
}
