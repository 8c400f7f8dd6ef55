// SPDX-License-Identifier: GPL-2.0
/*
 * mapview: map /dev/mapdrv and show what the process sees.
 *
 * Demand paging in three snapshots: VmSize grows when the device is
 * mapped, VmRSS only as pages are touched.  Between them it prints the
 * text the kernel wrote at the start of page 0, read through the mapping,
 * and the mapping's line in /proc/self/maps.
 *
 * Exit codes: 0 success, 1 usage, 2 the device cannot be opened,
 * 3 ioctl/mmap failed, 4 /proc could not be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mapdrv_uapi.h"

enum {
	EXIT_USAGE = 1,
	EXIT_DEVICE = 2,
	EXIT_MAP = 3,
	EXIT_PROC = 4,
};

struct mem_status {
	long vm_size_kb;
	long vm_rss_kb;
};

/* VmSize and VmRSS of this process, from /proc/self/status. */
static int read_status(struct mem_status *st)
{
	const char *path = "/proc/self/status";
	char line[256];
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mapview: %s: %s\n", path, strerror(errno));
		return -1;
	}
	st->vm_size_kb = -1;
	st->vm_rss_kb = -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmSize: %ld kB", &st->vm_size_kb);
		sscanf(line, "VmRSS: %ld kB", &st->vm_rss_kb);
	}
	fclose(f);
	if (st->vm_size_kb < 0 || st->vm_rss_kb < 0) {
		fprintf(stderr, "mapview: %s: no VmSize/VmRSS line\n", path);
		return -1;
	}
	return 0;
}

static int show_status(const char *when, const struct mem_status *prev,
		       struct mem_status *now)
{
	if (read_status(now))
		return -1;
	printf("%-22s VmSize %8ld kB", when, now->vm_size_kb);
	if (prev)
		printf(" (%+ld)", now->vm_size_kb - prev->vm_size_kb);
	printf("   VmRSS %8ld kB", now->vm_rss_kb);
	if (prev)
		printf(" (%+ld)", now->vm_rss_kb - prev->vm_rss_kb);
	printf("\n");
	return 0;
}

/* Print the /proc/self/maps line of the mapping that starts at @addr. */
static int show_maps_line(const void *addr)
{
	const char *path = "/proc/self/maps";
	char line[512];
	unsigned long start;
	FILE *f;
	int found = 0;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mapview: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-", &start) == 1 &&
		    start == (unsigned long)addr) {
			printf("maps: %s", line);
			found = 1;
		}
	}
	fclose(f);
	if (!found) {
		fprintf(stderr, "mapview: %s: no line for %p\n", path, addr);
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mapview [--device PATH]\n"
		"Maps the mapdrv device and shows demand paging: VmSize and\n"
		"VmRSS before mmap, after mmap and after touching every page.\n"
		"\n"
		"example: sudo insmod mapdrv.ko pages=64 && sudo mapview\n");
}

int main(int argc, char **argv)
{
	const char *device = MAPDRV_DEVICE;
	struct mem_status before, mapped, touched;
	struct mapdrv_info info;
	volatile const char *p;
	unsigned long i, sum = 0;
	char *map;
	int fd;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--device") && a + 1 < argc) {
			device = argv[++a];
		} else if (!strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	fd = open(device, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "mapview: %s: %s%s\n", device, strerror(errno),
			errno == ENOENT ? " (is mapdrv loaded? insmod mapdrv.ko)" :
			errno == EACCES ? " (the device is root only: use sudo)" : "");
		return EXIT_DEVICE;
	}
	if (ioctl(fd, MAPDRV_IOC_INFO, &info)) {
		fprintf(stderr, "mapview: %s: MAPDRV_IOC_INFO: %s\n", device,
			strerror(errno));
		return EXIT_MAP;
	}
	printf("%s: %llu pages (%llu kB)\n", device,
	       (unsigned long long)info.pages,
	       (unsigned long long)info.size >> 10);

	if (show_status("before mmap:", NULL, &before))
		return EXIT_PROC;

	map = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mapview: mmap of %s: %s\n", device,
			strerror(errno));
		return EXIT_MAP;
	}
	if (show_status("after mmap:", &before, &mapped) ||
	    show_maps_line(map))
		return EXIT_PROC;

	/* Page 0 starts with the kernel's NUL-terminated marker. */
	printf("page 0 reads: \"%.*s\"\n", (int)strnlen(map, 64), map);

	p = map;
	for (i = 0; i < info.pages; i++)
		sum += p[i * info.size / info.pages];
	if (show_status("after touching all:", &mapped, &touched))
		return EXIT_PROC;
	printf("touched %lu pages (byte sum %lu); status:VmRSS is approximate (per-thread\n"
	       "counters), so it may lag the pages touched\n",
	       i, sum);

	munmap(map, info.size);
	close(fd);
	return 0;
}
