/* migcheck — host facts: the sorted (domain, key, value) set and its canonical
 * text form. Plain C (libc only): the static probe binary links it too. */
#ifndef MC_FACTS_H
#define MC_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"

typedef struct mc_facts mc_facts; /* opaque */

typedef struct mc_fact {
	const char *domain;
	const char *key;
	const char *value;
} mc_fact;

mc_facts *mc_facts_new(void);
void mc_facts_free(mc_facts *f);
static inline void mc_facts_freep(mc_facts **f)
{
	mc_facts_free(*f);
}
#define mc_autofacts __attribute__((cleanup(mc_facts_freep))) mc_facts

/* Validate one field: non-empty domain/key; no TAB, LF, CR or NUL anywhere;
 * no leading '#' in a domain; no trailing white space. Returns 0 or -EINVAL
 * with err naming the field. */
int mc_fact_check(const char *domain, const char *key, const char *value, mc_error *err);

/* Add (or, when the (domain, key) pair exists, replace) a fact. The strings
 * are copied. -EINVAL on a field mc_fact_check rejects. */
int mc_facts_set(mc_facts *f, const char *domain, const char *key, const char *value,
		 mc_error *err);
int mc_facts_setf(mc_facts *f, const char *domain, const char *key, mc_error *err,
		  const char *value_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Add a fact that must not exist yet: -EEXIST otherwise. */
int mc_facts_add(mc_facts *f, const char *domain, const char *key, const char *value,
		 mc_error *err);

/* Remove every fact of a domain (used when a probe is re-run). */
void mc_facts_drop_domain(mc_facts *f, const char *domain);

size_t mc_facts_count(const mc_facts *f);
/* i-th fact in canonical order (sorting happens lazily). */
const mc_fact *mc_facts_at(const mc_facts *f, size_t i);
/* Value of (domain, key), or NULL. */
const char *mc_facts_get(const mc_facts *f, const char *domain, const char *key);
/* Index range [*first, *last) of the facts of one domain. */
void mc_facts_domain_range(const mc_facts *f, const char *domain, size_t *first, size_t *last);
mc_facts *mc_facts_dup(const mc_facts *f);

/* Parse the canonical text form (comments '#' and blank lines allowed, any
 * order, no duplicate (domain, key)). `name` names the input in errors:
 * "NAME:LINE: problem". */
mc_facts *mc_facts_parse(const char *text, size_t len, const char *name, mc_error *err);

/* The facts of `text`, exactly the canonical text (mc_facts_canonical):
 * lines "DOMAIN<TAB>KEY<TAB>VALUE<LF>" in strictly ascending (domain, key)
 * order, nothing else. The facts take `text` (len bytes, malloc'd, with a
 * NUL at text[len]) in every case and point into it: one allocation for
 * the whole profile, no copy per fact. NULL and err (65, "NAME:LINE:
 * problem") when it is not canonical text. */
mc_facts *mc_facts_adopt_canonical(char *text, size_t len, const char *name, mc_error *err);

/* Canonical text (sorted, one fact per line, LF terminated). Caller frees. */
char *mc_facts_canonical(const mc_facts *f, size_t *len_out);

/* Difference walk: calls cb for each (domain,key) whose value differs;
 * a_value or b_value is NULL when the fact is only on one side. */
typedef void (*mc_facts_diff_cb)(const char *domain, const char *key, const char *a_value,
				 const char *b_value, void *opaque);
size_t mc_facts_diff(const mc_facts *a, const mc_facts *b, mc_facts_diff_cb cb, void *opaque);

#endif
