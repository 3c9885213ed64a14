/* SPDX-License-Identifier: MIT */
/*
 * Replay driver: links in place of a fuzzing engine so that every fuzz target
 * also builds, with any compiler, as a regression test over its corpus.
 *
 *   <name>_fuzzer FILE|DIR...
 *
 * Each argument is a file or a directory (walked recursively, entries in
 * sorted order so runs are reproducible). Every input is copied into a heap
 * buffer of exactly its size before LLVMFuzzerTestOneInput sees it, so that a
 * one-byte over-read trips AddressSanitizer. Arguments starting with '-' are
 * ignored, so libFuzzer-style command lines (-runs=0, -dict=...) still work.
 * With no argument, one input is read from stdin.
 *
 * Exit status: 0 when every input ran (a failing target aborts by itself),
 * 1 when an argument could not be read or nothing was run at all.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_helpers.h"

/* Optional hooks libFuzzer also calls. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long n_inputs;
static int n_errors;

static void run_buffer(const uint8_t *src, size_t len)
{
    uint8_t *copy = fuzz_xmalloc(len);

    if (len)
        memcpy(copy, src, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
    n_inputs++;
}

static int read_stream(FILE *f, uint8_t **out, size_t *out_len)
{
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);

    if (!buf)
        return -ENOMEM;
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, f);

        len += n;
        if (len < cap) {
            if (ferror(f)) {
                free(buf);
                return -EIO;
            }
            break;
        }
        uint8_t *bigger = realloc(buf, cap * 2);

        if (!bigger) {
            free(buf);
            return -ENOMEM;
        }
        buf = bigger;
        cap *= 2;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t len;

    if (!f) {
        fprintf(stderr, "standalone: cannot open %s: %s\n", path, strerror(errno));
        n_errors++;
        return;
    }
    if (read_stream(f, &buf, &len) < 0) {
        fprintf(stderr, "standalone: cannot read %s\n", path);
        fclose(f);
        n_errors++;
        return;
    }
    fclose(f);
    if (getenv("VSCSI_FUZZ_VERBOSE"))
        fprintf(stderr, "standalone: %s (%zu bytes)\n", path, len);
    run_buffer(buf, len);
    free(buf);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path);

static void run_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (!d) {
        fprintf(stderr, "standalone: cannot open directory %s: %s\n", path, strerror(errno));
        n_errors++;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') /* ., .., and hidden files such as .keep */
            continue;
        if (n == cap) {
            char **bigger = realloc(names, (cap ? cap * 2 : 64) * sizeof(*names));

            FUZZ_ASSERT(bigger != NULL);
            names = bigger;
            cap = cap ? cap * 2 : 64;
        }
        size_t len = strlen(path) + 1 + strlen(e->d_name) + 1;

        names[n] = fuzz_xmalloc(len);
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

static void run_path(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "standalone: %s: %s\n", path, strerror(errno));
        n_errors++;
        return;
    }
    if (S_ISDIR(st.st_mode))
        run_dir(path);
    else
        run_file(path);
}

int main(int argc, char **argv)
{
    int paths = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        paths++;
        run_path(argv[i]);
    }
    if (paths == 0) {
        uint8_t *buf;
        size_t len;

        if (read_stream(stdin, &buf, &len) < 0) {
            fprintf(stderr, "standalone: cannot read stdin\n");
            return 1;
        }
        run_buffer(buf, len);
        free(buf);
    }
    printf("%s: %lu input%s ran\n", argv[0], n_inputs, n_inputs == 1 ? "" : "s");
    if (n_errors)
        return 1;
    return n_inputs ? 0 : 1;
}
