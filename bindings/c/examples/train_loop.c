/*
 * train_loop.c - logs the distribution of a layer's weights and gradients at every step of a
 * (simulated) training loop into a durable run (it survives a power cut once flushed), then reads
 * the last step back.
 *
 *   cc train_loop.c $(pkg-config --cflags --libs histlog) -lm -o train_loop
 *   ./train_loop runs/c-example        # then: tensorboard --logdir runs/c-example
 */
#include <histlog.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N_WEIGHTS 4096
#define N_STEPS 20

/* A standard normal sample (Box-Muller over a small LCG, so the example has no dependencies). */
static float normal(unsigned long long *state) {
    double u1, u2;
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    u1 = ((double)(*state >> 11) + 1.0) / 9007199254740993.0;
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    u2 = (double)(*state >> 11) / 9007199254740992.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static int fail(const char *what) {
    fprintf(stderr, "train_loop: %s: %s\n", what, hl_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "histlog-runs/c-example";
    static float weights[N_WEIGHTS], gradients[N_WEIGHTS];
    unsigned long long state = 7;
    hl_run_options options = HL_RUN_OPTIONS_INIT; /* the defaults, at this header's size */
    hl_run *run;
    hl_reader *reader;
    hl_record_info last;
    double edges[31], counts[30]; /* the default 30 bins */
    size_t i, n_records, index;
    int step;

    options.durable = 1; /* hl_run_flush() returns once the records are on disk (fsync) */
    if (hl_run_open_with(&run, dir, &options) != HL_OK)
        return fail("hl_run_open_with"); /* hl_last_error(); hl_last_errno() for HL_EIO */
    for (i = 0; i < N_WEIGHTS; i++) weights[i] = 0.1f * normal(&state);
    for (step = 0; step < N_STEPS; step++) {
        /* One "training step": gradients shrink, weights drift towards a wider distribution. */
        for (i = 0; i < N_WEIGHTS; i++) {
            gradients[i] = normal(&state) / (float)(1 + step);
            weights[i] -= 0.01f * gradients[i];
        }
        if (hl_log_values_f32(run, "weights/layer1", step, weights, N_WEIGHTS, NULL) != HL_OK)
            return fail("hl_log_values_f32");
        if (hl_log_values_f32(run, "gradients/layer1", step, gradients, N_WEIGHTS, NULL) != HL_OK)
            return fail("hl_log_values_f32");
    }
    if (hl_run_flush(run) != HL_OK) return fail("hl_run_flush");
    hl_run_close(run);

    if (hl_reader_open(&reader, dir) != HL_OK) return fail("hl_reader_open");
    if (hl_reader_record_count(reader, "gradients/layer1", &n_records) != HL_OK
        || hl_reader_find(reader, "gradients/layer1", N_STEPS - 1, &index) != HL_OK
        || hl_reader_record(reader, "gradients/layer1", index, &last, edges, 31, counts, 30) != HL_OK)
        return fail("reading the run back");
    printf("%s: %zu records of gradients/layer1; step %lld: mean %.3g, std %.3g, median %.3g,"
           " %zu bins over [%.3g, %.3g]\n", dir, n_records, (long long)last.step, last.stats.mean,
           last.stats.std, last.stats.median, last.n_bins, edges[0], edges[last.n_bins]);
    hl_reader_close(reader);
    return 0;
}
