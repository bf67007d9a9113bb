/* The "no quoting" invariant of the certificate harnesses (cert_parse, pkcs7_parse): an
 * error message never holds the first WINDOW bytes of the input nor the first WINDOW
 * bytes of the body of any "-----BEGIN" block (at most MAX_BLOCKS). A hit is confirmed
 * by parsing again with those bytes changed: only when the new message shows the change
 * does it count as a quote, so an input that happens to start with the message's own
 * words does not abort. Include after fuzz_common.h. */
#ifndef IDT_FUZZ_NO_QUOTE_H
#define IDT_FUZZ_NO_QUOTE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_pools.h>
#include <openssl/err.h>

#include "idt_error.h"

#define WINDOW 16
#define MAX_BLOCKS 64

/* How the harness parses: the error for buf[0..len), allocated from p (NULL: success). */
typedef idt_error *(*reparse_fn)(apr_pool_t *p, const char *buf, size_t len);

/* The same bytes with each letter and digit moved to the next one of its class
 * (other bytes kept): what a quote of the input would change with. */
static void rotate(unsigned char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 'a' && c <= 'z') s[i] = c == 'z' ? 'a' : c + 1;
        else if (c >= 'A' && c <= 'Z') s[i] = c == 'Z' ? 'A' : c + 1;
        else if (c >= '0' && c <= '9') s[i] = c == '9' ? '0' : c + 1;
    }
}

static int has_alnum(const unsigned char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (s[i] >= '0' && s[i] <= '9'))
            return 1;
    return 0;
}

/* Aborts when msg quotes the WINDOW bytes of data at off. Whitespace and punctuation
 * alone are not worth quoting and are skipped. */
static void check_no_quote(const uint8_t *data, size_t size, size_t off, const char *msg,
                           reparse_fn parse)
{
    const unsigned char *w = data + off;
    unsigned char *copy;
    apr_pool_t *p;
    idt_error *e;

    if (off + WINDOW > size || !has_alnum(w, WINDOW)) return;
    if (!memmem(msg, strlen(msg), w, WINDOW)) return;
    /* Confirm: the same input with the window changed must not show the change. */
    copy = malloc(size);
    if (!copy) abort();
    memcpy(copy, data, size);
    rotate(copy + off, WINDOW);
    apr_pool_create(&p, root_pool);
    e = parse(p, (const char *)copy, size);
    if (e && e->msg && memmem(e->msg, strlen(e->msg), copy + off, WINDOW))
        violation("the error message quotes the input", e->msg);
    apr_pool_destroy(p);
    free(copy);
    ERR_clear_error();
}

/* Start of the body of the "-----BEGIN ...-----" block at begin: just past the
 * closing dashes of that line and any whitespace. */
static size_t block_body(const uint8_t *data, size_t size, size_t begin)
{
    size_t i = begin + 10; /* past "-----BEGIN" */
    const uint8_t *dashes = memmem(data + i, size - i, "-----", 5);

    if (!dashes) return size;
    i = (size_t)(dashes - data) + 5;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i;
}

/* The invariant over the input's start and every block's body. */
static void check_no_quotes(const uint8_t *data, size_t size, const char *msg, reparse_fn parse)
{
    const uint8_t *b;
    size_t off = 0;
    int blocks = 0;

    check_no_quote(data, size, 0, msg, parse);
    while (blocks++ < MAX_BLOCKS && off < size &&
           (b = memmem(data + off, size - off, "-----BEGIN", 10)) != NULL) {
        size_t begin = (size_t)(b - data);
        check_no_quote(data, size, block_body(data, size, begin), msg, parse);
        off = begin + 10;
    }
}

#endif
