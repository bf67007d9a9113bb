# Decoded text is judged in one place for every API (modules/core/idt_text.c): a query
# parameter, a form value, a path segment, a JSON string or member name, and the value of
# a DN after its escapes are decoded must be UTF-8 with no NUL, no control character, no
# Unicode non-character, and in normalization form C. Each refusal is a 400 in the API's
# own envelope, and leaves the repository as it was.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use File::Temp ();
use MIME::Base64 ();

my $WS = '/idaas/webservice/admin/v1';
my $uniq = $$ . '-' . int(rand(1e9));
td_reset("td-text-$uniq");

sub reader {
    my $res = api(POST => '/idtrust/v1/accounts',
        body => { name => "text-reader-$uniq", password => "reader-password-$uniq", role => 'reader' });
    die 'account create failed: ' . $res->as_string unless $res->code == 201;
    return ["text-reader-$uniq", "reader-password-$uniq"];
}
my $reader = reader();

# ---- invalid UTF-8 (and control characters) in a query parameter: 400, never 500 ----
for my $q ('actor=%FF', 'action=%FF', 'actor=a%01b', 'action=%EF%BF%BE') {
    iic_error_ok(api(GET => "/idtrust/v1/audit?$q", auth => $reader), 400, 'IIC.400',
        "audit?$q by a reader: 400", qr/query parameter (actor|action)/);
}
for my $list ('external-systems', 'certificate-policies') {
    my $res = api(GET => "/idtrust/v1/$list?marker=%FF", auth => $reader);
    iic_error_ok($res, 400, 'IIC.400', "$list?marker=%FF: 400", qr/marker/);
}
for my $q ('issuer=%FF', 'policy=%FF', 'issuer=%C3%28') {
    ci_problem_ok(ci_api(GET => "/Certificates?$q"), 400, "Certificates?$q: 400", qr/issuer|policy/);
}
my $before = td_counts();
td_error_ok(api(POST => "$WS/trustdocument?documentName=td-text-$uniq&displayName=%FF"), 400,
    'trustdocument displayName=%FF: 400', qr/displayName/);
td_error_ok(api(DELETE => "$WS/trust/issuers?tokenType=saml.hok&issuer=%FF"), 400,
    'trust DELETE issuer=%FF: 400', qr/issuer/);
td_error_ok(api(DELETE => "$WS/trust/issuers?tokenType=saml.hok&issuer=x&dn=%FF"), 400,
    'trust DELETE dn=%FF: 400', qr/\bdn\b/);
is td_counts(), $before, 'the trust tables are as they were';
ok !(error_log_text() =~ /invalid byte sequence/), 'PostgreSQL never saw the bytes (no encoding error logged)';

# ---- a NUL in a DN: an escape must not cut it short ----
my $doc = "td-text-$uniq";
is api(POST => "$WS/trustdocument?documentName=$doc")->code, 200, 'a trust document to work in';
my $issuers = sub {
    my ($dn) = @_;
    return JSON::PP->new->utf8->encode(
        { 'saml-trusted-dns' => { 'jwt-trusted-issuers' => { issuer => [ { '-name' => 'iss', dn => [$dn] } ] } } });
};
is api(POST => "$WS/trust/issuers/$doc", body => $issuers->('CN=trusted,O=Example'))->code, 200,
    'the trusted DN CN=trusted,O=Example';
$before = td_counts();
for my $dn ('CN=trusted\00evil,O=Example', 'CN=trusted\00,O=Example', 'CN=trusted\01x,O=Example',
            'CN=trusted\C2\85,O=Example', 'CN=trusted\FF,O=Example', 'CN=a\EF\BF\BE,O=Example') {
    td_error_ok(api(POST => "$WS/trust/issuers/$doc", body => $issuers->($dn)), 400,
        "the DN $dn is refused", qr/DN/);
}
is td_counts(), $before, 'no DN was added';
my $dns = json_of(api(GET => "$WS/trust/issuers/$doc"));
is_deeply [ map { @{ $_->{dn} } } @{ $dns->{'saml-trusted-dns'}{'jwt-trusted-issuers'}{issuer} } ], ['CN=trusted,O=Example'],
    'the document trusts only the DN it was given';

# a DN within 4,096 bytes whose comparison form is longer than the unique index of DN
# keys holds (random, so PostgreSQL cannot compress it): 400 naming the DN, not a 500
{
    my @abc = ('a' .. 'z', 0 .. 9);
    my $long = join(',', map { 'OU=' . join('', map { $abc[rand @abc] } 1 .. 700) } 1 .. 4) . ',O=Example';
    my $c = td_counts();
    td_error_ok(api(POST => "$WS/trust/issuers/$doc", body => $issuers->($long)), 400,
        sprintf('a DN of %d random characters: 400', length $long), qr/too long: its comparison form is \d+ bytes, at most 2600/);
    td_error_ok(api(POST => "$WS/trust/token/$doc", body => JSON::PP->new->utf8->encode({ 'token-attribute-rules' => {
        'token-attribute-rule' => [ { '-dn' => $long, 'name-id' => { filter => { value => ['x'] },
        mapping => { 'user-attribute' => 'mail', 'user-mapping-attribute' => 'uid' } } } ] } })), 400,
        'a rule -dn of the same length: 400', qr/too long/);
    is td_counts(), $c, 'nothing was added';
}

# NFC: the decomposed spelling of a DN names the same subject as the composed one
is api(POST => "$WS/trust/issuers/$doc", body => $issuers->("CN=Caf\x{e9},O=Example"))->code, 200,
    'a DN with a composed letter';
my $n = td_counts();
is api(POST => "$WS/trust/issuers/$doc", body => $issuers->("CN=Cafe\x{301},O=Example"))->code, 400,
    'the same DN sent decomposed (not NFC) is refused, not stored as a second DN';
is td_counts(), $n, 'nothing was added';

# ---- JSON strings and member names ----
$before = td_counts();
for my $case (["a control character in a JSON string", qq({"saml-trusted-dns":{"jwt-trusted-issuers":{"issuer":[{"-name":"a\\u0001b","dn":["x"]}]}}})],
              ["U+FFFE in a JSON string", qq({"saml-trusted-dns":{"jwt-trusted-issuers":{"issuer":[{"-name":"a\\ufffeb","dn":["x"]}]}}})],
              ["U+FFFF in a member name", qq({"saml-trusted-dns\\uffff":{}})],
              ["the Kelvin sign (not NFC)", qq({"saml-trusted-dns":{"jwt-trusted-issuers":{"issuer":[{"-name":"\\u212a","dn":["x"]}]}}})]) {
    td_error_ok(api(POST => "$WS/trust/issuers/$doc", body => $case->[1]), 400, "$case->[0]: 400");
}
is td_counts(), $before, 'the trust tables are as they were';

my $stores = store_counts();
for my $name ("a\x{fffe}b", "K\x{212a}", "Cafe\x{301}", "tab\there") {
    my $body = JSON::PP->new->utf8->encode({ name => $name });
    my $res = api(POST => '/idtrust/v1/identity-stores', body => $body);
    iic_error_ok($res, 400, 'IIC.400', sprintf('an identity store named %s: 400', join '', map { sprintf 'U+%04X ', ord } split //, $name));
}
is store_counts(), $stores, 'no identity store was made';

# ---- forms and paths (the SSO Management API) ----
my $sso = sso_counts();
sso_error_ok(sso(PUT => '/site/Text' . '%EF%BF%BE' . $$), 400, 'text', 'U+FFFE in a path segment: 400', qr/path/);
sso_error_ok(sso(PUT => '/site/Text%01' . $$), 400, 'text', 'a control character in a path segment: 400', qr/path/);
sso_error_ok(sso(PUT => '/site/Cafe%CC%81' . $$), 400, 'text', 'a decomposed letter in a path segment: 400', qr/NFC/);
sso_error_ok(sso(PUT => "/site/Text$$", form => 'description=a%00b'), 400, 'text', 'an encoded NUL in a form: 400');
sso_error_ok(sso(PUT => "/site/Text$$", form => 'description=a%FFb'), 400, 'text', 'invalid UTF-8 in a form: 400', qr/UTF-8/);
sso_error_ok(sso(PUT => "/site/Text$$", form => 'description=a%EF%BF%BFb'), 400, 'text', 'U+FFFF in a form: 400', qr/U\+FFFF/);
is sso_counts(), $sso, 'no SSO object was made';
is sso(PUT => "/site/Text$$", form => 'description=caf%C3%A9')->code, 201, 'the same form with a composed letter is taken';
is sso(DELETE => "/site/Text$$")->code, 200, 'and the site goes again';

# ---- a certificate whose subject CN holds a NUL: never attached to the person named by
# what precedes it (openssl writes no NUL into a subject; the DER is patched, a byte for a
# byte, after the certificate is made) ----
{
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my $oid = ci_policy()->{objectId};
    sso_token('myid.rest.basic');
    my $mk = sub {
        my ($n, $cn) = @_;
        openssl_cmd('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
            '-keyout', "$dir/$n.key", '-subj', "/O=Example $uniq/CN=$cn", '-days', '2', '-outform', 'DER',
            '-out', "$dir/$n.der");
        open(my $fh, '<:raw', "$dir/$n.der") or die; local $/; return scalar <$fh>;
    };
    my $cnv = "Victim Person $$";
    my $victim = $mk->('victim', $cnv);
    my $res = ci_import(MIME::Base64::encode_base64($victim, ''), $oid, extra => { createUser => JSON::PP::true() });
    is $res->code, 201, "the victim's certificate makes the victim's person" or diag $res->as_string;
    my $person = json_of($res)->{target}{id};
    my $evil = $mk->('evil', $cnv . 'Xevil');
    my $count = () = $evil =~ /\Q$cnv\EXevil/g;
    $evil =~ s/\Q$cnv\E\KXevil/\0evil/g;
    is $count, 2, 'the CN holds a NUL now (in the subject and, self-signed, the issuer)';
    my $n = psql('SELECT count(*) FROM idtrust.certificate');
    ci_problem_ok(ci_import(MIME::Base64::encode_base64($evil, ''), $oid), 400,
        'a certificate whose subject CN holds a NUL: 400', qr/subject DN is refused.*NUL/);
    is psql('SELECT count(*) FROM idtrust.certificate'), $n, 'it is not stored';
    is psql("SELECT count(*) FROM idtrust.ci_certificate m JOIN idtrust.ci_person p ON p.id = m.person_id WHERE p.id = '$person'"),
        1, "the victim's person has only the victim's certificate";
}

ok !(error_log_text() =~ /\b(AH00052|segfault|Internal Server Error)\b/), 'no child crashed';
api(DELETE => "/idtrust/v1/accounts/text-reader-$uniq");
td_reset($doc);
done_testing();
