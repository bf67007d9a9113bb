# External identity providers of an identity store: create from idp_saml_config +
# idp_certificate or from idp_saml_metadata, list, disable/enable, delete, and the
# refusals (conflicts, bad input, hostile XML), each of which must leave no trace.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 164;

my $UUID = qr/\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z/;
my $MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
my $REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
my $POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

my $store = new_store();
my $base = "/v1/identity-stores/$store/external-idp";

# base64 wrapped and indented the way IdP software writes it into metadata
sub md_b64 {
    my $b64 = pem_b64(shift);
    return join('', map { "\n            $_" } $b64 =~ /(.{1,64})/g) . "\n          ";
}

sub key_descriptor {
    my ($use, $pem) = @_;
    my $attr = defined $use ? qq( use="$use") : '';
    return <<"XML";
    <md:KeyDescriptor$attr>
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>${\ md_b64($pem)}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
XML
}

# Shibboleth-style IdP metadata: signed (the signature's certificate is not an IdP
# certificate), signing and encryption keys, the POST SSO service before the Redirect one.
sub idp_metadata {
    my %o = @_;
    my $kds = join '', map { key_descriptor(@$_) } @{ $o{keys} };
    my $sig = $o{signer} ? <<"XML" : '';
  <ds:Signature>
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference URI="">
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue>3q2+7w==</ds:DigestValue>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue>c2lnbmF0dXJl</ds:SignatureValue>
    <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${\ md_b64($o{signer})}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
  </ds:Signature>
XML
    my $host = $o{host};
    my $sso = $o{sso} // "https://$host/idp/profile/SAML2/Redirect/SSO";
    return <<"XML";
<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="$MD" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui"
    ID="_a1b2c3" entityID="https://$host/idp/shibboleth" validUntil="2035-01-01T00:00:00Z">
$sig  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol urn:oasis:names:tc:SAML:1.1:protocol">
    <md:Extensions>
      <shibmd:Scope regexp="false">example.test</shibmd:Scope>
      <mdui:UIInfo><mdui:DisplayName xml:lang="en">Example &amp; Co IdP</mdui:DisplayName></mdui:UIInfo>
    </md:Extensions>
$kds    <md:ArtifactResolutionService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
        Location="https://$host:8443/idp/profile/SAML2/SOAP/ArtifactResolution" index="1"/>
    <md:SingleLogoutService Binding="$REDIRECT" Location="https://$host/idp/profile/SAML2/Redirect/SLO"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:mace:shibboleth:1.0:profiles:AuthnRequest"
        Location="https://$host/idp/profile/Shibboleth/SSO"/>
    <md:SingleSignOnService Binding="$POST" Location="https://$host/idp/profile/SAML2/POST/SSO"/>
    <md:SingleSignOnService Binding="$REDIRECT" Location="$sso"/>
  </md:IDPSSODescriptor>
  <md:Organization>
    <md:OrganizationName xml:lang="en">Example</md:OrganizationName>
    <md:OrganizationDisplayName xml:lang="en">Example</md:OrganizationDisplayName>
    <md:OrganizationURL xml:lang="en">https://www.example.test/</md:OrganizationURL>
  </md:Organization>
  <md:ContactPerson contactType="technical"><md:EmailAddress>mailto:idp\@example.test</md:EmailAddress></md:ContactPerson>
</md:EntityDescriptor>
XML
}

sub list_of {
    my $s = shift // $store;
    my $res = api(GET => "/v1/identity-stores/$s/external-idp");
    return $res->code == 200 ? json_of($res)->{associations} : undef;
}

sub find_idp {
    my ($id, $list) = @_;
    my ($found) = grep { $_->{idp_id} eq $id } @{ $list // list_of() // [] };
    return $found;
}

sub active_sp_b64 {
    my $res = api(GET => "/v1/identity-stores/$store/saml-certificates");
    my ($active) = grep { $_->{state} eq 'ACTIVE' } @{ json_of($res) // [] };
    return $active ? pem_b64($active->{x509certificate}) : undef;
}

sub sp_metadata_checks {
    my ($sp, $what) = @_;
    my $md = $sp->{metadata} // '';
    like($sp->{acs_url}, qr{\Ahttps://idc\.example\.test/}, "$what: acs_url is under IdstorePublicURL");
    like($sp->{issuer}, qr{\Ahttps://idc\.example\.test/}, "$what: issuer is under IdstorePublicURL");
    like($md, qr{\A<\?xml[^>]*\?>\s*<md:EntityDescriptor\b[^>]*\bxmlns:md="\Q$MD\E"}s,
        "$what: metadata is an md:EntityDescriptor");
    like($md, qr{<md:SPSSODescriptor\b}, "$what: with an SPSSODescriptor");
    my ($entity) = $md =~ /<md:EntityDescriptor\b[^>]*\bentityID="([^"]*)"/;
    is($entity, $sp->{issuer}, "$what: its entityID is the issuer");
    my @certs = $md =~ m{<ds:X509Certificate>([^<]*)</ds:X509Certificate>}g;
    is(scalar @certs, 1, "$what: it holds one certificate");
    my $b64 = $certs[0] // '';
    $b64 =~ s/\s+//g;
    is($b64, active_sp_b64(), "$what: the store's ACTIVE SAML certificate");
    my ($acs) = $md =~ /<md:AssertionConsumerService\b[^>]*\bLocation="([^"]*)"/;
    is($acs, $sp->{acs_url}, "$what: AssertionConsumerService Location is acs_url");
}

# A create that must fail with status and code and change nothing in the repository.
sub refused {
    my ($what, $status, $code, %req) = @_;
    my $before = idp_counts();
    my $res = api(POST => $req{path} // $base, body => $req{body});
    is($res->code, $status, "$what: $status");
    is((json_of($res) // {})->{error_code}, $code, "$what: $code");
    is(idp_counts(), $before, "$what: nothing is written");
    return $res;
}

# ---- (a) from idp_saml_config + idp_certificate ----
my $pem_a = openssl_cert(cn => 'idp-a.example.test');
my $res = api(POST => $base, body => {
    idp_saml_config => { entity_id => 'https://idp-a.example.test/saml',
        login_url => 'https://idp-a.example.test/saml/sso' },
    idp_certificate => $pem_a });
is($res->code, 201, 'config: an IdP is created with 201');
my $ia = json_of($res) // {};
like($ia->{idp_id} // '', $UUID, 'config: idp_id is a uuid');
like($ia->{idp_certificate_id} // '', $UUID, 'config: idp_certificate_id is a uuid');
is_deeply($ia->{idp_certificate_ids}, [ $ia->{idp_certificate_id} ],
    'config: idp_certificate_ids holds that one id');
sp_metadata_checks($ia->{hws_sp_saml_config} // {}, 'config');
is(psql("SELECT count(*) FROM idtrust.audit WHERE object_id = '$ia->{idp_id}' "
        . "AND action = 'external_idp.create'"), 1, 'config: the creation is audited');

my $certs = json_of(api(GET => "$base/$ia->{idp_id}/certificate")) // {};
is(pem_b64($certs->{idp_certificates}[0]{x509_Certificate_in_pem} // ''), pem_b64($pem_a),
    'config: the IdP holds the certificate given');

# the metadata follows the ACTIVE SAML certificate when another one is activated
$res = api(POST => "/v1/identity-stores/$store/saml-certificates");
my $sp2 = (json_of($res) // {})->{certificate_id} // 'none';
is(api(POST => "/v1/identity-stores/$store/saml-certificates/$sp2/active")->code, 204,
    'another SAML certificate is activated');
$res = api(POST => $base, body => {
    idp_saml_config => { entity_id => 'urn:example:idp-a2', login_url => 'http://idp-a2.example.test/sso' },
    idp_certificate => scalar openssl_cert(cn => q(idp-a2.example.test)) });
is($res->code, 201, 'config: an IdP with an http login_url and a URN entity_id is created');
my $a2 = json_of($res) // {};
sp_metadata_checks($a2->{hws_sp_saml_config} // {}, 'after activation');

# ---- (b) from idp_saml_metadata ----
my ($sign1, $sign2, $enc, $fed) =
    map { scalar openssl_cert(cn => $_) } qw(sign1.idp-b.example.test sign2.idp-b.example.test
    enc.idp-b.example.test federation.example.test);
my $metadata = idp_metadata(host => 'idp-b.example.test', signer => $fed,
    keys => [ [ 'signing', $sign1 ], [ 'encryption', $enc ], [ undef, $sign2 ] ]);
$res = api(POST => $base, body => { idp_saml_metadata => $metadata });
is($res->code, 201, 'metadata: an IdP is created with 201');
my $ib = json_of($res) // {};
like($ib->{idp_id} // '', $UUID, 'metadata: idp_id is a uuid');
is(ref $ib->{idp_certificate_ids} eq 'ARRAY' ? scalar @{ $ib->{idp_certificate_ids} } : -1, 2,
    'metadata: two certificates are imported (the signing ones)');
is($ib->{idp_certificate_id}, ($ib->{idp_certificate_ids} // [])->[0],
    'metadata: idp_certificate_id is the first of them');
sp_metadata_checks($ib->{hws_sp_saml_config} // {}, 'metadata');
$certs = json_of(api(GET => "$base/$ib->{idp_id}/certificate")) // {};
is_deeply([ sort map { $_->{certificate_id} } @{ $certs->{idp_certificates} // [] } ],
    [ sort @{ $ib->{idp_certificate_ids} // [] } ], 'metadata: the IdP lists those two ids');
is_deeply([ sort map { pem_b64($_->{x509_Certificate_in_pem}) } @{ $certs->{idp_certificates} // [] } ],
    [ sort map { pem_b64($_) } $sign1, $sign2 ],
    'metadata: they are the signing certificates, not the encryption or signature one');

# ---- list ----
my $list = list_of();
is(ref $list, 'ARRAY', 'list: associations is an array');
is(scalar @{ $list // [] }, 3, 'list: three IdPs');
my $la = find_idp($ia->{idp_id}, $list) // {};
is_deeply([ sort keys %$la ],
    [ sort qw(idp_id identity_store_id entity_id login_url status created_at) ],
    'list: an association has the documented members');
is($la->{identity_store_id}, $store, 'list: identity_store_id');
is($la->{entity_id}, 'https://idp-a.example.test/saml', 'list: entity_id from idp_saml_config');
is($la->{login_url}, 'https://idp-a.example.test/saml/sso', 'list: login_url from idp_saml_config');
is($la->{status}, 'ENABLED', 'list: a new IdP is ENABLED');
ok(defined $la->{created_at} && $la->{created_at} =~ /\A\d{13}\z/,
    'list: created_at is in milliseconds since the epoch');
my $lb = find_idp($ib->{idp_id}, $list) // {};
is($lb->{entity_id}, 'https://idp-b.example.test/idp/shibboleth', 'list: entity_id from metadata');
is($lb->{login_url}, 'https://idp-b.example.test/idp/profile/SAML2/Redirect/SSO',
    'list: login_url is the metadata\'s HTTP-Redirect SingleSignOnService');
is_deeply(list_of(new_store()), [], 'list: another store has none');

# ---- disable / enable ----
$res = api(POST => "$base/$ia->{idp_id}/disable");
is($res->code, 204, 'disable: 204');
is($res->content, '', 'disable: no body');
is((find_idp($ia->{idp_id}) // {})->{status}, 'DISABLED', 'disable: status DISABLED');
is((find_idp($ib->{idp_id}) // {})->{status}, 'ENABLED', 'disable: the other IdP stays ENABLED');
is(api(POST => "$base/$ia->{idp_id}/disable")->code, 204, 'disable: again is 204');
is(api(POST => "$base/$ia->{idp_id}/enable")->code, 204, 'enable: 204');
is((find_idp($ia->{idp_id}) // {})->{status}, 'ENABLED', 'enable: status ENABLED');
is(api(POST => "$base/00000000-0000-4000-8000-000000000000/disable")->code, 404,
    'disable: an unknown IdP is 404');

# ---- delete ----
my @b_certs = @{ $ib->{idp_certificate_ids} // [] };
my $inv = psql("SELECT string_agg(certificate_id::text, ',') FROM idtrust.idp_certificate "
    . "WHERE idp_id = '$ib->{idp_id}'");
$res = api(DELETE => "$base/$ib->{idp_id}");
is($res->code, 204, 'delete: 204');
ok(!find_idp($ib->{idp_id}), 'delete: gone from the list');
ok(find_idp($ia->{idp_id}), 'delete: the other IdP stays');
$res = api(GET => "$base/$ib->{idp_id}/certificate");
is($res->code, 404, 'delete: its certificates are gone (404)');
is((json_of($res) // {})->{error_code}, 'IIC.404', 'delete: in the envelope');
is(psql("SELECT count(*) FROM idtrust.idp_certificate WHERE id IN ('" . join("','", @b_certs) . "')"),
    0, 'delete: no certificate row of it remains');
is(psql("SELECT count(*) FROM idtrust.certificate WHERE id = ANY('{$inv}'::uuid[])"), 0,
    'delete: nor its certificates in the inventory');
is(api(DELETE => "$base/$ib->{idp_id}")->code, 404, 'delete: again is 404');
is(api(POST => "$base/$ib->{idp_id}/enable")->code, 404, 'enable: a deleted IdP is 404');

# the same metadata can be associated again once deleted
$res = api(POST => $base, body => { idp_saml_metadata => $metadata });
is($res->code, 201, 'metadata: the deleted IdP can be associated again');

# ---- refusals ----
my $pem_x = openssl_cert(cn => 'idp-x.example.test');
my %cfg = (entity_id => 'https://idp-x.example.test/saml', login_url => 'https://idp-x.example.test/sso');

refused('duplicate entity_id', 409, 'IIC.409', body => {
    idp_saml_config => { %cfg, entity_id => 'https://idp-a.example.test/saml' },
    idp_certificate => $pem_x });
refused('duplicate entity_id from metadata', 409, 'IIC.409',
    body => { idp_saml_metadata => $metadata });
my $other = new_store();
$res = api(POST => "/v1/identity-stores/$other/external-idp", body => {
    idp_saml_config => { %cfg, entity_id => 'https://idp-a.example.test/saml' },
    idp_certificate => $pem_x });
is($res->code, 201, 'the same entity_id in another store is fine');
my $obase = "/v1/identity-stores/$other/external-idp";
for ([ POST => 'disable' ], [ POST => 'enable' ], [ DELETE => '' ]) {
    my ($m, $act) = @$_;
    is(api($m => "$obase/$ia->{idp_id}" . ($act ? "/$act" : ''))->code, 404,
        "$m $act through another store is 404");
}
is((find_idp($ia->{idp_id}) // {})->{status}, 'ENABLED', 'and the IdP is untouched');

refused('metadata and config', 400, 'IIC.400', body => {
    idp_saml_metadata => $metadata, idp_saml_config => \%cfg, idp_certificate => $pem_x });
refused('metadata and idp_certificate', 400, 'IIC.400', body => {
    idp_saml_metadata => $metadata, idp_certificate => $pem_x });
refused('neither metadata nor config', 400, 'IIC.400', body => {});
refused('config without a certificate', 400, 'IIC.400', body => { idp_saml_config => \%cfg });
refused('config without login_url', 400, 'IIC.400', body => {
    idp_saml_config => { entity_id => $cfg{entity_id} }, idp_certificate => $pem_x });
refused('config without entity_id', 400, 'IIC.400', body => {
    idp_saml_config => { login_url => $cfg{login_url} }, idp_certificate => $pem_x });
$res = refused('login_url javascript:', 400, 'IIC.400', body => {
    idp_saml_config => { %cfg, login_url => 'javascript:alert(1)' }, idp_certificate => $pem_x });
like((json_of($res) // {})->{error_msg} // '', qr/login_url/, 'login_url javascript: names login_url');
for ([ 'with a line break', "https://idp-x.example.test/sso\r\nSet-Cookie: a=b" ],
    [ 'with a space', 'https://idp-x.example.test/s so' ], [ 'without a host', 'https:///sso' ],
    [ 'ftp:', 'ftp://idp-x.example.test/sso' ], [ 'relative', '/sso' ]) {
    refused("login_url $_->[0]", 400, 'IIC.400', body => {
        idp_saml_config => { %cfg, login_url => $_->[1] }, idp_certificate => $pem_x });
}
refused('metadata with a javascript: SSO Location', 400, 'IIC.400', body => {
    idp_saml_metadata => idp_metadata(host => 'idp-js.example.test', sso => 'javascript:alert(1)',
        keys => [ [ 'signing', $pem_x ] ]) });
refused('idp_certificate that is not a certificate', 400, 'IIC.1712', body => {
    idp_saml_config => \%cfg, idp_certificate => 'not a certificate' });

# hostile XML: refused at the DOCTYPE, before any entity is expanded or fetched
my $laughs = qq(<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n)
    . join('', map { my $p = $_ - 1; my $r = $p ? "&lol$p;" : '&lol;';
        qq( <!ENTITY lol$_ "${\ ($r x 10)}">\n) } 1 .. 9)
    . qq(]>\n<md:EntityDescriptor xmlns:md="$MD" entityID="&lol9;"/>\n);
my $xxe = qq(<?xml version="1.0" encoding="UTF-8"?>\n)
    . qq(<!DOCTYPE md:EntityDescriptor [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n)
    . idp_metadata(host => 'idp-xxe.example.test', keys => [ [ 'signing', $pem_x ] ]) =~
        s/\A<\?xml[^>]*>\n//r =~ s/Example &amp; Co IdP/&xxe;/r;
for ([ 'billion laughs', $laughs ], [ 'XXE', $xxe ]) {
    my ($what, $xml) = @$_;
    my $r = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 60;
        my $x = refused($what, 400, 'IIC.1716', body => { idp_saml_metadata => $xml });
        alarm 0;
        $x;
    };
    alarm 0;
    ok($r, "$what: answered (no hang)") or diag($@);
    unlike($r ? $r->decoded_content : '', qr/root:/, "$what: nothing of /etc/passwd comes back");
}

my $long = 'https://idp-long.example.test/' . ('e' x 1100);
refused('metadata with an entityID over 1024 bytes', 400, 'IIC.400', body => {
    idp_saml_metadata => idp_metadata(host => 'idp-long.example.test', keys => [ [ 'signing', $pem_x ] ])
        =~ s{entityID="[^"]*"}{entityID="$long"}r });
refused('metadata with an SSO Location over 2048 bytes', 400, 'IIC.400', body => {
    idp_saml_metadata => idp_metadata(host => 'idp-long.example.test', keys => [ [ 'signing', $pem_x ] ],
        sso => 'https://idp-long.example.test/' . ('s' x 2100)) });
refused('malformed XML', 400, 'IIC.1716', body => {
    idp_saml_metadata => '<md:EntityDescriptor xmlns:md="' . $MD . '" entityID="x"><md:IDPSSODescriptor>' });
refused('metadata that is not XML', 400, 'IIC.1716', body => { idp_saml_metadata => 'hello' });
refused('metadata of an SP, not an IdP', 400, 'IIC.1716', body => {
    idp_saml_metadata => $ia->{hws_sp_saml_config}{metadata} // '<x/>' });
refused('metadata with an expired signing certificate', 400, 'IIC.1714', body => {
    idp_saml_metadata => idp_metadata(host => 'idp-old.example.test',
        keys => [ [ 'signing', $pem_x ], [ 'signing', openssl_cert(expired => 1) ] ]) });
refused('metadata with a certificate that does not decode', 400, 'IIC.1712', body => {
    idp_saml_metadata => idp_metadata(host => 'idp-bad.example.test',
        keys => [ [ 'signing', "-----BEGIN CERTIFICATE-----\nTUlJQ2Zvbw==\n-----END CERTIFICATE-----\n" ] ]) });
refused('config with an expired certificate', 400, 'IIC.1714', body => {
    idp_saml_config => \%cfg, idp_certificate => openssl_cert(expired => 1) });
refused('unknown store', 404, 'IIC.404',
    path => '/v1/identity-stores/00000000-0000-4000-8000-000000000000/external-idp',
    body => { idp_saml_config => \%cfg, idp_certificate => $pem_x });
refused('store id that is not a uuid', 404, 'IIC.404',
    path => '/v1/identity-stores/not-a-store/external-idp',
    body => { idp_saml_config => \%cfg, idp_certificate => $pem_x });
is(api(GET => '/v1/identity-stores/00000000-0000-4000-8000-000000000000/external-idp')->code, 404,
    'list: an unknown store is 404');

# a certificate listed twice in metadata (signing and unspecified use) is imported once
$res = api(POST => $base, body => { idp_saml_metadata => idp_metadata(host => 'idp-twice.example.test',
    keys => [ [ 'signing', $pem_x ], [ undef, $pem_x ] ]) });
is($res->code, 201, 'metadata listing one certificate twice: created');
is(scalar @{ (json_of($res) // {})->{idp_certificate_ids} // [] }, 1,
    'metadata listing one certificate twice: imported once');
