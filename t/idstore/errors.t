# The Identity Center error envelope {error_code, error_msg, request_id} for errors httpd
# raises itself (401, 403, 413, 404/405 of routing) and for bad input (415, 400), the
# request id it carries, and that no failed write leaves a row behind.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use JSON::PP ();
use MIME::Base64 qw(decode_base64 encode_base64);

plan tests => 104;

my $uniq = "$$-" . int(rand(1e9));
my $BASE = '/idtrust/v1/identity-stores';
my $store = new_store("errors-t-$uniq");
my $sp = "/v1/identity-stores/$store/saml-certificates";
my $idp = "/v1/identity-stores/$store/external-idp";
my $INJECT = "1' OR '1'='1";
(my $INJECT_URL = $INJECT) =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;

# Everything a write can add a row to.
sub counts {
    return store_counts() . ' '
        . psql('SELECT (SELECT count(*) FROM idtrust.external_idp) || \' \' || '
            . '(SELECT count(*) FROM idtrust.idp_certificate)');
}

# One request that must fail: its envelope (one test), then that it wrote nothing (one test).
sub refused {
    my ($req, $status, $code, $name, $msg_re) = @_;
    my $before = counts();
    my $res = $req->();
    my $j = iic_error_ok($res, $status, $code, $name, $msg_re);
    is counts(), $before, "$name: no row written";
    return wantarray ? ($j, $res) : $j;
}

sub post_store { my ($body, %o) = @_; return sub { api(POST => $BASE, body => $body, %o) } }

# ---- 401: no, wrong or unknown credentials ----
my ($j, $res) = refused(sub { api(GET => $sp, auth => undef, headers => { 'X-Idt-Test' => "401-$uniq" }) },
    401, 'IIC.401', 'no credentials');
like $res->header('WWW-Authenticate') // '', qr/\ABasic realm="idtrust"/, 'with a Basic challenge';
my ($logged, undef, $logged_status) = logged_request_id("401-$uniq");
is $j->{request_id}, $logged, 'request_id is the UNIQUE_ID httpd gave the request';
is $logged_status, 401, 'which httpd logged with status 401';
my $rid = $j->{request_id} // 'none';
ok error_log_text() =~ /IS00100: request \Q$rid\E: 401 /, 'and the error_log line carries it';

($j, $res) = refused(sub { api(GET => $sp, auth => ['admin', "wrong-$uniq"]) }, 401, 'IIC.401', 'a wrong password');
like $res->header('WWW-Authenticate') // '', qr/\ABasic /, 'with a Basic challenge';
($j, $res) = refused(sub { api(GET => $sp, auth => ["nobody-$uniq", 'x']) }, 401, 'IIC.401', 'an unknown user');
like $res->header('WWW-Authenticate') // '', qr/\ABasic /, 'with a Basic challenge';
refused(sub { api(POST => $BASE, auth => undef, body => { name => "noauth-$uniq" }) }, 401, 'IIC.401',
    'a create without credentials');
$res = api(HEAD => $sp, auth => undef);
is $res->code, 401, 'HEAD without credentials is 401 too';

# ---- 403: an account that authenticates but may not use the external-idp API ----
my $pw = "auditor-pw-$uniq";
psql("INSERT INTO idtrust.admin_account (name, password_hash) VALUES ('auditor', crypt('$pw', gen_salt('bf', 4))) "
    . 'ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, enabled = true');
my @auditor = (auth => ['auditor', $pw]);
$res = api(GET => $sp, @auditor);
is $res->code, 200, 'the auditor is authenticated (and may list SAML certificates)' or diag $res->as_string;
isnt api(GET => $idp)->code, 403, 'admin is not refused the external-idp API';

for my $case (
    [GET => $idp, {}],
    [POST => $idp, { body => { idp_saml_config => {
        entity_id => "https://x-$uniq.test", login_url => 'https://x.test/sso' } } }],
    [DELETE => "$idp/00000000-0000-4000-8000-000000000000", {}],
) {
    my ($method, $path, $o) = @$case;
    my $tag = "403-$method-$uniq";
    my ($j, $res) = refused(sub { api($method => $path, @auditor, %$o, headers => { 'X-Idt-Test' => $tag }) },
        403, 'IIC.403', "the auditor's $method on external-idp");
    my $enc = $j->{encoded_authorization_message} // '';
    my $decoded = decode_base64($enc);
    is encode_base64($decoded, ''), $enc, "$method: encoded_authorization_message is base64";
    my $m = eval { JSON::PP->new->decode($decoded) } // {};
    is_deeply { map { $_ => $m->{$_} } qw(method resource user) },
        { method => $method, resource => $path, user => 'auditor' },
        "$method: it decodes to JSON naming the method, the resource and the account"
        or diag $decoded;
    is $j->{request_id}, (logged_request_id($tag))[0], "$method: request_id is the request's UNIQUE_ID";
}

# ---- 413: a body over LimitRequestBody (1 MiB) ----
my $limit = 1024 * 1024;
refused(post_store('{"name":"' . ('a' x $limit) . '"}'), 413, 'IIC.413',
    'a body over 1 MiB with Content-Length');
my $auth = 'Basic ' . encode_base64(join(':', admin_auth()), '');
my $head = "POST $BASE HTTP/1.1\r\nHost: " . Apache::TestRequest::hostport() . "\r\n"
    . "Authorization: $auth\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    . "Connection: close\r\n";
my $piece = 'a' x 65536;
my @chunks = ('{"name":"', ($piece) x 17, '"}');
($j) = refused(sub { raw_http($head, (map { sprintf("%x\r\n%s\r\n", length, $_) } @chunks), "0\r\n\r\n")
        // HTTP::Response->new(599) }, 413, 'IIC.413', 'a chunked body over 1 MiB');
$rid = ($j // {})->{request_id} // 'none';
my @lines = error_log_text() =~ /IS00100: request \Q$rid\E: /g;
is scalar(@lines), 1, 'httpd refused the chunked body once: one answer, one log line';
my $small = JSON::PP->new->encode({ name => "chunked-$uniq" });
$res = raw_http($head, sprintf("%x\r\n%s\r\n0\r\n\r\n", length $small, $small));
is $res && $res->code, 201, 'a small chunked body is read';
refused(post_store('{"name":"' . ('a' x ($limit - 11)) . '"}'), 400, 'IIC.400',
    'a body of exactly 1 MiB is read (and its name refused)', qr/name is longer/);

# ---- 415: not JSON ----
refused(post_store({ name => "text-$uniq" }, type => 'text/plain'), 415, 'IIC.415', 'Content-Type text/plain',
    qr{application/json});
refused(post_store({ name => "jsonp-$uniq" }, type => 'application/jsonp'), 415, 'IIC.415',
    'Content-Type application/jsonp');
my $body = JSON::PP->new->encode({ name => "untyped-$uniq" });
refused(sub { raw_http("POST $BASE HTTP/1.1\r\nHost: " . Apache::TestRequest::hostport()
            . "\r\nAuthorization: $auth\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n",
            $body) // HTTP::Response->new(599) },
    415, 'IIC.415', 'no Content-Type');
is api(POST => $BASE, body => { name => "charset-$uniq" }, type => 'application/json; charset=utf-8')->code, 201,
    'application/json with a charset is JSON';
is api(POST => $BASE, body => { name => "upper-$uniq" }, type => 'Application/JSON')->code, 201,
    'and media types are case-insensitive';

# ---- 400: JSON that is not a store ----
refused(post_store('{"name": '), 400, 'IIC.400', 'truncated JSON', qr/malformed JSON/);
refused(post_store("{\"name\": \"bad-\xff-$uniq\"}"), 400, 'IIC.400', 'invalid UTF-8', qr/malformed JSON/);
refused(post_store(qq({"name": "a-$uniq", "name": "b-$uniq"})), 400, 'IIC.400', 'a member given twice',
    qr/malformed JSON/);
# what the client sent is not echoed into error_msg or the error_log (it may be a secret;
# jansson's messages quote a token of up to 20 bytes "near" the error)
my $secret = sprintf('s3cr3t%06d', rand 1e6);
($j) = refused(post_store(qq("$secret")), 400, 'IIC.400', 'a string where an object belongs',
    qr/JSON object|'\[' or '\{' expected/);
unlike $j->{error_msg} // '', qr/\Q$secret\E/, 'error_msg does not quote the body';
ok index(error_log_text(), $secret) < 0, 'nor does the error_log';
refused(post_store(qq(["$uniq"])), 400, 'IIC.400', 'an array at the root', qr/JSON object/);
refused(post_store(''), 400, 'IIC.400', 'an empty body', qr/empty/);
refused(post_store('[' x 100 . ']' x 100), 400, 'IIC.400', '100 levels of arrays', qr/nesting/);
refused(post_store('{"name":' . '{"a":' x 99 . '1' . '}' x 99 . '}'), 400, 'IIC.400', '100 levels of objects',
    qr/nesting/);
refused(post_store('{"name":' . '[' x 31 . ']' x 31 . '}'), 400, 'IIC.400',
    '32 levels are parsed (and the name refused)', qr/name must be a string/);

# ---- injection: values are bound, never spliced ----
my $evil = "x'); DROP TABLE idtrust.identity_store; -- $uniq";
$res = api(POST => $BASE, body => { name => $evil });
is $res->code, 201, 'a name holding SQL is just a name' or diag $res->as_string;
my $evil_id = (json_of($res) // {})->{identity_store_id} // 'none';
is((json_of(api(GET => "$BASE/$evil_id")) // {})->{name}, $evil, 'stored verbatim');
is psql("SELECT to_regclass('idtrust.identity_store') IS NOT NULL"), 't', 'and the table is still there';
my $quotes = qq(O'Brien "\\" \\x27 \$1 %s $uniq);
$res = api(POST => $BASE, body => { name => $quotes });
is((json_of(api(GET => "$BASE/" . ((json_of($res) // {})->{identity_store_id} // 'none'))) // {})->{name}, $quotes,
    'quotes, backslashes and placeholders are stored verbatim');

refused(sub { api(GET => "/v1/identity-stores/$INJECT_URL/saml-certificates") }, 404, 'IIC.404',
    'SQL in the store id of a path');
refused(sub { api(POST => "/v1/identity-stores/$INJECT_URL/saml-certificates") }, 404, 'IIC.404',
    'SQL in the store id of a create');
refused(sub { api(DELETE => "$BASE/$INJECT_URL") }, 404, 'IIC.404', 'SQL in the store id of a delete');
refused(sub { api(POST => "$sp/cer-$INJECT_URL/active") }, 404, 'IIC.404', 'SQL in a certificate id');
refused(sub { api(DELETE => "$sp/cer-x%27%3B%20DELETE%20FROM%20idtrust.sp_certificate%3B--") }, 404, 'IIC.404',
    'a DELETE statement in a certificate id');
# httpd refuses an encoded slash before any <Location> applies, so that 404 is its own page
is api(GET => "/v1/identity-stores/a%2Fb/saml-certificates")->code, 404, 'an encoded slash in a path is not found';

# ---- 405 and 404 of routing ----
sub allow { return join ',', sort split /\s*,\s*/, shift->header('Allow') // '' }
($j, $res) = refused(sub { api(PUT => $sp, body => { name => 'x' }) }, 405, 'IIC.405', 'PUT on saml-certificates');
is allow($res), 'GET,POST', 'Allow: GET, POST';
($j, $res) = refused(sub { api(DELETE => $sp) }, 405, 'IIC.405', 'DELETE on the certificate collection');
is allow($res), 'GET,POST', 'Allow: GET, POST';
($j, $res) = refused(sub { api(PATCH => $BASE, body => { name => "patch-$uniq" }) }, 405, 'IIC.405',
    'PATCH on the store collection');
is allow($res), 'GET,POST', 'Allow: GET, POST';
($j, $res) = refused(sub { api(GET => "$sp/cer-00000000-0000-4000-8000-000000000000/active") }, 405, 'IIC.405',
    'GET on an activation');
is allow($res), 'POST', 'Allow: POST';

($j) = refused(sub { api(GET => "/v1/identity-stores/$store/nothing-here") }, 404, 'IIC.404',
    'an unknown path under a store');
$rid = $j->{request_id} // 'none';
ok error_log_text() =~ /IS00100: request \Q$rid\E: 404 /, 'its request id is in the error_log';
refused(sub { api(POST => "/v1/identity-stores/$store/nothing-here", body => {}) }, 404, 'IIC.404',
    'a POST to an unknown path');
refused(sub { api(GET => '/v1/identity-stores') }, 404, 'IIC.404', '/v1/identity-stores itself');
refused(sub { api(GET => "$sp/a/b/c") }, 404, 'IIC.404', 'extra segments');
