/* libFuzzer harness for idt_saml_idp_parse (modules/core/idt_saml.c): the IdP metadata
 * a client uploads. Built and run by scripts/fuzz/run.
 *
 * Besides the sanitizers (ASan, UBSan, LeakSanitizer), every input is checked for
 * these invariants; a violation calls abort(), which libFuzzer reports as a crash:
 *   - exactly one of (error, result) comes back; an error has a message, a 400
 *     status and the kind IDT_E_XML or IDT_E_PRIVATE_KEY;
 *   - on success entity_id and sso_url are non-empty, certs_b64 is non-empty, and
 *     every certificate is non-empty base64 without whitespace;
 *   - a document whose first markup (after whitespace and an XML declaration) is a
 *     <!DOCTYPE is refused. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "fuzz_common.h"
#include "idt_error.h"
#include "idt_saml.h"


static size_t skip_space(const uint8_t *d, size_t n, size_t i)
{
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) i++;
    return i;
}

/* 1 when the document opens with a DOCTYPE: "<!DOCTYPE" after optional whitespace
 * and an optional "<?xml ...?>" declaration. */
static int opens_with_doctype(const uint8_t *d, size_t n)
{
    size_t i = skip_space(d, n, 0);

    if (n - i >= 5 && memcmp(d + i, "<?xml", 5) == 0) {
        const uint8_t *end = memmem(d + i, n - i, "?>", 2);
        if (!end) return 0;
        i = skip_space(d, n, (size_t)(end - d) + 2);
    }
    return n - i >= 9 && memcmp(d + i, "<!DOCTYPE", 9) == 0;
}

static int is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

static void check_idp(const idt_saml_idp *idp)
{
    int i;

    if (!idp) violation("neither an error nor a result came back", NULL);
    if (!idp->entity_id || !*idp->entity_id) violation("success with an empty entity_id", NULL);
    if (!idp->sso_url || !*idp->sso_url) violation("success with an empty sso_url", NULL);
    if (!idp->certs_b64 || idp->certs_b64->nelts <= 0)
        violation("success without a signing certificate", NULL);
    for (i = 0; i < idp->certs_b64->nelts; i++) {
        const char *b = APR_ARRAY_IDX(idp->certs_b64, i, const char *), *q;
        if (!b || !*b) violation("success with an empty certificate", NULL);
        for (q = b; *q; q++)
            if (!is_b64_char(*q)) violation("a certificate that is not base64", b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    idt_saml_idp *idp = NULL;
    idt_error *e;

    apr_pool_create(&p, root_pool);
    e = idt_saml_idp_parse(p, (const char *)data, size, &idp);
    if (e) {
        if (idp) violation("an error came back with a result", e->msg);
        if (!e->msg || !*e->msg) violation("an error without a message", NULL);
        if (e->status != 400) violation("an error with a status other than 400", e->msg);
        if (e->kind != IDT_E_XML && e->kind != IDT_E_PRIVATE_KEY)
            violation("an error of an unexpected kind", e->msg);
    }
    else {
        if (opens_with_doctype(data, size)) violation("a document with a DOCTYPE was accepted", NULL);
        check_idp(idp);
    }
    apr_pool_destroy(p);
    return 0;
}
