# Errors (seed 004, "HTTP response status codes"), each in the format the client asked
# for: 400 with a message that says why, 401 without or with wrong credentials (httpd's
# own, through ErrorDocument, asking for a bearer token), 403 for a token without the
# scope sso.manage, 404, 405, 409, 413, 414, 415; hostile input (huge and deep bodies,
# injection strings, control characters, invalid UTF-8, unknown parameters, long and deep
# paths) answered in the envelope with the repository unchanged.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

sso_reset();
sso(PUT => '/site/E');
sso(POST => '/site/E', form => ['type=group', 'name=g']);
my $uniq = $$ . '-' . int(rand(1e9));

# ---- 401 and 403: httpd's own errors in the API's formats -----------------------------------
for my $f (qw(text json xml)) {
    my $res = sso(GET => '/site/E', auth => undef, accept => $f);
    sso_error_ok($res, 401, $f, "no token: 401 in $f", qr/authentication required/);
    like($res->header('WWW-Authenticate') // '', qr/^Bearer realm="idtrust", scope="sso\.manage"$/,
        '  asking for a bearer token of scope sso.manage');
    sso_error_ok(sso(GET => '/site/E', headers => { Authorization => 'Bearer not.a.token' }, accept => $f),
        401, $f, "a bad token: 401 in $f");
    sso_error_ok(sso(GET => '/site/E', auth => [ admin_auth() ], accept => $f), 401, $f,
        "an admin password: 401 in $f (the API takes tokens)");
}
my $narrow = sso_token('myid.rest.basic');
my $before = sso_counts();
for my $m (qw(GET PUT POST DELETE)) {
    sso_error_ok(sso($m => '/site/E/x', headers => { Authorization => "Bearer $narrow" }, form => [], accept => 'json'),
        403, 'json', "a token without sso.manage may not $m: 403", qr/not allowed|forbidden|scope/i);
}
is(sso_counts(), $before, 'the token without the scope changed nothing');

# ---- 400, 404, 405, 409, 415 in every format, with nothing changed -------------------------
my @errors = (
    [PUT => '/site/E', ['colour=red'], 400, qr/unknown form parameter colour/, 'an unknown parameter'],
    [PUT => '/group/E/g', ['mail=a@b.c'], 400, qr/mail is not an attribute of a group/, 'a parameter of another type'],
    [PUT => '/group/E/g', ['name=h'], 400, qr/name cannot change/, 'a read-only parameter'],
    [PUT => '/site/E', ['mail=a@b.c', 'mail=d@e.f'], 400, qr/mail is given twice/, 'a single value given twice'],
    [PUT => '/site/E', ['description=a%01b'], 400, qr/control character/, 'a control character'],
    [PUT => '/site/E', ['description=a%00b'], 400, qr/encoded NUL/, 'an encoded NUL'],
    [PUT => '/site/E', ['description=%FF%FE'], 400, qr/not UTF-8/, 'bytes that are not UTF-8'],
    [PUT => '/site/E', ['description=%zz'], 400, qr/malformed/, 'a malformed escape'],
    [PUT => '/site/E', ['description=' . ('d' x 1025)], 400, qr/longer than 1024 bytes/, 'a value too long'],
    [POST => '/site/E', ['type=group', 'name=' . ('n' x 256)], 400, qr/longer than 255 bytes/, 'a name too long'],
    [POST => '/site/E', ['type=group', 'name=a/b'], 400, qr/holds a '\/'/, 'a name with a slash'],
    [POST => '/site/E', ['type=group', 'name=$link'], 400, qr/starts with '\$'/, 'a name like a terminator'],
    [POST => '/site/E', ['type=group', 'name=..'], 400, qr/is "\.\."/, 'a name of ..'],
    [POST => '/site/E', ['type=group', 'name=%20%20'], 400, qr/name is required/, 'a name of spaces'],
    [GET => '/site/E%01x', undef, 400, qr/control character/, 'a control character in the path'],
    [GET => '/site/' . join('/', ('a') x 70), undef, 400, qr/more than 64 segments/, 'too many segments'],
    [GET => '/site/E?limit=1', undef, 400, qr/unknown query parameter limit/, 'a query parameter'],
    [DELETE => '/site/E?force=1', [], 400, qr/unknown query parameter force/, 'a query parameter on DELETE'],
    [GET => '/site/E/nothing', undef, 404, qr{no site /site/E/nothing}, 'an object that does not exist'],
    [GET => '/gadget/E', undef, 404, qr/no object type "gadget"/, 'an unknown type'],
    [GET => '/site/E/$oops', undef, 404, qr/unknown terminator/, 'an unknown terminator'],
    [GET => '/application', undef, 404, qr{name the application}, 'a type without a path'],
    [POST => '/group/E/g', ['description=x'], 405, qr/use GET, PUT, DELETE/, 'POST to a group'],
    [PUT => '/site/E/$link/one', [], 405, qr/use GET/, 'PUT on $link/one'],
    [POST => '/site/E', ['type=group', 'name=g'], 409, qr/already exists/, 'POST of an existing path'],
    [DELETE => '/site/System', [], 409, qr/cannot be deleted/, 'DELETE of the System site'],
);
for my $e (@errors) {
    my ($m, $path, $form, $status, $re, $what) = @$e;
    for my $f (qw(text json xml)) {
        $before = sso_counts();
        my $res = sso($m, $path, (defined $form ? (form => $form) : ()), accept => $f);
        sso_error_ok($res, $status, $f, "$what: $status in $f", $re);
        is(sso_counts(), $before, '  nothing changed') if $m ne 'GET';
    }
}
# httpd's own refusals before any <Location> applies, through mod_idtrust's error handler
sso_error_ok(sso(GET => '/site/a%2Fb', accept => 'json'), 404, 'json', 'an encoded slash: httpd\'s 404, in JSON');
sso_error_ok(sso(TRACE => '/site/E', accept => 'xml'), 405, 'xml', 'TRACE: httpd\'s 405, in XML');
my $res = sso(OPTIONS => '/site/E', accept => 'json');
sso_error_ok($res, 405, 'json', 'OPTIONS: 405', qr/use GET, POST, PUT, DELETE/);
is($res->header('Allow'), 'GET, POST, PUT, DELETE', 'Allow: the four verbs');

$before = sso_counts();
$res = sso(PUT => '/site/E', body => '{"mail":"a@b.c"}', type => 'application/json', accept => 'json');
sso_error_ok($res, 415, 'json', 'a JSON body: 415', qr/application\/x-www-form-urlencoded/);
$res = sso(PUT => '/site/E', body => "--b\r\n\r\n--b--", type => 'multipart/form-data; boundary=b', accept => 'xml');
sso_error_ok($res, 415, 'xml', 'curl -F (multipart): 415', qr/curl -d/);
is(sso_counts(), $before, 'nothing changed');

# ---- hostile input: injection strings are data; huge, deep and long input refused -------------
my @strings = ("Robert'); DROP TABLE idtrust.sso_object;--", '%27 OR 1=1 --', 'x${jndi:ldap:x}',
    '<img src=x onerror=alert(1)>', '..\\..\\etc\\passwd', "\x{202e} reversed");
for my $s (@strings) {
    my $res = sso(POST => '/site/E', form => ['type=group', ['name', $s], ['description', $s]], accept => 'json');
    is($res->code, 201, "a name of '$s' is just a name");
    my $id = json_of($res)->{id};
    my $enc = $id;
    utf8::encode($enc);
    $enc =~ s/([^A-Za-z0-9_.~\/-])/sprintf('%%%02X', ord $1)/ge;
    is_deeply(json_of(sso(GET => $enc, accept => 'json'))->{attributes}{description}, [$s =~ s/^\s+|\s+$//gr],
        '  read back as sent');
    is(sso(DELETE => $enc)->code, 200, '  and deleted');
}
is(psql(q{SELECT count(*) FROM idtrust.sso_object WHERE path LIKE '/E/%'}), 1, 'only the group g is left under E');
like(sso(GET => '/site/E', accept => 'xml', headers => { Accept => 'application/xml' })->content, qr{^<object },
    'and the tables are all there');

$before = sso_counts();
# a body over LimitRequestBody (1 MiB in ssoadmin.conf): announced, and chunked
$res = sso(PUT => '/site/E', form => 'description=' . ('x' x (1024 * 1024 + 10)), accept => 'json');
sso_error_ok($res, 413, 'json', 'a body over 1 MiB: 413', qr/larger than|too large/);
$res = raw_http("PUT /sso-api/site/E HTTP/1.1\r\nHost: localhost\r\nAccept: application/xml\r\n"
    . "Authorization: Bearer " . sso_token() . "\r\n"
    . "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n",
    map({ sprintf("%x\r\n%s\r\n", 65536, 'd' x 65536) } 1 .. 20), "0\r\n\r\n");
ok($res && $res->code == 413, 'a chunked body over 1 MiB: 413') or diag($res ? $res->as_string : 'no answer');
like($res ? $res->content : '', qr{^<error status="413"}, '  in XML, as asked');
# many parameters, deep nesting of a JSON-looking value, a long URI
$res = sso(PUT => '/site/E', form => [map { 'description=' . $_ } 1 .. 5000], accept => 'json');
is($res->code, 201, '5,000 values of a multi-valued attribute fit (under the body limit)');
sso(PUT => '/site/E', form => ['description=']);
# httpd refuses the request line before it reads any header, Accept included: text
$res = sso(GET => '/site/E/' . ('x' x 9000), accept => 'json');
sso_error_ok($res, 414, 'text', 'a request line over LimitRequestLine: 414, as text', qr/too long/);
$res = sso(GET => '/site/E/' . ('x' x 300), accept => 'text');
sso_error_ok($res, 400, 'text', 'a segment over 255 bytes: 400', qr/longer than 255 bytes/);
$res = sso(POST => '/site/E', form => ['type=group', 'name=deep', 'condition=' . ('(' x 4000) . (')' x 4000)], accept => 'json');
sso_error_ok($res, 400, 'json', 'a condition over 4096 bytes: 400', qr/longer than 4096 bytes/);
is(sso_counts(), $before =~ s/ \d+$/ /r . (split / /, sso_counts())[-1], 'the tree is as it was (audit rows aside)');

done_testing();
