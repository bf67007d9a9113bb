# The SSO server's OAuth2 side (issue: keys, token endpoint, JWKS, AuthType Bearer):
# client credentials grants at both token paths with both client authentications, RFC 6749
# errors, the discovery documents and the JWKS read by a common JWT library (PyJWT), the
# throttle of failed client authentications, AuthType Bearer and Require scope against
# every token attack (alg none, HMAC with the public key, bad signature, unknown kid,
# expired, not yet valid, wrong issuer or audience, malformed), and a key rotation during
# which a client keeps calling without one failure.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Digest::SHA qw(hmac_sha256);
use File::Temp ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use Time::HiRes ();
use lib 't/lib';
use IdtTest;

my $JSON = JSON::PP->new->canonical;
my $base = 'http://' . Apache::TestRequest::hostport();
my $ISS = "$base/uas";
sso_reset();
my ($cid, $csecret) = sso_test_client();

sub b64url { my $s = encode_base64(shift, ''); $s =~ tr{+/}{-_}; $s =~ s/=+$//; $s }
sub unb64url { my $s = shift; $s =~ tr{-_}{+/}; $s .= '=' x ((4 - length($s) % 4) % 4); decode_base64($s) }

sub grant {
    my (%o) = @_;
    my $body = $o{body} // 'grant_type=client_credentials' . (defined $o{scope} ? "&scope=$o{scope}" : '');
    return api(POST => $o{path} // '/uas/oauth2/token', auth => exists $o{auth} ? $o{auth} : [ $cid, $csecret ],
        body => $body, type => $o{type} // 'application/x-www-form-urlencoded');
}

sub oauth_error_ok {
    my ($res, $status, $code, $name) = @_;
    my $j = json_of($res);
    Test::More::subtest($name => sub {
        plan(tests => 4);
        is($res->code, $status, "status $status") or diag($res->as_string);
        like($res->header('Content-Type') // '', qr{\Aapplication/json\b}, 'JSON');
        is($j && $j->{error}, $code, "error $code");
        like($j && $j->{error_description} // '', qr/\S/, 'error_description says why');
    });
}

# ---- the token endpoint ----
my $res = grant();
is($res->code, 200, 'client credentials grant with HTTP Basic: 200') or diag($res->as_string);
my $tok = json_of($res);
is_deeply([ sort keys %$tok ], [qw(access_token expires_in scope token_type)], 'access_token, token_type, expires_in, scope');
is($tok->{token_type}, 'Bearer', 'token_type Bearer');
is($tok->{scope}, 'sso.manage myid.rest.basic', 'without a scope parameter, every scope the client may have');
is($res->header('Cache-Control'), 'no-store', 'Cache-Control: no-store (RFC 6749 5.1)');
my ($h64, $p64, $s64) = split /\./, $tok->{access_token};
my $hdr = JSON::PP->new->decode(unb64url($h64));
my $claims = JSON::PP->new->decode(unb64url($p64));
is($hdr->{alg}, 'RS256', 'RS256');
is($hdr->{typ}, 'at+jwt', 'typ at+jwt (RFC 9068)');
ok($hdr->{kid}, 'with a kid');
is($claims->{iss}, $ISS, 'iss: the issuer');
is($claims->{aud}, $ISS, 'aud: the server itself');
is($claims->{client_id}, $cid, 'client_id');
is($claims->{sub}, $cid, 'sub: the client');
cmp_ok($claims->{exp} - $claims->{iat}, '==', $tok->{expires_in}, 'exp - iat is expires_in');
ok($claims->{jti}, 'a jti');

$res = grant(auth => undef, body => "grant_type=client_credentials&client_id=$cid&client_secret=$csecret&scope=sso.manage",
    path => '/web.oauth2/connect/token');
is($res->code, 200, 'client_secret_post at /web.oauth2/connect/token (the MyID path): 200');
is(json_of($res)->{scope}, 'sso.manage', 'the scope asked for');
my $kid = $hdr->{kid};
is(psql("SELECT count(*) FROM idtrust.sso_key k JOIN idtrust.sso_link l ON l.to_id = k.credential_id AND l.kind = 'credential' WHERE k.kid = '$kid'"),
    1, 'signed with a key linked to the server (made for the first grant)');

oauth_error_ok(grant(body => 'grant_type=password&username=a&password=b'), 400, 'unsupported_grant_type', 'grant_type password: 400 unsupported_grant_type');
oauth_error_ok(grant(body => 'scope=sso.manage'), 400, 'invalid_request', 'no grant_type: 400 invalid_request');
oauth_error_ok(grant(scope => 'admin.everything'), 400, 'invalid_scope', 'a scope the client may not have: 400 invalid_scope');
oauth_error_ok(grant(auth => [ $cid, 'wrong' ]), 401, 'invalid_client', 'a wrong secret: 401 invalid_client');
like(grant(auth => [ $cid, 'wrong' ])->header('WWW-Authenticate') // '', qr/^Basic realm=/, '... with WWW-Authenticate: Basic');
oauth_error_ok(grant(auth => [ 'nobody', 'x' ]), 401, 'invalid_client', 'an unknown client: 401 invalid_client');
oauth_error_ok(grant(auth => undef), 401, 'invalid_client', 'no client authentication: 401 invalid_client');
oauth_error_ok(grant(body => "grant_type=client_credentials&client_secret=$csecret"), 400, 'invalid_request',
    'HTTP Basic and client_secret together: 400 invalid_request');
oauth_error_ok(grant(type => 'application/json', body => '{"grant_type":"client_credentials"}'), 400, 'invalid_request',
    'a JSON body: 400 invalid_request');
oauth_error_ok(grant(body => 'grant_type=client_credentials&grant_type=client_credentials'), 400, 'invalid_request',
    'a parameter given twice: 400 invalid_request');
is(grant(body => 'grant_type=client_credentials&resource=x&audience=y')->code, 200, 'unknown parameters are ignored (RFC 6749 3.1)');
oauth_error_ok(api(GET => '/uas/oauth2/token'), 405, 'invalid_request', 'GET on the token endpoint: 405');
{
    psql("UPDATE idtrust.sso_object SET attributes = attributes || '{\"enabled\": \"false\"}' WHERE type = 'application' AND path = '/System/$cid'");
    oauth_error_ok(grant(), 401, 'invalid_client', 'a disabled application gets no token');
    psql("UPDATE idtrust.sso_object SET attributes = attributes || '{\"enabled\": \"true\"}' WHERE type = 'application' AND path = '/System/$cid'");
}

# ---- throttling of failed client authentication (mod_idtrust's, as for logins; the test
# server's IdtrustLoginThrottle is 5 failures in 60 s) ----
{
    my $who = "guess-$$";
    my @codes = map { grant(auth => [ $who, "wrong-$_" ])->code } 1 .. 5;
    is(join(' ', @codes), join(' ', ('401') x 5), 'five failures are 401');
    my $r = grant(auth => [ $who, 'wrong-6' ]);
    oauth_error_ok($r, 429, 'invalid_client', 'then 429');
    like($r->header('Retry-After') // '', qr/^\d+$/, 'with Retry-After');
    is(grant()->code, 200, 'other clients are not locked out');
}

# ---- discovery and the JWKS, as a common JWT library reads them ----
for my $path ('/uas/.well-known/oauth-authorization-server', '/uas/.well-known/openid-configuration') {
    my $d = json_of(api(GET => $path, auth => undef));
    is($d && $d->{issuer}, $ISS, "$path: issuer");
    is($d && $d->{token_endpoint}, "$ISS/oauth2/token", "$path: token_endpoint");
    is($d && $d->{jwks_uri}, "$ISS/oauth2/metadata.jwks", "$path: jwks_uri");
    is_deeply($d && $d->{grant_types_supported}, ['client_credentials'], "$path: grant_types_supported");
    is_deeply($d && $d->{token_endpoint_auth_methods_supported}, [qw(client_secret_basic client_secret_post)],
        "$path: token_endpoint_auth_methods_supported");
    ok($d && grep({ $_ eq 'sso.manage' } @{ $d->{scopes_supported} // [] }), "$path: scopes_supported");
}
my $jwks = json_of(api(GET => '/uas/oauth2/metadata.jwks', auth => undef));
my ($jwk) = grep { $_->{kid} eq $kid } @{ $jwks->{keys} // [] };
ok($jwk, 'the JWKS publishes the signing key');
is_deeply([ sort keys %{ $jwk // {} } ], [qw(e kid kty n use)], 'kty, kid, use, n, e and nothing private');
{
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open(my $py, '>', "$dir/check.py") or die $!;
    print $py <<'PY';
import json, sys, urllib.request
import jwt
issuer, token = sys.argv[1], sys.argv[2]
meta = json.load(urllib.request.urlopen(issuer + "/.well-known/oauth-authorization-server"))
key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token)
claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=issuer, issuer=meta["issuer"])
print(claims["client_id"], claims["scope"])
PY
    close $py;
    my $out = `python3 $dir/check.py $ISS $tok->{access_token} 2>&1`;
    is($?, 0, 'PyJWT, given only the issuer URL, finds the JWKS and verifies the token') or diag($out);
    like($out, qr/^\Q$cid\E sso\.manage myid\.rest\.basic$/m, '... and reads its claims');
}

# ---- AuthType Bearer and Require scope ----
my $api = '/sso-api/site/System';
sub bearer { api(GET => $api, auth => undef, headers => { Accept => 'application/json', @_ ? (Authorization => shift) : () }) }
$res = bearer("Bearer $tok->{access_token}");
is($res->code, 200, 'a valid token with sso.manage: 200');
$res = bearer();
is($res->code, 401, 'no token: 401');
like($res->header('WWW-Authenticate') // '', qr/^Bearer realm="idtrust", scope="sso\.manage"$/, '... saying what to ask for');
$res = bearer('Basic ' . encode_base64(join(':', admin_auth()), ''));
is($res->code, 401, 'Basic credentials: 401');

# tokens made here, signed with the server's own key (the test can read it with the
# secret file) or with others
my $dir = File::Temp::tempdir(CLEANUP => 1);
{
    open(my $fh, '>', "$dir/sealed.pem") or die $!;
    print $fh psql("SELECT private_key_pem FROM idtrust.sso_key WHERE kid = '$kid'");
    close $fh;
    system("openssl pkey -in $dir/sealed.pem -passin file:$ENV{IDTRUST_SECRET_FILE} -out $dir/server.pem 2>/dev/null") == 0
        or die "cannot open the server key\n";
    system("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $dir/other.pem 2>/dev/null") == 0 or die;
}
sub jwt_rs256 {
    my ($header, $claims, $keyfile) = @_;
    my $input = b64url($JSON->encode($header)) . '.' . b64url($JSON->encode($claims));
    open(my $in, '>', "$dir/input") or die $!;
    print $in $input;
    close $in;
    my $sig = `openssl dgst -sha256 -sign $keyfile -binary $dir/input`;
    return "$input." . b64url($sig);
}
my $now = time;
my %good = (iss => $ISS, aud => $ISS, sub => $cid, client_id => $cid, scope => 'sso.manage', iat => $now,
    exp => $now + 300, jti => "t-$$");
my %h = (alg => 'RS256', typ => 'at+jwt', kid => $kid);
is(bearer('Bearer ' . jwt_rs256(\%h, \%good, "$dir/server.pem"))->code, 200, 'a token made with the server key: 200 (the forgeries below differ from it in one point)');
my $pub = `openssl pkey -in $dir/server.pem -pubout`;
my $hs_input = b64url($JSON->encode({ %h, alg => 'HS256' })) . '.' . b64url($JSON->encode(\%good));
my @attacks = (
    [ 'alg none', b64url($JSON->encode({ %h, alg => 'none' })) . '.' . b64url($JSON->encode(\%good)) . '.' ],
    [ 'HS256 keyed with the public key', "$hs_input." . b64url(hmac_sha256($hs_input, $pub)) ],
    [ 'a bad signature', do { my $t = jwt_rs256(\%h, \%good, "$dir/server.pem"); substr($t, -10, 4) = 'AAAA'; $t } ],
    [ 'signed by another key under the kid', jwt_rs256(\%h, \%good, "$dir/other.pem") ],
    [ 'an unknown kid', jwt_rs256({ %h, kid => 'no-such-key' }, \%good, "$dir/other.pem") ],
    [ 'expired', jwt_rs256(\%h, { %good, iat => $now - 7200, exp => $now - 3600 }, "$dir/server.pem") ],
    [ 'not yet valid', jwt_rs256(\%h, { %good, iat => $now + 3600, exp => $now + 7200 }, "$dir/server.pem") ],
    [ 'another issuer', jwt_rs256(\%h, { %good, iss => 'https://evil.example/uas' }, "$dir/server.pem") ],
    [ 'another audience', jwt_rs256(\%h, { %good, aud => 'https://other.example' }, "$dir/server.pem") ],
    [ 'typ JWT (not an access token)', jwt_rs256({ %h, typ => 'JWT' }, \%good, "$dir/server.pem") ],
    [ 'malformed', 'not.a.token' ],
    [ 'two parts', "$h64.$p64" ],
    [ 'garbage (7.6 KB)', 'Zm9v' x 1900 ],
);
for my $a (@attacks) {
    my ($what, $t) = @$a;
    my $r = bearer("Bearer $t");
    is($r->code, 401, "$what: 401");
    like($r->header('WWW-Authenticate') // '', qr/^Bearer realm="idtrust", scope="sso\.manage", error="invalid_token", error_description="[^"]+"$/,
        "$what: error=\"invalid_token\"");
}
{
    my $r = grant(scope => 'myid.rest.basic');
    my $narrow = json_of($r)->{access_token};
    $r = bearer("Bearer $narrow");
    is($r->code, 403, 'a valid token without sso.manage: 403');
    like($r->header('WWW-Authenticate') // '', qr/error="insufficient_scope"/, '... insufficient_scope');
}
like(error_log_text(), qr/SA00302: bearer token refused/, 'refusals are logged');
unlike(error_log_text(), qr/\Q$p64\E/, 'tokens are not');

# ---- rotation: a client keeps calling while the signing key changes ----
{
    my $old = psql("SELECT o.path FROM idtrust.sso_object o JOIN idtrust.sso_key k ON k.credential_id = o.id WHERE k.kid = '$kid'");
    my $pid = open(my $kid_fh, '-|') // die "fork: $!";
    if (!$pid) {
        # the client: a fresh token and a call, again and again, for 6 s
        my ($n, $bad) = (0, 0);
        my $end = Time::HiRes::time() + 6;
        while (Time::HiRes::time() < $end) {
            my $t = json_of(grant(scope => 'sso.manage'));
            my $code = $t && $t->{access_token} ? bearer("Bearer $t->{access_token}")->code : 0;
            $n++;
            $bad++ if $code != 200;
        }
        print "$n $bad\n";
        exit 0;
    }
    sleep 1;
    my $ts = sub { my @t = gmtime(time + shift); sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]) };
    my $r = sso(PUT => '/credential/System/ServerKeyContainer/rotated', form => [ 'kty=RSA', 'enabled=true', 'use=sig', 'notBefore=' . $ts->(0) ]);
    ok($r->code == 200 || $r->code == 201, 'a new key, valid now') or diag($r->as_string);
    $r = sso(PUT => '/server/$link/credential/System/ServerKeyContainer/rotated');
    ok($r->is_success, 'linked to the server') or diag($r->as_string);
    sleep 2;
    $r = sso(DELETE => "/server/\$link/credential$old");
    ok($r->is_success, 'the old key unlinked') or diag($r->as_string);
    my ($n, $bad) = split ' ', scalar <$kid_fh>;
    waitpid($pid, 0);
    cmp_ok($n, '>', 20, "the client made $n calls during the rotation");
    is($bad, 0, 'none of them failed');
    my $now_kid = JSON::PP->new->decode(unb64url((split /\./, json_of(grant())->{access_token})[0]))->{kid};
    isnt($now_kid, $kid, 'tokens are now signed with the new key');
    ok(!grep({ $_->{kid} eq $kid } @{ json_of(api(GET => '/uas/oauth2/metadata.jwks', auth => undef))->{keys} }),
        'the JWKS no longer publishes the old key');
    is(bearer("Bearer $tok->{access_token}")->code, 401, 'a token of the old key is refused once it is unlinked');
}

done_testing();
