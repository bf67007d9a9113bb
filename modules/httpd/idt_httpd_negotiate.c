#include "idt_httpd_negotiate.h"

#include <stdlib.h>
#include <apr_lib.h>
#include <apr_strings.h>

/* Most offers any API of the suite makes. */
#define MAX_OFFERS 8

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* [s, e) without surrounding white space. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_ows(**s))
        ++*s;
    while (*e > *s && is_ows((*e)[-1]))
        --*e;
}

/* The q of parameters [s, e) (after the range's first ';'): 0 to 1000. */
static int qvalue(const char *s, const char *e)
{
    while (s < e) {
        const char *end = memchr(s, ';', (apr_size_t)(e - s)), *ps = s, *pe;
        if (!end) end = e;
        pe = end;
        trim(&ps, &pe);
        if (pe - ps >= 2 && (ps[0] == 'q' || ps[0] == 'Q') && ps[1] == '=') {
            /* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
            const char *v = ps + 2;
            int q = 0, digits = 0;
            if (v < pe && (*v == '0' || *v == '1')) {
                q = (*v - '0') * 1000;
                v++;
                if (v < pe && *v == '.') {
                    int scale = 100;
                    for (v++; v < pe && apr_isdigit(*v) && digits < 3; v++, digits++, scale /= 10)
                        q += (*v - '0') * scale;
                }
                if (v == pe && q <= 1000) return q;
            }
            return 1000;
        }
        s = end + 1;
    }
    return 1000;
}

/* How specifically range [s, e) (no parameters) matches offer: 3 exactly, 2 for a
 * type with a wildcard subtype, 1 for the wildcard of all types, 0 not at all. */
static int specificity(const char *s, const char *e, const char *offer)
{
    apr_size_t n = (apr_size_t)(e - s);
    const char *slash = strchr(offer, '/');

    if (n == 3 && !strncmp(s, "*/*", 3)) return 1;
    if (n == strlen(offer) && !strncasecmp(s, offer, n)) return 3;
    if (slash && n == (apr_size_t)(slash - offer) + 2 && !strncasecmp(s, offer, n - 1) &&
        s[n - 1] == '*')
        return 2;
    return 0;
}

int idt_negotiate_value(const char *accept, const char *const *offers)
{
    int q[MAX_OFFERS], spec[MAX_OFFERS], n, i, best = -1;
    const char *s;

    for (n = 0; offers[n] && n < MAX_OFFERS; n++) {
        q[n] = -1;
        spec[n] = 0;
    }
    if (!accept) return 0;
    for (s = accept; *s && is_ows(*s); s++)
        ;
    if (!*s) return 0;
    while (*s) {
        const char *end = strchr(s, ','), *rs = s, *re, *semi;
        int rq;
        if (!end) end = s + strlen(s);
        semi = memchr(s, ';', (apr_size_t)(end - s));
        re = semi ? semi : end;
        trim(&rs, &re);
        rq = semi ? qvalue(semi + 1, end) : 1000;
        for (i = 0; rs < re && i < n; i++) {
            int sp = specificity(rs, re, offers[i]);
            if (sp > spec[i]) {
                spec[i] = sp;
                q[i] = rq;
            }
        }
        s = *end ? end + 1 : end;
    }
    for (i = 0; i < n; i++) {
        if (q[i] <= 0) continue;
        if (best < 0 || q[i] > q[best] || (q[i] == q[best] && spec[i] > spec[best])) best = i;
    }
    return best;
}

int idt_negotiate(request_rec *r, const char *const *offers)
{
    return idt_negotiate_value(apr_table_get(r->headers_in, "Accept"), offers);
}
