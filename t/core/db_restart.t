# PostgreSQL stops under a running httpd: API requests answer 503 in the API's envelope
# with Retry-After, promptly; when it is back, the server recovers by itself.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use lib 't/lib';
use IdtTest;

plan tests => 29, need { 'IDTRUST_PG_DATA set by scripts/test' => defined $ENV{IDTRUST_PG_DATA} };

my $pg_ctl = "$ENV{IDTRUST_PG_BIN}/pg_ctl";
sub pg { system($pg_ctl, '-D', $ENV{IDTRUST_PG_DATA}, '-w', '-t', '30', @_) == 0 or die "pg_ctl @_ failed\n" }

my $store = new_store();
my $path = "/v1/identity-stores/$store/saml-certificates";
# reads run as statements prepared on each pooled connection; after the restart those
# connections' statements are gone and must be prepared again
my @warm = map { api(GET => $path)->code } 1 .. 10;
ok t_cmp(scalar(grep { $_ == 200 } @warm), 10, 'the store answers before the stop');

# a client that would rather fail than wait: a hang shows up as a failed status
Apache::TestRequest::user_agent(reset => 1, timeout => 5);

# an access token of the SSO server, taken while the database is up
my ($cid, $csecret) = sso_test_client();
my $token = sso_token();

pg('-m', 'fast', 'stop');

my $res = api(GET => $path);
ok t_cmp($res->code, 503, 'with the database down, a read answers 503');
ok t_cmp($res->header('Retry-After'), qr/^\d+$/, 'with Retry-After');
my $body = json_of($res);
ok t_cmp($body->{error_code}, 'IIC.503', 'in the Identity Center envelope');
ok t_cmp($body->{request_id}, qr/\S/, 'with the request id');

$res = api(POST => '/idtrust/v1/identity-stores', body => { name => "down-$$" });
ok t_cmp($res->code, 503, 'a write answers 503 too');

# mod_trustdoc: a read (its cache is bypassed while its listener is down) and an import
$res = api(GET => '/idaas/webservice/admin/v1/trustdocument/export?documentName=oracle-default');
ok t_cmp($res->code, 503, 'a trust document export answers 503');
ok t_cmp(json_of($res)->{ERROR_CODE}, 'TD.503', 'in the OWSM envelope');
ok t_cmp($res->header('Retry-After'), qr/^\d+$/, 'with Retry-After');
$res = api(POST => '/idaas/platform/admin/v1/trustdocument/import', type => 'application/xml',
    body => '<oratrust:TokenIssuerTrust xmlns:oratrust="http://xmlns.oracle.com/wsm/security/trust" oratrust:name="oracle-default"/>');
ok t_cmp($res->code, 503, 'an import answers 503');
ok t_cmp(json_of($res)->{STATUS}, 'Failed', 'with STATUS Failed');

# mod_ssoadmin: the token endpoint and a bearer-authenticated call (the keys in memory
# are not trusted while the change listener is disconnected)
$res = api(POST => '/uas/oauth2/token', auth => [ 'nobody-' . $$, 'x' ],
    body => 'grant_type=client_credentials', type => 'application/x-www-form-urlencoded');
ok t_cmp($res->code, 503, 'a token request answers 503');
ok t_cmp(json_of($res)->{error}, 'temporarily_unavailable', 'error temporarily_unavailable (RFC 6749)');
$res = api(GET => '/sso-api/site/System', auth => undef,
    headers => { Authorization => "Bearer $token", Accept => 'application/json' });
ok t_cmp($res->code, 503, 'a call with a bearer token answers 503, not 401');
ok t_cmp(ref json_of($res) eq 'HASH' && json_of($res)->{error}{status}, 503, 'in the SSO API envelope');
ok t_cmp($res->header('Retry-After'), qr/^\d+$/, 'with Retry-After');

# credentials never seen before cannot be checked: 503, not 401 or 500
$res = api(GET => $path, auth => ['nobody', 'whatever']);
ok t_cmp($res->code, 503, 'an unverifiable login answers 503');
ok t_cmp(json_of($res)->{error_code}, 'IIC.503', 'in the envelope');

$res = api(GET => '/idtrust/ready', auth => undef);
ok t_cmp($res->code, 503, 'ready says 503 while the database is down');
ok t_cmp($res->header('Retry-After'), qr/^\d+$/, 'with Retry-After');
ok t_cmp(api(GET => '/idtrust/live', auth => undef)->code, 200, 'live stays 200');

pg('-o', "-c listen_addresses='' -k $ENV{IDTRUST_PG_SOCKET} -c fsync=off", '-l',
    "$ENV{IDTRUST_PG_DATA}/../log/postgresql.log", 'start');

# every pooled connection predates the restart: each must recover on first use
my @codes = map { api(GET => $path)->code } 1 .. 20;
ok t_cmp(scalar(grep { $_ == 200 } @codes), 20, 'after the restart every read succeeds, no restart of httpd')
    or print "# codes: @codes\n";

$res = api(POST => '/idtrust/v1/identity-stores', body => { name => "back-$$" });
ok t_cmp($res->code, 201, 'writes succeed again');
ok t_cmp(api(GET => '/idaas/webservice/admin/v1/trustdocument/export?documentName=oracle-default')->code, 200,
    'trust documents are served again');
$res = api(POST => '/uas/oauth2/token', auth => [ $cid, $csecret ],
    body => 'grant_type=client_credentials', type => 'application/x-www-form-urlencoded');
ok t_cmp($res->code, 200, 'tokens are granted again');
ok t_cmp(api(GET => '/sso-api/site/System', auth => undef,
    headers => { Authorization => "Bearer $token" })->code, 200, 'and the token from before the outage is good again');

$res = api(GET => $path, auth => ['admin', 'wrong-password']);
ok t_cmp($res->code, 401, 'and logins are checked again (a wrong password is 401)');

ok t_cmp(api(GET => '/idtrust/ready', auth => undef)->code, 200, 'ready is back to 200');
ok t_cmp(psql("SELECT count(*) FROM idtrust.identity_store WHERE name = 'down-$$'"), 0,
    'the write refused during the outage left nothing behind');
