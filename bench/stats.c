// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics of a goal: the median of the paired ratios, and a 95%
 * confidence interval for it by bootstrap over the pairs.
 *
 * Why these: under TCG a run's time moves by a factor of two when the
 * host schedules the VM away, and such a run is an outlier, not a
 * shift; the median ignores it where a mean would follow.  A ratio
 * taken within one round (A and B run back to back) cancels what moves
 * both (a busy host for a second, a cold cache after a reload), which a
 * ratio of two separate medians does not.  The bootstrap asks no shape
 * of the ratios' distribution: resample the pairs with replacement,
 * take each resample's median, and the middle 95% of those medians is
 * the interval (the percentile method).
 *
 * The generator is splitmix64 with the seed given, not rand(): the same
 * seed gives the same interval on any libc, so that a run can be
 * reproduced from its printed seed and its JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RESAMPLES	2000

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median_sorted(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double median_of(const double *v, int n)
{
	double sorted[MAX_ROUNDS];

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), compare_doubles);
	return median_sorted(sorted, n);
}

void sort_doubles(double *v, int n)
{
	qsort(v, n, sizeof(*v), compare_doubles);
}

void paired_estimate(const double *ratios, int n, uint64_t seed,
		     struct estimate *e)
{
	static double medians[RESAMPLES];
	double sample[MAX_ROUNDS];
	uint64_t state = seed;

	/* The callers need two pairs at least; none is no estimate. */
	if (n < 1) {
		*e = (struct estimate){ 0 };
		return;
	}
	e->pairs = n;
	e->ratio = median_of(ratios, n);
	for (int b = 0; b < RESAMPLES; b++) {
		for (int i = 0; i < n; i++)
			sample[i] = ratios[splitmix64(&state) % n];
		sort_doubles(sample, n);
		medians[b] = median_sorted(sample, n);
	}
	sort_doubles(medians, RESAMPLES);
	/* The 2.5th and 97.5th percentiles, rounded outwards. */
	e->low = medians[(RESAMPLES - 1) * 25 / 1000];
	e->high = medians[((RESAMPLES - 1) * 975 + 999) / 1000];
}

/*
 * How many more pairs would likely decide an undecided goal: the
 * interval's half on the target's side shrinks as 1/sqrt(pairs) when
 * the pairs spread as they did so far (the standard error of a median
 * does), so it clears the target once pairs > n * (half / distance)^2,
 * distance being the median's from the target.  An estimate, not a
 * promise: more rounds also show whether the median itself moves.
 * -1 when the median sits on the target: no number of rounds is likely
 * to decide it.
 */
int more_pairs_needed(const struct estimate *e, double target)
{
	bool below = e->ratio < target;
	double distance = below ? target - e->ratio : e->ratio - target;
	double half = below ? e->high - e->ratio : e->ratio - e->low;
	double needed;

	if (distance <= 1e-9 * target)
		return -1;
	needed = e->pairs * (half / distance) * (half / distance);
	if (needed >= MAX_ROUNDS * 100.0)
		return -1;
	/* Rounded up; at least one more. */
	return (int)needed + 1 > e->pairs ? (int)needed + 1 - e->pairs : 1;
}
