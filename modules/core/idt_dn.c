#include "idt_dn.h"

#include <apr_lib.h>
#include <apr_tables.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#include "idt_text.h"

static const struct {
    const char *from, *to;
} aliases[] = {{"2.5.4.3", "CN"},
               {"2.5.4.4", "SN"},
               {"2.5.4.5", "SERIALNUMBER"},
               {"2.5.4.6", "C"},
               {"2.5.4.7", "L"},
               {"2.5.4.8", "ST"},
               {"S", "ST"},
               {"2.5.4.9", "STREET"},
               {"2.5.4.10", "O"},
               {"2.5.4.11", "OU"},
               {"2.5.4.12", "TITLE"},
               {"0.9.2342.19200300.100.1.25", "DC"},
               {"0.9.2342.19200300.100.1.1", "UID"},
               {"1.2.840.113549.1.9.1", "EMAILADDRESS"},
               {"E", "EMAILADDRESS"},
               {"EMAIL", "EMAILADDRESS"},
               {NULL, NULL}};

static int space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s[0..n) with white space at either end dropped, inner runs one space, ASCII
 * lower-case (upper-case when upper). */
static char *fold(apr_pool_t *p, const char *s, apr_size_t n, int upper)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;
    int pending = 0;

    for (i = 0; i < n; i++) {
        if (space(s[i])) {
            pending = o > out;
            continue;
        }
        if (pending) *o++ = ' ';
        pending = 0;
        *o++ = upper ? apr_toupper(s[i]) : apr_tolower(s[i]);
    }
    *o = '\0';
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One AVA "type=value" of s[0..n): its canonical text, or NULL with *why set. */
static char *ava(apr_pool_t *p, const char *s, apr_size_t n, const char **why)
{
    const char *eq = NULL;
    char *type, *raw, *val, *out, *o;
    apr_size_t i, k = 0;
    int j;

    for (i = 0; i < n; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '=') {
            eq = s + i;
            break;
        }
    }
    if (!eq) return (*why = "an RDN has no '='"), NULL;
    type = fold(p, s, eq - s, 1);
    if (!*type) return (*why = "an attribute type is empty"), NULL;
    if (!strncmp(type, "OID.", 4)) type += 4;
    for (j = 0; aliases[j].from; j++)
        if (!strcmp(type, aliases[j].from)) type = (char *)aliases[j].to;
    for (o = type; *o; o++)
        if (!(apr_isalnum(*o) || *o == '.' || *o == '-'))
            return (*why = "an attribute type is not a name or an OID"), NULL;

    /* decode the escapes of the value */
    raw = apr_palloc(p, n + 1);
    for (i = (eq - s) + 1; i < n; i++) {
        if (s[i] != '\\') {
            raw[k++] = s[i];
            continue;
        }
        if (i + 1 >= n) return (*why = "a value ends with a lone '\\'"), NULL;
        if (hexval(s[i + 1]) >= 0 && i + 2 < n && hexval(s[i + 2]) >= 0) {
            raw[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (strchr(",+\"\\<>;=# ", s[i + 1])) {
            raw[k++] = s[++i];
        } else {
            return (*why = "a value holds an escape RFC 2253 does not know"), NULL;
        }
    }
    /* "\00" must not cut "CN=Victim\00evil" down to "CN=Victim", nor "\ff" make text
     * that is not UTF-8: the decoded value passes the same checks as the DN itself */
    if (idt_text_check(p, "a value", raw, k, IDT_TEXT_LINES | IDT_TEXT_ANY_FORM))
        return (*why = "an escape in a value decodes to a NUL, a control character, a "
                       "Unicode non-character or text that is not UTF-8"),
               NULL;
    raw[k] = '\0';
    /* NFC before the case is folded: the Kelvin sign becomes "K", then "k" */
    raw = (char *)idt_text_nfc(p, raw, k);
    val = fold(p, raw, strlen(raw), 0);
    out = o = apr_palloc(p, strlen(type) + 2 * strlen(val) + 2);
    o = apr_cpystrn(o, type, strlen(type) + 1);
    *o++ = '=';
    for (i = 0; val[i]; i++) {
        if (strchr(",+\"\\<>;=", val[i])) *o++ = '\\';
        *o++ = val[i];
    }
    *o = '\0';
    return out;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

idt_error *idt_dn_key(apr_pool_t *p, const char *dn, const char **key)
{
    apr_size_t n = strlen(dn), i, start = 0;
    int has_eq = 0, nava = 0, cap = 8;
    char **avas = apr_palloc(p, cap * sizeof(char *));
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    const char *why = NULL, *out;
    idt_error *e;

    *key = NULL;
    if ((e = idt_text_check(p, "a DN", dn, n, IDT_TEXT_LINES | IDT_TEXT_ANY_FORM))) return e;
    for (i = 0; i < n; i++) {
        if (dn[i] == '\\')
            i++;
        else if (dn[i] == '=')
            has_eq = 1;
    }
    if (!has_eq) {
        const char *nfc = idt_text_nfc(p, dn, n);
        out = fold(p, nfc, strlen(nfc), 0);
        if (!*out) return idt_err(p, IDT_E_BAD_REQUEST, "a DN must not be empty");
        *key = out;
        return NULL;
    }
    /* walk AVAs; at the end of each RDN, sort its AVAs and append it */
    for (i = 0; i <= n; i++) {
        int end_rdn = i == n || dn[i] == ',' || dn[i] == ';';
        if (i < n && dn[i] == '\\') {
            if (i + 1 < n) i++; /* a lone one at the end: the AVA refuses it */
            continue;
        }
        if (!end_rdn && dn[i] != '+') continue;
        if (nava == cap) {
            char **more = apr_palloc(p, 2 * cap * sizeof(char *));
            memcpy(more, avas, cap * sizeof(char *));
            avas = more;
            cap *= 2;
        }
        if (!(avas[nava++] = ava(p, dn + start, i - start, &why)))
            return idt_err(p, IDT_E_BAD_REQUEST, "not an RFC 2253 DN: %s", why);
        start = i + 1;
        if (end_rdn) {
            int k;
            qsort(avas, nava, sizeof(char *), by_text);
            for (k = 0; k < nava; k++) {
                if (parts->nelts) APR_ARRAY_PUSH(parts, const char *) = k ? "+" : ",";
                APR_ARRAY_PUSH(parts, const char *) = avas[k];
            }
            nava = 0;
        }
    }
    *key = apr_array_pstrcat(p, parts, 0);
    return NULL;
}
