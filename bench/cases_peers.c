// SPDX-License-Identifier: GPL-2.0
/*
 * The peers: bench/peers/mapdrv_peers.ko serves a buffer like mapdrv's
 * the ways other drivers map theirs (remap_vmalloc_range(), a
 * vm_insert_page() per page, a .fault with vmalloc_to_page()), one way
 * per load (peer=).  Its first touch is run_device_first_touch() on
 * MAPDRV_PEER_DEVICE, with the same marker checks as mapdrv's; here are
 * only its loads, through libkmod as mapdrv's are.
 *
 * MAPDRV_PEERS_KO names the module (scripts/bench sets it).  Without it
 * the peers' cases and goals are left out, not failed: make check runs
 * mapdrv_bench --quick in VMs that have no peers module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>

#include "mapdrv_module.h"	/* read_text() */
#include "peers/mapdrv_peers.h"
#include "bench.h"

#define PEERS_NAME	"mapdrv_peers"
#define PEERS_PARAMS	"/sys/module/" PEERS_NAME "/parameters/"

const char *const peer_cases[] = {
	[MAPDRV_PEER_REMAP_VMALLOC_RANGE] = "peer-remap_vmalloc_range",
	[MAPDRV_PEER_VM_INSERT_PAGE] = "peer-vm_insert_page",
	[MAPDRV_PEER_FAULT_VMALLOC_TO_PAGE] = "peer-fault-vmalloc_to_page",
};

static const char *const peer_names[] = MAPDRV_PEER_NAMES;

bool peers_available(void)
{
	return getenv("MAPDRV_PEERS_KO") != NULL;
}

/* 0 or -1 with a message; @load: insert MAPDRV_PEERS_KO, else remove. */
static int peers_kmod(bool load, const char *params)
{
	const char *ko = getenv("MAPDRV_PEERS_KO");
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int ret;

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		error_msg("kmod_new: out of memory");
		return -1;
	}
	if (load)
		ret = kmod_module_new_from_path(ctx, ko, &mod);
	else
		ret = kmod_module_new_from_name(ctx, PEERS_NAME, &mod);
	if (ret >= 0 && load)
		ret = kmod_module_insert_module(mod, 0, params);
	else if (ret >= 0 && kmod_module_get_initstate(mod) >= 0)
		ret = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	if (ret < 0) {
		errno = -ret;
		error_errno("%s %s %s", load ? "loading" : "unloading",
			    load ? ko : PEERS_NAME, load ? params : "");
	}
	return ret < 0 ? -1 : 0;
}

/* Not loaded is fine: there is nothing to unload. */
int unload_peer(void)
{
	if (access("/sys/module/" PEERS_NAME, F_OK))
		return 0;
	return peers_kmod(false, NULL);
}

/* (Re)load the peers' module, and check it took what it was given. */
int load_peer(size_t pages, unsigned int mode)
{
	char params[96], got_pages[32], got_peer[64];

	snprintf(params, sizeof(params), "pages=%zu peer=%s", pages,
		 peer_names[mode]);
	if (unload_peer() || peers_kmod(true, params))
		return -1;
	if (read_text(PEERS_PARAMS "pages", got_pages, sizeof(got_pages)) ||
	    read_text(PEERS_PARAMS "peer", got_peer, sizeof(got_peer))) {
		error_errno("reading %s", PEERS_PARAMS);
		return -1;
	}
	if (strtoull(got_pages, NULL, 10) != pages ||
	    strcmp(got_peer, peer_names[mode])) {
		error_msg("loaded %s with %s, it reports pages=%s peer=%s",
			  PEERS_NAME, params, got_pages, got_peer);
		return -1;
	}
	return 0;
}
