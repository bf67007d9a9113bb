# Shared by scripts/run, scripts/test and scripts/bench/*: packages, build, a private
# PostgreSQL, migrations, the admin account and a self-contained httpd.conf.
# shellcheck shell=bash

IDT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IDT_USER=${IDT_USER:-idtrust}
IDT_PACKAGES="apache2 apache2-dev libaprutil1-dbd-pgsql libpq-dev postgresql postgresql-contrib
 libjansson-dev libxml2-dev libicu-dev libssl-dev libcurl4-openssl-dev libcjose-dev libapache2-mod-perl2
 libwww-perl libjson-perl autoconf automake libtool pkg-config make gcc openssl curl
 libxml2-utils opensaml-schemas xmltooling-schemas"

idt_say() { printf '%s\n' "$*" >&2; }
idt_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

idt_is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the unprivileged service user when we are root (initdb, postgres
# and Apache::Test refuse to run as root), else as ourselves. From /, when the service
# user may not enter the working directory (e.g. /root): psql, pg_ctl and make would each
# warn that they cannot change into it. Give such commands absolute paths.
idt_as_user() {
    if ! idt_is_root; then "$@"; return; fi
    if runuser -u "$IDT_USER" -- test -x . 2>/dev/null; then
        runuser -u "$IDT_USER" -- "$@"
    else
        (cd / && runuser -u "$IDT_USER" -- "$@")
    fi
}

idt_packages() {
    local missing=() p
    for p in $IDT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    idt_is_root || idt_die "missing packages (run as root to install): ${missing[*]}"
    idt_say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

idt_user() {
    idt_is_root || { IDT_USER=$(id -un); return 0; }
    id "$IDT_USER" >/dev/null 2>&1 || useradd --system --user-group --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$IDT_USER"
}

# Builds the tree at $1 (default: the repository) with autotools.
idt_build() {
    local dir=${1:-$IDT_ROOT}
    (
        cd "$dir" || exit 1
        [ -x configure ] || ./autogen.sh >/dev/null 2>&1 || idt_die "autogen failed"
        [ -f Makefile ] || ./configure --enable-werror --with-apxs=/usr/bin/apxs >/dev/null ||
            idt_die "configure failed (see $dir/config.log)"
        make -s -j"$(nproc)" >/dev/null || { make 2>&1 | tail -30; idt_die "build failed"; }
    )
}

# Copies the tree at $1 as it is now, committed or not, minus var/ and build products,
# into the directory $2.
idt_copy_tree() {
    (cd "$1" && { git ls-files -co --exclude-standard 2>/dev/null || find . -type f -not -path './var/*'; } |
        grep -v '^var/' | tar -cf - -T -) | tar -xf - -C "$2"
}

idt_pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

# Starts (creating on first use) a private cluster under $1 on a Unix socket in $1/run.
# $2: fsync on or off (default off: a throwaway cluster, as for tests and benchmarks;
# scripts/run keeps its data and passes on).
idt_pg_start() {
    local var=$1 fsync=${2:-off} bin
    case $fsync in on|off) ;; *) idt_die "idt_pg_start: fsync is on or off, not $fsync" ;; esac
    bin=$(idt_pg_bin)
    mkdir -p "$var/run" "$var/log"
    idt_is_root && chown "$IDT_USER:" "$var" "$var/run" "$var/log"
    if [ ! -f "$var/pg/PG_VERSION" ]; then
        idt_as_user "$bin/initdb" -D "$var/pg" -U "$IDT_USER" -A peer -E UTF8 --no-locale >/dev/null ||
            idt_die "initdb failed"
    fi
    idt_as_user "$bin/pg_ctl" -D "$var/pg" -l "$var/log/postgresql.log" -w -t 30 \
        -o "-c listen_addresses='' -k $var/run -c fsync=$fsync" start >/dev/null ||
        idt_die "PostgreSQL did not start (see $var/log/postgresql.log)"
    idt_as_user "$bin/psql" -h "$var/run" -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'idtrust'" | grep -q 1 ||
        idt_as_user "$bin/createdb" -h "$var/run" idtrust
}

idt_pg_stop() {
    local var=$1
    [ -f "$var/pg/postmaster.pid" ] || return 0
    idt_as_user "$(idt_pg_bin)/pg_ctl" -D "$var/pg" -m fast -w stop >/dev/null 2>&1 || true
}

# Applies pending migrations to conninfo $1.
idt_migrate() { idt_as_user "$IDT_ROOT/scripts/migrate" "$1"; }

# Creates or updates account admin with the password in $IDTRUST_ADMIN_PASSWORD.
# The password reaches psql through its environment, never its command line.
idt_admin() {
    local conninfo=$1
    export IDTRUST_ADMIN_PASSWORD
    idt_as_user psql "$conninfo" -v ON_ERROR_STOP=1 -q >/dev/null <<'SQL' || idt_die "could not set the admin account"
\getenv pw IDTRUST_ADMIN_PASSWORD
INSERT INTO idtrust.admin_account (name, password_hash, role)
VALUES ('admin', crypt(:'pw', gen_salt('bf', 10)), 'admin')
ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, enabled = true, role = 'admin'
WHERE idtrust.admin_account.password_hash <> crypt(:'pw', idtrust.admin_account.password_hash)
   OR NOT idtrust.admin_account.enabled OR idtrust.admin_account.role <> 'admin';
SQL
}

# Makes or updates the OAuth2 client $2 (scopes $3) of the SSO server with the secret in
# $IDTRUST_CLIENT_SECRET (scripts/lib/sso-client.sql; the secret reaches psql through its
# environment, never its command line).
idt_client() {
    local conninfo=$1 client=$2 scopes=$3
    export IDTRUST_CLIENT_SECRET
    idt_as_user psql "$conninfo" -q -v client="$client" -v scopes="$scopes" \
        -f "$IDT_ROOT/scripts/lib/sso-client.sql" >/dev/null || idt_die "could not set the OAuth2 client $client"
}

# A self-signed TLS certificate for 127.0.0.1, made once under $1/tls.
idt_tls() {
    local dir=$1/tls
    [ -f "$dir/server.crt" ] && return 0
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "basicConstraints=critical,CA:FALSE" \
        -keyout "$dir/server.key" -out "$dir/server.crt" >/dev/null 2>&1 || idt_die "openssl failed"
    chmod 600 "$dir/server.key"
}

# The passphrase for private keys at rest, made once under $1.
idt_secret() {
    local f=$1/secret.key
    [ -s "$f" ] || { (umask 077; openssl rand -base64 48 > "$f"); }
    chmod 600 "$f"
}

# A value of the event MPM section of conf/idtrust-hardening.conf, e.g. ServerLimit: the
# database pool is computed from the same numbers httpd runs with.
idt_mpm_value() {
    awk -v d="$1" '/<IfModule mpm_event_module>/ { in_mpm = 1 } /<\/IfModule>/ { in_mpm = 0 }
        in_mpm && $1 == d { print $2; exit }' "$IDT_ROOT/conf/idtrust-hardening.conf"
}

# The connection budget: sets IDTRUST_DBD_MAX and IDTRUST_DBD_KEEP for the database at
# conninfo $1 so that every process httpd can have at once (ServerLimit) holding its whole
# pool (DBDMax, the change listeners' connections included) stays below what PostgreSQL
# accepts from ordinary roles, minus IDTRUST_DBA_RESERVE (default 10) kept free for psql,
# backups and other clients:
#   DBDMax = (max_connections - superuser_reserved_connections [- reserved_connections]
#             - reserve) / ServerLimit, at most ThreadsPerChild + listeners
# Already set IDTRUST_DBD_MAX / IDTRUST_DBD_KEEP are kept (an operator's choice).
idt_db_budget() {
    local conninfo=$1 reserve=${IDTRUST_DBA_RESERVE:-10} listeners=1 row max reserved
    local children threads budget per_child
    children=$(idt_mpm_value ServerLimit)
    threads=$(idt_mpm_value ThreadsPerChild)
    { [ -n "$children" ] && [ -n "$threads" ]; } || idt_die "no ServerLimit/ThreadsPerChild in conf/idtrust-hardening.conf"
    row=$(idt_as_user psql "$conninfo" -Atqc "SELECT current_setting('max_connections') || ' ' ||
        (SELECT coalesce(sum(setting::int), 0) FROM pg_settings
          WHERE name IN ('superuser_reserved_connections', 'reserved_connections'))" 2>/dev/null) ||
        row=
    if [ -z "$row" ]; then
        idt_say "warning: could not read max_connections; assuming PostgreSQL's defaults (100, 3 reserved)"
        row="100 3"
    fi
    read -r max reserved <<<"$row"
    budget=$((max - reserved - reserve))
    per_child=$((budget / children))
    [ $per_child -gt $((threads + listeners)) ] && per_child=$((threads + listeners))
    [ $per_child -gt $listeners ] ||
        idt_die "max_connections $max leaves $budget connections for $children httpd processes: raise max_connections to at least $(((listeners + 1) * children + reserved + reserve)) or lower IDTRUST_DBA_RESERVE"
    : "${IDTRUST_DBD_MAX:=$per_child}"
    : "${IDTRUST_DBD_KEEP:=$((IDTRUST_DBD_MAX < 2 ? IDTRUST_DBD_MAX : 2))}"
    export IDTRUST_DBD_MAX IDTRUST_DBD_KEEP
    idt_say "connection budget: max_connections $max - $reserved reserved - $reserve for DBAs = $budget;" \
        "$children processes x DBDMax $IDTRUST_DBD_MAX = $((children * IDTRUST_DBD_MAX)) (DBDKeep $IDTRUST_DBD_KEEP)"
}

# Writes $var/httpd.conf: every built module, the API locations, HTTP and HTTPS, and the
# pool of idt_db_budget (computed here unless IDTRUST_DBD_MAX is set).
idt_httpd_conf() {
    local var=$1 port=$2 tls_port=$3 conninfo=$4 mods=/usr/lib/apache2/modules m
    [ -n "${IDTRUST_DBD_MAX:-}" ] || idt_db_budget "$conninfo"
    mkdir -p "$var/log" "$var/run"
    {
        echo "# generated by scripts/run: edit scripts/lib/common.sh instead"
        echo "ServerRoot \"$IDT_ROOT\""
        echo "ServerName 127.0.0.1"
        echo "PidFile \"$var/run/httpd.pid\""
        echo "DefaultRuntimeDir \"$var/run\""
        echo "Mutex file:$var/run default"
        echo "ErrorLog \"$var/log/error_log\""
        echo "LogLevel ${IDTRUST_LOGLEVEL:-warn}"
        echo "ErrorLogFormat \"[%{u}t] [%-m:%l] [pid %P:tid %T] [rid %-L] %M\""
        for m in mpm_event authn_core authz_core auth_basic authz_user dbd unique_id \
                 socache_shmcb ssl mime alias reqtimeout headers; do
            echo "LoadModule ${m}_module $mods/mod_$m.so"
        done
        echo "LoadModule idtrust_module \"$IDT_ROOT/modules/idtrust/.libs/mod_idtrust.so\""
        echo "LoadModule idstore_module \"$IDT_ROOT/modules/idstore/.libs/mod_idstore.so\""
        echo "LoadModule trustdoc_module \"$IDT_ROOT/modules/trustdoc/.libs/mod_trustdoc.so\""
        echo "LoadModule certimport_module \"$IDT_ROOT/modules/certimport/.libs/mod_certimport.so\""
        echo "LoadModule ssoadmin_module \"$IDT_ROOT/modules/ssoadmin/.libs/mod_ssoadmin.so\""
        echo "Listen 127.0.0.1:$port"
        echo "Listen 127.0.0.1:$tls_port https"
        idt_is_root && { echo "User $IDT_USER"; echo "Group $IDT_USER"; }
        echo "TypesConfig /etc/mime.types"
        echo "DocumentRoot \"$var/htdocs\""
        echo "<Directory />"
        echo "    AllowOverride None"
        echo "    Require all denied"
        echo "</Directory>"
        echo "<Directory \"$var/htdocs\">"
        echo "    Require all granted"
        echo "</Directory>"
        echo "CustomLog \"$var/log/access_log\" \"%h %u %t \\\"%r\\\" %>s %b %{UNIQUE_ID}e %D\""
        echo "Include \"$IDT_ROOT/conf/idtrust-hardening.conf\""
        echo "DBDriver pgsql"
        echo "DBDParams \"$conninfo application_name=idtrust-httpd\""
        echo "# DBDMax = connection budget / ServerLimit (idt_db_budget, docs/operations.md)"
        echo "DBDMin 0"
        echo "DBDKeep $IDTRUST_DBD_KEEP"
        echo "DBDMax $IDTRUST_DBD_MAX"
        echo "DBDExptime 30"
        echo "KeepAliveTimeout 15"
        echo "MaxKeepAliveRequests 0"
        echo "IdtrustSecretKeyFile \"$var/secret.key\""
        sed '/IdtrustSecretKeyFile/d' "$IDT_ROOT/conf/mods-available/idtrust.conf"
        cat "$IDT_ROOT/conf/mods-available/idstore.conf"
        cat "$IDT_ROOT/conf/mods-available/trustdoc.conf"
        sed '/CertimportMappingDir/d' "$IDT_ROOT/conf/mods-available/certimport.conf"
        echo "CertimportMappingDir \"$IDT_ROOT/conf/mappings\""
        cat "$IDT_ROOT/conf/mods-available/ssoadmin.conf"
        echo "SSLSessionCache shmcb:$var/run/ssl_scache(512000)"
        echo "<VirtualHost 127.0.0.1:$tls_port>"
        echo "    SSLEngine on"
        echo "    SSLCertificateFile \"$var/tls/server.crt\""
        echo "    SSLCertificateKeyFile \"$var/tls/server.key\""
        echo "</VirtualHost>"
        echo "# the operator's own settings, last so that they override the ones above"
        echo "IncludeOptional \"$var/conf.d/*.conf\""
    } > "$var/httpd.conf"
    mkdir -p "$var/htdocs" "$var/conf.d"
}

# Waits until $1 answers (any HTTP status), up to 30 s.
idt_wait_http() {
    local url=$1 i
    for i in $(seq 300); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    return 1
}

# ---- the sanitizer run: scripts/test with IDTRUST_SANITIZE=1 (docs/fuzzing.md) ----
# The build's flags: AddressSanitizer and UndefinedBehaviorSanitizer, a UB report fatal
# (-fno-sanitize-recover) so that it cannot scroll by in a log while the test passes.
IDT_SAN_CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
IDT_SAN_LDFLAGS="-fsanitize=address,undefined"

# The runtimes' options, every report a file $1/asan.PID (idt_san_reports counts them).
# gcc's two runtimes are separate libraries that share one report path (libubsan's
# start-up sets libasan's): both get the same log_path. libubsan writes its own message
# to stderr whatever log_path says, so UBSan aborts (abort_on_error) and ASan reports
# the abort (handle_abort), with the stack, in the file; libubsan's own handlers of fatal
# signals stay off so that ASan's, which write the file, are the ones installed.
# detect_leaks is $2: 1 for the programs run directly (make check's unit tests and fuzz
# replays: a test frees what it made); httpd's is explained in idt_san_httpd.
idt_san_options() {
    local dir=$1 leaks=$2
    printf 'ASAN_OPTIONS=%s\nUBSAN_OPTIONS=%s\n' \
        "detect_leaks=$leaks:halt_on_error=1:handle_abort=1:allow_user_segv_handler=0:disable_coredump=1:log_path=$dir/asan" \
        "print_stacktrace=1:halt_on_error=1:abort_on_error=1:handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:log_path=$dir/asan"
}

# Writes $1/httpd, the httpd every test server of a sanitizer run starts (Apache::Test's
# -httpd, IDTRUST_HTTPD for the servers the tests start themselves, APACHE_HTTPD for the
# install test's apache2ctl): the distribution's apache2 with gcc's ASan runtime
# preloaded, since that runtime must come first in a process that dlopen()s instrumented
# modules. Beyond idt_san_options, and why:
# - detect_leaks=0: httpd leaves its pools to exit() and the libraries it loads keep
#   their own globals: LeakSanitizer would report those at every exit;
# - allow_user_segv_handler=0: each child of the MPM installs its own SIGSEGV handler,
#   which would turn a wild pointer into a bare "exit signal" line without a stack;
# - MaxMemFree 1: APR's allocators then give every freed pool block back instead of
#   keeping it for the next pool, so a use of memory of a pool already cleared or
#   destroyed (a request's, a subpool's) is reported instead of reading a recycled block.
idt_san_httpd() {
    local dir=$1 asan
    asan=$(readlink -f "$(gcc -print-file-name=libasan.so)")
    [ -f "$asan" ] || idt_die "gcc's AddressSanitizer runtime (libasan.so) is not installed"
    mkdir -p "$dir"
    # httpd's children run as another user (the install test's as www-data): all write here
    chmod 1777 "$dir"
    {
        echo '#!/bin/sh'
        echo '# generated by scripts/lib/common.sh idt_san_httpd: httpd under ASan and UBSan'
        echo "LD_PRELOAD=\"$asan\${LD_PRELOAD:+:\$LD_PRELOAD}\""
        idt_san_options "$dir" 0 | sed 's/=\(.*\)$/="\1"/'
        echo 'export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS'
        echo 'exec /usr/sbin/apache2 -c "MaxMemFree 1" "$@"'
    } > "$dir/httpd"
    chmod 755 "$dir/httpd"
}

# Prints the number of sanitizer reports: the files in $1 (one per process that stopped
# on one) and the reports in the logs named after it that did not reach a file (a runtime
# that cannot open its file writes to stderr, httpd's error log) or crashes no runtime
# caught ("exit signal"). On stderr, the start of each, and UBSan's own lines.
idt_san_reports() {
    local dir=$1 n=0 k f
    shift
    for f in "$dir"/asan.*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        { echo "--- $f"; head -60 "$f"; } >&2
    done
    for f in "$@"; do
        [ -f "$f" ] || continue
        grep -nE -A12 'runtime error:' "$f" | head -60 | sed "s|^|$f: |" >&2 || true
        k=$(grep -cE 'ERROR: (Address|Leak)Sanitizer|exit signal ' "$f" || true)
        [ "$k" -gt 0 ] || continue
        n=$((n + k))
        { echo "--- $f"; grep -nE -A30 'ERROR: (Address|Leak)Sanitizer|exit signal ' "$f" | head -80; } >&2
    done
    echo "$n"
}
