# Objects of every type (seed 004, "Create/Update objects"): what a new repository
# holds; POST into a site, PUT to create or update, GET, DELETE; each type's attributes
# (multi-valued, booleans, enumerations, dates, nameIDFormat that cannot change);
# paths that compare ignoring case; DELETE of a subtree with its links; the verbs an
# object does not take (405); audit rows.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

sso_reset();

sub attrs { my $r = sso(GET => $_[0], accept => 'json'); my $j = json_of($r); $j ? $j->{attributes} : { code => $r->code } }
sub text { sso(@_, accept => 'text')->content }

# ---- a new repository -------------------------------------------------------------------
is(text(GET => '/site/System'), "site /site/System\n", '/site/System');
is(text(GET => '/site/System/ServerKeyContainer'), "site /site/System/ServerKeyContainer\n",
    '/site/System/ServerKeyContainer');
is(text(GET => '/method/password.1'), "method /method/password.1\n", '/method/password.1');
is(sso(GET => '/server', accept => 'json')->content, '{"type":"server","id":"/server","attributes":{}}',
    'the server: /server, without a path');
is(text(GET => '/site'), "site /site/System\n", 'GET /site lists the top-level sites');
is(text(GET => '/method'), "method /method/password.1\n", 'GET /method the methods');
# (besides the test suite's OAuth2 client and the signing key its first token made)
is_deeply([ grep { !m{/idtrust-test$|/server-signing-} } @{ sso_ids(sso(GET => '/site/System/$link/sub')) } ],
    ['/site/System', '/site/System/ServerKeyContainer'], 'System holds the key container');

# ---- sites (the seed's "Create site" and "Update site") --------------------------------
is(sso(PUT => '/site/Example')->code, 201, 'PUT /site/Example creates a top-level site');
my $res = sso(POST => '/site/Example',
    form => ['type=site', 'name=acmecorporation', 'description=Acme corporation site', 'mail=e@mail.com']);
is($res->code, 201, 'POST a site with description and mail');
is_deeply(attrs('/site/Example/acmecorporation'),
    { name => 'acmecorporation', description => ['Acme corporation site'], mail => 'e@mail.com' },
    'its attributes: description multi-valued');
$res = sso(PUT => '/site/Example/acmecorporation', form => ['mail=other@mail.com']);
is($res->code, 201, 'PUT mail=...: 201');
is(attrs('/site/Example/acmecorporation')->{mail}, 'other@mail.com', 'mail changed');
is_deeply(attrs('/site/Example/acmecorporation')->{description}, ['Acme corporation site'], 'the rest kept');
sso(PUT => '/site/Example/acmecorporation', form => ['description=one', 'description=two']);
is_deeply(attrs('/site/Example/acmecorporation')->{description}, ['one', 'two'],
    'a repeated parameter gives a multi-valued attribute its values, in order');
sso(PUT => '/site/Example/acmecorporation', form => ['description=']);
ok(!exists attrs('/site/Example/acmecorporation')->{description}, 'an empty value clears it');
$res = sso(POST => '/site/Example', form => ['type=site', 'name=acmecorporation'], accept => 'json');
sso_error_ok($res, 409, 'json', 'POST of an existing path: 409', qr{site /site/Example/acmecorporation already exists});
$res = sso(POST => '/site/Example', form => ['type=site', 'name=ACMECorporation'], accept => 'json');
sso_error_ok($res, 409, 'json', 'paths compare ignoring case: ACMECorporation is taken', qr/already exists/);
is(text(GET => '/site/EXAMPLE/ACMECORPORATION'), "site /site/Example/acmecorporation\n",
    'GET in any case answers the path as created');
is(text(GET => '/site/Example/acmecorporation/'), "site /site/Example/acmecorporation\n",
    'a trailing slash is tolerated');

# ---- applications: no type means application, enabled defaults to false ---------------
$res = sso(POST => '/site/Example', form => ['name=Acme corporation application name', 'enabled=true']);
is($res->content, "application /application/Example/Acme corporation application name\n",
    'the seed\'s "Create application" (no type=): an application');
is(attrs('/application/Example/Acme%20corporation%20application%20name')->{enabled}, 'true', 'enabled=true');
sso(POST => '/site/Example', form => ['type=application', 'name=webapp1']);
is_deeply(attrs('/application/Example/webapp1'), { name => 'webapp1', enabled => 'false' },
    'by default enabled is false');
sso(PUT => '/application/Example/webapp1', form => ['enabled=TRUE']);
is(attrs('/application/Example/webapp1')->{enabled}, 'true', 'booleans in any case, stored as true/false');
$res = sso(PUT => '/site/Example/webapp1', form => ['enabled=false'], accept => 'json');
sso_error_ok($res, 400, 'json', 'the seed\'s "PUT /site/{path to application}" would make a site: enabled is no site attribute',
    qr/enabled is not an attribute of a site/);
$res = sso(PUT => '/application/Example/webapp1', form => ['enabled=yes'], accept => 'json');
sso_error_ok($res, 400, 'json', 'enabled=yes: 400', qr/enabled must be true or false/);

# ---- groups ----------------------------------------------------------------------------
$res = sso(POST => '/site/Example', form => ['type=group', 'name=users', 'description=All users',
    'condition=(mail=*)', 'memberurl=ldap:///ou=a', 'memberurl=ldap:///ou=b']);
is($res->code, 201, 'a group with description, condition and two memberurls');
is_deeply(attrs('/group/Example/users'), { name => 'users', description => ['All users'], condition => '(mail=*)',
    memberurl => ['ldap:///ou=a', 'ldap:///ou=b'] }, 'its attributes');
sso(PUT => '/group/Example/users', form => ['memberurl=/group/Example/others']);
is_deeply(attrs('/group/Example/users')->{memberurl}, ['/group/Example/others'], 'PUT memberurl replaces the list');

# ---- policies ----------------------------------------------------------------------------
$res = sso(POST => '/site/Example', form => ['type=policy', 'name=policy1', 'required=false', 'singlevalue=true',
    'configuration=conf', 'platform=java', 'description=d']);
is_deeply(attrs('/policy/Example/policy1'), { name => 'policy1', description => ['d'], required => 'false',
    singlevalue => 'true', configuration => 'conf', platform => 'java' }, 'a policy\'s attributes');
sso(PUT => '/policy/Example/policy1', form => ['required=true']);
is(attrs('/policy/Example/policy1')->{required}, 'true', 'the seed\'s "Update Policy": required=true');

# ---- policy items: in a policy or a site ------------------------------------------------
$res = sso(PUT => '/policyItem/Example/policy1/mail', form => ['attributeName=mail', 'attributeValue=${user.mail}',
    'nameValue=scope mail']);
is($res->content, "policyItem /policyItem/Example/policy1/mail\n", 'PUT a policy item into a policy');
is_deeply(attrs('/policyItem/Example/policy1/mail'), { name => 'mail', attributeName => 'mail',
    attributeValue => '${user.mail}', nameValue => 'scope mail' }, 'attributeName, attributeValue, nameValue');
is_deeply(sso_ids(sso(GET => '/policy/Example/policy1/$link/policyItem')), ['/policyItem/Example/policy1/mail'],
    'an item in a policy is linked to it');
is(sso(PUT => '/policyitem/Example/item2', form => ['attributeName=uid'])->code, 201,
    'or into a site (policyitem in any case)');
is_deeply(sso_ids(sso(GET => '/site/Example/$link/one/policyItem')), ['/policyItem/Example/item2'],
    'one level under the site: only the site\'s own item');

# ---- users (the seed's "User" section) --------------------------------------------------
$res = sso(POST => '/site/Example', form => ['type=user', 'name=user1', 'mail=user1@example.com', 'uid=user1', 'enabled=true']);
is($res->content, "user /user/Example/user1\n", 'Create User');
$res = sso(PUT => '/user/Example/user1', form => ['mail=user1@example.com', 'uid=user1', 'enabled=true']);
is($res->code, 201, 'Update User');
is_deeply(attrs('/user/Example/user1'), { name => 'user1', mail => 'user1@example.com', uid => 'user1', enabled => 'true' },
    'its attributes');
$res = sso(PUT => '/user/Example/user1', form => ['mail=not-an-address'], accept => 'xml');
sso_error_ok($res, 400, 'xml', 'mail must be an address', qr/mail must be an e-mail address/);

# ---- methods, credentials, mapping and refresh token policies -------------------------
is(sso(PUT => '/method/otp.1', form => ['description=One-time password'])->code, 201, 'PUT /method/otp.1');
is_deeply(sso_ids(sso(GET => '/method')), ['/method/otp.1', '/method/password.1'], 'GET /method lists both');
$res = sso(PUT => '/method/a/b', accept => 'json');
sso_error_ok($res, 404, 'json', 'a method path of two segments names nothing', qr/one segment/);
$res = sso(PUT => '/credential/System/ServerKeyContainer/key1', form => ['kid=key1', 'use=sig'], accept => 'json');
sso_error_ok($res, 400, 'json', 'a credential needs kty', qr/kty is required/);
$res = sso(PUT => '/credential/System/ServerKeyContainer/key1',
    form => ['kty=RSA', 'kid=key1', 'enabled=true', 'use=sig', 'notBefore=2025-01-01T00:00:00Z',
             ['notOnOrAfter', '2030-01-01T00:00:00+02:00'], 'description=signing key']);
is($res->content, "credential /credential/System/ServerKeyContainer/key1\n", 'PUT a credential into the key container');
is_deeply(attrs('/credential/System/ServerKeyContainer/key1'), { name => 'key1', kty => 'RSA', kid => 'key1',
    enabled => 'true', use => 'sig', notBefore => '2025-01-01T00:00:00Z', notOnOrAfter => '2030-01-01T00:00:00+02:00',
    description => 'signing key' }, 'its attributes');
sso(PUT => '/credential/System/ServerKeyContainer/key1', form => ['notBefore=']);
ok(!exists attrs('/credential/System/ServerKeyContainer/key1')->{notBefore}, 'an empty notBefore clears it');
$res = sso(PUT => '/credential/System/ServerKeyContainer/key1', form => ['use=both'], accept => 'json');
sso_error_ok($res, 400, 'json', 'use=both: 400', qr/use must be one of: sig, enc/);
$res = sso(PUT => '/credential/System/ServerKeyContainer/key1', form => ['notOnOrAfter=tomorrow'], accept => 'json');
sso_error_ok($res, 400, 'json', 'a date that is not ISO 8601: 400', qr/ISO 8601/);

my $unspecified = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
$res = sso(PUT => '/outboundMappingPolicy/Example/userMappingPolicy1', form => ["nameIDFormat=$unspecified"]);
is($res->content, "outboundMappingPolicy /outboundMappingPolicy/Example/userMappingPolicy1\n",
    'Create user mapping policy');
$res = sso(PUT => '/outboundMappingPolicy/Example/persistentIDPolicy1',
    form => ["nameIDFormat=\nurn:oasis:names:tc:SAML:2.0:nameid-format:persistent"]);
is($res->code, 201, 'Create persistent ID policy, with the newline the seed prints before the value');
is(attrs('/outboundMappingPolicy/Example/persistentIDPolicy1')->{nameIDFormat},
    'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'the value without the white space');
$res = sso(PUT => '/outboundMappingPolicy/Example/userMappingPolicy1',
    form => ['nameIDFormat=urn:oasis:names:tc:SAML:2.0:nameid-format:transient'], accept => 'json');
sso_error_ok($res, 409, 'json', 'Policy function can not be changed after creation: 409', qr/nameIDFormat cannot change/);
is(sso(PUT => '/outboundMappingPolicy/Example/userMappingPolicy1', form => ["nameIDFormat=$unspecified", 'description=x'])->code,
    201, 'the same nameIDFormat again is no change');
$res = sso(PUT => '/outboundMappingPolicy/Example/other', accept => 'json');
sso_error_ok($res, 400, 'json', 'a mapping policy needs its nameIDFormat', qr/nameIDFormat is required/);
$res = sso(PUT => '/outboundMappingPolicy/Example/other', form => ['nameIDFormat=urn:x'], accept => 'json');
sso_error_ok($res, 400, 'json', 'one of the three kinds', qr/nameIDFormat must be one of/);
is(text(PUT => '/refreshTokenPolicy/Example/refreshTokenPolicy1'),
    "refreshTokenPolicy /refreshTokenPolicy/Example/refreshTokenPolicy1\n", 'Create refresh token policy');

# ---- what PUT and POST refuse -----------------------------------------------------------
$res = sso(PUT => '/application/webapp9', accept => 'json');
sso_error_ok($res, 400, 'json', 'an application at the top: 400', qr/only sites and methods live/);
$res = sso(PUT => '/group/Nowhere/g', accept => 'json');
sso_error_ok($res, 404, 'json', 'a group in a site that does not exist: 404', qr{no site /site/Nowhere});
$res = sso(PUT => '/site/Example/webapp1', form => ['name=other'], accept => 'json');
sso_error_ok($res, 400, 'json', 'name is the URI\'s', qr/name is the last segment/);
$res = sso(PUT => '/application/Example/webapp1', form => ['name=renamed'], accept => 'json');
sso_error_ok($res, 400, 'json', 'name cannot change', qr/name cannot change/);
is(sso(PUT => '/application/Example/webapp1', form => ['name=webapp1', 'type=application'])->code, 201,
    'name and type may repeat what the URI says');
$res = sso(PUT => '/application/Example/webapp1', form => ['type=site'], accept => 'json');
sso_error_ok($res, 400, 'json', 'type cannot change', qr/type cannot change/);
$res = sso(POST => '/site/Example', form => ['type=method', 'name=m'], accept => 'json');
sso_error_ok($res, 400, 'json', 'a method is not POSTed into a site', qr/does not live in a site/);
$res = sso(POST => '/site/Example', form => ['type=widget', 'name=w'], accept => 'json');
sso_error_ok($res, 400, 'json', 'type=widget: 400', qr/type widget is not an object type/);
$res = sso(POST => '/site/Example', form => ['type=group'], accept => 'json');
sso_error_ok($res, 400, 'json', 'POST without a name: 400', qr/name is required/);
$res = sso(POST => '/site', form => ['type=group', 'name=g'], accept => 'json');
sso_error_ok($res, 400, 'json', 'POST /site makes top-level sites only', qr/only sites live at the top/);
is(text(POST => '/site', form => ['type=site', 'name=Top2']), "site /site/Top2\n", 'POST /site type=site: a top-level site');
is(sso(PUT => '/site/Example/shared')->code, 201, 'a site Example/shared');
$res = sso(PUT => '/policy/Example/shared', accept => 'json');
sso_error_ok($res, 409, 'json', 'a policy cannot take the path of a site', qr{/site/Example/shared holds that path});
is(sso(PUT => '/application/Example/shared')->code, 201, 'an application may (it holds nothing)');

# ---- verbs an object does not take ------------------------------------------------------
$res = sso(POST => '/application/Example/webapp1', form => ['enabled=true'], accept => 'json');
sso_error_ok($res, 405, 'json', 'POST to an application: 405', qr/use GET, PUT, DELETE/);
is($res->header('Allow'), 'GET, PUT, DELETE', 'Allow: GET, PUT, DELETE');
for my $m (qw(PUT POST DELETE)) {
    $res = sso($m => '/server', accept => 'json');
    sso_error_ok($res, 405, 'json', "$m /server: 405", qr/use GET/);
    is($res->header('Allow'), 'GET', 'Allow: GET');
}
$res = sso(PATCH => '/site/Example', accept => 'xml');
sso_error_ok($res, 405, 'xml', 'PATCH: 405', qr/PATCH/);
like($res->header('Allow') // '', qr/GET.*POST.*PUT.*DELETE/, 'Allow lists the four verbs');

# ---- DELETE: the object, everything under it, and every link of any of them -------------
my $links = psql(q{SELECT count(*) FROM idtrust.sso_link});
sso(PUT => '/site/Example/acmecorporation/inner');
sso(POST => '/site/Example/acmecorporation/inner', form => ['type=group', 'name=g']);
sso(PUT => '/site/Example/acmecorporation/inner/$link/method/password.1');
sso(PUT => '/group/Example/acmecorporation/inner/g/$link/accessTo/application/Example/webapp1');
sso(PUT => '/group/Example/users/$link/member/group/Example/acmecorporation/inner/g');
is(psql(q{SELECT count(*) FROM idtrust.sso_link}), $links + 3, 'three links into the subtree');
$res = sso(DELETE => '/site/Example/acmecorporation', accept => 'json');
is($res->code, 200, 'DELETE a site with objects under it: 200 (children are not checked)');
is(json_of($res)->{id}, '/site/Example/acmecorporation', 'answering the deleted site');
is(psql(q{SELECT count(*) FROM idtrust.sso_object WHERE path_key LIKE '/example/acmecorporation%'}), 0,
    'the subtree is gone');
is(psql(q{SELECT count(*) FROM idtrust.sso_link}), $links, 'and no link points into it');
is_deeply(sso_ids(sso(GET => '/application/Example/webapp1/$link/allowedTo')), [], 'the application allows nobody now');
sso_error_ok(sso(GET => '/group/Example/acmecorporation/inner/g', accept => 'json'), 404, 'json',
    'GET of a deleted child: 404', qr{no group /group/Example/acmecorporation/inner/g});
sso_error_ok(sso(DELETE => '/site/Example/acmecorporation', accept => 'text'), 404, 'text', 'DELETE again: 404');
is(sso(DELETE => '/user/Example/user1')->code, 200, 'Remove user');
is(sso(DELETE => '/method/otp.1')->code, 200, 'DELETE a method');
for my $p ('/site/System', '/site/System/ServerKeyContainer') {
    sso_error_ok(sso(DELETE => $p, accept => 'json'), 409, 'json', "DELETE $p: 409", qr/cannot be deleted/);
}
$res = sso(DELETE => '/site/Example', form => ['force=true'], accept => 'json');
sso_error_ok($res, 400, 'json', 'DELETE takes no parameters', qr/unknown form parameter force/);

# ---- every change is audited --------------------------------------------------------------
is(psql(q{SELECT action || ' ' || object_type || ' ' || object_id || ' ' || actor FROM idtrust.audit
          WHERE object_id = '/site/Example/acmecorporation' ORDER BY id LIMIT 1}),
    'sso.create sso_site /site/Example/acmecorporation idtrust-test',
    'the create is audited, with who did it (the client of the bearer token)');
like(psql(q{SELECT detail::text FROM idtrust.audit WHERE action = 'sso.delete'
            AND object_id = '/site/Example/acmecorporation'}), qr/"objects_below": 2/,
    'the delete, with the number of objects below');

done_testing();
