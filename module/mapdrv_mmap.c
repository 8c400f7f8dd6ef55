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
 *  premap       mmap maps the whole range, in batches; a fault happens
 *               only after something unmapped pages (MADV_DONTNEED).
 *
 * faultaround and premap insert pages with vm_insert_pages(), which
 * needs VM_MIXEDMAP on the vma.  Every page is still found by the walk
 * and checked against vmalloc_to_page().  In every mode the pages stay
 * ordinary pages (no VM_IO, VM_PFNMAP or PG_reserved): they count in
 * RSS, get_user_pages() works on them and COW is the kernel's own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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
 * vmalloc_to_page() gives NULL, and a rate-limited warning.
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

static const struct vm_operations_struct mapdrv_vm_ops = {
	.fault = mapdrv_fault,
};

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

/*
 * On an error the mm core unmaps whatever premap mapped already, so a
 * failed mmap() leaves nothing behind.
 */
int mapdrv_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);

	/* Written so that no sum can overflow: offset first, then length. */
	if (vma->vm_pgoff >= mapdrv_buf.pages ||
	    npages > mapdrv_buf.pages - vma->vm_pgoff)
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
