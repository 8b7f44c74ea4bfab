/*
 * test_integration.c - what a program that also logs other TensorBoard data, or forwards records
 * elsewhere, uses: hl_log_tensorboard_histogram, hl_log_tensorboard_event and
 * hl_run_set_record_callback, with their error paths. Builds as C11 and as C++17.
 */
#define _POSIX_C_SOURCE 200809L
#include <histlog.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char base_dir[64];

static const char *path_in(char *out, size_t capacity, const char *name) {
    snprintf(out, capacity, "%s/%s", base_dir, name);
    return out;
}

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
    reader = hl_reader_open(run_path);
    CHECK(reader != NULL);
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
    hl_run_options_init(&options);
    options.sinks = HL_SINK_JSON;
    run = hl_run_open_with(path_in(run_path, sizeof run_path, "events-json-only"), &options);
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
    hl_bin_config_init(&config);
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

int main(void) {
    snprintf(base_dir, sizeof base_dir, "/tmp/histlog-c-test-XXXXXX");
    if (mkdtemp(base_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_tensorboard_histogram();
    test_tensorboard_event();
    test_record_callback();
    remove_tree(base_dir);
    return check_summary();
}
