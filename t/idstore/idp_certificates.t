# Certificates of an external IdP: import (the seed 003 example as a user copies it),
# the refusals of what is not exactly one valid certificate, the listing checked
# against openssl's own reading of each certificate, and delete.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use File::Temp ();
use Time::Local ();
use Math::BigInt;
use lib 't/lib';
use IdtTest;

plan tests => 141;

my $UUID = qr/\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z/;
my $NONE = '00000000-0000-4000-8000-000000000000';

my $store = new_store();
my $idp = new_idp($store);
my $base = "/v1/identity-stores/$store/external-idp/$idp->{idp_id}/certificate";

sub slurp {
    my $f = shift;
    open(my $fh, '<', $f) or die "$f: $!";
    local $/;
    return scalar <$fh>;
}

# A certificate made by openssl with the given subject, serial and key type; returns
# (PEM, key file).
sub make_cert {
    my %o = (subj => '/CN=cert.idp.example.test', key => 'rsa', @_);
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my @key = $o{key} eq 'ec' ? ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256')
        : ('-newkey', 'rsa:2048');
    open(my $err, '>&', \*STDERR) or die;
    open(STDERR, '>', '/dev/null') or die; # key generation progress
    my $rc = system('openssl', 'req', '-x509', @key, '-nodes', '-days', 30, '-subj', $o{subj},
        ($o{serial} ? ('-set_serial', $o{serial}) : ()), '-keyout', "$dir/k.pem",
        '-out', "$dir/c.pem");
    open(STDERR, '>&', $err) or die;
    $rc == 0 or die "openssl req -x509";
    my $pem = slurp("$dir/c.pem");
    return wantarray ? ($pem, "$dir/k.pem") : $pem;
}

# Milliseconds since the epoch of openssl's "Nov 24 05:29:49 2027 GMT".
sub gmt_ms {
    my %mon; @mon{qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)} = 0 .. 11;
    my ($m, $d, $h, $mi, $s, $y) = (shift // '') =~ /\A(\w{3}) +(\d+) (\d+):(\d+):(\d+) (\d{4}) GMT\z/
        or return undef;
    return Time::Local::timegm($s, $mi, $h, $d, $mon{$m}, $y) * 1000;
}

# What openssl says of a PEM certificate.
sub openssl_facts {
    my $pem = shift;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open(my $fh, '>', "$dir/c.pem") or die;
    print $fh $pem;
    close $fh;
    my %f = map { /\A(\w+)=(.*)\z/ ? ($1 => $2) : () } split /\n/,
        `openssl x509 -in $dir/c.pem -noout -subject -issuer -serial -dates -nameopt RFC2253`;
    $f{serial_dec} = Math::BigInt->from_hex($f{serial})->bstr;
    $f{not_before_ms} = gmt_ms($f{notBefore});
    $f{not_after_ms} = gmt_ms($f{notAfter});
    $f{public_key} = pem_b64(scalar `openssl x509 -in $dir/c.pem -noout -pubkey`);
    return \%f;
}

sub import_cert {
    my ($pem, %o) = @_;
    return api(POST => $o{path} // $base,
        body => $o{raw} // { x509_certificate_in_pem => $pem, certificate_use => $o{use} // 'SIGNING' });
}

sub listed {
    my $res = api(GET => shift // $base);
    return $res->code == 200 ? (json_of($res) // {})->{idp_certificates} : undef;
}

sub find_cert {
    my $id = shift;
    my ($c) = grep { $_->{certificate_id} eq $id } @{ listed() // [] };
    return $c;
}

# An import that must fail with status and code and change nothing.
sub refused {
    my ($what, $status, $code, $pem, %o) = @_;
    my $before = idp_counts();
    my $res = import_cert($pem, %o);
    is($res->code, $status, "$what: $status");
    is((json_of($res) // {})->{error_code}, $code, "$what: $code");
    is(idp_counts(), $before, "$what: nothing is written");
    return $res;
}

# JSON string literal of s with \r and \n escaped, as in the seed's example
sub json_str {
    my $s = shift;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return qq("$s");
}

# ---- the seed 003 example, verbatim in shape ----
my ($seed_pem) = make_cert(subj => '/CN=seed.idp.example.test');
my $raw = "{\n\"x509_certificate_in_pem\" : " . json_str(pem_crlf($seed_pem))
    . ",\n\"certificate_use\" : \"SIGNING\"\n}";
like($raw, qr/-----END CERTIFICATE-----\\r\\n",/, 'the body ends the PEM with \r\n as the seed does');
my $res = import_cert(undef, raw => $raw);
is($res->code, 200, 'seed example: 200');
like($res->header('Content-Type') // '', qr{\Aapplication/json}, 'seed example: JSON');
my $j = json_of($res) // {};
is_deeply([ keys %$j ], ['certificate_id'], 'seed example: the body is {certificate_id}');
like($j->{certificate_id} // '', $UUID, 'seed example: certificate_id is a uuid');
my $seed_id = $j->{certificate_id} // 'none';
ok(find_cert($seed_id), 'seed example: the certificate is listed');
is(psql("SELECT count(*) FROM idtrust.audit WHERE action = 'idp_certificate.import' "
        . "AND object_id = '$seed_id'"), 1, 'seed example: the import is audited');

# the example's own form: the whole PEM on one line, then \r\n
my ($line_pem) = make_cert(subj => '/CN=one-line.idp.example.test');
my $one_line = "-----BEGIN CERTIFICATE-----" . pem_b64($line_pem) . "-----END CERTIFICATE-----\r\n";
$res = import_cert(undef, raw => "{\n\"x509_certificate_in_pem\" : " . json_str($one_line)
    . ",\n\"certificate_use\" : \"SIGNING\"\n}");
is($res->code, 200, 'a PEM on one line as in the example: 200');

$res = import_cert(scalar make_cert(subj => '/CN=signature.idp.example.test'), use => 'signature');
is($res->code, 200, 'certificate_use "signature" (the API text) is accepted');
like((json_of($res) // {})->{certificate_id} // '', $UUID, 'and returns a certificate_id');

$res = api(POST => $base, headers => { 'X-Security-Token' => 'c2Vzc2lvbi10b2tlbg==' },
    body => { x509_certificate_in_pem => scalar make_cert(subj => '/CN=token.idp.example.test'),
        certificate_use => 'SIGNING' });
is($res->code, 200, 'with the optional X-Security-Token header: 200');

$res = import_cert(scalar make_cert(subj => '/CN=lf.idp.example.test'));
is($res->code, 200, 'a PEM with \n line ends: 200');

my ($bare_pem) = make_cert(subj => '/CN=bare.idp.example.test');
$res = import_cert(pem_b64($bare_pem));
is($res->code, 200, 'bare base64 DER without PEM header lines: 200');
my $bare = find_cert((json_of($res) // {})->{certificate_id} // 'none') // {};
is(pem_b64($bare->{x509_Certificate_in_pem} // ''), pem_b64($bare_pem), 'and it is that certificate');

# ---- refusals ----
my $pem_x = make_cert(subj => '/CN=x.idp.example.test');
refused('certificate_use ENCRYPTION', 400, 'IIC.400', $pem_x, use => 'ENCRYPTION');
refused('certificate_use missing', 400, 'IIC.400', undef,
    raw => { x509_certificate_in_pem => $pem_x });
refused('x509_certificate_in_pem missing', 400, 'IIC.400', undef, raw => { certificate_use => 'SIGNING' });
refused('a chain of two', 400, 'IIC.1713', pem_crlf($pem_x . make_cert(subj => '/CN=ca.example.test')));
refused('garbage', 400, 'IIC.1712', 'this is not a certificate!');
refused('truncated PEM (no END line)', 400, 'IIC.1712', substr($pem_x, 0, int(length($pem_x) * 0.6)));
my @lines = split /\n/, $pem_x;
refused('truncated PEM (body cut, END line kept)', 400, 'IIC.1712',
    join("\n", @lines[0 .. int(@lines / 2)], $lines[-1]) . "\n");
refused('an expired certificate', 400, 'IIC.1714', openssl_cert(expired => 1));

# a private key pasted by mistake: refused, and never echoed or logged
my ($key_cert, $key_file) = make_cert(subj => '/CN=key.idp.example.test');
my $pkcs8 = slurp($key_file);
my $rsa = `openssl rsa -in $key_file -traditional 2>/dev/null`;
like($pkcs8, qr/-----BEGIN PRIVATE KEY-----/, 'the PKCS#8 key is at hand');
like($rsa, qr/-----BEGIN RSA PRIVATE KEY-----/, 'the traditional RSA key is at hand');
my @slices = map { substr(pem_b64($_), 400, 40) } $pkcs8, $rsa;
my @bodies;
for ([ 'PKCS#8 private key', $pkcs8 ], [ 'RSA PRIVATE KEY', $rsa ],
    [ 'private key and certificate', $pkcs8 . $key_cert ],
    [ 'certificate and private key', pem_crlf($key_cert . $rsa) ],
    [ 'private key as bare base64', pem_b64($pkcs8) ]) {
    my ($what, $text) = @$_;
    my $r = refused($what, 400, 'IIC.1715', $text);
    push @bodies, $r->decoded_content;
}
my $bodies = join "\n", @bodies;
my $log = error_log_text();
for my $i (0, 1) {
    my $what = $i ? 'RSA PRIVATE KEY' : 'PKCS#8';
    ok(index($bodies, $slices[$i]) < 0, "no part of the $what key is in a response");
    ok(index($log, $slices[$i]) < 0, "no part of the $what key is in the error log");
}
like($log, qr/private key/, 'the error log does record the refusals');

# the same certificate twice
$res = refused('the same certificate again', 409, 'IIC.409', $seed_pem);
like((json_of($res) // {})->{error_msg} // '', qr/\Q$seed_id\E/, 'the conflict names the certificate held');
refused('the same certificate again, in another form', 409, 'IIC.409', pem_b64($seed_pem));

# oversize: refused by the body limit, in the envelope
$res = eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 120;
    my $r = refused('a 2 MiB body', 413, 'IIC.413', 'A' x (2 * 1024 * 1024));
    alarm 0;
    $r;
};
alarm 0;
ok($res, 'a 2 MiB body is answered') or diag($@);

# ---- the listing, checked against openssl ----
my $idp2 = new_idp($store, pem => scalar make_cert(subj => '/CN=idp2.example.test'));
my $base2 = "/v1/identity-stores/$store/external-idp/$idp2->{idp_id}/certificate";
my ($rsa_pem) = make_cert(subj => '/C=DE/O=Example Org, Inc./OU=IAM/CN=signing.idp.example.test',
    serial => 4660);
my ($ec_pem) = make_cert(subj => '/CN=ec.idp.example.test', key => 'ec');
my %imported;
for ([ rsa => $rsa_pem ], [ ec => $ec_pem ]) {
    my ($k, $pem) = @$_;
    $res = import_cert($pem, path => $base2);
    is($res->code, 200, "$k certificate imported");
    $imported{$k} = (json_of($res) // {})->{certificate_id} // 'none';
}
$res = api(GET => $base2);
is($res->code, 200, 'list: 200');
my $list = (json_of($res) // {})->{idp_certificates};
is(ref $list, 'ARRAY', 'list: idp_certificates is an array');
is(scalar @{ $list // [] }, 3, 'list: the IdP\'s own certificate and the two imported');
my %by_id = map { $_->{certificate_id} => $_ } @{ $list // [] };
is_deeply([ sort keys %{ $by_id{ $imported{rsa} } // {} } ],
    [ sort qw(certificate_id issuer_name subject_name serial_number serial_number_string not_before
        not_after signature_algorithm_name public_key version x509_Certificate_in_pem) ],
    'list: a certificate has the documented members');
for ([ rsa => $rsa_pem, 'SHA256withRSA' ], [ ec => $ec_pem, 'SHA256withECDSA' ],
    [ 'IdP\'s own' => $idp2->{pem}, 'SHA256withRSA', $idp2->{certificate_id} ]) {
    my ($k, $pem, $alg, $id) = @$_;
    my $c = $by_id{ $id // $imported{$k} } // {};
    my $f = openssl_facts($pem);
    is($c->{subject_name}, $f->{subject}, "$k: subject_name is the RFC 2253 subject");
    is($c->{issuer_name}, $f->{issuer}, "$k: issuer_name");
    is($c->{serial_number_string}, $f->{serial_dec}, "$k: serial_number_string is the decimal serial");
    is($c->{not_before}, $f->{not_before_ms}, "$k: not_before in ms");
    is($c->{not_after}, $f->{not_after_ms}, "$k: not_after in ms");
    is($c->{signature_algorithm_name}, $alg, "$k: signature_algorithm_name");
    is($c->{public_key}, $f->{public_key}, "$k: public_key is the DER SubjectPublicKeyInfo");
    is($c->{version}, 3, "$k: version 3");
    is($c->{x509_Certificate_in_pem}, pem_crlf($pem) =~ s/\r\n\z//r, "$k: the PEM with \\r\\n line ends");
}
my $rc = $by_id{ $imported{rsa} } // {};
is($rc->{subject_name}, 'CN=signing.idp.example.test,OU=IAM,O=Example Org\, Inc.,C=DE',
    'rsa: subject in RFC 2253 order and escaping');
is($rc->{serial_number}, 4660, 'rsa: a serial that fits is also a number');
is($rc->{serial_number_string}, '4660', 'rsa: and its string');
ok(exists $by_id{ $imported{ec} }{serial_number} && !defined $by_id{ $imported{ec} }{serial_number},
    'ec: a 160-bit serial is null as a number (only the string holds it)');
like($by_id{ $imported{ec} }{serial_number_string} // '', qr/\A[1-9][0-9]{20,}\z/,
    'ec: and a long decimal as a string');

# ---- delete ----
my $before = scalar @{ listed($base2) // [] };
my $inv = psql("SELECT certificate_id FROM idtrust.idp_certificate WHERE id = '$imported{ec}'");
$res = api(DELETE => "$base2/$imported{ec}");
is($res->code, 204, 'delete: 204');
is($res->content, '', 'delete: no body');
is(scalar @{ listed($base2) // [] }, $before - 1, 'delete: one fewer listed');
ok(!grep({ $_->{certificate_id} eq $imported{ec} } @{ listed($base2) // [] }), 'delete: it is gone');
is(psql("SELECT count(*) FROM idtrust.certificate WHERE id = '$inv'"), 0,
    'delete: and out of the certificate inventory');
is(api(DELETE => "$base2/$imported{ec}")->code, 404, 'delete: again is 404');
$res = api(DELETE => "$base2/$NONE");
is($res->code, 404, 'delete: an unknown certificate id is 404');
is((json_of($res) // {})->{error_code}, 'IIC.404', 'delete: in the envelope');
is(api(DELETE => "$base2/not-a-uuid")->code, 404, 'delete: a certificate id that is not a uuid is 404');
is(api(DELETE => "$base2/$seed_id")->code, 404, 'delete: a certificate of another IdP is 404');
ok(find_cert($seed_id), 'delete: and that one stays');
is(api(DELETE => "$base2/$imported{rsa}")->code, 204, 'delete: down to one certificate');
my ($last) = map { $_->{certificate_id} } @{ listed($base2) // [] };
$before = idp_counts();
$res = api(DELETE => "$base2/" . ($last // 'none'));
is($res->code, 409, 'delete: the last certificate is 409');
is((json_of($res) // {})->{error_code}, 'IIC.409', 'delete: IIC.409');
is_deeply([ map { $_->{certificate_id} } @{ listed($base2) // [] } ], [ $last ], 'delete: the last one remains');
is(idp_counts(), $before, 'delete: the refusal writes nothing');

# ---- unknown or foreign IdPs ----
my $other = new_store();
my $foreign = new_idp($other);
my $fbase = "/v1/identity-stores/$store/external-idp/$foreign->{idp_id}/certificate";
my $nbase = "/v1/identity-stores/$store/external-idp/$NONE/certificate";
my $pem_y = make_cert(subj => '/CN=y.idp.example.test');
refused('import to an unknown IdP', 404, 'IIC.404', $pem_y, path => $nbase);
refused('import to an IdP of another store', 404, 'IIC.404', $pem_y, path => $fbase);
refused('import to an IdP id that is not a uuid', 404, 'IIC.404', $pem_y,
    path => "/v1/identity-stores/$store/external-idp/nope/certificate");
refused('import to an unknown store', 404, 'IIC.404', $pem_y,
    path => "/v1/identity-stores/$NONE/external-idp/$idp->{idp_id}/certificate");
is(api(GET => $nbase)->code, 404, 'list: an unknown IdP is 404');
is(api(GET => $fbase)->code, 404, 'list: an IdP of another store is 404');
is(api(DELETE => "$fbase/$foreign->{certificate_id}")->code, 404,
    'delete: through another store is 404');
is(scalar @{ listed("/v1/identity-stores/$other/external-idp/$foreign->{idp_id}/certificate") // [] }, 1,
    'delete: and the foreign certificate stays');
