#include "idt_http.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <curl/curl.h>

struct idt_http_client {
    CURLM *multi;
    int running; /* transfers on the multi handle */
};

static apr_status_t multi_cleanup(void *data)
{
    curl_multi_cleanup(data);
    return APR_SUCCESS;
}

idt_http_client *idt_http_client_create(apr_pool_t *p)
{
    idt_http_client *c;
    static int inited;

    /* not thread-safe before libcurl 7.84; the first caller is a child's start-up */
    if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
    inited = 1;
    c = apr_pcalloc(p, sizeof(*c));
    if (!(c->multi = curl_multi_init())) return NULL;
    apr_pool_cleanup_register(p, c->multi, multi_cleanup, apr_pool_cleanup_null);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 64L);
    return c;
}

/* One call on its way; it lives in the pool the call was started with. */
typedef struct transfer {
    idt_http_client *c;
    idt_http_call *call;
    idt_http_done_fn *done;
    void *baton;
    apr_pool_t *p;
    CURL *easy;
    struct curl_slist *headers;
    int attached; /* on the multi handle */
    char *buf;
    apr_size_t len, cap;
    char errbuf[CURL_ERROR_SIZE];
} transfer;

static void detach(transfer *t)
{
    if (!t->attached) return;
    curl_multi_remove_handle(t->c->multi, t->easy);
    t->attached = 0;
    t->c->running--;
}

/* The pool of a transfer goes: off the multi handle first (a call still running is
 * stopped), then the handle and its header list. */
static apr_status_t transfer_cleanup(void *data)
{
    transfer *t = data;
    if (t->easy) {
        detach(t);
        curl_easy_cleanup(t->easy);
    }
    if (t->headers) curl_slist_free_all(t->headers);
    return APR_SUCCESS;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb, room = IDT_HTTP_MAX_RESPONSE - t->len;
    if (n > room) n = room; /* the rest is read and dropped */
    if (n && t->len + n + 1 > t->cap) {
        apr_size_t cap = t->cap ? t->cap * 2 : 4096;
        char *nb;
        while (cap < t->len + n + 1)
            cap *= 2;
        nb = apr_palloc(t->p, cap);
        if (t->len) memcpy(nb, t->buf, t->len);
        t->buf = nb;
        t->cap = cap;
    }
    if (n) memcpy(t->buf + t->len, data, n);
    t->len += n;
    return size * nmemb;
}

static CURL *easy_for(transfer *t)
{
    idt_http_call *c = t->call;
    CURL *e = curl_easy_init();
    int i;

    if (!(t->easy = e)) return NULL;
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "idtrust");
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
    if (!strcmp(c->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body ? c->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(c->body ? c->body_len : 0));
    }
    if (c->userpwd) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERPWD, c->userpwd);
    }
    /* no "Expect: 100-continue" round trip on larger bodies */
    t->headers = curl_slist_append(NULL, "Expect:");
    for (i = 0; t->headers && c->headers && i < c->headers->nelts; i++) {
        struct curl_slist *h =
            curl_slist_append(t->headers, APR_ARRAY_IDX(c->headers, i, const char *));
        if (!h) return NULL; /* t->headers is still freed by the cleanup */
        t->headers = h;
    }
    if (!t->headers) return NULL;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    return e;
}

idt_error *idt_http_start(idt_http_client *c, apr_pool_t *p, idt_http_call *call,
                          idt_http_done_fn *done, void *baton)
{
    transfer *t = apr_pcalloc(p, sizeof(*t));

    call->status = 0;
    call->error = NULL;
    call->response = "";
    call->response_len = 0;
    t->c = c;
    t->call = call;
    t->done = done;
    t->baton = baton;
    t->p = p;
    apr_pool_cleanup_register(p, t, transfer_cleanup, apr_pool_cleanup_null);
    if (!c || !easy_for(t) || curl_multi_add_handle(c->multi, t->easy) != CURLM_OK) {
        call->error = "the HTTP client could not be set up";
        return idt_err(p, IDT_E_INTERNAL, "%s", call->error);
    }
    t->attached = 1;
    c->running++;
    return NULL;
}

/* Calls the done function of every transfer that ended. */
static void finish_ended(idt_http_client *c)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(c->multi, &left))) {
        transfer *t = NULL;
        CURLcode rc = msg->data.result;
        idt_http_call *call;
        if (msg->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (!t) continue;
        call = t->call;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &call->status);
        } else {
            call->error = apr_pstrdup(t->p, *t->errbuf ? t->errbuf : curl_easy_strerror(rc));
        }
        call->response = t->buf ? (t->buf[t->len] = '\0', t->buf) : "";
        call->response_len = t->len;
        /* off the multi handle before done runs: done may destroy the transfer's pool or
         * start other calls (msg is not read after this) */
        detach(t);
        if (t->done) t->done(call, t->baton);
    }
}

int idt_http_perform(idt_http_client *c, long wait_ms)
{
    int running = 0;

    if (!c) return 0;
    if (curl_multi_perform(c->multi, &running) == CURLM_OK) finish_ended(c);
    if (c->running && wait_ms > 0) {
        curl_multi_poll(c->multi, NULL, 0, (int)wait_ms, NULL);
        if (curl_multi_perform(c->multi, &running) == CURLM_OK) finish_ended(c);
    }
    return c->running;
}

static void count_down(idt_http_call *call, void *baton)
{
    (void)call;
    (*(int *)baton)--;
}

void idt_http_run(idt_http_client *c, apr_pool_t *p, idt_http_call **calls, int n)
{
    int *left = apr_pcalloc(p, sizeof(*left));
    int i;

    for (i = 0; i < n; i++)
        if (!idt_http_start(c, p, calls[i], count_down, left)) (*left)++;
    while (*left > 0)
        if (!idt_http_perform(c, 200)) break; /* nothing runs: none can end any more */
}

const char *idt_http_form_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = apr_palloc(p, strlen(s) * 3 + 1), *w = o;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (apr_isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '*') {
            *w++ = (char)ch;
        } else if (ch == ' ') {
            *w++ = '+';
        } else {
            *w++ = '%';
            *w++ = hex[ch >> 4];
            *w++ = hex[ch & 15];
        }
    }
    *w = '\0';
    return o;
}
