#include "core/planner/cpumodels.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/outfile.h"

#include "core/base/xml.h"

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

typedef struct {
	char *name;
	GArray *bits;       /* mc_cpu_bits */
	GPtrArray *aliases; /* char *, as written (the cache replays them) */
} feature;

typedef struct {
	char *name;
	char *parent;        /* <model name=.../> inside a model, or NULL */
	GPtrArray *features; /* char *, present */
	GPtrArray *removed;  /* char *, removed='yes' (QEMU dropped them) */
} model;

typedef struct {
	uint32_t leaf, index;
	unsigned reg;
} cpuid_reg;

/* A file the map was read from, as fstat saw it when it was read: the
 * cache (mc_cpumodels_save) is valid while every one is unchanged. */
typedef struct {
	char *name; /* relative to dir */
	uint64_t size, ino, dev;
	int64_t mtime_s, mtime_ns;
} src_file;

struct mc_cpumodels {
	char *dir;
	GPtrArray *features; /* feature *, in map order */
	GHashTable *by_name; /* name or alias -> feature * (borrowed) */
	GHashTable *models;  /* name -> model * */
	GArray *regs;        /* cpuid_reg: those the features use, in map order */
	GArray *files;       /* src_file, in reading order */
	/* leaf << 32 | index (gint64 *, owned) -> const char *[4 * 32]: the
	 * first feature in map order defined as exactly bit b of register r
	 * ([r * 32 + b], NULL: none; mc_cpumodels_bit_name), made once loaded */
	GHashTable *by_bit;
	GHashTable *memo; /* char * -> GArray *: mc_cpumodels_memo_get */
};

static void feature_free(gpointer p)
{
	feature *f = p;
	g_free(f->name);
	g_array_unref(f->bits);
	g_ptr_array_unref(f->aliases);
	g_free(f);
}

static void model_free(gpointer p)
{
	model *m = p;
	g_free(m->name);
	g_free(m->parent);
	g_ptr_array_unref(m->features);
	g_ptr_array_unref(m->removed);
	g_free(m);
}

void mc_cpumodels_free(mc_cpumodels *m)
{
	if (!m)
		return;
	g_free(m->dir);
	g_hash_table_unref(m->by_name);
	if (m->by_bit)
		g_hash_table_unref(m->by_bit);
	g_hash_table_unref(m->memo);
	g_hash_table_unref(m->models);
	g_ptr_array_unref(m->features);
	g_array_unref(m->regs);
	for (guint i = 0; i < m->files->len; i++)
		g_free(g_array_index(m->files, src_file, i).name);
	g_array_unref(m->files);
	g_free(m);
}

const char *mc_cpumodels_dir(const mc_cpumodels *m)
{
	return m->dir;
}

static bool parse_hex(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end && !*end;
}

static void add_reg(GArray *regs, uint32_t leaf, uint32_t index, unsigned reg)
{
	for (guint i = 0; i < regs->len; i++) {
		const cpuid_reg *r = &g_array_index(regs, cpuid_reg, i);
		if (r->leaf == leaf && r->index == index && r->reg == reg)
			return;
	}
	cpuid_reg r = { leaf, index, reg };
	g_array_append_val(regs, r);
}

/* The builders, called in map order by the XML parser and by the cache's
 * replay alike, so both give the same map. */
static feature *add_feature(mc_cpumodels *m, const char *name)
{
	feature *f = g_new0(feature, 1);
	f->name = g_strdup(name);
	f->bits = g_array_new(FALSE, TRUE, sizeof(mc_cpu_bits));
	f->aliases = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(m->features, f);
	g_hash_table_replace(m->by_name, g_strdup(name), f);
	return f;
}

static void add_alias(mc_cpumodels *m, feature *f, const char *alias)
{
	g_ptr_array_add(f->aliases, g_strdup(alias));
	if (!g_hash_table_contains(m->by_name, alias))
		g_hash_table_replace(m->by_name, g_strdup(alias), f);
}

static void add_bits(mc_cpumodels *m, feature *f, const mc_cpu_bits *b)
{
	g_array_append_val(f->bits, *b);
	if (!b->is_msr)
		add_reg(m->regs, b->leaf, b->index, b->reg);
}

static model *add_model(mc_cpumodels *m, const char *name)
{
	model *md = g_new0(model, 1);
	md->name = g_strdup(name);
	md->features = g_ptr_array_new_with_free_func(g_free);
	md->removed = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_replace(m->models, g_strdup(name), md);
	return md;
}

static int parse_feature(mc_cpumodels *m, xmlNodePtr n, const char *file, mc_error *err)
{
	g_autofree char *name = mc_xml_attr(n, "name");
	if (!name)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: <feature> without a name",
				    file);
	feature *f = add_feature(m, name);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (mc_xml_is(c, "alias")) {
			g_autofree char *a = mc_xml_attr(c, "name");
			if (a)
				add_alias(m, f, a);
		} else if (mc_xml_is(c, "cpuid")) {
			g_autofree char *ein = mc_xml_attr(c, "eax_in");
			g_autofree char *ecin = mc_xml_attr(c, "ecx_in");
			uint64_t leaf = 0, index = 0;
			if (!parse_hex(ein, &leaf) || (ecin && !parse_hex(ecin, &index)))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: feature %s: bad eax_in/ecx_in", file,
						    name);
			for (unsigned r = 0; r < G_N_ELEMENTS(reg_names); r++) {
				g_autofree char *v = mc_xml_attr(c, reg_names[r]);
				uint64_t mask = 0;
				if (!v)
					continue;
				if (!parse_hex(v, &mask) || mask > 0xffffffffu)
					return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
							    "%s: feature %s: bad %s", file, name,
							    reg_names[r]);
				if (!mask)
					continue;
				mc_cpu_bits b = { false, (uint32_t)leaf, (uint32_t)index, r, mask };
				add_bits(m, f, &b);
			}
		} else if (mc_xml_is(c, "msr")) {
			g_autofree char *idx = mc_xml_attr(c, "index");
			g_autofree char *eax = mc_xml_attr(c, "eax");
			g_autofree char *edx = mc_xml_attr(c, "edx");
			uint64_t index = 0, lo = 0, hi = 0;
			if (!parse_hex(idx, &index) || (eax && !parse_hex(eax, &lo)) ||
			    (edx && !parse_hex(edx, &hi)))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: feature %s: bad <msr>", file, name);
			mc_cpu_bits b = { true, (uint32_t)index, 0, 0,
					  (hi << 32) | (lo & 0xffffffffu) };
			add_bits(m, f, &b);
		}
	}
	return 0;
}

static int parse_model(mc_cpumodels *m, xmlNodePtr n, const char *file, mc_error *err)
{
	g_autofree char *name = mc_xml_attr(n, "name");
	if (!name)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: <model> without a name",
				    file);
	model *md = add_model(m, name);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (mc_xml_is(c, "model")) {
			g_free(md->parent);
			md->parent = mc_xml_attr(c, "name");
		} else if (mc_xml_is(c, "feature")) {
			char *fname = mc_xml_attr(c, "name");
			g_autofree char *removed = mc_xml_attr(c, "removed");
			if (!fname)
				continue;
			if (removed && strcmp(removed, "yes") == 0)
				g_ptr_array_add(md->removed, fname);
			else
				g_ptr_array_add(md->features, fname);
		}
	}
	return 0;
}

static int parse_file(mc_cpumodels *m, const char *file, int depth, mc_error *err);

#define MAX_MAP_FILE (16u << 20)

static void stat_to_src(const struct stat *st, src_file *sf)
{
	sf->size = (uint64_t)st->st_size;
	sf->ino = (uint64_t)st->st_ino;
	sf->dev = (uint64_t)st->st_dev;
	sf->mtime_s = (int64_t)st->st_mtim.tv_sec;
	sf->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
}

/* Read a regular file of at most max bytes, with what fstat said of it. */
static int read_whole(const char *path, size_t max, int flags, char **buf, size_t *len,
		      struct stat *st)
{
	/* O_NONBLOCK: a FIFO is refused below, not waited on */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (fstat(fd, st) < 0) {
		rc = -errno;
	} else if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size > max) {
		rc = -EINVAL;
	} else {
		size_t want = (size_t)st->st_size, got = 0;
		char *b = g_malloc(want + 1);
		while (got < want) {
			ssize_t n = read(fd, b + got, want - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				rc = n < 0 ? -errno : -EIO;
				break;
			}
			got += (size_t)n;
		}
		b[got] = '\0';
		if (rc < 0)
			g_free(b);
		else {
			*buf = b;
			*len = got;
		}
	}
	close(fd);
	return rc;
}

static int read_src(const char *path, char **buf, size_t *len, src_file *sf)
{
	struct stat st;
	int rc = read_whole(path, MAX_MAP_FILE, 0, buf, len, &st);
	if (rc == 0)
		stat_to_src(&st, sf);
	return rc;
}

/* The children of <cpus> (a map file) or <arch name='x86'> (index.xml), and
 * of the <group name='...'> elements libvirt 11's index.xml wraps its model
 * includes in (libvirt 9's has none). */
static int parse_nodes(mc_cpumodels *m, xmlNodePtr first, const char *file, int depth,
		       mc_error *err)
{
	for (xmlNodePtr n = first; n; n = n->next) {
		int rc = 0;
		if (mc_xml_is(n, "arch")) {
			g_autofree char *a = mc_xml_attr(n, "name");
			if (a && strcmp(a, "x86") == 0)
				rc = parse_nodes(m, n->children, file, depth, err);
		} else if (mc_xml_is(n, "group")) {
			rc = parse_nodes(m, n->children, file, depth, err);
		} else if (mc_xml_is(n, "include")) {
			g_autofree char *inc = mc_xml_attr(n, "filename");
			if (!inc || strchr(inc, '/'))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: bad <include>", file);
			rc = parse_file(m, inc, depth + 1, err);
		} else if (mc_xml_is(n, "feature")) {
			rc = parse_feature(m, n, file, err);
		} else if (mc_xml_is(n, "model")) {
			rc = parse_model(m, n, file, err);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_file(mc_cpumodels *m, const char *file, int depth, mc_error *err)
{
	if (depth > 4)
		return mc_error_set(err, MC_EXIT_DATAERR, ELOOP, "%s: includes nested too deep",
				    file);
	g_autofree char *path = g_build_filename(m->dir, file, NULL);
	g_autofree char *buf = NULL;
	size_t len = 0;
	src_file sf = { 0 };
	if (read_src(path, &buf, &len, &sf) < 0)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOENT,
				    "libvirt CPU map is missing: cannot read %s (install libvirt's "
				    "CPU map, or set MIGCHECK_CPU_MAP)",
				    path);
	sf.name = g_strdup(file);
	g_array_append_val(m->files, sf);
	/* the one parser of untrusted XML (no DOCTYPE, no entities), like every
	 * other document migcheck reads */
	xmlDocPtr doc = mc_xml_parse(buf, len, path, NULL, NULL, err);
	if (!doc)
		return err && err->errnum ? -err->errnum : -EINVAL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int rc = root ? parse_nodes(m, root->children, path, depth, err) : 0;
	xmlFreeDoc(doc);
	return rc;
}

static mc_cpumodels *map_new(const char *dir)
{
	mc_cpumodels *m = g_new0(mc_cpumodels, 1);
	m->dir = g_strdup(dir);
	m->features = g_ptr_array_new_with_free_func(feature_free);
	m->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->models = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, model_free);
	m->regs = g_array_new(FALSE, TRUE, sizeof(cpuid_reg));
	m->files = g_array_new(FALSE, TRUE, sizeof(src_file));
	m->memo =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	return m;
}

/* m->by_bit of the loaded map. */
static mc_cpumodels *index_bits(mc_cpumodels *m)
{
	m->by_bit = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	for (guint i = 0; i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (b->is_msr || b->reg > 3 || !b->mask || (b->mask & (b->mask - 1)) ||
			    b->mask >> 32)
				continue;
			gint64 key = (gint64)((uint64_t)b->leaf << 32 | b->index);
			const char **names = g_hash_table_lookup(m->by_bit, &key);
			if (!names) {
				names = g_new0(const char *, 4 * 32);
				g_hash_table_insert(m->by_bit, g_memdup2(&key, sizeof(key)), names);
			}
			unsigned bit = (unsigned)__builtin_ctzll(b->mask);
			if (!names[b->reg * 32 + bit])
				names[b->reg * 32 + bit] = f->name;
		}
	}
	return m;
}

mc_cpumodels *mc_cpumodels_load(const char *dir, mc_error *err)
{
	mc_cpumodels *m = map_new(dir);
	if (parse_file(m, "index.xml", 0, err) < 0) {
		mc_cpumodels_free(m);
		return NULL;
	}
	return index_bits(m);
}

/* ---- the cache: the parse replayed, one record per line ----
 *
 *   migcheck cpu_map cache 1
 *   dir DIR
 *   file SIZE INODE DEV MTIME_S MTIME_NS NAME      (every file read, in order)
 *   feature NAME | alias NAME | cpuid LEAF INDEX REG MASK | msr INDEX MASK
 *   model NAME [PARENT] | has FEATURE | removed FEATURE
 *   end
 *
 * Features in map order with their aliases and bits, as the parser met them
 * (the builders make the same tables from the same calls); models in name
 * order (a later model of the same name replaces an earlier one, so only
 * the last one is kept and written). Numbers are decimal. */
#define CACHE_MAGIC "migcheck cpu_map cache 1"
#define MAX_CACHE (8u << 20)

/* A word of a record: not empty, no white space or control bytes. */
static bool word_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static gint by_model_name(gconstpointer a, gconstpointer b)
{
	return strcmp((*(const model *const *)a)->name, (*(const model *const *)b)->name);
}

static bool put_words(GString *out, const char *tag, GPtrArray *words)
{
	for (guint i = 0; i < words->len; i++) {
		if (!word_ok(words->pdata[i]))
			return false;
		g_string_append_printf(out, "%s %s\n", tag, (const char *)words->pdata[i]);
	}
	return true;
}

/* The cache's text, or NULL when a name cannot be written as a word. */
static char *cache_text(const mc_cpumodels *m, size_t *len)
{
	GString *out = g_string_new(CACHE_MAGIC "\n");
	bool ok = !strchr(m->dir, '\n') && *m->dir;
	g_string_append_printf(out, "dir %s\n", m->dir);
	for (guint i = 0; ok && i < m->files->len; i++) {
		const src_file *f = &g_array_index(m->files, src_file, i);
		ok = word_ok(f->name);
		g_string_append_printf(out,
				       "file %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT
				       " %" G_GINT64_FORMAT " %s\n",
				       f->size, f->ino, f->dev, f->mtime_s, f->mtime_ns, f->name);
	}
	for (guint i = 0; ok && i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		ok = word_ok(f->name) && (g_string_append_printf(out, "feature %s\n", f->name),
					  put_words(out, "alias", f->aliases));
		for (guint j = 0; ok && j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (b->is_msr)
				g_string_append_printf(out, "msr %u %" G_GUINT64_FORMAT "\n",
						       b->leaf, b->mask);
			else
				g_string_append_printf(out,
						       "cpuid %u %u %u %" G_GUINT64_FORMAT "\n",
						       b->leaf, b->index, b->reg, b->mask);
		}
	}
	g_autoptr(GPtrArray) models = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, m->models);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(models, v);
	g_ptr_array_sort(models, by_model_name);
	for (guint i = 0; ok && i < models->len; i++) {
		const model *md = models->pdata[i];
		ok = word_ok(md->name) && (!md->parent || word_ok(md->parent));
		g_string_append_printf(out, "model %s%s%s\n", md->name, md->parent ? " " : "",
				       md->parent ? md->parent : "");
		ok = ok && put_words(out, "has", md->features) &&
		     put_words(out, "removed", md->removed);
	}
	g_string_append(out, "end\n");
	*len = out->len;
	return g_string_free(out, !ok);
}

int mc_cpumodels_save(const mc_cpumodels *m, const char *path, mc_error *err)
{
	size_t len = 0;
	g_autofree char *text = cache_text(m, &len);
	if (!text)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: not written: a name in the CPU map %s is no single word",
				    path, m->dir);
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EXIT_IOERR, EEXIST, "%s: not a regular file", path);
	mc_outfile o;
	int rc = mc_outfile_open(&o, path, 0640, err);
	if (rc < 0)
		return rc;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(o.fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			mc_outfile_abort(&o);
			return mc_error_set(err, MC_EXIT_IOERR, -rc, "%s: %s", path,
					    g_strerror(-rc));
		}
		done += (size_t)n;
	}
	return mc_outfile_commit(&o, err);
}

static bool num(const char *s, uint64_t max, uint64_t *out)
{
	return s && g_ascii_string_to_unsigned(s, 10, 0, max, out, NULL);
}

static bool snum(const char *s, int64_t *out)
{
	return s && g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, out, NULL);
}

/* One record; false when it is malformed. *stale is set for a file that
 * changed since the cache was written. */
static bool replay(mc_cpumodels *m, char **w, guint n, feature **f, model **md, bool *stale)
{
	const char *tag = w[0];
	uint64_t a = 0, b = 0, c = 0, d = 0;
	int64_t s = 0, ns = 0;
	if (strcmp(tag, "file") == 0 && n == 7) {
		if (!num(w[1], G_MAXUINT64, &a) || !num(w[2], G_MAXUINT64, &b) ||
		    !num(w[3], G_MAXUINT64, &c) || !snum(w[4], &s) || !snum(w[5], &ns) ||
		    !word_ok(w[6]) || strchr(w[6], '/'))
			return false;
		g_autofree char *path = g_build_filename(m->dir, w[6], NULL);
		struct stat st;
		src_file now = { 0 };
		if (stat(path, &st) == 0)
			stat_to_src(&st, &now);
		if (now.size != a || now.ino != b || now.dev != c || now.mtime_s != s ||
		    now.mtime_ns != ns || !S_ISREG(st.st_mode))
			*stale = true;
		now.name = g_strdup(w[6]);
		g_array_append_val(m->files, now);
		return true;
	}
	if (n == 2 && strcmp(tag, "feature") == 0) {
		*f = add_feature(m, w[1]);
		return true;
	}
	if (n == 2 && strcmp(tag, "alias") == 0 && *f) {
		add_alias(m, *f, w[1]);
		return true;
	}
	if (n == 5 && strcmp(tag, "cpuid") == 0 && *f) {
		if (!num(w[1], G_MAXUINT32, &a) || !num(w[2], G_MAXUINT32, &b) ||
		    !num(w[3], G_N_ELEMENTS(reg_names) - 1, &c) || !num(w[4], G_MAXUINT32, &d) ||
		    !d)
			return false;
		mc_cpu_bits bits = { false, (uint32_t)a, (uint32_t)b, (unsigned)c, d };
		add_bits(m, *f, &bits);
		return true;
	}
	if (n == 3 && strcmp(tag, "msr") == 0 && *f) {
		if (!num(w[1], G_MAXUINT32, &a) || !num(w[2], G_MAXUINT64, &d))
			return false;
		mc_cpu_bits bits = { true, (uint32_t)a, 0, 0, d };
		add_bits(m, *f, &bits);
		return true;
	}
	if ((n == 2 || n == 3) && strcmp(tag, "model") == 0) {
		if (g_hash_table_contains(m->models, w[1]))
			return false; /* written once each */
		*md = add_model(m, w[1]);
		(*md)->parent = n == 3 ? g_strdup(w[2]) : NULL;
		return true;
	}
	if (n == 2 && (strcmp(tag, "has") == 0 || strcmp(tag, "removed") == 0) && *md) {
		g_ptr_array_add(tag[0] == 'h' ? (*md)->features : (*md)->removed, g_strdup(w[1]));
		return true;
	}
	return false;
}

mc_cpumodels *mc_cpumodels_load_cache(const char *dir, const char *path, mc_error *err)
{
	g_autofree char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int rc = read_whole(path, MAX_CACHE, O_NOFOLLOW, &buf, &len, &st);
	if (rc < 0) {
		mc_error_set(err, MC_EXIT_IOERR, -rc, "%s: %s", path,
			     rc == -EINVAL ? "not a regular file, or too large" : g_strerror(-rc));
		return NULL;
	}
	/* only a cache this user wrote, that nobody else can change */
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		mc_error_set(err, MC_EXIT_NOPERM, EPERM,
			     "%s: not used: owned by another user or writable by others", path);
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: malformed", path);
		return NULL;
	}
	/* split in place: lines, then up to 7 words of a line */
	GPtrArray *lines = g_ptr_array_sized_new(4096);
	for (char *p = buf, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			g_ptr_array_add(lines, p); /* no final newline: truncated */
			break;
		}
		*nl = '\0';
		g_ptr_array_add(lines, p);
	}
	guint nl = lines->len;
	g_autofree char *dirline = g_strconcat("dir ", dir, NULL);
	const char *last = nl ? lines->pdata[nl - 1] : "";
	bool whole = len && buf[len - 1] == '\0'; /* the final newline was cut */
	if (nl < 3 || strcmp(lines->pdata[0], CACHE_MAGIC) != 0 ||
	    strcmp(lines->pdata[1], dirline) != 0 || strcmp(last, "end") != 0 || !whole) {
		g_ptr_array_unref(lines);
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "%s: not a cache of %s (or truncated, or another version)", path, dir);
		return NULL;
	}
	mc_cpumodels *m = map_new(dir);
	feature *f = NULL;
	model *md = NULL;
	bool stale = false;
	for (guint i = 2; i < nl - 1 && !stale; i++) {
		char *w[8];
		guint n = 0;
		bool ok = true;
		for (char *p = lines->pdata[i]; ok && p;) {
			char *sp = strchr(p, ' ');
			if (sp)
				*sp = '\0';
			ok = n < G_N_ELEMENTS(w) - 1 && word_ok(p);
			w[n++] = p;
			p = sp ? sp + 1 : NULL;
		}
		w[n] = NULL;
		if (!ok || n < 2 || !replay(m, w, n, &f, &md, &stale)) {
			mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s:%u: malformed record", path,
				     i + 1);
			mc_cpumodels_free(m);
			g_ptr_array_unref(lines);
			return NULL;
		}
	}
	g_ptr_array_unref(lines);
	if (stale || !m->files->len) {
		mc_error_set(err, MC_EXIT_DATAERR, ESTALE,
			     "%s: stale: a file of the CPU map %s changed", path, dir);
		mc_cpumodels_free(m);
		return NULL;
	}
	return index_bits(m);
}

bool mc_cpumodels_has_model(const mc_cpumodels *m, const char *name)
{
	return g_hash_table_contains(m->models, name);
}

const mc_cpu_bits *mc_cpumodels_feature(const mc_cpumodels *m, const char *name, size_t *n)
{
	static const mc_cpu_bits none;
	const feature *f = g_hash_table_lookup(m->by_name, name);
	*n = f ? f->bits->len : 0;
	if (!f)
		return NULL;
	return f->bits->len ? &g_array_index(f->bits, mc_cpu_bits, 0) : &none;
}

int mc_cpumodels_model_bits(const mc_cpumodels *m, const char *name,
			    void (*fn)(const mc_cpu_bits *b, void *opaque), void *opaque,
			    mc_error *err)
{
	/* The chain of parents, the model itself last. */
	const model *chain[10] = { 0 };
	size_t depth = 0;
	for (const char *n = name; n;) {
		const model *md = g_hash_table_lookup(m->models, n);
		if (!md)
			return mc_error_set(err, MC_EXIT_USAGE, ENOENT,
					    "unknown CPU model '%s' (not in libvirt's CPU map %s)",
					    n, m->dir);
		chain[depth++] = md;
		if (md->parent && depth == G_N_ELEMENTS(chain))
			return mc_error_set(err, MC_EXIT_DATAERR, ELOOP,
					    "CPU model %s: inheritance loop", md->name);
		n = md->parent;
	}
	while (depth--) {
		const model *md = chain[depth];
		for (guint i = 0; i < md->features->len; i++) {
			const feature *f = g_hash_table_lookup(m->by_name, md->features->pdata[i]);
			if (!f)
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "CPU model %s: unknown feature %s", md->name,
						    (const char *)md->features->pdata[i]);
			for (guint j = 0; j < f->bits->len; j++)
				fn(&g_array_index(f->bits, mc_cpu_bits, j), opaque);
		}
	}
	return 0;
}

const char *mc_cpumodels_bit_name(const mc_cpumodels *m, uint32_t leaf, uint32_t index,
				  unsigned reg, unsigned bit)
{
	if (reg > 3 || bit > 31)
		return NULL;
	gint64 key = (gint64)((uint64_t)leaf << 32 | index);
	const char *const *names = g_hash_table_lookup(m->by_bit, &key);
	return names ? names[reg * 32 + bit] : NULL;
}

const char *mc_cpumodels_msr_bit_name(const mc_cpumodels *m, uint32_t index, unsigned bit)
{
	for (guint i = 0; m && bit < 64 && i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (b->is_msr && b->leaf == index && (b->mask >> bit & 1))
				return f->name;
		}
	}
	return NULL;
}

bool mc_cpumodels_msr_defined(const mc_cpumodels *m, uint32_t index)
{
	for (guint i = 0; i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (b->is_msr && b->leaf == index)
				return true;
		}
	}
	return false;
}

size_t mc_cpumodels_nregs(const mc_cpumodels *m)
{
	return m->regs->len;
}

void mc_cpumodels_reg(const mc_cpumodels *m, size_t i, uint32_t *leaf, uint32_t *index,
		      unsigned *reg)
{
	const cpuid_reg *r = &g_array_index(m->regs, cpuid_reg, i);
	*leaf = r->leaf;
	*index = r->index;
	*reg = r->reg;
}

const GArray *mc_cpumodels_memo_get(const mc_cpumodels *m, const char *key)
{
	return g_hash_table_lookup(m->memo, key);
}

void mc_cpumodels_memo_put(const mc_cpumodels *m, const char *key, GArray *bits)
{
	if (g_hash_table_size(m->memo) >= 64) /* bounded: pins seldom vary more */
		g_hash_table_remove_all(m->memo);
	g_hash_table_replace(m->memo, g_strdup(key), bits);
}
