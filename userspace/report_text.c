// SPDX-License-Identifier: GPL-2.0
/*
 * mapview's human report: a table per step, each number labelled with
 * its source and shown beside its value at the previous step.  The
 * tables are libsmartcols', as in lsblk and findmnt.
 */
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <string.h>

#include "lesson.h"

/* /proc/meminfo lines worth watching; shown when they move. */
static const char *const meminfo_watch[] = {
	"MemFree", "MemAvailable", "Cached", "AnonPages", "Mapped",
	"Shmem", "PageTables", "VmallocUsed",
};

/* Always shown: the two the walkthrough is about. */
static bool meminfo_always(const char *name)
{
	return !strcmp(name, "Mapped") || !strcmp(name, "VmallocUsed");
}

static struct libscols_table *new_table(const char *const *cols, int ncols)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	for (int i = 0; i < ncols; i++)
		scols_table_new_column(tb, cols[i], 0, i ? SCOLS_FL_RIGHT : 0);
	return tb;
}

static void print_table(struct libscols_table *tb, FILE *out)
{
	if (!tb)
		return;
	scols_table_set_stream(tb, out);
	scols_print_table(tb);
	scols_unref_table(tb);
}

/* A row: source, previous value, value now, change (blank when none). */
static void row(struct libscols_table *tb, const char *source, long prev,
		long now, const char *unit)
{
	struct libscols_line *ln;
	char buf[64];

	if (!tb || (prev < 0 && now < 0))
		return;
	ln = scols_table_new_line(tb, NULL);
	if (!ln)
		return;
	scols_line_set_data(ln, 0, source);
	if (prev >= 0) {
		snprintf(buf, sizeof(buf), "%ld%s", prev, unit);
		scols_line_set_data(ln, 1, buf);
	} else {
		scols_line_set_data(ln, 1, "-");
	}
	if (now >= 0) {
		snprintf(buf, sizeof(buf), "%ld%s", now, unit);
		scols_line_set_data(ln, 2, buf);
	} else {
		scols_line_set_data(ln, 2, "-");
	}
	if (prev >= 0 && now >= 0 && now != prev) {
		snprintf(buf, sizeof(buf), "%+ld%s", now - prev, unit);
		scols_line_set_data(ln, 3, buf);
	}
}

static void smaps_rows(struct libscols_table *tb, const char *tag,
		       const struct smaps_entry *prev, bool had,
		       const struct smaps_entry *now, bool has)
{
/* A field that stays 0 says nothing: leave it out; Size never moves. */
#define SMAPS_ROW(field, label) do {					\
		long a = had ? prev->field : -1;			\
		long b = has ? now->field : -1;				\
		char src[80];						\
									\
		snprintf(src, sizeof(src), "smaps%s:%s", tag, label);	\
		if (strcmp(label, "Size") &&				\
		    (a > 0 || b > 0 || !strcmp(label, "Rss")))		\
			row(tb, src, a, b, " kB");			\
	} while (0);

	if (!had && !has)
		return;
	SMAPS_FIELDS(SMAPS_ROW)
#undef SMAPS_ROW
}

static void print_maps_line(FILE *out, const struct maps_entry *m,
			    const char *mark)
{
	char buf[512];

	maps_format(m, buf, sizeof(buf));
	fprintf(out, "  maps: %s%s\n", buf, mark);
}

/* Whether @s has a marked line spanning what @m spans. */
static bool maps_has(const struct run *r, const struct snapshot *s,
		     const struct maps_entry *m)
{
	for (int i = 0; i < s->nmaps; i++)
		if (s->maps[i].start == m->start && s->maps[i].end == m->end &&
		    run_marks(r, &s->maps[i]))
			return true;
	return false;
}

/* The marked maps lines of step @i, new and gone ones labelled. */
static void print_marked_maps(FILE *out, const struct run *r, int i)
{
	const struct snapshot *now = &r->step[i];
	const struct snapshot *prev = i ? &r->step[i - 1] : now;
	int shown = 0;

	for (int m = 0; m < now->nmaps; m++) {
		if (!run_marks(r, &now->maps[m]))
			continue;
		print_maps_line(out, &now->maps[m],
				i && !maps_has(r, prev, &now->maps[m]) ? "  (new)" : "");
		shown++;
	}
	for (int m = 0; i && m < prev->nmaps; m++) {
		if (!run_marks(r, &prev->maps[m]) || maps_has(r, now, &prev->maps[m]))
			continue;
		print_maps_line(out, &prev->maps[m], "  (gone)");
		shown++;
	}
	if (!shown)
		fprintf(out, "  maps: no line for %s\n", r->mark_path ? r->mark_path :
			"the lesson's objects yet");
}

void report_text_header(const struct run *r)
{
	const struct module_info *mi = &r->module;

	if (!r->have_info) {
		printf("mapview: lesson %s, %s %d%s\n", r->lesson->name,
		       r->subject ? "in a fresh process, pid" : "in mapview itself, pid",
		       (int)r->pid, r->subject ? " (mapview --subject)" : "");
		return;
	}
	printf("mapview: %s, %llu pages of %ld bytes (%llu kB)%s, map=%s\n",
	       r->device, (unsigned long long)r->info.pages, r->page_size,
	       (unsigned long long)r->info.size >> 10,
	       r->info.flags & MAPDRV_INFO_HUGE ? ", vmalloc_huge" : "",
	       map_mode_name(r->info.map_mode));
	if (mi->loaded)
		printf("module: mapdrv %s, srcversion %s, %s, refcount %d%s\n",
		       mi->version, mi->srcversion, mi->params, mi->refcnt,
		       mi->loaded_by_us ? " (loaded by --load)" : "");
	if (r->pfns_hidden)
		printf("note: not CAP_SYS_ADMIN: the kernel hides PFNs and kernel addresses\n"
		       "      from this process; run as root for the proof of sharing\n");
}

void report_text_notes(const struct run *r)
{
	if (r->nnotes)
		printf("\n== where this machine differs from the textbook ==\n");
	for (int i = 0; i < r->nnotes; i++)
		printf("  - %s\n", r->note[i]);
}

/* smaps_rollup's @field at @s, or -1 where the kernel has no rollup. */
#define ROLLUP(s, field) ((s)->has_rollup ? (s)->rollup.field : -1)

void report_text_step(FILE *out, const struct run *r, int i, bool explain)
{
	static const char *const cols[] = { "SOURCE", "BEFORE", "NOW", "CHANGE" };
	const struct snapshot *now = &r->step[i];
	const struct snapshot *prev = i ? &r->step[i - 1] : now;
	struct libscols_table *tb;

	fprintf(out, "\n== step %d: %s ==\n", i, now->name);
	print_marked_maps(out, r, i);

	tb = new_table(cols, 4);
	row(tb, "status:VmSize", prev->status.vm_size, now->status.vm_size, " kB");
	row(tb, "status:VmRSS", prev->status.vm_rss, now->status.vm_rss, " kB");
	row(tb, "status:RssAnon", prev->status.rss_anon, now->status.rss_anon, " kB");
	row(tb, "status:RssFile", prev->status.rss_file, now->status.rss_file, " kB");
	row(tb, "status:RssShmem", prev->status.rss_shmem, now->status.rss_shmem, " kB");
	row(tb, "smaps_rollup:Rss", ROLLUP(prev, rss), ROLLUP(now, rss), " kB");
	row(tb, "smaps_rollup:Anonymous", ROLLUP(prev, anonymous),
	    ROLLUP(now, anonymous), " kB");
	for (int w = 0; w < SNAP_WATCH; w++) {
		const char *name = r->lesson->watch_name[w];
		char tag[32];

		if (!name)
			continue;
		tag[0] = '\0';
		if (*name)
			snprintf(tag, sizeof(tag), "(%s)", name);
		smaps_rows(tb, tag, &prev->watch[w], prev->has_watch[w],
			   &now->watch[w], now->has_watch[w]);
	}
	row(tb, r->subject ? "stat:minflt" : "rusage:minflt", prev->minflt,
	    now->minflt, "");
	row(tb, "module:faults", prev->module_faults, now->module_faults, "");
	row(tb, "module:mapped", prev->module_mapped, now->module_mapped, "");
	for (size_t k = 0; k < sizeof(meminfo_watch) / sizeof(meminfo_watch[0]); k++) {
		const char *name = meminfo_watch[k];
		long a = meminfo_get(&prev->meminfo, name);
		long b = meminfo_get(&now->meminfo, name);
		char src[48];

		if (a == b && !meminfo_always(name))
			continue;
		snprintf(src, sizeof(src), "meminfo:%s", name);
		row(tb, src, a, b, " kB");
	}
	print_table(tb, out);

	if (now->has_watch[0])
		fprintf(out, "  smaps:VmFlags %s\n", now->watch[0].vmflags);
	if (i == 0 && r->have_vmalloc)
		fprintf(out, "  vmallocinfo: %lu bytes (with guard page), pages=%ld, caller %s\n",
			r->vmalloc.size, r->vmalloc.pages, r->vmalloc.caller);

	/*
	 * VmRSS is the kernel's running count, smaps_rollup:Rss the page
	 * tables walked; mapview faults nothing between the two reads, so
	 * any difference is the count's own.
	 */
	if (now->has_rollup && now->status.vm_rss != now->rollup.rss)
		fprintf(out, "  note: status:VmRSS says %ld kB, the page tables hold %ld kB\n"
			"        (smaps_rollup:Rss): this kernel's RSS count is approximate\n"
			"        (6.1 folds per-thread counts in every 64 faults; from 6.2\n"
			"        the counts are per-CPU, and only kernels with the later fix\n"
			"        sum them for status).  smaps walks the page tables: exact.\n",
			now->status.vm_rss, now->rollup.rss);
	if (explain && now->explain)
		fprintf(out, "\n%s\n", now->explain);
}

void report_text_frames(const struct run *r)
{
	static const char *const cols[] = { "PAGE", "USER ADDRESS", "USER PFN",
					    "KERNEL PFN", "SAME" };
	const struct frames *fr = &r->frames;
	struct libscols_table *tb;
	int matches = 0, shown = 0;
	char buf[64];

	printf("\n== the proof of sharing: pagemap vs. the module's walk ==\n");
	if (r->pfns_hidden) {
		printf("  hidden: PFNs need CAP_SYS_ADMIN (run mapview as root)\n");
		return;
	}
	tb = new_table(cols, 5);
	for (int i = 0; i < fr->n; i++) {
		const struct frame *f = &fr->frame[i];
		struct libscols_line *ln;

		matches += f->match;
		/* The first pages and every mismatch; JSON has them all. */
		if (shown >= 8 && f->match)
			continue;
		shown++;
		ln = tb ? scols_table_new_line(tb, NULL) : NULL;
		if (!ln)
			continue;
		snprintf(buf, sizeof(buf), "%lu", f->page);
		scols_line_set_data(ln, 0, buf);
		snprintf(buf, sizeof(buf), "0x%lx", f->user_addr);
		scols_line_set_data(ln, 1, buf);
		snprintf(buf, sizeof(buf), "0x%" PRIx64, f->user.pfn);
		scols_line_set_data(ln, 2, buf);
		snprintf(buf, sizeof(buf), "0x%" PRIx64, f->kernel_pfn);
		scols_line_set_data(ln, 3, buf);
		scols_line_set_data(ln, 4, f->match ? "yes" : "NO");
	}
	print_table(tb, stdout);
	printf("  %d of %d touched pages: the user page is the kernel's page\n",
	       matches, fr->n);
	if (r->have_private_frame)
		printf("  MAP_PRIVATE page %lu after the write: user PFN 0x%" PRIx64
		       ", kernel PFN 0x%" PRIx64 " (%s)\n",
		       r->private_frame.page, r->private_frame.user.pfn,
		       r->private_frame.kernel_pfn,
		       r->private_frame.match ? "still the same: no COW?" :
		       "a private copy: copy-on-write");
}

/* Where the walk began: the kernel's root as the MMU finds it. */
static void print_root(const struct mapdrv_walk_info *k)
{
	if (k->arch == MAPDRV_ARCH_ARM64)
		printf("  TTBR1_EL1 = 0x%016llx (ASID 0x%llx, CnP %llu, table at PA 0x%llx)\n",
		       (unsigned long long)k->ttbr1,
		       (unsigned long long)k->ttbr1 >> 48,
		       (unsigned long long)k->ttbr1 & 1,
		       (unsigned long long)k->root);
	else
		printf("  CR3-side: mm->pgd at PA 0x%llx\n",
		       (unsigned long long)k->root);
}

void report_text_walk(const struct run *r)
{
	static const char *const cols[] = { "LEVEL", "INDEX", "ENTRY", "PFN",
					    "FLAGS" };
	const struct walk_report *w = &r->walk;
	const struct mapdrv_walk_info *k = &w->kernel;
	struct libscols_table *tb;
	char buf[128];

	printf("\n== the walk of buffer page %llu (%s, %u-level paging) ==\n",
	       (unsigned long long)k->page, arch_name(k->arch),
	       k->pgtable_levels);
	printf("  kernel: vmalloc address 0x%llx\n", (unsigned long long)k->kaddr);
	print_root(k);
	tb = new_table(cols, 5);
	for (unsigned int l = 0; l <= k->level && l < MAPDRV_LEVELS; l++) {
		struct libscols_line *ln = tb ? scols_table_new_line(tb, NULL) : NULL;
		bool folded = k->folded & (1U << l);

		if (!ln)
			break;
		scols_line_set_data(ln, 0, level_name[l]);
		if (folded) {
			/* This paging mode has no such table: nothing was read. */
			scols_line_set_data(ln, 1, "-");
			scols_line_set_data(ln, 2, "folded");
			scols_line_set_data(ln, 3, "-");
			continue;
		}
		snprintf(buf, sizeof(buf), "%u", k->index[l]);
		scols_line_set_data(ln, 1, buf);
		snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)k->entry[l]);
		scols_line_set_data(ln, 2, buf);
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)k->next_pfn[l]);
		scols_line_set_data(ln, 3, buf);
		entry_flags(k->arch, l, k->entry[l], buf, sizeof(buf));
		scols_line_set_data(ln, 4, buf);
	}
	print_table(tb, stdout);
	if (k->found)
		printf("  the walk found PFN 0x%llx%s, struct page 0x%llx;\n"
		       "  vmalloc_to_page() says PFN 0x%llx, struct page 0x%llx: %s\n",
		       (unsigned long long)k->pfn,
		       k->level == MAPDRV_LEVEL_PTE ? "" : " inside a huge leaf",
		       (unsigned long long)k->page_ptr,
		       (unsigned long long)k->vmalloc_to_page_pfn,
		       (unsigned long long)k->vmalloc_to_page_ptr,
		       k->page_ptr == k->vmalloc_to_page_ptr ? "the same page" : "A MISMATCH");
	else
		printf("  the walk found a hole at the %s level\n",
		       k->level < MAPDRV_LEVELS ? level_name[k->level] : "top");

	printf("  user: address 0x%lx, indices", w->user_addr);
	for (unsigned int l = 0; l < MAPDRV_LEVELS; l++)
		if (k->folded & (1U << l))
			printf(" %s -", level_name[l]);
		else
			printf(" %s %u", level_name[l], w->user_index[l]);
	printf("\n");
	printf("  pagemap entry 0x%016llx: %s, PFN 0x%llx%s\n",
	       (unsigned long long)w->user_raw,
	       w->user.present ? "present" : "not present",
	       (unsigned long long)w->user.pfn,
	       w->user.present && w->user.pfn == k->pfn ?
	       ": two roads to one frame" : "");
}
