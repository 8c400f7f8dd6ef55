// SPDX-License-Identifier: GPL-2.0
/*
 * The subject process (subject.h).  Its side uses read(), write(),
 * malloc(), free() and sbrk() only: no stdio, which would allocate.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subject.h"

#define SUBJECT_CMD_FD	3
#define SUBJECT_REPLY_FD 4

struct request {
	uint32_t cmd;
	uint64_t arg, arg2;
};

struct reply {
	int32_t err;		/* 0 or an errno */
	uint64_t value;
};

/*
 * All of @len bytes through read() or write(), or -1: a pipe may split a
 * message, and a signal may interrupt it.
 */
static int full_io(int fd, void *buf, size_t len, bool out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int full_read(int fd, void *buf, size_t len)
{
	return full_io(fd, buf, len, false);
}

static int full_write(int fd, const void *buf, size_t len)
{
	return full_io(fd, (void *)buf, len, true);
}

static void do_request(const struct request *rq, struct reply *rp)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	rp->err = 0;
	rp->value = 0;
	switch (rq->cmd) {
	case SUBJECT_MALLOC:
		p = malloc((size_t)rq->arg);
		rp->value = (uintptr_t)p;
		if (!p)
			rp->err = ENOMEM;
		break;
	case SUBJECT_FREE:
		free((void *)(uintptr_t)rq->arg);
		break;
	case SUBJECT_TOUCH:
		/* A write: a read would map the shared zero page, not RAM. */
		for (uint64_t i = 0; i < rq->arg2; i++)
			((volatile char *)(uintptr_t)rq->arg)[i * (uint64_t)page] = 1;
		break;
	case SUBJECT_BRK:
		rp->value = (uintptr_t)sbrk(0);
		break;
	default:
		rp->err = EINVAL;
	}
}

int subject_main(void)
{
	struct request rq;
	struct reply rp = { 0 };

	/* The first reply says the subject is up, before any command. */
	if (full_write(SUBJECT_REPLY_FD, &rp, sizeof(rp)))
		return 1;
	while (!full_read(SUBJECT_CMD_FD, &rq, sizeof(rq))) {
		if (rq.cmd == SUBJECT_EXIT)
			return 0;
		do_request(&rq, &rp);
		if (full_write(SUBJECT_REPLY_FD, &rp, sizeof(rp)))
			return 1;
	}
	return 1;
}

int subject_start(struct subject *s)
{
	int cmd[2], reply[2], err;
	struct reply rp;

	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(reply, O_CLOEXEC)) {
		err = -errno;
		goto close_cmd;
	}
	s->pid = fork();
	if (s->pid < 0) {
		err = -errno;
		goto close_reply;
	}
	if (!s->pid) {
		/*
		 * Out of the way first, since a pipe may already be fd 3 or
		 * 4; dup2() then clears O_CLOEXEC on the copies it makes.
		 */
		int c = fcntl(cmd[0], F_DUPFD_CLOEXEC, 10);
		int r = fcntl(reply[1], F_DUPFD_CLOEXEC, 10);

		if (c < 0 || r < 0 || dup2(c, SUBJECT_CMD_FD) < 0 ||
		    dup2(r, SUBJECT_REPLY_FD) < 0)
			_exit(127);
		execl("/proc/self/exe", "mapview", "--subject", (char *)NULL);
		_exit(127);
	}
	close(cmd[0]);
	close(reply[1]);
	s->cmd_fd = cmd[1];
	s->reply_fd = reply[0];
	if (full_read(s->reply_fd, &rp, sizeof(rp))) {
		subject_stop(s);
		return -ECHILD;	/* it died before it was up: exec failed */
	}
	return 0;

close_reply:
	close(reply[0]);
	close(reply[1]);
close_cmd:
	close(cmd[0]);
	close(cmd[1]);
	return err;
}

int subject_call(struct subject *s, enum subject_cmd cmd, uint64_t arg,
		 uint64_t arg2, uint64_t *value)
{
	struct request rq = { .cmd = cmd, .arg = arg, .arg2 = arg2 };
	struct reply rp;

	if (full_write(s->cmd_fd, &rq, sizeof(rq)) ||
	    full_read(s->reply_fd, &rp, sizeof(rp)))
		return -EPIPE;
	if (value)
		*value = rp.value;
	return -rp.err;
}

void subject_stop(struct subject *s)
{
	struct request rq = { .cmd = SUBJECT_EXIT };

	if (!s->pid)
		return;
	if (full_write(s->cmd_fd, &rq, sizeof(rq)))
		kill(s->pid, SIGKILL);
	close(s->cmd_fd);
	close(s->reply_fd);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}
