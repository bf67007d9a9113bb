#include "it_budget.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <ap_mpm.h>
#include <http_config.h>
#include <http_log.h>

#include "idt_httpd_db.h"

APLOG_USE_MODULE(idtrust);

/* What a DBA keeps free besides the reserved slots; only for the advice in IT00040
 * (scripts/lib/common.sh idt_db_budget uses the same). */
#define IT_BUDGET_DBA_RESERVE 10

/* mod_dbd.h publishes dbd_cfg_t but not the server config that points to it. This is
 * httpd 2.4's (modules/database/mod_dbd.c); check_cfg verifies it before use. */
typedef struct it_dbd_svr_cfg {
    dbd_cfg_t *cfg;
    void *group; /* the pool: one per distinct setting, shared by the vhosts that have it */
} it_dbd_svr_cfg;

/* mod_dbd's name for a DBDriver not set (its create_dbd_config). */
#define IT_DBD_UNSET "[DBDriver unset]"

/* Modules whose read cache keeps a LISTEN connection from each process's pool. */
static const char *const listening_modules[] = {"mod_idstore.c", "mod_trustdoc.c",
                                                    "mod_ssoadmin.c", NULL};

/* The generation (+1) whose budget has been checked, in one word of anonymous shared
 * memory. It is mapped when httpd loads this module, in the parent before it forks, so
 * every child of a generation sees the same word; httpd reloads modules on restart, and
 * the generation in the word covers a build where it does not. NULL (no mapping): every
 * child checks. */
static apr_uint32_t *checked;

__attribute__((constructor)) static void map_checked(void)
{
    void *m =
        mmap(NULL, sizeof(*checked), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    checked = m == MAP_FAILED ? NULL : m;
}

__attribute__((destructor)) static void unmap_checked(void)
{
    if (checked) munmap(checked, sizeof(*checked));
    checked = NULL;
}

/* 1 when this child is the one to check generation mark; *prev: the word before, to
 * hand the check back when it cannot be made. */
static int claim(apr_uint32_t mark, apr_uint32_t *prev)
{
    apr_uint32_t old;

    if (!checked) return 1;
    old = apr_atomic_read32(checked);
    if (old == mark || apr_atomic_cas32(checked, mark, old) != old) return 0;
    *prev = old;
    return 1;
}

static int mpm(int query)
{
    int v = 0;
    return ap_mpm_query(query, &v) == APR_SUCCESS ? v : 0;
}

static int listeners(void)
{
    int n = 0;
    for (const char *const *m = listening_modules; *m; m++)
        if (ap_find_linked_module(*m)) n++;
    return n;
}

/* cfg->server is the server the settings were made for: the virtual host, or the main
 * server when the virtual host inherits them. */
static const dbd_cfg_t *check_cfg(const it_dbd_svr_cfg *svr, server_rec *vs, server_rec *main)
{
    if (!svr || !svr->cfg || (svr->cfg->server != vs && svr->cfg->server != main) ||
        svr->cfg->nmax < 0)
        return NULL;
    return svr->cfg;
}

/* The most connections one process can hold over all its mod_dbd pools, or -1 when
 * mod_dbd's configuration does not look like httpd 2.4's. *nmax: the smallest DBDMax;
 * *pools: how many pools (virtual hosts with settings of their own have their own). */
static int per_process(apr_pool_t *p, server_rec *s, module *dbd, int threads, int listen,
                       int *nmax, int *pools)
{
    apr_hash_t *seen = apr_hash_make(p);
    int total = 0;

    *nmax = -1;
    *pools = 0;
    for (server_rec *vs = s; vs; vs = vs->next) {
        const it_dbd_svr_cfg *svr = ap_get_module_config(vs->module_config, dbd);
        const dbd_cfg_t *cfg = check_cfg(svr, vs, s);
        int n;

        if (!cfg) return -1;
        if (!svr->group) {
            /* DBDPersist Off: a connection per use, as many as there are threads */
            if (!cfg->persist && cfg->name && strcmp(cfg->name, IT_DBD_UNSET)) {
                total += threads + listen;
                ++*pools;
            }
            continue;
        }
        if (apr_hash_get(seen, &svr->group, sizeof(svr->group))) continue;
        apr_hash_set(seen, &svr->group, sizeof(svr->group), svr);
        ++*pools;
        n = cfg->nmax < threads + listen ? cfg->nmax : threads + listen;
        total += n;
        if (*nmax < 0 || cfg->nmax < *nmax) *nmax = cfg->nmax;
    }
    return total;
}

int it_budget_dbd_settings(server_rec *vs, server_rec *main, const char **driver,
                           const char **params)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    const dbd_cfg_t *cfg =
        dbd ? check_cfg(ap_get_module_config(vs->module_config, dbd), vs, main) : NULL;

    if (!cfg) return 0;
    *driver = cfg->name && *cfg->name && strcmp(cfg->name, IT_DBD_UNSET) ? cfg->name : NULL;
    *params = cfg->params && *cfg->params ? cfg->params : NULL;
    return 1;
}

/* max_connections and the slots ordinary roles may not use; 0 when unreachable. */
static int server_limits(apr_pool_t *p, server_rec *s, int *max, int *reserved)
{
    ap_dbd_t *dbd = idt_httpd_db_open(s, p);
    PGconn *conn = dbd ? idt_httpd_db_native(dbd) : NULL;
    PGresult *res = NULL;
    idt_error *e = NULL;

    if (conn)
        e = idt_db_exec(idt_db_wrap(p, conn), &res,
                        "SELECT current_setting('max_connections'), "
                        "(SELECT coalesce(sum(setting::int), 0) FROM pg_settings WHERE name IN "
                        "('superuser_reserved_connections', 'reserved_connections'))",
                        0, NULL);
    if (conn && !e && PQntuples(res) == 1) {
        *max = atoi(idt_db_value(res, 0, 0));
        *reserved = atoi(idt_db_value(res, 0, 1));
    }
    idt_httpd_db_close(s, dbd);
    return conn && !e && *max > 0;
}

void it_budget_child_init(apr_pool_t *pchild, server_rec *s)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    apr_uint32_t mark = (apr_uint32_t)mpm(AP_MPMQ_GENERATION) + 1, prev = 0;
    int children = mpm(AP_MPMQ_HARD_LIMIT_DAEMONS), threads = mpm(AP_MPMQ_MAX_THREADS);
    int listen = listeners(), nmax, npools, each, total, max = 0, reserved = 0, usable;
    const char *sizes;
    apr_pool_t *p;

    if (!dbd || children <= 0 || !claim(mark, &prev)) return;
    if (threads <= 0) threads = 1;
    apr_pool_create(&p, pchild);
    each = per_process(p, s, dbd, threads, listen, &nmax, &npools);
    if (each < 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "IT00043: mod_dbd's configuration is not laid out as in httpd 2.4; the "
                     "connection budget is not checked");
        apr_pool_destroy(p);
        return;
    }
    if (!server_limits(p, s, &max, &reserved)) {
        /* unreachable now: the next child to start tries again */
        if (checked) apr_atomic_cas32(checked, prev, mark);
        apr_pool_destroy(p);
        return;
    }
    total = children * each;
    usable = max - reserved;
    sizes = npools == 1 ? apr_psprintf(p, "DBDMax %d", nmax) : apr_psprintf(p, "%d pools", npools);
    if (total > usable) {
        int advice = (usable - IT_BUDGET_DBA_RESERVE) / children;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "IT00040: the database connection pools can grow to %d connections "
                     "(ServerLimit %d processes x %d: %s, ThreadsPerChild %d), but "
                     "PostgreSQL's max_connections is %d (%d of them reserved for superusers): "
                     "under load it refuses connections, requests answer 503 and other clients "
                     "are locked out; lower DBDMax to %d or less, or ServerLimit "
                     "(docs/operations.md, the connection budget)",
                     total, children, each, sizes, threads, max, reserved, advice > 0 ? advice : 1);
    } else {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "IT00042: the database connection pools hold at most %d connections "
                     "(ServerLimit %d processes x %d: %s, ThreadsPerChild %d) of "
                     "PostgreSQL's max_connections %d (%d reserved for superusers)",
                     total, children, each, sizes, threads, max, reserved);
    }
    if (nmax >= 0 && nmax <= listen)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "IT00041: DBDMax %d leaves no connection for requests once the change "
                     "listeners hold theirs (%d per process): requests that need the database "
                     "wait forever; set DBDMax to at least %d",
                     nmax, listen, listen + 1);
    apr_pool_destroy(p);
}
