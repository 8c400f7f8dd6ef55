// SPDX-License-Identifier: GPL-2.0
/*
 * The project's goals, judged from interleaved rounds and printed after
 * the table.  A goal's figure is the median of its paired ratios, with a
 * 95% bootstrap interval (stats.c): reached when the whole interval meets
 * the target, missed when none of it does, inconclusive otherwise, with
 * how many more rounds would likely decide it.
 *
 * They never change the exit status: make check runs the benchmark
 * under emulation, where its numbers mean nothing, only so that its code
 * cannot rot (selftests/vm_suite.sh).
 */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "bench.h"

#define MAX_GOALS	(MAX_SIZES * 16)

enum verdict { REACHED, MISSED, INCONCLUSIVE, UNMEASURED };

static const char *const verdict_names[] = {
	[REACHED] = "reached", [MISSED] = "missed",
	[INCONCLUSIVE] = "inconclusive", [UNMEASURED] = "not measured",
};

struct goal_result {
	const char *goal;
	const char *detail;	/* the case, where a goal has several */
	size_t size;
	double target;
	bool at_most;
	struct estimate e;
	enum verdict verdict;
	int more;		/* inconclusive: rounds more, -1 many */
	const char *why;	/* not measured: why */
};

static struct goal_result goals[MAX_GOALS];
static int ngoals;
uint64_t bench_seed = 1;

static struct goal_result *goal_new(const char *goal, const char *detail,
				    size_t size, double target, bool at_most)
{
	struct goal_result *g;

	if (ngoals == MAX_GOALS)
		return NULL;
	g = &goals[ngoals++];
	*g = (struct goal_result){
		.goal = goal, .detail = detail, .size = size,
		.target = target, .at_most = at_most,
	};
	return g;
}

void judge_goal(const char *goal, const char *detail, size_t size,
		const double *ratios, int n, double target, bool at_most)
{
	struct goal_result *g = goal_new(goal, detail, size, target, at_most);
	bool all_meet, none_meet;

	if (!g)
		return;
	/* Every goal from the same seed: each can be reproduced alone. */
	paired_estimate(ratios, n, bench_seed, &g->e);
	all_meet = at_most ? g->e.high <= target : g->e.low >= target;
	none_meet = at_most ? g->e.low > target : g->e.high < target;
	g->verdict = all_meet ? REACHED : none_meet ? MISSED : INCONCLUSIVE;
	if (g->verdict == INCONCLUSIVE)
		g->more = more_pairs_needed(&g->e, target);
}

void goal_unmeasured(const char *goal, const char *detail, size_t size,
		     double target, bool at_most, const char *why)
{
	struct goal_result *g = goal_new(goal, detail, size, target, at_most);

	if (g) {
		g->verdict = UNMEASURED;
		g->why = why;
	}
}

void print_goals(void)
{
	char name[64];
	int counts[4] = { 0 };

	printf("\ngoals: median of the paired ratios, 95%% bootstrap interval over the pairs\n"
	       "(seed %llu); reported only, they never change the exit status\n\n",
	       (unsigned long long)bench_seed);
	printf("%-34s %8s %7s %17s %9s %5s  %s\n", "goal", "size MiB",
	       "ratio", "95% interval", "target", "pairs", "verdict");
	for (int i = 0; i < ngoals; i++) {
		const struct goal_result *g = &goals[i];

		counts[g->verdict]++;
		snprintf(name, sizeof(name), "%s%s%s%s", g->goal,
			 g->detail ? " (" : "", g->detail ? g->detail : "",
			 g->detail ? ")" : "");
		printf("%-34s %8zu ", name, g->size / MIB);
		if (g->verdict == UNMEASURED) {
			printf("%7s %17s %6s%.2f %5s  not measured: %s\n", "-", "-",
			       g->at_most ? "<= " : ">= ", g->target, "-", g->why);
			continue;
		}
		printf("%7.3f    [%5.3f, %5.3f] %6s%.2f %5d  %s", g->e.ratio,
		       g->e.low, g->e.high, g->at_most ? "<= " : ">= ",
		       g->target, g->e.pairs, verdict_names[g->verdict]);
		if (g->verdict == INCONCLUSIVE && g->more > 0)
			printf(": about %d more rounds would decide it", g->more);
		else if (g->verdict == INCONCLUSIVE)
			printf(": the median sits on the target; more rounds are unlikely to decide it");
		putchar('\n');
	}
	printf("\n%d reached, %d missed, %d inconclusive, %d not measured\n",
	       counts[REACHED], counts[MISSED], counts[INCONCLUSIVE],
	       counts[UNMEASURED]);
	printf("(rounds more: when the interval's half on the target's side shrinks as\n"
	       " 1/sqrt(pairs) with the spread seen so far, pairs * (half / distance)^2)\n");
}

static struct json_object *json_fixed(double v)
{
	char text[32];

	snprintf(text, sizeof(text), "%.4f", v);
	return json_object_new_double_s(v, text);
}

void json_add_goals(struct json_object *array)
{
	struct json_object *o;

	for (int i = 0; i < ngoals; i++) {
		const struct goal_result *g = &goals[i];

		o = json_object_new_object();
		json_object_object_add(o, "goal", json_object_new_string(g->goal));
		if (g->detail)
			json_object_object_add(o, "case",
					       json_object_new_string(g->detail));
		json_object_object_add(o, "size_bytes", json_object_new_int64(g->size));
		if (g->verdict != UNMEASURED) {
			json_object_object_add(o, "ratio", json_fixed(g->e.ratio));
			json_object_object_add(o, "ci95_low", json_fixed(g->e.low));
			json_object_object_add(o, "ci95_high", json_fixed(g->e.high));
		}
		json_object_object_add(o, "target", json_fixed(g->target));
		json_object_object_add(o, "target_is",
				       json_object_new_string(g->at_most ? "at_most" : "at_least"));
		json_object_object_add(o, "verdict",
				       json_object_new_string(verdict_names[g->verdict]));
		json_object_object_add(o, "pairs", json_object_new_int(g->e.pairs));
		if (g->verdict == INCONCLUSIVE)
			json_object_object_add(o, "more_rounds",
					       json_object_new_int(g->more));
		json_object_object_add(o, "seed", json_object_new_int64((int64_t)bench_seed));
		json_object_array_add(array, o);
	}
}
