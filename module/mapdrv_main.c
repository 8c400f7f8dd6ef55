// SPDX-License-Identifier: GPL-2.0
/*
 * mapdrv: share a vmalloc'd kernel buffer with user space through mmap.
 *
 * This file holds the module's life cycle: its parameters, the misc
 * device /dev/mapdrv and the sysfs counter of faults.  The buffer lives
 * in mapdrv_buffer.c, the file operations in mapdrv_fops.c, the mmap and
 * fault path in mapdrv_mmap.c and the page-table walk in mapdrv_walk.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "mapdrv.h"

static unsigned int pages = 1024;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "Buffer size in pages (default 1024, at most half of RAM)");

static bool huge;
module_param(huge, bool, 0444);
MODULE_PARM_DESC(huge, "Allocate with vmalloc_huge so the buffer may be mapped by 2 MiB PMD leaves (default off)");

/*
 * Who may open /dev/mapdrv.  Root only by default: the device maps kernel
 * memory.  A classroom may widen it explicitly, e.g. mode=0666; PFNs and
 * kernel addresses stay root's (CAP_SYS_ADMIN) whatever the mode.
 */
static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Permissions of /dev/mapdrv (default 0600; 0666 lets every user map the buffer)");

/* mapdrv_mmap.c says what each mode does. */
static const char * const mapdrv_map_names[] = MAPDRV_MAP_NAMES;

static_assert(ARRAY_SIZE(mapdrv_map_names) == MAPDRV_MAP_MODES);

static char *map = "fault";
module_param(map, charp, 0444);
MODULE_PARM_DESC(map, "How pages reach user space: fault (one per fault, default), faultaround (16 per fault) or premap (all at mmap)");

struct mapdrv_buffer mapdrv_buf;

static ssize_t faults_show(struct device *dev, struct device_attribute *attr,
			   char *out)
{
	return sysfs_emit(out, "%lld\n", atomic64_read(&mapdrv_buf.faults));
}
static DEVICE_ATTR_RO(faults);

static ssize_t mapped_show(struct device *dev, struct device_attribute *attr,
			   char *out)
{
	return sysfs_emit(out, "%lld\n", atomic64_read(&mapdrv_buf.mapped));
}
static DEVICE_ATTR_RO(mapped);

static struct attribute *mapdrv_attrs[] = {
	&dev_attr_faults.attr,
	&dev_attr_mapped.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mapdrv);

static struct miscdevice mapdrv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mapdrv",
	.fops = &mapdrv_fops,
	.groups = mapdrv_groups,
};

static int __init mapdrv_init(void)
{
	unsigned long limit = totalram_pages() / 2;
	int ret;

	if (pages == 0 || pages > limit) {
		pr_err("pages=%u is out of range: it must be 1..%lu (half of RAM)\n",
		       pages, limit);
		return -EINVAL;
	}

	if (mode & ~0777) {
		pr_err("mode=%#o is not a permission mask: it must be within 0777\n",
		       mode);
		return -EINVAL;
	}
	mapdrv_misc.mode = mode;

	ret = sysfs_match_string(mapdrv_map_names, map);
	if (ret < 0) {
		pr_err("map=%s is not a mapping mode: it must be fault, faultaround or premap\n",
		       map);
		return -EINVAL;
	}
	mapdrv_buf.map_mode = ret;

	ret = mapdrv_buffer_alloc(&mapdrv_buf, pages, huge);
	if (ret) {
		pr_err("cannot allocate a buffer of %u pages: %d\n", pages, ret);
		return ret;
	}

	ret = mapdrv_premap_init();
	if (ret) {
		pr_err("cannot look up the buffer's pages for premap: %d\n", ret);
		goto err_free;
	}

	ret = misc_register(&mapdrv_misc);
	if (ret) {
		pr_err("cannot register /dev/mapdrv: %d\n", ret);
		goto err_premap;
	}

	pr_info("serving %lu pages (%zu KiB%s, map=%s) on /dev/mapdrv\n",
		mapdrv_buf.pages, mapdrv_buf.size >> 10,
		huge ? ", vmalloc_huge" : "",
		mapdrv_map_names[mapdrv_buf.map_mode]);
	return 0;

err_premap:
	mapdrv_premap_exit();
err_free:
	mapdrv_buffer_free(&mapdrv_buf);
	return ret;
}

/*
 * No mapping can outlive us: every vma holds its struct file, every open
 * file holds a reference on this module, so exit runs only after the last
 * munmap and close.
 */
static void __exit mapdrv_exit(void)
{
	misc_deregister(&mapdrv_misc);
	mapdrv_premap_exit();
	mapdrv_buffer_free(&mapdrv_buf);
}

module_init(mapdrv_init);
module_exit(mapdrv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The mapdrv developers");
MODULE_DESCRIPTION("Share a vmalloc'd buffer with user space through mmap and a page-table walk");
MODULE_VERSION(MAPDRV_VERSION);
