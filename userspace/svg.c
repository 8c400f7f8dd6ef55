// SPDX-License-Identifier: GPL-2.0
/*
 * HTML escaping and a hand-written SVG bar chart, for report_html.c.
 * Plain numbers in plain elements: any browser shows them, and a test
 * can read them from the DOM.
 */
#include "svg.h"

#define CH_LEFT		24	/* px left of the first bar */
#define CH_COL		96	/* px per column */
#define CH_BAR		44	/* px: a bar's width */
#define CH_BAR_MAX	120	/* px: the panel's largest value */
#define CH_PANEL	(CH_BAR_MAX + 40)	/* with its title and numbers */

void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* One bar standing on @y0, its number above it. */
static void bar(FILE *f, const char *cls, int x, int y0, long v, long max)
{
	int h;

	if (v < 0) {	/* no value: say so, and draw no bar of made-up height */
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">n/a</text>\n",
			x + CH_BAR / 2, y0 - 4);
		return;
	}
	h = (int)((double)v / (double)max * CH_BAR_MAX);
	fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%ld</text>\n",
		cls, x, y0 - h, CH_BAR, h, x + CH_BAR / 2, y0 - h - 4, v);
}

void svg_bar_chart(FILE *f, const struct svg_chart *c)
{
	int width = CH_LEFT + c->ncols * CH_COL, height = c->nseries * CH_PANEL + 24;

	fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", width, height);
	html_esc(f, c->label);
	fputs("\">\n", f);
	for (int p = 0; p < c->nseries; p++) {
		int y0 = (p + 1) * CH_PANEL;

		fprintf(f, "<text x=\"0\" y=\"%d\">", y0 - CH_BAR_MAX - 20);
		html_esc(f, c->series[p].title);
		fprintf(f, "</text>\n<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"stroke=\"#444\"/>\n<text x=\"2\" y=\"%d\">0</text>\n",
			y0, width, y0, y0 - 3);
	}
	for (int i = 0; i < c->ncols; i++) {
		int x = CH_LEFT + i * CH_COL;

		fprintf(f, "<g class=\"%s\" %s><title>", c->col_class, c->col_attrs[i]);
		html_esc(f, c->col_title[i]);
		fputs("</title>\n", f);
		for (int p = 0; p < c->nseries; p++) {
			const struct svg_series *s = &c->series[p];
			long max = 1;	/* all zero: bars of height 0, no division by 0 */

			for (int j = 0; j < c->ncols; j++)
				if (s->value[j] > max)
					max = s->value[j];
			bar(f, s->cls, x, (p + 1) * CH_PANEL, s->value[i], max);
		}
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + CH_BAR / 2,
			c->nseries * CH_PANEL + 18);
		html_esc(f, c->col_label[i]);
		fputs("</text>\n</g>\n", f);
	}
	fputs("</svg>\n", f);
}
