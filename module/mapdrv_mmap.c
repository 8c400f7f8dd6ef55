// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: mmap of /dev/mapdrv, and the three ways its pages reach user
 * space (the module parameter map=):
 *
 *  fault        mmap only checks the request and installs the
 *               vm_operations; no page is mapped until user space
 *               touches it (demand paging).  The fault handler finds the
 *               page by walking the kernel page tables (mapdrv_walk.c)
 *               and hands it to the core with a reference, which then
 *               maps it, or copies it for a MAP_PRIVATE write (COW).
 *               One page per fault: the textbook path, and the default.
 *  faultaround  a read fault maps the aligned window of MAPDRV_WINDOW
 *               pages around the faulting one in one go, as the page
 *               cache does for files (fault_around_bytes, 64 KiB).
 *  premap       mmap() maps the whole range before it returns; a fault
 *               happens only after something unmapped pages
 *               (MADV_DONTNEED).
 *
 * faultaround and premap insert pages with vm_insert_pages(), which
 * needs VM_MIXEDMAP on the vma.  Every page is still found by the walk
 * and checked against vmalloc_to_page().  In every mode the pages stay
 * ordinary pages (no VM_IO, VM_PFNMAP or PG_reserved): they count in
 * RSS, get_user_pages() works on them and COW is the kernel's own.
 *
 * Two hooks, one per kernel.  .mmap hands the driver a vma the core has
 * half built; 6.16 deprecated it for .mmap_prepare, which only fills in
 * the description of the vma to come and leaves the rest to the core.
 * A driver offers one or the other: with both, mmap() warns and fails.
 * Kbuild picks .mmap_prepare where the core can also map premap's pages
 * for it (mmap_action_map_kernel_pages(), from 7.1), .mmap elsewhere.
 * Checks, flags, vm_operations and counters are the same either way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mapdrv.h"
#include "mapdrv_compat.h"

/* Pages premap hands to one vm_insert_pages() call: 512 bytes of stack. */
#define MAPDRV_BATCH	64
static_assert(MAPDRV_BATCH <= BITS_PER_LONG && MAPDRV_WINDOW <= MAPDRV_BATCH);

/* Pages looked up for one vm_insert_pages() call. */
struct mapdrv_batch {
	struct page *page[MAPDRV_BATCH];
	unsigned long leaves;		/* bit i: page[i] is in a huge leaf */
	unsigned int count;
};

/*
 * Buffer page @pgoff, found by the page-table walk from @mm.  Never a
 * page the walk is unsure of: a hole or a disagreement with
 * vmalloc_to_page() gives NULL, and a rate-limited warning.  @pgoff must
 * be inside the buffer, as the walk trusts its address: every caller
 * checks it or stays within a range already checked.
 */
static struct page *mapdrv_lookup(struct mm_struct *mm, unsigned long pgoff,
				  bool *leaf)
{
	unsigned long kaddr = (unsigned long)mapdrv_buf.vaddr +
			      (pgoff << PAGE_SHIFT);
	struct page *page, *expected;
	struct mapdrv_walk walk;

	/* Without huge leaves every walk ends at a PTE: no record needed. */
	page = mapdrv_walk(mm, kaddr, mapdrv_buf.huge ? &walk : NULL);
	expected = vmalloc_to_page((void *)kaddr);
	if (!page || page != expected) {
		pr_warn_ratelimited("page %lu: the page-table walk %s vmalloc_to_page(); refusing to map it\n",
				    pgoff, page ? "disagrees with" : "found a hole unlike");
		return NULL;
	}
	*leaf = mapdrv_buf.huge && walk.level != MAPDRV_LEVEL_PTE;
	return page;
}

static void mapdrv_count_mapped(unsigned long pages, unsigned long leaves)
{
	atomic64_add(pages, &mapdrv_buf.mapped);
	atomic64_add(leaves, &mapdrv_buf.leaf_pages);
}

/* Look up @count (at most MAPDRV_BATCH) pages from @pgoff into @b. */
static int mapdrv_batch_fill(struct mapdrv_batch *b, struct mm_struct *mm,
			     unsigned long pgoff, unsigned int count)
{
	bool leaf;

	b->count = 0;
	b->leaves = 0;
	while (b->count < count) {
		b->page[b->count] = mapdrv_lookup(mm, pgoff + b->count, &leaf);
		if (!b->page[b->count])
			return -EFAULT;
		if (leaf)
			__set_bit(b->count, &b->leaves);
		b->count++;
	}
	return 0;
}

/*
 * Map the batch at @addr.  vm_insert_pages() stops at the first page it
 * cannot map; one already mapped (-EBUSY: it was faulted in before, or
 * is a private copy) is left as it is and the rest still go in.
 */
static int mapdrv_batch_insert(struct mapdrv_batch *b,
			       struct vm_area_struct *vma, unsigned long addr)
{
	unsigned int i = 0, done;
	unsigned long left;
	int ret;

	while (i < b->count) {
		left = b->count - i;
		ret = vm_insert_pages(vma, addr + ((unsigned long)i << PAGE_SHIFT),
				      &b->page[i], &left);
		done = b->count - i - left;
		mapdrv_count_mapped(done, done ?
				    hweight_long(b->leaves &
						 GENMASK(i + done - 1, i)) : 0);
		i += done;
		if (!ret)
			break;
		if (ret != -EBUSY)
			return ret;
		i++;
	}
	return 0;
}

/* The textbook path: one page, mapped by the core. */
static vm_fault_t mapdrv_fault_one(struct vm_fault *vmf)
{
	struct page *page;
	bool leaf;

	page = mapdrv_lookup(vmf->vma->vm_mm, vmf->pgoff, &leaf);
	if (!page)
		return VM_FAULT_SIGBUS;

	/* The reference passes to the PTE (or is dropped after a COW copy). */
	get_page(page);
	vmf->page = page;
	mapdrv_count_mapped(1, leaf);
	return 0;
}

/*
 * faultaround: the aligned window of MAPDRV_WINDOW pages holding the
 * faulting address, cut to the vma.  Aligned on the virtual address so
 * that a window never straddles two page tables.
 */
static vm_fault_t mapdrv_fault_around(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long span = MAPDRV_WINDOW << PAGE_SHIFT;
	unsigned long window = ALIGN_DOWN(vmf->address, span);
	unsigned long start, end, first;
	struct mapdrv_batch b;
	int ret;

	start = max(window, vma->vm_start);
	end = min(window + span, vma->vm_end);
	first = vmf->pgoff - ((vmf->address - start) >> PAGE_SHIFT);
	/* The vma is inside the buffer (mapdrv_mmap); stay there anyway. */
	end = min(end, start + ((mapdrv_buf.pages - first) << PAGE_SHIFT));

	/* A neighbour the walk is unsure of: map the faulting page alone. */
	if (mapdrv_batch_fill(&b, vma->vm_mm, first,
			      (end - start) >> PAGE_SHIFT))
		return mapdrv_fault_one(vmf);

	ret = mapdrv_batch_insert(&b, vma, start);
	if (ret)
		return vmf_error(ret);
	/* The faulting page's PTE is in place: nothing left for the core. */
	return VM_FAULT_NOPAGE;
}

static vm_fault_t mapdrv_fault(struct vm_fault *vmf)
{
	bool cow = (vmf->flags & FAULT_FLAG_WRITE) &&
		   !(vmf->vma->vm_flags & VM_SHARED);

	/* mmap checked the range; a fault past the buffer is still SIGBUS. */
	if (vmf->pgoff >= mapdrv_buf.pages)
		return VM_FAULT_SIGBUS;
	atomic64_inc(&mapdrv_buf.faults);

	/*
	 * A private write needs the page handed to the core, which copies
	 * it: an inserted page would only be write-faulted again.
	 */
	if (mapdrv_buf.map_mode == MAPDRV_MAP_FAULTAROUND && !cow)
		return mapdrv_fault_around(vmf);
	return mapdrv_fault_one(vmf);
}

/*
 * ->map_pages maps what it can without sleeping, before ->fault: the
 * page cache's fault-around.  Ours maps nothing, since each page comes
 * from the walk in mapdrv_fault().  Its presence is what the core reads
 * as ".fault is safe under the vma's own lock" (vmf_can_call_fault(),
 * 6.7 on): without it every fault is tried under the per-vma lock, given
 * up and retried under mmap_lock -- measured on 6.12, 2264 calls of
 * handle_mm_fault() for 1024 pages, against shmem's 1244.  mapdrv_fault()
 * needs no more than the vma's lock: it reads only the vma and the
 * buffer, and faultaround's vm_insert_pages() finds VM_MIXEDMAP set
 * already (mmap sets it) and takes the page table lock itself.
 */
static vm_fault_t mapdrv_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				   pgoff_t end_pgoff)
{
	return 0;
}

static const struct vm_operations_struct mapdrv_vm_ops = {
	.fault = mapdrv_fault,
	.map_pages = mapdrv_map_pages,
};

/*
 * Whether @npages pages from page @pgoff lie inside the buffer.  Written
 * so that no sum can overflow: offset first, then length.
 */
static bool mapdrv_range_fits(unsigned long pgoff, unsigned long npages)
{
	return pgoff < mapdrv_buf.pages && npages <= mapdrv_buf.pages - pgoff;
}

#ifdef MAPDRV_HAVE_MMAP_PREPARE
/*
 * premap under .mmap_prepare.  The hook cannot map anything: the vma does
 * not exist yet.  It names the pages instead, in an array the core maps
 * from once the vma exists, after the hook has returned.  An array made
 * per mmap() could not be freed on every path: vm_ops->mapped runs only
 * on success, and if the core fails before the vma exists, no callback
 * runs at all.  So the walk looks up every page once, at load, into an
 * array that lives as long as the buffer, and each mmap() hands the core
 * its slice.
 */
static struct page **mapdrv_premap_pages;	/* NULL: the walk refused it */
static unsigned long *mapdrv_premap_leaves;	/* bit i: page i in a huge leaf */

/**
 * mapdrv_premap_exit() - free what mapdrv_premap_init() looked up
 *
 * Safe to call when nothing was allocated.
 */
void mapdrv_premap_exit(void)
{
	bitmap_free(mapdrv_premap_leaves);
	mapdrv_premap_leaves = NULL;
	kvfree(mapdrv_premap_pages);
	mapdrv_premap_pages = NULL;
}

/**
 * mapdrv_premap_init() - find every page of the buffer for premap
 *
 * In map=premap only: each page by the walk, cross-checked with
 * vmalloc_to_page() (mapdrv_lookup()), before any user can map it.  Runs
 * at load, in the process that loads the module: on x86_64 the walk
 * starts from its mm, whose kernel half maps the buffer as every mm's.
 *
 * Return: 0, or -ENOMEM.
 */
int mapdrv_premap_init(void)
{
	unsigned long i;
	struct page *page;
	bool leaf;

	if (mapdrv_buf.map_mode != MAPDRV_MAP_PREMAP)
		return 0;
	/* x86_64's walk starts from the loader's mm: a kernel thread has none. */
	if (!current->mm)
		return -EINVAL;

	mapdrv_premap_pages = kvmalloc_array(mapdrv_buf.pages,
					     sizeof(*mapdrv_premap_pages),
					     GFP_KERNEL);
	if (!mapdrv_premap_pages)
		return -ENOMEM;
	mapdrv_premap_leaves = bitmap_zalloc(mapdrv_buf.pages, GFP_KERNEL);
	if (!mapdrv_premap_leaves)
		goto err_pages;

	for (i = 0; i < mapdrv_buf.pages; i++) {
		/* A refused page stays NULL: mmap refuses to map it. */
		page = mapdrv_lookup(current->mm, i, &leaf);
		if (page && leaf)
			__set_bit(i, mapdrv_premap_leaves);
		mapdrv_premap_pages[i] = page;
		cond_resched();
	}
	return 0;

err_pages:
	kvfree(mapdrv_premap_pages);
	mapdrv_premap_pages = NULL;
	return -ENOMEM;
}

/*
 * vm_ops->mapped: the core calls it once the action has mapped the whole
 * new vma, never when mapping failed (the core then unmaps the vma and
 * mmap() fails): the counters count only pages that reached user space.
 */
static int mapdrv_premap_mapped(unsigned long start, unsigned long end,
				pgoff_t pgoff, const struct file *file,
				void **vm_private_data)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;

	mapdrv_count_mapped(npages, bitmap_weight_from(mapdrv_premap_leaves,
						       pgoff, pgoff + npages));
	return 0;
}

static const struct vm_operations_struct mapdrv_premap_vm_ops = {
	.fault = mapdrv_fault,
	.map_pages = mapdrv_map_pages,
	.mapped = mapdrv_premap_mapped,
};

/**
 * mapdrv_mmap_prepare() - describe a mapping of the buffer (.mmap_prepare)
 * @desc: the vma to come; the core builds it from this once we return
 *
 * What mapdrv_mmap() does, on a description: the same range check, flags
 * and fault handler.  premap asks the core to map the pages when the vma
 * exists (mmap_action_map_kernel_pages(): vm_insert_pages()'s engine);
 * if that fails, the core unmaps the vma, so a failed mmap() leaves no
 * mapping.  VM_DONTEXPAND also keeps the core from merging the vma into a
 * neighbour, which would skip the action.
 *
 * Return: 0, -EINVAL for a range outside the buffer, -EFAULT in premap if
 * the walk refused one of its pages.
 */
int mapdrv_mmap_prepare(struct vm_area_desc *desc)
{
	unsigned long i, npages = vma_desc_pages(desc);
	struct page **pages;

	if (!mapdrv_range_fits(desc->pgoff, npages))
		return -EINVAL;

	/* The buffer cannot grow, so neither may the mapping (mremap). */
	vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT);
	desc->vm_ops = &mapdrv_vm_ops;

	if (mapdrv_buf.map_mode == MAPDRV_MAP_FAULT)
		return 0;
	/* vm_insert_pages() from .fault needs this set beforehand. */
	vma_desc_set_flags(desc, VMA_MIXEDMAP_BIT);
	if (mapdrv_buf.map_mode != MAPDRV_MAP_PREMAP)
		return 0;

	pages = &mapdrv_premap_pages[desc->pgoff];
	for (i = 0; i < npages; i++)
		if (!pages[i])
			return -EFAULT;
	desc->vm_ops = &mapdrv_premap_vm_ops;
	mmap_action_map_kernel_pages_full(desc, pages);
	return 0;
}
#else
/* premap: every page of the vma, MAPDRV_BATCH pages a call. */
static int mapdrv_premap(struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma), done, count;
	struct mapdrv_batch b;
	int ret;

	for (done = 0; done < npages; done += count) {
		count = min(npages - done, (unsigned long)MAPDRV_BATCH);
		ret = mapdrv_batch_fill(&b, vma->vm_mm, vma->vm_pgoff + done,
					count);
		if (ret)
			return ret;
		ret = mapdrv_batch_insert(&b, vma,
					  vma->vm_start + (done << PAGE_SHIFT));
		if (ret)
			return ret;
		/* A 1 GiB buffer is 262144 pages: let others run, and ^C. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/**
 * mapdrv_mmap() - map the buffer (.mmap)
 * @file: /dev/mapdrv
 * @vma: the new vma, not yet visible to user space
 *
 * Checks the range, sets the flags and the fault handler; premap maps
 * every page here.  On an error the mm core unmaps whatever premap
 * mapped already, so a failed mmap() leaves nothing behind.
 *
 * Return: 0, -EINVAL for a range outside the buffer, or premap's error.
 */
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!mapdrv_range_fits(vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;

	/* The buffer cannot grow, so neither may the mapping (mremap). */
	vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &mapdrv_vm_ops;

	if (mapdrv_buf.map_mode == MAPDRV_MAP_FAULT)
		return 0;
	/* vm_insert_pages() from .fault needs this set beforehand. */
	vm_flags_set(vma, VM_MIXEDMAP);
	if (mapdrv_buf.map_mode == MAPDRV_MAP_PREMAP)
		return mapdrv_premap(vma);
	return 0;
}
#endif /* MAPDRV_HAVE_MMAP_PREPARE */
