#include "idt_http.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <curl/curl.h>

struct idt_http_client {
    CURLM *multi;
};

static apr_status_t multi_cleanup(void *data)
{
    curl_multi_cleanup(data);
    return APR_SUCCESS;
}

static apr_status_t easy_cleanup(void *data)
{
    curl_easy_cleanup(data);
    return APR_SUCCESS;
}

static apr_status_t slist_cleanup(void *data)
{
    curl_slist_free_all(data);
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

typedef struct {
    idt_http_call *call;
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
    char errbuf[CURL_ERROR_SIZE];
} transfer;

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

static CURL *easy_for(apr_pool_t *p, transfer *t)
{
    idt_http_call *c = t->call;
    struct curl_slist *h = NULL;
    CURL *e = curl_easy_init();
    int i;

    if (!e) return NULL;
    apr_pool_cleanup_register(p, e, easy_cleanup, apr_pool_cleanup_null);
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
    h = curl_slist_append(h, "Expect:");
    for (i = 0; c->headers && i < c->headers->nelts; i++)
        h = curl_slist_append(h, APR_ARRAY_IDX(c->headers, i, const char *));
    if (h) {
        apr_pool_cleanup_register(p, h, slist_cleanup, apr_pool_cleanup_null);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    return e;
}

void idt_http_run(idt_http_client *c, apr_pool_t *p, idt_http_call **calls, int n)
{
    CURL **easy = apr_pcalloc(p, sizeof(CURL *) * (n ? n : 1));
    int i, running = 0, left;
    CURLMsg *msg;

    for (i = 0; i < n; i++) {
        transfer *t = apr_pcalloc(p, sizeof(*t));
        t->call = calls[i];
        t->p = p;
        calls[i]->status = 0;
        calls[i]->error = NULL;
        calls[i]->response = "";
        calls[i]->response_len = 0;
        if (!c || !(easy[i] = easy_for(p, t)) || curl_multi_add_handle(c->multi, easy[i])) {
            calls[i]->error = "the HTTP client could not be set up";
            easy[i] = NULL;
        }
    }
    if (!c) return;
    do {
        if (curl_multi_perform(c->multi, &running) != CURLM_OK) break;
        while ((msg = curl_multi_info_read(c->multi, &left))) {
            transfer *t = NULL;
            if (msg->msg != CURLMSG_DONE) continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            if (!t) continue;
            if (msg->data.result == CURLE_OK) {
                curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &t->call->status);
            } else {
                t->call->error = apr_pstrdup(
                    p, *t->errbuf ? t->errbuf : curl_easy_strerror(msg->data.result));
            }
            t->call->response = t->buf ? (t->buf[t->len] = '\0', t->buf) : "";
            t->call->response_len = t->len;
        }
        if (running) curl_multi_poll(c->multi, NULL, 0, 200, NULL);
    } while (running);
    for (i = 0; i < n; i++)
        if (easy[i]) curl_multi_remove_handle(c->multi, easy[i]);
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
