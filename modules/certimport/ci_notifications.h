/* /idtrust/v1/notifications: the outbox as MyID's Notifications Management shows it,
 * with resend and cancel. */
#ifndef CI_NOTIFICATIONS_H
#define CI_NOTIFICATIONS_H

#include "idt_httpd_runner.h"

idt_error *ci_notification_list(idt_req *q);
idt_error *ci_notification_get(idt_req *q);
idt_error *ci_notification_resend(idt_req *q);
idt_error *ci_notification_cancel(idt_req *q);

#endif
