#include "ci_routes.h"

#include "ci_certificates.h"
#include "ci_notifications.h"
#include "ci_policies.h"
#include "ci_systems.h"

/* The seed prints /api/Certificates/... under the Core API's base URL, whose example is
 * https://external.example.com/rest.core: the paths are served as the seed spells them
 * (MyID's paths are case-insensitive; these are matched as written). */
const idt_route ci_core_routes[] = {
    {"POST", "/rest.core/api/Certificates/import", ci_certificate_import, 1, IDT_NO_SCOPE},
    {"GET", "/rest.core/api/Certificates", ci_certificate_list, 0, IDT_NO_SCOPE},
    {"GET", "/rest.core/api/Certificates/{}", ci_certificate_get, 0, IDT_NO_SCOPE},
    {NULL, NULL, NULL, 0, 0}};

#define SYS "/idtrust/v1/external-systems"
#define POL "/idtrust/v1/certificate-policies"
#define NOTE "/idtrust/v1/notifications"

const idt_route ci_admin_routes[] = {
    {"GET", SYS, ci_system_list, 0, IDT_NO_SCOPE},
    {"POST", SYS, ci_system_create, 1, IDT_NO_SCOPE},
    {"GET", SYS "/{}", ci_system_get, 0, IDT_NO_SCOPE},
    {"PUT", SYS "/{}", ci_system_update, 1, IDT_NO_SCOPE},
    {"DELETE", SYS "/{}", ci_system_delete, 0, IDT_NO_SCOPE},
    {"GET", POL, ci_policy_list, 0, IDT_NO_SCOPE},
    {"POST", POL, ci_policy_create, 1, IDT_NO_SCOPE},
    {"GET", POL "/{}", ci_policy_get, 0, IDT_NO_SCOPE},
    {"PUT", POL "/{}", ci_policy_update, 1, IDT_NO_SCOPE},
    {"DELETE", POL "/{}", ci_policy_delete, 0, IDT_NO_SCOPE},
    {"GET", NOTE, ci_notification_list, 0, IDT_NO_SCOPE},
    {"GET", NOTE "/{}", ci_notification_get, 0, IDT_NO_SCOPE},
    {"POST", NOTE "/{}/resend", ci_notification_resend, 0, IDT_NO_SCOPE},
    {"POST", NOTE "/{}/cancel", ci_notification_cancel, 0, IDT_NO_SCOPE},
    {NULL, NULL, NULL, 0, 0}};
