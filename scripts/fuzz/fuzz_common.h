/* What every harness shares: APR set up once, and how an invariant violation ends the run. */
#ifndef IDT_FUZZ_COMMON_H
#define IDT_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>

static apr_pool_t *root_pool;

static void violation(const char *what, const char *msg)
{
    fprintf(stderr, "INVARIANT VIOLATED: %s%s%s\n", what, msg ? ": " : "", msg ? msg : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&root_pool, NULL) != APR_SUCCESS)
        violation("cannot initialise APR", NULL);
    return 0;
}

#endif
