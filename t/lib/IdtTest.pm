package IdtTest;
# Helpers for the idtrust Apache::Test suite: credentials, JSON requests, fixtures.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use Apache::TestRequest ();
use HTTP::Request ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use File::Temp ();

our @EXPORT = qw(api json_of admin_auth new_store psql openssl_cert);

my $JSON = JSON::PP->new->canonical;

sub admin_auth { ('admin', $ENV{IDTRUST_ADMIN_PASSWORD} // die "IDTRUST_ADMIN_PASSWORD not set\n") }

# api(METHOD, PATH, body => $perl_or_string, auth => [u, p] | undef, type => ct, headers => {...})
sub api {
    my ($method, $path, %o) = @_;
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 0);
    my $url = Apache::TestRequest::resolve_url($path);
    my $req = HTTP::Request->new($method => $url);
    my @auth = exists $o{auth} ? (defined $o{auth} ? @{ $o{auth} } : ()) : admin_auth();
    if (@auth) {
        $req->header(Authorization => 'Basic ' . encode_base64(join(':', @auth), ''));
    }
    if (exists $o{body}) {
        my $b = ref $o{body} ? $JSON->encode($o{body}) : $o{body};
        $req->content($b);
        $req->header('Content-Type' => $o{type} // 'application/json');
        $req->header('Content-Length' => length $b);
    }
    while (my ($k, $v) = each %{ $o{headers} // {} }) { $req->header($k => $v) }
    return $ua->request($req);
}

# The decoded JSON body of a response (undef when it is not JSON).
sub json_of {
    my $res = shift;
    my $v = eval { JSON::PP->new->utf8->decode($res->content // '') };
    return $v;
}

# A fresh identity store; returns its id.
sub new_store {
    my $name = shift // ('store-' . $$ . '-' . int(rand(1e9)));
    my $res = api(POST => '/idtrust/v1/identity-stores', body => { name => $name });
    die "store create failed: " . $res->status_line . ' ' . $res->decoded_content . "\n"
        unless $res->code == 201;
    return json_of($res)->{identity_store_id};
}

# Runs SQL against the test database; returns trimmed output.
sub psql {
    my $sql = shift;
    open(my $fh, '-|', 'psql', $ENV{IDTRUST_DB}, '-Atq', '-c', $sql) or die "psql: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    $out //= '';
    $out =~ s/\s+\z//;
    return $out;
}

# A self-signed certificate made with the openssl command: returns PEM ("\n" line ends).
# openssl_cert(cn => ..., days => N, key => 'rsa:2048' | 'ec', expired => 1)
sub openssl_cert {
    my %o = (cn => 'idp.example.test', days => 365, @_);
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my @key = ($o{key} // '') eq 'ec'
        ? ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256')
        : ('-newkey', 'rsa:2048');
    if ($o{expired}) {
        _openssl($dir, 'req', '-new', @key, '-nodes', '-keyout', "$dir/k.pem",
            '-subj', "/CN=$o{cn}", '-out', "$dir/r.pem");
        return _expired($dir, $o{cn});
    }
    _openssl($dir, 'req', '-x509', @key, '-nodes', '-days', $o{days}, '-subj', "/CN=$o{cn}",
        '-keyout', "$dir/k.pem", '-out', "$dir/c.pem");
    local $/;
    open(my $fh, '<', "$dir/c.pem") or die;
    my $pem = <$fh>;
    return wantarray ? ($pem, "$dir/k.pem") : $pem;
}

# Runs openssl with its stderr (key generation progress, "-----") in a file of $dir,
# shown only when it fails.
sub _openssl {
    my ($dir, @args) = @_;
    open(my $saved, '>&', \*STDERR) or die;
    open(STDERR, '>', "$dir/openssl.err") or die;
    my $rc = system('openssl', @args);
    open(STDERR, '>&', $saved) or die;
    return if $rc == 0;
    open(my $e, '<', "$dir/openssl.err");
    local $/;
    die "openssl @args[0 .. 1] failed: " . (<$e> // '') . "\n";
}

# An expired certificate: self-signed by openssl ca with dates in the past.
sub _expired {
    my ($dir, $cn) = @_;
    open(my $cfg, '>', "$dir/ca.cnf") or die;
    print $cfg <<"CNF";
[ca]
default_ca = d
[d]
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
    close $cfg;
    open(my $i, '>', "$dir/index.txt") or die; close $i;
    open(my $s, '>', "$dir/serial") or die; print $s "01\n"; close $s;
    system("openssl ca -batch -config $dir/ca.cnf -selfsign -keyfile $dir/k.pem -in $dir/r.pem "
        . "-startdate 20200101000000Z -enddate 20210101000000Z -out $dir/e.pem >/dev/null 2>&1") == 0
        or die "openssl ca";
    system("openssl x509 -in $dir/e.pem -out $dir/e2.pem") == 0 or die;
    local $/;
    open(my $fh, '<', "$dir/e2.pem") or die;
    return scalar <$fh>;
}

1;

# ---- external IdPs and their certificates (t/idstore/external_idp.t, idp_certificates.t) ----
push @EXPORT, qw(idp_counts pem_b64 pem_crlf new_idp error_log_text);

# Row counts of the tables an IdP change writes, as one string to compare before/after.
sub idp_counts {
    return psql('SELECT (SELECT count(*) FROM idtrust.external_idp) || \' \' || '
        . '(SELECT count(*) FROM idtrust.idp_certificate) || \' \' || '
        . '(SELECT count(*) FROM idtrust.certificate) || \' \' || '
        . '(SELECT count(*) FROM idtrust.audit)');
}

# The base64 body of a PEM block (armor lines and all whitespace removed).
sub pem_b64 {
    my $pem = shift;
    $pem =~ s/-----(BEGIN|END) [A-Z0-9 ]+-----//g;
    $pem =~ s/\s+//g;
    return $pem;
}

# pem with "\r\n" line ends, as the Identity Center examples send it.
sub pem_crlf {
    my $pem = shift;
    $pem =~ s/\r?\n/\r\n/g;
    return $pem;
}

# A new external IdP of store from idp_saml_config + a fresh certificate; returns
# { idp_id, certificate_id, pem, entity_id }.
sub new_idp {
    my ($store, %o) = @_;
    my $name = $o{name} // ('idp-' . $$ . '-' . int(rand(1e9)));
    my $pem = $o{pem} // openssl_cert(cn => "$name.example.test");
    my $entity = "https://$name.example.test/saml";
    my $res = api(POST => "/v1/identity-stores/$store/external-idp", body => {
        idp_saml_config => { entity_id => $entity, login_url => "https://$name.example.test/sso" },
        idp_certificate => $pem });
    die "IdP create failed: " . $res->status_line . ' ' . $res->decoded_content . "\n"
        unless $res->code == 201;
    my $j = json_of($res);
    return { idp_id => $j->{idp_id}, certificate_id => $j->{idp_certificate_id}, pem => $pem,
        entity_id => $entity };
}

# What httpd has written to t/logs/error_log so far.
sub error_log_text {
    my $file = Apache::Test::vars('t_logs') . '/error_log';
    open(my $fh, '<', $file) or die "$file: $!";
    local $/;
    return scalar <$fh>;
}

1;

# ---- identity stores, SP certificates, the error envelope (t/idstore/stores.t,
# sp_certificates.t, errors.t); iic_error_ok needs Apache::Test qw(-withtestmore) ----
push @EXPORT, qw(store_counts unique_id_re iic_error_ok logged_request_id raw_http openssl_in);

# Row counts of the tables a store or SAML-certificate change writes, as one string
# "stores sp_certificates certificates audit" to compare before/after.
sub store_counts {
    return psql('SELECT (SELECT count(*) FROM idtrust.identity_store) || \' \' || '
        . '(SELECT count(*) FROM idtrust.sp_certificate) || \' \' || '
        . '(SELECT count(*) FROM idtrust.certificate) || \' \' || '
        . '(SELECT count(*) FROM idtrust.audit)');
}

# An id made by mod_unique_id: 20 bytes in 27 characters of its base64 alphabet.
sub unique_id_re { qr/\A[A-Za-z0-9\@_-]{27}\z/ }

# One test (a subtest): res is an Identity Center error: status, JSON Content-Type,
# exactly {error_code, error_msg, request_id} (+ encoded_authorization_message on 403),
# the code, a non-empty message (matching msg_re when given), a mod_unique_id request id.
# Returns the decoded body.
sub iic_error_ok {
    my ($res, $status, $code, $name, $msg_re) = @_;
    my $j = json_of($res);
    Test::More::subtest($name => sub {
        Test::More::plan(tests => 6);
        Test::More::is($res->code, $status, "status $status")
            or Test::More::diag($res->as_string);
        Test::More::like($res->header('Content-Type') // '', qr{\Aapplication/json\b}i,
            'Content-Type is application/json');
        my @keys = ('error_code', 'error_msg', 'request_id',
            ($status == 403 ? ('encoded_authorization_message') : ()));
        Test::More::is_deeply([sort keys %{ ref $j eq 'HASH' ? $j : {} }], [sort @keys],
            'exactly the envelope members');
        Test::More::is($j && $j->{error_code}, $code, "error_code $code");
        Test::More::like($j && defined $j->{error_msg} && !ref $j->{error_msg} ? $j->{error_msg} : '',
            $msg_re // qr/\S/, 'error_msg says why');
        Test::More::like($j && defined $j->{request_id} ? $j->{request_id} : '', unique_id_re(),
            'request_id is a mod_unique_id id');
    });
    return $j;
}

# The ids t/logs/request_ids.log holds for the request sent with header X-Idt-Test: tag:
# (UNIQUE_ID, REDIRECT_UNIQUE_ID, status), '-' for an unset one. httpd writes the line
# once the response is out, so this waits for it (up to 10 s); () when it never comes.
sub logged_request_id {
    my $tag = shift;
    my $file = Apache::Test::vars('t_logs') . '/request_ids.log';
    for (1 .. 200) {
        if (open(my $fh, '<', $file)) {
            while (my $line = <$fh>) {
                chomp $line;
                my @f = split / /, $line;
                return @f[1 .. 3] if @f == 4 && $f[0] eq $tag;
            }
        }
        select(undef, undef, undef, 0.05);
    }
    return ();
}

# Sends head (request line and headers, "\r\n" ends, without the blank line) and then
# the body pieces of @body over a new connection; returns the HTTP::Response, or undef
# when no response came. Writing stops quietly when the server closes early.
sub raw_http {
    my ($head, @body) = @_;
    require IO::Socket::INET;
    require HTTP::Response;
    my $sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
        or die "connect: $!";
    local $SIG{PIPE} = 'IGNORE';
    my $ok = defined syswrite($sock, "$head\r\n");
    for my $piece (@body) {
        last unless $ok;
        my $off = 0;
        while ($ok && $off < length $piece) {
            my $n = syswrite($sock, $piece, length($piece) - $off, $off);
            $ok = defined $n;
            $off += $n if $ok;
        }
    }
    shutdown($sock, 1) if $ok;
    my $raw = '';
    while (1) {
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $sock;
    return undef unless length $raw;
    return HTTP::Response->parse($raw);
}

# Runs openssl with @args on input (a file passed with -in); returns (stdout, exit code).
sub openssl_in {
    my ($input, @args) = @_;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open(my $in, '>', "$dir/in") or die "$dir/in: $!";
    print $in $input;
    close $in;
    # openssl's complaints (a wrong passphrase, on purpose) stay out of the test output
    open(my $stderr, '>&', \*STDERR) or die "dup: $!";
    open(STDERR, '>', '/dev/null') or die "/dev/null: $!";
    my $ok = open(my $fh, '-|', 'openssl', @args, '-in', "$dir/in");
    open(STDERR, '>&', $stderr) or die "dup: $!";
    $ok or die "openssl: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($out, $? >> 8);
}

1;

# ---- a repository of a test's own (a second server's: two_servers.t, slow_receiver.t) ----
push @EXPORT, qw(own_database);

# Creates and migrates database $name on the suite's PostgreSQL; returns its conninfo and a
# function that runs SQL on it as psql() does on the suite's.
sub own_database {
    my $name = shift;
    my $top = Apache::Test::vars('serverroot') . '/..';
    my $conninfo = "host=$ENV{IDTRUST_PG_SOCKET} dbname=$name";
    system('createdb', '-h', $ENV{IDTRUST_PG_SOCKET}, $name) == 0 or die "createdb failed\n";
    system("$top/scripts/migrate '$conninfo' >/dev/null 2>&1") == 0 or die "migrate failed\n";
    my $run = sub {
        my $sql = shift;
        open(my $fh, '-|', 'psql', $conninfo, '-Atq', '-c', $sql) or die "psql: $!";
        local $/;
        my $o = <$fh> // '';
        $o =~ s/\s+\z//;
        return $o;
    };
    return ($conninfo, $run);
}

# ---- a small httpd of a test's own (t/core/schema_check.t, db_budget.t) ----
push @EXPORT, qw(small_httpd_conf httpd_bin);

# The httpd a test starts or checks a configuration with. Under the sanitizers
# (scripts/test with IDTRUST_SANITIZE=1) IDTRUST_HTTPD is the apache2 that preloads the
# ASan runtime, without which the instrumented modules do not load.
sub httpd_bin { $ENV{IDTRUST_HTTPD} || '/usr/sbin/apache2' }

# Writes httpd.conf into a fresh directory (returned): a server on a free loopback port
# with the event MPM, mod_authz_core, mod_dbd, mod_socache_shmcb and the built idtrust
# modules, its logs and runtime files in that directory, then $extra.
sub small_httpd_conf {
    my ($extra) = @_;
    require IO::Socket::INET;
    my $top = Apache::Test::vars('serverroot') . '/..';
    my $port = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)->sockport;
    # under the sanitizers the directory is kept with the reports, for its error_log: UBSan
    # writes its message there (scripts/test scans it)
    my $san = $ENV{IDTRUST_SANITIZE_DIR};
    my $dir = $san ? File::Temp::tempdir('httpd-XXXXXX', DIR => $san) : File::Temp::tempdir(CLEANUP => 1);
    my $mods = '/usr/lib/apache2/modules';
    open(my $fh, '>', "$dir/httpd.conf") or die "$dir/httpd.conf: $!";
    print $fh <<"CONF";
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $dir/httpd.pid
ErrorLog $dir/error_log
Mutex file:$dir default
DefaultRuntimeDir $dir
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule idtrust_module $top/modules/idtrust/.libs/mod_idtrust.so
LoadModule idstore_module $top/modules/idstore/.libs/mod_idstore.so
$extra
CONF
    close $fh;
    return $dir;
}

# ---- mod_trustdoc (t/trustdoc/) ----
push @EXPORT, qw(td_error_ok td_counts td_reset);

# One test (a subtest): res is an OWSM error: status, JSON Content-Type, exactly
# {STATUS: Failed, ERROR_CODE: TD.<status>, ERROR_MSG, REQUEST_ID}, ERROR_MSG matching
# msg_re when given. Returns the decoded body.
sub td_error_ok {
    my ($res, $status, $name, $msg_re) = @_;
    my $j = json_of($res);
    Test::More::subtest($name => sub {
        Test::More::plan(tests => 6);
        Test::More::is($res->code, $status, "status $status")
            or Test::More::diag($res->as_string);
        Test::More::like($res->header('Content-Type') // '', qr{\Aapplication/json\b}i,
            'Content-Type is application/json');
        Test::More::is_deeply([sort keys %{ ref $j eq 'HASH' ? $j : {} }],
            [qw(ERROR_CODE ERROR_MSG REQUEST_ID STATUS)], 'exactly the envelope members');
        Test::More::is($j && $j->{STATUS}, 'Failed', 'STATUS Failed');
        Test::More::is($j && $j->{ERROR_CODE}, "TD.$status", "ERROR_CODE TD.$status");
        Test::More::like($j && defined $j->{ERROR_MSG} && !ref $j->{ERROR_MSG} ? $j->{ERROR_MSG} : '',
            $msg_re // qr/\S/, 'ERROR_MSG says why');
    });
    return $j;
}

# Row counts of the trust tables and the audit trail, as one string to compare.
sub td_counts {
    return psql('SELECT (SELECT count(*) FROM idtrust.trust_document) || \' \' || '
        . '(SELECT count(*) FROM idtrust.trust_issuer) || \' \' || '
        . '(SELECT count(*) FROM idtrust.trust_issuer_dn) || \' \' || '
        . '(SELECT count(*) FROM idtrust.trust_token_rule) || \' \' || '
        . '(SELECT count(*) FROM idtrust.audit)');
}

# Removes the named documents (the seed's names are fixed) and the domain context's issuers
# and token attribute rules.
sub td_reset {
    my @names = @_;
    psql("DELETE FROM idtrust.trust_issuer WHERE document_name = 'oracle-default'");
    psql("DELETE FROM idtrust.trust_token_rule WHERE document_name = 'oracle-default'");
    psql("DELETE FROM idtrust.trust_document WHERE name = '$_'") for @names;
}

1;

# ---- mod_certimport (t/certimport/) ----
push @EXPORT, qw(ci_problem_ok ci_policy ci_system ci_api ci_import openssl_cmd ci_wait);

# One test (a subtest): res is a MyID Core API error: status, application/problem+json,
# exactly {type, title, status, detail, traceId}, detail matching msg_re when given.
sub ci_problem_ok {
    my ($res, $status, $name, $msg_re) = @_;
    my $j = json_of($res);
    Test::More::subtest($name => sub {
        Test::More::plan(tests => 5);
        Test::More::is($res->code, $status, "status $status") or Test::More::diag($res->as_string);
        Test::More::like($res->header('Content-Type') // '', qr{\Aapplication/problem\+json\b}i,
            'Content-Type is application/problem+json');
        Test::More::is_deeply([sort keys %{ ref $j eq 'HASH' ? $j : {} }],
            [qw(detail status title traceId type)], 'exactly the problem members');
        Test::More::is($j && $j->{status}, $status, 'status member');
        Test::More::like($j && defined $j->{detail} ? $j->{detail} : '', $msg_re // qr/\S/,
            'detail says why');
    });
    return $j;
}

# A new certificate policy (admin API); returns its JSON. ci_policy(name => ..., %members)
sub ci_policy {
    my %o = @_;
    my $uniq = "$$-" . int(rand(1e9));
    my %body = (name => "policy-$uniq", objectId => "1.3.6.1.4.1.99999.$$." . int(rand(1e9)), %o);
    my $res = api(POST => '/idtrust/v1/certificate-policies', body => \%body);
    die 'policy create failed: ' . $res->as_string unless $res->code == 201;
    return json_of($res);
}

# A new external system (admin API); returns its JSON.
sub ci_system {
    my %o = @_;
    my %body = (name => "system-$$-" . int(rand(1e9)), mappingFile => 'RESTCertificateAdded.xml',
        apiLocation => 'http://127.0.0.1:9/none', %o);
    my $res = api(POST => '/idtrust/v1/external-systems', body => \%body);
    die 'system create failed: ' . $res->as_string unless $res->code == 201;
    return json_of($res);
}

# ci_api(METHOD, PATH under /rest.core/api, plus api()'s options): with no auth option
# the request carries the test client's bearer token of scope (default myid.rest.basic);
# auth => undef sends no credentials, auth => [u, p] HTTP Basic, bearer => 'token' that.
sub ci_api {
    my ($method, $path, %o) = @_;
    my %headers = %{ delete $o{headers} // {} };
    my $scope = delete $o{scope} // 'myid.rest.basic';
    if (defined(my $b = delete $o{bearer})) {
        $headers{Authorization} = "Bearer $b";
        $o{auth} = undef;
    } elsif (!exists $o{auth}) {
        $headers{Authorization} //= 'Bearer ' . sso_token($scope);
        $o{auth} = undef;
    }
    return api($method, "/rest.core/api$path", %o, headers => \%headers);
}

# POST /rest.core/api/Certificates/import with x509 and policy (an objectId), with
# ci_api's credentials (auth, bearer, scope).
sub ci_import {
    my ($x509, $policy, %o) = @_;
    my $extra = delete $o{extra} // {};
    return ci_api(POST => '/Certificates/import',
        body => { x509 => $x509, certPolicyId => $policy, %$extra },
        headers => { 'x-api-version' => 1 }, %o);
}

# Runs the openssl command; its stdout. Dies when it fails.
sub openssl_cmd {
    my @args = @_;
    # key generation progress and "-----" lines stay out of the test output
    open(my $saved, '>&', \*STDERR) or die;
    open(STDERR, '>', '/dev/null') or die;
    my $ok = open(my $fh, '-|', 'openssl', @args);
    open(STDERR, '>&', $saved) or die;
    $ok or die "openssl: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh or die "openssl @args failed\n";
    return $out;
}

# Polls $cond->() every 250 ms (each poll runs psql) until it is true or $seconds pass;
# its last value.
sub ci_wait {
    my ($seconds, $cond) = @_;
    my $v;
    for (1 .. $seconds * 4) {
        last if ($v = $cond->());
        select(undef, undef, undef, 0.25);
    }
    return $v;
}

# ---- mod_ssoadmin (t/ssoadmin/) ----
push @EXPORT, qw(sso sso_form sso_error_ok sso_counts sso_reset sso_ids sso_token sso_test_client);

my %SSO_ACCEPT = (text => 'text/plain', json => 'application/json', xml => 'application/xml');

# A form body as curl -d joins its arguments: 'name=value' pairs as given (not encoded),
# joined by '&'. Pairs of a list ref of [name, value] are %-encoded, as --data-urlencode does.
sub sso_form {
    return join '&', map {
        ref $_ ? join('=', map {
            my $v = $_;
            utf8::encode($v) if utf8::is_utf8($v);
            $v =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
            $v } @$_) : $_
    } @_;
}

# The test suite's OAuth2 client (scripts/test makes it: scripts/lib/sso-client.sql),
# made again when a test removed it; returns (client_id, secret).
sub sso_test_client {
    my $n = psql("SELECT count(*) FROM idtrust.sso_client WHERE client_id = 'idtrust-test'");
    if (!$n) {
        local $ENV{IDTRUST_CLIENT_SECRET} = $ENV{IDTRUST_CLIENT_SECRET} // die "IDTRUST_CLIENT_SECRET not set\n";
        system('psql', $ENV{IDTRUST_DB}, '-q', '-v', 'client=idtrust-test', '-v',
            'scopes=sso.manage myid.rest.basic', '-f', 'scripts/lib/sso-client.sql') == 0
            or die "sso-client.sql failed\n";
    }
    return ('idtrust-test', $ENV{IDTRUST_CLIENT_SECRET});
}

# An access token of the test client (scope: 'sso.manage' unless given), from the token
# endpoint; kept until sso_token(undef) forgets it or a call answers 401.
my %TOKENS;
sub sso_token {
    my $scope = @_ ? shift : 'sso.manage';
    if (!defined $scope) { %TOKENS = (); return undef }
    return $TOKENS{$scope} if $TOKENS{$scope};
    my ($id, $secret) = sso_test_client();
    my $res = api(POST => '/uas/oauth2/token', auth => [ $id, $secret ],
        body => "grant_type=client_credentials&scope=$scope", type => 'application/x-www-form-urlencoded');
    my $j = json_of($res);
    die 'token endpoint: ' . $res->status_line . ' ' . ($res->decoded_content // '') . "\n"
        unless $res->code == 200 && $j && $j->{access_token};
    return $TOKENS{$scope} = $j->{access_token};
}

# sso(METHOD, PATH under /sso-api, form => [pairs for sso_form] | 'raw body',
#     accept => 'text' | 'json' | 'xml' | 'any header value', plus api()'s options)
# With no auth option the request carries the test client's bearer token (sso.manage).
sub sso {
    my ($method, $path, %o) = @_;
    my %headers = %{ delete $o{headers} // {} };
    if (!exists $o{auth}) {
        $headers{Authorization} //= 'Bearer ' . sso_token();
        $o{auth} = undef;
    }
    if (defined(my $a = delete $o{accept})) { $headers{Accept} = $SSO_ACCEPT{$a} // $a }
    if (exists $o{form}) {
        my $f = delete $o{form};
        $o{body} = ref $f ? sso_form(@$f) : $f;
        $o{type} //= 'application/x-www-form-urlencoded';
    }
    return api($method, "/sso-api$path", %o, headers => \%headers);
}

# One test (a subtest): res is a mod_ssoadmin error in format (text, json or xml): status,
# Content-Type, the envelope's parts, a message (matching msg_re when given) and a
# mod_unique_id request id, Vary: Accept. Returns the message.
sub sso_error_ok {
    my ($res, $status, $format, $name, $msg_re) = @_;
    my $body = $res->decoded_content // '';
    my ($st, $msg, $id);
    if ($format eq 'json') {
        my $j = json_of($res);
        my $e = ref $j eq 'HASH' && ref $j->{error} eq 'HASH' && keys %$j == 1 ? $j->{error} : {};
        ($st, $msg, $id) = @$e{qw(status message request_id)} if keys %$e == 3;
    } elsif ($format eq 'xml') {
        ($st, $id, $msg) = $body =~ m{\A<error status="(\d+)" request_id="([^"]*)"><message>(.*)</message></error>\z}s;
        if (defined $msg) { $msg =~ s/&lt;/</g; $msg =~ s/&gt;/>/g; $msg =~ s/&quot;/"/g; $msg =~ s/&amp;/&/g }
    } else {
        ($st, $msg, $id) = $body =~ /\Aerror (\d+) ([^\n]*)\nrequest_id (\S+)\n\z/;
    }
    my %ct = (text => qr{\Atext/plain\b}, json => qr{\Aapplication/json\b}, xml => qr{\Aapplication/xml\b});
    Test::More::subtest($name => sub {
        Test::More::plan(tests => 6);
        Test::More::is($res->code, $status, "status $status") or Test::More::diag($res->as_string);
        Test::More::like($res->header('Content-Type') // '', $ct{$format}, "Content-Type of $format");
        Test::More::is($st, $status, "the $format envelope, with the status")
            or Test::More::diag($body);
        Test::More::like($msg // '', $msg_re // qr/\S/, 'the message says why');
        Test::More::like($id // '', unique_id_re(), 'request_id is a mod_unique_id id');
        Test::More::like($res->header('Vary') // '', qr/\bAccept\b/, 'Vary: Accept');
    });
    return $msg;
}

# Row counts of the SSO tables and the audit trail, as one string to compare before/after.
sub sso_counts {
    return psql('SELECT (SELECT count(*) FROM idtrust.sso_object) || \' \' || '
        . '(SELECT count(*) FROM idtrust.sso_link) || \' \' || '
        . '(SELECT count(*) FROM idtrust.sso_client) || \' \' || '
        . '(SELECT md5(string_agg(type || path || attributes::text, \',\' ORDER BY id)) FROM idtrust.sso_object) || \' \' || '
        . '(SELECT count(*) FROM idtrust.audit)');
}

# Back to a new repository's tree (the System site, its key container, password.1 and
# the server, without links or clients), then a moment for the read caches' listeners.
sub sso_reset {
    psql(q{DELETE FROM idtrust.sso_link; DELETE FROM idtrust.sso_client;
           DELETE FROM idtrust.sso_object WHERE NOT (type = 'server' OR type = 'method' AND path = '/password.1'
             OR type = 'site' AND path IN ('/System', '/System/ServerKeyContainer'));
           UPDATE idtrust.sso_object SET attributes = '{"description": ["Ubilogin System"]}'
            WHERE type = 'site' AND path = '/System' AND attributes <> '{"description": ["Ubilogin System"]}';
           UPDATE idtrust.sso_object SET attributes = '{}'
            WHERE path <> '/System' AND attributes <> '{}' AND type IN ('server', 'method', 'site');});
    select(undef, undef, undef, 0.3);
    # the test client and the server's first signing key come back now, not inside a
    # test that compares the repository before and after its request
    sso_token(undef);
    sso_token();
}

# The ids of a text/plain list answer, in order.
sub sso_ids {
    my $res = shift;
    return [map { (split / /, $_, 2)[1] } grep { length } split /\n/, $res->decoded_content // ''];
}

1;
