/*
 * json.h - a small strict JSON reader for the C tests: checks that a histograms/<key>.json file
 * is one JSON array of objects (RFC 8259 grammar: no NaN/Infinity tokens, no trailing commas)
 * and pulls out the fields the tests compare. Not a general-purpose parser.
 */
#ifndef HISTLOG_TEST_JSON_H
#define HISTLOG_TEST_JSON_H

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_COUNTS 64

/* The fields of one record object the tests look at; NaN where absent or null. */
typedef struct json_record {
    char name[128];
    double step, total_count, nan_count, mean, std;
    double counts[JSON_MAX_COUNTS];
    int n_counts;
    int estimated; /* -1 absent, 0 false, 1 true */
} json_record;

typedef struct json_cursor {
    const char *p;
    int ok;
} json_cursor;

static void json_space(json_cursor *c) {
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r') c->p++;
}

static int json_expect(json_cursor *c, char ch) {
    json_space(c);
    if (*c->p != ch) return c->ok = 0;
    c->p++;
    return 1;
}

/* A string; its unescaped ASCII prefix goes to out (if not NULL). */
static void json_string(json_cursor *c, char *out, size_t capacity) {
    size_t n = 0;
    if (!json_expect(c, '"')) return;
    while (*c->p != '"') {
        char ch = *c->p;
        if (ch == '\0' || (unsigned char)ch < 0x20) { c->ok = 0; return; }
        if (ch == '\\') {
            c->p++;
            if (*c->p == 'u') {
                int i;
                for (i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)c->p[i])) { c->ok = 0; return; }
                c->p += 4;
                ch = '?';
            } else if (*c->p && strchr("\"\\/bfnrt", *c->p)) {
                ch = *c->p == 'n' ? '\n' : *c->p == 't' ? '\t' : *c->p;
            } else {
                c->ok = 0;
                return;
            }
        }
        if (out && n + 1 < capacity) out[n++] = ch;
        c->p++;
    }
    c->p++;
    if (out && capacity) out[n] = '\0';
}

/* A number (RFC 8259 grammar) or null (NaN). */
static double json_number(json_cursor *c) {
    const char *start;
    json_space(c);
    if (strncmp(c->p, "null", 4) == 0) { c->p += 4; return NAN; }
    start = c->p;
    if (*c->p == '-') c->p++;
    if (*c->p == '0') c->p++;
    else if (isdigit((unsigned char)*c->p)) while (isdigit((unsigned char)*c->p)) c->p++;
    else { c->ok = 0; return NAN; }
    if (*c->p == '.') {
        c->p++;
        if (!isdigit((unsigned char)*c->p)) { c->ok = 0; return NAN; }
        while (isdigit((unsigned char)*c->p)) c->p++;
    }
    if (*c->p == 'e' || *c->p == 'E') {
        c->p++;
        if (*c->p == '+' || *c->p == '-') c->p++;
        if (!isdigit((unsigned char)*c->p)) { c->ok = 0; return NAN; }
        while (isdigit((unsigned char)*c->p)) c->p++;
    }
    return strtod(start, NULL);
}

static void json_value(json_cursor *c, int depth);

static void json_array_of_numbers(json_cursor *c, double *out, int capacity, int *n) {
    *n = 0;
    if (!json_expect(c, '[')) return;
    json_space(c);
    if (*c->p == ']') { c->p++; return; }
    do {
        double x = json_number(c);
        if (*n < capacity) out[*n] = x;
        (*n)++;
        json_space(c);
    } while (c->ok && *c->p == ',' && c->p++);
    json_expect(c, ']');
}

static void json_value(json_cursor *c, int depth) {
    json_space(c);
    if (depth > 32) { c->ok = 0; return; }
    if (*c->p == '"') { json_string(c, NULL, 0); return; }
    if (*c->p == '{' || *c->p == '[') {
        char close = *c->p == '{' ? '}' : ']';
        int object = *c->p == '{';
        c->p++;
        json_space(c);
        if (*c->p == close) { c->p++; return; }
        do {
            if (object) {
                json_string(c, NULL, 0);
                json_expect(c, ':');
            }
            json_value(c, depth + 1);
            json_space(c);
        } while (c->ok && *c->p == ',' && c->p++);
        json_expect(c, close);
        return;
    }
    if (strncmp(c->p, "true", 4) == 0) { c->p += 4; return; }
    if (strncmp(c->p, "false", 5) == 0) { c->p += 5; return; }
    json_number(c);
}

static void json_record_object(json_cursor *c, json_record *r) {
    char field[64];
    memset(r, 0, sizeof *r);
    r->step = r->total_count = r->nan_count = r->mean = r->std = NAN;
    r->estimated = -1;
    if (!json_expect(c, '{')) return;
    do {
        json_string(c, field, sizeof field);
        json_expect(c, ':');
        json_space(c);
        if (strcmp(field, "name") == 0) json_string(c, r->name, sizeof r->name);
        else if (strcmp(field, "step") == 0) r->step = json_number(c);
        else if (strcmp(field, "total_count") == 0) r->total_count = json_number(c);
        else if (strcmp(field, "nan_count") == 0) r->nan_count = json_number(c);
        else if (strcmp(field, "mean") == 0) r->mean = json_number(c);
        else if (strcmp(field, "std") == 0) r->std = json_number(c);
        else if (strcmp(field, "counts") == 0) json_array_of_numbers(c, r->counts, JSON_MAX_COUNTS, &r->n_counts);
        else if (strcmp(field, "estimated") == 0 && strncmp(c->p, "true", 4) == 0) { r->estimated = 1; c->p += 4; }
        else if (strcmp(field, "estimated") == 0 && strncmp(c->p, "false", 5) == 0) { r->estimated = 0; c->p += 5; }
        else json_value(c, 1);
        json_space(c);
    } while (c->ok && *c->p == ',' && c->p++);
    json_expect(c, '}');
}

/* Parses `text` as a JSON array of record objects and nothing else. Returns the number of
 * records (the first `capacity` stored), or -1 if the text is not such an array. */
static int json_parse_records(const char *text, json_record *records, int capacity) {
    json_cursor c;
    json_record scratch;
    int n = 0;
    c.p = text;
    c.ok = 1;
    if (!json_expect(&c, '[')) return -1;
    json_space(&c);
    if (*c.p != ']') {
        do {
            json_record_object(&c, n < capacity ? &records[n] : &scratch);
            n++;
            json_space(&c);
        } while (c.ok && *c.p == ',' && c.p++);
    }
    json_expect(&c, ']');
    json_space(&c);
    return c.ok && *c.p == '\0' ? n : -1;
}

#endif
