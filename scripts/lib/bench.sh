# Shared by scripts/bench/*: a throwaway PostgreSQL and httpd (the configuration
# scripts/run writes, LogLevel error) under a temporary directory, removed on exit.
# After idt_bench_start: $var, $base (http://127.0.0.1:port), $auth (admin:password),
# $header (its Authorization header), $conninfo; start_httpd and stop_httpd restart it.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

idt_bench_start() { # port
    local port=$1
    command -v wrk >/dev/null || { idt_is_root && apt-get install -y -qq wrk >/dev/null; }
    idt_packages
    idt_user
    idt_build
    var=$(mktemp -d /tmp/idtrust-bench.XXXXXX)
    idt_is_root && chown "$IDT_USER:" "$var"
    httpd_pid=
    trap idt_bench_cleanup EXIT
    idt_pg_start "$var"
    conninfo="host=$var/run dbname=idtrust user=$IDT_USER"
    idt_migrate "$conninfo"
    export IDTRUST_ADMIN_PASSWORD
    IDTRUST_ADMIN_PASSWORD=$(openssl rand -hex 12)
    idt_admin "$conninfo"
    idt_tls "$var"
    idt_secret "$var"
    IDTRUST_LOGLEVEL=error idt_httpd_conf "$var" "$port" "$((port + 1))" "$conninfo"
    base=http://127.0.0.1:$port
    auth="admin:$IDTRUST_ADMIN_PASSWORD"
    header="Authorization: Basic $(printf '%s' "$auth" | base64 -w0)"
    start_httpd
}

idt_bench_cleanup() {
    [ -n "$httpd_pid" ] && kill -TERM "$httpd_pid" 2>/dev/null && wait "$httpd_pid" 2>/dev/null || true
    idt_pg_stop "$var"
    rm -rf "$var"
}

start_httpd() {
    /usr/sbin/apache2 -f "$var/httpd.conf" -DFOREGROUND &
    httpd_pid=$!
    idt_wait_http "$base/idtrust/live" || idt_die "httpd did not start"
}

stop_httpd() {
    kill -TERM "$httpd_pid" 2>/dev/null || true
    wait "$httpd_pid" 2>/dev/null || true
    httpd_pid=
}

# wrk's figures from its output on stdin
rate() { awk '/^Requests\/sec:/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
