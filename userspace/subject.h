/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subject: a fresh process the heap, mmap and demand lessons run
 * their experiments in.  mapview itself has used malloc() long before
 * any step (stdio does), so its own [heap] exists already; a newly
 * exec'd mapview that has called nothing but read() and write() has
 * none, as a student's first program has none.  mapview forks, execs
 * itself as "mapview --subject" with a command pipe on fd 3 and a reply
 * pipe on fd 4, and reads the subject's /proc/PID/ files while the
 * subject waits for its next command.
 */
#ifndef MAPVIEW_SUBJECT_H
#define MAPVIEW_SUBJECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum subject_cmd {
	SUBJECT_MALLOC,		/* arg: size; value: the pointer, 0 on failure */
	SUBJECT_FREE,		/* arg: a pointer malloc returned */
	SUBJECT_TOUCH,		/* write a byte to each of arg2 pages from arg */
	SUBJECT_BRK,		/* value: sbrk(0) */
	SUBJECT_EXIT,
};

struct subject {
	pid_t pid;		/* 0: not running */
	int cmd_fd, reply_fd;
};

/* Start the subject; 0 or a negative errno. */
int subject_start(struct subject *s);

/*
 * Send one command and wait until it is done: the subject is idle when
 * this returns.  0 or a negative errno; @value may be NULL.
 */
int subject_call(struct subject *s, enum subject_cmd cmd, uint64_t arg,
		 uint64_t arg2, uint64_t *value);

/* End the subject and reap it. */
void subject_stop(struct subject *s);

/* The subject's main(): argv[1] is "--subject". */
int subject_main(void);

#endif /* MAPVIEW_SUBJECT_H */
