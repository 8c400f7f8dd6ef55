/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers of the /proc files mapview reads.  Each takes a stream, never a
 * path, so that the unit tests (userspace/tests/) can feed them saved
 * snapshots from Debian's 6.1 and 6.12 kernels and malformed input.
 *
 * Every parser returns 0 on success and -EINVAL for input it does not
 * understand (a malformed line, a missing required field), never a
 * half-filled result presented as data.  Sizes are in kB, as /proc
 * prints them.
 */
#ifndef MAPVIEW_PROCFS_H
#define MAPVIEW_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One line of /proc/PID/maps (also the header line of an smaps entry). */
struct maps_entry {
	unsigned long start, end;
	char perms[5];			/* "rw-s" */
	unsigned long long offset;	/* bytes: vm_pgoff << PAGE_SHIFT */
	unsigned int dev_major, dev_minor;
	unsigned long inode;
	char path[256];			/* "" for anonymous mappings */
};

/* Parse one maps line (with or without its newline). */
int parse_maps_line(const char *line, struct maps_entry *e);

/*
 * Every line of a maps stream, in order: how many (0..max), -EOVERFLOW
 * when there are more than @max, -EINVAL for a malformed line.  A path
 * too long for the entry is cut and ends in "...".
 */
int maps_read_all(FILE *f, struct maps_entry *out, int max);

/* @m as maps prints it, without the padding before the path. */
int maps_format(const struct maps_entry *m, char *buf, size_t len);

/* The index of the entry of @maps holding @addr, or -1. */
int maps_lookup(const struct maps_entry *maps, int n, unsigned long addr);

/*
 * /proc/zoneinfo: the pages on the per-CPU free lists of every zone, which
 * MemFree leaves out; -EINVAL when the stream has no pagesets.
 */
int parse_zoneinfo_pcp(FILE *f, long *pages);

/* The minor faults (field 10) of a /proc/PID/stat stream. */
int parse_stat_minflt(FILE *f, long *minflt);

/* The memory lines of /proc/PID/status; -1 where the kernel has none. */
struct status_mem {
	long vm_size;		/* VmSize: total_vm */
	long vm_rss;		/* VmRSS: approximate on some kernels */
	long rss_anon;		/* RssAnon */
	long rss_file;		/* RssFile */
	long rss_shmem;		/* RssShmem */
};

/* -EINVAL when VmSize or VmRSS is missing or a value is malformed. */
int parse_status(FILE *f, struct status_mem *st);

/*
 * The sizes of an smaps entry that mapview reads, in smaps' order: the
 * one list the parser, the struct and the reports are made from.
 */
#define SMAPS_FIELDS(X)					\
	X(size, "Size")					\
	X(rss, "Rss")					\
	X(pss, "Pss")					\
	X(shared_clean, "Shared_Clean")			\
	X(shared_dirty, "Shared_Dirty")			\
	X(private_clean, "Private_Clean")		\
	X(private_dirty, "Private_Dirty")		\
	X(referenced, "Referenced")			\
	X(anonymous, "Anonymous")

/* One /proc/PID/smaps entry: its maps line, the sizes above in kB. */
struct smaps_entry {
	struct maps_entry map;
#define SMAPS_MEMBER(field, name) long field;
	SMAPS_FIELDS(SMAPS_MEMBER)
#undef SMAPS_MEMBER
	char vmflags[128];	/* "rd wr sh mr mw me ms de" */
};

/*
 * Find the entry of the mapping that starts at @start; -ENOENT when there
 * is none, -EINVAL when the stream is malformed or the entry lacks Rss.
 */
int parse_smaps(FILE *f, unsigned long start, struct smaps_entry *e);

/*
 * /proc/PID/smaps_rollup: the same fields summed over every mapping of
 * the process, page tables walked (exact, unlike status's counters).
 * map.start and map.end span all the mappings, map.path is "[rollup]",
 * vmflags is "".  -EINVAL for anything else, a second entry included.
 */
int parse_smaps_rollup(FILE *f, struct smaps_entry *e);

/* /proc/meminfo, as name/value pairs in the kernel's order. */
#define MEMINFO_MAX 80
struct meminfo {
	int n;
	struct {
		char name[32];	/* without the colon: "MemFree" */
		long kb;	/* HugePages_* have no unit: the plain count */
	} field[MEMINFO_MAX];
};

int parse_meminfo(FILE *f, struct meminfo *mi);

/* The value of @name, or -1 when absent. */
long meminfo_get(const struct meminfo *mi, const char *name);

/*
 * One line of /proc/vmallocinfo:
 *   0xADDR-0xADDR SIZE CALLER pages=N vmalloc vpages N0=...
 * Addresses are hashed or zero unless kptr_restrict allows, and 0 here
 * when the kernel printed "(____ptrval____)" (its hashing not ready).
 */
struct vmalloc_entry {
	unsigned long long start, end;
	unsigned long size;	/* bytes, including the guard page */
	char caller[128];	/* "mapdrv_buffer_alloc+0x35/0xc0 [mapdrv]" */
	long pages;		/* -1 without a pages= field */
	bool vmalloc;		/* the "vmalloc" flag: from vmalloc() */
};

int parse_vmallocinfo_line(const char *line, struct vmalloc_entry *e);

/*
 * The first line of a vmallocinfo stream whose caller contains @caller
 * (e.g. "[mapdrv]"); -ENOENT when there is none.
 */
int vmallocinfo_find(FILE *f, const char *caller, struct vmalloc_entry *e);

/* A /proc/PID/pagemap entry: 8 bytes for each virtual page. */
struct pagemap_entry {
	uint64_t pfn;		/* bits 0-54; 0 when hidden (no CAP_SYS_ADMIN) */
	bool soft_dirty;	/* bit 55 */
	bool exclusive;		/* bit 56 */
	bool uffd_wp;		/* bit 57 */
	bool file_shared;	/* bit 61: file page or shared anonymous */
	bool swapped;		/* bit 62 */
	bool present;		/* bit 63 */
};

void pagemap_decode(uint64_t raw, struct pagemap_entry *e);

/*
 * Read the raw entry of virtual address @vaddr from the pagemap file
 * open on @fd (8-byte aligned pread at vaddr / page_size * 8).
 */
int pagemap_read(int fd, unsigned long vaddr, long page_size, uint64_t *raw);

#endif /* MAPVIEW_PROCFS_H */
