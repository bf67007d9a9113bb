# $link (seed 004, "Linking objects"): every link type of the seed with every verb: PUT
# and POST make it (POST refuses an existing one), GET lists it and reads one, DELETE
# removes it; the inverse end (allowedTo/accessTo, member/memberOf, manages/managedBy,
# nextFactor/previousFactor, X method / method X, ...) always agrees; the links the seed
# says cannot be set answer 405; link attributes (enabled, username); at most one
# outbound mapping policy and refresh token policy per application; one, sub and
# sub/{type}.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

sso_reset();

# (the server's own signing key, made for the test client's first token, stays out of it)
sub ids { [ grep { !m{/server-signing-} } @{ sso_ids(sso(GET => $_[0], accept => 'text')) } ] }
sub ok201 { my $r = sso(@_); is($r->code, 201, "$_[0] $_[1]") or diag($r->as_string) }

# the fixture: the seed's Example site and a few objects of every type
ok201(PUT => '/site/Example');
ok201(PUT => '/site/Example/S');
ok201(POST => '/site/Example', form => ["type=$_->[0]", "name=$_->[1]", @{ $_->[2] // [] }]) for
    ['group', 'g1'], ['group', 'g2'], ['user', 'user1'], ['application', 'webapp1'], ['application', 'webapp2'],
    ['policy', 'pol'],
    ['outboundMappingPolicy', 'userMappingPolicy1', ['nameIDFormat=urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified']],
    ['outboundMappingPolicy', 'persistentIDPolicy1', ['nameIDFormat=urn:oasis:names:tc:SAML:2.0:nameid-format:persistent']],
    ['refreshTokenPolicy', 'refreshTokenPolicy1'], ['refreshTokenPolicy', 'refreshTokenPolicy2'];
ok201(PUT => '/policyItem/Example/pol/item', form => ['attributeName=mail']);
is_deeply(ids('/policy/Example/pol/$link/policyItem'), ['/policyItem/Example/pol/item'], 'an item made in a policy is linked to it');
is(sso(DELETE => '/policyItem/Example/pol/item/$link/policy/Example/pol')->code, 200, 'a link that can go (the tests below start without links)');
ok201(PUT => '/method/otp.1');
is(sso(PUT => '/credential/System/ServerKeyContainer/key1', form => ['kty=RSA'])->code, 200,
    'PUT /credential/System/ServerKeyContainer/key1 (a key answers 200, as the seed says)');

# [object, link, target as the URI gives it, the target's id, [inverse object, inverse link] or undef, form]
my @links = (
    ['/site/Example/S', 'managedBy', 'group/Example/g1', '/group/Example/g1', ['/group/Example/g1', 'manages']],
    ['/site/Example/S', 'method', 'password.1', '/method/password.1', ['/method/password.1', 'site']],
    ['/application/Example/webapp1', 'allowedTo', 'group/Example/g1', '/group/Example/g1', ['/group/Example/g1', 'accessTo']],
    ['/application/Example/webapp1', 'method', 'password.1', '/method/password.1', ['/method/password.1', 'application']],
    ['/application/Example/webapp1', 'policy', 'Example/pol', '/policy/Example/pol', ['/policy/Example/pol', 'application']],
    ['/application/Example/webapp1', 'outboundMappingPolicy', 'Example/userMappingPolicy1',
        '/outboundMappingPolicy/Example/userMappingPolicy1', undef],
    ['/application/Example/webapp1', 'refreshTokenPolicy', 'Example/refreshTokenPolicy1',
        '/refreshTokenPolicy/Example/refreshTokenPolicy1', undef],
    ['/group/Example/g1', 'accessTo', 'application/Example/webapp1', '/application/Example/webapp1',
        ['/application/Example/webapp1', 'allowedTo']],
    ['/group/Example/g1', 'manages', 'Example/S', '/site/Example/S', ['/site/Example/S', 'managedBy']],
    ['/group/Example/g1', 'member', 'group/Example/g2', '/group/Example/g2', ['/group/Example/g2', 'memberOf']],
    ['/group/Example/g1', 'member', 'user/Example/user1', '/user/Example/user1', undef],
    ['/group/Example/g2', 'memberOf', 'group/Example/g1', '/group/Example/g1', ['/group/Example/g1', 'member']],
    ['/group/Example/g1', 'method', 'password.1', '/method/password.1', ['/method/password.1', 'group']],
    ['/group/Example/g1', 'policy', 'Example/pol', '/policy/Example/pol', ['/policy/Example/pol', 'group']],
    ['/group/Example/g1', 'policyitem', 'Example/pol/item', '/policyItem/Example/pol/item',
        ['/policyItem/Example/pol/item', 'group']],
    ['/method/password.1', 'site', 'Example/S', '/site/Example/S', ['/site/Example/S', 'method']],
    ['/method/password.1', 'application', 'Example/webapp1', '/application/Example/webapp1',
        ['/application/Example/webapp1', 'method']],
    ['/method/password.1', 'group', 'Example/g1', '/group/Example/g1', ['/group/Example/g1', 'method']],
    ['/method/password.1', 'nextFactor', 'method/otp.1', '/method/otp.1', ['/method/otp.1', 'previousFactor']],
    ['/method/otp.1', 'previousFactor', 'method/password.1', '/method/password.1', ['/method/password.1', 'nextFactor']],
    ['/server', 'method', 'otp.1', '/method/otp.1', ['/method/otp.1', 'server']],
    ['/server', 'credential', 'System/ServerKeyContainer/key1', '/credential/System/ServerKeyContainer/key1',
        ['/credential/System/ServerKeyContainer/key1', 'server']],
    ['/policyItem/Example/pol/item', 'group', 'Example/g1', '/group/Example/g1', ['/group/Example/g1', 'policyItem']],
    ['/policyItem/Example/pol/item', 'policy', 'Example/pol', '/policy/Example/pol', ['/policy/Example/pol', 'policyitem']],
    ['/credential/System/ServerKeyContainer/key1', 'server', undef, '/server', ['/server', 'credential']],
    ['/user/Example/user1', 'method', 'password.1', '/method/password.1', undef],
    ['/outboundMappingPolicy/Example/userMappingPolicy1', 'user', 'Example/user1', '/user/Example/user1', undef,
        ['username=mapped-username']],
);
for my $l (@links) {
    my ($obj, $name, $target, $tid, $inv, $form) = @$l;
    my $uri = "$obj/\$link/$name" . (defined $target ? "/$target" : '');
    my $list = "$obj/\$link/$name";
    my ($type) = $tid =~ m{^/(\w+)};
    # the seed answers a key's association to the server with 200
    my $made = ($name eq 'credential' || $obj =~ m{^/credential/}) ? 200 : 201;
    subtest "$obj \$link/$name" => sub {
        my $res = sso(PUT => $uri, ($form ? (form => $form) : ()));
        is($res->code, $made, "PUT: $made") or diag($res->as_string);
        is($res->content, "$type $tid\n", 'answering the object linked to');
        is_deeply(ids($list), [$tid], 'GET lists it');
        is(sso(GET => $uri)->content, "$type $tid\n", 'GET of the link reads it');
        is_deeply(ids("$inv->[0]/\$link/$inv->[1]"), [$obj], "the other end's $inv->[1] agrees") if $inv;
        is(sso(PUT => $uri, ($form ? (form => $form) : ()))->code, $made, "PUT again: $made (no change)");
        is(psql(q{SELECT count(*) FROM idtrust.sso_link l JOIN idtrust.sso_object o ON o.id = l.to_id WHERE o.name NOT LIKE 'server-signing-%'}), 1, 'one row, whichever end made it');
        sso_error_ok(sso(POST => $uri, ($form ? (form => $form) : ()), accept => 'json'), 409, 'json',
            'POST of an existing link: 409', qr/already has a \w+ link/);
        $res = sso(DELETE => $uri);
        is($res->code, 200, 'DELETE: 200');
        is($res->content, "$type $tid\n", 'answering the object that was linked');
        is_deeply(ids($list), [], 'gone from the list');
        is_deeply(ids("$inv->[0]/\$link/$inv->[1]"), [], 'and from the other end') if $inv;
        if (defined $target) {
            sso_error_ok(sso(GET => $uri, accept => 'json'), 404, 'json', 'GET of the link: 404', qr/has no \w+ link to/);
        }
        sso_error_ok(sso(DELETE => $uri, accept => 'text'), 404, 'text', 'DELETE again: 404', qr/has no \w+ link to/);
        is(sso(POST => $uri, ($form ? (form => $form) : ()))->code, $made, "POST makes it too: $made");
        is(sso(DELETE => $uri)->code, 200, 'and DELETE removes it');
        if (defined $target) {
            $res = sso(PUT => $list, accept => 'json');
            sso_error_ok($res, 405, 'json', 'PUT on the list: 405', qr/use GET/);
            is($res->header('Allow'), 'GET', 'Allow: GET');
        }
    };
}

# ---- the links the seed says cannot be set -------------------------------------------------
sso(PUT => '/method/password.1/$link/site/Example/S');
sso(PUT => '/server/$link/method/password.1');
sso(PUT => '/policyItem/Example/pol/item/$link/policy/Example/pol');
for my $ro (['/site/Example/S', 'site', '/site/Example'], ['/application/Example/webapp1', 'site', '/site/Example'],
    ['/group/Example/g1', 'site', '/site/Example'], ['/policy/Example/pol', 'site', '/site/Example'],
    ['/method/password.1', 'server', '/server'], ['/policy/Example/pol', 'policyItem', '/policyItem/Example/pol/item']) {
    my ($obj, $name, $other) = @$ro;
    is_deeply(ids("$obj/\$link/$name"), [$other], "GET $obj/\$link/$name");
    my $target = $name eq 'site' ? '/Example' : substr($other, length("/$name"));
    $target = '' if $name eq 'server';
    for my $m (qw(PUT POST DELETE)) {
        my $res = sso($m => "$obj/\$link/$name$target", accept => 'xml');
        sso_error_ok($res, 405, 'xml', "$m $obj/\$link/$name$target: 405", qr/use GET/);
        is($res->header('Allow'), 'GET', 'Allow: GET');
    }
}
is_deeply(ids('/site/Example/$link/site'), [], 'a top-level site has no parent site');
is(psql(q{SELECT count(*) FROM idtrust.sso_link l JOIN idtrust.sso_object o ON o.id = l.to_id WHERE o.name NOT LIKE 'server-signing-%'}), 3, 'the refused verbs changed nothing');
sso(DELETE => '/method/password.1/$link/site/Example/S');
sso(DELETE => '/server/$link/method/password.1');
sso(DELETE => '/policyItem/Example/pol/item/$link/policy/Example/pol');

# ---- link attributes -------------------------------------------------------------------------
my $res = sso(PUT => '/application/Example/webapp1/$link/method/password.1', accept => 'json');
is_deeply(json_of($res)->{link}, { enabled => 'false' }, 'an application\'s method: enabled defaults to false');
$res = sso(PUT => '/application/Example/webapp1/$link/method/password.1', form => ['enabled=true'], accept => 'json');
is_deeply(json_of($res)->{link}, { enabled => 'true' }, 'enabled=true enables it');
is(sso(GET => '/application/Example/webapp1/$link/method', accept => 'json')->content,
    '[{"type":"method","id":"/method/password.1","attributes":{"name":"password.1"},"link":{"enabled":"true"}}]',
    'the list shows the link\'s attributes in "link"');
is(sso(GET => '/method/password.1/$link/application', accept => 'xml')->content,
    '<objects><object type="application" id="/application/Example/webapp1"><attribute name="name" value="webapp1"/>'
    . '<attribute name="enabled" value="false"/><link name="enabled" value="true"/></object></objects>',
    'so does the other end (in XML: <link/>), beside the application\'s own enabled');
sso(PUT => '/application/Example/webapp1/$link/method/password.1');
is(json_of(sso(GET => '/application/Example/webapp1/$link/method/password.1', accept => 'json'))->{link}{enabled}, 'true',
    'a PUT without enabled keeps it');
$res = sso(PUT => '/user/Example/user1/$link/method/password.1', form => ['enabled=true'], accept => 'json');
is_deeply(json_of($res)->{link}, { enabled => 'true' }, 'the seed\'s "Enable authentication method for a user"');
$res = sso(PUT => '/site/Example/S/$link/method/password.1', form => ['enabled=true'], accept => 'json');
sso_error_ok($res, 400, 'json', 'enabled on a site\'s method: 400', qr/enabled does not apply to a method link/);
$res = sso(POST => '/outboundMappingPolicy/Example/userMappingPolicy1/$link/user/Example/user1',
    form => ['username=mapped-username'], accept => 'json');
is($res->code, 201, 'the seed\'s "Add user mapping" (POST)');
is_deeply(json_of($res)->{link}, { username => 'mapped-username' }, 'with its username');
sso(PUT => '/outboundMappingPolicy/Example/userMappingPolicy1/$link/user/Example/user1', form => ['username=other']);
is(psql(q{SELECT username FROM idtrust.sso_link WHERE kind = 'user'}), 'other', 'PUT changes the username');
$res = sso(PUT => '/outboundMappingPolicy/Example/persistentIDPolicy1/$link/user/Example/user1', accept => 'json');
sso_error_ok($res, 400, 'json', 'a user mapping needs a username', qr/username is required/);
$res = sso(PUT => '/group/Example/g1/$link/member/group/Example/g2', form => ['username=x'], accept => 'json');
sso_error_ok($res, 400, 'json', 'username on a member link: 400', qr/username does not apply/);

# ---- at most one outbound mapping policy, and one refresh token policy, per application ---
ok201(PUT => '/application/Example/webapp1/$link/outboundMappingPolicy/Example/userMappingPolicy1');
$res = sso(PUT => '/application/Example/webapp1/$link/outboundMappingPolicy/Example/persistentIDPolicy1', accept => 'json');
sso_error_ok($res, 409, 'json', 'a second outbound mapping policy: 409',
    qr{already has outboundMappingPolicy /outboundMappingPolicy/Example/userMappingPolicy1});
ok201(PUT => '/application/Example/webapp2/$link/outboundMappingPolicy/Example/persistentIDPolicy1');
ok201(PUT => '/application/Example/webapp1/$link/refreshTokenPolicy/Example/refreshTokenPolicy1');
$res = sso(PUT => '/application/Example/webapp1/$link/refreshTokenPolicy/Example/refreshTokenPolicy2', accept => 'json');
sso_error_ok($res, 409, 'json', 'a second refresh token policy: 409', qr/already has refreshTokenPolicy/);
sso(DELETE => '/application/Example/webapp1/$link/refreshTokenPolicy/Example/refreshTokenPolicy1');
ok201(PUT => '/application/Example/webapp1/$link/refreshTokenPolicy/Example/refreshTokenPolicy2');

# ---- the server's keys (seed: "Create a new system-wide key association" ...) --------------
is(sso(PUT => '/server/$link/credential/System/ServerKeyContainer/key1')->code, 200,
    'PUT /server/$link/credential/System/ServerKeyContainer/key1: 200, as the seed says');
is(sso(GET => '/server/$link/credential/System/ServerKeyContainer/key1')->content,
    "credential /credential/System/ServerKeyContainer/key1\n", 'Retrieve a key association');
is(sso(DELETE => '/server/$link/credential/System/ServerKeyContainer/key1')->code, 200, 'Remove it');
sso_error_ok(sso(GET => '/server/$link/credential/System/ServerKeyContainer/key1', accept => 'json'), 404, 'json',
    'then it is not found');
sso_error_ok(sso(PUT => '/server/$link/credential/System/ServerKeyContainer/nokey', accept => 'json'), 404, 'json',
    'a key that does not exist: 404', qr{no credential /credential/System/ServerKeyContainer/nokey});

# ---- what names nothing ----------------------------------------------------------------------
sso_error_ok(sso(GET => '/group/Example/g1/$link/owner', accept => 'json'), 404, 'json', 'an unknown link: 404',
    qr/a group has no link "owner"; its links: site, accessTo, manages, member, memberOf, method, policy, policyItem/);
sso_error_ok(sso(PUT => '/group/Example/g1/$link/member/group/Example/nobody', accept => 'json'), 404, 'json',
    'a target that does not exist: 404', qr{no group /group/Example/nobody});
sso_error_ok(sso(PUT => '/group/Example/nobody/$link/member/group/Example/g1', accept => 'json'), 404, 'json',
    'an object that does not exist: 404', qr{no group /group/Example/nobody});
sso_error_ok(sso(PUT => '/group/Example/g1/$link/member/group/Example/g1', accept => 'json'), 400, 'json',
    'a group cannot be its own member', qr/itself/);
sso_error_ok(sso(GET => '/site/Example/$link', accept => 'json'), 404, 'json', '$link without a name: 404',
    qr/its links|a site has: one, sub, site, managedBy, method/);

# ---- one, sub and sub/{type} ----------------------------------------------------------------
my @one = ('/group/Example/g1', '/group/Example/g2', '/outboundMappingPolicy/Example/persistentIDPolicy1',
    '/policy/Example/pol', '/refreshTokenPolicy/Example/refreshTokenPolicy1',
    '/refreshTokenPolicy/Example/refreshTokenPolicy2', '/site/Example/S', '/user/Example/user1',
    '/outboundMappingPolicy/Example/userMappingPolicy1', '/application/Example/webapp1',
    '/application/Example/webapp2');
is_deeply(ids('/site/Example/$link/one'), \@one,
    'one: the objects one level under the site, not itself, in path order (ignoring case)');
is_deeply(ids('/site/Example/$link/sub'), ['/site/Example', @one[0 .. 3], '/policyItem/Example/pol/item', @one[4 .. 10]],
    'sub: the site itself and everything under it');
is_deeply(ids('/site/Example/$link/one/group'), ['/group/Example/g1', '/group/Example/g2'], 'one/group');
is_deeply(ids('/site/Example/$link/sub/site'), ['/site/Example', '/site/Example/S'], 'sub/site: the site itself too');
is_deeply(ids('/site/Example/$link/sub/policy'), ['/policy/Example/pol'], 'sub/policy');
is_deeply(ids('/site/Example/$link/sub/mapping'),
    ['/outboundMappingPolicy/Example/persistentIDPolicy1', '/outboundMappingPolicy/Example/userMappingPolicy1'],
    'sub/mapping (the seed\'s name for outbound mapping policies)');
is_deeply(ids('/site/Example/$link/sub/refreshtoken'),
    ['/refreshTokenPolicy/Example/refreshTokenPolicy1', '/refreshTokenPolicy/Example/refreshTokenPolicy2'],
    'sub/refreshtoken');
is_deeply(ids('/site/Example/$link/sub/credential'), [], 'sub/credential: none here');
sso_error_ok(sso(GET => '/site/Example/$link/sub/widget', accept => 'json'), 404, 'json', 'sub/widget: 404');
sso(PUT => '/site/Example.x');   # '.' sorts before '/': not under Example
is_deeply(ids('/site/Example/$link/sub/site'), ['/site/Example', '/site/Example/S'],
    'a sibling whose name starts with the site\'s is not under it');
for my $m (qw(PUT POST DELETE)) {
    my $res = sso($m => '/site/Example/$link/sub', accept => 'json');
    sso_error_ok($res, 405, 'json', "$m \$link/sub: 405", qr/use GET/);
}

done_testing();
