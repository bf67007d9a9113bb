/* Errors as values: domain code returns an idt_error (NULL on success) and the
 * module renders it once, at the edge, in its API's own envelope. */
#ifndef IDT_ERROR_H
#define IDT_ERROR_H

#include <apr_pools.h>

typedef enum {
    IDT_E_BAD_REQUEST = 1, /* 400: malformed or invalid input */
    IDT_E_UNAUTHORIZED,    /* 401 */
    IDT_E_FORBIDDEN,       /* 403 */
    IDT_E_NOT_FOUND,       /* 404 */
    IDT_E_METHOD,          /* 405 */
    IDT_E_CONFLICT,        /* 409: state forbids the change, or a duplicate */
    IDT_E_TOO_LARGE,       /* 413 */
    IDT_E_MEDIA_TYPE,      /* 415 */
    IDT_E_URI_TOO_LONG,    /* 414 */
    IDT_E_CERT_DECODE,     /* 400: input is not a decodable X.509 certificate */
    IDT_E_CERT_CHAIN,      /* 400: more than one certificate where one is expected */
    IDT_E_CERT_EXPIRED,    /* 400: certificate no longer valid */
    IDT_E_PRIVATE_KEY,     /* 400: a private key was sent where a certificate belongs */
    IDT_E_XML,             /* 400: malformed, hostile or unexpected XML */
    IDT_E_TOO_MANY,        /* 429: too many failed logins; retry after the lockout */
    IDT_E_UNAVAILABLE,     /* 503: repository unreachable; retry later */
    IDT_E_INTERNAL         /* 500 */
} idt_kind;

typedef struct idt_error {
    idt_kind kind;
    int status;         /* HTTP status that goes with kind */
    const char *msg;    /* safe to show to the client: never holds a secret */
    const char *detail; /* for the error log only (e.g. the database's message); may be NULL */
} idt_error;

/* Makes an error of kind with a printf-style message, allocated from p. */
idt_error *idt_err(apr_pool_t *p, idt_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The HTTP status that goes with kind. */
int idt_kind_status(idt_kind kind);

#endif
