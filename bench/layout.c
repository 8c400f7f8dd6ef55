// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc says of a mapping the reread cases read, printed beside
 * their speeds because it moves them: how much of it transparent huge
 * pages back (smaps), and in what physical order its frames lie
 * (pagemap).  Reading frames out of order costs up to a quarter of the
 * speed in the benchmark's VM (docs/benchmark.md), so two mappings are
 * only compared fairly when their frames lie alike.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "procfs.h"

/* smaps: the mapping's header line "start-end perms ...", then its fields. */
long anon_huge_kb(const void *p)
{
	unsigned long start, end, addr = (unsigned long)p;
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool inside = false;
	long kb = -1;

	if (!f)
		return -1;
	while (kb < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			inside = start <= addr && addr < end;
		else if (inside)
			sscanf(line, "AnonHugePages: %ld kB", &kb);
	}
	fclose(f);
	return kb;
}

/*
 * The share of pages, after the first, whose frame is the one right
 * after the previous page's.  Needs every page present and the PFNs
 * shown (root: without CAP_SYS_ADMIN pagemap gives 0 for every PFN).
 */
double frames_in_order_pct(const void *p, size_t size)
{
	size_t pages = size / page_size, in_order = 0;
	off_t at = (off_t)((uintptr_t)p / page_size * sizeof(uint64_t));
	uint64_t *e = malloc(pages * sizeof(*e)), prev = 0;
	struct pagemap_entry pe;
	double pct = -1;
	ssize_t got;
	int fd;

	if (!e)
		return -1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	got = pread(fd, e, pages * sizeof(*e), at);
	close(fd);
	if (got != (ssize_t)(pages * sizeof(*e)) || pages < 2)
		goto out;
	for (size_t i = 0; i < pages; i++) {
		pagemap_decode(e[i], &pe);
		if (!pe.present || !pe.pfn)
			goto out;
		if (i && pe.pfn == prev + 1)
			in_order++;
		prev = pe.pfn;
	}
	pct = 100.0 * (double)in_order / (double)(pages - 1);
out:
	free(e);
	return pct;
}
