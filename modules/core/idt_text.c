#include "idt_text.h"

#include <string.h>

#define PEM_PRIVATE_KEY "PRIVATE KEY-----"
#define PEM_PGP_PRIVATE_KEY "PRIVATE KEY BLOCK-----"

const char *idt_text_find(const char *hay, apr_size_t len, const char *needle)
{
    apr_size_t n = strlen(needle);
    const char *end, *s;

    if (n == 0 || len < n) return NULL;
    end = hay + (len - n);
    for (s = hay; s <= end; s++) {
        s = memchr(s, needle[0], (apr_size_t)(end - s) + 1);
        if (!s) return NULL;
        if (memcmp(s, needle, n) == 0) return s;
    }
    return NULL;
}

int idt_text_has_private_key(const char *text, apr_size_t len)
{
    if (text == NULL) return 0;
    return idt_text_find(text, len, PEM_PRIVATE_KEY) != NULL ||
           idt_text_find(text, len, PEM_PGP_PRIVATE_KEY) != NULL;
}

idt_error *idt_text_private_key_error(apr_pool_t *p, const char *what)
{
    /* the key itself must go nowhere: not into the message, which is logged too */
    return idt_err(p, IDT_E_PRIVATE_KEY,
                   "%s holds a private key, which is never accepted or stored; remove it "
                   "and treat the key as compromised",
                   what ? what : "the input");
}

idt_error *idt_text_private_key_check(apr_pool_t *p, const char *text, apr_size_t len,
                                      const char *what)
{
    return idt_text_has_private_key(text, len) ? idt_text_private_key_error(p, what) : NULL;
}

/* Length of the blank character s starts with, or 0 when it is visible (or not UTF-8). */
static int blank_len(const unsigned char *s)
{
    unsigned int cp;

    if (*s == ' ' || (*s >= '\t' && *s <= '\r')) return 1;
    if (s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0)) return 2;
    if ((s[0] & 0xf0) != 0xe0 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
    cp = ((unsigned int)(s[0] & 0x0f) << 12) | ((unsigned int)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    if (cp == 0x1680 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200d) || cp == 0x2028 ||
        cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x2060 || cp == 0x3000 ||
        cp == 0xfeff)
        return 3;
    return 0;
}

int idt_text_blank(const char *s)
{
    const unsigned char *q = (const unsigned char *)s;
    int n;

    if (q == NULL) return 1;
    while (*q) {
        if ((n = blank_len(q)) == 0) return 0;
        q += n;
    }
    return 1;
}

int idt_text_is_utf8(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;

    while (*s) {
        unsigned char c = *s;
        int n, i;
        unsigned long cp;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07;
        else
            return 0;
        for (i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        s += n + 1;
    }
    return 1;
}
