/* Charts as inline SVG: grouped bars, stacked bars and lines with a y axis
 * (linear or logarithmic), horizontal reference lines and a legend.  No
 * script, no external resources: the page stays readable offline.  Every
 * drawn value is an element of class "mark" with a <title> tooltip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define W 820.0
#define H 400.0
#define ML 72.0   /* left margin: y labels */
#define MR 190.0  /* right: legend and reference labels */
#define MT 40.0   /* top: title */
#define MB 96.0   /* bottom: category labels */

static const char *const palette[] = {
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000",
    "#8c564b", "#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#2ca02c", "#ff7f0e", "#1f77b4",
};

const char *svg_color(unsigned i) { return palette[i % (sizeof(palette) / sizeof(palette[0]))]; }

void html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

struct scale {
    bool log;
    double lo, hi;   /* value range of the axis */
    double y0, y1;   /* pixels: bottom, top */
};

static double ypos(const struct scale *s, double v)
{
    double t;
    if (s->log)
        t = (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));
    else
        t = (v - s->lo) / (s->hi - s->lo);
    return s->y0 - t * (s->y0 - s->y1);
}

static bool drawable(const struct scale *s, double v) { return !isnan(v) && !isinf(v) && (!s->log || v > 0); }

/* A "nice" step (1, 2 or 5 times a power of ten) for about n ticks. */
static double nice_step(double range, int n)
{
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Axis ticks: 500, 2k, 100k, 1M */
static void fmt_tick(char *buf, size_t len, double v)
{
    double a = fabs(v);
    if (a >= 1e6)
        snprintf(buf, len, "%gM", v / 1e6);
    else if (a >= 1e3)
        snprintf(buf, len, "%gk", v / 1e3);
    else
        snprintf(buf, len, "%g", v);
}

static void fmt_num(char *buf, size_t len, double v)
{
    double a = fabs(v);
    if (a >= 1e4 || (a > 0 && a < 1e-3))
        snprintf(buf, len, "%.3g", v);
    else
        snprintf(buf, len, "%.4g", v);
}

static void axis(FILE *f, const struct chart *c, struct scale *s)
{
    double lo = INFINITY, hi = -INFINITY;
    unsigned n = c->n_series * c->n_cats;
    if (c->kind == CHART_STACKED) {
        for (unsigned k = 0; k < c->n_cats; k++) {
            double sum = 0;
            for (unsigned j = 0; j < c->n_series; j++) {
                double v = c->values[j * c->n_cats + k];
                if (!isnan(v) && v > 0)
                    sum += v;
            }
            hi = fmax(hi, sum);
        }
        lo = 0;
    } else {
        for (unsigned i = 0; i < n; i++) {
            double v = c->values[i];
            if (isnan(v) || isinf(v) || (c->log_y && v <= 0))
                continue;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    for (unsigned i = 0; i < c->n_markers; i++) {
        lo = fmin(lo, c->marker_values[i]);
        hi = fmax(hi, c->marker_values[i]);
    }
    s->log = c->log_y;
    s->y0 = H - MB;
    s->y1 = MT;
    if (!(hi > -INFINITY)) { /* nothing to draw */
        lo = s->log ? 1 : 0;
        hi = s->log ? 10 : 1;
    }
    if (s->log) {
        s->lo = pow(10, floor(log10(lo)));
        s->hi = pow(10, ceil(log10(hi)));
        if (s->hi <= s->lo)
            s->hi = s->lo * 10;
    } else {
        s->lo = 0;
        double step = nice_step(hi > 0 ? hi : 1, 5);
        s->hi = ceil(hi * 1.04 / step) * step;
        if (s->hi <= 0)
            s->hi = 1;
    }
    /* grid lines and labels */
    fprintf(f, "<g class=\"axis\" font-size=\"11\" fill=\"#333\">\n");
    char buf[32];
    if (s->log) {
        for (double v = s->lo; v <= s->hi * 1.0001; v *= 10) {
            double y = ypos(s, v);
            fmt_tick(buf, sizeof(buf), v);
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    ML, W - MR, y, y, ML - 6, y + 4, buf);
        }
    } else {
        double step = nice_step(s->hi, 5);
        for (double v = 0; v <= s->hi * 1.0001; v += step) {
            double y = ypos(s, v);
            fmt_tick(buf, sizeof(buf), v);
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    ML, W - MR, y, y, ML - 6, y + 4, buf);
        }
    }
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", ML, W - MR,
            s->y0, s->y0);
    fprintf(f, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">", (s->y0 + s->y1) / 2);
    html_escape(f, c->ylabel);
    fprintf(f, "%s</text>\n", s->log ? " (log)" : "");
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (ML + W - MR) / 2, H - 8);
    html_escape(f, c->xlabel);
    fprintf(f, "</text>\n</g>\n");
}

static double cat_x(const struct chart *c, unsigned k)
{
    double band = (W - ML - MR) / c->n_cats;
    return ML + band * (k + 0.5);
}

static void cat_labels(FILE *f, const struct chart *c)
{
    size_t longest = 0;
    for (unsigned k = 0; k < c->n_cats; k++)
        longest = strlen(c->cats[k]) > longest ? strlen(c->cats[k]) : longest;
    bool rotate = c->n_cats * (longest * 6.5 + 6) > W - ML - MR;
    fprintf(f, "<g class=\"cats\" font-size=\"11\" fill=\"#333\">\n");
    for (unsigned k = 0; k < c->n_cats; k++) {
        double x = cat_x(c, k), y = H - MB + 14;
        if (rotate)
            fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-35)\" text-anchor=\"end\">", x + 4, y);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y);
        html_escape(f, c->cats[k]);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</g>\n");
}

static void tooltip(FILE *f, const struct chart *c, unsigned j, unsigned k, double v)
{
    char buf[32];
    fmt_num(buf, sizeof(buf), v);
    fprintf(f, "<title>");
    html_escape(f, c->series[j]);
    fprintf(f, ", ");
    html_escape(f, c->cats[k]);
    fprintf(f, ": %s", buf);
    if (c->unit) {
        fputc(' ', f);
        html_escape(f, c->unit);
    }
    fprintf(f, "</title>");
}

static unsigned bars(FILE *f, const struct chart *c, const struct scale *s)
{
    unsigned drawn = 0;
    double band = (W - ML - MR) / c->n_cats, inner = band * 0.8, bw = inner / c->n_series;
    for (unsigned k = 0; k < c->n_cats; k++)
        for (unsigned j = 0; j < c->n_series; j++) {
            double v = c->values[j * c->n_cats + k];
            if (!drawable(s, v))
                continue;
            double x = ML + band * k + (band - inner) / 2 + bw * j;
            double base = s->log ? s->y0 : ypos(s, 0), y = ypos(s, v);
            double h = base - y;
            if (h < 1) { /* a value too small to see still gets a visible sliver */
                h = 1;
                y = base - 1;
            }
            fprintf(f, "<rect class=\"mark\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">",
                    x, y, bw > 1.5 ? bw - 0.5 : bw, h, svg_color(j));
            tooltip(f, c, j, k, v);
            fprintf(f, "</rect>\n");
            drawn++;
        }
    return drawn;
}

static unsigned stacked(FILE *f, const struct chart *c, const struct scale *s)
{
    unsigned drawn = 0;
    double band = (W - ML - MR) / c->n_cats, bw = band * 0.6;
    for (unsigned k = 0; k < c->n_cats; k++) {
        double sum = 0, x = ML + band * k + (band - bw) / 2;
        for (unsigned j = 0; j < c->n_series; j++) {
            double v = c->values[j * c->n_cats + k];
            if (isnan(v) || v <= 0)
                continue;
            double y_lo = ypos(s, sum), y_hi = ypos(s, sum + v);
            fprintf(f, "<rect class=\"mark\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">",
                    x, y_hi, bw, fmax(y_lo - y_hi, 0.5), svg_color(j));
            tooltip(f, c, j, k, v);
            fprintf(f, "</rect>\n");
            sum += v;
            drawn++;
        }
        if (c->annotations && c->annotations[k] && sum > 0) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#333\">",
                    x + bw / 2, ypos(s, sum) - 3);
            html_escape(f, c->annotations[k]);
            fprintf(f, "</text>\n");
        }
    }
    return drawn;
}

static unsigned lines(FILE *f, const struct chart *c, const struct scale *s)
{
    unsigned drawn = 0;
    for (unsigned j = 0; j < c->n_series; j++) {
        /* the polyline breaks where a value is missing */
        bool open = false;
        for (unsigned k = 0; k < c->n_cats; k++) {
            double v = c->values[j * c->n_cats + k];
            if (!drawable(s, v)) {
                if (open)
                    fprintf(f, "\"/>\n");
                open = false;
                continue;
            }
            if (!open)
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"", svg_color(j));
            fprintf(f, "%.2f,%.2f ", cat_x(c, k), ypos(s, v));
            open = true;
        }
        if (open)
            fprintf(f, "\"/>\n");
        for (unsigned k = 0; k < c->n_cats; k++) {
            double v = c->values[j * c->n_cats + k];
            if (!drawable(s, v))
                continue;
            fprintf(f, "<circle class=\"mark\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\">", cat_x(c, k),
                    ypos(s, v), svg_color(j));
            tooltip(f, c, j, k, v);
            fprintf(f, "</circle>\n");
            drawn++;
        }
    }
    return drawn;
}

static void markers(FILE *f, const struct chart *c, const struct scale *s)
{
    for (unsigned i = 0; i < c->n_markers; i++) {
        double v = c->marker_values[i];
        if (!drawable(s, v))
            continue;
        double y = ypos(s, v);
        /* the label sits on the line, at the right end of the plot */
        fprintf(f, "<g class=\"ref\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.2f\" y2=\"%.2f\" stroke=\"#c00\" "
                   "stroke-dasharray=\"5 3\"/><text x=\"%.1f\" y=\"%.2f\" font-size=\"10\" fill=\"#c00\" "
                   "text-anchor=\"end\">",
                ML, W - MR, y, y, W - MR - 2, y - 3);
        html_escape(f, c->marker_labels[i]);
        fprintf(f, "</text></g>\n");
    }
}

static void legend(FILE *f, const struct chart *c)
{
    double x = W - MR + 10, y = MT + 4;
    double step = c->n_series > 16 ? 280.0 / c->n_series : 17;
    fprintf(f, "<g class=\"legend\" font-size=\"11\" fill=\"#333\">\n");
    for (unsigned j = 0; j < c->n_series; j++) {
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\">",
                x, y + j * step, svg_color(j), x + 14, y + j * step + 9);
        html_escape(f, c->series[j]);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</g>\n");
}

unsigned svg_chart(FILE *f, const struct chart *c)
{
    /* the marks are counted first so the svg element can carry the number */
    char *body = NULL;
    size_t len = 0;
    FILE *b = open_memstream(&body, &len);
    if (!b)
        return 0;
    struct scale s;
    axis(b, c, &s);
    cat_labels(b, c);
    unsigned drawn = c->kind == CHART_BARS ? bars(b, c, &s) : c->kind == CHART_STACKED ? stacked(b, c, &s)
                                                                                      : lines(b, c, &s);
    markers(b, c, &s);
    legend(b, c);
    fclose(b);
    fprintf(f, "<figure class=\"chart\"><svg class=\"chart\" id=\"");
    html_escape(f, c->id);
    fprintf(f, "\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", W, H, W, H);
    html_escape(f, c->title);
    fprintf(f, "\" data-marks=\"%u\" font-family=\"sans-serif\">\n<text x=\"%.1f\" y=\"20\" font-size=\"14\" "
               "font-weight=\"bold\">",
            drawn, ML);
    html_escape(f, c->title);
    fprintf(f, "</text>\n%s</svg>", body);
    if (c->note) {
        fprintf(f, "<figcaption>");
        html_escape(f, c->note);
        fprintf(f, "</figcaption>");
    }
    fprintf(f, "</figure>\n");
    free(body);
    return drawn;
}
