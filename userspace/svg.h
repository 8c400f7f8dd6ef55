/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The markup helpers of report_html.c: HTML escaping, and a bar chart as
 * inline SVG written by hand, so that the page needs no script or
 * library to show its numbers.
 */
#ifndef MAPVIEW_SVG_H
#define MAPVIEW_SVG_H

#include <stdio.h>

/* @s with & < > " ' escaped: safe as element text and in an attribute. */
void html_esc(FILE *f, const char *s);

/* One row of bars: value[col] < 0 means no value (drawn as "n/a"). */
struct svg_series {
	const char *title;		/* above the panel */
	const char *cls;		/* the bars' class, for the page's CSS */
	const long *value;		/* ncols values */
};

/*
 * Columns side by side, one panel per series stacked top down, each
 * panel with its own scale from 0, each bar labelled with its number.
 * Column i is one <g class="@col_class" @col_attrs[i]>, holding its bars,
 * a <title> (@col_title[i], escaped here) and @col_label[i] below.
 */
struct svg_chart {
	int ncols;
	const char *col_class;
	const char *const *col_attrs;	/* raw markup: the caller escapes */
	const char *const *col_title;
	const char *const *col_label;
	int nseries;
	const struct svg_series *series;
	const char *label;		/* aria-label of the whole chart */
};

void svg_bar_chart(FILE *f, const struct svg_chart *c);

#endif /* MAPVIEW_SVG_H */
