// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: find the struct page behind a vmalloc address by walking the
 * page tables by hand, pgd -> p4d -> pud -> pmd -> pte, the way the MMU
 * does.  vmalloc_to_page() does the same; mapdrv_fault() cross-checks
 * the two.
 *
 * init_mm, which vmalloc_to_page() starts from, is not exported to
 * modules; so the walk starts from the root the MMU itself uses for
 * kernel addresses.  On x86_64 that is any process's pgd: the kernel half
 * of every pgd shares the vmalloc area's entries (preallocated at boot).
 * arm64 gives the kernel a root of its own, TTBR1_EL1, and keeps only
 * user space in mm->pgd (TTBR0).
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

#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/string.h>

#include "mapdrv.h"

#if !defined(CONFIG_X86_64) && !defined(CONFIG_ARM64)
#error "mapdrv walks the page tables of x86_64 and arm64 only"
#endif

#ifdef CONFIG_ARM64
#include <asm/sysreg.h>

/*
 * The kernel's root, from TTBR1_EL1: swapper_pg_dir is not exported.
 * Besides the table's address the register holds the ASID (bits 63:48)
 * and CnP (bit 0), whose macros 7.x renamed; with 52-bit PAs the address
 * bits 51:48 sit in bits 5:2 (the inverse of phys_to_ttbr()); and a
 * 52-bit VA kernel without LPA2 booted with 48 bits points TTBR1 into the
 * middle of its pgd (offset_ttbr1 in asm/assembler.h).
 */
static pgd_t *mapdrv_root(struct mm_struct *mm, struct mapdrv_walk *w)
{
	u64 ttbr = read_sysreg(ttbr1_el1);
	phys_addr_t pa = ttbr & GENMASK_ULL(47, 1);

	if (IS_ENABLED(CONFIG_ARM64_PA_BITS_52))
		pa = (pa & GENMASK_ULL(47, 6)) | (pa & GENMASK_ULL(5, 2)) << 46;
#if defined(CONFIG_ARM64_VA_BITS_52) && !defined(CONFIG_ARM64_LPA2)
	pa &= ~(phys_addr_t)TTBR1_BADDR_4852_OFFSET;
#endif
	if (w) {
		w->ttbr1 = ttbr;
		w->root = pa;
	}
	return phys_to_virt(pa);
}

/*
 * arm64 folds at build time as asm-generic does: the folded level takes
 * the pointer, and so the entry, of the level above.  A fold at boot (a
 * kernel built for LPA2, on a CPU without it) drops the top instead:
 * TTBR1 points at the next table down, the pgd read is a dummy (pgd_none()
 * and pgd_bad() say no to it) and the next level's offset helper indexes
 * the real table.
 */
#define MAPDRV_P4D_FOLD	(CONFIG_PGTABLE_LEVELS > 4 ? MAPDRV_LEVEL_PGD : \
				 MAPDRV_LEVEL_P4D)
#define MAPDRV_PUD_FOLD	(CONFIG_PGTABLE_LEVELS > 3 ? MAPDRV_LEVEL_PGD : \
				 MAPDRV_LEVEL_PUD)
#else
/* x86_64: the faulting mm's pgd maps the kernel half (see above). */
static pgd_t *mapdrv_root(struct mm_struct *mm, struct mapdrv_walk *w)
{
	if (w)
		w->root = __pa(mm->pgd);
	return mm->pgd;
}

/* 4-level paging: p4d_offset() hands back the pgd entry as the p4d. */
#define MAPDRV_P4D_FOLD	MAPDRV_LEVEL_P4D
#define MAPDRV_PUD_FOLD	MAPDRV_LEVEL_PUD
#endif

/* The levels this boot's paging does without, as the kernel sees it. */
static unsigned int mapdrv_folded(struct mm_struct *mm)
{
	unsigned int folded = 0;

	if (mm_p4d_folded(mm))
		folded |= BIT(MAPDRV_P4D_FOLD);
	if (mm_pud_folded(mm))
		folded |= BIT(MAPDRV_PUD_FOLD);
	if (mm_pmd_folded(mm))
		folded |= BIT(MAPDRV_LEVEL_PMD);
	return folded;
}

/*
 * Record the entry read at @level from @ptr, if the caller asked to see
 * it, and the table @ptr lies in as what the level above pointed at.  A
 * folded level is no table of its own: nothing to record.
 */
static inline void note(struct mapdrv_walk *w, unsigned int level,
			const void *ptr, u64 entry)
{
	if (!w || (w->folded & BIT(level)))
		return;
	if (w->level < MAPDRV_LEVELS)
		w->next_pfn[w->level] = PHYS_PFN(__pa(ptr));
	w->level = level;
	w->entry[level] = entry;
}

/* The page the entry at the level just noted maps. */
static inline void note_leaf(struct mapdrv_walk *w, unsigned long pfn)
{
	if (w)
		w->next_pfn[w->level] = pfn;
}

/* The page @addr falls in, inside a leaf that maps @pfn at its start. */
static struct page *leaf_page(unsigned long pfn, unsigned long addr,
			      unsigned long leaf_mask)
{
	return pfn_to_page(pfn + ((addr & ~leaf_mask) >> PAGE_SHIFT));
}

/**
 * mapdrv_walk() - walk the kernel's page tables to the page behind @addr
 * @mm: the faulting (or calling) process; x86_64 starts from its pgd
 * @addr: a vmalloc address inside the buffer: the walk trusts it, its
 *	callers check it
 * @w: when not NULL, filled with what the walk saw: the root, the folded
 *	levels, each entry read and what it points at, and the level where
 *	the walk stopped (the page's PTE or leaf, or the hole).  The fault
 *	path passes NULL unless the buffer may have huge leaves, the only
 *	case where it needs to know the level.
 *
 * Return: the page, or NULL for a hole or a bad entry.
 */
struct page *mapdrv_walk(struct mm_struct *mm, unsigned long addr,
			 struct mapdrv_walk *w)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;

	if (w) {
		memset(w, 0, sizeof(*w));
		w->level = MAPDRV_LEVELS;	/* nothing noted yet */
		w->folded = mapdrv_folded(mm);
	}

	/* vmalloc maps no leaves above the PUD level: none or bad is a hole. */
	pgdp = pgd_offset_pgd(mapdrv_root(mm, w), addr);
	pgd = READ_ONCE(*pgdp);
	note(w, MAPDRV_LEVEL_PGD, pgdp, pgd_val(pgd));
	if (pgd_none(pgd) || pgd_bad(pgd))
		return NULL;

	p4dp = p4d_offset(pgdp, addr);
	p4d = READ_ONCE(*p4dp);
	note(w, MAPDRV_LEVEL_P4D, p4dp, p4d_val(p4d));
	if (p4d_none(p4d) || p4d_leaf(p4d) || p4d_bad(p4d))
		return NULL;

	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	note(w, MAPDRV_LEVEL_PUD, pudp, pud_val(pud));
	if (pud_none(pud))
		return NULL;
	if (pud_leaf(pud)) {
		note_leaf(w, pud_pfn(pud));
		return leaf_page(pud_pfn(pud), addr, PUD_MASK);
	}
	if (pud_bad(pud))
		return NULL;

	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	note(w, MAPDRV_LEVEL_PMD, pmdp, pmd_val(pmd));
	if (pmd_none(pmd))
		return NULL;
	if (pmd_leaf(pmd)) {	/* vmalloc_huge: a 2 MiB mapping */
		note_leaf(w, pmd_pfn(pmd));
		return leaf_page(pmd_pfn(pmd), addr, PMD_MASK);
	}
	if (pmd_bad(pmd))
		return NULL;

	/* pte_offset_kernel, not pte_offset_map: 6.12 exports no helper. */
	ptep = pte_offset_kernel(pmdp, addr);
	pte = ptep_get(ptep);
	note(w, MAPDRV_LEVEL_PTE, ptep, pte_val(pte));
	if (!pte_present(pte))
		return NULL;
	note_leaf(w, pte_pfn(pte));
	return pte_page(pte);
}
