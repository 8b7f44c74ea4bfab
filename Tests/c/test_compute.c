/*
 * test_compute.c - the version, error and compute parts of the C API (Include/histlog.h),
 * checked against hand-computed values and against reference.h. Builds as C11 and as C++17.
 */
#include <histlog.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reference.h"

#define MAX_BINS 64

/* The output of one hl_compute_* call. */
typedef struct computed {
    int status;
    size_t n_bins;
    double edges[MAX_BINS + 1];
    double counts[MAX_BINS];
    hl_stats stats;
} computed;

static computed compute_f64(const double *values, size_t n, const hl_bin_config *config) {
    computed c;
    memset(&c, 0, sizeof c);
    c.status = hl_compute_f64(values, n, config, c.edges, MAX_BINS + 1, c.counts, MAX_BINS, &c.n_bins, &c.stats);
    return c;
}

static computed compute_f32(const float *values, size_t n, const hl_bin_config *config) {
    computed c;
    memset(&c, 0, sizeof c);
    c.status = hl_compute_f32(values, n, config, c.edges, MAX_BINS + 1, c.counts, MAX_BINS, &c.n_bins, &c.stats);
    return c;
}

/* Every statistic of `c` against the reference over the same values, and its counts against
 * the reference binning over the edges it returned. */
static void check_against_reference(const computed *c, const double *values, size_t n,
                                    double zero_tolerance, double k, double tolerance) {
    reference_stats r = reference_compute(values, n, zero_tolerance, k);
    double counts[MAX_BINS];
    int64_t underflow, overflow;
    size_t i;
    CHECK_STATUS(c->status, HL_OK);
    if (c->status != HL_OK) return;
    CHECK(c->n_bins >= 1 && c->n_bins <= MAX_BINS);
    for (i = 0; i < c->n_bins; i++) CHECK(c->edges[i] < c->edges[i + 1]);
    reference_bin(values, n, c->edges, c->n_bins, counts, &underflow, &overflow);
    for (i = 0; i < c->n_bins; i++) CHECK_CLOSE(c->counts[i], counts[i], 0);
    CHECK_INT(c->stats.underflow_count, underflow);
    CHECK_INT(c->stats.overflow_count, overflow);
    CHECK_INT(c->stats.total_count, r.total);
    CHECK_INT(c->stats.nan_count, r.nans);
    CHECK_INT(c->stats.inf_count, r.infs);
    CHECK_INT(c->stats.zero_count, r.zeros);
    CHECK_INT(c->stats.outlier_count, r.outliers);
    CHECK_CLOSE(c->stats.min, r.min, 0);
    CHECK_CLOSE(c->stats.max, r.max, 0);
    CHECK_CLOSE(c->stats.sum, r.sum, tolerance);
    CHECK_CLOSE(c->stats.sum_squares, r.sum_squares, tolerance);
    CHECK_CLOSE(c->stats.mean, r.mean, tolerance);
    CHECK_CLOSE(c->stats.std, r.std, tolerance);
    CHECK_CLOSE(c->stats.skewness, r.skewness, 1e3 * tolerance);
    CHECK_CLOSE(c->stats.kurtosis, r.kurtosis, 1e3 * tolerance);
    for (i = 0; i < HL_NUM_QUANTILES; i++) CHECK_CLOSE(c->stats.quantiles[i], r.quantiles[i], 1e-12);
    CHECK_CLOSE(c->stats.median, r.quantiles[2], 1e-12);
    CHECK_INT(c->stats.estimated, 0);
}

static void test_version(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", HL_VERSION_MAJOR, HL_VERSION_MINOR, HL_VERSION_PATCH);
    CHECK(hl_version() != NULL);
    CHECK(strcmp(hl_version(), expected) == 0);
    CHECK_INT(hl_version_number(), HL_VERSION_NUMBER);
}

static void test_error_names(void) {
    CHECK(strcmp(hl_error_name(HL_OK), "HL_OK") == 0);
    CHECK(strcmp(hl_error_name(HL_EINVAL), "HL_EINVAL") == 0);
    CHECK(strcmp(hl_error_name(HL_ENULL), "HL_ENULL") == 0);
    CHECK(strcmp(hl_error_name(HL_EIO), "HL_EIO") == 0);
    CHECK(strcmp(hl_error_name(HL_ENOMEM), "HL_ENOMEM") == 0);
    CHECK(strcmp(hl_error_name(HL_ECLOSED), "HL_ECLOSED") == 0);
    CHECK(strcmp(hl_error_name(HL_ENOTFOUND), "HL_ENOTFOUND") == 0);
    CHECK(strcmp(hl_error_name(HL_ESIZE), "HL_ESIZE") == 0);
    CHECK(strcmp(hl_error_name(HL_EFORMAT), "HL_EFORMAT") == 0);
    CHECK(strcmp(hl_error_name(HL_EINTERNAL), "HL_EINTERNAL") == 0);
    CHECK(strcmp(hl_error_name(-42), "HL_E_UNKNOWN") == 0);
    CHECK(strcmp(hl_error_name(1), "HL_E_UNKNOWN") == 0);
    CHECK(hl_last_error() != NULL);
}

static void test_bin_config_init(void) {
    hl_bin_config config;
    memset(&config, 0xAB, sizeof config);
    CHECK_STATUS(hl_bin_config_init(&config, sizeof config), HL_OK);
    CHECK_INT(config.size, sizeof config);
    CHECK_INT(config.bins, 30);
    CHECK_INT(config.scale, HL_SCALE_LINEAR);
    CHECK_INT(config.has_range, 0);
    CHECK(config.edges == NULL);
    CHECK_INT(config.n_edges, 0);
    CHECK_CLOSE(config.outlier_threshold, 3, 0);
    CHECK_CLOSE(config.zero_tolerance, 0, 0);
    CHECK_STATUS(hl_bin_config_init(NULL, sizeof config), HL_ENULL);
    /* A size this library does not know (another header's struct) is refused, nothing written. */
    memset(&config, 0xAB, sizeof config);
    CHECK_STATUS(hl_bin_config_init(&config, sizeof config + 8), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "size");
    CHECK_INT(config.bins, (int32_t)0xABABABAB);
}

/* 1..10 in 3 bins, every number worked out by hand. */
static void test_compute_by_hand(void) {
    static const double values[10] = {3, 1, 4, 10, 5, 9, 2, 6, 8, 7};
    static const double quantiles[5] = {1.9, 3.25, 5.5, 7.75, 9.1};
    float values32[10];
    hl_bin_config config;
    computed c;
    int i, pass;
    hl_bin_config_init(&config, sizeof config);
    config.bins = 3;
    for (i = 0; i < 10; i++) values32[i] = (float)values[i];
    for (pass = 0; pass < 2; pass++) {
        c = pass == 0 ? compute_f64(values, 10, &config) : compute_f32(values32, 10, &config);
        CHECK_STATUS(c.status, HL_OK);
        CHECK_INT(c.n_bins, 3);
        CHECK_CLOSE(c.edges[0], 1, 0);
        CHECK_CLOSE(c.edges[1], 4, 1e-15);
        CHECK_CLOSE(c.edges[2], 7, 1e-15);
        CHECK_CLOSE(c.edges[3], 10, 0);
        CHECK_CLOSE(c.counts[0], 3, 0); /* 1 2 3 */
        CHECK_CLOSE(c.counts[1], 3, 0); /* 4 5 6 */
        CHECK_CLOSE(c.counts[2], 4, 0); /* 7 8 9 10: the last bin is closed */
        CHECK_INT(c.stats.total_count, 10);
        CHECK_INT(c.stats.nan_count, 0);
        CHECK_INT(c.stats.inf_count, 0);
        CHECK_INT(c.stats.zero_count, 0);
        CHECK_INT(c.stats.outlier_count, 0);
        CHECK_INT(c.stats.underflow_count, 0);
        CHECK_INT(c.stats.overflow_count, 0);
        CHECK_CLOSE(c.stats.min, 1, 0);
        CHECK_CLOSE(c.stats.max, 10, 0);
        CHECK_CLOSE(c.stats.sum, 55, 1e-15);
        CHECK_CLOSE(c.stats.sum_squares, 385, 1e-15);
        CHECK_CLOSE(c.stats.mean, 5.5, 1e-15);
        CHECK_CLOSE(c.stats.std, sqrt(82.5 / 9), 1e-14);  /* sum (x - 5.5)^2 = 82.5, ddof 1 */
        CHECK_CLOSE(c.stats.skewness, 0, 1e-12);          /* symmetric */
        CHECK_CLOSE(c.stats.kurtosis, -1.2, 1e-12);       /* G2 of 1..10: 9/56 * (11 g2 + 6) */
        for (i = 0; i < 5; i++) CHECK_CLOSE(c.stats.quantiles[i], quantiles[i], 1e-14);
        CHECK_CLOSE(c.stats.median, 5.5, 1e-15);
        CHECK_INT(c.stats.estimated, 0);
    }
}

/* Pseudo-random data with zeros, outliers, NaN and Inf, against reference.h. */
static void test_compute_against_reference(void) {
    enum { N = 5000 };
    double *values = (double *)malloc(N * sizeof(double));
    float *values32 = (float *)malloc(N * sizeof(float));
    double *widened = (double *)malloc(N * sizeof(double));
    uint64_t state = 42;
    hl_bin_config config;
    computed c;
    size_t i;
    for (i = 0; i < N; i++) values[i] = 2 * reference_uniform(&state) - 1 + 0.25 * reference_uniform(&state);
    values[10] = 0.0;
    values[11] = -0.0;
    values[12] = NAN;
    values[13] = INFINITY;
    values[14] = -INFINITY;
    values[15] = 40.0;  /* outliers */
    values[16] = -35.5;
    values[17] = 1e-3;  /* zero within the tolerance below */
    for (i = 0; i < N; i++) {
        values32[i] = (float)values[i];
        widened[i] = (double)values32[i];
    }

    c = compute_f64(values, N, NULL);
    CHECK_INT(c.n_bins, 30);
    CHECK_CLOSE(c.edges[0], -35.5, 0);
    CHECK_CLOSE(c.edges[30], 40.0, 0);
    CHECK_CLOSE(c.edges[15], -35.5 + 75.5 / 2, 1e-14);
    check_against_reference(&c, values, N, 0, 3, 1e-11);

    c = compute_f32(values32, N, NULL);
    check_against_reference(&c, widened, N, 0, 3, 1e-6);

    hl_bin_config_init(&config, sizeof config);
    config.bins = 17;
    config.outlier_threshold = 2;
    config.zero_tolerance = 0.01;
    c = compute_f64(values, N, &config);
    CHECK_INT(c.n_bins, 17);
    check_against_reference(&c, values, N, 0.01, 2, 1e-11);
    c = compute_f32(values32, N, &config);
    check_against_reference(&c, widened, N, 0.01, 2, 1e-6);

    /* A fixed range: values outside are under/overflow, statistics still cover everything. */
    hl_bin_config_init(&config, sizeof config);
    config.bins = 10;
    config.has_range = 1;
    config.range_lo = -0.5;
    config.range_hi = 0.5;
    c = compute_f64(values, N, &config);
    CHECK_INT(c.n_bins, 10);
    CHECK_CLOSE(c.edges[0], -0.5, 0);
    CHECK_CLOSE(c.edges[10], 0.5, 0);
    CHECK(c.stats.underflow_count > 0 && c.stats.overflow_count > 0);
    check_against_reference(&c, values, N, 0, 3, 1e-11);

    /* Explicit edges, uneven. */
    {
        static const double edges[5] = {-1, -0.25, 0, 0.1, 1};
        hl_bin_config_init(&config, sizeof config);
        config.edges = edges;
        config.n_edges = 5;
        c = compute_f64(values, N, &config);
        CHECK_INT(c.n_bins, 4);
        for (i = 0; i < 5; i++) CHECK_CLOSE(c.edges[i], edges[i], 0);
        check_against_reference(&c, values, N, 0, 3, 1e-11);
    }

    /* Log and automatic scales: whatever edges they choose, the counts must match them. */
    hl_bin_config_init(&config, sizeof config);
    config.scale = HL_SCALE_LOG;
    c = compute_f64(values, N, &config);
    check_against_reference(&c, values, N, 0, 3, 1e-11);
    config.scale = HL_SCALE_AUTO;
    c = compute_f64(values, N, &config);
    check_against_reference(&c, values, N, 0, 3, 1e-11);

    free(values);
    free(values32);
    free(widened);
}

/* The header promises n_bins == config->bins whatever the scale, so callers can size buffers
 * before the call; checked on data that drives the log layouts into every case. */
static void test_bin_count_is_config_bins(void) {
    static const double mixed[6] = {-1e4, -2.5, 0.0, 1e-3, 7.0, 1e6};
    static const double positive[5] = {1e-6, 3e-3, 1.0, 250.0, 1e9};
    static const double negative[4] = {-1e9, -40.0, -1.0, -1e-5};
    static const double zeros[3] = {0.0, -0.0, 0.0};
    static const double one[1] = {42.0};
    static const double *sets[5] = {mixed, positive, negative, zeros, one};
    static const size_t sizes[5] = {6, 5, 4, 3, 1};
    static const int bin_counts[6] = {1, 2, 3, 4, 7, 30};
    static const int scales[3] = {HL_SCALE_LINEAR, HL_SCALE_LOG, HL_SCALE_AUTO};
    hl_bin_config config;
    computed c;
    size_t set, i;
    int b, s, range;
    for (set = 0; set < 5; set++)
        for (b = 0; b < 6; b++)
            for (s = 0; s < 3; s++)
                for (range = 0; range < 2; range++) {
                    double binned = 0;
                    hl_bin_config_init(&config, sizeof config);
                    config.bins = bin_counts[b];
                    config.scale = scales[s];
                    config.has_range = range;
                    config.range_lo = -100;
                    config.range_hi = 1000;
                    c = compute_f64(sets[set], sizes[set], &config);
                    CHECK_STATUS(c.status, HL_OK);
                    CHECK_INT(c.n_bins, bin_counts[b]);
                    for (i = 0; i < c.n_bins; i++) {
                        CHECK(isfinite(c.edges[i]) && c.edges[i] < c.edges[i + 1]);
                        binned += c.counts[i];
                    }
                    CHECK_CLOSE(binned + (double)c.stats.underflow_count + (double)c.stats.overflow_count,
                                (double)sizes[set], 0);
                }
}

/* Empty input and input without a finite value are records, not errors. */
static void test_compute_empty_and_nonfinite(void) {
    static const double specials[4] = {NAN, INFINITY, -INFINITY, NAN};
    computed c = compute_f64(NULL, 0, NULL);
    size_t i;
    CHECK_STATUS(c.status, HL_OK);
    CHECK_INT(c.n_bins, 30);
    CHECK_INT(c.stats.total_count, 0);
    CHECK(isnan(c.stats.mean) && isnan(c.stats.std) && isnan(c.stats.min) && isnan(c.stats.median));
    for (i = 0; i < c.n_bins; i++) CHECK_CLOSE(c.counts[i], 0, 0);
    for (i = 0; i < c.n_bins; i++) CHECK(c.edges[i] < c.edges[i + 1]);

    c = compute_f64(specials, 4, NULL);
    CHECK_STATUS(c.status, HL_OK);
    CHECK_INT(c.stats.total_count, 0);
    CHECK_INT(c.stats.nan_count, 2);
    CHECK_INT(c.stats.inf_count, 2);
    CHECK(isnan(c.stats.mean));
    for (i = 0; i < c.n_bins; i++) CHECK(isfinite(c.edges[i]));

    {   /* One value: numpy widens the range by 0.5 on each side. */
        static const double one = 2.5;
        c = compute_f64(&one, 1, NULL);
        CHECK_STATUS(c.status, HL_OK);
        CHECK_CLOSE(c.edges[0], 2.0, 0);
        CHECK_CLOSE(c.edges[c.n_bins], 3.0, 0);
        CHECK_INT(c.stats.total_count, 1);
        CHECK_CLOSE(c.stats.mean, 2.5, 0);
        CHECK(isnan(c.stats.std));
        CHECK_CLOSE(c.stats.median, 2.5, 0);
    }
}

/* Capacities: a size query writes only *n_bins; exact capacities suffice. */
static void test_compute_size_query(void) {
    static const double values[4] = {1, 2, 3, 4};
    double edges[31], counts[30];
    size_t n_bins = 0;
    hl_stats stats;
    size_t i;
    memset(&stats, 0x5A, sizeof stats);
    CHECK_STATUS(hl_compute_f64(values, 4, NULL, NULL, 0, NULL, 0, &n_bins, &stats), HL_ESIZE);
    CHECK_INT(n_bins, 30);
    CHECK_CONTAINS(hl_last_error(), "edges");
    CHECK_INT(stats.total_count, 0x5A5A5A5A5A5A5A5All); /* untouched */

    for (i = 0; i < 31; i++) edges[i] = -7;
    for (i = 0; i < 30; i++) counts[i] = -7;
    n_bins = 0;
    CHECK_STATUS(hl_compute_f64(values, 4, NULL, edges, 30, counts, 30, &n_bins, &stats), HL_ESIZE);
    CHECK_INT(n_bins, 30);
    CHECK_CLOSE(edges[0], -7, 0);
    CHECK_CLOSE(counts[0], -7, 0);
    CHECK_STATUS(hl_compute_f64(values, 4, NULL, edges, 31, counts, 29, &n_bins, &stats), HL_ESIZE);
    CHECK_CONTAINS(hl_last_error(), "counts");
    CHECK_CLOSE(edges[0], -7, 0);

    CHECK_STATUS(hl_compute_f64(values, 4, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_OK);
    CHECK_CLOSE(edges[0], 1, 0);
    CHECK_CLOSE(edges[30], 4, 0);
    CHECK_CLOSE(counts[0], 1, 0);  /* 1 */
    CHECK_CLOSE(counts[10], 1, 0); /* 2: (2 - 1) / 3 * 30 = 10 */
    CHECK_CLOSE(counts[20], 1, 0); /* 3 */
    CHECK_CLOSE(counts[29], 1, 0); /* 4, in the closed last bin */
    CHECK_STATUS(hl_compute_f64(values, 4, NULL, edges, 31, counts, 30, &n_bins, &stats), HL_OK);
    CHECK_INT(stats.total_count, 4);
}

/* hl_histogram_*: the edges and counts of hl_compute_*, extremes and special counts, no statistics. */
static void test_histogram_alone(void) {
    double values[1000], edges[MAX_BINS + 1], counts[MAX_BINS];
    float values32[1000];
    size_t i, n_bins = 0;
    hl_histogram_totals totals;
    hl_bin_config config;
    struct computed c;
    for (i = 0; i < 1000; i++) values[i] = sin((double)i) * 3;
    values[10] = NAN;
    values[20] = INFINITY;
    c = compute_f64(values, 1000, NULL);
    CHECK_STATUS(hl_histogram_f64(values, 1000, NULL, edges, MAX_BINS + 1, counts, MAX_BINS, &n_bins, &totals), HL_OK);
    CHECK_INT(n_bins, c.n_bins);
    for (i = 0; i <= n_bins; i++) CHECK_CLOSE(edges[i], c.edges[i], 0);
    for (i = 0; i < n_bins; i++) CHECK_CLOSE(counts[i], c.counts[i], 0);
    CHECK_INT(totals.total_count, 998);
    CHECK_INT(totals.nan_count, 1);
    CHECK_INT(totals.inf_count, 1);
    CHECK_CLOSE(totals.min, c.stats.min, 0);
    CHECK_CLOSE(totals.max, c.stats.max, 0);

    for (i = 0; i < 1000; i++) values32[i] = (float)values[i];
    hl_bin_config_init(&config, sizeof config);
    config.bins = 8;
    config.has_range = 1;
    config.range_lo = -1;
    config.range_hi = 1;
    CHECK_STATUS(hl_histogram_f32(values32, 1000, &config, edges, 9, counts, 8, &n_bins, &totals), HL_OK);
    CHECK_INT(n_bins, 8);
    CHECK(totals.underflow_count > 0 && totals.overflow_count > 0);
    {
        double binned = 0;
        for (i = 0; i < 8; i++) binned += counts[i];
        CHECK_INT((int64_t)binned + totals.underflow_count + totals.overflow_count, totals.total_count);
    }
    CHECK_STATUS(hl_histogram_f32(values32, 1000, &config, edges, 9, counts, 8, &n_bins, NULL), HL_OK);
    CHECK_STATUS(hl_histogram_f64(values, 1000, NULL, NULL, 0, NULL, 0, &n_bins, NULL), HL_ESIZE);
    CHECK_INT(n_bins, 30);
    CHECK_STATUS(hl_histogram_f64(NULL, 3, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "values");
    CHECK_STATUS(hl_histogram_f64(values, 0, NULL, edges, 31, counts, 30, &n_bins, &totals), HL_OK);
    CHECK_INT(totals.total_count, 0);
    CHECK(isnan(totals.min) && isnan(totals.max));
    config.range_hi = -1;
    CHECK_STATUS(hl_histogram_f32(values32, 1000, &config, edges, 9, counts, 8, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "range");
}

/* hl_set_max_threads: the same summary, bit for bit, on one thread and on two. */
/* A float's bfloat16 bits, rounded to nearest even (as torch rounds). */
static uint16_t bfloat16_bits(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

/* hl_*_bf16 read bfloat16 in place: the results of hl_*_f32 over the same values as floats, and
 * the reference over them as doubles. */
static void test_bfloat16(void) {
    enum { N = 20011 }; /* two blocks of 8,192 values and a ragged tail */
    static uint16_t bits[N];
    static float widened[N];
    static double exact[N];
    double edges[MAX_BINS + 1], counts[MAX_BINS];
    hl_histogram_totals totals, totals32;
    hl_stats stats;
    size_t i, n_bins = 0;
    computed c32;
    for (i = 0; i < N; i++) {
        uint32_t wide;
        bits[i] = bfloat16_bits((float)(sin((double)i * 0.37) * exp(cos((double)i)) * 1e-2));
        wide = (uint32_t)bits[i] << 16;
        memcpy(&widened[i], &wide, sizeof wide);
        exact[i] = widened[i];
    }
    bits[5] = 0x7FC0; /* NaN */
    bits[6] = 0xFF80; /* -Inf */
    widened[5] = NAN;
    widened[6] = -INFINITY;
    exact[5] = NAN;
    exact[6] = -INFINITY;
    c32 = compute_f32(widened, N, NULL);
    CHECK_STATUS(hl_compute_bf16(bits, N, NULL, edges, MAX_BINS + 1, counts, MAX_BINS, &n_bins, &stats), HL_OK);
    CHECK_INT(n_bins, c32.n_bins);
    CHECK(memcmp(edges, c32.edges, (n_bins + 1) * sizeof(double)) == 0);
    CHECK(memcmp(counts, c32.counts, n_bins * sizeof(double)) == 0);
    CHECK(memcmp(&stats, &c32.stats, sizeof stats) == 0);
    c32.stats = stats;
    check_against_reference(&c32, exact, N, 0, 3, 1e-9);
    CHECK_STATUS(hl_histogram_bf16(bits, N, NULL, edges, MAX_BINS + 1, counts, MAX_BINS, &n_bins, &totals), HL_OK);
    CHECK_STATUS(hl_histogram_f32(widened, N, NULL, c32.edges, MAX_BINS + 1, c32.counts, MAX_BINS, &n_bins, &totals32), HL_OK);
    CHECK(memcmp(counts, c32.counts, n_bins * sizeof(double)) == 0);
    CHECK(memcmp(&totals, &totals32, sizeof totals) == 0);
    CHECK_INT(totals.nan_count, 1);
    CHECK_INT(totals.inf_count, 1);
    CHECK_STATUS(hl_compute_bf16(NULL, 3, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "values");
    CHECK_STATUS(hl_histogram_bf16(bits, 0, NULL, edges, 31, counts, 30, &n_bins, &totals), HL_OK);
    CHECK_INT(totals.total_count, 0);
}

static void test_threads(void) {
    enum { N = (1 << 21) + 12345 };
    float *values = (float *)malloc(N * sizeof(float));
    double edges[2][31], counts[2][30];
    hl_stats stats[2];
    size_t n_bins, i;
    int run;
    CHECK(values != NULL);
    if (!values) return;
    for (i = 0; i < N; i++) values[i] = (float)(sin((double)i * 0.37) * 2 + cos((double)i * 1e-5));
    CHECK_INT(hl_set_max_threads(1), 1);
    for (run = 0; run < 2; run++) {
        if (run == 1) CHECK_INT(hl_set_max_threads(2), 1);
        memset(&stats[run], 0, sizeof stats[run]);
        CHECK_STATUS(hl_compute_f32(values, N, NULL, edges[run], 31, counts[run], 30, &n_bins, &stats[run]), HL_OK);
    }
    CHECK_INT(hl_set_max_threads(0), 2); /* below 1: taken as 1 */
    CHECK_INT(hl_set_max_threads(1), 1);
    CHECK(memcmp(&stats[0], &stats[1], sizeof stats[0]) == 0);
    CHECK(memcmp(edges[0], edges[1], sizeof edges[0]) == 0 && memcmp(counts[0], counts[1], sizeof counts[0]) == 0);
    CHECK_INT(stats[0].total_count, N);
    free(values);
}

/* Every bad argument is a status and a message, never a crash. */
static void test_compute_errors(void) {
    static const double values[3] = {1, 2, 3};
    static const double bad_edges[3] = {0, 2, 1};
    static const double nan_edges[3] = {0, NAN, 1};
    static const float values32[3] = {1, 2, 3};
    double edges[MAX_BINS + 1], counts[MAX_BINS];
    size_t n_bins;
    hl_bin_config config;

    CHECK_STATUS(hl_compute_f64(NULL, 3, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "values");
    CHECK_STATUS(hl_compute_f32(NULL, 3, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_ENULL);
    CHECK_STATUS(hl_compute_f64(values, 3, NULL, edges, 31, counts, 30, NULL, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "n_bins");
    CHECK_STATUS(hl_compute_f32(values32, 3, NULL, edges, 31, counts, 30, NULL, NULL), HL_ENULL);
    CHECK_STATUS(hl_compute_f64(values, 3, NULL, NULL, 31, counts, 30, &n_bins, NULL), HL_ENULL);
    CHECK_STATUS(hl_compute_f64(values, 3, NULL, edges, 31, NULL, 30, &n_bins, NULL), HL_ENULL);
    CHECK_STATUS(hl_compute_f64(values, (size_t)-1, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_STATUS(hl_compute_f32(values32, SIZE_MAX / 2 + 1, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_STATUS(hl_compute_f64(values, 3, NULL, edges, (size_t)-1, counts, 30, &n_bins, NULL), HL_EINVAL);

    hl_bin_config_init(&config, sizeof config);
    config.bins = 0;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "bins");
    config.bins = -5;
    CHECK_STATUS(hl_compute_f32(values32, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);

    hl_bin_config_init(&config, sizeof config);
    config.scale = 7;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "scale");
    config.scale = -1;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);

    /* A struct filled without hl_bin_config_init, or by another header, has a size it does not know. */
    hl_bin_config_init(&config, sizeof config);
    config.size = 0;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "hl_bin_config.size is 0");
    config.size = sizeof config - 8;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);

    hl_bin_config_init(&config, sizeof config);
    config.has_range = 1;
    config.range_lo = 2;
    config.range_hi = 1;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    config.range_lo = 1;
    config.range_hi = 1;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    config.range_lo = NAN;
    config.range_hi = 1;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    config.range_lo = 0;
    config.range_hi = INFINITY;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);

    hl_bin_config_init(&config, sizeof config);
    config.edges = bad_edges;
    config.n_edges = 3;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "edges");
    config.edges = nan_edges;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    config.edges = values;
    config.n_edges = 1;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    config.edges = NULL;
    config.n_edges = 3;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_ENULL);
    config.edges = values;
    config.n_edges = (size_t)-2;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);

    hl_bin_config_init(&config, sizeof config);
    config.outlier_threshold = 0;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "outlier_threshold must be finite and > 0");
    config.outlier_threshold = NAN;
    CHECK_STATUS(hl_compute_f32(values32, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    hl_bin_config_init(&config, sizeof config);
    config.zero_tolerance = -1;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "zero_tolerance must be finite and >= 0");
    config.zero_tolerance = NAN;
    CHECK_STATUS(hl_compute_f64(values, 3, &config, edges, 31, counts, 30, &n_bins, NULL), HL_EINVAL);

    /* After all those failures the library still computes. */
    CHECK_STATUS(hl_compute_f64(values, 3, NULL, edges, 31, counts, 30, &n_bins, NULL), HL_OK);
}

/* hl_last_error() belongs to the calling thread. */
typedef struct thread_errors {
    int bins;
    int status;
    char message[256];
} thread_errors;

static void *fail_with_bins(void *argument) {
    thread_errors *t = (thread_errors *)argument;
    static const double values[2] = {1, 2};
    double edges[4], counts[3];
    size_t n_bins;
    hl_bin_config config;
    int round;
    hl_bin_config_init(&config, sizeof config);
    config.bins = t->bins;
    for (round = 0; round < 200; round++)
        t->status = hl_compute_f64(values, 2, &config, edges, 4, counts, 3, &n_bins, NULL);
    snprintf(t->message, sizeof t->message, "%s", hl_last_error());
    return NULL;
}

static void test_last_error_per_thread(void) {
    thread_errors a, b;
    pthread_t ta, tb;
    char mine[256];
    static const double values[1] = {1};
    size_t n_bins;
    CHECK_STATUS(hl_compute_f64(values, 1, NULL, NULL, 0, NULL, 0, &n_bins, NULL), HL_ESIZE);
    snprintf(mine, sizeof mine, "%s", hl_last_error());
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.bins = -3;
    b.bins = -4;
    CHECK(pthread_create(&ta, NULL, fail_with_bins, &a) == 0);
    CHECK(pthread_create(&tb, NULL, fail_with_bins, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK_STATUS(a.status, HL_EINVAL);
    CHECK_STATUS(b.status, HL_EINVAL);
    CHECK_CONTAINS(a.message, "-3");
    CHECK_CONTAINS(b.message, "-4");
    CHECK(strstr(a.message, "-4") == NULL);
    CHECK(strcmp(hl_last_error(), mine) == 0); /* this thread's message is unchanged */
}

/* The sub-bin of a finite x, by a linear scan of the edges (numpy's rule) and the documented
 * formula: the reference for hl_shard_counts_*. */
static size_t reference_sub_bin(double x, const double *edges, size_t n_edges, double lower, double upper, int subdivisions) {
    size_t region = 0, i, n = n_edges - 1;
    double left, right, scale, position;
    for (i = 0; i < n_edges; i++) region += edges[i] <= x;
    if (region == n + 1 && x == edges[n]) region = n;
    left = region == 0 ? (lower < edges[0] ? lower : edges[0]) : edges[region - 1];
    right = region == n + 1 ? (upper > edges[n] ? upper : edges[n]) : edges[region];
    scale = subdivisions / (right - left);
    if (!(right > left) || !isfinite(scale)) return region * (size_t)subdivisions + (size_t)subdivisions - 1;
    position = floor((x - left) * scale);
    if (position < 0) position = 0;
    if (position > subdivisions - 1) position = subdivisions - 1;
    return region * (size_t)subdivisions + (size_t)position;
}

/* hl_shard_counts_* and hl_shard_sums_*: a shard's share of a reduction. */
static void test_shards(void) {
    enum { N = 4000, S = 8, BINS = 12, PARTS = 16 };
    static double values[N + 4], counts[5 + (BINS + 2) * S], expected[(BINS + 2) * S], sums[4 + 2 * PARTS];
    static float floats[N + 4];
    double edges[BINS + 1], lower = INFINITY, upper = -INFINITY, sum = 0, zoom_total;
    int64_t zoomed[2], bad_zoomed[2] = {5, 5};
    size_t i, finite = 0;
    uint64_t state = 99;
    for (i = 0; i <= BINS; i++) edges[i] = -3.0 + 0.5 * (double)i;
    for (i = 0; i < N; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        values[i] = ((double)(state >> 11) / 9007199254740992.0 - 0.5) * 9.0;  /* beyond both ends */
    }
    values[N] = NAN, values[N + 1] = INFINITY, values[N + 2] = 0.0, values[N + 3] = 3.0; /* 3.0: the last edge */
    for (i = 0; i < N + 4; i++) {
        floats[i] = (float)values[i];
        values[i] = (double)floats[i]; /* the same values in both types */
        if (!isfinite(values[i])) continue;
        finite++, sum += values[i];
        if (values[i] < lower) lower = values[i];
        if (values[i] > upper) upper = values[i];
    }
    for (i = 0; i < N + 4; i++)
        if (isfinite(values[i])) expected[reference_sub_bin(values[i], edges, BINS + 1, lower, upper, S)] += 1;

    CHECK_STATUS(hl_shard_counts_f64(values, N + 4, edges, BINS + 1, lower, upper, S, 0.0, counts, 5 + (BINS + 2) * S), HL_OK);
    CHECK_CLOSE(counts[0], (double)finite, 0);
    CHECK_CLOSE(counts[1], 1, 0);
    CHECK_CLOSE(counts[2], 1, 0);
    CHECK_CLOSE(counts[3], 1, 0);
    CHECK_CLOSE(counts[4], sum, 1e-12);
    for (i = 0; i < (BINS + 2) * S; i++) CHECK_CLOSE(counts[5 + i], expected[i], 0);
    memset(counts, 0, sizeof counts);
    CHECK_STATUS(hl_shard_counts_f32(floats, N + 4, edges, BINS + 1, lower, upper, S, 0.0, counts, 5 + (BINS + 2) * S), HL_OK);
    for (i = 0; i < (BINS + 2) * S; i++) CHECK_CLOSE(counts[5 + i], expected[i], 0);

    /* Two sub-bins zoomed: their parts add up to their counts. */
    zoomed[0] = 3, zoomed[1] = 7 * S + 2;
    CHECK_STATUS(hl_shard_sums_f64(values, N + 4, edges, BINS + 1, lower, upper, S, 0.25, zoomed, 2, PARTS, sums, 4 + 2 * PARTS), HL_OK);
    CHECK_CLOSE(sums[0], sum - 0.25 * (double)finite, 1e-9);
    for (i = 0, zoom_total = 0; i < PARTS; i++) zoom_total += sums[4 + i];
    CHECK_CLOSE(zoom_total, expected[3], 0);
    for (i = 0, zoom_total = 0; i < PARTS; i++) zoom_total += sums[4 + PARTS + i];
    CHECK_CLOSE(zoom_total, expected[7 * S + 2], 0);
    CHECK_STATUS(hl_shard_sums_f32(floats, N + 4, edges, BINS + 1, lower, upper, S, 0.25, zoomed, 2, PARTS, sums, 4 + 2 * PARTS), HL_OK);

    /* Errors: sizes, NULLs, values out of range, each naming its argument. */
    counts[0] = -7;
    CHECK_STATUS(hl_shard_counts_f64(values, N + 4, edges, BINS + 1, lower, upper, S, 0.0, counts, 10), HL_ESIZE);
    CHECK_CONTAINS(hl_last_error(), "out needs");
    CHECK_CLOSE(counts[0], -7, 0); /* nothing written */
    CHECK_STATUS(hl_shard_counts_f64(NULL, 3, edges, BINS + 1, lower, upper, S, 0.0, counts, 5 + (BINS + 2) * S), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "values");
    CHECK_STATUS(hl_shard_counts_f64(values, N, edges, BINS + 1, lower, upper, 0, 0.0, counts, 5 + (BINS + 2) * S), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "subdivisions");
    CHECK_STATUS(hl_shard_counts_f32(floats, N, edges, 1, lower, upper, S, 0.0, counts, 5 + (BINS + 2) * S), HL_EINVAL);
    CHECK_STATUS(hl_shard_counts_f32(floats, N, edges, BINS + 1, INFINITY, upper, S, 0.0, counts, 5 + (BINS + 2) * S), HL_EINVAL);
    CHECK_STATUS(hl_shard_counts_f32(floats, N, edges, BINS + 1, lower, upper, S, -1.0, counts, 5 + (BINS + 2) * S), HL_EINVAL);
    CHECK_STATUS(hl_shard_sums_f64(values, N, edges, BINS + 1, lower, upper, S, 0.0, bad_zoomed, 2, PARTS, sums, 4 + 2 * PARTS), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "zoomed");
    CHECK_STATUS(hl_shard_sums_f64(values, N, edges, BINS + 1, lower, upper, S, NAN, zoomed, 2, PARTS, sums, 4 + 2 * PARTS), HL_EINVAL);
    CHECK_STATUS(hl_shard_sums_f64(values, N, edges, BINS + 1, lower, upper, S, 0.0, zoomed, 2, 0, sums, 4 + 2 * PARTS), HL_EINVAL);
    CHECK_STATUS(hl_shard_sums_f32(floats, N, edges, BINS + 1, lower, upper, S, 0.0, NULL, 2, PARTS, sums, 4 + 2 * PARTS), HL_ENULL);
    /* No finite value anywhere: NaN bounds. */
    CHECK_STATUS(hl_shard_counts_f64(values + N, 2, edges, BINS + 1, NAN, NAN, S, 0.0, counts, 5 + (BINS + 2) * S), HL_OK);
    CHECK_CLOSE(counts[0], 0, 0);
    CHECK_CLOSE(counts[2], 1, 0);
}

/* The engine's rules for values summarised elsewhere: the automatic scale and moments from
 * power sums, as a binding's device path asks for them. */
static void test_reduction_rules(void) {
    static const double values[5] = {1.5, -2, 3.25, 7, 0.125};
    double threshold = 0, shift = 1.5, sums[4] = {0, 0, 0, 0}, mean = 0, m2 = 0, m4 = 0;
    int32_t scale = -1;
    hl_moments moments;
    int i, k;
    CHECK_STATUS(hl_auto_scale_threshold(7, &threshold), HL_OK);
    CHECK_CLOSE(threshold, 7e-3, 1e-18);
    CHECK_STATUS(hl_auto_scale_threshold(NAN, &threshold), HL_EINVAL);
    CHECK_STATUS(hl_auto_scale_threshold(1, NULL), HL_ENULL);
    CHECK_STATUS(hl_auto_scale(10, 5, &scale), HL_OK);
    CHECK_INT(scale, HL_SCALE_LOG);
    CHECK_STATUS(hl_auto_scale(10, 4, &scale), HL_OK);
    CHECK_INT(scale, HL_SCALE_LINEAR);
    CHECK_STATUS(hl_auto_scale(0, 0, &scale), HL_OK);
    CHECK_INT(scale, HL_SCALE_LINEAR);
    CHECK_STATUS(hl_auto_scale(1, 2, &scale), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "small_count");
    CHECK_STATUS(hl_auto_scale(-1, 0, &scale), HL_EINVAL);

    for (i = 0; i < 5; i++) {
        double d = values[i] - shift, p = 1;
        for (k = 0; k < 4; k++) { p *= d; sums[k] += p; }
        mean += values[i] / 5;
    }
    for (i = 0; i < 5; i++) {
        double d = values[i] - mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    memset(&moments, 0, sizeof moments);
    moments.min = -2;
    CHECK_STATUS(hl_moments_from_sums(5, shift, sums, 4, &moments), HL_OK);
    CHECK_INT(moments.count, 5);
    CHECK_CLOSE(moments.mean, mean, 1e-14);
    CHECK_CLOSE(moments.m2, m2, 1e-12);
    CHECK_CLOSE(moments.m4, m4, 1e-10);
    CHECK_CLOSE(moments.min, -2, 0); /* left as it was */
    CHECK_STATUS(hl_moments_from_sums(0, 0, sums, 4, &moments), HL_OK);
    CHECK(isnan(moments.mean) && moments.m2 == 0);
    CHECK_STATUS(hl_moments_from_sums(5, shift, sums, 3, &moments), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "n_sums must be 4");
    CHECK_STATUS(hl_moments_from_sums(-1, shift, sums, 4, &moments), HL_EINVAL);
    CHECK_STATUS(hl_moments_from_sums(5, shift, NULL, 4, &moments), HL_ENULL);
    CHECK_STATUS(hl_moments_from_sums(5, shift, sums, 4, NULL), HL_ENULL);
}

/* The rounds' layout and assembly: sizes first, then the values. */
static void test_reduction_layout(void) {
    static const double edges[3] = {0, 1, 2};
    static const double sub_counts[5] = {1, 0, 4, 4, 1};
    static const double sub_edges[3] = {0, 1, 2}, two_counts[2] = {3, 1}, zoom_counts[4] = {1, 0, 2, 0};
    static const int64_t zoomed[1] = {0};
    double bounds[5], scales[4], *layout_edges, fine_edges[8], fine_counts[8];
    int32_t subdivisions = 0, parts = 0;
    int64_t chosen[HL_NUM_QUANTILES];
    size_t n = 0, n_bins = 0;
    CHECK_STATUS(hl_sub_bin_layout(edges, 3, -1, 4, &subdivisions, &parts, NULL, 0, NULL, 0, NULL, 0), HL_ESIZE);
    CHECK_INT(subdivisions, 1024); /* ceil(4096 / 4 regions) */
    CHECK_INT(parts, 256);
    layout_edges = (double *)malloc(sizeof(double) * (4 * 1024 + 1));
    CHECK_STATUS(hl_sub_bin_layout(edges, 3, -1, 4, &subdivisions, &parts, bounds, 5, scales, 4,
                                   layout_edges, 4 * 1024 + 1), HL_OK);
    CHECK_CLOSE(bounds[0], -1, 0);
    CHECK_CLOSE(bounds[4], 4, 0);
    CHECK_CLOSE(scales[3], 512, 0); /* 1024 sub-bins over (2, 4] */
    CHECK_CLOSE(layout_edges[1024], 0, 0);
    CHECK_CLOSE(layout_edges[4 * 1024], 4, 0);
    CHECK_STATUS(hl_sub_bin_layout(edges, 3, -1, 4, &subdivisions, &parts, bounds, 4, scales, 4,
                                   layout_edges, 4 * 1024 + 1), HL_ESIZE);
    CHECK_STATUS(hl_sub_bin_layout(edges, 1, NAN, NAN, &subdivisions, &parts, NULL, 0, NULL, 0, NULL, 0), HL_EINVAL);
    CHECK_STATUS(hl_sub_bin_layout(edges, 3, NAN, NAN, NULL, &parts, NULL, 0, NULL, 0, NULL, 0), HL_ENULL);
    free(layout_edges);

    /* cumulative 1, 1, 5, 9, 10: targets 1, 2.5, 5, 7.5, 9 */
    CHECK_STATUS(hl_quantile_sub_bins(sub_counts, 5, 10, chosen, HL_NUM_QUANTILES, &n), HL_OK);
    CHECK_INT(n, 3);
    CHECK(chosen[0] == 0 && chosen[1] == 2 && chosen[2] == 3);
    CHECK_STATUS(hl_quantile_sub_bins(sub_counts, 5, 10, chosen, 2, &n), HL_ESIZE);
    CHECK_INT(n, 3);
    CHECK_STATUS(hl_quantile_sub_bins(sub_counts, 5, 0, chosen, HL_NUM_QUANTILES, &n), HL_OK);
    CHECK_INT(n, 0);

    /* sub-bin 0 = [0, 1) split in 4 parts; sub-bin 1 kept */
    CHECK_STATUS(hl_fine_histogram(sub_edges, 3, two_counts, 2, zoomed, 1, zoom_counts, 4, 4, NULL, 0, NULL, 0, &n_bins),
                 HL_ESIZE);
    CHECK_INT(n_bins, 5);
    CHECK_STATUS(hl_fine_histogram(sub_edges, 3, two_counts, 2, zoomed, 1, zoom_counts, 4, 4, fine_edges, 8, fine_counts, 8,
                                   &n_bins), HL_OK);
    CHECK_CLOSE(fine_edges[1], 0.25, 0);
    CHECK_CLOSE(fine_edges[5], 2, 0);
    CHECK_CLOSE(fine_counts[2], 2, 0);
    CHECK_CLOSE(fine_counts[4], 1, 0);
    CHECK_STATUS(hl_fine_histogram(sub_edges, 3, two_counts, 2, zoomed, 1, zoom_counts, 3, 4, fine_edges, 8, fine_counts, 8,
                                   &n_bins), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "zoom_counts");
}

int main(void) {
    test_version();
    test_error_names();
    test_bin_config_init();
    test_compute_by_hand();
    test_compute_against_reference();
    test_bin_count_is_config_bins();
    test_compute_empty_and_nonfinite();
    test_compute_size_query();
    test_histogram_alone();
    test_bfloat16();
    test_threads();
    test_compute_errors();
    test_last_error_per_thread();
    test_shards();
    test_reduction_rules();
    test_reduction_layout();
    return check_summary();
}
