/* Replays a harness's seed corpus without libFuzzer: each file of the directory
 * IDT_CORPUS once through LLVMFuzzerTestOneInput, as `make check` (and so scripts/test)
 * runs it. A harness that finds an invariant broken aborts, which fails the test; each
 * input that passes is a TAP "ok". scripts/fuzz/run does the fuzzing itself. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef IDT_CORPUS
#error "IDT_CORPUS names the corpus directory"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    DIR *d = opendir(IDT_CORPUS);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, i;

    if (!d) {
        printf("1..0 # SKIP no corpus at %s\nBail out! the corpus is missing\n", IDT_CORPUS);
        return 1;
    }
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            names = realloc(names, (n + 1) * sizeof(*names));
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    LLVMFuzzerInitialize(&argc, &argv);
    printf("1..%zu\n", n);
    for (i = 0; i < n; i++) {
        char path[4096];
        FILE *f;
        long len;
        uint8_t *buf;
        snprintf(path, sizeof path, "%s/%s", IDT_CORPUS, names[i]);
        if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
            fseek(f, 0, SEEK_SET)) {
            printf("not ok %zu - %s cannot be read\n", i + 1, names[i]);
            if (f) fclose(f);
            continue;
        }
        buf = malloc(len ? (size_t)len : 1);
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
            printf("not ok %zu - %s cannot be read\n", i + 1, names[i]);
        } else {
            fflush(stdout);
            LLVMFuzzerTestOneInput(buf, (size_t)len);
            printf("ok %zu - %s\n", i + 1, names[i]);
        }
        free(buf);
        fclose(f);
        free(names[i]);
    }
    free(names);
    return 0;
}
