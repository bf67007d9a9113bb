/* The MyID certificate view (GET /rest.core/api/Certificates/{id}, the seed's field set)
 * and the data a mapping file's placeholders read, made from one SELECT list so that the
 * API and the notifications never disagree about a field. */
#ifndef CI_VIEW_H
#define CI_VIEW_H

#include <jansson.h>
#include <libpq-fe.h>

#include "idt_error.h"
#include "idt_x509.h"

/* The view's columns (CI_VIEW_NCOLS of them) and the joins they need; certificate c of
 * idtrust.certificate is the FROM table the query names itself. */
#define CI_VIEW_COLUMNS                                                                            \
    "c.id, c.der, c.subject, c.issuer, c.source, c.sha256, "                                       \
    "to_char(c.not_before AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "                          \
    "to_char(c.not_after AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "                           \
    "m.number, m.status, m.status_description, m.status_mapping, m.imported, m.collected, "        \
    "m.automatic_renewal, m.key_archived, m.ca_path, m.container_name, m.request_id, "             \
    "m.response, m.user_sid, to_char(m.renewal_date, 'YYYY-MM-DD'), "                              \
    "to_char(coalesce(m.issuance_start, c.created_at) AT TIME ZONE 'UTC', "                        \
    "'YYYY-MM-DD HH24:MI:SS'), "                                                                   \
    "to_char(coalesce(m.issuance_complete, c.created_at) AT TIME ZONE 'UTC', "                     \
    "'YYYY-MM-DD HH24:MI:SS'), "                                                                   \
    "per.id, per.name, pol.id, pol.name, pol.object_id, pol.external_notification_data, c.serial"
#define CI_VIEW_NCOLS 31
#define CI_VIEW_JOINS                                                                              \
    " LEFT JOIN idtrust.ci_certificate m ON m.certificate_id = c.id"                               \
    " LEFT JOIN idtrust.ci_policy pol ON pol.id = m.policy_id"                                     \
    " LEFT JOIN idtrust.ci_person per ON per.id = m.person_id"
/* index of m.number among CI_VIEW_COLUMNS (pages are keyed by it) */
#define CI_VIEW_NUMBER_COL 8

/* The view of the certificate at row of r, its columns starting at col, made from the
 * columns alone (the certificate is not parsed). The JSON is owned by p. */
idt_error *ci_view_row(apr_pool_t *p, const PGresult *r, int row, int col, json_t **view);

/* The data placeholders read: {"Certificate": view + x509, pem, pkcs7, sha256, source,
 * "CertificatePolicy": {id, name, objectId, externalNotificationData}} (the policy's
 * values empty for a certificate without one). Owned by p. */
idt_error *ci_view_data(apr_pool_t *p, const PGresult *r, int row, int col, json_t **data);

/* The sources and fields of ci_view_data and of the ExternalSystem source, as the
 * mapping-file parser checks placeholders against them. Owned by p. */
json_t *ci_view_fields(apr_pool_t *p);

/* The ExternalSystem data source: only what is not secret. */
json_t *ci_view_system(const char *id, const char *name, const char *description,
                       const char *mapping_file, const char *api_location,
                       const char *token_endpoint, const char *client_id, const char *scopes);

#endif
