/*
 * test_run.c - runs and readers of the C API (Include/histlog.h): logging from one and from
 * many threads, the JSON files a run writes (read back with json.h), the reader, histograms and
 * events in TensorBoard's own form, the record callback, and every error path. Builds as C11
 * and as C++17.
 */
#define _POSIX_C_SOURCE 200809L
#include <histlog.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "json.h"

#define MAX_RECORDS 512

static char base_dir[64];

/* <base_dir>/<name>, in a static buffer per call site's use. */
static const char *path_in(char *out, size_t capacity, const char *name) {
    snprintf(out, capacity, "%s/%s", base_dir, name);
    return out;
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    char *text;
    long size;
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    fseek(file, 0, SEEK_SET);
    text = (char *)malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, file) != (size_t)size) size = 0;
    text[size] = '\0';
    fclose(file);
    return text;
}

/* Parses every histograms/<file>.json of a run and returns the records of `key` (-1: no file, or a
 * file that is not a strict JSON array of records). */
static int json_records_of(const char *run, const char *key, json_record *records, int capacity) {
    char dir[512], path[1024];
    DIR *listing;
    struct dirent *entry;
    int found = -1;
    snprintf(dir, sizeof dir, "%s/histograms", run);
    listing = opendir(dir);
    if (!listing) return -1;
    while ((entry = readdir(listing)) != NULL) {
        size_t length = strlen(entry->d_name);
        char *text;
        int n;
        if (length < 6 || strcmp(entry->d_name + length - 5, ".json") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        text = read_file(path);
        n = text ? json_parse_records(text, records, capacity) : -1;
        free(text);
        if (!CHECK(n >= 1)) fprintf(stderr, "    %s is not a strict JSON array of records\n", path);
        if (n >= 1 && strcmp(records[0].name, key) == 0) {
            found = n;
            break;
        }
    }
    closedir(listing);
    return found;
}

/* Number of files in `dir` whose name starts with `prefix` (-1: no such directory). */
static int count_files(const char *dir, const char *prefix) {
    DIR *listing = opendir(dir);
    struct dirent *entry;
    int n = 0;
    if (!listing) return -1;
    while ((entry = readdir(listing)) != NULL)
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(listing);
    return n;
}

/* The path of the first file in `dir` whose name starts with `prefix`, or "" if none. */
static const char *first_file(const char *dir, const char *prefix, char *out, size_t capacity) {
    DIR *listing = opendir(dir);
    struct dirent *entry;
    out[0] = '\0';
    if (!listing) return out;
    while ((entry = readdir(listing)) != NULL) {
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(out, capacity, "%s/%s", dir, entry->d_name);
            break;
        }
    }
    closedir(listing);
    return out;
}

static long file_size(const char *path) {
    struct stat info;
    return stat(path, &info) == 0 ? (long)info.st_size : -1;
}

/* The steps of key's records that `reader_path` (a run or an event file) holds, in order. */
static int read_steps(const char *reader_path, const char *key, int64_t *steps, int capacity) {
    hl_reader *reader = NULL;
    hl_reader_open(&reader, reader_path);
    hl_record_info info;
    size_t n = 0, i;
    if (!reader || hl_reader_record_count(reader, key, &n) != HL_OK) n = 0;
    for (i = 0; i < n && (int)i < capacity; i++) {
        hl_reader_record(reader, key, i, &info, NULL, 0, NULL, 0);
        steps[i] = info.step;
    }
    hl_reader_close(reader);
    return (int)n;
}

/* The histogram hl_compute_f64 gives, to compare logged records with. */
typedef struct expected_histogram {
    size_t n_bins;
    double edges[65], counts[64];
    hl_stats stats;
} expected_histogram;

static expected_histogram expect_f64(const double *values, size_t n, const hl_bin_config *config) {
    expected_histogram e;
    memset(&e, 0, sizeof e);
    CHECK_STATUS(hl_compute_f64(values, n, config, e.edges, 65, e.counts, 64, &e.n_bins, &e.stats), HL_OK);
    return e;
}

/* Record `index` of key, read with hl_reader_record, equals `e` exactly (NaN equals NaN). */
static void check_logged(const hl_reader *reader, const char *key, size_t index, int64_t step,
                         const expected_histogram *e) {
    hl_record_info info;
    double edges[65], counts[64];
    size_t i;
    CHECK_STATUS(hl_reader_record(reader, key, index, &info, edges, 65, counts, 64), HL_OK);
    CHECK_INT(info.step, step);
    CHECK_INT(info.n_bins, e->n_bins);
    if (info.n_bins != e->n_bins) return;
    for (i = 0; i <= e->n_bins; i++) CHECK_CLOSE(edges[i], e->edges[i], 0);
    for (i = 0; i < e->n_bins; i++) CHECK_CLOSE(counts[i], e->counts[i], 0);
    CHECK_INT(info.stats.total_count, e->stats.total_count);
    CHECK_INT(info.stats.nan_count, e->stats.nan_count);
    CHECK_INT(info.stats.inf_count, e->stats.inf_count);
    CHECK_INT(info.stats.zero_count, e->stats.zero_count);
    CHECK_INT(info.stats.outlier_count, e->stats.outlier_count);
    CHECK_CLOSE(info.stats.min, e->stats.min, 0);
    CHECK_CLOSE(info.stats.max, e->stats.max, 0);
    CHECK_CLOSE(info.stats.mean, e->stats.mean, 0);
    CHECK_CLOSE(info.stats.std, e->stats.std, 0);
    CHECK_CLOSE(info.stats.skewness, e->stats.skewness, 0);
    CHECK_CLOSE(info.stats.kurtosis, e->stats.kurtosis, 0);
    for (i = 0; i < HL_NUM_QUANTILES; i++) CHECK_CLOSE(info.stats.quantiles[i], e->stats.quantiles[i], 0);
    CHECK_CLOSE(info.stats.median, e->stats.median, 0);
    CHECK_INT(info.stats.estimated, e->stats.estimated);
}

/* The JSON checker itself refuses what strict JSON forbids, so the file checks below can fail. */
static void test_json_checker(void) {
    json_record r[2];
    CHECK_INT(json_parse_records("[\n{\"name\":\"a\",\"step\":1,\"counts\":[1,2.5e0]},\n{\"name\":\"b\",\"mean\":null}\n]\n", r, 2), 2);
    CHECK(strcmp(r[0].name, "a") == 0 && r[0].step == 1 && r[0].n_counts == 2 && r[0].counts[1] == 2.5);
    CHECK(strcmp(r[1].name, "b") == 0 && isnan(r[1].mean));
    CHECK_INT(json_parse_records("[]", r, 2), 0);
    CHECK_INT(json_parse_records("[{\"mean\":NaN}]", r, 2), -1);
    CHECK_INT(json_parse_records("[{\"mean\":-Infinity}]", r, 2), -1);
    CHECK_INT(json_parse_records("[{\"a\":1},]", r, 2), -1);
    CHECK_INT(json_parse_records("[{\"a\":1},\n{\"a\":", r, 2), -1); /* a torn tail */
    CHECK_INT(json_parse_records("[{\"a\":01}]", r, 2), -1);
    CHECK_INT(json_parse_records("[{\"a\":1}] x", r, 2), -1);
    CHECK_INT(json_parse_records("{\"a\":1}", r, 2), -1);
    CHECK_INT(json_parse_records("[{\"a\":\"\\q\"}]", r, 2), -1);
}

static void test_run_options_init(void) {
    hl_run_options options;
    const hl_run_options initializer = HL_RUN_OPTIONS_INIT;
    memset(&options, 0xAB, sizeof options);
    CHECK_STATUS(hl_run_options_init(&options, sizeof options), HL_OK);
    CHECK_INT(options.size, sizeof options);
    CHECK_INT(options.sinks, HL_SINK_ALL);
    CHECK_INT(options.queue_capacity, 1024);
    CHECK_INT(options.durable, 0);
    CHECK(memcmp(&options, &initializer, sizeof options) == 0);
    CHECK_STATUS(hl_run_options_init(NULL, sizeof options), HL_ENULL);
    /* A size this library does not know: nothing is written. */
    memset(&options, 0xAB, sizeof options);
    CHECK_STATUS(hl_run_options_init(&options, sizeof options + 8), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "size");
    CHECK_INT(options.sinks, 0xABABABABu);
}

static void test_open_errors(void) {
    char path[256], errno_text[32];
    hl_run_options options;
    hl_run *run = (hl_run *)&options; /* any non-NULL value: a failure must reset it */
    hl_reader *reader;
    int status;
    FILE *file;
    CHECK(hl_run_open(NULL) == NULL);
    CHECK_CONTAINS(hl_last_error(), "dir");
    CHECK(hl_run_open("") == NULL);
    CHECK_CONTAINS(hl_last_error(), "empty");
    CHECK(hl_run_open("\xff\xfe") == NULL);
    CHECK_CONTAINS(hl_last_error(), "UTF-8");
    CHECK_INT(hl_last_errno(), 0);
    hl_run_options_init(&options, sizeof options);
    options.sinks = 0;
    CHECK_STATUS(hl_run_open_with(&run, path_in(path, sizeof path, "no-sinks"), &options), HL_EINVAL);
    CHECK(run == NULL);
    CHECK_CONTAINS(hl_last_error(), "sinks");
    options.sinks = 8;
    CHECK_STATUS(hl_run_open_with(&run, path, &options), HL_EINVAL);
    options.sinks = HL_SINK_ALL;
    options.queue_capacity = 0;
    CHECK_STATUS(hl_run_open_with(&run, path, &options), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "queue_capacity");
    options.queue_capacity = 8;
    CHECK_STATUS(hl_run_open_with(&run, NULL, &options), HL_ENULL);
    CHECK_STATUS(hl_run_open_with(NULL, path, &options), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "out");
    /* Options of a size this library does not know (a newer header, or never initialised). */
    options.size = 0;
    CHECK_STATUS(hl_run_open_with(&run, path, &options), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "hl_run_options.size");
    CHECK(run == NULL);
    /* A run directory below a regular file cannot be created: HL_EIO, with the errno. */
    file = fopen(path_in(path, sizeof path, "a-file"), "w");
    CHECK(file != NULL);
    if (file) fclose(file);
    CHECK(hl_run_open(path_in(path, sizeof path, "a-file/run")) == NULL);
    CHECK(strlen(hl_last_error()) > 0);
    CHECK_STATUS(hl_run_open_with(&run, path, NULL), HL_EIO);
    CHECK_INT(hl_last_errno(), ENOTDIR);
    snprintf(errno_text, sizeof errno_text, "(errno %d)", ENOTDIR);
    CHECK_CONTAINS(hl_last_error(), errno_text);
    CHECK_CONTAINS(hl_last_error(), "a-file");
    CHECK(run == NULL);
    hl_run_close(NULL); /* no-ops */
    hl_reader_close(NULL);
    reader = (hl_reader *)&reader; /* set to NULL on failure */
    CHECK_STATUS(hl_reader_open(&reader, NULL), HL_ENULL);
    CHECK(reader == NULL);
    CHECK_CONTAINS(hl_last_error(), "path");
    CHECK_STATUS(hl_reader_open(NULL, path), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "out");
    CHECK_STATUS(hl_reader_open(&reader, ""), HL_EINVAL);
    status = hl_reader_open(&reader, path_in(path, sizeof path, "does-not-exist"));
    CHECK(status == HL_ENOTFOUND || status == HL_EIO);
    CHECK(reader == NULL);
    CHECK_CONTAINS(hl_last_error(), "does-not-exist");
}

static const double step_values[3][6] = {
    {0.5, -1.25, 2.0, 0.0, 3.5, -0.75},
    {1.0, 1.5, 2.5, 4.0, 8.0, 16.0},
    {-3.0, -2.0, -1.0, 0.0, 1.0, 2.0},
};
static const double precomputed_edges[4] = {0, 1, 2, 4};
static const double precomputed_counts[3] = {1, 2, 3};

/* One run with every kind of record, checked in its JSON files and through the reader. */
static void test_log_and_read(void) {
    char run_path[256];
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "basic"));
    static const float activations[5] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f};
    static const double nans[3] = {NAN, NAN, INFINITY};
    hl_bin_config four_bins;
    hl_moments moments;
    json_record records[MAX_RECORDS];
    hl_reader *reader;
    hl_record_info info;
    char key[64];
    size_t n, length, index, i;
    int n_json, step;

    CHECK(run != NULL);
    if (!run) return;
    hl_bin_config_init(&four_bins, sizeof four_bins);
    four_bins.bins = 4;
    for (step = 0; step < 3; step++)
        CHECK_STATUS(hl_log_values_f64(run, "weights/layer1", step, step_values[step], 6, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f32(run, "activations/relu", 5, activations, 5, &four_bins), HL_OK);
    CHECK_STATUS(hl_log_counts(run, "precomputed", 0, precomputed_edges, 4, precomputed_counts, 3), HL_OK);
    CHECK_STATUS(hl_log_values_f64_at(run, "timed", 7, 1700000000.5, step_values[0], 6, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f32_at(run, "timed", 8, 1700000001.25, activations, 5, NULL), HL_OK);
    CHECK_STATUS(hl_log_counts_at(run, "timed", 9, 1700000002.0, precomputed_edges, 4, precomputed_counts, 3), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "diverged", 0, nans, 3, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "empty", 0, NULL, 0, NULL), HL_OK);
    /* Moments of {0.5, 1.5, 1.5, 3.5} over the precomputed edges' span: mean 1.75, m2 = 4.75. */
    memset(&moments, 0, sizeof moments);
    moments.count = 4;
    moments.mean = 1.75;
    moments.m2 = 1.5625 + 0.0625 + 0.0625 + 3.0625;
    moments.m3 = -1.953125 - 0.015625 - 0.015625 + 5.359375;
    moments.m4 = 2.44140625 + 0.00390625 + 0.00390625 + 9.37890625;
    moments.min = 0.5;
    moments.max = 3.5;
    moments.zero_count = 0;
    CHECK_STATUS(hl_log_reduced(run, "reduced", 3, NAN, precomputed_edges, 4, precomputed_counts, 3, &moments), HL_OK);
    /* The same (key, step) again: both kept, the last one wins a lookup. */
    CHECK_STATUS(hl_log_values_f64(run, "weights/layer1", 1, step_values[2], 6, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);

    /* The JSON the run wrote: a strict array, one object per record, in logged order. */
    n_json = json_records_of(run_path, "weights/layer1", records, MAX_RECORDS);
    CHECK_INT(n_json, 4);
    if (n_json == 4) {
        expected_histogram e = expect_f64(step_values[1], 6, NULL);
        CHECK_CLOSE(records[0].step, 0, 0);
        CHECK_CLOSE(records[1].step, 1, 0);
        CHECK_CLOSE(records[2].step, 2, 0);
        CHECK_CLOSE(records[3].step, 1, 0);
        CHECK_CLOSE(records[1].total_count, 6, 0);
        CHECK_CLOSE(records[1].mean, e.stats.mean, 0);
        CHECK_CLOSE(records[1].std, e.stats.std, 0);
        CHECK_INT(records[1].n_counts, 30);
        for (i = 0; i < 30 && (int)i < records[1].n_counts; i++) CHECK_CLOSE(records[1].counts[i], e.counts[i], 0);
        CHECK_INT(records[1].estimated, 0);
    }
    n_json = json_records_of(run_path, "precomputed", records, MAX_RECORDS);
    CHECK_INT(n_json, 1);
    if (n_json == 1) {
        CHECK_INT(records[0].n_counts, 3);
        CHECK_CLOSE(records[0].counts[2], 3, 0);
        CHECK_CLOSE(records[0].total_count, 6, 0);
        CHECK_INT(records[0].estimated, 1);
    }
    n_json = json_records_of(run_path, "diverged", records, MAX_RECORDS);
    CHECK_INT(n_json, 1);
    if (n_json == 1) {
        CHECK_CLOSE(records[0].total_count, 0, 0);
        CHECK_CLOSE(records[0].nan_count, 2, 0);
        CHECK(isnan(records[0].mean)); /* written as null */
    }
    CHECK_INT(count_files(run_path, "events.out.tfevents"), 1);

    /* The same records through the reader, while the run is still open. */
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    if (!reader) {
        fprintf(stderr, "    hl_reader_open: %s\n", hl_last_error());
        hl_run_close(run);
        return;
    }
    CHECK_STATUS(hl_reader_key_count(reader, &n), HL_OK);
    CHECK_INT(n, 7);
    {
        static const char *sorted[7] = {"activations/relu", "diverged", "empty", "precomputed", "reduced", "timed", "weights/layer1"};
        for (i = 0; i < 7 && i < n; i++) {
            CHECK_STATUS(hl_reader_key(reader, i, key, sizeof key, &length), HL_OK);
            CHECK(strcmp(key, sorted[i]) == 0);
            CHECK_INT(length, strlen(sorted[i]));
        }
    }
    CHECK_STATUS(hl_reader_key(reader, 6, NULL, 0, &length), HL_ESIZE); /* a size query */
    CHECK_INT(length, 14);
    memset(key, 'x', sizeof key);
    CHECK_STATUS(hl_reader_key(reader, 6, key, 14, &length), HL_ESIZE); /* no room for the NUL */
    CHECK(key[0] == 'x');
    CHECK_STATUS(hl_reader_key(reader, 6, key, 15, &length), HL_OK);
    CHECK(strcmp(key, "weights/layer1") == 0);

    CHECK_STATUS(hl_reader_record_count(reader, "weights/layer1", &n), HL_OK);
    CHECK_INT(n, 4);
    for (step = 0; step < 3; step++) {
        expected_histogram e = expect_f64(step_values[step], 6, NULL);
        check_logged(reader, "weights/layer1", (size_t)step, step, &e);
    }
    CHECK_STATUS(hl_reader_find(reader, "weights/layer1", 1, &index), HL_OK);
    CHECK_INT(index, 3);
    CHECK_STATUS(hl_reader_find(reader, "weights/layer1", 2, &index), HL_OK);
    CHECK_INT(index, 2);
    {
        expected_histogram e = expect_f64(step_values[2], 6, NULL);
        check_logged(reader, "weights/layer1", 3, 1, &e);
    }
    {
        expected_histogram e;
        double widened[5];
        for (i = 0; i < 5; i++) widened[i] = activations[i];
        e = expect_f64(widened, 5, &four_bins);
        check_logged(reader, "activations/relu", 0, 5, &e);
    }
    {
        expected_histogram e = expect_f64(nans, 3, NULL);
        check_logged(reader, "diverged", 0, 0, &e);
        e = expect_f64(NULL, 0, NULL);
        check_logged(reader, "empty", 0, 0, &e);
    }

    /* A pre-computed histogram: counts as given, statistics estimated and marked so. */
    {
        double edges[4], counts[3];
        CHECK_STATUS(hl_reader_record(reader, "precomputed", 0, &info, edges, 4, counts, 3), HL_OK);
        CHECK_INT(info.n_bins, 3);
        for (i = 0; i < 4; i++) CHECK_CLOSE(edges[i], precomputed_edges[i], 0);
        for (i = 0; i < 3; i++) CHECK_CLOSE(counts[i], precomputed_counts[i], 0);
        CHECK_INT(info.stats.total_count, 6);
        CHECK_INT(info.stats.zero_count, -1);
        CHECK(info.stats.estimated & HL_ESTIMATED_MOMENTS);
        CHECK(info.stats.estimated & HL_ESTIMATED_QUANTILES);
        CHECK(info.stats.estimated & HL_ESTIMATED_MINMAX);
        CHECK(info.stats.min >= 0 && info.stats.max <= 4);
        /* Mid-point mean of the bins: (0.5 * 1 + 1.5 * 2 + 3 * 3) / 6. */
        CHECK_CLOSE(info.stats.mean, 12.5 / 6, 1e-12);

        /* Reduced elsewhere: exact moments and extremes, estimated quantiles. */
        CHECK_STATUS(hl_reader_record(reader, "reduced", 0, &info, edges, 4, counts, 3), HL_OK);
        CHECK_INT(info.step, 3);
        CHECK_INT(info.stats.total_count, 4);
        CHECK_INT(info.stats.zero_count, 0);
        CHECK_CLOSE(info.stats.mean, 1.75, 1e-15);
        CHECK_CLOSE(info.stats.std, sqrt(4.75 / 3), 1e-14);
        CHECK_CLOSE(info.stats.min, 0.5, 0);
        CHECK_CLOSE(info.stats.max, 3.5, 0);
        CHECK(!(info.stats.estimated & HL_ESTIMATED_MOMENTS));
        CHECK(info.stats.estimated & HL_ESTIMATED_QUANTILES);
    }

    /* Timestamps given explicitly come back as given. */
    CHECK_STATUS(hl_reader_record(reader, "timed", 0, &info, NULL, 0, NULL, 0), HL_ESIZE);
    CHECK_INT(info.step, 7);
    CHECK_CLOSE(info.timestamp, 1700000000.5, 0);
    CHECK_INT(info.n_bins, 30);
    CHECK_STATUS(hl_reader_record(reader, "timed", 1, &info, NULL, 0, NULL, 0), HL_ESIZE);
    CHECK_CLOSE(info.timestamp, 1700000001.25, 0);
    CHECK_STATUS(hl_reader_record(reader, "timed", 2, &info, NULL, 0, NULL, 0), HL_ESIZE);
    CHECK_CLOSE(info.timestamp, 1700000002.0, 0);
    CHECK_INT(info.n_bins, 3);
    /* Without one, the time is now. */
    CHECK_STATUS(hl_reader_record(reader, "weights/layer1", 0, &info, NULL, 0, NULL, 0), HL_ESIZE);
    CHECK(info.timestamp > 1.6e9 && info.timestamp < 4.2e9);

    /* The whole history in one call: the same records as hl_reader_record gives one by one. */
    {
        int64_t steps[4];
        double stamps[4], edges[4 * 31], counts[4 * 30], record_edges[31], record_counts[30];
        size_t bins[4], total, expected_total = 0, edge_offset = 0, count_offset = 0, j;
        hl_stats stats[4];
        for (i = 0; i < 3; i++) {
            CHECK_STATUS(hl_reader_record(reader, "timed", i, &info, NULL, 0, NULL, 0), HL_ESIZE);
            expected_total += info.n_bins;
        }
        CHECK_STATUS(hl_reader_history(reader, "timed", 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_OK);
        CHECK_INT(n, 3);
        CHECK_INT(total, expected_total);
        CHECK_STATUS(hl_reader_history(reader, "timed", 2, steps, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_ESIZE);
        CHECK_STATUS(hl_reader_history(reader, "timed", 0, NULL, NULL, NULL, NULL, edges, total + 2, NULL, 0, &n, &total), HL_ESIZE);
        CHECK_STATUS(hl_reader_history(reader, "timed", 0, NULL, NULL, NULL, NULL, NULL, 0, counts, total - 1, &n, &total), HL_ESIZE);
        CHECK_STATUS(hl_reader_history(reader, "timed", 4, steps, stamps, bins, stats, edges, 4 * 31, counts, 4 * 30, &n, &total), HL_OK);
        CHECK_INT(n, 3);
        for (i = 0; i < n && i < 3; i++) {
            CHECK_STATUS(hl_reader_record(reader, "timed", i, &info, record_edges, 31, record_counts, 30), HL_OK);
            CHECK_INT(steps[i], info.step);
            CHECK_CLOSE(stamps[i], info.timestamp, 0);
            CHECK_INT(bins[i], info.n_bins);
            CHECK(memcmp(&stats[i], &info.stats, sizeof info.stats) == 0);
            for (j = 0; j <= info.n_bins; j++) CHECK_CLOSE(edges[edge_offset + j], record_edges[j], 0);
            for (j = 0; j < info.n_bins; j++) CHECK_CLOSE(counts[count_offset + j], record_counts[j], 0);
            edge_offset += info.n_bins + 1;
            count_offset += info.n_bins;
        }
        /* Steps alone. */
        memset(steps, 0, sizeof steps);
        CHECK_STATUS(hl_reader_history(reader, "weights/layer1", 4, steps, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_OK);
        CHECK_INT(n, 4);
        CHECK(steps[0] == 0 && steps[1] == 1 && steps[2] == 2 && steps[3] == 1);
        CHECK_STATUS(hl_reader_history(NULL, "timed", 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_ENULL);
        CHECK_STATUS(hl_reader_history(reader, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_ENULL);
        CHECK_STATUS(hl_reader_history(reader, "timed", 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, &total), HL_ENULL);
        CHECK_STATUS(hl_reader_history(reader, "timed", 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, NULL), HL_ENULL);
        CHECK_STATUS(hl_reader_history(reader, "timed", 0, NULL, NULL, NULL, NULL, NULL, 5, NULL, 0, &n, &total), HL_ENULL);
        CHECK_STATUS(hl_reader_history(reader, "timed", (size_t)-1, steps, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_EINVAL);
        CHECK_STATUS(hl_reader_history(reader, "no such key", 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, &n, &total), HL_ENOTFOUND);
    }

    /* Reader errors. */
    CHECK_STATUS(hl_reader_key_count(NULL, &n), HL_ENULL);
    CHECK_STATUS(hl_reader_key_count(reader, NULL), HL_ENULL);
    CHECK_STATUS(hl_reader_key(NULL, 0, key, sizeof key, &length), HL_ENULL);
    CHECK_STATUS(hl_reader_key(reader, 0, key, sizeof key, NULL), HL_ENULL);
    CHECK_STATUS(hl_reader_key(reader, 0, NULL, 10, &length), HL_ENULL);
    CHECK_STATUS(hl_reader_key(reader, 7, key, sizeof key, &length), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_key(reader, (size_t)-1, key, sizeof key, &length), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_key(reader, 0, key, (size_t)-1, &length), HL_EINVAL);
    CHECK_STATUS(hl_reader_record_count(NULL, "timed", &n), HL_ENULL);
    CHECK_STATUS(hl_reader_record_count(reader, NULL, &n), HL_ENULL);
    CHECK_STATUS(hl_reader_record_count(reader, "timed", NULL), HL_ENULL);
    CHECK_STATUS(hl_reader_record_count(reader, "no such key", &n), HL_ENOTFOUND);
    CHECK_CONTAINS(hl_last_error(), "no such key");
    CHECK_STATUS(hl_reader_record_count(reader, "\xff\xfe", &n), HL_EINVAL);
    CHECK_STATUS(hl_reader_record_count(reader, "", &n), HL_EINVAL);
    CHECK_STATUS(hl_reader_find(NULL, "timed", 7, &index), HL_ENULL);
    CHECK_STATUS(hl_reader_find(reader, NULL, 7, &index), HL_ENULL);
    CHECK_STATUS(hl_reader_find(reader, "timed", 7, NULL), HL_ENULL);
    CHECK_STATUS(hl_reader_find(reader, "timed", 6, &index), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_find(reader, "no such key", 7, &index), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_find(reader, "\xff", 7, &index), HL_EINVAL);
    CHECK_STATUS(hl_reader_record(NULL, "timed", 0, &info, NULL, 0, NULL, 0), HL_ENULL);
    CHECK_STATUS(hl_reader_record(reader, NULL, 0, &info, NULL, 0, NULL, 0), HL_ENULL);
    CHECK_STATUS(hl_reader_record(reader, "timed", 0, NULL, NULL, 0, NULL, 0), HL_ENULL);
    CHECK_STATUS(hl_reader_record(reader, "timed", 0, &info, NULL, 31, NULL, 0), HL_ENULL);
    CHECK_STATUS(hl_reader_record(reader, "timed", 3, &info, NULL, 0, NULL, 0), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_record(reader, "timed", (size_t)-1, &info, NULL, 0, NULL, 0), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_record(reader, "no such key", 0, &info, NULL, 0, NULL, 0), HL_ENOTFOUND);
    CHECK_STATUS(hl_reader_record(reader, "", 0, &info, NULL, 0, NULL, 0), HL_EINVAL);
    hl_reader_close(reader);

    /* Reopening a run appends to it. */
    hl_run_close(run);
    run = hl_run_open(run_path);
    CHECK(run != NULL);
    CHECK_STATUS(hl_log_values_f64(run, "weights/layer1", 3, step_values[0], 6, NULL), HL_OK);
    hl_run_close(run);
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    CHECK_STATUS(hl_reader_record_count(reader, "weights/layer1", &n), HL_OK);
    CHECK_INT(n, 5);
    CHECK_STATUS(hl_reader_find(reader, "weights/layer1", 3, &index), HL_OK);
    CHECK_INT(index, 4);
    hl_reader_close(reader);
}

/* Every bad argument of the logging functions is a status; nothing of it is written. */
/* hl_log_values_bf16(_at): the records of hl_compute_f32 over the same values as floats. */
static void test_log_bfloat16(void) {
    char run_path[256];
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "bfloat16"));
    static const uint16_t bits[6] = {0x0000, 0x3E80, 0xBF00, 0x3F40, 0x7FC0, 0x4049}; /* 0 .25 -.5 .75 NaN 3.140625 */
    static const float floats[6] = {0.0f, 0.25f, -0.5f, 0.75f, NAN, 3.140625f};
    expected_histogram e;
    hl_reader *reader = NULL;
    hl_record_info info;
    size_t index;
    CHECK(run != NULL);
    if (!run) return;
    memset(&e, 0, sizeof e);
    CHECK_STATUS(hl_compute_f32(floats, 6, NULL, e.edges, 65, e.counts, 64, &e.n_bins, &e.stats), HL_OK);
    CHECK_STATUS(hl_log_values_bf16(run, "bf16", 4, bits, 6, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_bf16_at(run, "bf16", 5, 1700000003.5, bits, 6, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_bf16(run, "bf16", 6, NULL, 2, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "values");
    hl_run_close(run);
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    if (!reader) return;
    check_logged(reader, "bf16", 0, 4, &e);
    check_logged(reader, "bf16", 1, 5, &e);
    CHECK_STATUS(hl_reader_find(reader, "bf16", 5, &index), HL_OK);
    CHECK_STATUS(hl_reader_record(reader, "bf16", index, &info, NULL, 0, NULL, 0), HL_ESIZE);
    CHECK_CLOSE(info.timestamp, 1700000003.5, 0);
    CHECK_INT(info.stats.nan_count, 1);
    hl_reader_close(reader);
}

static void test_log_errors(void) {
    char run_path[256];
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "errors"));
    static const double values[3] = {1, 2, 3};
    static const float values32[3] = {1, 2, 3};
    static const double decreasing[3] = {0, 2, 1};
    static const double negative[2] = {1, -1};
    static const double not_finite[2] = {1, NAN};
    hl_bin_config config;
    hl_moments moments;
    hl_reader *reader;
    size_t n;

    CHECK(run != NULL);
    if (!run) return;
    hl_bin_config_init(&config, sizeof config);
    memset(&moments, 0, sizeof moments);
    moments.count = 3;
    moments.mean = 2;
    moments.m2 = 2;
    moments.min = 1;
    moments.max = 3;
    moments.zero_count = -1;

    CHECK_STATUS(hl_log_values_f64(NULL, "k", 0, values, 3, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "run");
    CHECK_STATUS(hl_log_values_f32(NULL, "k", 0, values32, 3, NULL), HL_ENULL);
    CHECK_STATUS(hl_log_values_f64_at(NULL, "k", 0, 1.0, values, 3, NULL), HL_ENULL);
    CHECK_STATUS(hl_log_values_f32_at(NULL, "k", 0, 1.0, values32, 3, NULL), HL_ENULL);
    CHECK_STATUS(hl_log_counts(NULL, "k", 0, values, 3, values, 2), HL_ENULL);
    CHECK_STATUS(hl_log_counts_at(NULL, "k", 0, 1.0, values, 3, values, 2), HL_ENULL);
    CHECK_STATUS(hl_log_reduced(NULL, "k", 0, NAN, values, 3, values, 2, &moments), HL_ENULL);
    CHECK_STATUS(hl_run_flush(NULL), HL_ENULL);

    CHECK_STATUS(hl_log_values_f64(run, NULL, 0, values, 3, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "key");
    CHECK_STATUS(hl_log_values_f32(run, NULL, 0, values32, 3, NULL), HL_ENULL);
    CHECK_STATUS(hl_log_counts(run, NULL, 0, values, 3, values, 2), HL_ENULL);
    CHECK_STATUS(hl_log_values_f64(run, "", 0, values, 3, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "empty");
    CHECK_STATUS(hl_log_values_f32(run, "", 0, values32, 3, NULL), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "", 0, values, 3, values, 2), HL_EINVAL);
    CHECK_STATUS(hl_log_values_f64(run, "\xff\xfe", 0, values, 3, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "UTF-8");
    CHECK_STATUS(hl_log_values_f32(run, "bad\xc3(", 0, values32, 3, NULL), HL_EINVAL);
    CHECK_STATUS(hl_log_counts_at(run, "\xed\xa0\x80", 0, 1.0, values, 3, values, 2), HL_EINVAL); /* a surrogate */
    CHECK_STATUS(hl_log_reduced(run, "\xff", 0, NAN, values, 3, values, 2, &moments), HL_EINVAL);

    CHECK_STATUS(hl_log_values_f64(run, "k", 0, NULL, 3, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "values");
    CHECK_STATUS(hl_log_values_f32(run, "k", 0, NULL, 3, NULL), HL_ENULL);
    CHECK_STATUS(hl_log_values_f64(run, "k", 0, values, (size_t)-1, NULL), HL_EINVAL);
    CHECK_STATUS(hl_log_values_f32_at(run, "k", 0, 1.0, values32, (size_t)-3, NULL), HL_EINVAL);
    config.bins = 0;
    CHECK_STATUS(hl_log_values_f64(run, "k", 0, values, 3, &config), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "bins");
    CHECK_STATUS(hl_log_values_f32(run, "k", 0, values32, 3, &config), HL_EINVAL);
    hl_bin_config_init(&config, sizeof config);
    config.scale = 3;
    CHECK_STATUS(hl_log_values_f64_at(run, "k", 0, 1.0, values, 3, &config), HL_EINVAL);

    CHECK_STATUS(hl_log_counts(run, "k", 0, values, 3, values, 3), HL_EINVAL); /* n_edges != n_counts + 1 */
    CHECK_STATUS(hl_log_counts(run, "k", 0, values, 2, values, 2), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, values, 1, values, 0), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, NULL, 0, NULL, 0), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, NULL, 3, values, 2), HL_ENULL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, values, 3, NULL, 2), HL_ENULL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, decreasing, 3, values, 2), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "edges");
    CHECK_STATUS(hl_log_counts(run, "k", 0, values, 3, negative, 2), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, values, 3, not_finite, 2), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, not_finite, 2, values, 1), HL_EINVAL);
    CHECK_STATUS(hl_log_counts(run, "k", 0, values, (size_t)-1, values, 2), HL_EINVAL);

    CHECK_STATUS(hl_log_values_f32_at(run, "k", 0, -1.0, values32, 3, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "timestamp");
    CHECK_STATUS(hl_log_counts_at(run, "k", 0, INFINITY, values, 3, values, 2), HL_EINVAL);
    CHECK_STATUS(hl_log_reduced(run, "k", 0, -5.0, values, 3, values, 2, &moments), HL_EINVAL);

    CHECK_STATUS(hl_log_reduced(run, "k", 0, NAN, values, 3, values, 2, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "moments");
    moments.m2 = -1;
    CHECK_STATUS(hl_log_reduced(run, "k", 0, NAN, values, 3, values, 2, &moments), HL_EINVAL);
    moments.m2 = 2;
    moments.count = -1;
    CHECK_STATUS(hl_log_reduced(run, "k", 0, NAN, values, 3, values, 2, &moments), HL_EINVAL);
    moments.count = 3;
    moments.nan_count = -2;
    CHECK_STATUS(hl_log_reduced(run, "k", 0, NAN, values, 3, values, 2, &moments), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "nan_count and inf_count must be >= 0");
    moments.nan_count = 0;
    moments.zero_count = -7;
    CHECK_STATUS(hl_log_reduced(run, "k", 0, NAN, values, 3, values, 2, &moments), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "zero_count must be -1 (unknown) or between 0 and moments.count");
    moments.zero_count = -1;
    CHECK_STATUS(hl_log_reduced(run, "k", 0, NAN, values, 3, values, 3, &moments), HL_EINVAL);

    /* None of the above was logged; the run still works. */
    CHECK_STATUS(hl_log_values_f64(run, "ok", 0, values, 3, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    hl_run_close(run);
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    CHECK_STATUS(hl_reader_key_count(reader, &n), HL_OK);
    CHECK_INT(n, 1);
    CHECK_STATUS(hl_reader_record_count(reader, "k", &n), HL_ENOTFOUND);
    hl_reader_close(reader);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* hl_log_reduced_histogram: what it records exactly, and quantiles within one fine bin of the data. */
static void test_log_reduced_histogram(void) {
    enum { N = 2000, BINS = 8, FINE = 512 };
    static const double probabilities[HL_NUM_QUANTILES] = {0.1, 0.25, 0.5, 0.75, 0.9};
    static double values[N], sorted[N], fine_edges[FINE + 1], fine_counts[FINE];
    char run_path[128];
    hl_bin_config config;
    hl_stats exact, fine_stats;
    hl_record_info info;
    hl_reduced_histogram reduced;
    double edges[BINS + 1], counts[BINS], read_edges[BINS + 1], read_counts[BINS], mean = 0, width;
    size_t n_bins, i;
    hl_run *run;
    hl_reader *reader;
    uint64_t state = 12345;

    /* A skewed sample (sums of uniforms, cubed) binned over a range that cuts both tails. */
    for (i = 0; i < N; i++) {
        double u = 0;
        int j;
        for (j = 0; j < 4; j++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            u += (double)(state >> 11) / 9007199254740992.0 - 0.5;
        }
        values[i] = u * u * u;
        sorted[i] = values[i];
    }
    qsort(sorted, N, sizeof sorted[0], compare_doubles);
    hl_bin_config_init(&config, sizeof config);
    config.bins = BINS;
    config.has_range = 1;
    config.range_lo = sorted[N / 20];
    config.range_hi = sorted[N - N / 20];
    CHECK_STATUS(hl_compute_f64(values, N, &config, edges, BINS + 1, counts, BINS, &n_bins, &exact), HL_OK);
    CHECK(exact.underflow_count > 0 && exact.overflow_count > 0);
    /* The fine histogram: FINE equal bins over [min, max] of the same values. */
    config.bins = FINE;
    config.has_range = 0;
    CHECK_STATUS(hl_compute_f64(values, N, &config, fine_edges, FINE + 1, fine_counts, FINE, &n_bins, &fine_stats), HL_OK);
    width = (exact.max - exact.min) / FINE * (1 + 1e-12);
    for (i = 0; i < N; i++) mean += values[i];
    mean /= N;

    memset(&reduced, 0, sizeof reduced);
    reduced.edges = edges, reduced.n_edges = BINS + 1, reduced.counts = counts, reduced.n_counts = BINS;
    reduced.underflow_count = exact.underflow_count, reduced.overflow_count = exact.overflow_count;
    reduced.fine_edges = fine_edges, reduced.n_fine_edges = FINE + 1;
    reduced.fine_counts = fine_counts, reduced.n_fine_counts = FINE;
    reduced.moments.count = N, reduced.moments.mean = mean, reduced.moments.min = exact.min, reduced.moments.max = exact.max;
    for (i = 0; i < N; i++) {
        double d = values[i] - mean;
        reduced.moments.m2 += d * d, reduced.moments.m3 += d * d * d, reduced.moments.m4 += d * d * d * d;
    }
    reduced.moments.zero_count = 0, reduced.moments.nan_count = 3, reduced.moments.inf_count = 1;

    run = hl_run_open(path_in(run_path, sizeof run_path, "reduced"));
    CHECK(run != NULL);
    if (!run) return;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 4, NAN, &reduced), HL_OK);

    /* Refused, naming what is wrong; nothing of it logged. */
    CHECK_STATUS(hl_log_reduced_histogram(NULL, "reduced", 5, NAN, &reduced), HL_ENULL);
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "histogram");
    reduced.n_fine_counts -= 1;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "fine histogram");
    reduced.n_fine_counts += 1;
    reduced.fine_counts = NULL;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "histogram.fine_counts");
    reduced.fine_counts = fine_counts;
    fine_counts[3] += 1;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "add up to moments.count");
    fine_counts[3] -= 1;
    fine_edges[FINE] -= 1e-3;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "span");
    fine_edges[FINE] += 1e-3;
    reduced.overflow_count -= 1;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "moments.count");
    reduced.overflow_count += 1;
    reduced.underflow_count = INT64_MIN;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_EINVAL);
    reduced.underflow_count = exact.underflow_count;
    reduced.n_edges = BINS;
    CHECK_STATUS(hl_log_reduced_histogram(run, "reduced", 5, NAN, &reduced), HL_EINVAL);
    reduced.n_edges = BINS + 1;
    /* Without a fine histogram: the bins alone (still with under/overflow). */
    reduced.fine_edges = NULL, reduced.n_fine_edges = 0, reduced.fine_counts = NULL, reduced.n_fine_counts = 0;
    CHECK_STATUS(hl_log_reduced_histogram(run, "coarse", 4, 100.0, &reduced), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    hl_run_close(run);

    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    if (!reader) return;
    CHECK_STATUS(hl_reader_record_count(reader, "reduced", &i), HL_OK);
    CHECK_INT(i, 1);
    CHECK_STATUS(hl_reader_record(reader, "reduced", 0, &info, read_edges, BINS + 1, read_counts, BINS), HL_OK);
    CHECK_INT(info.step, 4);
    CHECK_INT(info.n_bins, BINS);
    for (i = 0; i < BINS; i++) CHECK_CLOSE(read_counts[i], counts[i], 0);
    for (i = 0; i <= BINS; i++) CHECK_CLOSE(read_edges[i], edges[i], 0);
    CHECK_INT(info.stats.total_count, N);
    CHECK_INT(info.stats.underflow_count, exact.underflow_count);
    CHECK_INT(info.stats.overflow_count, exact.overflow_count);
    CHECK_INT(info.stats.nan_count, 3);
    CHECK_INT(info.stats.inf_count, 1);
    CHECK_CLOSE(info.stats.min, exact.min, 0);
    CHECK_CLOSE(info.stats.max, exact.max, 0);
    CHECK_CLOSE(info.stats.mean, exact.mean, 1e-12);
    CHECK_CLOSE(info.stats.std, exact.std, 1e-9);
    CHECK_CLOSE(info.stats.skewness, exact.skewness, 1e-9);
    CHECK_CLOSE(info.stats.kurtosis, exact.kurtosis, 1e-9);
    CHECK_INT(info.stats.estimated, HL_ESTIMATED_QUANTILES | HL_ESTIMATED_OUTLIERS);
    for (i = 0; i < HL_NUM_QUANTILES; i++) {
        double h = probabilities[i] * (N - 1);
        double below = sorted[(size_t)h], above = sorted[(size_t)h + 1];
        CHECK(info.stats.quantiles[i] >= below - width && info.stats.quantiles[i] <= above + width);
        CHECK_CLOSE(info.stats.quantiles[i], exact.quantiles[i], width + (above - below));
    }
    CHECK_STATUS(hl_reader_record(reader, "coarse", 0, &info, read_edges, BINS + 1, read_counts, BINS), HL_OK);
    CHECK_INT(info.stats.underflow_count, exact.underflow_count);
    CHECK_CLOSE(info.timestamp, 100.0, 0);
    hl_reader_close(reader);
}

/* Which sinks a run writes. */
static void test_sinks(void) {
    char run_path[256], histograms[300];
    static const double values[3] = {1, 2, 3};
    hl_run_options options;
    hl_run *run;
    hl_reader *reader;
    size_t n;

    hl_run_options_init(&options, sizeof options);
    options.sinks = HL_SINK_JSON;
    options.queue_capacity = 4;
    CHECK_STATUS(hl_run_open_with(&run, path_in(run_path, sizeof run_path, "json-only"), &options), HL_OK);
    CHECK(run != NULL);
    CHECK_STATUS(hl_log_values_f64(run, "k", 0, values, 3, NULL), HL_OK);
    hl_run_close(run);
    snprintf(histograms, sizeof histograms, "%s/histograms", run_path);
    CHECK_INT(count_files(histograms, ""), 3); /* ".", ".." and one file */
    CHECK_INT(count_files(run_path, "events.out.tfevents"), 0);

    options.sinks = HL_SINK_TENSORBOARD;
    CHECK_STATUS(hl_run_open_with(&run, path_in(run_path, sizeof run_path, "tensorboard-only"), &options), HL_OK);
    CHECK(run != NULL);
    CHECK_STATUS(hl_log_values_f64(run, "k", 0, values, 3, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "k", 1, values, 3, NULL), HL_OK);
    hl_run_close(run);
    CHECK_INT(count_files(run_path, "events.out.tfevents"), 1);
    /* The reader imports the event file when there is no histograms/ directory. */
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    CHECK_STATUS(hl_reader_record_count(reader, "k", &n), HL_OK);
    CHECK_INT(n, 2);
    hl_reader_close(reader);
}

/* A durable run logs and reads back like any other (the fsyncs themselves are checked by
 * tracing system calls: bindings/python/tests/test_write_failures.py). */
static void test_durable(void) {
    char run_path[256];
    static const double values[4] = {1, 2, 3, 4};
    hl_run_options options = HL_RUN_OPTIONS_INIT;
    hl_run *run = NULL;
    int64_t steps[4];
    options.durable = 1;
    CHECK_STATUS(hl_run_open_with(&run, path_in(run_path, sizeof run_path, "durable/nested/run"), &options), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "k", 0, values, 4, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "other/key", 0, values, 4, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "k", 1, values, 4, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    hl_run_close(run);
    CHECK_INT(read_steps(run_path, "k", steps, 4), 2);
    CHECK_INT(steps[1], 1);
}

/* The child of test_file_size_limit: logs until writes fail with EFBIG, then goes on once the
 * limit is lifted. Returns its number of failed checks. */
static int log_past_a_file_size_limit(const char *run_path, uint32_t sink) {
    static double values[1000];
    char file_path[512], errno_text[32];
    json_record records[16];
    struct rlimit limit;
    hl_run_options options = HL_RUN_OPTIONS_INIT;
    hl_run *run = NULL;
    char *text;
    int step, status = HL_OK, failed_before = check_failed;
    const struct timespec millisecond = {0, 1000000};
    for (step = 0; step < 1000; step++) values[step] = step * 0.5;
    signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead of killing */
    options.sinks = sink;
    CHECK_STATUS(hl_run_open_with(&run, run_path, &options), HL_OK);
    if (!run) return 1;
    for (step = 0; step < 3; step++) CHECK_STATUS(hl_log_values_f64(run, "k", step, values, 1000, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    if (sink == HL_SINK_JSON)
        snprintf(file_path, sizeof file_path, "%s/histograms/k.json", run_path);
    else
        first_file(run_path, "events.out.tfevents", file_path, sizeof file_path);
    /* Room for a part of one more record: the next write stops half-way. */
    getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = (rlim_t)file_size(file_path) + 100;
    CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    CHECK_STATUS(hl_log_values_f64(run, "k", 3, values, 1000, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_EIO);
    CHECK_INT(hl_last_errno(), EFBIG);
    snprintf(errno_text, sizeof errno_text, "(errno %d)", EFBIG);
    CHECK_CONTAINS(hl_last_error(), errno_text);
    CHECK_CONTAINS(hl_last_error(), "\"k\" step 3");
    CHECK_CONTAINS(hl_last_error(), file_path);
    if (sink == HL_SINK_JSON) { /* rolled back: a strict array of the three earlier records */
        text = read_file(file_path);
        CHECK_INT(text ? json_parse_records(text, records, 16) : -1, 3);
        free(text);
    }
    /* A failure the writer meets after a log call returned is reported by a later log call. */
    for (step = 4; step < 1000 && (status = hl_log_values_f64(run, "k", step, values, 1000, NULL)) == HL_OK; step++)
        nanosleep(&millisecond, NULL);
    CHECK_STATUS(status, HL_EIO);
    CHECK_INT(hl_last_errno(), EFBIG);
    CHECK_CONTAINS(hl_last_error(), "\"k\" step 4");
    hl_run_flush(run); /* the records still queued fail too */
    /* Space again: the same run goes on. */
    limit.rlim_cur = limit.rlim_max;
    CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    for (step = 10; step < 12; step++) CHECK_STATUS(hl_log_values_f64(run, "k", step, values, 1000, NULL), HL_OK);
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    hl_run_close(run);
    return check_failed - failed_before;
}

/* Full disk, as a file-size limit (RLIMIT_FSIZE) in a child process: a failed write is reported
 * with its errno and rolled back, so the JSON file and the event file (which TensorBoard stops
 * reading at a torn record) hold exactly the records written before and after. */
static void test_file_size_limit(void) {
    static const uint32_t sinks[2] = {HL_SINK_JSON, HL_SINK_TENSORBOARD};
    static const int64_t expected[5] = {0, 1, 2, 10, 11};
    char run_path[256];
    int64_t steps[16];
    int status = -1, i, s;
    pid_t child;
    for (s = 0; s < 2; s++) {
        path_in(run_path, sizeof run_path, s == 0 ? "file-size-limit-json" : "file-size-limit-tensorboard");
        fflush(stderr);
        child = fork();
        if (child == 0) _exit(log_past_a_file_size_limit(run_path, sinks[s]) == 0 ? 0 : 1);
        CHECK(child > 0 && waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* Without histograms/, the reader imports the event file as TensorBoard reads it. */
        CHECK_INT(read_steps(run_path, "k", steps, 16), 5);
        for (i = 0; i < 5; i++) CHECK_INT(steps[i], expected[i]);
    }
}

/* Many threads log into one run at once; each keeps its own hl_last_error(). */
#define N_THREADS 4
#define N_STEPS 60

typedef struct logging_thread {
    hl_run *run;
    int id;
    int failures;
    int wrong_message;
} logging_thread;

static void *log_steps(void *argument) {
    logging_thread *t = (logging_thread *)argument;
    char key[32], expected[32];
    float values[100];
    hl_bin_config config;
    int step, i;
    snprintf(key, sizeof key, "thread/%d", t->id);
    hl_bin_config_init(&config, sizeof config);
    for (step = 0; step < N_STEPS; step++) {
        for (i = 0; i < 100; i++) values[i] = (float)(t->id * 1000 + step + i);
        if (hl_log_values_f32(t->run, key, step, values, 100, NULL) != HL_OK) t->failures++;
        if (hl_log_values_f32(t->run, "shared", step, values, 100, NULL) != HL_OK) t->failures++;
        /* A failure of this thread's own, then its message. */
        config.bins = -(t->id * 100 + step);
        if (hl_log_values_f32(t->run, key, step, values, 100, &config) != HL_EINVAL) t->failures++;
        snprintf(expected, sizeof expected, "%d", config.bins);
        if (strstr(hl_last_error(), expected) == NULL) t->wrong_message++;
    }
    return NULL;
}

static void test_threads(void) {
    char run_path[256], key[32];
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "threads"));
    logging_thread threads[N_THREADS];
    pthread_t ids[N_THREADS];
    hl_reader *reader;
    hl_record_info info;
    size_t n;
    int t, step;
    CHECK(run != NULL);
    if (!run) return;
    for (t = 0; t < N_THREADS; t++) {
        threads[t].run = run;
        threads[t].id = t + 1;
        threads[t].failures = threads[t].wrong_message = 0;
        CHECK(pthread_create(&ids[t], NULL, log_steps, &threads[t]) == 0);
    }
    for (t = 0; t < N_THREADS; t++) {
        pthread_join(ids[t], NULL);
        CHECK_INT(threads[t].failures, 0);
        CHECK_INT(threads[t].wrong_message, 0);
    }
    CHECK_STATUS(hl_run_flush(run), HL_OK);
    hl_run_close(run);

    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    if (!reader) return;
    CHECK_STATUS(hl_reader_key_count(reader, &n), HL_OK);
    CHECK_INT(n, N_THREADS + 1);
    CHECK_STATUS(hl_reader_record_count(reader, "shared", &n), HL_OK);
    CHECK_INT(n, N_THREADS * N_STEPS);
    for (t = 1; t <= N_THREADS; t++) {
        snprintf(key, sizeof key, "thread/%d", t);
        CHECK_STATUS(hl_reader_record_count(reader, key, &n), HL_OK);
        CHECK_INT(n, N_STEPS);
        for (step = 0; step < N_STEPS; step++) { /* one thread's records stay in its order */
            if (hl_reader_record(reader, key, (size_t)step, &info, NULL, 0, NULL, 0) != HL_ESIZE || info.step != step
                || info.stats.min != (double)(t * 1000 + step)) {
                CHECK(!"record out of order or wrong");
                break;
            }
        }
    }
    hl_reader_close(reader);
}

/* ---- TensorBoard's own forms and the record callback ---- */

/* The run's only event file, read whole (NULL if there is not exactly one). */
static unsigned char *read_event_file(const char *run, size_t *size) {
    DIR *listing = opendir(run);
    struct dirent *entry;
    char path[1024];
    int found = 0;
    unsigned char *bytes = NULL;
    FILE *file;
    long length;
    if (!listing) return NULL;
    while ((entry = readdir(listing)) != NULL) {
        if (strncmp(entry->d_name, "events.out.tfevents", 19) == 0) {
            found++;
            snprintf(path, sizeof path, "%s/%s", run, entry->d_name);
        }
    }
    closedir(listing);
    if (found != 1 || (file = fopen(path, "rb")) == NULL) return NULL;
    fseek(file, 0, SEEK_END);
    length = ftell(file);
    fseek(file, 0, SEEK_SET);
    bytes = (unsigned char *)malloc((size_t)length + 1);
    *size = fread(bytes, 1, (size_t)length, file);
    fclose(file);
    return bytes;
}

/* Offset of `part` in `bytes` (-1 if absent). */
static long find_bytes(const unsigned char *bytes, size_t size, const void *part, size_t n) {
    size_t i;
    for (i = 0; i + n <= size; i++)
        if (memcmp(bytes + i, part, n) == 0) return (long)i;
    return -1;
}

static void test_tensorboard_histogram(void) {
    char run_path[256];
    static const double limits[3] = {1, 2, 3}, counts[3] = {1, 2, 3};
    static const double unordered[3] = {1, 3, 2}, negative[3] = {1, -2, 3};
    hl_tensorboard_histogram histogram;
    hl_record_info info;
    double edges[8], read_counts[8];
    hl_reader *reader;
    size_t n;
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "raw"));
    CHECK(run != NULL);
    if (!run) return;

    memset(&histogram, 0, sizeof histogram);
    histogram.min = 0.5;
    histogram.max = 2.5;
    histogram.num = 99; /* disagrees with the buckets' total: written as given, as TensorBoard allows */
    histogram.sum = 9;
    histogram.sum_squares = 17;
    histogram.bucket_limits = limits;
    histogram.bucket_counts = counts;
    histogram.n_buckets = 3;
    CHECK_STATUS(hl_log_tensorboard_histogram(run, "raw", 4, 1600000000.5, &histogram), HL_OK);

    /* Errors name what is wrong; nothing is logged. */
    CHECK_STATUS(hl_log_tensorboard_histogram(NULL, "raw", 0, NAN, &histogram), HL_ENULL);
    CHECK_STATUS(hl_log_tensorboard_histogram(run, "raw", 0, NAN, NULL), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "histogram");
    histogram.bucket_limits = NULL;
    CHECK_STATUS(hl_log_tensorboard_histogram(run, "raw", 0, NAN, &histogram), HL_ENULL);
    CHECK_CONTAINS(hl_last_error(), "bucket_limits");
    histogram.bucket_limits = unordered;
    CHECK_STATUS(hl_log_tensorboard_histogram(run, "raw", 0, NAN, &histogram), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "bucket_limits must be strictly increasing");
    histogram.bucket_limits = limits;
    histogram.bucket_counts = negative;
    CHECK_STATUS(hl_log_tensorboard_histogram(run, "raw", 0, NAN, &histogram), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "bucket_counts[1]");
    histogram.bucket_counts = counts;
    histogram.sum_squares = INFINITY;
    CHECK_STATUS(hl_log_tensorboard_histogram(run, "raw", 0, NAN, &histogram), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "sum_squares must be finite");
    hl_run_close(run);

    /* The JSON record holds what the buckets say: bins from min to each limit, 6 values. */
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    if (!reader) return;
    CHECK_STATUS(hl_reader_record_count(reader, "raw", &n), HL_OK);
    CHECK_INT(n, 1);
    CHECK_STATUS(hl_reader_record(reader, "raw", 0, &info, edges, 8, read_counts, 8), HL_OK);
    CHECK_INT(info.step, 4);
    CHECK_CLOSE(info.timestamp, 1600000000.5, 0);
    CHECK_INT(info.n_bins, 3);
    CHECK_CLOSE(edges[0], 0.5, 0);
    CHECK_CLOSE(edges[1], 1, 0);
    CHECK_CLOSE(edges[3], 3, 0);
    CHECK_CLOSE(read_counts[2], 3, 0);
    CHECK_INT(info.stats.total_count, 6);
    CHECK(info.stats.estimated != 0);
    hl_reader_close(reader);
}

/* Event{wall_time 100, step 3, summary{value{tag "between", simple_value 1.5}}}, serialized. */
static const unsigned char scalar_event[29] = {
    0x09, 0, 0, 0, 0, 0, 0, 0x59, 0x40, 0x10, 0x03, 0x2A, 0x10, 0x0A, 0x0E,
    0x0A, 0x07, 'b', 'e', 't', 'w', 'e', 'e', 'n', 0x15, 0, 0, 0xC0, 0x3F};

static void test_tensorboard_event(void) {
    char run_path[256];
    static const double values[4] = {1, 2, 3, 4};
    static const unsigned char truncated[2] = {0x0A, 0x7F}; /* a 127-byte field with no bytes */
    unsigned char *file;
    size_t size = 0;
    long first, between, second;
    hl_run_options options;
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "events"));
    CHECK(run != NULL);
    if (!run) return;
    CHECK_STATUS(hl_log_values_f64(run, "first/histogram", 0, values, 4, NULL), HL_OK);
    CHECK_STATUS(hl_log_tensorboard_event(run, scalar_event, sizeof scalar_event), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "second/histogram", 0, values, 4, NULL), HL_OK);
    CHECK_STATUS(hl_log_tensorboard_event(run, NULL, 3), HL_ENULL);
    CHECK_STATUS(hl_log_tensorboard_event(run, truncated, sizeof truncated), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "protobuf");
    CHECK_STATUS(hl_log_tensorboard_event(NULL, scalar_event, sizeof scalar_event), HL_ENULL);
    hl_run_close(run);

    /* One event file; the event sits between the two histograms, framed (8-byte length + CRC). */
    file = read_event_file(run_path, &size);
    CHECK(file != NULL);
    if (!file) return;
    first = find_bytes(file, size, "first/histogram", 15);
    between = find_bytes(file, size, scalar_event, sizeof scalar_event);
    second = find_bytes(file, size, "second/histogram", 16);
    CHECK(first > 0 && first < between && between < second);
    CHECK(between >= 12 && file[between - 12] == sizeof scalar_event && file[between - 11] == 0);
    free(file);

    /* A run without an event file refuses events. */
    CHECK_STATUS(hl_run_options_init(&options, sizeof options), HL_OK);
    options.sinks = HL_SINK_JSON;
    CHECK_STATUS(hl_run_open_with(&run, path_in(run_path, sizeof run_path, "events-json-only"), &options), HL_OK);
    CHECK(run != NULL);
    CHECK_STATUS(hl_log_tensorboard_event(run, scalar_event, sizeof scalar_event), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "no TensorBoard event file");
    hl_run_close(run);
}

typedef struct seen_records {
    int calls;
    char keys[4][32];
    int64_t steps[4];
    size_t n_bins[4];
    double first_edge[4], last_edge[4], total[4];
    int64_t total_count[4];
} seen_records;

static void remember(void *context, const char *key, const hl_record_info *info, const double *edges,
                     const double *counts) {
    seen_records *seen = (seen_records *)context;
    size_t i;
    int k = seen->calls++;
    if (k >= 4) return;
    snprintf(seen->keys[k], sizeof seen->keys[k], "%s", key);
    seen->steps[k] = info->step;
    seen->n_bins[k] = info->n_bins;
    seen->first_edge[k] = edges[0];
    seen->last_edge[k] = edges[info->n_bins];
    seen->total[k] = 0;
    for (i = 0; i < info->n_bins; i++) seen->total[k] += counts[i];
    seen->total_count[k] = info->stats.total_count;
}

static void test_record_callback(void) {
    char run_path[256];
    static const double values[5] = {-1, 0, 2, 3, 4};
    static const double edges[3] = {0, 1, 2}, counts[2] = {5, 7};
    hl_bin_config config;
    seen_records seen;
    hl_run *run = hl_run_open(path_in(run_path, sizeof run_path, "callback"));
    CHECK(run != NULL);
    if (!run) return;
    memset(&seen, 0, sizeof seen);
    CHECK_STATUS(hl_run_set_record_callback(NULL, remember, &seen), HL_ENULL);
    CHECK_STATUS(hl_log_values_f64(run, "before", 0, values, 5, NULL), HL_OK);
    CHECK_STATUS(hl_run_set_record_callback(run, remember, &seen), HL_OK);
    hl_bin_config_init(&config, sizeof config);
    config.bins = 4;
    CHECK_STATUS(hl_log_values_f64(run, "values", 7, values, 5, &config), HL_OK);
    CHECK_STATUS(hl_log_counts(run, "counts", 8, edges, 3, counts, 2), HL_OK);
    config.bins = -1; /* refused calls log nothing, so the callback sees nothing */
    CHECK_STATUS(hl_log_values_f64(run, "values", 9, values, 5, &config), HL_EINVAL);
    CHECK_STATUS(hl_run_set_record_callback(run, NULL, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "after", 0, values, 5, NULL), HL_OK);
    hl_run_close(run);

    CHECK_INT(seen.calls, 2);
    CHECK(strcmp(seen.keys[0], "values") == 0 && strcmp(seen.keys[1], "counts") == 0);
    CHECK_INT(seen.steps[0], 7);
    CHECK_INT(seen.n_bins[0], 4);
    CHECK_CLOSE(seen.first_edge[0], -1, 0);
    CHECK_CLOSE(seen.last_edge[0], 4, 0);
    CHECK_CLOSE(seen.total[0], 5, 0);
    CHECK_INT(seen.total_count[0], 5);
    CHECK_INT(seen.steps[1], 8);
    CHECK_INT(seen.n_bins[1], 2);
    CHECK_CLOSE(seen.total[1], 12, 0);
    CHECK_INT(seen.total_count[1], 12);
}

/* rm -r of the test's own temporary directory. */
static void remove_tree(const char *path) {
    DIR *listing = opendir(path);
    struct dirent *entry;
    char child[1024];
    if (!listing) {
        unlink(path);
        return;
    }
    while ((entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        remove_tree(child);
    }
    closedir(listing);
    rmdir(path);
}

/* One timestamp convention: NaN is the current time in every function that takes a timestamp. */
static void test_timestamp_now(void) {
    char run_path[256];
    static const double values[3] = {1, 2, 3};
    static const float values32[3] = {1, 2, 3};
    hl_run *run;
    hl_reader *reader;
    hl_record_info info;
    double before = (double)time(NULL) - 1, after;
    size_t i;
    CHECK_STATUS(hl_run_open_with(&run, path_in(run_path, sizeof run_path, "now"), NULL), HL_OK);
    if (!run) return;
    CHECK_STATUS(hl_log_values_f64_at(run, "now", 0, NAN, values, 3, NULL), HL_OK);
    CHECK_STATUS(hl_log_values_f32_at(run, "now", 1, NAN, values32, 3, NULL), HL_OK);
    CHECK_STATUS(hl_log_counts_at(run, "now", 2, NAN, values, 3, values, 2), HL_OK);
    CHECK_STATUS(hl_log_values_f64(run, "now", 3, values, 3, NULL), HL_OK);
    hl_run_close(run);
    after = (double)time(NULL) + 1;
    CHECK_STATUS(hl_reader_open(&reader, run_path), HL_OK);
    if (!reader) return;
    for (i = 0; i < 4; i++) {
        CHECK_STATUS(hl_reader_record(reader, "now", i, &info, NULL, 0, NULL, 0), HL_ESIZE);
        CHECK(info.timestamp >= before && info.timestamp <= after);
    }
    hl_reader_close(reader);
}

int main(void) {
    snprintf(base_dir, sizeof base_dir, "/tmp/histlog-c-test-XXXXXX");
    if (mkdtemp(base_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_json_checker();
    test_run_options_init();
    test_open_errors();
    test_log_and_read();
    test_log_bfloat16();
    test_log_errors();
    test_log_reduced_histogram();
    test_sinks();
    test_durable();
    test_file_size_limit();
    test_threads();
    test_tensorboard_histogram();
    test_tensorboard_event();
    test_record_callback();
    test_timestamp_now();
    remove_tree(base_dir);
    return check_summary();
}
