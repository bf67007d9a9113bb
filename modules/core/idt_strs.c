#include "idt_strs.h"

#include <stdarg.h>
#include <string.h>

apr_array_header_t *idt_strs_make(apr_pool_t *p)
{
    return apr_array_make(p, 32, sizeof(const char *));
}

void idt_strs_add(apr_array_header_t *strs, ...)
{
    va_list ap;
    const char *s;

    va_start(ap, strs);
    while ((s = va_arg(ap, const char *)) != NULL)
        APR_ARRAY_PUSH(strs, const char *) = s;
    va_end(ap);
}

const char *idt_strs_join(apr_pool_t *p, const apr_array_header_t *strs, const char *sep)
{
    apr_size_t seplen = sep ? strlen(sep) : 0, len = 0, n;
    char *out, *o;
    int i;

    if (!strs->nelts) return "";
    for (i = 0; i < strs->nelts; i++)
        len += strlen(APR_ARRAY_IDX(strs, i, const char *));
    len += seplen * (apr_size_t)(strs->nelts - 1);
    o = out = apr_palloc(p, len + 1);
    for (i = 0; i < strs->nelts; i++) {
        const char *s = APR_ARRAY_IDX(strs, i, const char *);
        if (i && seplen) {
            memcpy(o, sep, seplen);
            o += seplen;
        }
        n = strlen(s);
        memcpy(o, s, n);
        o += n;
    }
    *o = '\0';
    return out;
}
