# The SSO server's keys (seed 004, "Using Management API to manage keys"): PUT, GET and
# DELETE of /credential/{site}/{name} with the key pair each credential gets, the kid
# (given, or the RFC 7638 thumbprint), the key's association to the server, the CSR
# ($attribute/csr, checked with openssl) and the certificate a test CA signs for it.
# Private keys are encrypted at rest and never shown or logged; every refused request
# leaves the repository as it was.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use Digest::SHA qw(sha256);
use File::Temp ();
use MIME::Base64 qw(encode_base64url);

sso_reset();
my $log_start = length error_log_text();
sub log_since { substr(error_log_text(), $log_start) }

my $dir = File::Temp::tempdir(CLEANUP => 1);
my $C = '/credential/System/ServerKeyContainer';
my $S = '/server/$link/credential/System/ServerKeyContainer';

sub attrs { my $r = sso(GET => $_[0], accept => 'json'); $r->code == 200 ? json_of($r)->{attributes} : { code => $r->code } }

# A column of the key of credential $name in the key container ('' when it has none).
sub key_col {
    my ($name, $col) = @_;
    return psql("SELECT k.$col FROM idtrust.sso_key k JOIN idtrust.sso_object o ON o.id = k.credential_id "
        . "WHERE o.path = '/System/ServerKeyContainer/$name'");
}

# Everything a key request may change: the SSO tables, keys, certificates, the audit trail.
sub counts {
    return join ' ', sso_counts(),
        psql(q{SELECT count(*) || ' ' || coalesce(md5(string_agg(credential_id || kid || public_key_pem
                 || coalesce(certificate_id::text, ''), ',' ORDER BY credential_id)), '') FROM idtrust.sso_key}),
        psql('SELECT count(*) FROM idtrust.certificate');
}

sub write_file { my ($name, $text) = @_; open(my $fh, '>', "$dir/$name") or die $!; print $fh $text; close $fh; "$dir/$name" }
sub read_file { open(my $fh, '<', $_[0]) or die "$_[0]: $!"; local $/; scalar <$fh> }

sub openssl_ok {
    my @args = @_;
    open(my $saved, '>&', \*STDERR) or die;
    open(STDERR, '>', "$dir/openssl.err") or die;
    my $rc = system('openssl', @args);
    open(STDERR, '>&', $saved) or die;
    return $rc == 0;
}

# The RFC 7638 thumbprint of an RSA public key PEM, computed apart from the module.
sub thumbprint {
    my ($out) = openssl_in($_[0], 'rsa', '-pubin', '-noout', '-modulus');
    my ($hex) = $out =~ /Modulus=([0-9A-F]+)/ or die "no modulus";
    $hex =~ s/^(?:00)+//;
    my $n = encode_base64url(pack('H*', $hex));
    return encode_base64url(sha256(qq({"e":"AQAB","kty":"RSA","n":"$n"})));
}

# ---- PUT creates a key ----------------------------------------------------------------
my $res = sso(PUT => "$C/key1", accept => 'json',
    form => ['kty=RSA', 'enabled=true', 'use=sig', 'notBefore=2025-01-01T00:00:00Z',
             ['notOnOrAfter', '2030-01-01T00:00:00+02:00'], 'description=signing key']);
is($res->code, 200, 'PUT /credential/System/ServerKeyContainer/key1: 200, as the seed says');
my $j = json_of($res);
is($j->{type}, 'credential', 'type credential');
is($j->{id}, "$C/key1", 'its id');
my $pub1 = key_col('key1', 'public_key_pem');
like($pub1, qr/\A-----BEGIN PUBLIC KEY-----\n/, 'the key pair is stored: its public key');
my $thumb1 = thumbprint($pub1);
is_deeply($j->{attributes}, { name => 'key1', kty => 'RSA', kid => $thumb1, enabled => 'true', use => 'sig',
    notBefore => '2025-01-01T00:00:00Z', notOnOrAfter => '2030-01-01T00:00:00+02:00', description => 'signing key' },
    'the attributes; kid is the RFC 7638 thumbprint of the public key when none is given');
is(key_col('key1', 'kid'), $thumb1, 'and sso_key.kid is that kid');
my ($bits) = openssl_in($pub1, 'rsa', '-pubin', '-noout', '-text');
like($bits, qr/Public-Key: \(2048 bit\)/, 'a 2048-bit RSA key');
is_deeply(attrs("$C/key1"), $j->{attributes}, 'GET shows the same attributes');
is(psql("SELECT count(*) FROM idtrust.audit WHERE action = 'sso.key.create' AND object_id = '$C/key1' "
    . "AND detail->>'thumbprint' = '$thumb1'"), 1,
    'an audit row for the new key');

# ---- the private key: encrypted at rest, never shown ---------------------------------
my $priv1 = key_col('key1', 'private_key_pem');
like($priv1, qr/\A-----BEGIN ENCRYPTED PRIVATE KEY-----\n/, 'stored as an encrypted PKCS#8 key');
unlike($priv1, qr/BEGIN (?:RSA )?PRIVATE KEY/, 'with no unencrypted key in the column');
my (undef, $rc) = openssl_in($priv1, 'pkey', '-noout', '-passin', 'pass:');
isnt($rc, 0, 'openssl cannot read it without the passphrase');
(undef, $rc) = openssl_in($priv1, 'pkey', '-noout', '-passin', 'pass:not-the-secret');
isnt($rc, 0, 'nor with another one');
my ($pubout, $rc2) = openssl_in($priv1, 'pkey', '-pubout', '-passin', "file:$ENV{IDTRUST_SECRET_FILE}");
is($rc2, 0, 'openssl reads it with -passin file: of the secret key file');
is($pubout =~ s/\s+\z//r, $pub1, 'and it is the private half of the stored public key');
for my $f ('text', 'json', 'xml') {
    my $body = sso(GET => "$C/key1", accept => $f)->content;
    unlike($body, qr/BEGIN|PRIVATE|PUBLIC|MII/, "GET ($f) shows no key material");
}
my $list = sso(GET => '/site/System/ServerKeyContainer/$link/one', accept => 'json')->content;
like($list, qr{"id":"\Q$C\E/key1"}, 'the key container lists the key');
unlike($list, qr/BEGIN|PRIVATE|PUBLIC|MII/, 'without key material');

# ---- kid ----------------------------------------------------------------------------------
$res = sso(PUT => "$C/key2", form => ['kty=RSA', 'kid=key-two']);
is($res->code, 200, 'PUT key2 with kid=key-two: 200');
is(key_col('key2', 'kid'), 'key-two', 'sso_key.kid is the kid given');
is(attrs("$C/key2")->{kid}, 'key-two', 'and so is the attribute');
is(attrs("$C/key2")->{enabled}, 'false', 'enabled defaults to false');
ok(!exists attrs("$C/key2")->{use}, 'use absent: for both signing and encryption');
my $pub2 = key_col('key2', 'public_key_pem');
isnt($pub2, $pub1, 'a key pair of its own');
is(sso(PUT => "$C/key2", form => ['kid=key-2b'])->code, 200, 'PUT kid=key-2b');
is(key_col('key2', 'kid'), 'key-2b', 'sso_key.kid follows the attribute');
is(key_col('key2', 'public_key_pem'), $pub2, 'the key pair stays');
sso(PUT => "$C/key2", form => ['kid=']);
my $thumb2 = thumbprint($pub2);
is(key_col('key2', 'kid'), $thumb2, 'an empty kid: back to the thumbprint');
is(attrs("$C/key2")->{kid}, $thumb2, 'which the attribute shows');
is(sso(PUT => "$C/key2", form => ['kid=key-two'])->code, 200, 'kid=key-two again');

my $before = counts();
$res = sso(PUT => "$C/key3", form => ['kty=RSA', 'kid=key-two'], accept => 'json');
sso_error_ok($res, 409, 'json', 'a new key with the kid of another: 409', qr/kid key-two is the key id of \Q$C\E\/key2/);
is(counts(), $before, 'nothing changed: no credential key3, no key');
is(attrs("$C/key3")->{code}, 404, 'key3 does not exist');
$res = sso(PUT => "$C/key1", form => ['kid=key-two'], accept => 'text');
sso_error_ok($res, 409, 'text', 'an update to the kid of another key: 409', qr/kid key-two/);
$res = sso(PUT => "$C/key2", form => ["kid=$thumb1"], accept => 'xml');
sso_error_ok($res, 409, 'xml', "another key's thumbprint: 409", qr/is the key id of/);
is(counts(), $before, 'nothing changed');
is(attrs("$C/key1")->{kid}, $thumb1, 'key1 keeps its kid');

# ---- attributes: updates, empty values clear, invalid ones are refused ----------------
is(sso(PUT => "$C/key1", form => ['enabled=false', 'use=', 'notBefore=', 'notOnOrAfter=', 'description='])->code,
    200, 'PUT with empty use, notBefore, notOnOrAfter and description');
is_deeply(attrs("$C/key1"), { name => 'key1', kty => 'RSA', kid => $thumb1, enabled => 'false' },
    'they are cleared; the kid stays');
is(key_col('key1', 'public_key_pem'), $pub1, 'the key pair stays');
$before = counts();
for my $bad (
    [['kty=EC'], qr/kty must be one of: RSA/, 'kty=EC'],
    [['kty='], qr/kty must not be empty/, 'an empty kty'],
    [['use=SIG'], qr/use must be one of: sig, enc/, 'use=SIG'],
    [['notBefore=yesterday'], qr/ISO 8601/, 'notBefore=yesterday'],
    [['notOnOrAfter=2030-13-01T00:00:00Z garbage'], qr/ISO 8601/, 'a notOnOrAfter that is no date'],
    [['enabled=maybe'], qr/enabled must be true or false/, 'enabled=maybe'],
    [['kid=' . ('k' x 256)], qr/kid is longer than 255 bytes/, 'a kid of 256 bytes'],
    [['n=1'], qr/unknown form parameter n\b/, 'an unknown parameter'],
) {
    my ($form, $re, $what) = @$bad;
    sso_error_ok(sso(PUT => "$C/key1", form => $form, accept => 'json'), 400, 'json', "$what: 400", $re);
}
sso_error_ok(sso(PUT => "$C/key5", form => ['kty=EC'], accept => 'json'), 400, 'json', 'a new key of kty EC: 400',
    qr/kty must be one of: RSA/);
sso_error_ok(sso(PUT => "$C/key5", form => ['kid=k5'], accept => 'json'), 400, 'json', 'a new key without kty: 400',
    qr/kty is required/);
is(counts(), $before, 'nothing changed');

# POST into the key container makes a key too
$res = sso(POST => '/site/System/ServerKeyContainer', form => ['type=credential', 'name=key4', 'kty=RSA', 'kid=key-four']);
is($res->code, 201, 'POST type=credential into the key container: 201');
is(key_col('key4', 'kid'), 'key-four', 'with its key');

# ---- the key's association to the server ----------------------------------------------
sso_error_ok(sso(GET => "$S/key1", accept => 'json'), 404, 'json', 'GET of an association not made: 404', qr/no credential link/);
$res = sso(PUT => "$S/key1");
is($res->code, 200, 'PUT /server/$link/credential/System/ServerKeyContainer/key1: 200');
is(sso(PUT => "$S/key1")->code, 200, 'again: 200');
is(sso(GET => "$S/key1")->code, 200, 'GET of the association: 200');
# (the server's own signing key, made for the test client's first token, is linked too)
is_deeply([ grep { !m{/server-signing-} } @{ sso_ids(sso(GET => '/server/$link/credential')) } ], ["$C/key1"],
    'GET /server/$link/credential lists it');
is_deeply(sso_ids(sso(GET => "$C/key1/\$link/server")), ['/server'], 'and the key its server');
is(sso(PUT => "$S/key2")->code, 200, 'associate key2');
is(sso(DELETE => "$S/key2")->code, 200, 'DELETE of the association: 200');
is(key_col('key2', 'kid'), 'key-two', 'the key stays');
$before = counts();
sso_error_ok(sso(DELETE => "$S/key2", accept => 'json'), 404, 'json', 'DELETE of an association no more: 404', qr/no credential link/);
sso_error_ok(sso(PUT => "$S/nokey", accept => 'json'), 404, 'json', 'PUT for no such key: 404', qr/no credential/);
sso_error_ok(sso(GET => "$S/nokey", accept => 'json'), 404, 'json', 'GET for no such key: 404', qr/no credential/);
sso_error_ok(sso(DELETE => "$S/nokey", accept => 'json'), 404, 'json', 'DELETE for no such key: 404', qr/no credential/);
is(counts(), $before, 'nothing changed');

# ---- the CSR --------------------------------------------------------------------------
$res = sso(GET => "$C/key1/\$attribute/csr");
is($res->code, 200, 'GET $attribute/csr: 200');
like($res->header('Content-Type') // '', qr{\Atext/plain;charset=UTF-8\z}, 'as text/plain');
my $csr = $res->content;
like($csr, qr/\A-----BEGIN CERTIFICATE REQUEST-----\n.+\n-----END CERTIFICATE REQUEST-----\n\z/s, 'a PEM certificate request');
(undef, $rc) = openssl_in($csr, 'req', '-verify', '-noout');
is($rc, 0, 'openssl req -verify: its signature verifies');
my ($subject) = openssl_in($csr, 'req', '-noout', '-subject');
like($subject, qr/\Asubject=\s*CN\s*=\s*key1\s*\z/, 'subject CN=key1, the credential name');
my ($csr_pub) = openssl_in($csr, 'req', '-noout', '-pubkey');
is($csr_pub =~ s/\s+\z//r, $pub1, 'its public key is the one in sso_key');
is(sso(GET => "$C/key1/\$attribute/csr", accept => 'json')->content, $csr, 'the same CSR whatever Accept says');
is(sso(GET => "$C/KEY1/\$attribute/CSR")->content, $csr, 'paths and the attribute name ignore case');

# a credential whose name is no common name (over 64 characters): CN is the thumbprint
my $long = 'L' x 70;
is(sso(PUT => "$C/$long", form => ['kty=RSA'])->code, 200, 'a key with a 70-character name');
($subject) = openssl_in(sso(GET => "$C/$long/\$attribute/csr")->content, 'req', '-noout', '-subject');
my $long_kid = key_col($long, 'kid');
like($subject, qr/CN\s*=\s*\Q$long_kid\E/, 'its CSR names the thumbprint');
is(sso(DELETE => "$C/$long")->code, 204, 'deleted');

# a credential without a key (as a DBA could make one): 404, until a PUT gives it one
psql(q{INSERT INTO idtrust.sso_object (type, parent_id, name, path, attributes)
       SELECT 'credential', id, 'bare', '/System/ServerKeyContainer/bare', '{"kty": "RSA"}'
         FROM idtrust.sso_object WHERE type = 'site' AND path = '/System/ServerKeyContainer'});
sso(PUT => '/site/Apps');
sso(POST => '/site/Apps', form => ['type=application', 'name=app1']);
select(undef, undef, undef, 0.3);
$before = counts();
sso_error_ok(sso(GET => "$C/bare/\$attribute/csr", accept => 'json'), 404, 'json', 'GET csr of a credential without a key: 404',
    qr/has no key/);
sso_error_ok(sso(PUT => "$C/bare/\$attribute/csr", body => scalar openssl_cert(), type => 'application/x-pem-file', accept => 'json'),
    404, 'json', 'PUT csr of a credential without a key: 404', qr/has no key/);
sso_error_ok(sso(GET => "$C/nokey/\$attribute/csr", accept => 'json'), 404, 'json', 'GET csr of no credential: 404', qr/no credential/);
sso_error_ok(sso(PUT => "$C/nokey/\$attribute/csr", body => scalar openssl_cert(), type => 'text/plain', accept => 'json'),
    404, 'json', 'PUT csr of no credential: 404', qr/no credential/);
sso_error_ok(sso(GET => "$C/key1/\$attribute/metadata", accept => 'json'), 404, 'json', '$attribute/metadata of a key: 404',
    qr/\$attribute\/csr is the one a credential has/);
sso_error_ok(sso(GET => "$C/key1/\$attribute/jwk", accept => 'json'), 404, 'json', 'an unknown attribute: 404',
    qr/no attribute "jwk"/);
sso_error_ok(sso(GET => '/application/Apps/app1/$attribute/csr', accept => 'json'), 404, 'json',
    '$attribute/csr of an application: 404');
sso_error_ok(sso(DELETE => "$C/key1/\$attribute/csr", accept => 'json'), 405, 'json', 'DELETE csr: 405');
is(sso(POST => "$C/key1/\$attribute/csr")->header('Allow'), 'GET, PUT', 'POST csr: 405 with Allow: GET, PUT');
is(counts(), $before, 'nothing changed');
is(sso(PUT => "$C/bare", form => ['description=now with a key'])->code, 200, 'a PUT of the bare credential');
like(key_col('bare', 'public_key_pem'), qr/BEGIN PUBLIC KEY/, 'gives it a key');
is(sso(GET => "$C/bare/\$attribute/csr")->code, 200, 'and a CSR');

# ---- the signed certificate -----------------------------------------------------------
ok(openssl_ok('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', "$dir/ca.key", '-out', "$dir/ca.pem",
    '-subj', '/CN=idtrust test CA', '-days', '2'), 'a test CA made with openssl');
my $csr_file = write_file('key1.csr', $csr);
ok(openssl_ok('x509', '-req', '-in', $csr_file, '-CA', "$dir/ca.pem", '-CAkey', "$dir/ca.key", '-set_serial', '4097',
    '-days', '30', '-out', "$dir/key1.pem"), 'which signs the CSR (openssl x509 -req -CA)');
my $cert1 = read_file("$dir/key1.pem");
my $ca = read_file("$dir/ca.pem");
my ($fp) = openssl_in($cert1, 'x509', '-noout', '-fingerprint', '-sha256');
$fp =~ s/.*=//s; $fp =~ s/[:\s]//g; $fp = lc $fp;

$before = counts();
$res = sso(PUT => "$C/key1/\$attribute/csr", body => "subject=CN = key1\n$cert1$ca", type => 'application/x-pem-file');
is($res->code, 204, 'PUT $attribute/csr with the certificate (and the CA after it): 204');
is($res->content, '', 'no content');
my $row = psql("SELECT c.source || ' ' || c.sha256 || ' ' || c.serial || ' ' || c.subject || ' / ' || c.issuer "
    . "FROM idtrust.sso_key k JOIN idtrust.certificate c ON c.id = k.certificate_id "
    . "JOIN idtrust.sso_object o ON o.id = k.credential_id WHERE o.path = '/System/ServerKeyContainer/key1'");
is($row, "ssoadmin.key $fp 4097 CN=key1 / CN=idtrust test CA", 'the first certificate is stored: an inventory row of source ssoadmin.key');
is(psql("SELECT c.pem FROM idtrust.sso_key k JOIN idtrust.certificate c ON c.id = k.certificate_id WHERE k.kid = '$thumb1'"),
    $cert1 =~ s/\s+\z//r, 'read back, it is the certificate the CA signed');
is(psql("SELECT module || ' ' || object_type || ' ' || object_path FROM idtrust.certificate_holder h "
    . "JOIN idtrust.sso_key k ON k.certificate_id = h.certificate_id WHERE k.kid = '$thumb1'"),
    "mod_ssoadmin credential $C/key1", 'the inventory names its holder');
is(psql("SELECT count(*) FROM idtrust.audit WHERE action = 'sso.key.certificate' AND object_id = '$C/key1' AND detail->>'sha256' = '$fp'"), 1, 'an audit row');
is(sso(PUT => "$C/key1/\$attribute/csr", body => $cert1, type => 'application/x-www-form-urlencoded')->code, 204,
    'the same certificate again (as curl --data-binary sends it): 204');
is(psql("SELECT count(*) FROM idtrust.certificate WHERE source = 'ssoadmin.key'"), 1, 'kept once');

$before = counts();
my $other = scalar openssl_cert(cn => 'key1');
sso_error_ok(sso(PUT => "$C/key1/\$attribute/csr", body => $other, type => 'text/plain', accept => 'json'), 400, 'json',
    'a certificate for another key: 400', qr/public key is not this key's/);
sso_error_ok(sso(PUT => "$C/key2/\$attribute/csr", body => $cert1, type => 'text/plain', accept => 'json'), 400, 'json',
    "key1's certificate for key2: 400", qr/public key is not this key's/);
sso_error_ok(sso(PUT => "$C/key1/\$attribute/csr", body => "not a certificate\n", type => 'text/plain', accept => 'json'),
    400, 'json', 'garbage: 400', qr/cannot be decoded/);
sso_error_ok(sso(PUT => "$C/key1/\$attribute/csr", body => "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    type => 'text/plain', accept => 'json'), 400, 'json', 'a broken certificate: 400', qr/cannot be decoded/);
sso_error_ok(sso(PUT => "$C/key1/\$attribute/csr", body => '', type => 'text/plain', accept => 'json'), 400, 'json',
    'an empty body: 400');
my $ca_key = read_file("$dir/ca.key");
my ($key_line) = $ca_key =~ /\n([A-Za-z0-9+\/]{40,})\n/;
for my $case (['the CA private key', $ca_key], ['the certificate followed by a private key', "$cert1$ca_key"],
              ['the encrypted private key of key1', $priv1]) {
    my ($what, $body) = @$case;
    $res = sso(PUT => "$C/key1/\$attribute/csr", body => $body, type => 'application/x-pem-file', accept => 'json');
    sso_error_ok($res, 400, 'json', "$what: 400", qr/private key/i);
    unlike($res->content, qr/BEGIN|MII|\Q$key_line\E/, 'the answer does not echo it');
}
unlike(log_since(), qr/\Q$key_line\E|BEGIN (?:ENCRYPTED )?PRIVATE KEY/, 'nor does the error log');
is(counts(), $before, 'nothing changed');

# a new certificate replaces the old one, which leaves the inventory
ok(openssl_ok('x509', '-req', '-in', $csr_file, '-CA', "$dir/ca.pem", '-CAkey', "$dir/ca.key", '-set_serial', '4098',
    '-days', '60', '-out', "$dir/key1b.pem"), 'the CA signs the CSR again');
is(sso(PUT => "$C/key1/\$attribute/csr", body => read_file("$dir/key1b.pem"), type => 'text/plain')->code, 204,
    'PUT the new certificate: 204');
is(psql("SELECT string_agg(serial, ',') FROM idtrust.certificate WHERE source = 'ssoadmin.key'"), '4098',
    'it replaced the old one in the inventory');

# ---- DELETE ---------------------------------------------------------------------------
my $id1 = psql("SELECT id FROM idtrust.sso_object WHERE type = 'credential' AND path = '/System/ServerKeyContainer/key1'");
$res = sso(DELETE => "$C/key1");
is($res->code, 204, 'DELETE /credential/System/ServerKeyContainer/key1: 204, as the seed says');
is($res->content, '', 'no content');
is(attrs("$C/key1")->{code}, 404, 'GET: 404');
is(psql("SELECT count(*) FROM idtrust.sso_key WHERE credential_id = $id1"), 0, 'the key is gone');
is(psql("SELECT count(*) FROM idtrust.sso_link WHERE to_id = $id1 OR from_id = $id1"), 0, 'and its server association');
is_deeply([ grep { !m{/server-signing-} } @{ sso_ids(sso(GET => '/server/$link/credential')) } ], [],
    'the server has no key but its own signing key');
is(psql("SELECT count(*) FROM idtrust.certificate WHERE source = 'ssoadmin.key'"), 0, 'and its certificate');
$before = counts();
sso_error_ok(sso(DELETE => "$C/key1", accept => 'json'), 404, 'json', 'DELETE again: 404', qr/no credential/);
sso_error_ok(sso(GET => "$C/key1/\$attribute/csr", accept => 'json'), 404, 'json', 'its CSR: 404');
sso_error_ok(sso(GET => "$S/key1", accept => 'json'), 404, 'json', 'its association: 404');
is(counts(), $before, 'nothing changed');
my ($secret) = read_file($ENV{IDTRUST_SECRET_FILE}) =~ /\A(\S+)/;
unlike(log_since(), qr/\Q$secret\E/, 'the secret never reaches the error log');

sso_reset();
is(psql('SELECT count(*) FROM idtrust.sso_key'), 1, 'a reset repository has one key: the signing key its first token made');

done_testing();
