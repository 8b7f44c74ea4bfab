/*
 * histlog.h - the C interface of libhistlog: histograms and distribution statistics of
 * training tensors, logged into run directories that TensorBoard and MLflow can read.
 *
 * Conventions for every function below:
 * - Functions returning `int` return HL_OK (0) on success or a negative HL_E* code.
 *   On failure, hl_last_error() describes what went wrong on the calling thread.
 * - Pointers passed in are read during the call only; the library never keeps them.
 *   A NULL pointer where a value is required, or a size that does not match, is an
 *   error (HL_ENULL / HL_EINVAL), never a crash. An input array may be NULL only when its
 *   size is 0; an output buffer may be NULL only when its capacity is 0.
 * - Sizes above SIZE_MAX / 2 are HL_EINVAL (no buffer is that large).
 * - Keys are NUL-terminated UTF-8 strings; invalid UTF-8 and the empty key are HL_EINVAL.
 * - Handles (hl_run, hl_reader) are opaque; each `*_open` pairs with a `*_close` that accepts NULL.
 *   Opening returns a status and the handle through its first argument (`hl_run **out`), NULL on
 *   failure; hl_run_open alone returns the handle itself (NULL on failure), as a shorthand.
 * - Options structs (hl_bin_config, hl_doctor_options, hl_run_options) start with their `size`:
 *   fill one with its `*_init` function (`hl_x_init(&x, sizeof x)`) before setting fields, so that
 *   a later library still reads a struct compiled against this header. A size the library does
 *   not know is HL_EINVAL.
 * - Timestamps are Unix seconds (finite, >= 0), or NaN for the current time, in every function
 *   that takes one; the functions without a timestamp argument log at the current time.
 *   A handle must not be used after (or while) it is closed: that is undefined behaviour, as
 *   with free(); the library cannot detect it.
 *
 * Statistics conventions (the same in every binding):
 * - NaN and +/-Inf never enter bins or statistics; they are counted in nan_count / inf_count.
 *   total_count is the number of finite values.
 * - std is the sample standard deviation (ddof = 1); skewness is the bias-corrected sample
 *   skewness G1; kurtosis is the bias-corrected sample EXCESS kurtosis G2. Undefined values
 *   (too few values, zero variance) are NaN.
 * - Quantiles are exact with numpy's default linear interpolation (raw values), or estimated
 *   from the bins for a pre-computed histogram (see hl_stats.estimated).
 * - Bins are half-open [a, b) except the last, which is closed [a, b] (numpy's rule).
 */
#ifndef HISTLOG_H
#define HISTLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------------ */

#define HL_VERSION_MAJOR 0
#define HL_VERSION_MINOR 3
#define HL_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, as hl_version_number() returns it. */
#define HL_VERSION_NUMBER (HL_VERSION_MAJOR * 10000 + HL_VERSION_MINOR * 100 + HL_VERSION_PATCH)

/* The library's version as "MAJOR.MINOR.PATCH". Static storage; never NULL. */
const char *hl_version(void);

/* The library's version as HL_VERSION_NUMBER computes it. Compare with the header's
 * HL_VERSION_NUMBER to detect a mismatched shared library at run time. */
unsigned hl_version_number(void);

/* ---------------------------------------------------------------------------------------
 * Errors. Values are pinned: codes are only ever added, never renumbered.
 * ------------------------------------------------------------------------------------ */

#define HL_OK 0
#define HL_EINVAL -1     /* an argument has a value outside what the function accepts */
#define HL_ENULL -2      /* a required pointer is NULL */
#define HL_EIO -3        /* the file system refused (open, write, lock, disk full, ...) */
#define HL_ENOMEM -4     /* memory could not be allocated */
#define HL_ECLOSED -5    /* the handle was already closed */
#define HL_ENOTFOUND -6  /* the reader has no such key, step or record */
#define HL_ESIZE -7      /* a caller buffer is too small; the needed size was written back */
#define HL_EFORMAT -8    /* a file exists but is not in the expected format */
#define HL_EINTERNAL -99 /* a bug in histlog; please report it with hl_last_error()'s text */

/* Thread-local description of this thread's last failure. Never NULL; owned by the library;
 * valid until the next histlog call on this thread. It may be stale after a success:
 * the return code is the truth. */
const char *hl_last_error(void);

/* The system's errno behind this thread's last failure (ENOSPC, EACCES, EROFS, ...: an HL_EIO
 * from a system call, whose hl_last_error() text ends with "(errno N)"), or 0 when that
 * failure had none. Stale after a success, as hl_last_error(). */
int hl_last_errno(void);

/* Static name of a status code ("HL_EINVAL", ...), or "HL_E_UNKNOWN". Never NULL. */
const char *hl_error_name(int code);

/* ---------------------------------------------------------------------------------------
 * Bin configuration
 * ------------------------------------------------------------------------------------ */

typedef enum hl_scale {
    HL_SCALE_LINEAR = 0, /* equal-width bins over [min, max] (or the range) */
    HL_SCALE_LOG = 1,    /* symmetric log bins: mirrored log bins on each side of a linear zero bin */
    HL_SCALE_AUTO = 2    /* log when the finite values span many decades, else linear */
} hl_scale;

typedef struct hl_bin_config {
    uint32_t size;            /* sizeof(hl_bin_config) as the caller compiled it (hl_bin_config_init) */
    int32_t bins;             /* number of bins, 1 .. 1000000 (default 30) */
    int32_t scale;            /* an hl_scale value (default HL_SCALE_LINEAR) */
    int32_t has_range;        /* nonzero: bin over [range_lo, range_hi] instead of [min, max] */
    double range_lo;          /* finite, < range_hi; values outside are counted as under/overflow */
    double range_hi;
    const double *edges;      /* explicit edges (strictly increasing, finite), or NULL. When set, */
    size_t n_edges;           /*   bins/scale/range are ignored; n_edges >= 2 */
    double outlier_threshold; /* k in |x - mean| > k * std (default 3, must be > 0) */
    double zero_tolerance;    /* |x| <= zero_tolerance counts as zero (default 0: exact zeros; finite, >= 0) */
} hl_bin_config;

/* Fills *config with the defaults above and config->size with `size`: pass sizeof(hl_bin_config).
 * HL_ENULL for NULL, HL_EINVAL for a size this library does not know (nothing written). */
int hl_bin_config_init(hl_bin_config *config, size_t size);

/* ---------------------------------------------------------------------------------------
 * Statistics of one histogram
 * ------------------------------------------------------------------------------------ */

#define HL_NUM_QUANTILES 5 /* at probabilities 0.1, 0.25, 0.5, 0.75, 0.9 */

/* Bits of hl_stats.estimated: which statistics were estimated from bins rather than exact. */
#define HL_ESTIMATED_MOMENTS 1u   /* sum, sum_squares, mean, std, skewness, kurtosis */
#define HL_ESTIMATED_QUANTILES 2u /* quantiles, median */
#define HL_ESTIMATED_OUTLIERS 4u  /* outlier_count */
#define HL_ESTIMATED_MINMAX 8u    /* min, max (outer edges of a pre-computed histogram) */

typedef struct hl_stats {
    int64_t total_count;     /* finite values (binned + underflow + overflow) */
    int64_t nan_count;
    int64_t inf_count;       /* +Inf and -Inf */
    int64_t zero_count;      /* |x| <= zero_tolerance; -1 when unknown (pre-computed histogram) */
    int64_t outlier_count;   /* |x - mean| > k * std */
    int64_t underflow_count; /* finite values below the first edge (explicit range or edges) */
    int64_t overflow_count;  /* finite values above the last edge */
    double min, max;         /* NaN when total_count == 0 */
    double sum, sum_squares;
    double mean, std, skewness, kurtosis; /* NaN when undefined */
    double quantiles[HL_NUM_QUANTILES];
    double median;
    uint32_t estimated;      /* HL_ESTIMATED_* bits; 0 for raw values */
    uint32_t reserved;
} hl_stats;

/* One logged record's header (hl_reader_record, hl_record_callback). */
typedef struct hl_record_info {
    int64_t step;
    double timestamp; /* Unix seconds */
    size_t n_bins;
    hl_stats stats;
} hl_record_info;

/* Computes the histogram and statistics of n values without logging anything.
 * `config` may be NULL (defaults). The bin count is written to *n_bins (n_bins must not be
 * NULL); `edges` must have room for n_bins + 1 doubles and `counts` for n_bins. If a capacity is
 * too small, nothing but *n_bins is written and HL_ESIZE is returned, so a call with capacities 0
 * (and NULL buffers) asks for the size. n_bins is always config->bins (30 when config is NULL),
 * or n_edges - 1 with explicit edges, whatever the scale, so buffers can be sized before the
 * call. `stats` may be NULL. n == 0 is valid (total_count 0, NaN statistics).
 * Thread-safe; the caller owns every buffer. */
int hl_compute_f32(const float *values, size_t n, const hl_bin_config *config,
                   double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                   size_t *n_bins, hl_stats *stats);
int hl_compute_f64(const double *values, size_t n, const hl_bin_config *config,
                   double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                   size_t *n_bins, hl_stats *stats);

/* bfloat16 values (torch.bfloat16), each element's bits as a uint16_t in the machine's byte
 * order. They are read in place and widened to float a block at a time, never copied whole;
 * every bfloat16 is a float exactly, so the results are those of hl_compute_f32 over the widened
 * values. The same holds for hl_histogram_bf16 and hl_log_values_bf16(_at) below. */
int hl_compute_bf16(const uint16_t *values, size_t n, const hl_bin_config *config,
                    double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                    size_t *n_bins, hl_stats *stats);

/* What hl_histogram_f32/f64 report besides the bins. */
typedef struct hl_histogram_totals {
    int64_t total_count;     /* finite values (binned + underflow + overflow) */
    int64_t nan_count;
    int64_t inf_count;       /* +Inf and -Inf */
    int64_t underflow_count; /* finite values below the first edge (explicit range or edges) */
    int64_t overflow_count;  /* finite values above the last edge */
    double min, max;         /* finite extremes; NaN when total_count == 0 */
} hl_histogram_totals;

/* The histogram alone: the same edges and counts as hl_compute_f32/f64 (same arguments and
 * HL_ESIZE contract; config's outlier_threshold and zero_tolerance are checked but unused), with
 * the extremes and counts in *totals (may be NULL) and no statistics: two passes over the values
 * instead of three. Thread-safe; the caller owns every buffer. */
int hl_histogram_f32(const float *values, size_t n, const hl_bin_config *config,
                     double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                     size_t *n_bins, hl_histogram_totals *totals);
int hl_histogram_f64(const double *values, size_t n, const hl_bin_config *config,
                     double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                     size_t *n_bins, hl_histogram_totals *totals);
int hl_histogram_bf16(const uint16_t *values, size_t n, const hl_bin_config *config,
                      double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                      size_t *n_bins, hl_histogram_totals *totals);

/* Threads one summary (hl_compute_*, hl_histogram_*, hl_log_values_*) may use: 1 (the default)
 * keeps it on the calling thread. Above 1, inputs of more than 2^18 values are split into chunks
 * of 2^18 spread over up to that many threads, never more than the processors online; results
 * are identical whatever the count. Off by default because a training job's other threads
 * (intra-op pools, data loaders, other ranks) usually own the other cores. Values below 1 are
 * taken as 1. Returns the previous setting. Process-wide; thread-safe. */
int hl_set_max_threads(int threads);

/* ---------------------------------------------------------------------------------------
 * Runs: logging histograms into a run directory
 * ------------------------------------------------------------------------------------ */

typedef struct hl_run hl_run; /* opaque; safe to use from many threads at once */

/* Sinks a run writes to (bit flags for hl_run_options.sinks). */
#define HL_SINK_JSON 1u        /* <run>/histograms/<sanitized key>.json */
#define HL_SINK_TENSORBOARD 2u /* <run>/events.out.tfevents.* */
#define HL_SINK_ALL (HL_SINK_JSON | HL_SINK_TENSORBOARD)

/* Options of hl_run_open_with. The struct may grow in later versions: fill it with
 * hl_run_options_init(&options, sizeof options) (or HL_RUN_OPTIONS_INIT), then set fields; the
 * library reads only the fields of the size the caller was compiled with. */
typedef struct hl_run_options {
    uint32_t size;           /* sizeof(hl_run_options) as the caller compiled it (hl_run_options_init) */
    uint32_t sinks;          /* HL_SINK_* bits, nonzero (default HL_SINK_ALL) */
    uint32_t queue_capacity; /* records queued for the writer before log calls wait, >= 1 (default 1024) */
    uint32_t durable;        /* nonzero: survive a power cut. hl_run_flush() returns only after
                                fsync of every file written since the last flush, and opening
                                fsyncs the directories it creates (default 0: flushed records
                                survive the process being killed, not the machine losing power) */
} hl_run_options;

#define HL_RUN_OPTIONS_INIT { sizeof(hl_run_options), HL_SINK_ALL, 1024, 0 }

/* Fills *options with the defaults above and options->size with `size`: pass
 * sizeof(hl_run_options). HL_ENULL for NULL, HL_EINVAL for a size this library does not know
 * (nothing written). */
int hl_run_options_init(hl_run_options *options, size_t size);

/* Opens (creating if missing) the run directory `dir` and returns a handle, or NULL with
 * hl_last_error() set. An existing run is appended to. Release with hl_run_close(). */
hl_run *hl_run_open(const char *dir);

/* As hl_run_open, with options (NULL = defaults), returning a status: HL_OK with the handle in
 * *out, or an error with *out set to NULL (HL_EIO with hl_last_errno() when the directory cannot
 * be created or written; HL_EINVAL for bad options). `out` must not be NULL. */
int hl_run_open_with(hl_run **out, const char *dir, const hl_run_options *options);

/* Logs the histogram of n values under `key` at `step`. `config` NULL = defaults. The values are
 * summarised before the call returns (the caller may reuse the buffer at once); the record is
 * written by a background writer: call hl_run_flush() to wait for it. n == 0 is valid. */
int hl_log_values_f32(hl_run *run, const char *key, int64_t step,
                      const float *values, size_t n, const hl_bin_config *config);
int hl_log_values_f64(hl_run *run, const char *key, int64_t step,
                      const double *values, size_t n, const hl_bin_config *config);
int hl_log_values_bf16(hl_run *run, const char *key, int64_t step,
                       const uint16_t *values, size_t n, const hl_bin_config *config);

/* Logs a pre-computed histogram: n_edges == n_counts + 1 >= 2, edges finite and strictly
 * increasing, counts finite and >= 0. Its statistics are estimated from the bins. */
int hl_log_counts(hl_run *run, const char *key, int64_t step,
                  const double *edges, size_t n_edges, const double *counts, size_t n_counts);

/* As hl_log_values_f32/f64/bf16 and hl_log_counts, with a timestamp: Unix seconds (finite, >= 0), or
 * NaN for the current time. */
int hl_log_values_f32_at(hl_run *run, const char *key, int64_t step, double timestamp,
                         const float *values, size_t n, const hl_bin_config *config);
int hl_log_values_f64_at(hl_run *run, const char *key, int64_t step, double timestamp,
                         const double *values, size_t n, const hl_bin_config *config);
int hl_log_values_bf16_at(hl_run *run, const char *key, int64_t step, double timestamp,
                          const uint16_t *values, size_t n, const hl_bin_config *config);
int hl_log_counts_at(hl_run *run, const char *key, int64_t step, double timestamp,
                     const double *edges, size_t n_edges, const double *counts, size_t n_counts);

/* Exact summary of data reduced elsewhere (other processes, a GPU): central moments about the
 * mean (m2 = sum (x - mean)^2, m3, m4), extremes and special counts of the finite values. */
typedef struct hl_moments {
    int64_t count;       /* finite values, >= 0 */
    double mean;         /* in [min, max] (up to a millionth of their magnitude) */
    double m2, m3, m4;   /* central sums, m2, m4 >= 0, |mk| <= count * (max - min)^k; +Inf (and
                            m3/m4 NaN) when they overflow */
    double min, max;
    int64_t zero_count;  /* -1 when unknown */
    int64_t nan_count, inf_count;
} hl_moments;

/* Logs a histogram whose counts were reduced elsewhere, with exact moments: the moments,
 * min/max and special counts are exact; quantiles and outlier_count are estimated from the bins.
 * The counts need not add up to moments.count (weights, or bins over part of the range); the
 * lowest bin holding values ends at or above moments.min, the highest begins at or below
 * moments.max. `timestamp` NaN = now. */
int hl_log_reduced(hl_run *run, const char *key, int64_t step, double timestamp,
                   const double *edges, size_t n_edges, const double *counts, size_t n_counts,
                   const hl_moments *moments);

/* Everything a reduction elsewhere can carry about the finite values, for
 * hl_log_reduced_histogram. */
typedef struct hl_reduced_histogram {
    const double *edges;       /* n_edges == n_counts + 1 >= 2, finite, strictly increasing */
    size_t n_edges;
    const double *counts;      /* finite, >= 0 */
    size_t n_counts;
    int64_t underflow_count;   /* values below edges[0] (>= 0); 0 only if moments.min >= edges[0] */
    int64_t overflow_count;    /* values above edges[n_counts] (>= 0), 0 only if moments.max <=
                                  edges[n_counts]; counts + under + overflow add up to
                                  moments.count. The lowest bin holding values ends at or above
                                  moments.min, the highest begins at or below moments.max. */
    /* Optional (NULL and 0): a finer histogram of the same values, from which quantiles and
     * outlier_count are estimated instead of the bins above - each quantile then lies within one
     * fine bin of a value next to it in the sorted data. n_fine_edges == n_fine_counts + 1 >= 2,
     * n_fine_counts <= 1,001,277 (hl_fine_histogram's largest), edges finite, strictly increasing,
     * from <= moments.min to >= moments.max; counts finite, >= 0, adding up to moments.count. */
    const double *fine_edges;
    size_t n_fine_edges;
    const double *fine_counts;
    size_t n_fine_counts;
    hl_moments moments;
} hl_reduced_histogram;

/* As hl_log_reduced, with the under/overflow counts and (optionally) a finer histogram for
 * quantiles. Moments, min/max, counts and special counts are recorded exactly; quantiles and
 * outlier_count are estimated (and flagged so). `timestamp` NaN = now. */
int hl_log_reduced_histogram(hl_run *run, const char *key, int64_t step, double timestamp,
                             const hl_reduced_histogram *histogram);

/* A shard's share of one histogram reduced over processes (each process holds a shard of the
 * values; the shards' vectors are added element-wise, e.g. by an all-reduce, and the sum is
 * logged with hl_log_reduced_histogram). The layout: `edges` (the bins), `lower`/`upper` the
 * extremes of all the shards' finite values (NaN: none anywhere), and every region - underflow
 * [lower, edges[0]), each bin (numpy's rule), overflow (edges[n], upper] - split into
 * `subdivisions` (1 .. 1000000) equal sub-bins, numbered region by region:
 * (n_edges + 1) * subdivisions sub-bins. Sub-bin j of region r spans from
 * left + width * (j / subdivisions) (left and width of the region) to the next one's start; a
 * value x goes to floor((x - left) * (subdivisions / width)), clamped to the region. A region
 * wider than the double range is not split: its values go to its last sub-bin.
 *
 * hl_shard_counts_*: out = [finite count, zeros (|x| <= zero_tolerance), NaNs, Infs, sum of the
 * finite values, sub-bin counts...]: 5 + (n_edges + 1) * subdivisions doubles.
 * hl_shard_sums_*: out = [S1, S2, S3, S4, zoom counts...] with Sk = sum (x - shift)^k over the
 * finite values, and each sub-bin of `zoomed` (strictly increasing sub-bin numbers) split again
 * into `parts` equal parts, sub-bin by sub-bin: 4 + n_zoomed * parts doubles.
 * A capacity too small is HL_ESIZE with nothing written. Thread-safe. */
int hl_shard_counts_f32(const float *values, size_t n, const double *edges, size_t n_edges,
                        double lower, double upper, int32_t subdivisions, double zero_tolerance,
                        double *out, size_t out_capacity);
int hl_shard_counts_f64(const double *values, size_t n, const double *edges, size_t n_edges,
                        double lower, double upper, int32_t subdivisions, double zero_tolerance,
                        double *out, size_t out_capacity);
int hl_shard_sums_f32(const float *values, size_t n, const double *edges, size_t n_edges,
                      double lower, double upper, int32_t subdivisions, double shift,
                      const int64_t *zoomed, size_t n_zoomed, int32_t parts,
                      double *out, size_t out_capacity);
int hl_shard_sums_f64(const double *values, size_t n, const double *edges, size_t n_edges,
                      double lower, double upper, int32_t subdivisions, double shift,
                      const int64_t *zoomed, size_t n_zoomed, int32_t parts,
                      double *out, size_t out_capacity);

/* The engine's rules for values summarised elsewhere (the rounds above), so that a binding's
 * device path applies them without restating them.
 * hl_auto_scale_threshold: HL_SCALE_AUTO's "small" magnitude from the largest finite magnitude
 * (finite, >= 0): nonzero finite values of magnitude below *threshold are small.
 * hl_auto_scale: the scale HL_SCALE_AUTO picks (HL_SCALE_LOG when at least half the nonzero
 * finite values are small, else HL_SCALE_LINEAR) into *scale; counts >= 0, small <= nonzero.
 * hl_moments_from_sums: the exact mean and central sums of `count` finite values from their
 * power sums about `shift` (sums[k - 1] = sum (x - shift)^k, k = 1..4, n_sums == 4), with
 * d = S1 / count: mean = shift + d, m2 = S2 - count d^2 (>= 0), m3 = S3 - 3 d S2 + 2 count d^3,
 * m4 = S4 - 4 d S3 + 6 d^2 S2 - 3 count d^4. Writes moments->count, mean, m2, m3, m4 (mean NaN
 * and zero sums when count is 0); the other fields are left as they were. Thread-safe. */
int hl_auto_scale_threshold(double largest_magnitude, double *threshold);
int hl_auto_scale(int64_t nonzero_count, int64_t small_count, int32_t *scale);
int hl_moments_from_sums(int64_t count, double shift, const double *sums, size_t n_sums, hl_moments *moments);

/* The rounds' layout and assembly, for a binding that runs the shard kernels itself (on a GPU).
 * hl_sub_bin_layout: the layout hl_shard_counts_* uses for `edges` and the extremes lower/upper
 * (NaN: no finite value), with the number of sub-bins per region the engine picks for n_edges - 1
 * bins (*subdivisions: about 4096 sub-bins in all) and the parts of each quantile sub-bin in the
 * last round (*zoom_parts, for hl_shard_sums_*); the n_edges + 2 region bounds, the n_edges + 1
 * regions' scales (sub-bins per unit length, 0 where a region is not split) and the
 * (n_edges + 1) * subdivisions + 1 sub-bin edges. A capacity too small is HL_ESIZE with only the
 * two counts written (a size query).
 * hl_quantile_sub_bins: the distinct sub-bins (ascending, at most HL_NUM_QUANTILES) where the
 * cumulative count of sub_counts first reaches p * count for each quantile probability p: the
 * `zoomed` argument of hl_shard_sums_*. *n_sub_bins gets their number (0 when count is 0).
 * hl_fine_histogram: the sub-bins (sub_edges, n_sub_counts + 1 of them, and sub_counts) with each
 * `zoomed` one replaced by its `parts` parts (zoom_counts: parts per zoomed sub-bin, in order),
 * as strictly increasing edges (a bin of zero width gives its count to the bin starting at its
 * edge): the fine histogram of hl_reduced_histogram. *n_bins gets its bin count; capacities as
 * hl_compute_f32's (HL_ESIZE, n_bins + 1 edges and n_bins counts). Thread-safe. */
int hl_sub_bin_layout(const double *edges, size_t n_edges, double lower, double upper,
                      int32_t *subdivisions, int32_t *zoom_parts,
                      double *bounds, size_t bounds_capacity, double *scales, size_t scales_capacity,
                      double *sub_edges, size_t sub_edges_capacity);
int hl_quantile_sub_bins(const double *sub_counts, size_t n_sub_counts, int64_t count,
                         int64_t *sub_bins, size_t capacity, size_t *n_sub_bins);
int hl_fine_histogram(const double *sub_edges, size_t n_sub_edges, const double *sub_counts, size_t n_sub_counts,
                      const int64_t *zoomed, size_t n_zoomed, const double *zoom_counts, size_t n_zoom_counts,
                      int32_t parts, double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                      size_t *n_bins);

/* Returns when every record logged before the call is written to the operating system
 * (it then survives the process being killed) and, for a durable run (hl_run_options.durable),
 * fsynced (it then survives a power cut).
 *
 * Write failures. A record is written by the background writer after its log call returned;
 * if that fails (a full disk: HL_EIO with hl_last_errno() ENOSPC; a deleted run directory:
 * ENOENT), the partial write is undone in the file (the JSON file is truncated back to a valid
 * array, the event file to its last whole record) and the failure, naming the key, step and
 * file, is returned by the next hl_log_* call (which then queues nothing), hl_run_flush() or
 * hl_run_close(). The run goes on: later records are written once space is free again. */
int hl_run_flush(hl_run *run);

/* Flushes and releases the run. NULL is a no-op. The handle is invalid afterwards; no other
 * thread may be using it during the call. A failure to flush can only be seen in hl_last_error():
 * call hl_run_flush() first to get its status. */
void hl_run_close(hl_run *run);

/* ---------------------------------------------------------------------------------------
 * Runs: TensorBoard's own forms, and a callback per record
 * ------------------------------------------------------------------------------------ */

/* A histogram in TensorBoard's legacy form (HistogramProto), as torch.utils.tensorboard's
 * add_histogram_raw takes it: bucket i holds bucket_counts[i] values in
 * (bucket_limits[i - 1], bucket_limits[i]], the first bucket reaching down to -DBL_MAX. */
typedef struct hl_tensorboard_histogram {
    double min, max;              /* finite; TensorBoard draws the outer buckets from min to max */
    double num, sum, sum_squares; /* finite; num need not equal the buckets' total */
    const double *bucket_limits;  /* n_buckets, finite, strictly increasing */
    const double *bucket_counts;  /* n_buckets, finite, >= 0 */
    size_t n_buckets;             /* may be 0 */
} hl_tensorboard_histogram;

/* Logs `histogram` under `key` at `step`: the run's event file gets every field exactly as
 * given; its JSON file gets the pre-computed histogram TensorBoard reads from the buckets (empty
 * buckets at both ends dropped; the first kept bucket from the limit before it, or from min; the
 * last up to its limit, or to max when that is +/-DBL_MAX), whose total is the buckets' total,
 * its statistics estimated from the bins. `timestamp` NaN = now. */
int hl_log_tensorboard_histogram(hl_run *run, const char *key, int64_t step, double timestamp,
                                 const hl_tensorboard_histogram *histogram);

/* Appends one serialized TensorBoard Event protobuf (`n` bytes: a scalar, text, an image...) to
 * the run's event file, after every record logged before it, framed as TensorBoard reads it.
 * One file for a program's other summaries and its histograms: TensorBoard follows only the
 * newest event file of a directory for new data. HL_EINVAL if `event` is not a protobuf message
 * or the run writes no TensorBoard file. */
int hl_log_tensorboard_event(hl_run *run, const void *event, size_t n);

/* Called with each record logged into a run, on the thread that logged it, inside its hl_log_*
 * call once the record is queued for writing. `key` (NUL-terminated UTF-8), `info`, `edges`
 * (info->n_bins + 1) and `counts` (info->n_bins) are valid during the call only. */
typedef void (*hl_record_callback)(void *context, const char *key, const hl_record_info *info,
                                   const double *edges, const double *counts);

/* Calls `callback(context, ...)` for every record logged into `run` from now on, in the order of
 * each thread's calls; replaces any earlier callback; NULL stops. The callback must not log
 * into, flush or close `run`. Thread-safe. */
int hl_run_set_record_callback(hl_run *run, hl_record_callback callback, void *context);

/* ---------------------------------------------------------------------------------------
 * Reader: histograms logged into a run directory
 * ------------------------------------------------------------------------------------ */

typedef struct hl_reader hl_reader; /* opaque; read-only, thread-safe */

/* Opens a run directory (its histograms/ JSON files) or, when `path` names a TensorBoard event
 * file or a directory of them without histograms/, indexes their histograms: HL_OK with the handle
 * in *out, or an error with *out set to NULL and hl_last_error() naming the file: HL_EIO (with
 * hl_last_errno(), e.g. ENOENT, EACCES) when it cannot be read, HL_EFORMAT when it is neither a
 * run directory nor an event file, HL_EINVAL for a bad path. `out` must not be NULL. Opening reads no record: the keys (from the head of each JSON file) are fixed at
 * open; a key's records are read when a function below first asks for that key, and stay the
 * same while the reader keeps the key (the last four read: memory does not grow with the run). */
int hl_reader_open(hl_reader **out, const char *path);

/* Releases the reader. NULL is a no-op. The handle is invalid afterwards. */
void hl_reader_close(hl_reader *reader);

/* Writes the number of keys to *count. Keys are numbered 0 .. count - 1 in sorted order. */
int hl_reader_key_count(const hl_reader *reader, size_t *count);

/* Copies key `index` (UTF-8, NUL-terminated) into buf. *length receives its length without the
 * NUL. If capacity <= *length, returns HL_ESIZE and writes only *length (buf may then be NULL
 * with capacity 0: a size query). index >= the key count is HL_ENOTFOUND. */
int hl_reader_key(const hl_reader *reader, size_t index, char *buf, size_t capacity, size_t *length);

/* Writes to *count the number of records logged under key; they are numbered 0 .. count - 1 in
 * the order they were logged (HL_ENOTFOUND: no such key). */
int hl_reader_record_count(const hl_reader *reader, const char *key, size_t *count);

/* Writes to *index the number of the LAST record of key with the given step (HL_ENOTFOUND if
 * none): the record a reader's get(key, step) returns. */
int hl_reader_find(const hl_reader *reader, const char *key, int64_t step, size_t *index);

/* Copies record `index` of key: *info, and its edges (n_bins + 1) and counts (n_bins) when the
 * buffers are large enough; otherwise writes *info only and returns HL_ESIZE. Buffers may be
 * NULL with capacity 0 to ask for n_bins. index >= the record count is HL_ENOTFOUND. */
int hl_reader_record(const hl_reader *reader, const char *key, size_t index, hl_record_info *info,
                     double *edges, size_t edges_capacity, double *counts, size_t counts_capacity);

/* The whole history of key in one call. Record i (numbered as hl_reader_record numbers them)
 * goes to steps[i], timestamps[i], n_bins[i] and stats[i]: arrays of `capacity` elements, each of
 * which may be NULL when not wanted (whatever `capacity`). Its edges follow record i - 1's in
 * `edges` (n_bins[i] + 1 values each) and its counts in `counts` (n_bins[i] values each); NULL
 * with capacity 0 when not wanted. *count receives the number of records and *total_bins the sum
 * of their n_bins (both required). When an array that is not NULL is too small (capacity <
 * *count, edges_capacity < *total_bins + *count, counts_capacity < *total_bins), only those two
 * are written and HL_ESIZE is returned. With every array NULL (capacities 0) the call asks for
 * the sizes (HL_OK): it reads the records and keeps them for the copy that follows, which then
 * reads nothing again (the reader keeps a few keys at a time). If the key's file grew in
 * between (a key read after other keys), the copy may find more records: HL_ESIZE. */
int hl_reader_history(const hl_reader *reader, const char *key, size_t capacity,
                      int64_t *steps, double *timestamps, size_t *n_bins, hl_stats *stats,
                      double *edges, size_t edges_capacity, double *counts, size_t counts_capacity,
                      size_t *count, size_t *total_bins);

/* ---------------------------------------------------------------------------------------
 * Looking at a run: the training-health doctor, a summary table and an HTML report.
 * Each function reads the run of an open `reader` (hl_reader_open) on every call, one key at
 * a time: memory holds a key's statistics and the histograms shown, not the run.
 * Keys are classified by their first folder, case-insensitively: parameters/params/param/
 * weights/weight -> parameters; gradients/gradient/grads/grad -> gradients;
 * activations/activation/acts -> activations. The "scale" of a gradient key at a step is the
 * root mean square of its finite values; "early" and "late" values are medians over a key's
 * first and last `window` logged steps.
 * ------------------------------------------------------------------------------------ */

typedef struct hl_doctor_options {
    uint32_t size;                    /* sizeof(hl_doctor_options) as compiled (hl_doctor_options_init) */
    int32_t reserved;                 /* must be 0 */
    int32_t window;                   /* steps in the early/late medians, >= 1 (default 3) */
    int32_t frozen_min_steps;         /* frozen_weights: identical last steps, >= 2 (default 3) */
    double vanishing_scale_floor;     /* vanishing_gradients: late scale below (default 1e-8) */
    double vanishing_drop_factor;     /*   or fallen below early scale / this (default 1e4) */
    double vanishing_layer_ratio;     /*   or below this x the largest late gradient scale (default 1e-4) */
    double exploding_scale_ceiling;   /* exploding_gradients: a step's scale above (default 1e2) */
    double exploding_max_abs_ceiling; /*   or a step's max |value| above (default 1e4) */
    double exploding_growth_factor;   /*   or late scale above early scale x this (default 1e3) */
    double dead_zero_fraction;        /* dead_units: late share of exact zeros above (default 0.9) */
} hl_doctor_options;

/* Fills *options with the defaults above and options->size with `size`: pass
 * sizeof(hl_doctor_options). HL_ENULL for NULL, HL_EINVAL for a size this library does not know
 * (nothing written). A floor or ratio of 0, a ceiling or factor of +Inf, or dead_zero_fraction 1
 * turns that test off. */
int hl_doctor_options_init(hl_doctor_options *options, size_t size);

/* Examines the run and writes its findings as a JSON array (UTF-8, NUL-terminated) into buf:
 *   [{"rule": "non_finite" | "vanishing_gradients" | "exploding_gradients" | "dead_units" |
 *     "frozen_weights", "severity": "error" | "warning", "key": ..., "step": first step seen,
 *     "message": ..., "evidence": {"name": number or null, ...}}, ...]
 * errors first, then by step. *length receives the text's length without the NUL and
 * *n_findings (may be NULL) the number of findings. If capacity <= *length, returns HL_ESIZE
 * and writes only those counts (buf may be NULL with capacity 0 to ask). `options` NULL =
 * defaults; a threshold outside its domain is HL_EINVAL. Thread-safe. */
int hl_doctor(const hl_reader *reader, const hl_doctor_options *options,
              char *buf, size_t capacity, size_t *length, size_t *n_findings);

/* The run as a terminal table of at most `width` columns (>= 60; 100 fits most terminals): one
 * row per key under its folder, with distinct steps, and for the latest step mean, std, min,
 * max, share of exact zeros, outliers, NaN+Inf count (or "@S": first step S with any) and a
 * sparkline of the histogram. Size query and HL_ESIZE as hl_doctor. Thread-safe. */
int hl_summary_text(const hl_reader *reader, int32_t width, char *buf, size_t capacity, size_t *length);

/* Writes one self-contained HTML file (no network access needed) at html_path, replacing it
 * atomically: per key, histograms over steps (ridgeline), percentile bands over steps and the
 * latest statistics, keys grouped by "/" folders, a filter box, and the doctor's findings at the
 * top. `options` NULL = defaults. *n_findings (may be NULL) receives the number of findings.
 * Thread-safe. */
int hl_report_write(const hl_reader *reader, const char *html_path, const hl_doctor_options *options,
                    size_t *n_findings);

#ifdef __cplusplus
}
#endif

#endif /* HISTLOG_H */
