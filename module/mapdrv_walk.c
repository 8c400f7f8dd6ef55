// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: find the struct page behind a vmalloc address by walking the
 * page tables by hand, pgd -> p4d -> pud -> pmd -> pte, the way the MMU
 * does.  vmalloc_to_page() does the same; mapdrv_fault() cross-checks
 * the two.
 *
 * The walk starts from a process's mm, not from init_mm: init_mm is not
 * exported to modules, and on x86_64 the kernel half of every pgd shares
 * the vmalloc area's entries (they are preallocated at boot), so any live
 * mm reaches the same tables.  (On arm64 kernel addresses live in TTBR1,
 * outside mm->pgd; there only vmalloc_to_page() would do.)
 *
 * No lock is taken: the buffer's page tables exist as long as the buffer,
 * and the buffer lives as long as the module, which a mapping pins.  Each
 * entry is still read once (READ_ONCE/ptep_get) so that a test and the use
 * of an entry see the same value.
 *
 * At every level the order is: none (hole), then leaf (a huge mapping:
 * pick the sub-page), then bad.  The order matters: x86's pud_bad() and
 * pmd_bad() are true for a leaf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/string.h>

#include "mapdrv.h"

/* Record what the walk read at @level, if the caller asked to see it. */
static inline void note(struct mapdrv_walk *w, unsigned int level, u64 entry)
{
	if (w) {
		w->level = level;
		w->entry[level] = entry;
	}
}

/* The page @addr falls in, inside a leaf that maps @pfn at its start. */
static struct page *leaf_page(unsigned long pfn, unsigned long addr,
			      unsigned long leaf_mask)
{
	return pfn_to_page(pfn + ((addr & ~leaf_mask) >> PAGE_SHIFT));
}

/*
 * Walk to the page behind @addr, an address inside the buffer.  @w, when
 * not NULL, records each entry read, pgd first, and the level where the
 * walk stopped: at the page's PTE or leaf, or at the hole.  The fault
 * path passes NULL unless the buffer may have huge leaves, the only case
 * where it needs to know the level.  NULL for a hole, a bad entry or an
 * address outside the buffer.
 */
struct page *mapdrv_walk(struct mm_struct *mm, unsigned long addr,
			 struct mapdrv_walk *w)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;

	if (w)
		memset(w, 0, sizeof(*w));
	/* The buffer's pages only: the walk trusts no other address. */
	if (addr - (unsigned long)mapdrv_buf.vaddr >= mapdrv_buf.size)
		return NULL;

	/* vmalloc maps no leaves above the PUD level: none or bad is a hole. */
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	note(w, MAPDRV_LEVEL_PGD, pgd_val(pgd));
	if (pgd_none(pgd) || pgd_bad(pgd))
		return NULL;

	/* With 4-level paging the p4d is folded into the pgd. */
	p4dp = p4d_offset(pgdp, addr);
	p4d = READ_ONCE(*p4dp);
	note(w, MAPDRV_LEVEL_P4D, p4d_val(p4d));
	if (p4d_none(p4d) || p4d_leaf(p4d) || p4d_bad(p4d))
		return NULL;

	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	note(w, MAPDRV_LEVEL_PUD, pud_val(pud));
	if (pud_none(pud))
		return NULL;
	if (pud_leaf(pud))
		return leaf_page(pud_pfn(pud), addr, PUD_MASK);
	if (pud_bad(pud))
		return NULL;

	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	note(w, MAPDRV_LEVEL_PMD, pmd_val(pmd));
	if (pmd_none(pmd))
		return NULL;
	if (pmd_leaf(pmd))	/* vmalloc_huge: a 2 MiB mapping */
		return leaf_page(pmd_pfn(pmd), addr, PMD_MASK);
	if (pmd_bad(pmd))
		return NULL;

	/* pte_offset_kernel, not pte_offset_map: 6.12 exports no helper. */
	ptep = pte_offset_kernel(pmdp, addr);
	pte = ptep_get(ptep);
	note(w, MAPDRV_LEVEL_PTE, pte_val(pte));
	if (!pte_present(pte))
		return NULL;
	return pte_page(pte);
}
