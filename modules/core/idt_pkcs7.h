/* Certificates as the MyID Core API sends them: one certificate (what idt_cert_parse
 * takes) or a PKCS#7 certs-only bundle (SignedData without signers, as
 * `openssl crl2pkcs7 -nocrl` writes it), PEM ("-----BEGIN PKCS7-----") or bare base64 of
 * the DER. Every OpenSSL object is freed with the pool it was made in. */
#ifndef IDT_PKCS7_H
#define IDT_PKCS7_H

#include <apr_pools.h>

#include "idt_error.h"
#include "idt_x509.h"

/* The certificate input stands for: a single certificate, or the end-entity certificate
 * of a bundle (the one that issued no other certificate of the bundle; a bundle of one
 * certificate is that one). Errors:
 *   IDT_E_PRIVATE_KEY  a private key anywhere in the input (checked first)
 *   IDT_E_CERT_CHAIN   several PEM certificates, or a bundle with no single end entity
 *   IDT_E_CERT_DECODE  anything else that is neither (garbage, truncated DER, a PKCS#7
 *                      that is not certs-only SignedData, a bundle without certificates)
 * *in_bundle is the number of certificates of the bundle (1 for a single certificate).
 * Messages never quote the input. */
idt_error *idt_cert_or_bundle_parse(apr_pool_t *p, const char *input, apr_size_t len,
                                    idt_cert **out, int *in_bundle);

/* The PKCS#7 certs-only bundle of c alone, DER in base64 on one line (what
 * RESTCertificateAddedMyID.xml sends as x509). NULL when OpenSSL fails. */
const char *idt_pkcs7_b64(apr_pool_t *p, const idt_cert *c);

#endif
