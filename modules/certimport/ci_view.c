#include "ci_view.h"

#include <string.h>

#include <apr_strings.h>
#include <openssl/bn.h>

#include "idt_json.h"
#include "idt_pkcs7.h"

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* "0" / "1" of a boolean column, dflt when NULL (no MyID row) */
static const char *flag(const char *s, const char *dflt)
{
    return s ? (*s == 't' ? "1" : "0") : dflt;
}

/* The view from its values (strings, any of them NULL): the seed prints every value as
 * a string, and so does the view. */
static json_t *view_of(const char *const *v, const char *serial_hex)
{
    json_t *target = json_pack("{s:o, s:o}", "id", v[24] ? json_string(v[24]) : json_null(),
                               "name", v[25] ? json_string(v[25]) : json_null());
    return json_pack(
        "{s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, "
        "s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:s}",
        "id", or_empty(v[0]), "target", target, "automaticRenewal", flag(v[14], "0"), "cAPath",
        or_empty(v[16]), "certPolicy", or_empty(v[27]), "certSerialNo", serial_hex, "status",
        v[9] ? v[9] : "1", "certStatusDescription", v[10] ? v[10] : "Issued", "collected",
        flag(v[13], "1"), "containerName", or_empty(v[17]), "number", or_empty(v[8]), "imported",
        flag(v[12], "0"), "issuance", "completeTime", or_empty(v[23]), "startTime",
        or_empty(v[22]), "issuerDN", or_empty(v[3]), "keyArchivalDisplayName", "", "keyArchived",
        flag(v[15], "0"), "expiryDate", or_empty(v[7]), "dateIssued", or_empty(v[6]),
        "renewalDate", or_empty(v[21]), "requestID", or_empty(v[18]), "response",
        or_empty(v[19]), "statusMapping", "id", v[11] ? v[11] : "1", "userDN", or_empty(v[2]),
        "userSid", or_empty(v[20]));
}

/* bytea in PostgreSQL's hex output form ("\x3082...") as bytes. */
static unsigned char *unhex(apr_pool_t *p, const char *s, apr_size_t *n)
{
    apr_size_t len, i;
    unsigned char *out;

    if (!s || s[0] != '\\' || s[1] != 'x') return NULL;
    s += 2;
    len = strlen(s);
    if (len % 2) return NULL;
    out = apr_palloc(p, len / 2 + 1);
    for (i = 0; i < len / 2; i++) {
        int hi = s[2 * i], lo = s[2 * i + 1];
        hi = hi <= '9' ? hi - '0' : (hi | 0x20) - 'a' + 10;
        lo = lo <= '9' ? lo - '0' : (lo | 0x20) - 'a' + 10;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *n = len / 2;
    return out;
}

static idt_error *cert_of(apr_pool_t *p, const PGresult *r, int row, int col, idt_cert **cert)
{
    apr_size_t n = 0;
    unsigned char *der = unhex(p, val(r, row, col + 1), &n);
    if (!der) return idt_err(p, IDT_E_INTERNAL, "a stored certificate cannot be read");
    return idt_cert_from_der(p, der, n, cert);
}

/* certSerialNo: the inventory's decimal serial in upper-case hex, as idt_cert has it */
static const char *serial_hex(apr_pool_t *p, const char *dec)
{
    BIGNUM *bn = NULL;
    char *hex = NULL;
    const char *out = NULL;

    if (dec && BN_dec2bn(&bn, dec) == (int)strlen(dec) && (hex = BN_bn2hex(bn)))
        out = apr_pstrdup(p, hex);
    OPENSSL_free(hex);
    BN_free(bn);
    return out;
}

/* The view, with certSerialNo given (NULL: from the inventory's serial column). */
static idt_error *view_row(apr_pool_t *p, const PGresult *r, int row, int col,
                           const char *serial, json_t **view)
{
    const char *v[CI_VIEW_NCOLS];
    idt_cert *cert;
    idt_error *e;
    int i;

    *view = NULL;
    for (i = 0; i < CI_VIEW_NCOLS; i++)
        v[i] = val(r, row, col + i);
    /* a serial column that is not decimal (a row a DBA wrote): the certificate's own */
    if (!serial && !(serial = serial_hex(p, v[30]))) {
        if ((e = cert_of(p, r, row, col, &cert))) return e;
        serial = cert->serial_hex;
    }
    if (!(*view = idt_json_own(p, view_of(v, serial))))
        return idt_err(p, IDT_E_INTERNAL, "a stored certificate cannot be rendered as JSON");
    return NULL;
}

idt_error *ci_view_row(apr_pool_t *p, const PGresult *r, int row, int col, json_t **view)
{
    return view_row(p, r, row, col, NULL, view);
}

idt_error *ci_view_data(apr_pool_t *p, const PGresult *r, int row, int col, json_t **data)
{
    json_t *view;
    idt_cert *cert;
    const char *pkcs7;
    idt_error *e;

    *data = NULL;
    if ((e = cert_of(p, r, row, col, &cert)) ||
        (e = view_row(p, r, row, col, cert->serial_hex, &view)))
        return e;
    if (!(pkcs7 = idt_pkcs7_b64(p, cert)))
        return idt_err(p, IDT_E_INTERNAL, "a PKCS#7 bundle of the certificate cannot be made");
    view = json_deep_copy(view);
    json_object_set_new(view, "x509", json_string(idt_cert_b64(p, cert)));
    json_object_set_new(view, "pem", json_string(cert->pem));
    json_object_set_new(view, "pkcs7", json_string(pkcs7));
    json_object_set_new(view, "sha256", json_string(cert->sha256_hex));
    json_object_set_new(view, "source", json_string(or_empty(val(r, row, col + 4))));
    *data = idt_json_own(
        p, json_pack("{s:o, s:{s:s, s:s, s:s, s:s}}", "Certificate", view, "CertificatePolicy",
                     "id", or_empty(val(r, row, col + 26)), "name",
                     or_empty(val(r, row, col + 27)), "objectId",
                     or_empty(val(r, row, col + 28)), "externalNotificationData",
                     or_empty(val(r, row, col + 29))));
    return *data ? NULL : idt_err(p, IDT_E_INTERNAL, "notification data cannot be made");
}

json_t *ci_view_system(const char *id, const char *name, const char *description,
                       const char *mapping_file, const char *api_location,
                       const char *token_endpoint, const char *client_id, const char *scopes)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "name", name,
                     "description", description, "mappingFile", mapping_file, "apiLocation",
                     api_location, "oauthTokenEndpoint", token_endpoint, "clientId", client_id,
                     "requestedScopes", scopes);
}

json_t *ci_view_fields(apr_pool_t *p)
{
    const char *v[CI_VIEW_NCOLS] = {NULL};
    json_t *view = view_of(v, ""), *f;

    json_object_set_new(view, "x509", json_string(""));
    json_object_set_new(view, "pem", json_string(""));
    json_object_set_new(view, "pkcs7", json_string(""));
    json_object_set_new(view, "sha256", json_string(""));
    json_object_set_new(view, "source", json_string(""));
    f = json_pack("{s:o, s:{s:s, s:s, s:s, s:s}, s:o}", "Certificate", view, "CertificatePolicy",
                  "id", "", "name", "", "objectId", "", "externalNotificationData", "",
                  "ExternalSystem", ci_view_system("", "", "", "", "", "", "", ""));
    return idt_json_own(p, f);
}
