// SPDX-License-Identifier: GPL-2.0
/*
 * capture_proc: take the /proc snapshots that procfs_test parses.
 *
 * Maps the whole of /dev/mapdrv (MAP_SHARED, PROT_READ | PROT_WRITE),
 * reads the first byte of pages 0..TOUCHED-1, writes one byte into page
 * WRITTEN, maps a second, untouched window of the device (pages 8..11,
 * PROT_READ) so that maps holds two device lines with different offsets,
 * then prints /proc/self/{maps,status,smaps}, /proc/meminfo,
 * /proc/vmallocinfo, the raw pagemap entries of the big mapping's first
 * pages and a few facts, each section between separator lines:
 *
 *   ==== capture_proc: NAME ====
 *   ...the file, unchanged...
 *   ==== capture_proc: end ====
 *
 * It writes to stdout only (the VM's console), because the guest's
 * filesystem is gone when the VM stops; userspace/tests/data/README.md
 * has the host-side line that splits the sections into files.
 *
 * Nothing is allocated and nothing is buffered by stdio between the
 * touches and the last snapshot, so the snapshots show the touches and
 * little else.  Build it static: the guest has no libc of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mapdrv_uapi.h"

#define TOUCHED		16	/* pages read */
#define WRITTEN		3	/* of those, the one written to */
#define WINDOW_PGOFF	8	/* the second mapping: pages 8..11 */
#define WINDOW_PAGES	4
#define PAGEMAP_SHOWN	(TOUCHED + 2)	/* touched ones and two beyond */

static char buf[1 << 16];

static int put(const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int section(const char *name)
{
	int n = snprintf(buf, sizeof(buf), "==== capture_proc: %s ====\n", name);

	return put(buf, (size_t)n);
}

/* read()/write() only: stdio would allocate and move the numbers. */
static int cat(const char *name, const char *path)
{
	int fd, ret = 0;
	char last = '\n';
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (section(name))
		ret = -1;
	while (!ret && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror(path);
			ret = -1;
			break;
		}
		last = buf[n - 1];
		ret = put(buf, (size_t)n);
	}
	close(fd);
	/* /proc ends its files with a newline; keep the separator on its own line anyway. */
	if (!ret && last != '\n')
		ret = put("\n", 1);
	return ret;
}

static int printout(const char *fmt, unsigned long long a,
		    unsigned long long b)
{
	int n = snprintf(buf, sizeof(buf), fmt, a, b);

	return n < 0 ? -1 : put(buf, (size_t)n);
}

static int show_pagemap(const char *map, long page_size)
{
	int fd, i, ret = 0;
	uint64_t raw;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("/proc/self/pagemap");
		return -1;
	}
	if (section("pagemap"))
		ret = -1;
	for (i = 0; !ret && i < PAGEMAP_SHOWN; i++) {
		unsigned long va = (unsigned long)(map + (long)i * page_size);
		off_t off = (off_t)(va / (unsigned long)page_size * 8);

		if (pread(fd, &raw, sizeof(raw), off) != sizeof(raw)) {
			perror("pread /proc/self/pagemap");
			ret = -1;
			break;
		}
		ret = printout("0x%llx 0x%016llx\n", va, raw);
	}
	close(fd);
	return ret;
}

/* "KEY first-line-of-PATH", for the facts that identify the capture. */
static int show_file_line(const char *key, const char *path)
{
	char line[256];
	ssize_t n;
	int fd, len;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 0) {
		perror(path);
		return -1;
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	len = snprintf(buf, sizeof(buf), "%s %s\n", key, line);
	return len < 0 ? -1 : put(buf, (size_t)len);
}

static int show_info(const struct mapdrv_info *info, const char *map,
		     const char *window)
{
	struct utsname u;
	int n;

	if (uname(&u))
		return -1;
	n = snprintf(buf, sizeof(buf),
		     "==== capture_proc: info ====\n"
		     "release %s\n"
		     "pages %llu\n"
		     "touched %d\n"
		     "written %d\n"
		     "map 0x%lx\n"
		     "window 0x%lx\n"
		     "window_pgoff %d\n"
		     "window_pages %d\n"
		     "module_faults %llu\n",
		     u.release, (unsigned long long)info->pages, TOUCHED,
		     WRITTEN, (unsigned long)map, (unsigned long)window,
		     WINDOW_PGOFF, WINDOW_PAGES,
		     (unsigned long long)info->faults);
	if (n < 0 || put(buf, (size_t)n))
		return -1;
	return show_file_line("module_version", "/sys/module/mapdrv/version") ||
	       show_file_line("srcversion", "/sys/module/mapdrv/srcversion") ||
	       show_file_line("module_pages", "/sys/module/mapdrv/parameters/pages") ||
	       show_file_line("module_huge", "/sys/module/mapdrv/parameters/huge") ||
	       show_file_line("cmdline", "/proc/cmdline") ? -1 : 0;
}

int main(void)
{
	long page_size = sysconf(_SC_PAGESIZE);
	struct mapdrv_info info;
	char *map, *window;
	char marker[32];
	int fd, i;

	fd = open(MAPDRV_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(MAPDRV_DEVICE);
		return 1;
	}
	if (ioctl(fd, MAPDRV_IOC_INFO, &info)) {
		perror("MAPDRV_IOC_INFO");
		return 1;
	}
	if (info.pages < WINDOW_PGOFF + WINDOW_PAGES || info.pages < TOUCHED) {
		fprintf(stderr, "capture_proc: the buffer needs %d pages at least\n",
			TOUCHED);
		return 1;
	}
	map = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	window = mmap(NULL, WINDOW_PAGES * page_size, PROT_READ, MAP_SHARED,
		      fd, WINDOW_PGOFF * page_size);
	if (window == MAP_FAILED) {
		perror("mmap window");
		return 1;
	}

	for (i = 0; i < TOUCHED; i++) {
		snprintf(marker, sizeof(marker), MAPDRV_MARKER_FMT,
			 (unsigned long)i);
		/* strcmp reads the page: that read is the touch. */
		if (strcmp(map + (long)i * page_size, marker)) {
			fprintf(stderr, "capture_proc: page %d lacks its marker\n", i);
			return 1;
		}
	}
	/* Past the marker, so that the buffer still reads as documented. */
	map[WRITTEN * page_size + 64] = 'x';

	if (ioctl(fd, MAPDRV_IOC_INFO, &info)) {
		perror("MAPDRV_IOC_INFO");
		return 1;
	}
	if (show_info(&info, map, window) ||
	    cat("maps", "/proc/self/maps") ||
	    cat("status", "/proc/self/status") ||
	    cat("smaps", "/proc/self/smaps") ||
	    cat("meminfo", "/proc/meminfo") ||
	    cat("vmallocinfo", "/proc/vmallocinfo") ||
	    show_pagemap(map, page_size) ||
	    section("end"))
		return 1;
	return 0;
}
