#include "td_routes.h"

#include "td_documents.h"
#include "td_issuers.h"
#include "td_tokens.h"
#include "td_transfer.h"

/* The seed prints /idaas/webservice/... for most methods and /idaas/platform/... for
 * its GET examples: both serve every method. The {} of a path is the document name,
 * which scopes the read cache; documentName in a query string leaves a route
 * unscoped (its answers go stale on any change). */
#define ROUTES(P)                                                                   \
    {"POST", P "/trustdocument", td_document_create, 0, IDT_NO_SCOPE},              \
        {"GET", P "/trustdocument", td_document_get, 0, IDT_NO_SCOPE},              \
        {"DELETE", P "/trustdocument", td_document_delete, 0, IDT_NO_SCOPE},        \
        {"POST", P "/trustdocument/import", td_import, 1, IDT_NO_SCOPE},            \
        {"GET", P "/trustdocument/export", td_export, 0, IDT_NO_SCOPE},             \
        {"POST", P "/trust/issuers", td_issuers_add, 1, IDT_NO_SCOPE},              \
        {"GET", P "/trust/issuers", td_issuers_get, 0, IDT_NO_SCOPE},               \
        {"DELETE", P "/trust/issuers", td_issuers_delete, 0, IDT_NO_SCOPE},         \
        {"POST", P "/trust/issuers/{}", td_issuers_add, 1, 0},                      \
        {"GET", P "/trust/issuers/{}", td_issuers_get, 0, 0},                       \
        {"DELETE", P "/trust/issuers/{}", td_issuers_delete, 0, 0},                 \
        {"POST", P "/trust/token", td_tokens_add, 1, IDT_NO_SCOPE},                 \
        {"GET", P "/trust/token", td_tokens_get, 0, IDT_NO_SCOPE},                  \
        {"POST", P "/trust/token/{}", td_tokens_add, 1, 0},                         \
        {"GET", P "/trust/token/{}", td_tokens_get, 0, 0}

const idt_route td_routes[] = {ROUTES("/idaas/webservice/admin/v1"),
                               ROUTES("/idaas/platform/admin/v1"),
                               {NULL, NULL, NULL, 0, 0}};
