#include "idt_text.h"

#include <stdint.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

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

/* The code point at s (n bytes left), its length in *len; -1 when it is not UTF-8. */
static long utf8_next(const unsigned char *s, apr_size_t n, int *len)
{
    unsigned char c = s[0];
    int k, i;
    long cp;

    if (c < 0x80) return (*len = 1), c;
    if (c >= 0xc2 && c <= 0xdf)
        k = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        k = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        k = 3, cp = c & 0x07;
    else
        return -1;
    if ((apr_size_t)k >= n) return -1;
    for (i = 1; i <= k; i++) {
        if ((s[i] & 0xc0) != 0x80) return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
        return -1;
    *len = k + 1;
    return cp;
}

int idt_text_is_utf8(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t n = strlen(text);
    int len;

    while (n) {
        if (utf8_next(s, n, &len) < 0) return 0;
        s += len;
        n -= (apr_size_t)len;
    }
    return 1;
}

/* ICU's NFC instance: a process-wide singleton ICU owns (never freed by us). */
static const UNormalizer2 *nfc(void)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFCInstance(&err);
    return U_FAILURE(err) ? NULL : n;
}

/* text[0..len) as UTF-16 in p, its length in *n; NULL when ICU refuses it. */
static UChar *to_utf16(apr_pool_t *p, const char *text, apr_size_t len, int32_t *n)
{
    UErrorCode err = U_ZERO_ERROR;
    UChar *u;

    if (len > INT32_MAX / 2) return NULL;
    u = apr_palloc(p, (len + 1) * sizeof(UChar));
    u_strFromUTF8(u, (int32_t)len + 1, n, text, (int32_t)len, &err);
    return U_FAILURE(err) ? NULL : u;
}

/* 1 when text[0..len) (valid UTF-8) is NFC; ASCII always is, and is answered without ICU. */
static int is_nfc(apr_pool_t *p, const char *text, apr_size_t len)
{
    const UNormalizer2 *n;
    UErrorCode err = U_ZERO_ERROR;
    apr_size_t i;
    int32_t ulen;
    UChar *u;
    UBool yes;

    for (i = 0; i < len && !(text[i] & 0x80); i++)
        ;
    if (i == len) return 1;
    if (!(n = nfc()) || !(u = to_utf16(p, text, len, &ulen))) return 0;
    yes = unorm2_isNormalized(n, u, ulen, &err);
    return U_SUCCESS(err) && yes;
}

const char *idt_text_nfc(apr_pool_t *p, const char *text, apr_size_t len)
{
    const UNormalizer2 *n;
    UErrorCode err = U_ZERO_ERROR;
    int32_t ulen, cap, outlen, blen;
    UChar *u, *out;
    char *b;

    if (is_nfc(p, text, len)) return text;
    if (!(n = nfc()) || !(u = to_utf16(p, text, len, &ulen))) return NULL;
    /* NFC of UTF-16 text is at most three times as long (Unicode's stated bound) */
    cap = ulen * 3 + 1;
    out = apr_palloc(p, (apr_size_t)cap * sizeof(UChar));
    outlen = unorm2_normalize(n, u, ulen, out, cap, &err);
    if (U_FAILURE(err)) return NULL;
    b = apr_palloc(p, (apr_size_t)outlen * 3 + 1);
    u_strToUTF8(b, outlen * 3 + 1, &blen, out, outlen, &err);
    return U_FAILURE(err) ? NULL : b;
}

idt_error *idt_text_check(apr_pool_t *p, const char *what, const char *text, apr_size_t len,
                          int flags)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t i = 0;
    int n;

    while (i < len) {
        long cp = utf8_next(s + i, len - i, &n);
        if (cp < 0) return idt_err(p, IDT_E_BAD_REQUEST, "%s is not UTF-8", what);
        if (cp == 0) return idt_err(p, IDT_E_BAD_REQUEST, "%s must not contain a NUL", what);
        if ((cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) &&
            !((flags & IDT_TEXT_LINES) && (cp == '\t' || cp == '\n' || cp == '\r')))
            return idt_err(p, IDT_E_BAD_REQUEST, "%s must not contain control characters (U+%04lX)",
                           what, cp);
        if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
            return idt_err(p, IDT_E_BAD_REQUEST,
                           "%s must not contain the Unicode non-character U+%04lX", what, cp);
        i += (apr_size_t)n;
    }
    if (!(flags & IDT_TEXT_ANY_FORM) && !is_nfc(p, text, len))
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "%s is not in Unicode normalization form C (NFC): send the composed "
                       "form of its characters",
                       what);
    return NULL;
}
