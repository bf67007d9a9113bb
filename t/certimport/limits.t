# What the repository's constraints would refuse is refused first, with a 400 in the API's
# own envelope naming the field: an import with createUser of a subject DN over 4,096 or
# a CN over 1,024 characters; every checked column of external systems and certificate
# policies. Outbound URLs are parsed: a host is needed, credentials (user:password@) are
# refused wherever a reader would see them. None of it reaches PostgreSQL: its log and
# httpd's error log gain no constraint failure.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Encode ();
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 45, need {
    'IDTRUST_DB and IDTRUST_PG_DATA set by scripts/test' => defined $ENV{IDTRUST_DB} && defined $ENV{IDTRUST_PG_DATA}
};

my $dir = File::Temp::tempdir(CLEANUP => 1);
my $uniq = "$$-" . int(rand(1e6));
my $pglog = "$ENV{IDTRUST_PG_DATA}/../log/postgresql.log";
sub size_of { -s $_[0] // 0 }
sub tail_from {
    my ($file, $from) = @_;
    open(my $fh, '<', $file) or die "$file: $!";
    seek($fh, $from, 0);
    local $/;
    return scalar(<$fh>) // '';
}
my $pg_at = size_of($pglog);
my $httpd_at = length error_log_text();

sub counts { psql('SELECT (SELECT count(*) FROM idtrust.certificate) || \' \' || '
    . '(SELECT count(*) FROM idtrust.ci_person) || \' \' || (SELECT count(*) FROM idtrust.ci_external_system) '
    . '|| \' \' || (SELECT count(*) FROM idtrust.ci_policy) || \' \' || (SELECT count(*) FROM idtrust.audit)') }

# openssl caps a CN at 64 characters (ub-common-name); its string table module lifts the
# cap, as a CA that ignores the bound would
open(my $cf, '>', "$dir/long.cnf") or die;
print $cf "openssl_conf = init\n[init]\nstbl_section = stbl\n[stbl]\n"
    . "commonName = min:1,max:100000\norganizationalUnitName = min:1,max:100000\n"
    . "[req]\ndistinguished_name = dn\nutf8 = yes\n[dn]\n";
close $cf;
my $n = 0;
sub cert_of {
    my $subj = shift;
    $n++;
    openssl_cmd('req', '-config', "$dir/long.cnf", '-utf8', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:P-256', '-nodes', '-keyout', "$dir/$n.key", '-subj', $subj, '-days', '2',
        '-out', "$dir/$n.pem");
    open(my $fh, '<', "$dir/$n.pem") or die;
    local $/;
    return scalar <$fh>;
}
my $utf8 = JSON::PP->new->utf8->canonical;
my $create = { createUser => JSON::PP::true() };
my $oid = ci_policy()->{objectId};
sso_token('myid.rest.basic');  # fetched (and audited) once, before the counts

# ---- imports -----------------------------------------------------------------------
my $ous = join('', map { "/OU=" . ("$_" x 1000) } 1 .. 5);
my $long_dn = cert_of("/O=Limits $uniq$ous/CN=Long DN $uniq");
my $before = counts();
ci_problem_ok(ci_import($long_dn, $oid, extra => $create), 400, 'createUser, a subject DN over 4096 characters',
    qr/^x509: the subject DN is \d{4} characters long; a person made by createUser has a DN of at most 4096/);
is counts(), $before, 'nothing stored';
my $res = ci_import($long_dn, $oid);
is $res->code, 201, 'the same certificate without createUser: imported (no person is made)' or diag $res->as_string;
is json_of($res)->{target}{id}, undef, 'with no person';

my $long_cn = cert_of("/O=Limits $uniq/CN=" . ('c' x 1100));
$before = counts();
ci_problem_ok(ci_import($long_cn, $oid, extra => $create), 400, 'createUser, a CN over 1024 characters',
    qr/^x509: the subject's CN .* is 1100 characters long; at most 1024/);
is counts(), $before, 'nothing stored';

# characters, not bytes: 1,024 two-byte characters make a person
my $wide = "\x{e9}" x 1024;
my $wide_cn = cert_of(Encode::encode('UTF-8', "/O=Limits $uniq/CN=$wide"));
$res = ci_import($wide_cn, $oid, extra => $create);
is $res->code, 201, 'createUser, a CN of 1024 two-byte characters: 201' or diag $res->as_string;
is length(json_of($res)->{target}{name} // ''), 1024, 'the person is named by all 1024 of them';

# the person's DN is found through a unique index, whose entries PostgreSQL caps at 2704
# bytes: a DN within 4096 characters whose comparison form is longer (random, so it
# cannot be compressed) is refused too; one of about 2,450 bytes makes a person
my @abc = ('a' .. 'z', 0 .. 9);
sub noise { join('', map { "/OU=" . join('', map { $abc[rand @abc] } 1 .. $_[1]) } 1 .. $_[0]) }
$before = counts();
ci_problem_ok(ci_import(cert_of("/O=Limits $uniq" . noise(4, 900) . "/CN=Noise $uniq"), $oid, extra => $create),
    400, 'createUser, a DN of about 3,650 random characters',
    qr/^x509: the subject DN is too long to make a person of: its comparison form is 36\d\d bytes, at most 2600/);
is counts(), $before, 'nothing stored';
$res = ci_import(cert_of("/O=Limits $uniq" . noise(4, 600) . "/CN=Noise $uniq"), $oid, extra => $create);
is $res->code, 201, 'createUser, a DN of about 2,450 random characters: 201' or diag substr($res->as_string, 0, 2000);
is json_of($res)->{target}{name}, "Noise $uniq", '... and a person of it';

# ---- external systems --------------------------------------------------------------
sub sys_body { { name => "limits-$uniq-" . int(rand(1e9)), mappingFile => 'RESTCertificateAdded.xml',
    apiLocation => 'http://127.0.0.1:9/none', @_ } }
$before = counts();
my @bad = (
    [ { apiLocation => 'http://' }, qr/^apiLocation must name a host/, 'apiLocation http://' ],
    [ { apiLocation => 'https://' }, qr/^apiLocation must name a host/, 'apiLocation https://' ],
    [ { apiLocation => 'http:///rest.core' }, qr/^apiLocation must name a host/, 'apiLocation with an empty host' ],
    [ { apiLocation => 'http://user:pw@example.test/rest.core' }, qr/^apiLocation must not hold credentials.*clientSecret/,
      'apiLocation with user:password@' ],
    [ { apiLocation => 'http://user@example.test/' }, qr/^apiLocation must not hold credentials/, 'apiLocation with user@' ],
    [ { apiLocation => 'http://:pw@example.test/' }, qr/^apiLocation must not hold credentials/, 'apiLocation with :password@' ],
    [ { oauthTokenEndpoint => 'https://id:secret@example.test/web.oauth2/connect/token' },
      qr/^oauthTokenEndpoint must not hold credentials/, 'oauthTokenEndpoint with credentials' ],
    [ { oauthTokenEndpoint => 'https://' }, qr/^oauthTokenEndpoint must name a host/, 'oauthTokenEndpoint https://' ],
    [ { apiLocation => 'ftp://example.test/' }, qr/^apiLocation must be an http/, 'an ftp URL' ],
    [ { apiLocation => 'http:example.test' }, qr/^apiLocation must be an http/, 'http: without //' ],
    [ { apiLocation => 'http://example.test:99999/' }, qr/^apiLocation has a port/, 'a port over 65535' ],
    [ { apiLocation => "http://example.test/\x{a0}x" }, qr/^apiLocation must be printable ASCII/,
      'a no-break space (PostgreSQL counts it as space)' ],
    [ { apiLocation => 'http://e.test/' . ('a' x 2040) }, qr/^apiLocation is longer than 2048/, 'apiLocation over 2048' ],
    [ { mappingFile => 'has space.xml' }, qr/^mappingFile must be a file name/, 'a mapping file name the column refuses' ],
    [ { name => 'n' x 256 }, qr/^name is longer than 255/, 'name over 255' ],
    [ { description => 'd' x 1025 }, qr/^description must be a string of at most 1024/, 'description over 1024' ],
    [ { clientId => 'c' x 256 }, qr/^clientId must be a string of at most 255/, 'clientId over 255' ],
    [ { requestedScopes => 's' x 1025 }, qr/^requestedScopes must be a string of at most 1024/, 'requestedScopes over 1024' ],
    [ { sources => ['Not.A.Source'] }, qr/^sources/, 'a source the column refuses' ],
);
for my $b (@bad) {
    my ($members, $re, $what) = @$b;
    iic_error_ok(api(POST => '/idtrust/v1/external-systems', body => $utf8->encode(sys_body(%$members))),
        400, 'IIC.400', "POST: $what", $re);
}
my $sys = ci_system(name => "limits-$uniq", apiLocation => 'http://[::1]:8080/rest.core/');
is $sys->{apiLocation}, 'http://[::1]:8080/rest.core', 'an IPv6 literal with a port is a URL (trailing / dropped)';
iic_error_ok(api(PUT => "/idtrust/v1/external-systems/$sys->{id}", body => { apiLocation => 'http://u:p@h.test/' }),
    400, 'IIC.400', 'PUT: apiLocation with credentials', qr/^apiLocation must not hold credentials/);
iic_error_ok(api(PUT => "/idtrust/v1/external-systems/$sys->{id}", body => { apiLocation => 'http://' }),
    400, 'IIC.400', 'PUT: apiLocation http://', qr/^apiLocation must name a host/);
is json_of(api(GET => "/idtrust/v1/external-systems/$sys->{id}"))->{apiLocation}, 'http://[::1]:8080/rest.core',
    'the system is unchanged';
my @b4 = split / /, $before;
my @a4 = split / /, counts();
is_deeply [ $a4[2] - $b4[2], $a4[4] - $b4[4] ], [1, 1], 'of all these only the good system was stored and audited';
is psql("SELECT count(*) FROM idtrust.ci_external_system WHERE api_location LIKE '%\@%' "
    . "OR oauth_token_endpoint LIKE '%\@%'"), 0, 'no URL with credentials is stored, so none is shown';

# ---- certificate policies ----------------------------------------------------------
$before = counts();
for my $b (
    [ { name => 'p' x 256 }, qr/^name is longer than 255/, 'name over 255' ],
    [ { objectId => 'has space' }, qr/^objectId is an OID/, 'objectId with a space' ],
    [ { objectId => '.1.2' }, qr/^objectId is an OID/, 'objectId starting with a dot' ],
    [ { objectId => '1' x 129 }, qr/^objectId is longer than 128/, 'objectId over 128' ],
    [ { externalNotificationData => 'e' x 1025 }, qr/^externalNotificationData must be a string of at most 1024/,
      'externalNotificationData over 1024' ],
) {
    my ($members, $re, $what) = @$b;
    iic_error_ok(api(POST => '/idtrust/v1/certificate-policies',
        body => { name => "lp-$uniq-" . int(rand(1e9)), objectId => "1.2.$$." . int(rand(1e9)), %$members }),
        400, 'IIC.400', "policy POST: $what", $re);
}
is counts(), $before, 'no policy stored';

# ---- nothing reached the database's constraints ------------------------------------
my $pg_new = tail_from($pglog, $pg_at);
unlike $pg_new, qr/violates check constraint|index row size|invalid byte sequence/,
    "PostgreSQL's log has no failed constraint (nor the row it would print)";
my $httpd_new = substr(error_log_text(), $httpd_at);
unlike $httpd_new, qr/violates|constraint/, "httpd's error log neither";
