/* Migration classes (mc_plan_class_id, mc_plan_reads_fact), checked by
 * behaviour rather than by reading the rules: for every fact of the real
 * emulated-host profiles below that no family claims to read, a copy of
 * the profile with that fact's value changed must be in the same class, and
 * a copy with all of them changed must plan exactly alike (every verdict's
 * family, subject, level, reason, facts, remedy, pin) to and from two
 * partner profiles and to itself (on a difference, each change alone names
 * the fact); a fact the families read must change the class. KVM_CAP_NR_VCPUS is one of
 * the unread facts, by name. The profiles: tests/data/plan/real61-*,
 * real612-*, real73-* (arm64 Debian 6.1, 6.12, 7.3) and
 * tests/data/fleet/profiles (6.1 arm64 and x86_64), as plan/README and
 * fleet/profiles/README describe them. */
#include <stdio.h>
#include <string.h>

#include "core/planner/planner.h"
#include "tests/lib/testutil.h"

static const char *const profiles[] = {
	"plan/real61-a57-to-a72.dst",   "plan/real61-to-612-a72.dst",
	"plan/real612-to-73-a57.src",   "plan/real612-to-73-a57.dst",
	"plan/real73-to-612-max.src",   "fleet/profiles/arm-n1.facts",
	"fleet/profiles/x86-max.facts", "fleet/profiles/x86-opteron.facts",
};

static mc_facts *load(const char *rel)
{
	g_autofree char *d = g_path_get_dirname(rel);
	g_autofree char *b = g_path_get_basename(rel);
	return tu_load_facts(d, b, "");
}

/* Every verdict of a plan, one line each (the sides are not in a plan). */
static char *plan_text(const mc_facts *s, const mc_facts *d)
{
	mc_error err = { 0 };
	mc_plan *p = mc_plan_compute(tu_plan_env(), s, d, NULL, &err);
	if (!p)
		return g_strdup_printf("error %d %s", err.exit_code, err.msg);
	GString *t = g_string_new(NULL);
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		g_string_append_printf(t, "%s|%s|%d|%s|%s|%s|%s\n", v->family, v->subject, v->level,
				       v->reason, v->facts ? v->facts : "-",
				       v->remedy ? v->remedy : "-", v->pin ? v->pin : "-");
	}
	mc_plan_free(p);
	return g_string_free(t, FALSE);
}

/* Does c plan exactly as the original did (want: to itself, then to and
 * from each partner)? */
static bool same_plans(const mc_facts *c, GPtrArray *partners, GPtrArray *want)
{
	size_t k = 0;
	bool same = true;
	g_autofree char *self = plan_text(c, c);
	same &= strcmp(self, want->pdata[k++]) == 0;
	for (guint j = 0; j < partners->len; j++) {
		g_autofree char *to = plan_text(c, partners->pdata[j]);
		g_autofree char *from = plan_text(partners->pdata[j], c);
		same &= strcmp(to, want->pdata[k++]) == 0;
		same &= strcmp(from, want->pdata[k++]) == 0;
	}
	return same;
}

START_TEST(unread_facts_change_no_plan)
{
	mc_facts *p = load(profiles[_i]);
	const char *arch = mc_facts_get(p, "kernel", "arch");
	/* partners: the next two profiles of the same architecture (in list
	 * order, wrapping), so that each kernel generation meets others */
	GPtrArray *partners = g_ptr_array_new_with_free_func((GDestroyNotify)mc_facts_free);
	for (size_t k = 1; k < G_N_ELEMENTS(profiles) && partners->len < 2; k++) {
		mc_facts *q = load(profiles[((size_t)_i + k) % G_N_ELEMENTS(profiles)]);
		if (g_strcmp0(mc_facts_get(q, "kernel", "arch"), arch) == 0)
			g_ptr_array_add(partners, q);
		else
			mc_facts_free(q);
	}
	char cls[MC_CLASS_ID_LEN + 1], cls2[MC_CLASS_ID_LEN + 1];
	mc_plan_class_id(p, cls);
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(want, plan_text(p, p));
	for (guint j = 0; j < partners->len; j++) {
		g_ptr_array_add(want, plan_text(p, partners->pdata[j]));
		g_ptr_array_add(want, plan_text(partners->pdata[j], p));
	}
	/* One copy with every unread fact changed at once (plans compared
	 * once: cheap enough for valgrind); the class of each change alone. */
	size_t unread = 0, read = 0;
	bool saw_nr_vcpus = false;
	mc_facts *all = mc_facts_dup(p), *one = mc_facts_dup(p);
	for (size_t i = 0; i < mc_facts_count(p); i++) {
		const mc_fact *f = mc_facts_at(p, i);
		const char *nv = strcmp(f->value, "7") == 0 ? "8" : "7";
		mc_error err = { 0 };
		/* this fact alone changed, then set back */
		ck_assert_int_eq(mc_facts_set(one, f->domain, f->key, nv, &err), 0);
		mc_plan_class_id(one, cls2);
		ck_assert_int_eq(mc_facts_set(one, f->domain, f->key, f->value, &err), 0);
		if (mc_plan_reads_fact(f->domain, f->key)) {
			read++;
			ck_assert_msg(strcmp(cls, cls2) != 0,
				      "%s: %s %s is read but not in the class", profiles[_i],
				      f->domain, f->key);
			continue;
		}
		unread++;
		saw_nr_vcpus |= strcmp(f->key, "KVM_CAP_NR_VCPUS") == 0;
		ck_assert_msg(strcmp(cls, cls2) == 0, "%s: unread %s %s changed the class",
			      profiles[_i], f->domain, f->key);
		ck_assert_int_eq(mc_facts_set(all, f->domain, f->key, nv, &err), 0);
	}
	mc_plan_class_id(all, cls2);
	ck_assert_str_eq(cls, cls2);
	if (!same_plans(all, partners, want)) {
		/* name the fact: each change alone */
		for (size_t i = 0; i < mc_facts_count(p); i++) {
			const mc_fact *f = mc_facts_at(p, i);
			if (mc_plan_reads_fact(f->domain, f->key))
				continue;
			mc_facts *c = mc_facts_dup(p);
			mc_error err = { 0 };
			mc_facts_set(c, f->domain, f->key, strcmp(f->value, "7") == 0 ? "8" : "7",
				     &err);
			bool same = same_plans(c, partners, want);
			mc_facts_free(c);
			ck_assert_msg(same, "%s: unread %s %s, changed, changes a plan",
				      profiles[_i], f->domain, f->key);
		}
		ck_abort_msg("%s: the unread facts changed together change a plan", profiles[_i]);
	}
	mc_facts_free(all);
	mc_facts_free(one);
	fprintf(stderr, "%s: %zu facts read, %zu unread (each changed: same class, same plans)\n",
		profiles[_i], read, unread);
	ck_assert_uint_gt(read, 0);
	ck_assert_msg(saw_nr_vcpus, "%s: KVM_CAP_NR_VCPUS is read, or missing", profiles[_i]);
	g_ptr_array_unref(want);
	g_ptr_array_unref(partners);
	mc_facts_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("classes");
	TCase *tc = tcase_create("classes");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, unread_facts_change_no_plan, 0, (int)G_N_ELEMENTS(profiles));
	suite_add_tcase(s, tc);
	return tu_run(s);
}
