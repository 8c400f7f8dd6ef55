/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mapdrv_peers: what the benchmark module and mapdrv_bench share.  The
 * module serves a buffer like mapdrv's (vmalloc'd, zeroed, "mapdrv page
 * i" at the start of page i) at MAPDRV_PEER_DEVICE, mapped the way the
 * module parameter peer= names.
 */
#ifndef _MAPDRV_PEERS_H
#define _MAPDRV_PEERS_H

#define MAPDRV_PEER_DEVICE	"/dev/mapdrv_peer"

/* How the peer maps its buffer: the module parameter peer=NAME. */
enum mapdrv_peer_mode {
	MAPDRV_PEER_REMAP_VMALLOC_RANGE,  /* remap_vmalloc_range() at mmap */
	MAPDRV_PEER_VM_INSERT_PAGE,	  /* vm_insert_page() a page, at mmap */
	MAPDRV_PEER_FAULT_VMALLOC_TO_PAGE, /* .fault, vmalloc_to_page() */
	MAPDRV_PEER_MODES
};

/* The names peer= takes, and the list the module's messages give. */
#define MAPDRV_PEER_NAME_REMAP	"remap_vmalloc_range"
#define MAPDRV_PEER_NAME_INSERT	"vm_insert_page"
#define MAPDRV_PEER_NAME_FAULT	"fault-vmalloc_to_page"
#define MAPDRV_PEER_NAME_LIST \
	MAPDRV_PEER_NAME_REMAP ", " MAPDRV_PEER_NAME_INSERT " or " MAPDRV_PEER_NAME_FAULT

/* The names as an initializer indexed by the enum above. */
#define MAPDRV_PEER_NAMES {						\
	[MAPDRV_PEER_REMAP_VMALLOC_RANGE] = MAPDRV_PEER_NAME_REMAP,	\
	[MAPDRV_PEER_VM_INSERT_PAGE] = MAPDRV_PEER_NAME_INSERT,		\
	[MAPDRV_PEER_FAULT_VMALLOC_TO_PAGE] = MAPDRV_PEER_NAME_FAULT,	\
}

#endif /* _MAPDRV_PEERS_H */
