/* libFuzzer harness for idt_json_parse_object and idt_json_depth
 * (modules/core/idt_json.c): every JSON request body. Built and run by
 * scripts/fuzz/run.
 *
 * Besides the sanitizers (ASan, UBSan, LeakSanitizer), every input is checked for
 * these invariants; a violation calls abort(), which libFuzzer reports as a crash:
 *   - exactly one of (error, object) comes back; an error is IDT_E_BAD_REQUEST (or
 *     IDT_E_PRIVATE_KEY) with a message that never holds jansson's " near '...'" quote
 *     of the input;
 *   - a body whose bytes hold "PRIVATE KEY-----" is never accepted;
 *   - idt_json_depth is never negative;
 *   - with IDT_JSON_TRAILING_COMMAS (the OWSM bodies) the same holds, and whatever the
 *     strict parse accepts the lenient one accepts as the same object;
 *   - on success the root is an object, idt_json_depth <= 32 (the limit passed in),
 *     and idt_json_depth equals the real nesting depth of the parsed value: the
 *     pre-parse limit must measure what jansson builds, else it can be bypassed;
 *   - the result serialises (idt_json_dump). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "fuzz_common.h"
#include "idt_error.h"
#include "idt_json.h"

#define MAX_DEPTH 32


/* Nesting depth of a parsed value (objects and arrays count); bounded by MAX_DEPTH
 * plus one on anything that reaches here, so the recursion is shallow. */
static int value_depth(const json_t *j)
{
    int max = 0, d;
    size_t i;
    const char *k;
    json_t *v;

    if (json_is_array(j)) {
        for (i = 0; i < json_array_size(j); i++)
            if ((d = value_depth(json_array_get(j, i))) > max) max = d;
        return max + 1;
    }
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v)
            if ((d = value_depth(v)) > max) max = d;
        return max + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    json_t *j = NULL;
    idt_error *e;
    int depth;

    apr_pool_create(&p, root_pool);
    depth = idt_json_depth((const char *)data, size);
    if (depth < 0) violation("idt_json_depth is negative", NULL);

    e = idt_json_parse_object(p, (const char *)data, size, MAX_DEPTH, &j);
    if (e) {
        if (j) violation("an error came back with an object", e->msg);
        if ((e->kind != IDT_E_BAD_REQUEST && e->kind != IDT_E_PRIVATE_KEY) || e->status != 400)
            violation("an error that is not a 400 Bad Request", e->msg);
        if (!e->msg || !*e->msg) violation("an error without a message", NULL);
        if (strstr(e->msg, " near '")) violation("the error message quotes the input", e->msg);
    }
    else {
        int real;
        if (!json_is_object(j)) violation("success without an object", NULL);
        if (memmem(data, size, "PRIVATE KEY-----", 16))
            violation("a body holding private-key armour was accepted", NULL);
        if (depth > MAX_DEPTH) violation("success beyond the depth limit", NULL);
        real = value_depth(j);
        if (real != depth) {
            char buf[64];
            snprintf(buf, sizeof(buf), "idt_json_depth %d, parsed depth %d", depth, real);
            violation("idt_json_depth does not measure the parsed value", buf);
        }
        if (!idt_json_dump(p, j, JSON_COMPACT)) violation("the object does not serialise", NULL);
    }
    {
        json_t *lenient = NULL;
        idt_error *le = idt_json_parse_object_opts(p, (const char *)data, size, MAX_DEPTH,
                                                   IDT_JSON_TRAILING_COMMAS, &lenient);
        if (le) {
            if (lenient) violation("a lenient error came back with an object", le->msg);
            if ((le->kind != IDT_E_BAD_REQUEST && le->kind != IDT_E_PRIVATE_KEY) ||
                le->status != 400)
                violation("a lenient error that is not a 400 Bad Request", le->msg);
            if (strstr(le->msg, " near '")) violation("the lenient message quotes the input", le->msg);
            if (!e) violation("the lenient parse refuses what the strict one accepts", le->msg);
        } else {
            if (!json_is_object(lenient)) violation("lenient success without an object", NULL);
            if (memmem(data, size, "PRIVATE KEY-----", 16))
                violation("a lenient parse accepted private-key armour", NULL);
            if (!e && !json_equal(j, lenient))
                violation("strict and lenient parses read different objects", NULL);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
