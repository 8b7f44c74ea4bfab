/*
 * reference.h - an independent, deliberately plain reference for the C tests: sort-based
 * quantiles, two-pass moments, and binning by searching the edges. Shares no code with histlog.
 */
#ifndef HISTLOG_TEST_REFERENCE_H
#define HISTLOG_TEST_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct reference_stats {
    int64_t total, nans, infs, zeros, outliers;
    double min, max, sum, sum_squares, mean, std, skewness, kurtosis;
    double quantiles[5]; /* 0.1, 0.25, 0.5, 0.75, 0.9 */
} reference_stats;

static int reference_compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.quantile(sorted, p) with the default "linear" method. */
static double reference_quantile(const double *sorted, size_t n, double p) {
    double h = (double)(n - 1) * p;
    size_t i = (size_t)floor(h);
    size_t j = i + 1 < n ? i + 1 : n - 1;
    return sorted[i] + (h - (double)i) * (sorted[j] - sorted[i]);
}

/* Statistics of the finite values of x (the SPEC's conventions: ddof = 1, corrected G1 and
 * excess G2, |x| <= zero_tolerance is zero, |x - mean| > k * std is an outlier). */
static reference_stats reference_compute(const double *x, size_t n, double zero_tolerance, double k) {
    static const double probabilities[5] = {0.1, 0.25, 0.5, 0.75, 0.9};
    reference_stats r;
    double *finite = (double *)malloc((n ? n : 1) * sizeof(double));
    size_t m = 0, i;
    double c, m2 = 0, m3 = 0, m4 = 0;
    memset(&r, 0, sizeof r);
    for (i = 0; i < n; i++) {
        if (isnan(x[i])) r.nans++;
        else if (isinf(x[i])) r.infs++;
        else finite[m++] = x[i];
    }
    r.total = (int64_t)m;
    qsort(finite, m, sizeof(double), reference_compare);
    r.min = m ? finite[0] : NAN;
    r.max = m ? finite[m - 1] : NAN;
    for (i = 0; i < m; i++) {
        r.sum += finite[i];
        r.sum_squares += finite[i] * finite[i];
        if (fabs(finite[i]) <= zero_tolerance) r.zeros++;
    }
    r.mean = m ? r.sum / (double)m : NAN;
    for (i = 0; i < m; i++) {
        c = finite[i] - r.mean;
        m2 += c * c;
        m3 += c * c * c;
        m4 += c * c * c * c;
    }
    r.std = m > 1 ? sqrt(m2 / (double)(m - 1)) : NAN;
    if (m > 2 && m2 > 0) {
        double nn = (double)m, g1 = (m3 / nn) / pow(m2 / nn, 1.5);
        r.skewness = sqrt(nn * (nn - 1)) / (nn - 2) * g1;
    } else {
        r.skewness = NAN;
    }
    if (m > 3 && m2 > 0) {
        double nn = (double)m, g2 = (m4 / nn) / ((m2 / nn) * (m2 / nn)) - 3;
        r.kurtosis = (nn - 1) / ((nn - 2) * (nn - 3)) * ((nn + 1) * g2 + 6);
    } else {
        r.kurtosis = NAN;
    }
    for (i = 0; i < m; i++)
        if (fabs(finite[i] - r.mean) > k * r.std) r.outliers++;
    for (i = 0; i < 5; i++)
        r.quantiles[i] = m ? reference_quantile(finite, m, probabilities[i]) : NAN;
    free(finite);
    return r;
}

/* Counts finite x into the bins of `edges` (n_bins + 1 of them): [a, b) except the last, [a, b].
 * Values outside [edges[0], edges[n_bins]] go to *underflow / *overflow. */
static void reference_bin(const double *x, size_t n, const double *edges, size_t n_bins,
                          double *counts, int64_t *underflow, int64_t *overflow) {
    size_t i, lo, hi, mid;
    for (i = 0; i < n_bins; i++) counts[i] = 0;
    *underflow = *overflow = 0;
    for (i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        if (x[i] < edges[0]) { (*underflow)++; continue; }
        if (x[i] > edges[n_bins]) { (*overflow)++; continue; }
        if (x[i] == edges[n_bins]) { counts[n_bins - 1]++; continue; }
        lo = 0; /* the last edge <= x */
        hi = n_bins;
        while (hi - lo > 1) {
            mid = (lo + hi) / 2;
            if (edges[mid] <= x[i]) lo = mid; else hi = mid;
        }
        counts[lo]++;
    }
}

/* A deterministic pseudo-random double in [0, 1) (64-bit LCG, top 53 bits). */
static double reference_uniform(uint64_t *state) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*state >> 11) * (1.0 / 9007199254740992.0);
}

#endif
