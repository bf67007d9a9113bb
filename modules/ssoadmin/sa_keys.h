/* The SSO server's keys: the key pair of each credential object (sso_key), made by PUT
 * /credential/{site}/{name}; its CSR and signed certificate ($attribute/csr). */
#ifndef SA_KEYS_H
#define SA_KEYS_H

#include "idt_httpd_runner.h"
#include "sa_objects.h"
#include "sa_uri.h"

/* After a credential object o was created (created 1) or its attributes written by PUT or
 * POST: makes its 2048-bit RSA key pair when it has none (sealed with the secret
 * passphrase), and keeps sso_key.kid equal to the kid attribute (the public key's RFC 7638
 * thumbprint when the attribute is not given; a kid another key has is IDT_E_CONFLICT). */
idt_error *sa_key_written(idt_req *q, sa_obj *o, int created);

/* GET and PUT /credential/{site}/{name}/$attribute/csr: the key's PKCS#10 request (PEM,
 * text/plain, CN = the credential's name) and the certificate a CA issued for it (204).
 * Every $attribute of a credential comes here: another name is IDT_E_NOT_FOUND. */
idt_error *sa_key_csr(idt_req *q, const sa_uri *u);

#endif
