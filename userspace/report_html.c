// SPDX-License-Identifier: GPL-2.0
/*
 * mapview --html FILE: the run as one page for a browser.  The address
 * space drawn from maps, VSZ and RSS across the steps, the device
 * lesson's page-table walk, the facts and notes, and the whole --json
 * object embedded for programs.  Self-contained: no script, no font, no
 * network, so it opens the same on a machine with no connection.  Every
 * number is in the text and again in data-* attributes, which
 * scripts/test-html checks against the JSON.
 */
#include <errno.h>
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"
#include "svg.h"

#define MAP_H_MIN	13		/* px: a one-page mapping, one text line */
#define MAP_H_PER_LOG2	3		/* px each time the size doubles */
#define GAP_BREAK	(1UL << 30)	/* gaps this big are drawn as a break */
#define MAP_PATH_SHOWN	24		/* chars of a path that fit beside the rest */
#define KERNEL_HALF	(1UL << 63)	/* x86_64's [vsyscall] lives up there */

static const char css[] =
	"body{font:14px/1.4 sans-serif;margin:20px;color:#222}\n"
	"h1{font-size:22px;margin:0}h2{font-size:17px;margin:18px 0 6px}\n"
	".sub,.legend{color:#555;font-size:12px;margin:2px 0 8px}\n"
	"main{display:grid;grid-template-columns:430px 1fr;gap:28px}\n"
	".maps{border:1px solid #999;font:11px/13px monospace}\n"
	".map{box-sizing:border-box;border-bottom:1px solid #fff;padding:0 4px;"
	"overflow:hidden;white-space:nowrap;text-overflow:ellipsis}\n"
	".map.x{background:#f9d77e}.map.w{background:#a9d3f0}"
	".map.r{background:#cfe8c4}.map.none{background:#e2e2e2}\n"
	".map.marked{outline:3px solid #d9480f;outline-offset:-3px;font-weight:bold}\n"
	".gap{height:5px;background:#fff}\n"
	".gap.break{height:20px;color:#666;text-align:center;font:11px/20px sans-serif;"
	"background:repeating-linear-gradient(135deg,#fff 0 6px,#eee 6px 12px)}\n"
	".chart text{font:11px sans-serif}.chart .vsz{fill:#5b8fd6}.chart .rss{fill:#e8833a}\n"
	"table{border-collapse:collapse;font-size:13px}\n"
	"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}\n"
	".num{text-align:right;font-family:monospace}.hex{color:#777}\n"
	".roads{display:grid;grid-template-columns:1fr 1fr;gap:14px}\n"
	".road{border:2px solid #5b8fd6;border-radius:6px;padding:6px}\n"
	"#user-road{border-color:#e8833a}.road h3{font-size:14px;margin:0 0 4px}\n"
	".lvl,.ulvl,.root,.pagemap{font:12px monospace;background:#f4f4f4;margin:0 0 14px;"
	"padding:4px;border-radius:4px;position:relative}\n"
	".lvl::after,.ulvl::after,.root::after{content:'\\2193';position:absolute;"
	"left:45%;bottom:-15px;font:13px sans-serif}\n"
	".folded{background:none;border:1px dashed #999;color:#777}\n"
	".meet{margin-top:4px;border:3px solid #2b8a3e;border-radius:6px;padding:6px;"
	"text-align:center;font:bold 14px monospace}\n"
	".bad{border-color:#c92a2a;color:#c92a2a}small{color:#666;font-weight:normal}\n";

/* "4 KiB", "1.5 GiB": binary units, as page and table sizes are. */
static const char *size_str(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned long long div = 1;
	int u = 0;

	while (u < 6 && bytes / div >= 1024) {
		div <<= 10;
		u++;
	}
	if (bytes % div == 0)
		snprintf(buf, len, "%llu %s", bytes / div, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / (double)div, unit[u]);
	return buf;
}

static unsigned int ilog2(unsigned long long v)
{
	unsigned int l = 0;

	while (v >>= 1)
		l++;
	return l;
}

/* --- the address space ----------------------------------------------- */

static void map_block(FILE *f, const struct run *r, const struct maps_entry *m)
{
	unsigned long long size = m->end - m->start;
	bool marked = run_marks(r, m);
	const char *kind = m->perms[2] == 'x' ? "x" : m->perms[1] == 'w' ? "w" :
			   m->perms[0] == 'r' ? "r" : "none";
	/* A long path by its file name: the whole is in the tooltip and data-path. */
	const char *name = m->path[0] == '/' && strlen(m->path) > MAP_PATH_SHOWN ?
			   strrchr(m->path, '/') + 1 : m->path;
	/* Height on a log axis: a 4 KiB page and a 1 GiB block both fit. */
	int h = MAP_H_MIN + MAP_H_PER_LOG2 * (int)ilog2(size / r->page_size);
	char sz[32];

	size_str(size, sz, sizeof(sz));
	fprintf(f, "<div class=\"map %s%s\" data-start=\"0x%lx\" data-end=\"0x%lx\" "
		"data-perms=\"%s\" data-marked=\"%s\" style=\"height:%dpx\" data-path=\"",
		kind, marked ? " marked" : "", m->start, m->end, m->perms,
		marked ? "true" : "false", h);
	html_esc(f, m->path);
	fprintf(f, "\" title=\"%lx-%lx %s %s ", m->start, m->end, m->perms, sz);
	html_esc(f, m->path);
	fprintf(f, "\">%s%012lx %s %s ", marked ? "&#9664; " : "", m->start, m->perms, sz);
	if (*name)
		html_esc(f, name);
	else
		fputs("<i>anonymous</i>", f);
	fputs("</div>\n", f);
}

static void gap_block(FILE *f, unsigned long lo, unsigned long hi)
{
	char sz[32];

	if (hi <= lo)
		return;
	size_str(hi - lo, sz, sizeof(sz));
	if (lo < KERNEL_HALF && hi > KERNEL_HALF)
		fprintf(f, "<div class=\"gap break\" data-bytes=\"%lu\">&#8776; %s: not user "
			"space (the kernel's half and the hole below it)</div>\n", hi - lo, sz);
	else if (hi - lo < GAP_BREAK)
		fprintf(f, "<div class=\"gap\" data-bytes=\"%lu\" title=\"unmapped: %s\"></div>\n",
			hi - lo, sz);
	else	/* to scale it would be the whole page: a break instead */
		fprintf(f, "<div class=\"gap break\" data-bytes=\"%lu\">&#8776; %s unmapped</div>\n",
			hi - lo, sz);
}

/* The step with the most lines the lesson is about: its latest, if tied. */
static int busiest_step(const struct run *r, int *marked)
{
	int best = 0;

	*marked = -1;
	for (int i = 0; i < r->nsteps; i++) {
		int n = 0;

		for (int m = 0; m < r->step[i].nmaps; m++)
			n += run_marks(r, &r->step[i].maps[m]);
		if (n >= *marked) {
			*marked = n;
			best = i;
		}
	}
	return best;
}

static void html_space(FILE *f, const struct run *r)
{
	int marked, i = busiest_step(r, &marked);
	const struct snapshot *s = &r->step[i];

	fprintf(f, "<section id=\"space\" data-step=\"%d\" data-maps=\"%d\" data-marked=\"%d\">\n"
		"<h2>The address space at step %d: ", i, s->nmaps, marked, i);
	html_esc(f, s->name);
	fputs("</h2>\n<p class=\"legend\">Every line of maps, the highest address on top; "
	      "a block grows 3 px each time its size doubles (a log scale). "
	      "Yellow: executable, blue: writable, green: read-only, grey: no access. "
	      "&#9664; outlined: what the lesson is about.</p>\n<div class=\"maps\">\n", f);
	for (int m = s->nmaps - 1; m >= 0; m--) {
		if (m < s->nmaps - 1)
			gap_block(f, s->maps[m].end, s->maps[m + 1].start);
		map_block(f, r, &s->maps[m]);
	}
	fputs("</div>\n</section>\n", f);
}

/* --- VSZ and RSS, an SVG bar chart --------------------------------------- */

static void html_chart(FILE *f, const struct run *r)
{
	long vsz[MAPVIEW_STEPS_MAX], rss[MAPVIEW_STEPS_MAX];
	char attrs[MAPVIEW_STEPS_MAX][96], labels[MAPVIEW_STEPS_MAX][16];
	const char *attr[MAPVIEW_STEPS_MAX], *title[MAPVIEW_STEPS_MAX];
	const char *label[MAPVIEW_STEPS_MAX];
	/* Each its own scale from 0: 4 GiB of VSZ would flatten the RSS. */
	const struct svg_series series[] = {
		{ "VSZ (VmSize): mapped, kB", "vsz", vsz },
		{ "RSS (VmRSS): in RAM, kB", "rss", rss },
	};
	const struct svg_chart chart = {
		.ncols = r->nsteps, .col_class = "step", .col_attrs = attr,
		.col_title = title, .col_label = label,
		.nseries = 2, .series = series, .label = "VSZ and RSS at each step",
	};

	for (int i = 0; i < r->nsteps; i++) {
		int n;

		vsz[i] = r->step[i].status.vm_size;
		rss[i] = r->step[i].status.vm_rss;
		/* A value /proc did not have is no attribute, as it is null in JSON. */
		n = snprintf(attrs[i], sizeof(attrs[i]), "data-step=\"%d\"", i);
		if (vsz[i] >= 0)
			n += snprintf(attrs[i] + n, sizeof(attrs[i]) - n,
				      " data-vsz-kb=\"%ld\"", vsz[i]);
		if (rss[i] >= 0)
			snprintf(attrs[i] + n, sizeof(attrs[i]) - n,
				 " data-rss-kb=\"%ld\"", rss[i]);
		snprintf(labels[i], sizeof(labels[i]), "step %d", i);
		attr[i] = attrs[i];
		title[i] = r->step[i].name;
		label[i] = labels[i];
	}
	fputs("<section id=\"memory\">\n<h2>VSZ and RSS at each step "
	      "(/proc/PID/status)</h2>\n", f);
	svg_bar_chart(f, &chart);
	fputs("<table>\n<tr><th>step</th><th>what was done</th><th>VSZ kB</th>"
	      "<th>RSS kB</th><th>minor faults</th></tr>\n", f);
	for (int i = 0; i < r->nsteps; i++) {
		const struct snapshot *s = &r->step[i];

		fprintf(f, "<tr><td class=\"num\">%d</td><td>", i);
		html_esc(f, s->name);
		fprintf(f, "</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td>"
			"<td class=\"num\">%ld</td></tr>\n",
			s->status.vm_size, s->status.vm_rss, s->minflt);
	}
	fputs("</table>\n</section>\n", f);
}

/* --- the page-table walk: two roads to one frame ----------------------- */

static void html_walk(FILE *f, const struct run *r)
{
	const struct walk_report *w = &r->walk;
	const struct mapdrv_walk_info *k = &w->kernel;
	bool arm64 = k->arch == MAPDRV_ARCH_ARM64;
	bool meet = k->found && w->user.present && w->user.pfn == k->pfn;
	char flags[128];

	fprintf(f, "<div id=\"walk\" data-arch=\"%s\" data-page=\"%llu\" "
		"data-levels=\"%u\" data-found=\"%s\" data-pfn=\"0x%llx\" "
		"data-user-pfn=\"0x%llx\" data-vmalloc-to-page-pfn=\"0x%llx\">\n",
		arch_name(k->arch), (unsigned long long)k->page, k->pgtable_levels,
		k->found ? "true" : "false", (unsigned long long)k->pfn,
		(unsigned long long)w->user.pfn,
		(unsigned long long)k->vmalloc_to_page_pfn);
	fprintf(f, "<h2>The page-table walk of buffer page %llu (%s, %u-level paging)</h2>\n"
		"<div class=\"roads\">\n<div class=\"road\" id=\"kernel-road\">\n"
		"<h3>The kernel's road: vmalloc address 0x%llx</h3>\n",
		(unsigned long long)k->page, arch_name(k->arch), k->pgtable_levels,
		(unsigned long long)k->kaddr);
	/* Where the MMU starts for a kernel address on each architecture. */
	if (arm64)
		fprintf(f, "<div class=\"root\">TTBR1_EL1 = 0x%016llx: the kernel's "
			"top table at PA 0x%llx</div>\n",
			(unsigned long long)k->ttbr1, (unsigned long long)k->root);
	else
		fprintf(f, "<div class=\"root\">CR3: this process's pgd at PA 0x%llx "
			"<small>(its upper half maps the kernel)</small></div>\n",
			(unsigned long long)k->root);
	for (unsigned int l = 0; l <= k->level && l < MAPDRV_LEVELS; l++) {
		if (k->folded & (1U << l)) {
			fprintf(f, "<div class=\"lvl folded\" data-level=\"%s\" data-folded=\"true\">"
				"%s: folded <small>(this boot's paging has no such table: "
				"nothing read)</small></div>\n", level_name[l], level_name[l]);
			continue;
		}
		entry_flags(k->arch, l, k->entry[l], flags, sizeof(flags));
		fprintf(f, "<div class=\"lvl\" data-level=\"%s\" data-index=\"%u\" "
			"data-entry=\"0x%llx\" data-folded=\"false\"><b>%s</b>[%u] = "
			"0x%016llx &#8594; pfn 0x%llx<br><small>%s</small></div>\n",
			level_name[l], k->index[l], (unsigned long long)k->entry[l],
			level_name[l], k->index[l], (unsigned long long)k->entry[l],
			(unsigned long long)k->next_pfn[l], flags);
	}
	fprintf(f, "</div>\n<div class=\"road\" id=\"user-road\">\n"
		"<h3>The user's road: address 0x%lx in this process</h3>\n"
		"<div class=\"root\">%s</div>\n", w->user_addr,
		arm64 ? "TTBR0_EL1: the process's own tables" :
		"CR3: the same pgd <small>(its lower half maps user space)</small>");
	for (unsigned int l = 0; l < MAPDRV_LEVELS; l++) {
		bool folded = k->folded & (1U << l);

		fprintf(f, "<div class=\"ulvl%s\" data-user-level=\"%s\" data-folded=\"%s\"",
			folded ? " folded" : "", level_name[l], folded ? "true" : "false");
		if (folded)
			fprintf(f, ">%s: folded</div>\n", level_name[l]);
		else	/* user space reads no entries: pagemap gives the end only */
			fprintf(f, " data-user-index=\"%u\"><b>%s</b>[%u] <small>entry: not "
				"visible from user space</small></div>\n",
				w->user_index[l], level_name[l], w->user_index[l]);
	}
	fprintf(f, "<div class=\"pagemap\" data-pagemap-entry=\"0x%llx\">/proc/self/pagemap: "
		"0x%016llx<br><small>%s, pfn 0x%llx</small></div>\n</div>\n</div>\n",
		(unsigned long long)w->user_raw, (unsigned long long)w->user_raw,
		w->user.present ? "present" : "not present",
		(unsigned long long)w->user.pfn);
	/* The end of both roads, or why they have none in common. */
	if (!k->found)
		snprintf(flags, sizeof(flags), "the walk found a hole at the %s level",
			 k->level < MAPDRV_LEVELS ? level_name[k->level] : "top");
	else
		snprintf(flags, sizeof(flags), "%s%s%s", meet ? "both roads end at this one "
			 "frame: the user page is the kernel's page" : "the roads do not meet: "
			 "pagemap and the walk disagree", k->level < MAPDRV_LEVEL_PTE ?
			 "; a page inside a huge leaf at the " : "",
			 k->level < MAPDRV_LEVEL_PTE ? level_name[k->level] : "");
	fprintf(f, "<div class=\"meet%s\">PFN 0x%llx <small>(physical address 0x%llx)</small>"
		"<br><small>%s</small><br>vmalloc_to_page(): PFN 0x%llx <small>%s</small></div>\n"
		"</div>\n", meet ? "" : " bad", (unsigned long long)k->pfn,
		(unsigned long long)k->pfn * (unsigned long long)r->page_size, flags,
		(unsigned long long)k->vmalloc_to_page_pfn,
		k->vmalloc_to_page_pfn == k->pfn ? "agrees with the walk" : "DISAGREES with the walk");
}

/* --- facts and notes, from the --json object ---------------------------- */

static void json_html(FILE *f, struct json_object *o);

static void json_object_html(FILE *f, struct json_object *o)
{
	struct json_object_iter it;

	fputs("<table>\n", f);
	json_object_object_foreachC(o, it) {
		fputs("<tr><th>", f);
		html_esc(f, it.key);
		fputs("</th><td>", f);
		json_html(f, it.val);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Rows that share the first one's keys (free's columns): one table. */
static void json_rows_html(FILE *f, struct json_object *a)
{
	struct json_object *first = json_object_array_get_idx(a, 0);
	struct json_object_iter it;

	fputs("<table>\n<tr>", f);
	json_object_object_foreachC(first, it) {
		fputs("<th>", f);
		html_esc(f, it.key);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *row = json_object_array_get_idx(a, i);

		fputs("<tr>", f);
		json_object_object_foreachC(first, it) {
			struct json_object *v = NULL;

			json_object_object_get_ex(row, it.key, &v);
			fputs("<td>", f);
			json_html(f, v);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Any JSON value as HTML, nested as the JSON nests it. */
static void json_html(FILE *f, struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_object:
		json_object_html(f, o);
		break;
	case json_type_array:
		if (json_object_is_type(json_object_array_get_idx(o, 0), json_type_object)) {
			json_rows_html(f, o);
			break;
		}
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			fputs(i ? ", " : "", f);
			json_html(f, json_object_array_get_idx(o, i));
		}
		break;
	case json_type_int:
		fputs(json_object_get_string(o), f);
		/* Past 32 bits it is an address (brk, a block): hex, as maps shows it. */
		if (json_object_get_uint64(o) > 0xffffffffULL)
			fprintf(f, " <span class=\"hex\">(0x%llx)</span>",
				(unsigned long long)json_object_get_uint64(o));
		break;
	default:	/* null, booleans, strings, doubles: as JSON prints them */
		html_esc(f, o ? json_object_get_string(o) : "null");
		break;
	}
}

static void html_facts(FILE *f, struct json_object *root)
{
	struct json_object *facts = NULL, *notes = NULL;
	size_t n;

	json_object_object_get_ex(root, "facts", &facts);
	json_object_object_get_ex(root, "notes", &notes);
	fputs("<section id=\"facts\">\n<h2>What the lesson found</h2>\n", f);
	json_html(f, facts);
	fputs("</section>\n<section id=\"notes\">\n<h2>Where this machine differs "
	      "from the textbook</h2>\n", f);
	n = json_object_array_length(notes);
	if (!n)
		fputs("<p>Nowhere: it behaved as the textbook says.</p>\n", f);
	fputs(n ? "<ul>\n" : "", f);
	for (size_t i = 0; i < n; i++) {
		fputs("<li>", f);
		html_esc(f, json_object_get_string(json_object_array_get_idx(notes, i)));
		fputs("</li>\n", f);
	}
	fputs(n ? "</ul>\n" : "", f);
	fputs("</section>\n", f);
}

/*
 * The JSON, for programs.  Inside <script> only "</" can end the element
 * early (and "<!--" start an escaped state): both occur only in strings,
 * where "<\/" and "\u003c" mean the same to a JSON parser.
 */
static void html_json(FILE *f, struct json_object *root)
{
	const char *p = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	fputs("<script type=\"application/json\" id=\"mapview-data\">", f);
	for (; *p; p++) {
		if (p[0] == '<' && p[1] == '/') {
			fputs("<\\/", f);
			p++;
		} else if (!strncmp(p, "<!--", 4)) {
			fputs("\\u003c", f);
		} else {
			fputc(*p, f);
		}
	}
	fputs("</script>\n", f);
}

static void html_page(FILE *f, const struct run *r)
{
	struct json_object *root = report_json_object(r);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>mapview: lesson ", f);
	html_esc(f, r->lesson->name);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>mapview: lesson ", css);
	html_esc(f, r->lesson->name);
	fputs("</h1>\n<p class=\"sub\">", f);
	html_esc(f, r->lesson->summary);
	fprintf(f, "<br>pid %d (%s), pages of %ld bytes", (int)r->pid,
		r->subject ? "a fresh process" : "mapview itself", r->page_size);
	if (r->have_info) {
		fputs("; ", f);
		html_esc(f, r->device);
		fprintf(f, ": %llu pages, map=%s", (unsigned long long)r->info.pages,
			map_mode_name(r->info.map_mode));
	}
	fputs("</p>\n<main>\n<div>\n", f);
	if (r->nsteps)
		html_space(f, r);
	fputs("</div>\n<div>\n", f);
	html_chart(f, r);
	if (r->have_walk)
		html_walk(f, r);
	html_facts(f, root);
	fputs("</div>\n</main>\n", f);
	html_json(f, root);
	fputs("</body>\n</html>\n", f);
	json_object_put(root);
}

int report_html(const struct run *r, const char *path)
{
	const char *base = strrchr(path, '/');
	int dirlen = base ? (int)(base - path + 1) : 0;
	char tmp[PATH_MAX];
	mode_t mask;
	FILE *f;
	int fd, err = 0;

	/* A temporary file beside @path, renamed over it when complete. */
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", dirlen, path,
		     base ? base + 1 : path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	/* mkstemp() makes it 0600; give it what open(O_CREAT, 0666) would. */
	mask = umask(0);
	umask(mask);
	f = fchmod(fd, 0666 & ~mask) ? NULL : fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	html_page(f, r);
	/* A full disk shows at the flush; fsync so the rename never wins. */
	if (fflush(f) || ferror(f) || fsync(fd))
		err = errno ? errno : EIO;
	if (fclose(f) && !err)
		err = errno;
	if (!err && !rename(tmp, path))
		return 0;
	if (!err)
		err = errno;
fail:
	unlink(tmp);
	errno = err;
	return -1;
}
