// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: mmap of /dev/mapdrv, served page by page from .fault.
 *
 * mmap only checks the request and installs the vm_operations; no page
 * is mapped until user space touches it (demand paging).  The fault
 * handler finds the buffer's page by walking the kernel page tables
 * (mapdrv_walk.c) and hands it to the core with a reference, which then
 * maps it, or copies it for a MAP_PRIVATE write (copy-on-write).
 *
 * The pages stay ordinary pages (no VM_IO, VM_PFNMAP or PG_reserved), so
 * they count in RSS, get_user_pages() works on them and COW is the
 * kernel's own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "mapdrv.h"
#include "mapdrv_compat.h"

static vm_fault_t mapdrv_fault(struct vm_fault *vmf)
{
	unsigned long pgoff = vmf->pgoff;
	unsigned long kaddr;
	struct page *page, *expected;
	struct mapdrv_walk walk;

	/* mmap checked the range; a fault past the buffer is still SIGBUS. */
	if (pgoff >= mapdrv_buf.pages)
		return VM_FAULT_SIGBUS;

	kaddr = (unsigned long)mapdrv_buf.vaddr + (pgoff << PAGE_SHIFT);
	page = mapdrv_walk(vmf->vma->vm_mm, kaddr, &walk);
	expected = vmalloc_to_page((void *)kaddr);

	/*
	 * Never map a page the walk is unsure of.  VM_FAULT_NOPAGE without a
	 * PTE would refault forever, so a hole or a disagreement with
	 * vmalloc_to_page() is SIGBUS for the faulting process.
	 */
	if (!page || page != expected) {
		pr_warn_ratelimited("page %lu: the page-table walk %s vmalloc_to_page(); refusing the fault\n",
				    pgoff, page ? "disagrees with" : "found a hole unlike");
		return VM_FAULT_SIGBUS;
	}

	/* The reference passes to the PTE (or is dropped after a COW copy). */
	get_page(page);
	vmf->page = page;
	atomic64_inc(&mapdrv_buf.faults);
	if (walk.level != MAPDRV_LEVEL_PTE)
		atomic64_inc(&mapdrv_buf.leaf_faults);
	return 0;
}

static const struct vm_operations_struct mapdrv_vm_ops = {
	.fault = mapdrv_fault,
};

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
	return 0;
}
