/*
 * test_dlopen.c - a plain C program that never linked Swift (nor histlog) loads libhistlog.so
 * with dlopen(), as the Python binding does, and calls into it.
 * Usage: test_dlopen /path/to/libhistlog.so
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "../../Include/histlog.h"
#include "check.h"

typedef const char *(*version_function)(void);
typedef unsigned (*version_number_function)(void);
typedef int (*compute_function)(const double *, size_t, const hl_bin_config *, double *, size_t,
                                double *, size_t, size_t *, hl_stats *);
typedef const char *(*error_name_function)(int);

int main(int argc, char **argv) {
    void *library;
    version_function version;
    version_number_function version_number;
    compute_function compute;
    error_name_function error_name;
    if (argc != 2) {
        fprintf(stderr, "usage: %s /path/to/libhistlog.so\n", argv[0]);
        return 2;
    }
    library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!CHECK(library != NULL)) {
        fprintf(stderr, "    dlopen: %s\n", dlerror());
        return check_summary();
    }
    /* Casting void * to a function pointer through memcpy keeps -pedantic quiet. */
    {
        void *symbol = dlsym(library, "hl_version");
        CHECK(symbol != NULL);
        memcpy(&version, &symbol, sizeof symbol);
        symbol = dlsym(library, "hl_version_number");
        CHECK(symbol != NULL);
        memcpy(&version_number, &symbol, sizeof symbol);
        symbol = dlsym(library, "hl_compute_f64");
        CHECK(symbol != NULL);
        memcpy(&compute, &symbol, sizeof symbol);
        symbol = dlsym(library, "hl_error_name");
        CHECK(symbol != NULL);
        memcpy(&error_name, &symbol, sizeof symbol);
        /* Only the C API is visible: no Swift runtime symbol leaks out. */
        CHECK(dlsym(library, "swift_retain") == NULL);
    }
    if (version && version_number && compute && error_name) {
        static const double values[4] = {1, 2, 3, 4};
        double edges[3], counts[2];
        size_t n_bins = 0;
        hl_bin_config config;
        char expected[32];
        snprintf(expected, sizeof expected, "%d.%d.%d", HL_VERSION_MAJOR, HL_VERSION_MINOR, HL_VERSION_PATCH);
        CHECK(strcmp(version(), expected) == 0);
        CHECK(version_number() == HL_VERSION_NUMBER);
        memset(&config, 0, sizeof config);
        config.size = sizeof config;
        config.bins = 2;
        config.outlier_threshold = 3;
        CHECK(compute(values, 4, &config, edges, 3, counts, 2, &n_bins, NULL) == HL_OK);
        CHECK(n_bins == 2 && counts[0] == 2 && counts[1] == 2);
        CHECK(strcmp(error_name(HL_ENULL), "HL_ENULL") == 0);
    }
    return check_summary();
}
