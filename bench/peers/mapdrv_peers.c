// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv_peers: a vmalloc'd buffer mapped the ways other drivers map
 * theirs, for mapdrv_bench to time mapdrv against.  Built for the
 * benchmark's VM only, never installed.
 *
 * One device, /dev/mapdrv_peer, whose buffer is marked like mapdrv's
 * ("mapdrv page i" at the start of page i, the rest zero) and mapped the
 * way peer= says:
 *
 *  remap_vmalloc_range    remap_vmalloc_range() in .mmap, as the BPF ring
 *                         buffer and videobuf2-vmalloc do; the buffer
 *                         comes from vmalloc_user(), which it requires
 *                         (VM_USERMAP).
 *  vm_insert_page         one vm_insert_page() per page in .mmap, each
 *                         found by vmalloc_to_page(), as kcov does.
 *  fault-vmalloc_to_page  a .fault handler that hands the core the page
 *                         vmalloc_to_page() finds, one page per fault, as
 *                         relay and LDD3's scullv do.
 *
 * Each does what its model does and nothing more: no counters, no
 * cross-check, so that mapdrv is timed against the plain way.
 *
 * Shared state: the buffer (peer_buf, peer_pages, peer_mode) is written
 * in init before misc_register() and freed in exit after
 * misc_deregister(), and only read in between.  The module cannot go
 * while a file or a mapping of the device exists: the fops' owner holds
 * it, and a mapping holds its file.  So no lock is needed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "mapdrv_compat.h"	/* mapdrv's: vm_flags_set() before 6.3 */
#include "mapdrv_uapi.h"
#include "mapdrv_peers.h"

static unsigned int pages = 1024;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "Buffer size in pages (default 1024, at most half of RAM)");

static char *peer = MAPDRV_PEER_NAME_FAULT;
module_param(peer, charp, 0444);
MODULE_PARM_DESC(peer, "How the buffer is mapped: " MAPDRV_PEER_NAME_LIST
		 " (default " MAPDRV_PEER_NAME_FAULT ")");

static const char * const peer_names[] = MAPDRV_PEER_NAMES;

static void *peer_buf;
static unsigned long peer_pages;
static enum mapdrv_peer_mode peer_mode;

/* Whether @npages pages from page @pgoff lie inside the buffer. */
static bool peer_range_fits(unsigned long pgoff, unsigned long npages)
{
	return pgoff < peer_pages && npages <= peer_pages - pgoff;
}

static vm_fault_t peer_fault(struct vm_fault *vmf)
{
	struct page *page;

	if (vmf->pgoff >= peer_pages)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page(peer_buf + (vmf->pgoff << PAGE_SHIFT));
	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct peer_vm_ops = {
	.fault = peer_fault,
};

/* kcov's way: every page now, under the mmap_lock .mmap is called with. */
static int peer_insert_pages(struct vm_area_struct *vma)
{
	unsigned long i, addr = vma->vm_start;
	void *kaddr = peer_buf + (vma->vm_pgoff << PAGE_SHIFT);
	int ret;

	for (i = 0; i < vma_pages(vma); i++, addr += PAGE_SIZE) {
		ret = vm_insert_page(vma, addr,
				     vmalloc_to_page(kaddr + i * PAGE_SIZE));
		if (ret)
			return ret;
	}
	return 0;
}

static int peer_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!peer_range_fits(vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;

	switch (peer_mode) {
	case MAPDRV_PEER_REMAP_VMALLOC_RANGE:
		/* Checks the range again, sets VM_DONTEXPAND | VM_DONTDUMP. */
		return remap_vmalloc_range(vma, peer_buf, vma->vm_pgoff);
	case MAPDRV_PEER_VM_INSERT_PAGE:
		vm_flags_set(vma, VM_DONTEXPAND);
		return peer_insert_pages(vma);
	default:
		vm_flags_set(vma, VM_DONTEXPAND);
		vma->vm_ops = &peer_vm_ops;
		return 0;
	}
}

static const struct file_operations peer_fops = {
	.owner = THIS_MODULE,
	.mmap = peer_mmap,
};

static struct miscdevice peer_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mapdrv_peer",
	.fops = &peer_fops,
	.mode = 0600,
};

static int __init peer_init(void)
{
	unsigned long i;
	int ret;

	ret = match_string(peer_names, ARRAY_SIZE(peer_names), peer);
	if (ret < 0) {
		pr_err("peer=%s: not one of " MAPDRV_PEER_NAME_LIST "\n", peer);
		return -EINVAL;
	}
	peer_mode = ret;
	if (!pages || pages > totalram_pages() / 2) {
		pr_err("pages=%u: must be 1 to half of RAM\n", pages);
		return -EINVAL;
	}

	peer_pages = pages;
	/* vmalloc_user() zeroes too, and sets VM_USERMAP for remapping. */
	if (peer_mode == MAPDRV_PEER_REMAP_VMALLOC_RANGE)
		peer_buf = vmalloc_user(peer_pages << PAGE_SHIFT);
	else
		peer_buf = vzalloc(peer_pages << PAGE_SHIFT);
	if (!peer_buf)
		return -ENOMEM;
	for (i = 0; i < peer_pages; i++)
		snprintf(peer_buf + (i << PAGE_SHIFT), PAGE_SIZE,
			 MAPDRV_MARKER_FMT, i);

	ret = misc_register(&peer_misc);
	if (ret)
		goto err_free;
	pr_info("%lu pages, peer=%s\n", peer_pages, peer_names[peer_mode]);
	return 0;

err_free:
	vfree(peer_buf);
	peer_buf = NULL;
	return ret;
}

static void __exit peer_exit(void)
{
	misc_deregister(&peer_misc);
	vfree(peer_buf);
}

module_init(peer_init);
module_exit(peer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mapdrv's benchmark peers: a vmalloc'd buffer mapped the ways other drivers do");
