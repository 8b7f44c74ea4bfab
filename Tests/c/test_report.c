/*
 * test_report.c - the doctor, summary and report part of the C API (Include/histlog.h) on a
 * run written through hl_run_open: a dying activation, a gradient turning NaN, a frozen weight
 * and a healthy one. Builds as C11 and as C++17.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <histlog.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define N 400

/* A deterministic pseudo-random value in [-1, 1). */
static double noise(uint64_t *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) / 4503599627370496.0 - 1.0;
}

static void write_run(const char *dir) {
    hl_run *run = hl_run_open(dir);
    float values[N];
    float frozen[N];
    uint64_t state = 42;
    int64_t step;
    int i;
    CHECK(run != NULL);
    if (run == NULL) return;
    for (i = 0; i < N; i++) frozen[i] = (float)(0.1 * noise(&state));
    for (step = 0; step < 8; step++) {
        for (i = 0; i < N; i++) values[i] = (float)(0.1 * noise(&state) * (1.0 + 0.1 * (double)step));
        CHECK_STATUS(hl_log_values_f32(run, "Parameters/fc1.weight", step, values, N, NULL), HL_OK);
        CHECK_STATUS(hl_log_values_f32(run, "Parameters/frozen.weight", step, frozen, N, NULL), HL_OK);
        for (i = 0; i < N; i++) values[i] = (float)(1e-3 * noise(&state));
        if (step >= 6) values[7] = NAN;
        CHECK_STATUS(hl_log_values_f32(run, "Gradients/fc1.weight", step, values, N, NULL), HL_OK);
        for (i = 0; i < N; i++) {
            double pre = noise(&state) - (step >= 3 ? 0.95 : 0.0);
            values[i] = pre > 0 ? (float)pre : 0.0f;
        }
        CHECK_STATUS(hl_log_values_f32(run, "Activations/relu1", step, values, N, NULL), HL_OK);
    }
    hl_run_close(run);
}

static void test_doctor(const hl_reader *dir) {
    hl_doctor_options options;
    size_t length = 0, findings = 99, needed;
    char *text;
    int status;

    memset(&options, 0xAB, sizeof options);
    CHECK_STATUS(hl_doctor_options_init(&options, sizeof options), HL_OK);
    CHECK_INT(options.size, sizeof options);
    CHECK_INT(options.reserved, 0);
    CHECK_INT(options.window, 3);
    CHECK_INT(options.frozen_min_steps, 3);
    CHECK_CLOSE(options.vanishing_scale_floor, 1e-8, 0);
    CHECK_CLOSE(options.dead_zero_fraction, 0.9, 0);
    CHECK_CLOSE(options.exploding_growth_factor, 1e3, 0);
    CHECK_STATUS(hl_doctor_options_init(NULL, sizeof options), HL_ENULL);

    /* Size query, then the text. */
    status = hl_doctor(dir, NULL, NULL, 0, &length, &findings);
    CHECK_STATUS(status, HL_ESIZE);
    CHECK(length > 10);
    CHECK_INT(findings, 3);
    needed = length;
    text = (char *)malloc(needed + 1);
    CHECK_STATUS(hl_doctor(dir, &options, text, needed, &length, NULL), HL_ESIZE); /* no room for the NUL */
    CHECK_STATUS(hl_doctor(dir, &options, text, needed + 1, &length, &findings), HL_OK);
    CHECK_INT(length, needed);
    CHECK_INT(strlen(text), needed);
    CHECK_INT(findings, 3);
    /* Errors first, then warnings by step. */
    CHECK_CONTAINS(text, "\"rule\":\"non_finite\",\"severity\":\"error\",\"key\":\"Gradients/fc1.weight\",\"step\":6");
    CHECK_CONTAINS(text, "\"rule\":\"frozen_weights\",\"severity\":\"warning\",\"key\":\"Parameters/frozen.weight\",\"step\":0");
    CHECK_CONTAINS(text, "\"rule\":\"dead_units\",\"severity\":\"warning\",\"key\":\"Activations/relu1\",\"step\":3");
    CHECK(strstr(text, "non_finite") < strstr(text, "frozen_weights"));
    CHECK(strstr(text, "frozen_weights") < strstr(text, "dead_units"));
    CHECK_CONTAINS(text, "\"nan_count\":1");
    CHECK(strstr(text, "fc1.weight\",\"step\":0") == NULL); /* the healthy weight is not flagged */

    /* Thresholds: dead units off, frozen needs more steps than were logged. */
    options.dead_zero_fraction = 1.0;
    options.frozen_min_steps = 9;
    CHECK_STATUS(hl_doctor(dir, &options, text, needed + 1, &length, &findings), HL_OK);
    CHECK_INT(findings, 1);
    CHECK(strstr(text, "dead_units") == NULL);
    free(text);

    /* Bad arguments are errors, never crashes. */
    CHECK_STATUS(hl_doctor_options_init(&options, sizeof options - 8), HL_EINVAL); /* another header's size */
    CHECK_CONTAINS(hl_last_error(), "size");
    CHECK_STATUS(hl_doctor_options_init(&options, sizeof options), HL_OK);
    options.size = 0; /* never initialised */
    CHECK_STATUS(hl_doctor(dir, &options, NULL, 0, &length, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "hl_doctor_options.size is 0");
    options.size = sizeof options;
    options.reserved = 1;
    CHECK_STATUS(hl_doctor(dir, &options, NULL, 0, &length, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "reserved");
    options.reserved = 0;
    options.window = 0;
    CHECK_STATUS(hl_doctor(dir, &options, NULL, 0, &length, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "window");
    options.window = 3;
    options.dead_zero_fraction = NAN;
    CHECK_STATUS(hl_doctor(dir, &options, NULL, 0, &length, NULL), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "dead_zero_fraction");
    CHECK_STATUS(hl_doctor(NULL, NULL, NULL, 0, &length, NULL), HL_ENULL);
    CHECK_STATUS(hl_doctor(dir, NULL, NULL, 0, NULL, NULL), HL_ENULL);
    CHECK_STATUS(hl_doctor(dir, NULL, NULL, 16, &length, NULL), HL_ENULL);
}

static void test_summary(const hl_reader *dir) {
    size_t length = 0;
    char *text;
    const char *line;
    CHECK_STATUS(hl_summary_text(dir, 100, NULL, 0, &length), HL_ESIZE);
    text = (char *)malloc(length + 1);
    CHECK_STATUS(hl_summary_text(dir, 100, text, length + 1, &length), HL_OK);
    CHECK_INT(strlen(text), length);
    CHECK(strncmp(text, "key", 3) == 0);
    CHECK_CONTAINS(text, "Activations/\n  relu1");
    CHECK_CONTAINS(text, "Parameters/\n  fc1.weight");
    CHECK_CONTAINS(text, "  frozen.weight");
    /* Every line fits in 100 columns (counting UTF-8 characters, not bytes). */
    for (line = text; *line; ) {
        const char *end = strchr(line, '\n');
        size_t columns = 0;
        const char *c;
        CHECK(end != NULL);
        if (end == NULL) break;
        for (c = line; c < end; c++) columns += ((unsigned char)*c & 0xC0) != 0x80;
        CHECK(columns <= 100);
        line = end + 1;
    }
    free(text);
    CHECK_STATUS(hl_summary_text(dir, 20, NULL, 0, &length), HL_EINVAL);
    CHECK_CONTAINS(hl_last_error(), "width");
    CHECK_STATUS(hl_summary_text(NULL, 100, NULL, 0, &length), HL_ENULL);
}

static void test_report(const hl_reader *dir, const char *run_path) {
    char html[512];
    size_t findings = 0;
    FILE *file;
    long size;
    char head[16] = {0};
    snprintf(html, sizeof html, "%s/report.html", run_path);
    CHECK_STATUS(hl_report_write(dir, html, NULL, &findings), HL_OK);
    CHECK_INT(findings, 3);
    file = fopen(html, "rb");
    CHECK(file != NULL);
    if (file == NULL) return;
    CHECK(fread(head, 1, 15, file) == 15);
    CHECK(strcmp(head, "<!DOCTYPE html>") == 0);
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    fclose(file);
    CHECK(size > 10000);
    CHECK_STATUS(hl_report_write(dir, html, NULL, NULL), HL_OK);
    CHECK_STATUS(hl_report_write(dir, "/nonexistent/dir/report.html", NULL, NULL), HL_EIO);
    CHECK_STATUS(hl_report_write(dir, NULL, NULL, NULL), HL_ENULL);
    CHECK_STATUS(hl_report_write(dir, "", NULL, NULL), HL_EINVAL);
    CHECK_STATUS(hl_report_write(NULL, html, NULL, NULL), HL_ENULL);
}

int main(void) {
    char dir[] = "/tmp/histlog-test-report-XXXXXX";
    char command[600];
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    hl_reader *reader = NULL;
    write_run(dir);
    CHECK_STATUS(hl_reader_open(&reader, dir), HL_OK);
    if (reader) {
        test_doctor(reader);
        test_summary(reader);
        test_report(reader, dir);
    }
    hl_reader_close(reader);
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
