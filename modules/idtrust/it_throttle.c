#include "it_throttle.h"

#include <http_log.h>

#include "idt_httpd_error.h"

APLOG_USE_MODULE(idtrust);

typedef struct record {
    apr_time_t window_start; /* first failure of the current run; 0: none */
    apr_time_t locked_until; /* 0: never locked out */
    apr_uint32_t failures;   /* in the current run */
    apr_uint32_t lockouts;   /* so far, for the doubling */
} record;

static int max_failures = 10;
static apr_interval_time_t window = apr_time_from_sec(60);
static apr_interval_time_t first_lockout = apr_time_from_sec(60);
static apr_interval_time_t max_lockout = apr_time_from_sec(900);

void it_throttle_set(int failures, int window_s, int lockout_s, int max_lockout_s)
{
    max_failures = failures;
    window = apr_time_from_sec(window_s);
    first_lockout = apr_time_from_sec(lockout_s);
    max_lockout = apr_time_from_sec(max_lockout_s);
}

int it_throttle_on(void)
{
    return max_failures > 0;
}

int it_throttle_key(request_rec *r, const char *user, it_store_key *k)
{
    const char *parts[2] = {r->useragent_ip ? r->useragent_ip : "", user};
    return it_store_digest(k, "throttle", 2, parts);
}

static int seconds_left(apr_time_t until, apr_time_t now)
{
    apr_interval_time_t left = until - now;
    /* rounded up: a client that waits this long finds the lockout over */
    return left > 0 ? (int)((left + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC) : 0;
}

static int get(request_rec *r, const it_store_key *k, record *rec)
{
    if (it_store_get(r->server, r->pool, k, rec, sizeof(*rec)) == sizeof(*rec)) return 1;
    memset(rec, 0, sizeof(*rec));
    return 0;
}

int it_throttle_check_held(request_rec *r, const it_store_key *k, int *on_record)
{
    record rec;

    *on_record = get(r, k, &rec);
    return *on_record ? seconds_left(rec.locked_until, apr_time_now()) : 0;
}

/* How long the pair's next lockout lasts: doubled for each earlier one. */
static apr_interval_time_t lockout_after(apr_uint32_t lockouts)
{
    apr_interval_time_t t = first_lockout;
    while (lockouts-- > 0 && t < max_lockout)
        t *= 2;
    return t < max_lockout ? t : max_lockout;
}

void it_throttle_failed(request_rec *r, const it_store_key *k, const char *user)
{
    apr_time_t now = apr_time_now(), keep;
    apr_interval_time_t locked = 0;
    apr_uint32_t failures = 0;
    record rec;

    if (!it_throttle_on() || it_store_lock(r->server)) return;
    get(r, k, &rec);
    /* a failure that was in flight when another locked the pair out adds nothing */
    if (rec.locked_until <= now) {
        if (!rec.window_start || rec.window_start + window <= now) {
            rec.window_start = now;
            rec.failures = 0;
        }
        if (++rec.failures >= (apr_uint32_t)max_failures) {
            locked = lockout_after(rec.lockouts);
            failures = rec.failures;
            rec.locked_until = now + locked;
            rec.lockouts++;
            rec.window_start = 0;
            rec.failures = 0;
        }
        keep = rec.window_start ? rec.window_start + window : now;
        /* a repeat offender is remembered for max_lockout after its lockout ends */
        if (rec.lockouts && rec.locked_until + max_lockout > keep)
            keep = rec.locked_until + max_lockout;
        it_store_put(r->server, r->pool, k, keep, &rec, sizeof(rec));
    }
    it_store_unlock();
    it_store_changed(); /* after the put: a child that sees the new count checks again */
    if (locked)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "IT00071: request %s: logins for user \"%s\" from %s locked out for %d s "
                      "after %u failed attempts (lockout %u)",
                      idt_httpd_request_id(r), ap_escape_logitem(r->pool, user),
                      r->useragent_ip ? r->useragent_ip : "-", seconds_left(now + locked, now),
                      failures, rec.lockouts);
}

void it_throttle_forget(request_rec *r, const it_store_key *k)
{
    if (it_store_lock(r->server)) return;
    it_store_remove(r->server, r->pool, k);
    it_store_unlock();
}
