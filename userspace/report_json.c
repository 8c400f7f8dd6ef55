// SPDX-License-Identifier: GPL-2.0
/*
 * mapview --json: the run as one object (schema in mapview(1)), built
 * with json-c so that escaping and nesting are the library's business.
 */
#include <json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lesson.h"

static void add_int(struct json_object *o, const char *key, long long v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* A value /proc did not have is null, never a made-up number. */
static void add_kb(struct json_object *o, const char *key, long v)
{
	json_object_object_add(o, key, v < 0 ? NULL : json_object_new_int64(v));
}

static struct json_object *maps_line(const struct maps_entry *m)
{
	char buf[512];

	maps_format(m, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* smaps' sizes; smaps_rollup has no Size (the sum would mean nothing). */
static struct json_object *smaps_fields(const struct smaps_entry *e, bool size)
{
	struct json_object *o = json_object_new_object();

#define SMAPS_JSON(field, name)				\
	if (size || strcmp(name, "Size"))		\
		add_kb(o, name, e->field);
	SMAPS_FIELDS(SMAPS_JSON)
#undef SMAPS_JSON
	return o;
}

static struct json_object *smaps_object(const struct smaps_entry *e)
{
	struct json_object *o = smaps_fields(e, true);

	json_object_object_add(o, "VmFlags", json_object_new_string(e->vmflags));
	return o;
}

static struct json_object *step_object(const struct run *r, int i)
{
	const struct snapshot *s = &r->step[i];
	struct json_object *o = json_object_new_object();
	struct json_object *maps = json_object_new_array();
	struct json_object *mi = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(s->name));
	add_kb(o, "vsz_kb", s->status.vm_size);
	add_kb(o, "rss_kb", s->status.vm_rss);
	add_kb(o, "rss_anon_kb", s->status.rss_anon);
	add_kb(o, "rss_file_kb", s->status.rss_file);
	add_kb(o, "rss_shmem_kb", s->status.rss_shmem);
	add_int(o, "minflt", s->minflt);
	json_object_object_add(o, "module_faults", s->module_faults < 0 ? NULL :
			       json_object_new_int64(s->module_faults));
	json_object_object_add(o, "module_mapped", s->module_mapped < 0 ? NULL :
			       json_object_new_int64(s->module_mapped));
	for (int m = 0; m < s->nmaps; m++)
		if (run_marks(r, &s->maps[m]))
			json_object_array_add(maps, maps_line(&s->maps[m]));
	json_object_object_add(o, "maps", maps);
	/* "smaps" for the first watched mapping, "smaps_NAME" for others. */
	for (int w = 0; w < SNAP_WATCH; w++) {
		const char *name = r->lesson->watch_name[w];
		char key[32];

		if (!name)
			continue;
		snprintf(key, sizeof(key), *name ? "smaps_%s" : "smaps", name);
		json_object_object_add(o, key, s->has_watch[w] ?
				       smaps_object(&s->watch[w]) : NULL);
	}
	/* A lesson that watches no mapping: "smaps" is there, null. */
	if (!r->lesson->watch_name[0])
		json_object_object_add(o, "smaps", NULL);
	json_object_object_add(o, "smaps_rollup", s->has_rollup ?
			       smaps_fields(&s->rollup, false) : NULL);
	for (int m = 0; m < s->meminfo.n; m++)
		add_int(mi, s->meminfo.field[m].name, s->meminfo.field[m].kb);
	json_object_object_add(o, "meminfo", mi);
	return o;
}

static struct json_object *frame_object(const struct frame *f, bool hidden)
{
	struct json_object *o = json_object_new_object();

	add_int(o, "page", f->page);
	add_int(o, "user_addr", f->user_addr);
	/* Hidden PFNs are null: the kernel showed 0, which is no data. */
	json_object_object_add(o, "user_pfn", hidden ? NULL :
			       json_object_new_int64(f->user.pfn));
	json_object_object_add(o, "kernel_pfn", hidden ? NULL :
			       json_object_new_int64(f->kernel_pfn));
	json_object_object_add(o, "match", hidden ? NULL :
			       json_object_new_boolean(f->match));
	return o;
}

/* Raw entries and registers: all 64 bits, never a negative number. */
static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *walk_object(const struct walk_report *w)
{
	const struct mapdrv_walk_info *k = &w->kernel;
	struct json_object *o = json_object_new_object();
	struct json_object *levels = json_object_new_array();
	char flags[128];

	add_int(o, "page", k->page);
	json_object_object_add(o, "arch", json_object_new_string(arch_name(k->arch)));
	add_int(o, "pgtable_levels", k->pgtable_levels);
	add_u64(o, "kernel_addr", k->kaddr);
	add_int(o, "root", k->root);
	json_object_object_add(o, "ttbr1", k->arch == MAPDRV_ARCH_ARM64 ?
			       json_object_new_uint64(k->ttbr1) : NULL);
	for (unsigned int l = 0; l <= k->level && l < MAPDRV_LEVELS; l++) {
		struct json_object *lv = json_object_new_object();
		bool folded = k->folded & (1U << l);

		json_object_object_add(lv, "level", json_object_new_string(level_name[l]));
		json_object_object_add(lv, "folded", json_object_new_boolean(folded));
		json_object_array_add(levels, lv);
		if (folded)
			continue;	/* no table, so no entry: nothing to show */
		add_int(lv, "index", k->index[l]);
		add_int(lv, "user_index", w->user_index[l]);
		add_u64(lv, "entry", k->entry[l]);
		add_int(lv, "pfn", k->next_pfn[l]);
		entry_flags(k->arch, l, k->entry[l], flags, sizeof(flags));
		json_object_object_add(lv, "flags", json_object_new_string(flags));
	}
	json_object_object_add(o, "levels", levels);
	json_object_object_add(o, "found", json_object_new_boolean(k->found));
	json_object_object_add(o, "leaf", json_object_new_string(level_name[k->level]));
	add_int(o, "pfn", k->pfn);
	add_int(o, "vmalloc_to_page_pfn", k->vmalloc_to_page_pfn);
	add_u64(o, "page_ptr", k->page_ptr);
	add_u64(o, "vmalloc_to_page_ptr", k->vmalloc_to_page_ptr);
	add_int(o, "user_addr", w->user_addr);
	add_u64(o, "pagemap_entry", w->user_raw);
	add_int(o, "user_pfn", w->user.pfn);
	return o;
}

/* The device lesson's own keys, as before there were lessons. */
static void add_device(struct json_object *root, const struct run *r)
{
	struct json_object *frames = json_object_new_array();
	struct json_object *mod = json_object_new_object();

	json_object_object_add(root, "device", json_object_new_string(r->device));
	add_int(root, "pages", r->info.pages);
	add_int(root, "touched", r->touch);
	json_object_object_add(root, "map_mode", json_object_new_string(map_mode_name(r->info.map_mode)));
	add_int(root, "window", r->info.window);
	json_object_object_add(mod, "version", json_object_new_string(r->module.version));
	json_object_object_add(mod, "srcversion", json_object_new_string(r->module.srcversion));
	json_object_object_add(mod, "params", json_object_new_string(r->module.params));
	add_int(mod, "refcnt", r->module.refcnt);
	json_object_object_add(root, "module", mod);
	if (r->have_vmalloc) {
		struct json_object *v = json_object_new_object();

		add_int(v, "size", r->vmalloc.size);
		add_int(v, "pages", r->vmalloc.pages);
		json_object_object_add(v, "caller", json_object_new_string(r->vmalloc.caller));
		json_object_object_add(root, "vmallocinfo", v);
	}
	json_object_object_add(root, "pfns_hidden", json_object_new_boolean(r->pfns_hidden));
	for (int i = 0; i < r->frames.n; i++)
		json_object_array_add(frames, frame_object(&r->frames.frame[i],
							   r->pfns_hidden));
	json_object_object_add(root, "frames", frames);
	if (r->have_private_frame)
		json_object_object_add(root, "private_frame",
				       frame_object(&r->private_frame, r->pfns_hidden));
	if (r->have_walk)
		json_object_object_add(root, "walk", walk_object(&r->walk));
}

struct json_object *report_json_object(const struct run *r)
{
	struct json_object *root = json_object_new_object();
	struct json_object *steps = json_object_new_array();
	struct json_object *notes = json_object_new_array();

	json_object_object_add(root, "lesson", json_object_new_string(r->lesson->name));
	add_int(root, "pid", r->pid);
	json_object_object_add(root, "process", json_object_new_string(r->subject ?
			       "subject" : "mapview"));
	add_int(root, "page_size", r->page_size);
	if (r->have_info)
		add_device(root, r);
	for (int i = 0; i < r->nsteps; i++)
		json_object_array_add(steps, step_object(r, i));
	json_object_object_add(root, "steps", steps);
	json_object_object_add(root, "facts", r->lesson->facts_json ?
			       r->lesson->facts_json(r) : json_object_new_object());
	for (int i = 0; i < r->nnotes; i++)
		json_object_array_add(notes, json_object_new_string(r->note[i]));
	json_object_object_add(root, "notes", notes);
	return root;
}

int report_json(const struct run *r)
{
	struct json_object *root = report_json_object(r);
	int ret;

	ret = puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return ret < 0 ? -1 : 0;
}
