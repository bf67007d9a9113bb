#include "ci_certificates.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_protocol.h>
#include <openssl/bn.h>
#include <openssl/err.h>

#include "ci_view.h"
#include "idt_audit.h"
#include "idt_dn.h"
#include "idt_httpd_body.h"
#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "idt_inventory.h"
#include "idt_json.h"
#include "idt_pkcs7.h"
#include "idt_text.h"

int ci_is_uuid(const char *s)
{
    int i;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return 0;
        } else if (!s[i] || !apr_isxdigit(s[i]) || apr_isupper(s[i]))
            return 0;
    }
    return s[36] == '\0';
}

#define VIEW_SELECT "SELECT " CI_VIEW_COLUMNS " FROM idtrust.certificate c" CI_VIEW_JOINS

/* The view of MyID certificate id, or IDT_E_NOT_FOUND. */
static idt_error *view_of(idt_req *q, const char *id, json_t **view)
{
    const char *params[1] = {id};
    PGresult *r;
    idt_error *e;

    if (!ci_is_uuid(id)) return idt_err(q->p, IDT_E_NOT_FOUND, "no certificate with that id");
    e = idt_db_exec(q->db, &r, VIEW_SELECT " WHERE c.id = $1 AND m.certificate_id IS NOT NULL", 1,
                    params);
    if (e) return e;
    if (PQntuples(r) == 0) return idt_err(q->p, IDT_E_NOT_FOUND, "no certificate with that id");
    return ci_view_row(q->p, r, 0, 0, view);
}

/* The subject's CN (the person's name), else the whole DN. */
static const char *person_name(apr_pool_t *p, const idt_cert *c)
{
    X509_NAME *n = X509_get_subject_name(c->x509);
    int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
    unsigned char *utf8 = NULL;
    const char *out = c->subject;

    if (i >= 0) {
        ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
        int len = ASN1_STRING_to_UTF8(&utf8, s);
        if (len > 0) out = apr_pstrmemdup(p, (const char *)utf8, (apr_size_t)len);
        OPENSSL_free(utf8);
    }
    ERR_clear_error();
    return *out ? out : "(no subject)";
}

/* Characters (code points) of UTF-8 text: what PostgreSQL's length() counts in a UTF8
 * database, which the person's CHECK constraints measure. */
static apr_size_t utf8_chars(const char *s)
{
    apr_size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* What the repository's constraints would refuse, checked before it is asked, so that a
 * client learns which field is at fault (and PostgreSQL logs no failed row): the
 * inventory's text columns take UTF-8 only, and a person made by createUser (key: the
 * subject's dn_key, NULL when no person is made) has a DN of at most CI_PERSON_DN_MAX
 * characters, a name of at most CI_PERSON_NAME_MAX and a key of at most
 * IDT_DN_KEY_MAX bytes. */
static idt_error *import_check(apr_pool_t *p, const idt_cert *c, const char *name,
                               const char *key)
{
    apr_size_t n;

    if (!idt_text_is_utf8(c->subject) || !idt_text_is_utf8(c->issuer) || !idt_text_is_utf8(name))
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "x509: the certificate's subject or issuer is not valid UTF-8 text");
    if (!key) return NULL;
    if ((n = utf8_chars(c->subject)) > CI_PERSON_DN_MAX)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "x509: the subject DN is %" APR_SIZE_T_FMT " characters long; a person "
                       "made by createUser has a DN of at most %d",
                       n, CI_PERSON_DN_MAX);
    if ((n = utf8_chars(name)) > CI_PERSON_NAME_MAX)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "x509: the subject's CN (else the whole DN), the name of the person "
                       "createUser makes, is %" APR_SIZE_T_FMT " characters long; at most %d",
                       n, CI_PERSON_NAME_MAX);
    /* the person's DN is found by its comparison form through a unique btree index,
       whose entries PostgreSQL caps at 2704 bytes (less when it cannot compress them) */
    if ((n = strlen(key)) > IDT_DN_KEY_MAX)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "x509: the subject DN is too long to make a person of: its comparison "
                       "form is %" APR_SIZE_T_FMT " bytes, at most %d",
                       n, IDT_DN_KEY_MAX);
    return NULL;
}

/* An import is two statements sent together (idt_db_exec_batch), so one round trip
 * with the transaction's BEGIN: the certificate's lock, so that one import of a
 * certificate runs at a time; then, in a statement whose snapshot is taken once the
 * lock is held (and so sees an import of the same certificate that committed while
 * this one waited), when the policy exists (policy) and no MyID row has the
 * certificate (dup): the person (made with createUser, else looked up: who), the
 * inventory row (c), the MyID row (m) and the audit rows. It answers with the view of
 * the new certificate (first column true) or of the one imported before (false); no
 * row when no policy has the objectId.
 * Parameters: the inventory's ($1 to $10, $3 the sha256, $4 the subject), then $11 the
 * policy's objectId, $12 the subject's dn_key (NULL for no person), $13 the person's
 * name, $14 createUser, $15 to $17 the actor, $18 the import's audit detail. */
#define IMPORT_LOCK_SQL "SELECT pg_advisory_xact_lock(hashtextextended($1, 20))"
#define IMPORT_SQL                                                                                 \
    "WITH policy AS (SELECT id FROM idtrust.ci_policy WHERE object_id = $11::text), "              \
    "dup AS (SELECT certificate_id FROM idtrust.ci_certificate "                                   \
    "  WHERE sha256 = $3::text AND EXISTS (SELECT FROM policy)), "                                 \
    "go AS (SELECT WHERE EXISTS (SELECT FROM policy) AND NOT EXISTS (SELECT FROM dup)), "          \
    "per AS (INSERT INTO idtrust.ci_person (dn_key, name, dn) "                                    \
    "  SELECT $12::text, $13::text, $4::text FROM go WHERE $14::boolean AND $12::text IS NOT NULL " \
    /* the no-op update makes RETURNING give the row that was already there */                    \
    "  ON CONFLICT (dn_key) DO UPDATE SET dn_key = EXCLUDED.dn_key "                               \
    "  RETURNING id, name, (xmax = 0) AS made), "                                                  \
    "who AS (SELECT id, name, made FROM per UNION ALL "                                            \
    "  SELECT id, name, false FROM idtrust.ci_person WHERE dn_key = $12::text AND NOT $14::boolean), " \
    "c AS (INSERT INTO idtrust.certificate (" IDT_INVENTORY_COLUMNS ") "                           \
    "  SELECT " IDT_INVENTORY_VALUES " FROM go RETURNING *), "                                     \
    "m AS (INSERT INTO idtrust.ci_certificate (certificate_id, policy_id, person_id, sha256) "    \
    "  SELECT c.id, policy.id, (SELECT id FROM who), c.sha256 FROM c, policy RETURNING *), "      \
    "a AS (INSERT INTO idtrust.audit (" IDT_AUDIT_COLUMNS ") "                                     \
    "  SELECT $15, $16, $17, 'myid_person.create', 'myid_person', who.id::text, "                  \
    "         jsonb_build_object('dn', $4::text) FROM who WHERE who.made UNION ALL "               \
    "  SELECT $15, $16, $17, 'myid_certificate.import', 'myid_certificate', "                      \
    "         m.certificate_id::text, $18::jsonb FROM m) "                                         \
    "SELECT true, " CI_VIEW_COLUMNS " FROM c JOIN m ON m.certificate_id = c.id "                   \
    "  LEFT JOIN idtrust.ci_policy pol ON pol.id = m.policy_id LEFT JOIN who per ON true "         \
    "UNION ALL SELECT false, " CI_VIEW_COLUMNS                                                     \
    " FROM dup JOIN idtrust.certificate c ON c.id = dup.certificate_id" CI_VIEW_JOINS
#define IMPORT_NPARAMS (IDT_INVENTORY_NPARAMS + 8)

idt_error *ci_certificate_import(idt_req *q)
{
    static const char *const allowed[] = {"x509", "certPolicyId", "createUser", NULL};
    const char *version = apr_table_get(q->r->headers_in, "x-api-version");
    const char *x509, *policy_oid, *params[IMPORT_NPARAMS], *key = NULL, **own;
    idt_stmt batch[2];
    json_t *in, *create, *view;
    idt_cert *c;
    PGresult *r;
    int in_bundle;
    idt_error *e;

    if (version && strcmp(version, "1"))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "x-api-version %s is not served: this API is version 1",
                       strlen(version) <= 16 ? version : "(too long)");
    if ((e = idt_httpd_read_json(q->r, &in)) || (e = idt_json_only(q->p, in, allowed)) ||
        (e = idt_json_string(q->p, in, "x509", 1, 1024 * 1024, &x509)) ||
        (e = idt_json_string(q->p, in, "certPolicyId", 1, 128, &policy_oid)))
        return e;
    create = json_object_get(in, "createUser");
    if (create && !json_is_boolean(create))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "createUser must be true or false");
    if ((e = idt_cert_or_bundle_parse(q->p, x509, strlen(x509), &c, &in_bundle))) {
        e->msg = apr_pstrcat(q->p, "x509: ", e->msg, NULL);
        return e;
    }
    idt_inventory_params(q->p, c, CI_SOURCE, params);
    own = params + IDT_INVENTORY_NPARAMS;
    own[0] = policy_oid;
    /* a subject whose value decodes to a NUL ("CN=Victim\00evil") or another character the
     * core refuses must not be matched to a person by what precedes it: refused whole */
    if (*c->subject && (e = idt_dn_key(q->p, c->subject, &key)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "x509: the certificate's subject DN is refused: %s",
                       e->msg);
    own[1] = *c->subject ? key : NULL;
    own[2] = person_name(q->p, c);
    own[3] = json_is_true(create) ? "true" : "false";
    if ((e = import_check(q->p, c, own[2], json_is_true(create) ? own[1] : NULL))) return e;
    own[4] = q->who.user;
    own[5] = q->who.request_id;
    own[6] = q->who.client_ip;
    own[7] = idt_json_dump(q->p,
                           idt_json_own(q->p, json_pack("{s:s, s:s, s:s, s:i}", "subject",
                                                        c->subject, "sha256", c->sha256_hex,
                                                        "cert_policy_id", policy_oid,
                                                        "in_bundle", in_bundle)),
                           JSON_COMPACT);
    batch[0] = (idt_stmt){IMPORT_LOCK_SQL, 1, &c->sha256_hex, NULL};
    batch[1] = (idt_stmt){IMPORT_SQL, IMPORT_NPARAMS, params, NULL};
    if ((e = idt_db_exec_batch(q->db, batch, 2))) return e;
    r = batch[1].res;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "certPolicyId names no certificate policy (no policy has that objectId)");
    if ((e = ci_view_row(q->p, r, 0, 1, &view))) return e;
    if (*PQgetvalue(r, 0, 0) != 't') {
        /* imported before: the answer is that certificate, and nothing changes, so a
           notifier that retries after a lost answer succeeds */
        idt_reply(q, 200, json_incref(view));
        return NULL;
    }
    apr_table_setn(q->r->headers_out, "Location",
                   apr_pstrcat(q->p, "/rest.core/api/Certificates/", PQgetvalue(r, 0, 1), NULL));
    idt_reply(q, 201, json_incref(view));
    return NULL;
}

idt_error *ci_certificate_get(idt_req *q)
{
    json_t *view;
    idt_error *e = view_of(q, q->args[0], &view);
    if (e) return e;
    idt_reply(q, 200, json_incref(view));
    return NULL;
}

/* serial: the certSerialNo (hex, colons allowed) as the inventory's decimal. A negative
 * serial (RFC 5280 forbids them, some CAs made them) is shown with a leading '-', as
 * openssl x509 -serial prints it ("-05"), and found by what is shown. */
static idt_error *serial_param(apr_pool_t *p, const char *hex, const char **dec)
{
    char *clean = apr_palloc(p, strlen(hex) + 1), *w = clean, *d;
    BIGNUM *bn = NULL;
    const char *s = hex;

    *dec = NULL;
    if (!hex) return NULL;
    if (*s == '-') *w++ = *s++;
    for (; *s; s++) {
        if (*s == ':') continue;
        if (!apr_isxdigit(*s) || w - clean >= 128)
            return idt_err(p, IDT_E_BAD_REQUEST, "serial must be the certSerialNo, in hex");
        *w++ = *s;
    }
    *w = '\0';
    if (!*clean || !strcmp(clean, "-") || !BN_hex2bn(&bn, clean))
        return idt_err(p, IDT_E_BAD_REQUEST, "serial must be the certSerialNo, in hex");
    d = BN_bn2dec(bn);
    BN_free(bn);
    if (d) *dec = apr_pstrdup(p, d);
    OPENSSL_free(d);
    return *dec ? NULL : idt_err(p, IDT_E_INTERNAL, "the serial number cannot be converted");
}

idt_error *ci_certificate_list(idt_req *q)
{
    static const char *const allowed[] = {"serial", "issuer", "policy", "expiringBefore",
                                          "limit", "marker", NULL};
    const char *params[6], *exp;
    apr_table_t *t;
    idt_page page;
    json_t *list, *view;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page)))
        return e;
    if (apr_table_get(t, "serial") &&
        (e = serial_param(q->p, apr_table_get(t, "serial"), &params[0])))
        return e;
    if (!apr_table_get(t, "serial")) params[0] = NULL;
    params[1] = apr_table_get(t, "issuer");
    params[2] = apr_table_get(t, "policy");
    exp = apr_table_get(t, "expiringBefore");
    if (exp) {
        int y, mo, d, len = 0;
        if (sscanf(exp, "%4d-%2d-%2d%n", &y, &mo, &d, &len) != 3 || len != 10 ||
            (exp[10] && exp[10] != 'T' && exp[10] != ' ') || mo < 1 || mo > 12 || d < 1 || d > 31)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "expiringBefore must be a date (2027-01-31) or an RFC 3339 date-time");
        if (exp[10]) {
            /* the database decides whether the rest is a time; a bad one is a 400 */
            const char *ok = exp + 10;
            for (; *ok; ok++)
                if (!apr_isdigit(*ok) && !strchr("T :.+-Z", *ok))
                    return idt_err(q->p, IDT_E_BAD_REQUEST,
                                   "expiringBefore must be a date or an RFC 3339 date-time");
        }
    }
    params[3] = exp;
    if (page.marker) {
        for (i = 0; page.marker[i]; i++)
            if (!apr_isdigit(page.marker[i]) || i > 17)
                return idt_err(q->p, IDT_E_BAD_REQUEST, "marker is not one this API gave out");
    }
    params[4] = page.marker;
    params[5] = idt_page_fetch(q->p, &page);
    e = idt_page_query(q, &page, "SELECT FROM idtrust.ci_certificate WHERE number = $1::bigint",
                       1, params + 4,
                    VIEW_SELECT
                    " WHERE m.certificate_id IS NOT NULL AND ($1::text IS NULL OR c.serial = $1) "
                    "AND ($2::text IS NULL OR c.issuer = $2) "
                    "AND ($3::text IS NULL OR pol.object_id = $3 OR pol.name = $3) "
                    "AND ($4::timestamptz IS NULL OR c.not_after < $4::timestamptz) "
                    "AND ($5::bigint IS NULL OR m.number > $5::bigint) "
                    "ORDER BY m.number LIMIT $6::int",
                    6, params, &r);
    if (e) {
        if (exp && e->kind == IDT_E_INTERNAL)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "expiringBefore must be a date or an RFC 3339 date-time");
        return e;
    }
    list = idt_page_reply(q, "results", r, &page, CI_VIEW_NUMBER_COL, -1, &n);
    for (i = 0; i < n; i++) {
        if ((e = ci_view_row(q->p, r, i, 0, &view)) ||
            (e = idt_append(q, list, json_incref(view))))
            return e;
    }
    return NULL;
}
