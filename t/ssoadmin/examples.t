# The seed's worked examples (seed 004, "Example - SAML2 or OAuth2 integration" and
# "Example - Office365 Integration"), sent call by call as printed (the space the seed
# prints after "SampleSite/" in three URIs and after "name=" is sent, as %20 in a URI:
# curl refuses a raw space), then the tree they build, read from every end. And the
# seed's response examples: POST /site/AcmeCorporation type=site name=Sitetest in the
# three formats, GET /site/System in JSON and XML, byte for byte.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

sso_reset();

# what the examples assume exists: the site AcmeCorporation, and a CustomerID group (the
# "{path to CID group}" of the seed) under the site "eIDM Users"
is(sso(PUT => '/site/AcmeCorporation')->code, 201, 'the existing site AcmeCorporation');
is(sso(PUT => '/site/eIDM%20Users')->code, 201, 'the site eIDM Users');
is(sso(POST => '/site/eIDM%20Users', form => ['type=group', 'name=CustomerIDUsers'])->code, 201,
    'and its CustomerID group');

# ---- the seed's response example, in its three formats -------------------------------
my @sitetest = ('type=site', 'name=Sitetest');
my $res = sso(POST => '/site/AcmeCorporation', form => \@sitetest, accept => 'text');
is($res->code, 201, 'POST /site/AcmeCorporation type=site name=Sitetest: 201');
is($res->content, "site /site/AcmeCorporation/Sitetest\n", 'plain text: type and id');
like($res->header('Content-Type'), qr{^text/plain;charset=UTF-8$}, 'as text/plain');
is(sso(DELETE => '/site/AcmeCorporation/Sitetest')->code, 200, 'deleted again');
$res = sso(POST => '/site/AcmeCorporation', form => \@sitetest, accept => 'json');
is($res->content, '{"type":"site","id":"/site/AcmeCorporation/Sitetest","attributes":{"name":"Sitetest"}}',
    'JSON: {"type","id","attributes"}');
like($res->header('Content-Type'), qr{^application/json;charset=UTF-8$}, 'as application/json');
sso(DELETE => '/site/AcmeCorporation/Sitetest');
$res = sso(POST => '/site/AcmeCorporation', form => \@sitetest, accept => 'xml');
is($res->content, '<object type="site" id="/site/AcmeCorporation/Sitetest"><attribute name="name" value="Sitetest"/></object>',
    'XML: <object type id><attribute name value/></object>');
like($res->header('Content-Type'), qr{^application/xml;charset=UTF-8$}, 'as application/xml');
sso(DELETE => '/site/AcmeCorporation/Sitetest');

$res = sso(GET => '/site/System', accept => 'json');
is($res->code, 200, 'GET /site/System: 200');
is($res->content, '{"type":"site","id":"/site/System","attributes":{"name":"System","description":["Ubilogin System"]}}',
    'JSON as the seed prints it (description is multi-valued)');
is(sso(GET => '/site/System', accept => 'xml')->content,
    '<object type="site" id="/site/System"><attribute name="name" value="System"/><attribute name="description"><value>Ubilogin System</value></attribute></object>',
    'XML as the seed prints it');

# ---- Example - SAML2 or OAuth2 integration, call by call ------------------------------
my @calls = (
    [POST => '/site/AcmeCorporation', ['type=site', 'name=SampleSite'], 201, 'site /site/AcmeCorporation/SampleSite'],
    [POST => '/site/AcmeCorporation/SampleSite', ['type=application', 'name= SampleApplication'], 201,
        'application /application/AcmeCorporation/SampleSite/SampleApplication'],
    [POST => '/site/AcmeCorporation/SampleSite', ['type=policy', 'name=SamplePolicy'], 201,
        'policy /policy/AcmeCorporation/SampleSite/SamplePolicy'],
    [POST => '/site/AcmeCorporation/SampleSite', ['type=group', 'name=SampleGroup'], 201,
        'group /group/AcmeCorporation/SampleSite/SampleGroup'],
    [PUT => '/site/AcmeCorporation/SampleSite/$link/method/password.1', undef, 201, 'method /method/password.1'],
    [PUT => '/application/AcmeCorporation/SampleSite/%20SampleApplication/$link/allowedTo/group/AcmeCorporation/%20SampleSite/SampleGroup',
        undef, 201, 'group /group/AcmeCorporation/SampleSite/SampleGroup'],
    [PUT => '/application/AcmeCorporation/SampleSite/%20SampleApplication/$link/method/password.1', undef, 201,
        'method /method/password.1'],
    [PUT => '/application/AcmeCorporation/SampleSite/%20SampleApplication/$link/policy/AcmeCorporation/SampleSite/SamplePolicy',
        undef, 201, 'policy /policy/AcmeCorporation/SampleSite/SamplePolicy'],
    [POST => '/policy/AcmeCorporation/SampleSite/SamplePolicy',
        ['group=/group/AcmeCorporation/SampleSite/SampleGroup', 'name=email', 'value=${user.mail}'], 201,
        'policyItem /policyItem/AcmeCorporation/SampleSite/SamplePolicy/email'],
    [PUT => '/group/AcmeCorporation/SampleSite/SampleGroup/$link/member/group/eIDM%20Users/CustomerIDUsers', undef, 201,
        'group /group/eIDM Users/CustomerIDUsers'],
);
for my $c (@calls) {
    my ($m, $path, $form, $status, $line) = @$c;
    my $r = sso($m, $path, ($form ? (form => $form) : ()), accept => 'text');
    is($r->code, $status, "$m $path: $status") or diag($r->as_string);
    is($r->content, "$line\n", "  answers $line");
}
# the last call as printed names an application of another example (salesforcesso)
# and sends no metadata: 404; the example's own application with agent metadata: 201
$res = sso(PUT => '/application/AcmeCorporation/SampleSite/salesforcesso/$attribute/metadata', form => []);
sso_error_ok($res, 404, 'text', 'PUT .../salesforcesso/$attribute/metadata as printed: no such application',
    qr{no application /application/AcmeCorporation/SampleSite/salesforcesso});
$res = sso(PUT => '/application/AcmeCorporation/SampleSite/SampleApplication/$attribute/metadata',
    form => [['metadata', '{"redirect_uris":["https://sample.example.com/callback"]}']], accept => 'json');
is($res->code, 201, 'PUT .../SampleApplication/$attribute/metadata: 201');
my $md = json_of($res)->{attributes};
is_deeply($md->{redirect_uri}, ['https://sample.example.com/callback'], '  with the redirect URL');
like($md->{client_id} // '', qr/^[0-9a-f]{32}$/, '  a client id');
like($md->{client_secret} // '', qr/^[A-Za-z0-9_-]{43}$/, '  and a client secret');

# ---- the tree the example builds --------------------------------------------------------
sub ids { sso_ids(sso(GET => $_[0], accept => 'text')) }
my $app = '/application/AcmeCorporation/SampleSite/SampleApplication';
my $group = '/group/AcmeCorporation/SampleSite/SampleGroup';
my $policy = '/policy/AcmeCorporation/SampleSite/SamplePolicy';
my $item = '/policyItem/AcmeCorporation/SampleSite/SamplePolicy/email';
is_deeply(ids('/site/AcmeCorporation/$link/sub'),
    ['/site/AcmeCorporation', '/site/AcmeCorporation/SampleSite', $app, $group, $policy, $item],
    'AcmeCorporation holds SampleSite, which holds the application, group, policy (and its item)');
is_deeply(ids('/site/AcmeCorporation/SampleSite/$link/one'), [$app, $group, $policy],
    'one level under SampleSite');
is_deeply(ids("$app/\$link/allowedTo"), [$group], 'Application: AllowedTo SampleGroup');
is_deeply(ids("$app/\$link/method"), ['/method/password.1'], 'Method: password.1');
is_deeply(ids("$app/\$link/policy"), [$policy], 'Authorization policy: SamplePolicy');
is_deeply(ids("$app/\$link/site"), ['/site/AcmeCorporation/SampleSite'], 'in site SampleSite');
is_deeply(ids("$group/\$link/member"), ['/group/eIDM Users/CustomerIDUsers'], 'Group: Member: the CustomerID group');
is_deeply(ids("$group/\$link/accessTo"), [$app], 'Group: accessTo the application (the inverse of allowedTo)');
is_deeply(ids('/group/eIDM%20Users/CustomerIDUsers/$link/memberOf'), [$group], 'the CID group is memberOf SampleGroup');
is_deeply(ids('/site/AcmeCorporation/SampleSite/$link/method'), ['/method/password.1'], 'the site has password.1');
is_deeply(ids('/method/password.1/$link/site'), ['/site/AcmeCorporation/SampleSite'], 'and password.1 the site');
is_deeply(ids('/method/password.1/$link/application'), [$app], 'and the application');
is_deeply(ids("$policy/\$link/application"), [$app], 'the policy is the application\'s');
is_deeply(ids("$policy/\$link/policyItem"), [$item], 'the policy holds the item of its data');
is_deeply(ids("$item/\$link/group"), [$group], 'given to SampleGroup');
is_deeply(ids("$group/\$link/policyItem"), [$item], 'which sees it from its end');
my $j = json_of(sso(GET => $item, accept => 'json'));
is_deeply($j->{attributes}, { name => 'email', attributeName => 'email', attributeValue => '${user.mail}' },
    'the item: email = ${user.mail} (a Java EL expression, kept as sent)');
is(psql(q{SELECT count(*) FROM idtrust.sso_client c JOIN idtrust.sso_object o ON o.id = c.application_id
          WHERE o.path = '/AcmeCorporation/SampleSite/SampleApplication'}), 1, 'the application has client credentials');

# ---- Example - Office365 Integration --------------------------------------------------
# what the seed says should be preconfigured: the common Office365 application with
# password.1 and its policy; the example's call names the policy
# /policy/common/Office365/office365policy, so it is in a site common/Office365 (paths
# compare ignoring case: Office365Policy is office365policy)
is(sso(PUT => '/site/common')->code, 201, 'preconfigured: site common');
is(sso(PUT => '/application/common/Office365')->code, 201, 'application Office365');
is(sso(PUT => '/site/common/Office365')->code, 201, 'site common/Office365');
is(sso(PUT => '/policy/common/Office365/Office365Policy')->code, 201, 'policy Office365Policy');
is(sso(PUT => '/application/common/Office365/$link/method/password.1', form => ['enabled=true'])->code, 201,
    'Office365 has password.1');
is(sso(PUT => '/application/common/Office365/$link/policy/common/Office365/Office365Policy')->code, 201,
    'and Office365Policy');

@calls = (
    [POST => '/site/AcmeCorporation', ['type=site', 'name=SampleOfficeSite'], 201, 'site /site/AcmeCorporation/SampleOfficeSite'],
    [POST => '/site/AcmeCorporation/SampleOfficeSite', ['type=group', 'name=SampleOffice365Users'], 201,
        'group /group/AcmeCorporation/SampleOfficeSite/SampleOffice365Users'],
    [PUT => '/group/AcmeCorporation/SampleOfficeSite/SampleOffice365Users/$link/accessTo/application/common/Office365',
        undef, 201, 'application /application/common/Office365'],
    [PUT => '/group/AcmeCorporation/SampleOfficeSite/SampleOffice365Users/$link/member/group/eIDM%20Users/CustomerIDUsers',
        undef, 201, 'group /group/eIDM Users/CustomerIDUsers'],
    [POST => '/policy/common/Office365/office365policy',
        ['Group=/group/AcmeCorporation/SampleOfficeSite/SampleOffice365Users', 'Name=upn', 'Value=${user.mail}'], 201,
        'policyItem /policyItem/common/Office365/Office365Policy/upn'],
    [POST => '/policy/common/Office365/office365policy',
        ['Group=/group/AcmeCorporation/SampleOfficeSite/SampleOffice365Users', 'Name=issuer', 'Value="acmecoprporation.com"'],
        201, 'policyItem /policyItem/common/Office365/Office365Policy/issuer'],
);
for my $c (@calls) {
    my ($m, $path, $form, $status, $line) = @$c;
    my $r = sso($m, $path, ($form ? (form => $form) : ()), accept => 'text');
    is($r->code, $status, "$m $path: $status") or diag($r->as_string);
    is($r->content, "$line\n", "  answers $line");
}
my $og = '/group/AcmeCorporation/SampleOfficeSite/SampleOffice365Users';
is_deeply(ids('/site/AcmeCorporation/SampleOfficeSite/$link/sub'), ['/site/AcmeCorporation/SampleOfficeSite', $og],
    'Site SampleOfficeSite holds Group SampleOffice365Users');
is_deeply(ids("$og/\$link/member"), ['/group/eIDM Users/CustomerIDUsers'], 'Member: the CustomerID group');
is_deeply(ids("$og/\$link/accessTo"), ['/application/common/Office365'], 'AccessTo: the Office365 application');
is_deeply(ids('/application/common/Office365/$link/allowedTo'), [$og], 'which allows the group');
is_deeply(ids('/group/eIDM%20Users/CustomerIDUsers/$link/memberOf'), [$og, $group],
    'the CID group is a member of both examples\' groups');
my @items = ('/policyItem/common/Office365/Office365Policy/issuer', '/policyItem/common/Office365/Office365Policy/upn');
is_deeply(ids('/policy/common/Office365/Office365Policy/$link/policyItem'), \@items,
    'the common policy holds upn and issuer');
is_deeply(ids("$og/\$link/policyItem"), \@items, 'both given to the office group');
$j = json_of(sso(GET => $items[0], accept => 'json'));
is($j->{attributes}{attributeValue}, '"acmecoprporation.com"', 'issuer\'s value kept as sent, quotes and all');
is_deeply(ids('/application/common/Office365/$link/method'), ['/method/password.1'], 'Office365 keeps its method');

# the same data again: the policy gives it already
$res = sso(POST => '/policy/common/Office365/office365policy',
    form => ["Group=$og", 'Name=upn', 'Value=${user.mail}'], accept => 'json');
sso_error_ok($res, 409, 'json', 'the same policy data twice: 409', qr/already/);
# the same attribute for another group reuses the item
$res = sso(POST => '/policy/common/Office365/office365policy', form => ["group=$group", 'name=upn', 'value=${user.mail}']);
is($res->content, "policyItem $items[1]\n", 'the same attribute for another group: the same item');
is_deeply(ids("$items[1]/\$link/group"), [$og, $group], 'now given to both groups');
# another value for the same attribute: an item of its own
$res = sso(POST => '/policy/common/Office365/office365policy', form => ["group=$group", 'name=upn', 'value=${user.uid}']);
is($res->content, "policyItem /policyItem/common/Office365/Office365Policy/upn.2\n",
    'another value for upn: item upn.2');
# a claim URI as the name: its slashes cannot be in a path segment
$res = sso(POST => '/policy/common/Office365/office365policy',
    form => ["group=$group", [name => 'http://schemas.xmlsoap.org/claims/upn'], 'value=${user.mail}'], accept => 'json');
is(json_of($res)->{id}, '/policyItem/common/Office365/Office365Policy/http:__schemas.xmlsoap.org_claims_upn',
    'a claim URI names its item with _ for /');
is(json_of($res)->{attributes}{attributeName}, 'http://schemas.xmlsoap.org/claims/upn', 'and keeps it whole');

done_testing();
