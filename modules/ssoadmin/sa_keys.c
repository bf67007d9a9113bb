/* The SSO server's keys: a credential object's RSA key pair in idtrust.sso_key, its kid,
 * its certificate request and the certificate a CA signed for it. The private key is
 * only ever held sealed (idt_keys_seal) in the repository and opened in memory to sign
 * a CSR; no answer carries it. */
#include "sa_keys.h"

#include <apr_strings.h>
#include <strings.h>

#include "idt_audit.h"
#include "idt_httpd_body.h"
#include "idt_inventory.h"
#include "idt_json.h"
#include "idt_keys.h"

/* What idt_inventory_add records as the source of a key's certificate. */
#define SA_KEY_CERT_SOURCE "ssoadmin.key"

/* A row of sso_key, with the sha256 of its certificate (NULL without one). */
typedef struct sa_key_row {
    const char *kid, *public_pem, *private_pem, *cert_id, *cert_sha256;
} sa_key_row;

static const char *cred_id(idt_req *q, const sa_obj *o)
{
    return sa_id(q->p, o->type, o->path);
}

/* The key of credential o, locked when lock; *out NULL when it has none. */
static idt_error *key_of(idt_req *q, const sa_obj *o, int lock, sa_key_row **out)
{
    const char *params[1] = {o->id};
    sa_key_row *k;
    PGresult *r;
    idt_error *e;

    *out = NULL;
    e = idt_db_exec(q->db, &r,
                    lock ? "SELECT k.kid, k.public_key_pem, k.private_key_pem, k.certificate_id, "
                           "c.sha256 FROM idtrust.sso_key k LEFT JOIN idtrust.certificate c "
                           "ON c.id = k.certificate_id WHERE k.credential_id = $1 FOR UPDATE OF k"
                         : "SELECT k.kid, k.public_key_pem, k.private_key_pem, k.certificate_id, "
                           "c.sha256 FROM idtrust.sso_key k LEFT JOIN idtrust.certificate c "
                           "ON c.id = k.certificate_id WHERE k.credential_id = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0) return NULL;
    k = apr_pcalloc(q->p, sizeof(*k));
    k->kid = PQgetvalue(r, 0, 0);
    k->public_pem = PQgetvalue(r, 0, 1);
    k->private_pem = PQgetvalue(r, 0, 2);
    k->cert_id = idt_db_value(r, 0, 3);
    k->cert_sha256 = idt_db_value(r, 0, 4);
    *out = k;
    return NULL;
}

static idt_error *no_key(idt_req *q, const sa_obj *o)
{
    return idt_err(q->p, IDT_E_NOT_FOUND, "%s has no key", cred_id(q, o));
}

/* Private keys are only stored sealed: without the passphrase nothing is made. */
static idt_error *need_secret(idt_req *q)
{
    if (!q->secret || !*q->secret)
        return idt_err(q->p, IDT_E_INTERNAL,
                       "credential keys cannot be stored or used: IdtrustSecretKeyFile is not "
                       "configured");
    return NULL;
}

/* IDT_E_CONFLICT when another credential's key has kid. */
static idt_error *kid_free(idt_req *q, const sa_obj *o, const char *kid)
{
    const char *params[2] = {kid, o->id};
    PGresult *r;
    idt_error *e =
        idt_db_exec(q->db, &r,
                    "SELECT o.path FROM idtrust.sso_key k JOIN idtrust.sso_object o "
                    "ON o.id = k.credential_id WHERE k.kid = $1 AND k.credential_id <> $2",
                    2, params);

    if (e) return e;
    if (PQntuples(r))
        return idt_err(q->p, IDT_E_CONFLICT,
                       "kid %s is the key id of %s: a kid names one key (leave kid out for the "
                       "key's thumbprint)",
                       ap_escape_logitem(q->p, kid),
                       sa_id(q->p, SA_CREDENTIAL, PQgetvalue(r, 0, 0)));
    return NULL;
}

/* Makes the key pair of credential o; *thumbprint is its RFC 7638 thumbprint. */
static idt_error *key_new(idt_req *q, const sa_obj *o, const char *kid, const char **thumbprint)
{
    const char *sealed, *public_pem, *params[4];
    EVP_PKEY *key;
    idt_error *e;

    if ((e = need_secret(q)) || (e = idt_keys_rsa_new(q->p, &key)) ||
        (e = idt_keys_seal(q->p, key, q->secret, &sealed)) ||
        (e = idt_keys_public_pem(q->p, key, &public_pem)) ||
        (e = idt_keys_thumbprint(q->p, key, thumbprint)))
        return e;
    if (!kid) kid = *thumbprint;
    if ((e = kid_free(q, o, kid))) return e;
    params[0] = o->id;
    params[1] = kid;
    params[2] = sealed;
    params[3] = public_pem;
    if ((e = idt_db_exec(q->db, NULL,
                         "INSERT INTO idtrust.sso_key (credential_id, kid, private_key_pem, "
                         "public_key_pem) VALUES ($1, $2, $3, $4)",
                         4, params)))
        return e;
    return idt_audit(q->db, &q->who, "sso.key.create", "sso_credential", cred_id(q, o),
                     json_pack("{s:s, s:s, s:s, s:i}", "kid", kid, "thumbprint", *thumbprint, "kty",
                               "RSA", "bits", IDT_KEYS_RSA_BITS));
}

idt_error *sa_key_written(idt_req *q, sa_obj *o, int created)
{
    const char *want, *kid, *thumbprint = NULL, *params[2];
    sa_key_row *k;
    idt_error *e;

    (void)created; /* a credential without a key (made by hand) gets one on any write */
    if (o->type != SA_CREDENTIAL) return NULL;
    want = json_string_value(json_object_get(o->attrs, "kid"));
    if (want && !*want) want = NULL;
    if ((e = key_of(q, o, 1, &k))) return e;
    if (!k) {
        if ((e = key_new(q, o, want, &thumbprint))) return e;
        kid = want ? want : thumbprint;
    } else {
        kid = want;
        if (!kid) {
            EVP_PKEY *pub;
            if ((e = idt_keys_public_from_pem(q->p, k->public_pem, &pub)) ||
                (e = idt_keys_thumbprint(q->p, pub, &thumbprint)))
                return e;
            kid = thumbprint;
        }
        if (strcmp(kid, k->kid)) {
            params[0] = o->id;
            params[1] = kid;
            if ((e = kid_free(q, o, kid)) ||
                (e = idt_db_exec(q->db, NULL,
                                 "UPDATE idtrust.sso_key SET kid = $2, updated_at = now() "
                                 "WHERE credential_id = $1",
                                 2, params)) ||
                (e = idt_audit(q->db, &q->who, "sso.key.kid", "sso_credential", cred_id(q, o),
                               json_pack("{s:s, s:s}", "from", k->kid, "to", kid))))
                return e;
        }
    }
    if (want) return NULL;
    /* the kid attribute shows the kid in force: the thumbprint when none was given */
    json_object_set_new(o->attrs, "kid", json_string(kid));
    params[0] = o->id;
    params[1] = idt_json_dump(q->p, o->attrs, JSON_COMPACT);
    return idt_db_exec(q->db, NULL,
                       "UPDATE idtrust.sso_object SET attributes = $2::jsonb WHERE id = $1", 2,
                       params);
}

/* GET: the CSR, subject CN = the credential's name (the key's thumbprint for a name that
 * is no CN: over 64 characters). */
static idt_error *csr_get(idt_req *q, const sa_obj *o, const sa_key_row *k)
{
    const char *pem, *thumbprint;
    EVP_PKEY *key;
    idt_error *e;

    if ((e = need_secret(q)) || (e = idt_keys_open(q->p, k->private_pem, q->secret, &key)))
        return e;
    e = idt_keys_csr(q->p, key, o->name, &pem);
    if (e && e->kind == IDT_E_BAD_REQUEST) {
        if ((e = idt_keys_thumbprint(q->p, key, &thumbprint))) return e;
        e = idt_keys_csr(q->p, key, thumbprint, &pem);
    }
    if (e) return e;
    q->status = 200;
    q->body = pem;
    q->content_type = "text/plain;charset=UTF-8";
    return NULL;
}

/* PUT: the certificate a CA issued for the key (the first one of the body), kept in the
 * inventory; the certificate it replaces leaves the inventory (schema 011's trigger). */
static idt_error *csr_put(idt_req *q, const sa_obj *o, const sa_key_row *k)
{
    const char *body, *inv_id, *params[2];
    apr_size_t len;
    EVP_PKEY *pub;
    idt_cert *cert;
    idt_error *e;

    if ((e = idt_httpd_read_body(q->r, &body, &len)) ||
        (e = idt_keys_public_from_pem(q->p, k->public_pem, &pub)) ||
        (e = idt_keys_cert_import(q->p, pub, body, len, &cert)))
        return e;
    q->status = 204;
    if (k->cert_sha256 && !strcmp(k->cert_sha256, cert->sha256_hex)) return NULL;
    if ((e = idt_inventory_add(q->db, cert, SA_KEY_CERT_SOURCE, &inv_id))) return e;
    params[0] = o->id;
    params[1] = inv_id;
    if ((e = idt_db_exec(q->db, NULL,
                         "UPDATE idtrust.sso_key SET certificate_id = $2, updated_at = now() "
                         "WHERE credential_id = $1",
                         2, params)))
        return e;
    return idt_audit(q->db, &q->who, "sso.key.certificate", "sso_credential", cred_id(q, o),
                     json_pack("{s:s, s:s, s:s, s:s, s:b}", "kid", k->kid, "sha256",
                               cert->sha256_hex, "subject", cert->subject, "issuer", cert->issuer,
                               "replaced", k->cert_id != NULL));
}

idt_error *sa_key_csr(idt_req *q, const sa_uri *u)
{
    int m = q->r->method_number;
    sa_key_row *k;
    sa_obj *o;
    idt_error *e;

    if (strcasecmp(u->attribute, "csr"))
        return idt_err(q->p, IDT_E_NOT_FOUND,
                       "no attribute \"%s\": $attribute/csr is the one a credential has",
                       ap_escape_logitem(q->p, u->attribute));
    if (m != M_GET && m != M_PUT) return sa_not_allowed(q, "GET, PUT");
    if ((e = sa_obj_need(q, &u->obj, m == M_PUT, &o)) || (e = key_of(q, o, m == M_PUT, &k)))
        return e;
    if (!k) return no_key(q, o);
    return m == M_GET ? csr_get(q, o, k) : csr_put(q, o, k);
}
