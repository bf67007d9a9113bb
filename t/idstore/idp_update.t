# One external IdP: GET .../external-idp/{idp_id} (its view) and PUT (new settings from
# idp_saml_config or idp_saml_metadata): what the view holds, how certificates are
# replaced, audit rows, read-your-writes, and refusals that leave no trace.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 94;

my $store = new_store();
my $base = "/v1/identity-stores/$store/external-idp";
my $ghost = '4f5c8f39-1d2e-4c71-9a53-0c7d1e2f3a4b';

# Minimal IdP metadata: one signing KeyDescriptor per pem, a Redirect SSO service.
sub idp_md {
    my ($host, @pems) = @_;
    my $kds = join '', map {
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            . pem_b64($_) . '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
    } @pems;
    return qq(<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" )
        . qq(xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://$host/saml">)
        . qq(<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)
        . $kds
        . qq(<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" )
        . qq(Location="https://$host/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>);
}

sub view { json_of(api(GET => "$base/$_[0]")) // {} }
sub cert_ids { [ map { $_->{certificate_id} } @{ (json_of(api(GET => "$base/$_[0]/certificate")) // {})->{idp_certificates} // [] } ] }
sub audits {
    my ($action, $id) = @_;
    return psql("SELECT count(*) FROM idtrust.audit WHERE action = '$action' AND object_id = '$id'");
}
sub inventory_has {
    my $id = shift;
    return psql("SELECT count(*) FROM idtrust.idp_certificate WHERE id = '$id'");
}

# ---- GET: the view ----
my $created = api(POST => $base, body => {
    idp_saml_config => { entity_id => 'https://one.example.test/saml', login_url => 'https://one.example.test/sso' },
    idp_certificate => scalar openssl_cert(cn => 'one.example.test') });
is($created->code, 201, 'an IdP');
my $c = json_of($created);
my $id = $c->{idp_id};
my $res = api(GET => "$base/$id");
is($res->code, 200, 'GET answers 200');
like($res->header('Content-Type'), qr{\Aapplication/json}, 'as JSON');
my $v = json_of($res) // {};
is_deeply([ sort keys %$v ], [ sort qw(idp_id identity_store_id entity_id login_url status created_at
    idp_certificate_id idp_certificate_ids hws_sp_saml_config) ], 'the view has the members of the list entry and of the create answer');
my ($entry) = grep { $_->{idp_id} eq $id } @{ (json_of(api(GET => $base)) // {})->{associations} // [] };
is_deeply({ map { $_ => $v->{$_} } keys %$entry }, $entry, 'it agrees with the list entry');
is_deeply($v->{idp_certificate_ids}, $c->{idp_certificate_ids}, 'idp_certificate_ids as created');
is($v->{idp_certificate_id}, $c->{idp_certificate_id}, 'idp_certificate_id as created');
is_deeply($v->{hws_sp_saml_config}, $c->{hws_sp_saml_config}, 'hws_sp_saml_config as created');
is($v->{status}, 'ENABLED', 'status ENABLED');
is(api(POST => "$base/$id/disable")->code, 204, 'disable it');
is(view($id)->{status}, 'DISABLED', 'the view shows DISABLED at once');
api(POST => "$base/$id/enable");

# several certificates keep the order the metadata gives them
my @pems = map { scalar openssl_cert(cn => "multi$_.example.test") } 1 .. 4;
$res = api(POST => $base, body => { idp_saml_metadata => idp_md('multi.example.test', @pems) });
is($res->code, 201, 'an IdP from metadata with four certificates');
my $m = json_of($res) // {};
my $mid = $m->{idp_id};
is_deeply(view($mid)->{idp_certificate_ids}, $m->{idp_certificate_ids},
    'the view lists them in the order of the metadata, as the create answer does');
is_deeply(cert_ids($mid), $m->{idp_certificate_ids}, 'so does the certificate list');

iic_error_ok(api(GET => "$base/$ghost"), 404, 'IIC.404', 'GET an unknown IdP', qr/identity provider/);
iic_error_ok(api(GET => "$base/not-a-uuid"), 404, 'IIC.404', 'GET a malformed id');
iic_error_ok(api(GET => "/v1/identity-stores/$ghost/external-idp/$id"), 404, 'IIC.404',
    'GET through an unknown store', qr/identity store/);
my $other = new_store();
iic_error_ok(api(GET => "/v1/identity-stores/$other/external-idp/$id"), 404, 'IIC.404',
    "GET through another store: not that store's IdP");

# ---- PUT with idp_saml_config alone: settings change, certificates stay ----
my $before = idp_counts();
$res = api(PUT => "$base/$id", body => { idp_saml_config => {
    entity_id => 'https://one.example.test/saml2', login_url => 'https://login.one.example.test/sso' } });
is($res->code, 200, 'PUT idp_saml_config answers 200') or diag($res->as_string);
$v = json_of($res) // {};
is($v->{entity_id}, 'https://one.example.test/saml2', 'the new entity_id');
is($v->{login_url}, 'https://login.one.example.test/sso', 'the new login_url');
is_deeply($v->{idp_certificate_ids}, $c->{idp_certificate_ids}, 'the certificates are kept');
is_deeply($v, view($id), 'the answer is the view GET gives');
my @reads = map { view($id)->{login_url} // '' } 1 .. 10;
is(scalar(grep { $_ eq 'https://login.one.example.test/sso' } @reads), 10,
    'ten reads on new connections show the change');
($entry) = grep { $_->{idp_id} eq $id } @{ (json_of(api(GET => $base)) // {})->{associations} // [] };
is($entry->{entity_id}, 'https://one.example.test/saml2', 'so does the list');
is(audits('external_idp.update', $id), 1, 'an external_idp.update audit row');
my ($a_n, $a_c, $a_i) = split / /, $before;
my ($b_n, $b_c, $b_i, $b_a) = split / /, idp_counts();
is("$b_n $b_c $b_i", "$a_n $a_c $a_i", 'no IdP or certificate rows added or removed');
is(psql("SELECT detail->>'from' FROM idtrust.audit WHERE action = 'external_idp.update' AND object_id = '$id'"),
    'idp_saml_config', 'the audit row says how the IdP was given');
is(psql("SELECT request_id IS NOT NULL AND actor = 'admin' FROM idtrust.audit "
    . "WHERE action = 'external_idp.update' AND object_id = '$id'"), 't', 'with the actor and request id');

# the same entity_id again is no conflict with itself
is(api(PUT => "$base/$id", body => { idp_saml_config => {
    entity_id => 'https://one.example.test/saml2', login_url => 'https://one.example.test/sso' } })->code,
    200, 'PUT keeping its own entity_id: 200');

# ---- PUT idp_saml_config + idp_certificate: that certificate replaces the others ----
my $old_cert = $c->{idp_certificate_id};
my $imported = json_of(api(POST => "$base/$id/certificate", body => {
    x509_certificate_in_pem => scalar openssl_cert(cn => 'extra.example.test'), certificate_use => 'SIGNING' }))->{certificate_id};
ok($imported, 'a second certificate, imported separately');
my $replacement = scalar openssl_cert(cn => 'replacement.example.test');
my $inv = psql('SELECT count(*) FROM idtrust.certificate');
$res = api(PUT => "$base/$id", body => { idp_saml_config => {
    entity_id => 'https://one.example.test/saml2', login_url => 'https://one.example.test/sso' },
    idp_certificate => $replacement });
is($res->code, 200, 'PUT with idp_certificate: 200') or diag($res->as_string);
$v = json_of($res) // {};
is(scalar @{ $v->{idp_certificate_ids} // [] }, 1, 'the IdP holds one certificate now');
my $new_cert = ($v->{idp_certificate_ids} // [])->[0] // '';
ok($new_cert ne $old_cert && $new_cert ne $imported, 'a new one');
is($v->{idp_certificate_id}, $new_cert, 'idp_certificate_id is it');
is_deeply(cert_ids($id), [$new_cert], 'the certificate list shows only it');
my ($pem) = map { $_->{x509_Certificate_in_pem} } @{ (json_of(api(GET => "$base/$id/certificate")) // {})->{idp_certificates} // [] };
is(pem_b64($pem // ''), pem_b64($replacement), 'and it is the certificate sent');
is(inventory_has($old_cert) + inventory_has($imported), 0, 'the replaced ones are gone');
is(psql('SELECT count(*) FROM idtrust.certificate'), $inv - 1, 'the inventory lost two and gained one');
is(audits('idp_certificate.delete', $old_cert) + audits('idp_certificate.delete', $imported), 2,
    'each removal has its audit row');
is(psql("SELECT count(*) FROM idtrust.audit WHERE action = 'idp_certificate.import' AND object_id = '$new_cert'"),
    1, 'the addition too');

# the certificate it already holds keeps its id
$res = api(PUT => "$base/$id", body => { idp_saml_config => {
    entity_id => 'https://one.example.test/saml2', login_url => 'https://one.example.test/sso' },
    idp_certificate => pem_crlf($replacement) });
is($res->code, 200, 'PUT with the certificate it holds: 200');
is_deeply((json_of($res) // {})->{idp_certificate_ids}, [$new_cert], 'keeps its certificate_id');

# ---- PUT idp_saml_metadata: the metadata's certificates become the IdP's ----
my $keep = scalar openssl_cert(cn => 'keep.example.test');
my $added = scalar openssl_cert(cn => 'added.example.test');
my $keep_id = json_of(api(POST => "$base/$id/certificate", body => {
    x509_certificate_in_pem => $keep, certificate_use => 'SIGNING' }))->{certificate_id};
my $md = idp_md('md.example.test', $keep, $added);
$res = api(PUT => "$base/$id", body => { idp_saml_metadata => $md });
is($res->code, 200, 'PUT idp_saml_metadata: 200') or diag($res->as_string);
$v = json_of($res) // {};
is($v->{entity_id}, 'https://md.example.test/saml', 'entity_id from the metadata');
is($v->{login_url}, 'https://md.example.test/sso', 'login_url from the metadata');
is(scalar @{ $v->{idp_certificate_ids} // [] }, 2, 'two certificates, those of the metadata');
is(($v->{idp_certificate_ids} // [])->[0], $keep_id, 'one held already keeps its certificate_id');
is(inventory_has($new_cert), 0, 'a certificate not in the metadata is removed');
my %pems = map { pem_b64($_->{x509_Certificate_in_pem}) => 1 } @{ (json_of(api(GET => "$base/$id/certificate")) // {})->{idp_certificates} // [] };
is_deeply(\%pems, { pem_b64($keep) => 1, pem_b64($added) => 1 }, 'the list holds exactly the metadata\'s');
is(psql("SELECT metadata FROM idtrust.external_idp WHERE id = '$id'"), $md, 'the metadata is kept as sent');
is(psql("SELECT detail->>'from' FROM idtrust.audit WHERE action = 'external_idp.update' AND object_id = '$id' ORDER BY id DESC LIMIT 1"),
    'idp_saml_metadata', 'audit: from idp_saml_metadata');
is_deeply([ map { view($id)->{entity_id} // '' } 1 .. 5 ], [ ('https://md.example.test/saml') x 5 ],
    'read-your-writes');
# settings given without metadata drop the stored metadata, which no longer describes it
is(api(PUT => "$base/$id", body => { idp_saml_config => {
    entity_id => 'https://md.example.test/saml', login_url => 'https://md.example.test/sso2' } })->code, 200,
    'PUT idp_saml_config after metadata');
is(psql("SELECT metadata IS NULL FROM idtrust.external_idp WHERE id = '$id'"), 't', 'the stored metadata is dropped');

# ---- refusals: nothing changes ----
my $snapshot = view($id);
my $pem_ok = scalar openssl_cert(cn => 'ok.example.test');
my %cfg = (entity_id => 'https://x.example.test/saml', login_url => 'https://x.example.test/sso');
my $taken = view($mid)->{entity_id};

sub refused {
    my ($name, $status, $code, %o) = @_;
    my $counts = idp_counts();
    my $path = $o{path} // "$base/$id";
    my $res = api(PUT => $path, %o{grep { exists $o{$_} } qw(body type)});
    iic_error_ok($res, $status, $code, $name);
    is(idp_counts(), $counts, "$name: nothing written");
}

refused('both forms', 400, 'IIC.400', body => { idp_saml_metadata => $md, idp_saml_config => \%cfg });
refused('metadata and idp_certificate', 400, 'IIC.400', body => { idp_saml_metadata => $md, idp_certificate => $pem_ok });
refused('neither form', 400, 'IIC.400', body => {});
refused('idp_certificate alone', 400, 'IIC.400', body => { idp_certificate => $pem_ok });
refused('an unknown member', 400, 'IIC.400', body => { idp_saml_config => \%cfg, status => 'ENABLED' });
refused('idp_saml_config not an object', 400, 'IIC.400', body => { idp_saml_config => 'x' });
refused('login_url missing', 400, 'IIC.400', body => { idp_saml_config => { entity_id => 'https://x.example.test/saml' } });
refused('login_url not http(s)', 400, 'IIC.400', body => { idp_saml_config => { %cfg, login_url => 'ftp://x.example.test/' } });
refused('entity_id too long', 400, 'IIC.400', body => { idp_saml_config => { %cfg, entity_id => 'x' x 1025 } });
refused('a certificate that is not one', 400, 'IIC.1712', body => { idp_saml_config => \%cfg, idp_certificate => 'not a certificate' });
refused('an expired certificate', 400, 'IIC.1714', body => { idp_saml_config => \%cfg, idp_certificate => scalar openssl_cert(expired => 1) });
refused('malformed metadata', 400, 'IIC.1716', body => { idp_saml_metadata => '<md:EntityDescriptor' });
refused('metadata with a DOCTYPE', 400, 'IIC.1716', body => { idp_saml_metadata => '<!DOCTYPE x [<!ENTITY a "b">]>' . $md });
refused('the entity_id of another IdP of the store', 409, 'IIC.409', body => { idp_saml_config => { %cfg, entity_id => $taken } });
refused('not JSON', 415, 'IIC.415', body => 'entity_id=x', type => 'application/x-www-form-urlencoded');
refused('an unknown IdP', 404, 'IIC.404', path => "$base/$ghost", body => { idp_saml_config => \%cfg });
refused('an unknown store', 404, 'IIC.404', path => "/v1/identity-stores/$ghost/external-idp/$id", body => { idp_saml_config => \%cfg });
refused('a bad body for an unknown IdP is a 400 (the body is checked first)', 400, 'IIC.400', path => "$base/$ghost", body => {});
is_deeply(view($id), $snapshot, 'after all refusals the IdP is as it was');

# another store may use the same entity_id
my $obase = "/v1/identity-stores/$other/external-idp";
my $oid = new_idp($other)->{idp_id};
is(api(PUT => "$obase/$oid", body => { idp_saml_config => { %cfg, entity_id => $taken } })->code, 200,
    "an entity_id taken in another store is free in this one");

# the methods of the path
is(api(PATCH => "$base/$id", body => { idp_saml_config => \%cfg })->header('Allow'), 'GET, PUT, DELETE',
    'PATCH: 405 with Allow: GET, PUT, DELETE');
