#include "core/base/facts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_facts {
	mc_fact *v;
	size_t n, cap;
	bool sorted; /* v is in canonical order and free of duplicate keys */
	char *block; /* mc_facts_adopt_canonical's text, facts point into it */
	size_t block_len;
};

mc_facts *mc_facts_new(void)
{
	mc_facts *f = calloc(1, sizeof(*f));
	if (f)
		f->sorted = true;
	return f;
}

static void fact_free(const mc_facts *f, mc_fact *x)
{
	uintptr_t d = (uintptr_t)x->domain, b = (uintptr_t)f->block;
	if (f->block && d >= b && d < b + f->block_len)
		return; /* all three in the adopted text */
	free((char *)x->domain);
	free((char *)x->key);
	free((char *)x->value);
}

void mc_facts_free(mc_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		fact_free(f, &f->v[i]);
	free(f->v);
	free(f->block);
	free(f);
}

/* The length of the well-formed UTF-8 sequence at s (s[0] >= 0x80) of a
 * code point XML allows, 0 when there is none: overlong, a surrogate,
 * above U+10FFFF, U+FFFE/U+FFFF, or cut short (a NUL among its bytes). */
static unsigned utf8_seq(const unsigned char *s)
{
	unsigned c = s[0], n;
	unsigned long cp;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return 0;
	for (unsigned k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n + 1;
}

/* Offset of the first byte that is not XML-safe text (a C0 control
 * character, DEL, or not well-formed UTF-8: overlong, surrogate, above
 * U+10FFFF, U+FFFE/U+FFFF), or (size_t)-1 when all of it is. */
static size_t text_check(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (s[i]) {
		unsigned c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return i;
			i++;
			continue;
		}
		unsigned n = utf8_seq(s + i);
		if (!n)
			return i;
		i += n;
	}
	return (size_t)-1;
}

/* The offset in 8 bytes (w, as loaded from memory) of the first that is
 * below 0x20 (a tab among them) or above 0x7e, 8 when none is. The high
 * bit of each byte flags it; a borrow or carry can flag a byte after a
 * flagged one, never one before, so the first flag is exact. */
static inline unsigned first_special8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t m = ((w - 0x20 * ones) & ~w & high) | ((w | (w + ones)) & high);
	if (!m)
		return 8;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (unsigned)__builtin_clzll(m) / 8;
#else
	return (unsigned)__builtin_ctzll(m) / 8;
#endif
}

/* A domain may not start with '#' (a comment) nor with U+FEFF: at the start
 * of a file that is a byte order mark, which the parser skips, so a fact
 * beginning with one would lose it when its canonical text is read again. */
static bool bom_at(const char *s)
{
	return strncmp(s, "\xef\xbb\xbf", 3) == 0;
}

/* The line of canonical text at p (before end) split in place at its two
 * tabs into *d, *k, *v, in one pass, when it ends with a line break and is
 * a fact mc_fact_check accepts: its line break (now a NUL). NULL: the line
 * is left to mc_fact_check for the message. */
static char *line_split(char *p, char *end, const char **d, const char **k, const char **v)
{
	char *field[3] = { p, NULL, NULL }, *tab[2] = { NULL, NULL };
	int n = 0;
	const unsigned char *q = (const unsigned char *)p, *e = (const unsigned char *)end;
	for (;;) {
		if (e - q >= 8) {
			uint64_t w;
			memcpy(&w, q, 8);
			unsigned skip = first_special8(w);
			q += skip;
			if (skip == 8)
				continue;
		}
		if (q == e)
			return NULL; /* no line break */
		unsigned c = *q;
		if (c >= 0x20 && c < 0x7f) {
			q++;
		} else if (c == '\t' && n < 2) {
			if (q == (const unsigned char *)field[n] || q[-1] == ' ')
				return NULL; /* an empty domain or key, trailing space */
			tab[n] = (char *)q;
			field[++n] = (char *)q + 1;
			q++;
		} else if (c == '\n') {
			break;
		} else if (c >= 0x80 && (c = utf8_seq(q)) != 0) {
			q += c;
		} else {
			return NULL;
		}
	}
	if (n != 2 || *field[0] == '#' || bom_at(field[0]) ||
	    ((char *)q > field[2] && q[-1] == ' '))
		return NULL;
	char *nl = (char *)q;
	*tab[0] = *tab[1] = *nl = '\0';
	*d = field[0], *k = field[1], *v = field[2];
	return nl;
}

static int field_check(const char *what, const char *s, bool may_be_empty, mc_error *err)
{
	if (!s)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "fact %s is missing", what);
	if (!*s && !may_be_empty)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "fact %s is empty", what);
	for (const char *p = s; *p; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					    "fact %s \"%.64s\" contains a tab or line break", what,
					    s);
	}
	/* Facts travel in XML (profiles, plans, domain metadata): only text XML
	 * can carry, i.e. UTF-8 without control characters. */
	size_t bad = text_check(s);
	if (bad != (size_t)-1)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "fact %s \"%.*s\" has a control character or invalid UTF-8 "
				    "at byte %zu",
				    what, (int)(bad < 64 ? bad : 64), s, bad);
	size_t len = strlen(s);
	if (len && (s[len - 1] == ' ' || s[len - 1] == '\v' || s[len - 1] == '\f'))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "fact %s \"%.64s\" has trailing white space", what, s);
	return 0;
}

int mc_fact_check(const char *domain, const char *key, const char *value, mc_error *err)
{
	int r;
	if ((r = field_check("domain", domain, false, err)) < 0)
		return r;
	if (domain[0] == '#')
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "fact domain \"%.64s\" starts with '#'", domain);
	if (bom_at(domain))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "fact domain \"%.64s\" starts with a byte order mark (U+FEFF)",
				    domain);
	if ((r = field_check("key", key, false, err)) < 0)
		return r;
	return field_check("value", value, true, err);
}

static int fact_cmp(const void *a, const void *b)
{
	const mc_fact *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	return c ? c : strcmp(x->key, y->key);
}

/* Sort; on equal keys keep the last one added (stable merge semantics are
 * emulated by sorting on (domain, key, insertion index)). */
typedef struct {
	mc_fact f;
	size_t seq;
} seq_fact;

static int seq_cmp(const void *a, const void *b)
{
	const seq_fact *x = a, *y = b;
	int c = fact_cmp(&x->f, &y->f);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Returns true when duplicate (domain, key) pairs were found (and resolved,
 * the last one added winning). */
static bool facts_sort(mc_facts *f)
{
	bool dup = false;
	if (f->sorted)
		return false;
	seq_fact *tmp = malloc(f->n * sizeof(*tmp));
	if (!tmp) { /* fall back: unstable sort; duplicates are prevented on insert */
		qsort(f->v, f->n, sizeof(*f->v), fact_cmp);
		f->sorted = true;
		return false;
	}
	for (size_t i = 0; i < f->n; i++)
		tmp[i] = (seq_fact){ f->v[i], i };
	qsort(tmp, f->n, sizeof(*tmp), seq_cmp);
	size_t out = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (i + 1 < f->n && fact_cmp(&tmp[i].f, &tmp[i + 1].f) == 0) {
			fact_free(f, &tmp[i].f); /* superseded by a later set */
			dup = true;
			continue;
		}
		f->v[out++] = tmp[i].f;
	}
	f->n = out;
	free(tmp);
	f->sorted = true;
	return dup;
}

static mc_fact *facts_find(mc_facts *f, const char *domain, const char *key)
{
	facts_sort(f);
	if (f->n == 0)
		return NULL;
	mc_fact k = { domain, key, NULL };
	return bsearch(&k, f->v, f->n, sizeof(*f->v), fact_cmp);
}

static int facts_append(mc_facts *f, const char *domain, const char *key, const char *value,
			mc_error *err)
{
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		mc_fact *nv = realloc(f->v, ncap * sizeof(*nv));
		if (!nv)
			return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "facts: out of memory");
		f->v = nv;
		f->cap = ncap;
	}
	mc_fact x = { strdup(domain), strdup(key), strdup(value) };
	if (!x.domain || !x.key || !x.value) {
		fact_free(f, &x);
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "facts: out of memory");
	}
	if (f->n && f->sorted && fact_cmp(&f->v[f->n - 1], &x) >= 0)
		f->sorted = false;
	f->v[f->n++] = x;
	return 0;
}

int mc_facts_set(mc_facts *f, const char *domain, const char *key, const char *value, mc_error *err)
{
	int r = mc_fact_check(domain, key, value, err);
	if (r < 0)
		return r;
	/* Appending in order is the common case (probes emit sorted runs); a
	 * lookup would force a sort per insert, so duplicates are resolved at
	 * sort time, last one wins. */
	return facts_append(f, domain, key, value, err);
}

int mc_facts_setf(mc_facts *f, const char *domain, const char *key, mc_error *err,
		  const char *value_fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, value_fmt);
	int n = vsnprintf(buf, sizeof(buf), value_fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return mc_error_set(err, MC_EXIT_SOFTWARE, ERANGE, "fact %s/%s: value too long",
				    domain, key);
	return mc_facts_set(f, domain, key, buf, err);
}

int mc_facts_add(mc_facts *f, const char *domain, const char *key, const char *value, mc_error *err)
{
	int r = mc_fact_check(domain, key, value, err);
	if (r < 0)
		return r;
	if (facts_find(f, domain, key))
		return mc_error_set(err, MC_EXIT_DATAERR, EEXIST, "duplicate fact %s %s", domain,
				    key);
	return facts_append(f, domain, key, value, err);
}

void mc_facts_drop_domain(mc_facts *f, const char *domain)
{
	size_t out = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].domain, domain) == 0)
			fact_free(f, &f->v[i]);
		else
			f->v[out++] = f->v[i];
	}
	f->n = out;
}

size_t mc_facts_count(const mc_facts *f)
{
	facts_sort((mc_facts *)f);
	return f->n;
}

const mc_fact *mc_facts_at(const mc_facts *f, size_t i)
{
	facts_sort((mc_facts *)f);
	return i < f->n ? &f->v[i] : NULL;
}

const char *mc_facts_get(const mc_facts *f, const char *domain, const char *key)
{
	const mc_fact *x = facts_find((mc_facts *)f, domain, key);
	return x ? x->value : NULL;
}

void mc_facts_domain_range(const mc_facts *f, const char *domain, size_t *first, size_t *last)
{
	facts_sort((mc_facts *)f);
	size_t lo = 0, hi = f->n;
	while (lo < hi) { /* lower bound of domain */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(f->v[mid].domain, domain) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	hi = f->n;
	while (lo < hi) { /* upper bound */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(f->v[mid].domain, domain) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*last = lo;
}

mc_facts *mc_facts_dup(const mc_facts *f)
{
	mc_facts *d = mc_facts_new();
	if (!d)
		return NULL;
	facts_sort((mc_facts *)f);
	for (size_t i = 0; i < f->n; i++) {
		if (facts_append(d, f->v[i].domain, f->v[i].key, f->v[i].value, NULL) < 0) {
			mc_facts_free(d);
			return NULL;
		}
	}
	return d;
}

mc_facts *mc_facts_parse(const char *text, size_t len, const char *name, mc_error *err)
{
	mc_facts *f = mc_facts_new();
	char *line = NULL;
	if (!f) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "%s: contains a NUL byte (not a facts file)", name);
		goto fail;
	}
	size_t lineno = 0;
	const char *p = text, *end = text + len;
	/* A UTF-8 byte order mark (editors on some systems write one) is not
	 * part of the first domain name. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		lineno++;
		size_t n = (size_t)(eol - p);
		free(line);
		line = strndup(p, n);
		if (!line) {
			mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
			goto fail;
		}
		p = nl ? nl + 1 : end;
		if (n == 0 || line[0] == '#')
			continue;
		char *t1 = strchr(line, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t1 || !t2) {
			mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				     "%s:%zu: expected DOMAIN<TAB>KEY<TAB>VALUE", name, lineno);
			goto fail;
		}
		*t1 = *t2 = '\0';
		mc_error sub = { 0 };
		if (mc_fact_check(line, t1 + 1, t2 + 1, &sub) < 0 ||
		    facts_append(f, line, t1 + 1, t2 + 1, &sub) < 0) {
			mc_error_set(err, sub.exit_code, sub.errnum, "%s:%zu: %s", name, lineno,
				     sub.msg);
			goto fail;
		}
	}
	free(line);
	line = NULL;
	/* Sorting once at the end keeps unsorted input O(n log n); a duplicate
	 * (domain, key) is an error in a file, not an overwrite. */
	if (!f->sorted) {
		qsort(f->v, f->n, sizeof(*f->v), fact_cmp);
		f->sorted = true;
	}
	for (size_t i = 1; i < f->n; i++) {
		if (fact_cmp(&f->v[i - 1], &f->v[i]) == 0) {
			mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: duplicate fact %s %s", name,
				     f->v[i].domain, f->v[i].key);
			goto fail;
		}
	}
	return f;
fail:
	free(line);
	mc_facts_free(f);
	return NULL;
}

mc_facts *mc_facts_adopt_canonical(char *text, size_t len, const char *name, mc_error *err)
{
	mc_facts *f = mc_facts_new();
	if (!f) {
		free(text);
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	f->block = text;
	f->block_len = len;
	size_t lineno = 0, prev_len = 0; /* the previous fact's "DOMAIN\0KEY\0" */
	char *p = text, *end = text + len;
	while (p < end) {
		mc_fact x;
		char *nl = line_split(p, end, &x.domain, &x.key, &x.value);
		lineno++;
		if (!nl) { /* say why */
			nl = memchr(p, '\n', (size_t)(end - p));
			char *t1 = nl ? memchr(p, '\t', (size_t)(nl - p)) : NULL;
			char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
			if (!nl) {
				mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					     "%s:%zu: the last line has no line break", name,
					     lineno);
			} else if (memchr(p, '\0', (size_t)(nl - p))) {
				mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s:%zu: a NUL byte",
					     name, lineno);
			} else if (!t2) {
				mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					     "%s:%zu: expected DOMAIN<TAB>KEY<TAB>VALUE", name,
					     lineno);
			} else {
				*t1 = *t2 = *nl = '\0';
				mc_error sub = { 0 };
				if (mc_fact_check(p, t1 + 1, t2 + 1, &sub) == 0)
					mc_error_set(&sub, MC_EXIT_DATAERR, EINVAL, "not a fact");
				mc_error_set(err, sub.exit_code, sub.errnum, "%s:%zu: %s", name,
					     lineno, sub.msg);
			}
			goto fail;
		}
		/* (domain, key) above the previous fact's: the bytes of
		 * "DOMAIN\0KEY\0" compare as strcmp does each part, and equal
		 * prefixes of that length are equal keys */
		size_t dk_len = (size_t)(x.value - x.domain);
		if (f->n) {
			const char *prev = f->v[f->n - 1].domain;
			int c = memcmp(prev, x.domain, prev_len < dk_len ? prev_len : dk_len);
			if (c >= 0) {
				mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					     "%s:%zu: fact %s %s is out of order or a duplicate",
					     name, lineno, x.domain, x.key);
				goto fail;
			}
		}
		if (f->n == f->cap) {
			size_t ncap = f->cap ? 2 * f->cap : len / 32 + 16;
			mc_fact *nv = realloc(f->v, ncap * sizeof(*nv));
			if (!nv) {
				mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory",
					     name);
				goto fail;
			}
			f->v = nv;
			f->cap = ncap;
		}
		f->v[f->n++] = x;
		prev_len = dk_len;
		p = nl + 1;
	}
	return f;
fail:
	mc_facts_free(f);
	return NULL;
}

char *mc_facts_canonical(const mc_facts *f, size_t *len_out)
{
	facts_sort((mc_facts *)f);
	size_t len = 0;
	for (size_t i = 0; i < f->n; i++)
		len += strlen(f->v[i].domain) + strlen(f->v[i].key) + strlen(f->v[i].value) + 3;
	char *s = malloc(len + 1), *o = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < f->n; i++) { /* "%s\t%s\t%s\n", without printf's cost */
		const char *part[3] = { f->v[i].domain, f->v[i].key, f->v[i].value };
		for (int k = 0; k < 3; k++) {
			size_t n = strlen(part[k]);
			memcpy(o, part[k], n);
			o += n;
			*o++ = k < 2 ? '\t' : '\n';
		}
	}
	*o = '\0';
	if (len_out)
		*len_out = len;
	return s;
}

size_t mc_facts_diff(const mc_facts *a, const mc_facts *b, mc_facts_diff_cb cb, void *opaque)
{
	facts_sort((mc_facts *)a);
	facts_sort((mc_facts *)b);
	size_t i = 0, j = 0, ndiff = 0;
	while (i < a->n || j < b->n) {
		int c;
		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = fact_cmp(&a->v[i], &b->v[j]);
		if (c < 0) {
			cb(a->v[i].domain, a->v[i].key, a->v[i].value, NULL, opaque);
			i++, ndiff++;
		} else if (c > 0) {
			cb(b->v[j].domain, b->v[j].key, NULL, b->v[j].value, opaque);
			j++, ndiff++;
		} else {
			if (strcmp(a->v[i].value, b->v[j].value) != 0) {
				cb(a->v[i].domain, a->v[i].key, a->v[i].value, b->v[j].value,
				   opaque);
				ndiff++;
			}
			i++, j++;
		}
	}
	return ndiff;
}
