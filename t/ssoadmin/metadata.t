# $attribute/metadata (seed 004, "Update application metadata"): JSON (OAuth2 client)
# and XML (SAML 2.0 SP) agent metadata; the answer's redirect URLs, client id and client
# secret in each format; the secret shown once and stored as a bcrypt hash (checked here
# with pgcrypto's crypt(), as a token endpoint would with apr_password_validate); with
# ?policy=keep_client_credentials the metadata's own id and secret; GET answers the
# metadata without the secret; DELETE; what is refused, with nothing stored.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

sso_reset();
sso(PUT => '/site/Example');
sso(PUT => "/application/Example/$_") for qw(app1 app2);
my $M = '/application/Example/app1/$attribute/metadata';
sub secret_ok { psql("SELECT secret_hash = crypt('$_[1]', secret_hash) FROM idtrust.sso_client WHERE client_id = '$_[0]'") }

# ---- JSON metadata, credentials made by the server ------------------------------------------
my $json = '{"client_name":"App one","redirect_uris":["https://app1.example.com/cb","https://app1.example.com/cb2"],'
    . '"grant_types":["authorization_code"],"client_id":"mine","client_secret":"my-own-secret-value"}';
my $res = sso(PUT => $M, form => [['metadata', $json]], accept => 'json');
is($res->code, 201, 'PUT JSON metadata: 201');
my $j = json_of($res);
is($j->{type}, 'metadata', 'type metadata');
is($j->{id}, $M, 'id: the application\'s $attribute/metadata');
is_deeply($j->{attributes}{redirect_uri}, ['https://app1.example.com/cb', 'https://app1.example.com/cb2'], 'the redirect URLs');
my ($id, $secret) = @{ $j->{attributes} }{qw(client_id client_secret)};
like($id, qr/^[0-9a-f]{32}$/, 'a client id made by the server (the metadata\'s is not kept without the policy)');
like($secret, qr/^[A-Za-z0-9_-]{43}$/, 'a secret of 256 random bits');
like(psql("SELECT secret_hash FROM idtrust.sso_client WHERE client_id = '$id'"), qr/^\$2a\$10\$.{53}$/,
    'stored as a bcrypt hash (cost 10)');
is(secret_ok($id, $secret), 't', 'which the secret matches');
is(psql("SELECT count(*) FROM idtrust.sso_client WHERE metadata LIKE '%$secret%' OR secret_hash LIKE '%$secret%'"), 0,
    'the secret itself is stored nowhere');
is(psql(qq{SELECT count(*) FROM idtrust.audit WHERE detail::text LIKE '%$secret%'}), 0, 'nor audited');
$res = sso(GET => $M);
is($res->code, 200, 'GET the metadata: 200');
like($res->header('Content-Type'), qr{^application/json}, 'as JSON, what was sent');
my $stored = json_of($res);
ok(!exists $stored->{client_secret}, 'without any secret');
is($stored->{client_id}, $id, 'with the client id in force');
is($stored->{client_name}, 'App one', 'and the rest as sent');

# ---- keep_client_credentials ------------------------------------------------------------
$res = sso(PUT => "$M?policy=keep_client_credentials", form => [['metadata', $json]], accept => 'json');
is($res->code, 201, '?policy=keep_client_credentials: 201');
$j = json_of($res)->{attributes};
is($j->{client_id}, 'mine', 'keeps the metadata\'s client_id');
is($j->{client_secret}, 'my-own-secret-value', 'and its secret');
is(secret_ok('mine', 'my-own-secret-value'), 't', 'hashed like a generated one');
is(psql("SELECT count(*) FROM idtrust.sso_client WHERE client_id <> 'idtrust-test'"), 1,
    'one client per application: replaced (the test suite\'s own client aside)');
$res = sso(PUT => '/application/Example/app2/$attribute/metadata?policy=keep_client_credentials',
    form => [['metadata', '{"client_id":"mine"}']], accept => 'json');
sso_error_ok($res, 409, 'json', 'another application\'s client_id: 409', qr/client_id mine belongs to another application/);
$res = sso(PUT => '/application/Example/app2/$attribute/metadata?policy=keep_client_credentials',
    form => [['metadata', '{"client_id":"app2-client"}']], accept => 'json');
is(json_of($res)->{attributes}{client_id}, 'app2-client', 'keep without a secret in the metadata: its id ...');
like(json_of($res)->{attributes}{client_secret}, qr/^[A-Za-z0-9_-]{43}$/, '... and a secret made by the server');
is_deeply(json_of($res)->{attributes}{redirect_uri}, [], 'no redirect URLs: an empty list');

# ---- the answer's three formats ------------------------------------------------------------
$res = sso(PUT => $M, form => [['metadata', '{"redirect_uris":["https://a.example/cb"]}']], accept => 'text');
like($res->content, qr{\Ametadata \Q$M\E\nredirect_uri https://a.example/cb\nclient_id [0-9a-f]{32}\nclient_secret [A-Za-z0-9_-]{43}\n\z},
    'text: the id line, then redirect_uri, client_id and client_secret lines (the secret is shown once)');
$res = sso(PUT => $M, form => [['metadata', '{"redirect_uris":["https://a.example/cb"]}']], accept => 'xml');
like($res->content, qr{\A<object type="metadata" id="\Q$M\E"><attribute name="redirect_uri"><value>https://a.example/cb</value></attribute><attribute name="client_id" value="[0-9a-f]{32}"/><attribute name="client_secret" value="[A-Za-z0-9_-]{43}"/></object>\z},
    'XML: redirect_uri multi-valued, client_id and client_secret');

# ---- SAML 2.0 SP metadata ----------------------------------------------------------------
my $xml = <<'XML';
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com/saml">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
XML
$res = sso(PUT => $M, form => [['metadata', $xml]], accept => 'json');
is($res->code, 201, 'PUT SAML metadata: 201');
$j = json_of($res)->{attributes};
is_deeply($j->{redirect_uri}, ['https://sp.example.com/acs'], 'the redirect URL: the assertion consumer service');
like($j->{client_id}, qr/^[0-9a-f]{32}$/, 'a client id made by the server');
$res = sso(PUT => "$M?policy=keep_client_credentials", form => [['metadata', $xml]], accept => 'json');
is(json_of($res)->{attributes}{client_id}, 'https://sp.example.com/saml', 'kept: the entityID is the client id');
$res = sso(GET => $M);
like($res->header('Content-Type'), qr{^application/xml}, 'GET: the XML sent');
like($res->content, qr/entityID="https:\/\/sp.example.com\/saml"/, 'as sent');

# ---- as many redirect URLs as the body limit allows, in every format ------------------------
# The body is at most 1 MiB (LimitRequestBody of /sso-api): sent as curl -d sends it, that is
# about 29,000 URLs. Every answer lists them all, in order; the text answer used to be built by
# copying it whole once per line (5,000 URLs: 1.4 s and 447 MB), and is now joined once. The
# time bound is generous: it tells linear (well under a second here) from quadratic (about a
# minute and gigabytes at this size).
{
    my $url = sub { sprintf 'https://app.example.com/cb/%06d', $_[0] };
    my $per = length($url->(0)) + 3;
    my $n = int((1048576 - length('metadata={"redirect_uris":[]}') - 64) / $per);
    my $body = 'metadata={"redirect_uris":[' . join(',', map { '"' . $url->($_) . '"' } 1 .. $n) . ']}';
    cmp_ok(length $body, '<=', 1048576, "$n redirect URLs fill the body limit");
    my $last = $url->($n);
    for my $format (qw(text json xml)) {
        my $t0 = time;
        my $res = sso(PUT => $M, form => $body, accept => $format);
        my $took = time - $t0;
        is($res->code, 201, "PUT of $n redirect URLs answered in $format: 201") or diag($res->status_line);
        my $c = $res->content // '';
        my @urls;
        if ($format eq 'text') {
            @urls = $c =~ /^redirect_uri (\S+)$/mg;
            like($c, qr/\nclient_secret [A-Za-z0-9_-]{43}\n\z/, 'text: the client_secret line ends it');
        } elsif ($format eq 'json') {
            my $j = json_of($res);
            @urls = @{ ($j && $j->{attributes}{redirect_uri}) || [] };
            like(($j ? $j->{attributes}{client_secret} : undef) // '', qr/^[A-Za-z0-9_-]{43}$/, 'JSON: with the secret');
        } else {
            my ($list) = $c =~ m{<attribute name="redirect_uri">(.*?)</attribute>}s;
            @urls = ($list // '') =~ m{<value>([^<]*)</value>}g;
            like($c, qr{<attribute name="client_secret" value="[A-Za-z0-9_-]{43}"/></object>\z}, 'XML: complete, with the secret');
        }
        is(scalar @urls, $n, "$format: all $n redirect URLs");
        ok(@urls && $urls[0] eq $url->(1) && $urls[-1] eq $last && $urls[$n / 2] eq $url->($n / 2 + 1),
            "$format: in order, the first, the middle and the last");
        cmp_ok($took, '<', 15, "$format: answered in less than 15 s ($took s)");
    }
    my $res = sso(GET => $M);
    my $j = json_of($res);
    is(scalar @{ ($j && $j->{redirect_uris}) || [] }, $n, "GET: the stored metadata, with all $n URLs");
    is(psql(qq{SELECT cardinality(redirect_uris) FROM idtrust.sso_client c JOIN idtrust.sso_object o ON o.id = c.application_id WHERE o.path = '/Example/app1'}),
        $n, 'all stored');
}

# ---- what is refused, with nothing stored ------------------------------------------------
my $before = sso_counts();
my @bad = (
    [[], 400, qr/metadata is required/, 'no metadata'],
    [['metadata=plain words'], 400, qr/must be JSON/, 'neither JSON nor XML'],
    [[['metadata', '{"redirect_uris":"x"']], 400, qr/metadata: /, 'malformed JSON'],
    [[['metadata', '{"redirect_uris":["not a url"]}']], 400, qr/absolute URI/, 'a redirect URL that is no URL'],
    [[['metadata', '{"redirect_uris":["https://a.example/cb#frag"]}']], 400, qr/without a fragment/, 'a fragment'],
    [[['metadata', '{"redirect_uris":[1]}']], 400, qr/not a string/, 'a number'],
    [[['metadata', '{"a":' x 100 . '1' . '}' x 100]], 400, qr/metadata: .*deep/, 'JSON nested 100 deep'],
    [[['metadata', '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>']], 400, qr/DOCTYPE/i, 'XML with a DOCTYPE'],
    [[['metadata', '<x:EntityDescriptor xmlns:x="urn:other"/>']], 400, qr/root element/, 'XML that is no SAML metadata'],
    [[['metadata', "{\"key\":\"-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\"}"]], 400,
        qr/private key/, 'a private key'],
    [[['metadata', '{}'], ['metadata', '{}']], 400, qr/given twice/, 'metadata twice'],
    [[['metadata', '{}'], 'name=x'], 400, qr/name does not apply/, 'another parameter'],
);
for my $b (@bad) {
    my ($form, $status, $re, $what) = @$b;
    sso_error_ok(sso(PUT => $M, form => $form, accept => 'json'), $status, 'json', "$what: $status", $re);
}
sso_error_ok(sso(PUT => "$M?policy=other", form => [['metadata', '{}']], accept => 'json'), 400, 'json',
    'policy=other: 400', qr/keep_client_credentials/);
sso_error_ok(sso(PUT => "$M?keep=1", form => [['metadata', '{}']], accept => 'json'), 400, 'json',
    'an unknown query parameter: 400', qr/unknown query parameter keep/);
sso_error_ok(sso(PUT => '/site/Example/$attribute/metadata', form => [['metadata', '{}']], accept => 'json'), 404, 'json',
    'a site has no metadata', qr/application's/);
sso_error_ok(sso(GET => '/application/Example/app1/$attribute/keys', accept => 'json'), 404, 'json',
    'other attributes: 404', qr/metadata is the one served/);
sso_error_ok(sso(POST => $M, form => [['metadata', '{}']], accept => 'json'), 405, 'json', 'POST: 405',
    qr/use GET, PUT, DELETE/);
is(sso_counts(), $before, 'the refused requests changed nothing');

# ---- DELETE ---------------------------------------------------------------------------------
is(sso(DELETE => $M)->code, 200, 'DELETE the metadata: 200');
sso_error_ok(sso(GET => $M, accept => 'json'), 404, 'json', 'then GET: 404', qr/has no metadata/);
sso_error_ok(sso(DELETE => $M, accept => 'json'), 404, 'json', 'DELETE again: 404');
is(sso(DELETE => '/application/Example/app2')->code, 200, 'deleting an application');
is(psql("SELECT count(*) FROM idtrust.sso_client WHERE client_id <> 'idtrust-test'"), 0, 'deletes its client');

done_testing();
