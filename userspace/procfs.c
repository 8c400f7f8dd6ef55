// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers of /proc/PID/{maps,status,smaps}, /proc/meminfo,
 * /proc/vmallocinfo and /proc/PID/pagemap.
 *
 * They parse in fixed buffers on the stack and allocate nothing beyond
 * the stream's own buffer, so that mapview can snapshot /proc without
 * moving the numbers it reports.  Besides -EINVAL (and -ENOENT where
 * procfs.h says so) a stream that fails to read gives -EIO.
 *
 * Lines are read whole into a LINE_LEN buffer.  A longer line is not an
 * error by itself: the parser sees its first LINE_LEN - 1 bytes and
 * knows the rest was dropped, and accepts the line only when nothing it
 * returns lies in the dropped part:
 *  - maps and smaps headers: such a path is longer than the 255 bytes of
 *    maps_entry.path, so it cannot be the path looked for; the entry is
 *    skipped.  A path too long for maps_entry.path is rejected (-EINVAL),
 *    never truncated: a truncated path could equal another file's path.
 *  - status: lines whose key is not needed (Cpus_allowed_list can be
 *    long on big machines) are skipped.
 *  - vmallocinfo: a line cut within its trailing N<node>=<pages> fields.
 * Anything else too long, meminfo lines included, is -EINVAL.
 *
 * Numbers go through strtoul()/strtoull() with errno checked and the
 * first character required to be a digit, because those functions
 * would otherwise skip spaces, take a sign and wrap "-1" to ULONG_MAX.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

/* Room for a maps line with a path of PATH_MAX bytes. */
#define LINE_LEN	(4096 + 256)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum line_kind {
	LINE_EOF,
	LINE_OK,
	LINE_LONG,	/* longer than the buffer: the rest was dropped */
};

/*
 * Read one line without its newline; a last line without one counts.
 * getc() rather than fgets(), because fgets() cannot tell a NUL byte in
 * the input from the end of the line, and /proc never prints one.
 */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t len = 0;
	bool dropped = false;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -EINVAL;
		if (len + 1 < size)
			buf[len++] = (char)c;
		else
			dropped = true;
	}
	if (ferror(f))
		return -EIO;
	buf[len] = '\0';
	if (c == EOF && !len && !dropped)
		return LINE_EOF;
	return dropped ? LINE_LONG : LINE_OK;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_spaces(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* The end of a line as read_line() or the caller of parse_*_line() gives it. */
static bool is_eol(const char *s)
{
	return *s == '\0' || (*s == '\n' && s[1] == '\0');
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* An unsigned number in @base, at least one digit, no sign, no "0x". */
static int parse_ull(const char **s, int base, unsigned long long *v)
{
	char *end;

	if (base == 16 ? !is_hex(**s) : !is_digit(**s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(*s, &end, base);
	if (errno)
		return -EINVAL;
	*s = end;
	return 0;
}

static int parse_ul(const char **s, int base, unsigned long *v)
{
	unsigned long long ull;
	int ret;

	ret = parse_ull(s, base, &ull);
	if (ret)
		return ret;
	if (ull > ULONG_MAX)
		return -EINVAL;
	*v = (unsigned long)ull;
	return 0;
}

/* A size or count from /proc, stored in a long. */
static int parse_long(const char **s, long *v)
{
	unsigned long ul;
	int ret;

	ret = parse_ul(s, 10, &ul);
	if (ret)
		return ret;
	if (ul > LONG_MAX)
		return -EINVAL;
	*v = (long)ul;
	return 0;
}

/*
 * "<spaces>N kB" or, with !unit, "<spaces>N" (HugePages_*, THPeligible),
 * with nothing but spaces after.
 */
static int parse_value(const char *s, bool unit, long *v)
{
	int ret;

	s = skip_spaces(s);
	ret = parse_long(&s, v);
	if (ret)
		return ret;
	if (unit) {
		if (*s != ' ' || s[1] != 'k' || s[2] != 'B')
			return -EINVAL;
		s += 3;
	}
	s = skip_spaces(s);
	return is_eol(s) ? 0 : -EINVAL;
}

/*
 * "Key:" at the start of a status, smaps or meminfo line; returns the
 * key's length, or -EINVAL when the line does not start with one.
 */
static int line_key(const char *line)
{
	const char *s = line;

	if (!isalpha((unsigned char)*s))
		return -EINVAL;
	while (isalnum((unsigned char)*s) || *s == '_' || *s == '(' || *s == ')')
		s++;
	if (*s != ':' || s - line > INT_MAX)
		return -EINVAL;
	return (int)(s - line);
}

static bool key_is(const char *line, int len, const char *key)
{
	return strlen(key) == (size_t)len && !memcmp(line, key, (size_t)len);
}

/* ---- maps ---------------------------------------------------------- */

/*
 * The fields of a maps line before its path:
 *   start-end perms offset major:minor inode
 * (show_map_vma(): "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ").  Points
 * @path at the path, "" for an anonymous mapping.  With @cut (the line
 * was longer than the buffer) the path must begin inside the buffer, so
 * that no field before it was cut.
 */
static int parse_maps_fields(const char *line, bool cut, struct maps_entry *e,
			     const char **path)
{
	static const char perm_chars[] = "rwx";
	const char *s = line;
	unsigned long ul;
	int i;

	if (parse_ul(&s, 16, &e->start) || *s++ != '-' ||
	    parse_ul(&s, 16, &e->end) || *s++ != ' ')
		return -EINVAL;
	if (e->end <= e->start)
		return -EINVAL;

	for (i = 0; i < 4; i++) {
		if (i < 3 ? s[i] != perm_chars[i] && s[i] != '-' :
			    s[i] != 's' && s[i] != 'p')
			return -EINVAL;
		e->perms[i] = s[i];
	}
	e->perms[4] = '\0';
	s += 4;
	if (*s++ != ' ')
		return -EINVAL;

	if (parse_ull(&s, 16, &e->offset) || *s++ != ' ')
		return -EINVAL;
	if (parse_ul(&s, 16, &ul) || ul > UINT_MAX || *s++ != ':')
		return -EINVAL;
	e->dev_major = (unsigned int)ul;
	if (parse_ul(&s, 16, &ul) || ul > UINT_MAX)
		return -EINVAL;
	e->dev_minor = (unsigned int)ul;
	if (*s++ != ' ' || parse_ul(&s, 10, &e->inode))
		return -EINVAL;

	/* The kernel pads with spaces before the path, or ends with one. */
	if (is_eol(s)) {
		if (cut)
			return -EINVAL;
		*path = s;
		return 0;
	}
	if (*s != ' ')
		return -EINVAL;
	s = skip_spaces(s);
	if (cut && *s == '\0')
		return -EINVAL;
	*path = s;
	return 0;
}

/* The length of @path without the line's newline. */
static size_t path_len(const char *path)
{
	size_t len = strlen(path);

	if (len && path[len - 1] == '\n')
		len--;
	return len;
}

/* @len bytes of @src as a string in @dst of @size; too long: -EINVAL. */
static int set_text(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -EINVAL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int set_path(struct maps_entry *e, const char *path, size_t len)
{
	return set_text(e->path, sizeof(e->path), path, len);
}

/*
 * The path is kept as printed: " (deleted)" stays, since a file may be
 * named so, and a deleted /dev/mapdrv is not the device anyway.
 */
int parse_maps_line(const char *line, struct maps_entry *e)
{
	struct maps_entry tmp;
	const char *path;
	int ret;

	/* Through @tmp: a failed parse leaves *e as it was. */
	ret = parse_maps_fields(line, false, &tmp, &path);
	if (!ret)
		ret = set_path(&tmp, path, path_len(path));
	if (!ret)
		*e = tmp;
	return ret;
}

/* A path too long for maps_entry keeps its start, marked as cut. */
static void set_path_cut(struct maps_entry *e, const char *path, size_t len)
{
	static const char cut[] = "...";

	if (!set_path(e, path, len))
		return;
	len = sizeof(e->path) - sizeof(cut);
	memcpy(e->path, path, len);
	memcpy(e->path + len, cut, sizeof(cut));
}

int maps_read_all(FILE *f, struct maps_entry *out, int max)
{
	const char *p;
	int n = 0, ret;
	char line[LINE_LEN];

	if (max < 0)
		return -EINVAL;
	while ((ret = read_line(f, line, sizeof(line))) != LINE_EOF) {
		if (ret < 0)
			return ret;
		if (n == max)
			return -EOVERFLOW;
		if (parse_maps_fields(line, ret == LINE_LONG, &out[n], &p))
			return -EINVAL;
		set_path_cut(&out[n], p, path_len(p));
		n++;
	}
	return n;
}

int maps_format(const struct maps_entry *m, char *buf, size_t len)
{
	return snprintf(buf, len, "%lx-%lx %s %08llx %02x:%02x %lu %s", m->start,
			m->end, m->perms, m->offset, m->dev_major, m->dev_minor,
			m->inode, m->path);
}

int maps_lookup(const struct maps_entry *maps, int n, unsigned long addr)
{
	for (int i = 0; i < n; i++)
		if (addr >= maps[i].start && addr < maps[i].end)
			return i;
	return -1;
}

/* ---- zoneinfo ------------------------------------------------------ */

/*
 * The pages on the per-CPU free lists: every "count:" line of the
 * pagesets, summed over CPUs and zones.  MemFree does not count them.
 */
int parse_zoneinfo_pcp(FILE *f, long *pages)
{
	char line[LINE_LEN];
	const char *s;
	long sum = 0, n;
	int ret, seen = 0;

	while ((ret = read_line(f, line, sizeof(line))) != LINE_EOF) {
		if (ret < 0)
			return ret;
		s = skip_spaces(line);
		if (strncmp(s, "count:", 6))
			continue;
		s = skip_spaces(s + 6);
		if (parse_long(&s, &n) || *skip_spaces(s))
			return -EINVAL;
		sum += n;
		seen++;
	}
	if (!seen)
		return -EINVAL;
	*pages = sum;
	return 0;
}

/* ---- stat ---------------------------------------------------------- */

/*
 * /proc/PID/stat: "PID (COMM) STATE PPID ...".  COMM may hold spaces
 * and parentheses, so the fields start after the last ')'; minflt is
 * the tenth field, the eighth after COMM.
 */
int parse_stat_minflt(FILE *f, long *minflt)
{
	char line[LINE_LEN];
	const char *s;
	int ret;

	ret = read_line(f, line, sizeof(line));
	if (ret != LINE_OK)
		return ret < 0 ? ret : -EINVAL;
	s = strrchr(line, ')');
	if (!s)
		return -EINVAL;
	s++;
	for (int field = 3; field < 10; field++) {
		s = skip_spaces(s);
		if (!*s)
			return -EINVAL;
		while (*s && !is_space(*s))
			s++;
	}
	s = skip_spaces(s);
	return parse_long(&s, minflt) || !(is_space(*s) || !*s) ? -EINVAL : 0;
}

/* ---- status -------------------------------------------------------- */

int parse_status(FILE *f, struct status_mem *st)
{
	struct status_mem res = { -1, -1, -1, -1, -1 };
	const struct {
		const char *key;
		long *v;
	} keys[] = {
		{ "VmSize", &res.vm_size },
		{ "VmRSS", &res.vm_rss },
		{ "RssAnon", &res.rss_anon },
		{ "RssFile", &res.rss_file },
		{ "RssShmem", &res.rss_shmem },
	};
	char line[LINE_LEN];
	size_t i;
	int ret, len;
	long *v;

	while ((ret = read_line(f, line, sizeof(line))) != LINE_EOF) {
		if (ret < 0)
			return ret;
		len = line_key(line);
		if (len < 0)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (key_is(line, len, keys[i].key))
				break;
		if (i == ARRAY_SIZE(keys))
			continue;

		v = keys[i].v;
		/* Twice the same key: not a status file we know. */
		if (ret == LINE_LONG || *v != -1 ||
		    parse_value(line + len + 1, true, v))
			return -EINVAL;
	}
	/* Kernel threads have no Vm lines: nothing to show, not zeroes. */
	if (res.vm_size < 0 || res.vm_rss < 0)
		return -EINVAL;
	*st = res;
	return 0;
}

/* ---- smaps --------------------------------------------------------- */

/* Where a smaps field goes; the -1 of an absent one stays. */
static long *smaps_field(struct smaps_entry *e, const char *line, int len)
{
	const struct {
		const char *key;
		long *v;
	} keys[] = {
#define SMAPS_KEY(field, name) { name, &e->field },
		SMAPS_FIELDS(SMAPS_KEY)
#undef SMAPS_KEY
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (key_is(line, len, keys[i].key))
			return keys[i].v;
	return NULL;
}

/*
 * "rd wr sh ..." (show_smap_vma_flags(): two characters and a space per
 * flag), kept without the trailing space.
 */
static int parse_vmflags(const char *s, char *out, size_t size)
{
	size_t len = 0;

	s = skip_spaces(s);
	while (!is_eol(s)) {
		if (!isgraph((unsigned char)s[0]) ||
		    !isgraph((unsigned char)s[1]) ||
		    !(is_space(s[2]) || is_eol(s + 2)))
			return -EINVAL;
		if (len + (len ? 3 : 2) >= size)
			return -EINVAL;
		if (len)
			out[len++] = ' ';
		out[len++] = s[0];
		out[len++] = s[1];
		s = skip_spaces(s + 2);
	}
	out[len] = '\0';
	return 0;
}

/*
 * Only Rss is required.  The other fields are -1 when the kernel does
 * not print them, as in status_mem, and vmflags is "" without a VmFlags
 * line (before 3.8).  The stream is read up to the next entry's header
 * only.
 */
/*
 * The entry of the mapping that starts at @start or, with @rollup, the
 * one entry of smaps_rollup, whatever its start: a second one is then
 * an error.
 */
static int smaps_find(FILE *f, bool rollup, unsigned long start,
		      struct smaps_entry *e)
{
	struct smaps_entry res;
	struct maps_entry hdr;
	char line[LINE_LEN];
	bool in_entry = false, seen_header = false, seen_flags = false;
	const char *path;
	long *v;
	int ret, len;

	while ((ret = read_line(f, line, sizeof(line))) != LINE_EOF) {
		if (ret < 0)
			return ret;
		/* Headers start with the address, fields with a capital. */
		if (is_hex(line[0]) && !isupper((unsigned char)line[0])) {
			if (parse_maps_fields(line, ret == LINE_LONG, &hdr, &path))
				return -EINVAL;
			if (in_entry && rollup)
				return -EINVAL;
			if (in_entry)
				break;
			seen_header = true;
			if (!rollup && hdr.start != start)
				continue;
			if (ret == LINE_LONG ||
			    set_path(&hdr, path, path_len(path)))
				return -EINVAL;
			memset(&res, 0, sizeof(res));
			res.map = hdr;
			res.size = res.rss = res.pss = -1;
			res.shared_clean = res.shared_dirty = -1;
			res.private_clean = res.private_dirty = -1;
			res.referenced = res.anonymous = -1;
			in_entry = true;
			continue;
		}

		len = line_key(line);
		if (len < 0 || !seen_header || ret == LINE_LONG)
			return -EINVAL;
		if (!in_entry)
			continue;
		if (key_is(line, len, "VmFlags")) {
			if (seen_flags ||
			    parse_vmflags(line + len + 1, res.vmflags,
					  sizeof(res.vmflags)))
				return -EINVAL;
			seen_flags = true;
			continue;
		}
		v = smaps_field(&res, line, len);
		if (!v)
			continue;
		if (*v != -1 || parse_value(line + len + 1, true, v))
			return -EINVAL;
	}
	if (!in_entry)
		return -ENOENT;
	if (res.rss < 0)
		return -EINVAL;
	*e = res;
	return 0;
}

int parse_smaps(FILE *f, unsigned long start, struct smaps_entry *e)
{
	return smaps_find(f, false, start, e);
}

/*
 * smaps_rollup (show_smaps_rollup()): one header, from the first
 * mapping's start to the last one's end, named "[rollup]", then the
 * sums of smaps' fields over every mapping, without VmFlags.
 */
int parse_smaps_rollup(FILE *f, struct smaps_entry *e)
{
	struct smaps_entry res;
	int ret;

	ret = smaps_find(f, true, 0, &res);
	if (ret == -ENOENT)
		return -EINVAL;		/* no header: not a rollup */
	if (ret)
		return ret;
	if (strcmp(res.map.path, "[rollup]") || res.vmflags[0])
		return -EINVAL;
	*e = res;
	return 0;
}

/* ---- meminfo ------------------------------------------------------- */

int parse_meminfo(FILE *f, struct meminfo *mi)
{
	char line[LINE_LEN];
	int ret, len, i;
	const char *s;
	long kb;

	/* Filled in place (it is large): n stays 0 until all is well. */
	mi->n = 0;
	for (i = 0; (ret = read_line(f, line, sizeof(line))) != LINE_EOF; i++) {
		if (ret < 0)
			goto fail;
		len = line_key(line);
		if (ret == LINE_LONG || len < 0 ||
		    (size_t)len >= sizeof(mi->field[0].name)) {
			ret = -EINVAL;
			goto fail;
		}
		ret = -EINVAL;
		/* No unit on the HugePages_* counts: take both forms. */
		s = line + len + 1;
		if (parse_value(s, true, &kb) && parse_value(s, false, &kb))
			goto fail;
		/* More fields than room: a half table would pass for the whole. */
		if (i == MEMINFO_MAX)
			goto fail;
		memcpy(mi->field[i].name, line, (size_t)len);
		mi->field[i].name[len] = '\0';
		mi->field[i].kb = kb;
		/* meminfo_get() would only ever see the first of two. */
		mi->n = i;
		if (meminfo_get(mi, mi->field[i].name) >= 0)
			goto fail;
	}
	mi->n = i;
	/* Empty, or not meminfo at all. */
	ret = -EINVAL;
	if (meminfo_get(mi, "MemTotal") < 0)
		goto fail;
	return 0;
fail:
	mi->n = 0;
	return ret;
}

long meminfo_get(const struct meminfo *mi, const char *name)
{
	int i;

	for (i = 0; i < mi->n; i++)
		if (!strcmp(mi->field[i].name, name))
			return mi->field[i].kb;
	return -1;
}

/* ---- vmallocinfo --------------------------------------------------- */

/*
 * The words that may follow SIZE in place of a caller: areas without one
 * ("unpurged vm_area", "vm_map_ram") and the flags of s_show() in
 * mm/vmalloc.c.
 */
static bool vmalloc_word(const char *tok, size_t len)
{
	static const char *const words[] = {
		"unpurged", "vm_area", "vm_map_ram", "ioremap", "vmalloc",
		"vmap", "user", "dma-coherent", "vpages",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == len && !memcmp(tok, words[i], len))
			return true;
	return false;
}

static bool has_prefix(const char *tok, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len >= plen && !memcmp(tok, prefix, plen);
}

/* N<node>=<pages>: how many of the area's pages are on each node. */
static bool is_node_field(const char *tok, size_t len)
{
	size_t i = 1;

	if (len < 4 || tok[0] != 'N' || !is_digit(tok[1]))
		return false;
	while (i < len && is_digit(tok[i]))
		i++;
	if (i + 1 >= len || tok[i++] != '=')
		return false;
	while (i < len && is_digit(tok[i]))
		i++;
	return i == len;
}

static int token_long(const char *tok, size_t len, long *v)
{
	const char *s = tok;
	int ret;

	ret = parse_long(&s, v);
	if (ret)
		return ret;
	return s == tok + len ? 0 : -EINVAL;
}

/*
 * A vmallocinfo line into @e except its caller, which is left in
 * @caller/@caller_len (not NUL-terminated).  @cut: the line was longer
 * than the buffer.  The format (s_show() in mm/vmalloc.c):
 *   0x%pK-0x%pK %7ld[ %pS][ pages=%d][ phys=%pa][ flags...][ N%u=%u...]
 * %pS is "sym+off/size" or "sym+off/size [module]", a raw address for
 * freed __init text; the addresses are hashed for most readers, so
 * start > end is no error.
 */
/*
 * An address after "0x": hex, or "(____ptrval____)", what %p prints
 * before the kernel's pointer hashing is ready (measured on the debug
 * kernel, a few seconds after boot): no address, so 0.
 */
static int parse_vmalloc_addr(const char **s, unsigned long long *v)
{
	static const char ptrval[] = "(____ptrval____)";

	if (!strncmp(*s, ptrval, sizeof(ptrval) - 1)) {
		*s += sizeof(ptrval) - 1;
		*v = 0;
		return 0;
	}
	return parse_ull(s, 16, v);
}

static int parse_vmalloc_fields(const char *line, bool cut,
				struct vmalloc_entry *e, const char **caller,
				size_t *caller_len)
{
	const char *s = line, *tok;
	bool first = true, seen_node = false;
	size_t len;
	int ret;

	if (strncmp(s, "0x", 2))
		return -EINVAL;
	s += 2;
	if (parse_vmalloc_addr(&s, &e->start) || strncmp(s, "-0x", 3))
		return -EINVAL;
	s += 3;
	if (parse_vmalloc_addr(&s, &e->end) || !is_space(*s))
		return -EINVAL;
	s = skip_spaces(s);
	if (parse_ul(&s, 10, &e->size))
		return -EINVAL;

	e->pages = -1;
	e->vmalloc = false;
	*caller = s;
	*caller_len = 0;
	for (;;) {
		if (!is_space(*s) && !is_eol(s))
			return -EINVAL;
		s = skip_spaces(s);
		if (is_eol(s))
			break;
		tok = s;
		while (*s && !is_space(*s) && *s != '\n')
			s++;
		len = (size_t)(s - tok);
		/* The last token of a cut line may be cut too: leave it. */
		if (cut && *s == '\0')
			break;

		if (is_node_field(tok, len)) {
			seen_node = true;
		} else if (seen_node) {
			/* Nothing follows the node counts. */
			return -EINVAL;
		} else if (has_prefix(tok, len, "pages=")) {
			if (e->pages != -1)
				return -EINVAL;
			ret = token_long(tok + 6, len - 6, &e->pages);
			if (ret)
				return ret;
		} else if (has_prefix(tok, len, "phys=")) {
			if (len < 8 || strncmp(tok + 5, "0x", 2))
				return -EINVAL;
		} else if (vmalloc_word(tok, len)) {
			if (len == 7 && !memcmp(tok, "vmalloc", 7))
				e->vmalloc = true;
		} else if (first) {
			*caller = tok;
			*caller_len = len;
			/* A module's symbol: "sym+off/size [module]". */
			if (s[0] == ' ' && s[1] == '[') {
				const char *mod = ++s;

				while (*s && !is_space(*s) && *s != '\n' &&
				       (s == mod || s[-1] != ']'))
					s++;
				if (s[-1] != ']' || (cut && *s == '\0'))
					return -EINVAL;
				*caller_len = (size_t)(s - tok);
			}
		} else if (!memchr(tok, '=', len)) {
			/*
			 * A flag word of a newer kernel: accept it rather
			 * than refuse the whole file.
			 */
			size_t i;

			for (i = 0; i < len; i++)
				if (!islower((unsigned char)tok[i]) &&
				    tok[i] != '_' && tok[i] != '-')
					return -EINVAL;
		} else {
			return -EINVAL;
		}
		first = false;
	}
	/* Cut before the node counts: something we return may be gone. */
	if (cut && !seen_node)
		return -EINVAL;
	return 0;
}

static int set_caller(struct vmalloc_entry *e, const char *caller, size_t len)
{
	return set_text(e->caller, sizeof(e->caller), caller, len);
}

int parse_vmallocinfo_line(const char *line, struct vmalloc_entry *e)
{
	struct vmalloc_entry tmp;
	const char *caller;
	size_t len;
	int ret;

	ret = parse_vmalloc_fields(line, false, &tmp, &caller, &len);
	if (!ret)
		ret = set_caller(&tmp, caller, len);
	if (!ret)
		*e = tmp;
	return ret;
}

int vmallocinfo_find(FILE *f, const char *caller, struct vmalloc_entry *e)
{
	struct vmalloc_entry tmp;
	char line[LINE_LEN];
	const char *c;
	size_t len;
	int ret;

	while ((ret = read_line(f, line, sizeof(line))) != LINE_EOF) {
		if (ret < 0)
			return ret;
		if (parse_vmalloc_fields(line, ret == LINE_LONG, &tmp, &c, &len))
			return -EINVAL;
		if (!memmem(c, len, caller, strlen(caller)))
			continue;
		if (set_caller(&tmp, c, len))
			return -EINVAL;
		*e = tmp;
		return 0;
	}
	return -ENOENT;
}

/* ---- pagemap ------------------------------------------------------- */

#define PM_PFN_MASK		((UINT64_C(1) << 55) - 1)
#define PM_SOFT_DIRTY		(UINT64_C(1) << 55)
#define PM_MMAP_EXCLUSIVE	(UINT64_C(1) << 56)
#define PM_UFFD_WP		(UINT64_C(1) << 57)
#define PM_FILE			(UINT64_C(1) << 61)
#define PM_SWAP			(UINT64_C(1) << 62)
#define PM_PRESENT		(UINT64_C(1) << 63)

void pagemap_decode(uint64_t raw, struct pagemap_entry *e)
{
	e->present = raw & PM_PRESENT;
	/* Bits 0-54 of a swapped entry are its swap type and offset. */
	e->pfn = e->present ? raw & PM_PFN_MASK : 0;
	e->soft_dirty = raw & PM_SOFT_DIRTY;
	e->exclusive = raw & PM_MMAP_EXCLUSIVE;
	e->uffd_wp = raw & PM_UFFD_WP;
	e->file_shared = raw & PM_FILE;
	e->swapped = raw & PM_SWAP;
}

/* -EIO for a short read, -EINVAL for a page size that is no power of 2. */
int pagemap_read(int fd, unsigned long vaddr, long page_size, uint64_t *raw)
{
	const uint64_t off_max =
		(UINT64_C(1) << (sizeof(off_t) * CHAR_BIT - 1)) - 1;
	uint64_t index, val;
	ssize_t n;

	if (page_size <= 0 || (page_size & (page_size - 1)))
		return -EINVAL;
	index = vaddr / (unsigned long)page_size;
	if (index > off_max / sizeof(val))
		return -EINVAL;
	do
		n = pread(fd, &val, sizeof(val), (off_t)(index * sizeof(val)));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* Past the end of the address space, or not a pagemap file. */
	if (n != sizeof(val))
		return -EIO;
	*raw = val;
	return 0;
}
