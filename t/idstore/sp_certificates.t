# SAML service-provider signing certificates: /v1/identity-stores/{id}/saml-certificates
# (list, create, activate, delete), the list's shape against the vendor example, the
# private keys at rest, and concurrent activation.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::Local qw(timegm);

plan tests => 86;

my $UUID = qr/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
my $CERT_ID = qr/\Acer-$UUID\z/;
my $uniq = "$$-" . int(rand(1e9));

my $store = new_store("sp-t-$uniq");
my $path = "/v1/identity-stores/$store/saml-certificates";

sub list {
    my ($p, %o) = @_;
    my $res = api(GET => $p // $path, %o);
    return (json_of($res), $res);
}

# notAfter of a PEM certificate as milliseconds since the epoch, read by openssl.
sub not_after_ms {
    my ($out) = openssl_in(shift, 'x509', '-noout', '-enddate');
    my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5, Jul => 6, Aug => 7,
        Sep => 8, Oct => 9, Nov => 10, Dec => 11);
    $out =~ /notAfter=(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT/ or return undef;
    return 1000 * timegm($5, $4, $3, $2, $mon{$1}, $6);
}

sub db_active {
    my $s = shift // $store;
    return psql("SELECT string_agg(id, ',') FROM idtrust.sp_certificate "
        . "WHERE store_id = '$s' AND state = 'ACTIVE'") // '';
}

# ---- the list, against the vendor example ----
my ($certs, $res) = list();
is $res->code, 200, 'the list answers 200' or diag $res->as_string;
like $res->header('Content-Type') // '', qr{\Aapplication/json\b}, 'as JSON';
like $res->content, qr/\A\s*\[/, 'the body is a bare JSON array';
is ref($certs), 'ARRAY', 'that decodes to an array';
is scalar(@{ $certs // [] }), 1, 'a new store holds one certificate';
my $c = $certs->[0] // {};
is_deeply [sort keys %$c], [qw(algorithm certificate_id expiry_date state x509certificate)],
    'with exactly the SpCertificateDto members';
like $c->{certificate_id} // '', $CERT_ID, 'certificate_id is cer-<uuid>';
is $c->{state}, 'ACTIVE', 'state ACTIVE';
is $c->{algorithm}, 'SHA256withRSA', 'algorithm SHA256withRSA';
like $res->content, qr/"expiry_date":\d{13}[,}]/, 'expiry_date is a JSON integer (ms), not a string';

my $pem = $c->{x509certificate} // '';
like $pem, qr/\A-----BEGIN CERTIFICATE-----\r\n/, 'x509certificate begins with the armor line and CRLF';
like $pem, qr/\r\n-----END CERTIFICATE-----\z/, 'and ends with the armor line, no newline after';
unlike $pem, qr/(?<!\r)\n|\r(?!\n)/, 'every line ends with CRLF, none with a bare LF or CR';
my @lines = split /\r\n/, $pem;
my @body = @lines[1 .. $#lines - 1];
ok(@body > 1 && !grep({ !/\A[A-Za-z0-9+\/]+={0,2}\z/ || length > 76 } @body)
    && !grep({ length != length $body[0] } @body[0 .. $#body - 1]),
    'the body is base64 in lines of one width, at most 76 (as in the example)')
    or diag explain \@body;
my ($text, $rc) = openssl_in($pem, 'x509', '-noout', '-text');
is $rc, 0, 'openssl reads the certificate as given';
like $text, qr/Signature Algorithm: sha256WithRSAEncryption/, 'it is signed with SHA-256 and RSA';
like $text, qr/Public-Key: \(2048 bit\)/, 'its key has IdstoreSigningKeyBits (2048) bits';
my $na = not_after_ms($pem);
ok defined $na, 'openssl gives its notAfter';
is $c->{expiry_date}, $na, 'expiry_date is the notAfter of the certificate, in ms';
my $days = (($c->{expiry_date} // 0) / 1000 - time) / 86400;
ok $days > 3648 && $days < 3651, 'about ten years ahead (IdstoreCertificateDays default 3650)'
    or diag "$days days";
unlike $res->content, qr/PRIVATE KEY/, 'no private key is ever in the list';

# HEAD, and the optional X-Security-Token
$res = api(HEAD => $path);
is $res->code, 200, 'HEAD answers 200';
is $res->content, '', 'with no body';
like $res->header('Content-Type') // '', qr{\Aapplication/json\b}, 'and the GET Content-Type';
is $res->header('Content-Length'), length(api(GET => $path)->content), 'and the GET length';
my ($with_token, $tres) = list($path, headers => { 'X-Security-Token' => 'a-session-token-' . $uniq });
is $tres->code, 200, 'X-Security-Token is accepted';
is_deeply $with_token, $certs, 'and the list is the same';

# ---- create ----
my $counts = store_counts();
$res = api(POST => $path);
is $res->code, 200, 'create answers 200' or diag $res->as_string;
my $j = json_of($res) // {};
is_deeply [sort keys %$j], ['certificate_id'], 'the body is {certificate_id}';
my $new = $j->{certificate_id} // '';
like $new, $CERT_ID, 'a cer-<uuid>';
my @was = split / /, $counts;
is_deeply [split / /, store_counts()], [$was[0], $was[1] + 1, $was[2] + 1, $was[3] + 1],
    'one SAML certificate, one inventory certificate, one audit row';
is psql("SELECT actor || ' ' || object_type FROM idtrust.audit "
    . "WHERE action = 'saml_certificate.create' AND object_id = '$new'"), 'admin saml_certificate',
    'the create is audited';
($certs) = list();
my %state = map { $_->{certificate_id} => $_->{state} } @{ $certs // [] };
is_deeply \%state, { $c->{certificate_id} => 'ACTIVE', $new => 'INACTIVE' },
    'the new certificate is INACTIVE, the first still ACTIVE';
isnt((grep { $_->{certificate_id} eq $new } @$certs)[0]{x509certificate}, $pem,
    'and it is another certificate');

# ---- private keys at rest ----
for my $cert (@$certs) {
    my $id = $cert->{certificate_id};
    my $key = psql("SELECT private_key_pem FROM idtrust.sp_certificate WHERE id = '$id'");
    like $key, qr/\A-----BEGIN ENCRYPTED PRIVATE KEY-----\n/, "$id: the key is stored encrypted";
    my ($pub, $krc) = openssl_in($key, 'pkey', '-passin', "file:$ENV{IDTRUST_SECRET_FILE}", '-pubout');
    is $krc, 0, "$id: it decrypts with the IdtrustSecretKeyFile passphrase";
    my ($cert_pub) = openssl_in($cert->{x509certificate}, 'x509', '-pubkey', '-noout');
    ok($pub =~ /BEGIN PUBLIC KEY/ && $pub eq $cert_pub, "$id: to the key of the certificate");
    my (undef, $wrong) = openssl_in($key, 'pkey', '-passin', 'pass:not-the-secret', '-pubout');
    isnt $wrong, 0, "$id: and not with another passphrase";
}

# ---- activate ----
$counts = store_counts();
$res = api(POST => "$path/$new/active");
is $res->code, 204, 'activate answers 204' or diag $res->as_string;
is $res->content, '', 'with no body';
($certs) = list();
%state = map { $_->{certificate_id} => $_->{state} } @{ $certs // [] };
is_deeply \%state, { $c->{certificate_id} => 'INACTIVE', $new => 'ACTIVE' },
    'now exactly one is ACTIVE, the activated one';
is db_active(), $new, 'so says the repository';
@was = split / /, $counts;
is_deeply [split / /, store_counts()], [@was[0 .. 2], $was[3] + 1], 'the activation is audited';
is psql("SELECT actor FROM idtrust.audit WHERE action = 'saml_certificate.activate' AND object_id = '$new'"),
    'admin', 'by the admin';
$res = api(POST => "$path/$new/active");
is $res->code, 204, 'activating the ACTIVE one again is a 204 too';
is db_active(), $new, 'and changes nothing';

# ---- delete ----
sub refused {
    my ($method, $p, $status, $code, $name, $msg_re) = @_;
    my $before = store_counts();
    my $active = db_active();
    my $res = api($method => $p);
    iic_error_ok($res, $status, $code, $name, $msg_re);
    ok(store_counts() eq $before && db_active() eq $active, "$name: nothing changed");
}

refused(DELETE => "$path/$new", 409, 'IIC.409', 'deleting the ACTIVE certificate is a conflict', qr/ACTIVE/);
($certs) = list();
ok((grep { $_->{certificate_id} eq $new } @{ $certs // [] }), 'it is still there');

$counts = store_counts();
$res = api(DELETE => "$path/$c->{certificate_id}");
is $res->code, 204, 'deleting an INACTIVE certificate answers 204' or diag $res->as_string;
is $res->content, '', 'with no body';
($certs) = list();
is_deeply [map { $_->{certificate_id} } @{ $certs // [] }], [$new], 'and it is gone from the list';
@was = split / /, $counts;
is_deeply [(split / /, store_counts())[1, 3]], [$was[1] - 1, $was[3] + 1], 'and from the repository, audited';

refused(DELETE => "$path/$c->{certificate_id}", 404, 'IIC.404', 'deleting it again is not found');
refused(POST => "$path/$c->{certificate_id}/active", 404, 'IIC.404', 'activating a deleted certificate is not found');
refused(POST => "$path/cer-00000000-0000-4000-8000-000000000000/active", 404, 'IIC.404',
    'activating an unknown certificate is not found');
refused(POST => "$path/not-a-certificate/active", 404, 'IIC.404', 'activating a malformed id is not found');

# another store's certificate is not reachable through this store
my $other = new_store("sp-t-other-$uniq");
my $foreign = (json_of(api(POST => "/v1/identity-stores/$other/saml-certificates")) // {})->{certificate_id} // 'none';
refused(POST => "$path/$foreign/active", 404, 'IIC.404', "activating another store's certificate is not found");
refused(DELETE => "$path/$foreign", 404, 'IIC.404', "deleting another store's certificate is not found");
is psql("SELECT state FROM idtrust.sp_certificate WHERE id = '$foreign'"), 'INACTIVE', 'which stays as it was';

# unknown and malformed stores
my $nostore = '/v1/identity-stores/00000000-0000-4000-8000-000000000000/saml-certificates';
iic_error_ok(api(GET => $nostore), 404, 'IIC.404', 'the list of an unknown store is not found');
refused(POST => $nostore, 404, 'IIC.404', 'creating in an unknown store is not found');
refused(POST => "$nostore/$new/active", 404, 'IIC.404', 'activating in an unknown store is not found');
iic_error_ok(api(GET => '/v1/identity-stores/not-a-store/saml-certificates'), 404, 'IIC.404',
    'the list of a non-uuid store is not found');
$res = api(HEAD => $nostore);
is $res->code, 404, 'HEAD of an unknown store is 404';
is $res->content, '', 'with no body';

# ---- concurrent activation: the store lock leaves exactly one ACTIVE ----
# A psql session holds the ACTIVE certificate's row until all six requests wait on a
# lock, so they overlap for certain; then it lets them go.
sub wait_until {
    my $cond = shift;
    for (1 .. 600) { return 1 if $cond->(); select(undef, undef, undef, 0.05) }
    return 0;
}
my $race = new_store("sp-t-race-$uniq");
my $rpath = "/v1/identity-stores/$race/saml-certificates";
my @ids = map { (json_of(api(POST => $rpath)) // {})->{certificate_id} // "none-$_" } 1 .. 6;
is scalar(grep { /$CERT_ID/ } @ids), 6, 'six INACTIVE certificates to race';
my $app = "idt-locker-$$";
my $locker;
{
    local $ENV{PGAPPNAME} = $app;
    open($locker, '|-', 'psql', $ENV{IDTRUST_DB}, '-q', '-o', '/dev/null') or die "psql: $!";
}
$locker->autoflush(1);
print $locker "BEGIN;\nSELECT 1 FROM idtrust.sp_certificate WHERE id = '" . db_active($race) . "' FOR UPDATE;\n";
ok wait_until(sub { psql("SELECT state FROM pg_stat_activity WHERE application_name = '$app'") eq 'idle in transaction' }),
    'a session holds the ACTIVE row';
my $dir = File::Temp::tempdir(CLEANUP => 1);
my @pids;
for my $i (0 .. $#ids) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $locker;
        my $code = eval { api(POST => "$rpath/$ids[$i]/active")->code } // 0;
        if (open(my $fh, '>', "$dir/$i")) { print $fh $code; close $fh }
        POSIX::_exit(0);
    }
    push @pids, $pid;
}
ok wait_until(sub { psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        . "AND datname = current_database()") >= 6 }), 'all six activations are waiting at once';
print $locker "COMMIT;\n";
close $locker;
waitpid($_, 0) for @pids;
my @codes = map { my $fh; open($fh, '<', "$dir/$_") ? scalar <$fh> : 'none' } 0 .. $#ids;
is_deeply \@codes, [(204) x 6], 'all six concurrent activations answer 204';
($certs) = list($rpath);
my @active = grep { $_->{state} eq 'ACTIVE' } @{ $certs // [] };
is scalar(@active), 1, 'exactly one certificate is ACTIVE afterwards';
ok((grep { $_ eq ($active[0] // {})->{certificate_id} } @ids), 'one of the six');
is db_active($race), ($active[0] // {})->{certificate_id}, 'so says the repository';
is psql("SELECT count(*) FROM idtrust.audit WHERE action = 'saml_certificate.activate' AND object_id IN ("
    . join(',', map { "'$_'" } @ids) . ')'), '6', 'each activation is audited once';
