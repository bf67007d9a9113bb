# The seed's set-up, end to end with two idtrust servers, each with a repository of its
# own: the primary (the suite's server) notifies the second through
# RESTCertificateAddedMyID.xml, and the second imports the certificate (sent as a PKCS#7
# bundle) under the policy whose objectId the primary's policy names in
# externalNotificationData. The second server authenticates the primary through its own
# token endpoint: its /rest.core/api takes a bearer token with the scope myid.rest.basic,
# which the primary gets with the client credentials of an OAuth2 client made in the
# second server's database. An external system with a wrong client secret gets no token:
# its delivery fails naming the token endpoint, is retried, and imports nothing.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use LWP::UserAgent ();
use MIME::Base64 ();
use lib 't/lib';
use IdtTest;

plan tests => 21, need { 'IDTRUST_PG_SOCKET set by scripts/test' => defined $ENV{IDTRUST_PG_SOCKET} };

my $top = Apache::Test::vars('serverroot') . '/..';
my $uniq = "$$-" . int(rand(1e6));
my $db = "idtrust_second_$$";
my ($conninfo, $psql2) = own_database($db);
sub psql2 { $psql2->(@_) }
my $target_oid = "2.16.840.1.113730.$$.1";
psql2("INSERT INTO idtrust.ci_policy (name, object_id) VALUES ('Unmanaged Imported', '$target_oid')");

# the primary's OAuth2 client on the second server (as the seed's step 1 registers it there)
my $client = "myid.mysystem.$$";
my $secret = 'cs-' . join('', map { sprintf '%02x', int rand 256 } 1 .. 16);
{
    local $ENV{IDTRUST_CLIENT_SECRET} = $secret;
    system('psql', $conninfo, '-q', '-v', "client=$client", '-v', 'scopes=myid.rest.basic',
        '-f', "$top/scripts/lib/sso-client.sql") == 0 or die "sso-client.sql failed\n";
}

my $conf = small_httpd_conf(<<"CONF");
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule certimport_module $top/modules/certimport/.libs/mod_certimport.so
LoadModule ssoadmin_module $top/modules/ssoadmin/.libs/mod_ssoadmin.so
DBDriver pgsql
DBDParams "$conninfo"
IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"
CertimportMappingDir $top/conf/mappings
CertimportDelivery Off
<LocationMatch "^/(uas|web\\.oauth2)(/|\$)">
    SetHandler ssoadmin-oauth
    Require all granted
</LocationMatch>
<LocationMatch "^/rest\\.core/api(/|\$)">
    SetHandler certimport
    AuthType Bearer
    AuthName "idtrust"
    Require scope myid.rest.basic
    AuthzSendForbiddenOnFailure On
</LocationMatch>
CONF
# its access log: method, path, status, the authenticated user and the client id that
# AuthType Bearer found in the token (neither a token nor a secret)
{
    open(my $f, '>>', "$conf/httpd.conf") or die;
    print $f qq{LogFormat "%m %U %>s user=%u bearer=%{OAUTH2_CLIENT_ID}e" second_access\n},
        qq{CustomLog "$conf/access_log" second_access\n};
}
my ($port) = do { open(my $f, '<', "$conf/httpd.conf") or die; local $/; <$f> } =~ /Listen 127\.0\.0\.1:(\d+)/;
system(httpd_bin(), '-f', "$conf/httpd.conf", '-k', 'start') == 0 or die 'the second server did not start';
ok ci_wait(10, sub { IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1) }),
    'the second server listens';
my $second = "http://127.0.0.1:$port";
my $ua = LWP::UserAgent->new;
sub access_log { open(my $f, '<', "$conf/access_log") or return ''; local $/; scalar <$f> }

# the second server's own token endpoint, and its API refusing what has no token
my $tok = json_of($ua->post("$second/web.oauth2/connect/token",
    { grant_type => 'client_credentials', scope => 'myid.rest.basic' },
    Authorization => 'Basic ' . MIME::Base64::encode_base64("$client:$secret", '')));
ok $tok && $tok->{access_token}, "the second server's token endpoint gives the client a token";
is $ua->get("$second/rest.core/api/Certificates")->code, 401, 'its Core API refuses a request without one';

# on the primary: the external system (the seed's steps 3-5) and a policy that notifies it
my $endpoint = "$second/web.oauth2/connect/token";
my $sys = ci_system(name => "second-$uniq", description => 'the external MyID CMS system',
    mappingFile => 'RESTCertificateAddedMyID.xml', apiLocation => "$second/rest.core",
    oauthTokenEndpoint => $endpoint, clientId => $client, clientSecret => $secret,
    requestedScopes => 'myid.rest.basic');
is $sys->{oauthTokenEndpoint}, $endpoint, 'the external system names the token endpoint';
my $policy = ci_policy(externalNotificationData => $target_oid, externalSystems => [ $sys->{name} ]);

my $pem = openssl_cert(cn => "person-$uniq.example.test");
my $res = ci_import(pem_b64($pem), $policy->{objectId});
is $res->code, 201, 'a certificate imported on the primary' or diag $res->as_string;
my $v = json_of($res);
my $cid = $v->{id};
ok ci_wait(15, sub { psql("SELECT state FROM idtrust.ci_outbox WHERE certificate_id = '$cid'") eq 'delivered' }),
    'the notification is delivered to the second server'
    or diag psql("SELECT state, attempts, last_error FROM idtrust.ci_outbox WHERE certificate_id = '$cid'");
is psql("SELECT last_status FROM idtrust.ci_outbox WHERE certificate_id = '$cid'"), 201,
    'which answered 201 (imported)';
my $sha = psql("SELECT sha256 FROM idtrust.certificate WHERE id = '$cid'");
my $there = psql2("SELECT m.certificate_id || ' ' || p.object_id || ' ' || c.source FROM idtrust.ci_certificate m "
    . "JOIN idtrust.ci_policy p ON p.id = m.policy_id JOIN idtrust.certificate c ON c.id = m.certificate_id "
    . "WHERE m.sha256 = '$sha'");
my ($id2, $oid2, $src2) = split / /, $there;
ok $id2, 'the second server holds the certificate';
is $oid2, $target_oid, 'under the policy externalNotificationData named';
my $g = json_of($ua->get("$second/rest.core/api/Certificates/$id2",
    Authorization => "Bearer $tok->{access_token}"));
is $g->{userDN}, $v->{userDN}, 'its GET (with a token) shows the same subject';
is $g->{certSerialNo}, $v->{certSerialNo}, 'and serial';

# what the second server saw: the primary's token request, then the import with its token
my @log = split /\n/, access_log();
my @token_req = grep { m{^POST /web\.oauth2/connect/token 200 } } @log;
ok @token_req >= 2, "the second server's access log shows the primary's token request (200), after the test's own"
    or diag join("\n", @log);
my @imports = grep { m{^POST /rest\.core/api/Certificates/import 201 } } @log;
is scalar @imports, 1, 'and one import, answered 201';
like $imports[0] // '', qr{ user=\Q$client\E bearer=\Q$client\E$},
    '... authenticated by its bearer token as the client id';

# a wrong client secret: no token, the delivery fails naming the token endpoint, retried
my $bad = ci_system(name => "second-bad-$uniq", mappingFile => 'RESTCertificateAddedMyID.xml',
    apiLocation => "$second/rest.core", oauthTokenEndpoint => $endpoint, clientId => $client,
    clientSecret => 'not-the-secret', requestedScopes => 'myid.rest.basic');
my $bad_policy = ci_policy(externalNotificationData => $target_oid, externalSystems => [ $bad->{name} ]);
my $imports_before = () = access_log() =~ m{^POST /rest\.core/api/Certificates/import }mg;
my $pem2 = openssl_cert(cn => "person2-$uniq.example.test");
$res = ci_import(pem_b64($pem2), $bad_policy->{objectId});
is $res->code, 201, 'a certificate imported under a policy notifying it' or diag $res->as_string;
my $cid2 = json_of($res)->{id};
my $row = sub { psql("SELECT state || '|' || attempts || '|' || coalesce(last_error, '') "
    . "FROM idtrust.ci_outbox WHERE certificate_id = '$cid2'") };
ok ci_wait(15, sub { (split /\|/, $row->())[1] >= 2 }), 'the delivery is tried, and tried again'
    or diag $row->();
my ($state, $attempts, $error) = split /\|/, $row->(), 3;
is $state, 'pending', 'still pending (retried on the schedule)';
like $error, qr/^no token: token endpoint \Q$endpoint\E answered 401 \(invalid_client\)/,
    'last_error names the token endpoint and what it answered';
my $sha2 = psql("SELECT sha256 FROM idtrust.certificate WHERE id = '$cid2'");
is psql2("SELECT count(*) FROM idtrust.ci_certificate WHERE sha256 = '$sha2'"), 0,
    'nothing is imported on the second server';
my $imports_after = () = access_log() =~ m{^POST /rest\.core/api/Certificates/import }mg;
is $imports_after, $imports_before, 'which saw no import request at all';
ok access_log() =~ m{^POST /web\.oauth2/connect/token 401 }m, '... only token requests it refused (401)';
api(DELETE => "/idtrust/v1/external-systems/$_->{id}") for $sys, $bad;

system(httpd_bin(), '-f', "$conf/httpd.conf", '-k', 'stop');
ci_wait(10, sub { !-e "$conf/httpd.pid" });
system('dropdb', '-h', $ENV{IDTRUST_PG_SOCKET}, $db);
