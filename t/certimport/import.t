# POST /rest.core/api/Certificates/import in every form it takes (base64 DER, PEM, a
# PKCS#7 certs-only bundle as base64 DER and as PEM, a bundle with its CA), the same
# certificate twice, and each bad input; GET /Certificates/{id} checked against openssl's
# view of the same certificate; GET /Certificates with its filters and pages.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::Piece ();
use lib 't/lib';
use IdtTest;

plan tests => 89, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

my $dir = File::Temp::tempdir(CLEANUP => 1);
my $uniq = "$$-" . int(rand(1e6));
my $policy = ci_policy(name => "Unmanaged Imported $uniq", externalNotificationData => 'target-oid');
my $oid = $policy->{objectId};

sub write_file { my ($f, $s) = @_; open(my $fh, '>', $f) or die; print $fh $s; close $fh; $f }
sub read_file { my $f = shift; open(my $fh, '<', $f) or die "$f: $!"; local $/; scalar <$fh> }
sub counts { psql('SELECT (SELECT count(*) FROM idtrust.certificate) || \' \' || '
    . '(SELECT count(*) FROM idtrust.ci_certificate) || \' \' || (SELECT count(*) FROM idtrust.ci_person)') }

# a certificate for a person, issued by a CA of the test's own
openssl_cmd('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', "/O=Test/CN=CA $uniq",
    '-keyout', "$dir/ca.key", '-out', "$dir/ca.pem", '-addext', 'basicConstraints=critical,CA:TRUE');
sub issue {
    my ($cn, $n) = @_;
    openssl_cmd('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', "/O=Test/OU=People/CN=$cn",
        '-keyout', "$dir/$n.key", '-out', "$dir/$n.csr");
    openssl_cmd('x509', '-req', '-in', "$dir/$n.csr", '-CA', "$dir/ca.pem", '-CAkey', "$dir/ca.key",
        '-set_serial', '0x' . sprintf('%x', 1e6 + int(rand(1e9))) . 'ab', '-days', '20', '-out', "$dir/$n.pem");
    return read_file("$dir/$n.pem");
}
my $pem = issue("John Smith $uniq", 'u1');

my $before = counts();
my $res = ci_import(pem_b64($pem), $oid, extra => { createUser => JSON::PP::true() });
is $res->code, 201, 'base64 DER with createUser: 201' or diag $res->as_string;
my $v = json_of($res);
my $id = $v->{id};
like $res->header('Location') // '', qr{/rest\.core/api/Certificates/\Q$id\E$}, 'Location names it';
my @b = split / /, $before;
my @a = split / /, counts();
is_deeply [ $a[0] - $b[0], $a[1] - $b[1], $a[2] - $b[2] ], [1, 1, 1],
    'one inventory row, one MyID certificate, one person';
is psql("SELECT source FROM idtrust.certificate WHERE id = '$id'"), 'certimport.import', 'inventory source';

# the seed's field set, exactly
my $got = json_of(ci_api(GET => "/Certificates/$id"));
is_deeply [ sort keys %$got ], [ sort qw(id target automaticRenewal cAPath certPolicy certSerialNo status
    certStatusDescription collected containerName number imported issuance issuerDN
    keyArchivalDisplayName keyArchived expiryDate dateIssued renewalDate requestID response
    statusMapping userDN userSid) ], 'GET: the seed\'s field set';
is_deeply $got, $v, 'GET answers what the import answered';
is_deeply [ sort keys %{ $got->{target} } ], [qw(id name)], 'target {id, name}';
is $got->{target}{name}, "John Smith $uniq", 'target.name: the subject CN (createUser)';
is_deeply [ sort keys %{ $got->{issuance} } ], [qw(completeTime startTime)], 'issuance {completeTime, startTime}';
is_deeply $got->{statusMapping}, { id => '1' }, 'statusMapping {id}';
is $got->{certPolicy}, $policy->{name}, 'certPolicy: the policy name';
is $got->{imported}, '1', 'imported';
is $got->{status}, '1', 'status 1 (issued)';

# against openssl
my ($serial) = openssl_cmd('x509', '-in', "$dir/u1.pem", '-noout', '-serial') =~ /serial=([0-9A-F]+)/;
is $got->{certSerialNo}, $serial, "certSerialNo is openssl's serial ($serial)";
my ($subject) = openssl_cmd('x509', '-in', "$dir/u1.pem", '-noout', '-subject', '-nameopt', 'RFC2253') =~ /subject=(.*)/;
my ($issuer) = openssl_cmd('x509', '-in', "$dir/u1.pem", '-noout', '-issuer', '-nameopt', 'RFC2253') =~ /issuer=(.*)/;
is $got->{userDN}, $subject, "userDN is openssl's RFC 2253 subject";
is $got->{issuerDN}, $issuer, "issuerDN is openssl's RFC 2253 issuer";
my %dates = openssl_cmd('x509', '-in', "$dir/u1.pem", '-noout', '-dates') =~ /^(\w+)=(.*)$/mg;
sub odate { my $t = Time::Piece->strptime(join(' ', split ' ', $_[0]), '%b %d %H:%M:%S %Y GMT'); $t->strftime('%Y-%m-%d %H:%M:%S') }
is $got->{dateIssued}, odate($dates{notBefore}), 'dateIssued is notBefore (UTC)';
is $got->{expiryDate}, odate($dates{notAfter}), 'expiryDate is notAfter (UTC)';
like $got->{number}, qr/^\d+$/, 'number is a sequence number';
like $got->{issuance}{startTime}, qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'issuance times as yyyy-MM-dd HH:mm:ss';

# the same certificate again, in another form: the same row
$before = counts();
$res = ci_import($pem, $oid);
is $res->code, 200, 'the same certificate again (PEM): 200';
is json_of($res)->{id}, $id, 'answered with the certificate imported before';
is counts(), $before, 'and no second row';

# what the import recorded: its audit row and the person's
my ($client) = sso_test_client();
is psql("SELECT actor || ' ' || (detail->>'cert_policy_id') || ' ' || (detail->>'sha256' ~ '^[0-9a-f]{64}\$') "
    . "FROM idtrust.audit WHERE action = 'myid_certificate.import' AND object_id = '$id'"),
    "$client $oid true", 'the import is audited once: the client, the policy, the fingerprint';
is psql("SELECT count(*) || ' ' || min(detail->>'dn') FROM idtrust.audit WHERE action = 'myid_person.create' "
    . "AND object_id = '$got->{target}{id}'"), "1 $subject", 'the person made is audited once, with the DN';

# a person found again without createUser
my $pem2 = issue("John Smith $uniq", 'u1b');
$res = ci_import($pem2, $oid);
is $res->code, 201, 'PEM: 201';
is json_of($res)->{target}{id}, $got->{target}{id}, 'a second certificate of the same subject: the same person';

# a person found again with createUser: the same person, no second audit of it
my $pem2b = issue("John Smith $uniq", 'u1c');
$res = ci_import($pem2b, $oid, extra => { createUser => JSON::PP::true() });
is json_of($res)->{target}{id}, $got->{target}{id}, 'createUser and the person exists: that person';
is psql("SELECT count(*) FROM idtrust.audit WHERE action = 'myid_person.create' AND object_id = '$got->{target}{id}'"),
    1, 'and it is not made (nor audited) again';

# one new certificate sent by 8 clients at once, three times: one of them imports it,
# the others are answered with that import (the statement that looks for it runs once
# the certificate's lock is held). The clients start together: each waits for the
# parent to close the pipe they all read.
sso_token('myid.rest.basic');
for my $round (1 .. 3) {
    my $pem5 = issue("Concurrent $round $uniq", "u5r$round");
    $before = counts();
    pipe(my $go_r, my $go_w) or die "pipe: $!";
    my @pipes;
    for (1 .. 8) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $r;
            close $go_w;
            my $byte;
            sysread($go_r, $byte, 1);
            my $res = ci_import($pem5, $oid, extra => { createUser => JSON::PP::true() });
            print $w $res->code, ' ', ((json_of($res) // {})->{id} // '-'), "\n";
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @pipes, $r;
    }
    close $go_r;
    select(undef, undef, undef, 0.3);
    close $go_w;
    my @got = map { my $l = readline($_) // ''; chomp $l; $l } @pipes;
    1 while waitpid(-1, 0) > 0;
    is_deeply [ sort map { (split ' ')[0] // '' } @got ], [ 200, 200, 200, 200, 200, 200, 200, 201 ],
        "round $round: 8 clients import one certificate at once: one 201, seven 200" or diag join(', ', @got);
    my %ids = map { ((split ' ')[1] // '') => 1 } @got;
    is scalar(keys %ids), 1, "round $round: all eight answered with the same certificate";
    my @b5 = split / /, $before;
    my @a5 = split / /, counts();
    is_deeply [ $a5[0] - $b5[0], $a5[1] - $b5[1], $a5[2] - $b5[2] ], [1, 1, 1],
        "round $round: one inventory row, one MyID certificate, one person";
}

# PKCS#7 certs-only bundles
my $pem3 = issue("Jane Roe $uniq", 'u3');
my $p7der = openssl_cmd('crl2pkcs7', '-nocrl', '-certfile', "$dir/u3.pem", '-outform', 'DER');
$res = ci_import(encode_base64($p7der, ''), $oid);
is $res->code, 201, 'PKCS#7 bundle, base64 DER: 201' or diag $res->as_string;
is json_of($res)->{userDN}, "CN=Jane Roe $uniq,OU=People,O=Test", 'its certificate';
is json_of($res)->{target}{id}, undef, 'no createUser, no such person: no target';
my $pem4 = issue("Richard Roe $uniq", 'u4');
my $p7pem = openssl_cmd('crl2pkcs7', '-nocrl', '-certfile', "$dir/u4.pem", '-certfile', "$dir/ca.pem");
like $p7pem, qr/BEGIN PKCS7/, 'a PEM bundle of the certificate and its CA';
$res = ci_import($p7pem, $oid);
is $res->code, 201, 'PKCS#7 bundle with its CA, PEM: 201' or diag $res->as_string;
is json_of($res)->{userDN}, "CN=Richard Roe $uniq,OU=People,O=Test", 'the end-entity certificate of the bundle';

# bad inputs: nothing stored, a problem answer each
$before = counts();
my $audit = psql('SELECT count(*) FROM idtrust.audit');
ci_problem_ok(ci_import('not a certificate at all', $oid), 400, 'garbage', qr/x509: the certificate cannot be (read|decoded)/);
my $der = openssl_cmd('x509', '-in', "$dir/u3.pem", '-outform', 'DER');
ci_problem_ok(ci_import(encode_base64(substr($der, 0, int(length($der) / 2)), ''), $oid), 400,
    'truncated DER', qr/cannot be (read|decoded)/);
ci_problem_ok(ci_import(read_file("$dir/u3.key"), $oid), 400, 'a private key', qr/private key/i);
ci_problem_ok(ci_import($pem . read_file("$dir/u3.key"), $oid), 400, 'a certificate with its private key',
    qr/private key/i);
ci_problem_ok(ci_import(pem_b64($pem3), "1.2.3.no-such-policy-$uniq"), 400, 'an unknown policy',
    qr/certPolicyId names no certificate policy/);
my $two = openssl_cmd('crl2pkcs7', '-nocrl', '-certfile', "$dir/u3.pem", '-certfile', "$dir/u4.pem");
ci_problem_ok(ci_import($two, $oid), 400, 'a bundle of two end entities', qr/no single end-entity/);
ci_problem_ok(ci_import($pem3 . $pem4, $oid), 400, 'two PEM certificates', qr/certificates/);
ci_problem_ok(ci_import('', $oid), 400, 'empty x509', qr/x509/);
ci_problem_ok(ci_api(POST => '/Certificates/import', body => { certPolicyId => $oid }), 400,
    'no x509', qr/x509/);
ci_problem_ok(ci_api(POST => '/Certificates/import',
    body => { x509 => pem_b64($pem3), certPolicyId => $oid, extra => 1 }), 400, 'an unknown member', qr/extra/);
ci_problem_ok(ci_api(POST => '/Certificates/import',
    body => { x509 => pem_b64($pem3), certPolicyId => $oid }, headers => { 'x-api-version' => 2 }), 400,
    'x-api-version 2', qr/x-api-version/);
ci_problem_ok(ci_api(POST => '/Certificates/import', body => '{}', type => 'text/plain'), 415,
    'not JSON', qr/application\/json/);

# credentials: a bearer token of this server with the scope myid.rest.basic, nothing else
my $r = ci_import(pem_b64($pem3), $oid, auth => undef);
ci_problem_ok($r, 401, 'no token');
is $r->header('WWW-Authenticate') // '', 'Bearer realm="idtrust", scope="myid.rest.basic"',
    '... with WWW-Authenticate: Bearer, the realm and the scope to ask for';
my $bearer_error = sub { qr/^Bearer realm="idtrust", scope="myid\.rest\.basic", error="$_[0]", error_description="[^"]+"$/ };
$r = ci_import(pem_b64($pem3), $oid, bearer => 'not-a-token');
ci_problem_ok($r, 401, 'a token that is not one');
like $r->header('WWW-Authenticate') // '', $bearer_error->('invalid_token'), '... error="invalid_token"';
my $forged = sso_token('myid.rest.basic');
# a character in the middle of the signature, not its last (which may carry only padding bits)
substr($forged, -20, 1) = substr($forged, -20, 1) eq 'A' ? 'B' : 'A';
$r = ci_import(pem_b64($pem3), $oid, bearer => $forged);
ci_problem_ok($r, 401, 'a token whose signature does not verify');
like $r->header('WWW-Authenticate') // '', $bearer_error->('invalid_token'), '... error="invalid_token"';
$r = ci_import(pem_b64($pem3), $oid, scope => 'sso.manage');
ci_problem_ok($r, 403, 'a valid token with only sso.manage');
like $r->header('WWW-Authenticate') // '', $bearer_error->('insufficient_scope'), '... error="insufficient_scope"';
ci_problem_ok(ci_api(GET => "/Certificates/$id", scope => 'sso.manage'), 403, '... which may not read either');
$r = ci_import(pem_b64($pem3), $oid, auth => [ admin_auth() ]);
ci_problem_ok($r, 401, "HTTP Basic credentials, even an admin's");
like $r->header('WWW-Authenticate') // '', qr/^Bearer realm="idtrust"/, '... asked for a bearer token';
is counts(), $before, 'none of these stored anything';
is psql('SELECT count(*) FROM idtrust.audit'), $audit, 'nor audited anything';

ci_problem_ok(ci_api(GET => '/Certificates/00000000-0000-4000-8000-000000000000'), 404, 'unknown id');
ci_problem_ok(ci_api(GET => '/Certificates/nonsense'), 404, 'not an id');

# pages and filters
$res = ci_api(GET => "/Certificates?policy=$oid&limit=2");
my $page = json_of($res);
is scalar @{ $page->{results} }, 2, 'a page of 2' or diag $res->as_string;
ok defined $page->{page_info}{next_marker}, 'with a next marker';
my $page2 = json_of(ci_api(GET => "/Certificates?policy=$oid&limit=10&marker=$page->{page_info}{next_marker}"));
is scalar @{ $page2->{results} }, 6, 'the rest: 8 certificates under the policy in all';
is_deeply [ map { $_->{id} } @{ $page2->{results} } ],
    [ grep { my $x = $_; !grep { $_ eq $x } map { $_->{id} } @{ $page->{results} } } map { $_->{id} } @{ $page2->{results} } ],
    'no certificate on both pages';
$res = ci_api(GET => "/Certificates?serial=$serial");
is_deeply [ map { $_->{id} } @{ json_of($res)->{results} } ], [$id], 'by serial (certSerialNo)';
my $by_issuer = json_of(ci_api(GET => '/Certificates?issuer=' . uri_escape($issuer) . "&policy=$oid"));
is scalar @{ $by_issuer->{results} }, 8, 'by issuer';
my $soon = Time::Piece->gmtime(time + 25 * 86400)->strftime('%Y-%m-%d');
is scalar @{ json_of(ci_api(GET => "/Certificates?policy=$oid&expiringBefore=$soon"))->{results} }, 8,
    'expiring before a date';
is scalar @{ json_of(ci_api(GET => "/Certificates?policy=$oid&expiringBefore=2000-01-01"))->{results} }, 0,
    'none expiring before 2000';
ci_problem_ok(ci_api(GET => '/Certificates?expiringBefore=soon'), 400, 'a bad date', qr/expiringBefore/);
ci_problem_ok(ci_api(GET => '/Certificates?colour=red'), 400, 'an unknown parameter', qr/colour/);

sub uri_escape { my $s = shift; $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge; $s }

# the admin API's lists, paged by name (idt_page_list)
for my $coll (['certificate-policies', 'certificate_policies', sub { ci_policy() }],
              ['external-systems', 'external_systems', sub { ci_system() }]) {
    my ($path, $member, $make) = @$coll;
    $make->() for 1 .. 3;
    my $total = scalar @{ json_of(api(GET => "/idtrust/v1/$path?limit=1000"))->{$member} };
    my $first = json_of(api(GET => "/idtrust/v1/$path?limit=2"));
    is scalar @{ $first->{$member} }, 2, "$path: a page of 2";
    my @names = map { $_->{name} } @{ $first->{$member} };
    my $next = $first->{page_info}{next_marker};
    while (defined $next) {
        my $p = json_of(api(GET => "/idtrust/v1/$path?limit=2&marker=" . uri_escape($next)));
        push @names, map { $_->{name} } @{ $p->{$member} };
        $next = $p->{page_info}{next_marker};
    }
    is_deeply \@names, [ sort @names ], "$path: in name order, each once across the pages"
        if is scalar(@names), $total, "$path: following the markers gives all $total";
    is api(GET => "/idtrust/v1/$path?colour=red")->code, 400, "$path: an unknown query parameter is 400";
}
