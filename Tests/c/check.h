/*
 * check.h - a tiny test harness for the C tests: CHECK macros count passes and failures,
 * print each failure with its location, and check_summary() prints "N passed, M failed" as the
 * closing line and returns the exit status. Plain C11 that also compiles as C++17.
 */
#ifndef HISTLOG_TEST_CHECK_H
#define HISTLOG_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed;
static int check_failed;

static int check_tally(int ok, const char *file, int line, const char *what) {
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
    }
    return ok;
}

/* A condition. */
#define CHECK(condition) check_tally((condition) ? 1 : 0, __FILE__, __LINE__, #condition)

/* Two integers are equal; prints both on failure. */
#define CHECK_INT(actual, expected)                                                              \
    do {                                                                                         \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected);              \
        if (!check_tally(check_a_ == check_e_, __FILE__, __LINE__, #actual " == " #expected))   \
            fprintf(stderr, "    got %lld, expected %lld\n", check_a_, check_e_);                \
    } while (0)

/* A status code is the expected one; prints the thread's error message on failure. */
#define CHECK_STATUS(actual, expected)                                                           \
    do {                                                                                         \
        int check_a_ = (actual), check_e_ = (expected);                                          \
        if (!check_tally(check_a_ == check_e_, __FILE__, __LINE__, #actual " == " #expected))   \
            fprintf(stderr, "    got %s, expected %s; hl_last_error: %s\n",                      \
                    hl_error_name(check_a_), hl_error_name(check_e_), hl_last_error());          \
    } while (0)

/* |actual - expected| <= tolerance * max(1, |expected|); NaN equals NaN. */
#define CHECK_CLOSE(actual, expected, tolerance)                                                 \
    do {                                                                                         \
        double check_a_ = (actual), check_e_ = (expected);                                       \
        double check_scale_ = fabs(check_e_) > 1.0 ? fabs(check_e_) : 1.0;                       \
        int check_ok_ = (isnan(check_a_) && isnan(check_e_))                                     \
                        || fabs(check_a_ - check_e_) <= (tolerance) * check_scale_;              \
        if (!check_tally(check_ok_, __FILE__, __LINE__, #actual " ~= " #expected))              \
            fprintf(stderr, "    got %.17g, expected %.17g\n", check_a_, check_e_);              \
    } while (0)

/* A string contains a substring. */
#define CHECK_CONTAINS(text, part)                                                               \
    do {                                                                                         \
        const char *check_t_ = (text);                                                           \
        if (!check_tally(check_t_ != NULL && strstr(check_t_, (part)) != NULL, __FILE__,        \
                          __LINE__, #text " contains " #part))                                   \
            fprintf(stderr, "    text: %s\n", check_t_ ? check_t_ : "(null)");                   \
    } while (0)

/* Prints the closing line; the process exit status. */
static int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
