#include "idt_error.h"

#include <apr_strings.h>

int idt_kind_status(idt_kind kind)
{
    switch (kind) {
    case IDT_E_UNAUTHORIZED:
        return 401;
    case IDT_E_FORBIDDEN:
        return 403;
    case IDT_E_NOT_FOUND:
        return 404;
    case IDT_E_METHOD:
        return 405;
    case IDT_E_CONFLICT:
        return 409;
    case IDT_E_TOO_LARGE:
        return 413;
    case IDT_E_MEDIA_TYPE:
        return 415;
    case IDT_E_URI_TOO_LONG:
        return 414;
    case IDT_E_TOO_MANY:
        return 429;
    case IDT_E_UNAVAILABLE:
        return 503;
    case IDT_E_INTERNAL:
        return 500;
    case IDT_E_BAD_REQUEST:
    case IDT_E_CERT_DECODE:
    case IDT_E_CERT_CHAIN:
    case IDT_E_CERT_EXPIRED:
    case IDT_E_PRIVATE_KEY:
    case IDT_E_XML:
        return 400;
    }
    return 500;
}

idt_error *idt_err(apr_pool_t *p, idt_kind kind, const char *fmt, ...)
{
    idt_error *e = apr_palloc(p, sizeof(*e));
    va_list ap;

    va_start(ap, fmt);
    e->msg = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    e->kind = kind;
    e->detail = NULL;
    e->status = idt_kind_status(kind);
    return e;
}
