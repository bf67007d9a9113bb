# Trust documents as XML (seed 001): POST /trustdocument/import with the seed's
# examples sent as its curl line sends them, on both prefixes; GET /trustdocument/export
# and the round trip (export, import, same state, same bytes); replace semantics; each
# error in the envelope with the repository unchanged; hostile XML (billion laughs, XXE,
# floods, depth, private keys) refused with a 400 that leaks nothing, the server serving.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use File::Temp ();
use Time::HiRes ();
use lib 't/lib';
use IdtTest;

my $WS = '/idaas/webservice/admin/v1';
my $PF = '/idaas/platform/admin/v1';
my $uniq = $$ . '-' . int(rand(1e9));
my $NS = 'xmlns:oratrust="http://xmlns.oracle.com/wsm/security/trust"';
td_reset('test', 'trustdocument');

sub xml_post {
    my ($prefix, $xml, %o) = @_;
    return api(POST => "$prefix/trustdocument/import", body => $xml, type => 'application/xml', %o);
}

sub new_doc {
    my ($name, $display) = @_;
    my $q = "documentName=$name" . (defined $display ? "&displayName=$display" : '');
    my $res = api(POST => "$WS/trustdocument?$q");
    die 'document create failed: ' . $res->decoded_content unless $res->code == 200;
    return $name;
}

sub export_of {
    my ($name, $prefix) = @_;
    return api(GET => ($prefix // $WS) . "/trustdocument/export?documentName=$name");
}

# The document's state as the JSON API shows it.
sub state_of {
    my $name = shift;
    my $i = json_of(api(GET => "$WS/trust/issuers/$name"));
    my $t = json_of(api(GET => "$WS/trust/token/$name"));
    return JSON::PP->new->canonical->encode([ $i, $t ]);
}

sub doc_xml {
    my ($name, $body, $attrs) = @_;
    return qq(<?xml version="1.0" encoding="UTF-8"?>\n<oratrust:TokenIssuerTrust $NS oratrust:name="$name")
        . ($attrs // '') . ">\n$body\n</oratrust:TokenIssuerTrust>\n";
}

# ---- the seed's examples, as its curl line sends them ----
# curl --data @import.xml drops the file's line breaks; the body is then one line
my $seed_xml = <<'XML';
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<oratrust:TokenIssuerTrust xmlns:oratrust="http://xmlns.oracle.com/wsm/security/trust" oratrust:name="test">
    <oratrust:Issuers>
        <oratrust:Issuer oratrust:name="www.oracle.com" oratrust:tokentype="saml.hok">
            <oratrust:TrustedKeys/>
        </oratrust:Issuer>
        <oratrust:Issuer oratrust:name="www.oracle.com" oratrust:tokentype="saml.sv">
            <oratrust:TrustedKeys/>
        </oratrust:Issuer>
        <oratrust:Issuer oratrust:name="www.oracle.com" oratrust:tokentype="jwt">
            <oratrust:TrustedKeys/>
        </oratrust:Issuer>
    </oratrust:Issuers>
    <oratrust:TokenAttributeRules/>
</oratrust:TokenIssuerTrust>
XML
(my $first_seed = $seed_xml) =~ s/oratrust:name="test">/oratrust:name="trustdocument">/;

{
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open(my $fh, '>', "$dir/import.xml") or die $!;
    print $fh $seed_xml;
    close $fh;
    my ($user, $pw) = admin_auth();
    my $url = 'http://' . Apache::TestRequest::hostport() . "$PF/trustdocument/import";
    my $curl = sub {
        open(my $c, '-|', 'curl', '-s', '-i', '-X', 'POST', '-u', "$user:$pw", '--data', "\@$dir/import.xml",
            '-H', 'Content-Type:application/xml', '-H', 'Accept:application/json', $url) or die "curl: $!";
        local $/;
        my $out = <$c>;
        close $c;
        return HTTP::Response->parse($out);
    };
    my $before = td_counts();
    td_error_ok($curl->(), 404, 'the seed\'s curl line before document "test" exists: 404',
        qr/Token Issuer Trust document named "test" not found/);
    is(td_counts(), $before, '... and nothing is written');
    new_doc('test');
    my $audit_q = "SELECT count(*) FROM idtrust.audit WHERE action = 'trust_document.import' AND object_id = 'test'";
    my $audits = psql($audit_q);
    my $res = $curl->();
    is($res->code, 200, 'the seed\'s curl line, verbatim (--data, on /idaas/platform): 200')
        or diag($res->as_string);
    is_deeply(json_of($res), { STATUS => 'Succeeded', Result => 'Token Issuer Trust document named "test" '
            . 'imported: 3 trusted issuers, 0 trusted DNs, 0 token attribute rules.' },
        'the envelope says what was imported');
    is_deeply(json_of(api(GET => "$WS/trust/issuers/test")),
        { 'saml-trusted-dns' => {
            'saml-hok-trusted-dns' => { issuer => [ { '-name' => 'www.oracle.com', dn => [] } ] },
            'saml-sv-trusted-dns' => { issuer => [ { '-name' => 'www.oracle.com', dn => [] } ] },
            'jwt-trusted-issuers' => { issuer => [ { '-name' => 'www.oracle.com', dn => [] } ] } } },
        'the three issuers of the example are in the document');
    like(json_of(api(GET => "$PF/trustdocument?documentName=test"))->{Result},
        qr/Issuer       : www\.oracle\.com\tToken Type   : saml\.hok/, 'GET /trustdocument lists them');
    is(psql($audit_q), $audits + 1, 'one audit row for the import');
}

new_doc('trustdocument');
{
    # the first example (document "trustdocument"), with its line breaks, on the other prefix
    my $res = xml_post($WS, $first_seed);
    is($res->code, 200, 'the seed\'s first example on /idaas/webservice, line breaks kept: 200')
        or diag($res->decoded_content);
    is(scalar @{ json_of(api(GET => "$PF/trust/issuers/trustdocument"))->{'saml-trusted-dns'}{'jwt-trusted-issuers'}{issuer} },
        1, 'its jwt issuer is there');
}

# ---- a full document: issuers with trusted keys, rules of both sides ----
my $doc = new_doc("rt-$uniq", "Round%20trip");
my $full = doc_xml($doc, <<"XML");
    <oratrust:Issuers>
        <oratrust:Issuer oratrust:name="www.example.com" oratrust:tokentype="saml.hok">
            <oratrust:TrustedKeys>
                <oratrust:TrustedKey oratrust:dn="CN=orakey, OU=Orakey,O=Oracle, C=US"/>
                <oratrust:TrustedKey oratrust:dn="wls1"/>
            </oratrust:TrustedKeys>
        </oratrust:Issuer>
        <oratrust:Issuer oratrust:name="issuer.example.com" oratrust:tokentype="jwt">
            <oratrust:TrustedKeys>
                <oratrust:TrustedKey oratrust:dn="CN=jwt signer,O=Example &amp; Co"/>
            </oratrust:TrustedKeys>
        </oratrust:Issuer>
        <oratrust:Issuer oratrust:name="www.example.com" oratrust:tokentype="saml.hok">
            <oratrust:TrustedKeys>
                <oratrust:TrustedKey oratrust:dn="cn=orakey,ou=orakey,o=oracle,c=us"/>
                <oratrust:TrustedKey oratrust:dn="CN=second"/>
            </oratrust:TrustedKeys>
        </oratrust:Issuer>
    </oratrust:Issuers>
    <oratrust:TokenAttributeRules>
        <oratrust:TokenAttributeRule oratrust:dn="cn=orcladmin,o=oracle">
            <oratrust:NameID>
                <oratrust:Filter>
                    <oratrust:Value>yourTrustedUser1</oratrust:Value>
                    <oratrust:Value>yourTrusted*</oratrust:Value>
                </oratrust:Filter>
                <oratrust:Mapping oratrust:userAttribute="mail" oratrust:userMappingAttribute="uid"/>
            </oratrust:NameID>
            <oratrust:Attribute oratrust:name="tenant">
                <oratrust:Filter><oratrust:Value>t1</oratrust:Value></oratrust:Filter>
                <oratrust:Mapping oratrust:userAttribute="tenantid"/>
            </oratrust:Attribute>
        </oratrust:TokenAttributeRule>
        <oratrust:TokenAttributeRule oratrust:dn="https://service.example.com">
            <oratrust:NameID>
                <oratrust:Mapping oratrust:userMappingAttribute="uid"/>
            </oratrust:NameID>
        </oratrust:TokenAttributeRule>
    </oratrust:TokenAttributeRules>
XML
{
    my $res = xml_post($PF, $full, type => 'text/xml; charset=UTF-8');
    is($res->code, 200, 'a document with trusted keys and rules imports (text/xml)') or diag($res->decoded_content);
    like(json_of($res)->{Result}, qr/2 trusted issuers, 4 trusted DNs, 2 token attribute rules/,
        'an issuer given twice is one issuer, and a DN given twice in another spelling is one DN');
    my $i = json_of(api(GET => "$WS/trust/issuers/$doc"))->{'saml-trusted-dns'};
    is_deeply($i->{'saml-hok-trusted-dns'}{issuer},
        [ { '-name' => 'www.example.com', dn => [ 'CN=orakey, OU=Orakey,O=Oracle, C=US', 'wls1', 'CN=second' ] } ],
        'the hok issuer: its DNs merged in order, the first spelling kept');
    is($i->{'jwt-trusted-issuers'}{issuer}[0]{dn}[0], 'CN=jwt signer,O=Example & Co', 'an escaped DN, decoded');
    my $t = json_of(api(GET => "$WS/trust/token/$doc"))->{'token-attribute-rules'}{'token-attribute-rule'};
    is_deeply($t->[0], { '-dn' => 'cn=orcladmin,o=oracle',
            'name-id' => { filter => { value => [ 'yourTrustedUser1', 'yourTrusted*' ] },
                mapping => { 'user-attribute' => 'mail', 'user-mapping-attribute' => 'uid' } },
            attributes => [ { '-name' => 'tenant', attribute => { filter => { value => ['t1'] },
                        mapping => { 'user-attribute' => 'tenantid' } } } ] },
        'the service-side rule, as POST /trust/token would have stored it');
    is_deeply($t->[1], { '-dn' => 'https://service.example.com',
            'name-id' => { mapping => { 'user-mapping-attribute' => 'uid' } } }, 'the client-side rule');
}

# ---- export and the round trip ----
{
    my $state = state_of($doc);
    my $res = export_of($doc);
    is($res->code, 200, 'GET /trustdocument/export: 200');
    like($res->header('Content-Type') // '', qr{\Aapplication/xml\b}, '... as application/xml');
    my $xml = $res->content;
    like($xml, qr{\A<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\n<oratrust:TokenIssuerTrust }, 'with the seed\'s declaration');
    like($xml, qr{oratrust:name="\Q$doc\E" oratrust:displayName="Round trip"}, 'naming the document and its display name');
    like($xml, qr{<oratrust:TrustedKey oratrust:dn="CN=jwt signer,O=Example &amp; Co"/>}, 'trusted keys, escaped');
    is(export_of($doc, $PF)->content, $xml, 'the other prefix exports the same');

    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open(my $fh, '>', "$dir/x.xml") or die $!;
    print $fh $xml;
    close $fh;
    system('xmllint', '--noout', "$dir/x.xml");
    is($?, 0, 'xmllint reads the export');

    # empty the document by importing one with nothing in it: import replaces
    $res = xml_post($WS, doc_xml($doc, ''));
    is($res->code, 200, 'importing an empty document');
    is(psql("SELECT count(*) FROM idtrust.trust_issuer WHERE document_name = '$doc'") . ' '
        . psql("SELECT count(*) FROM idtrust.trust_token_rule WHERE document_name = '$doc'"), '0 0',
        '... leaves it empty: an import replaces issuers and rules');
    $res = xml_post($WS, $xml);
    is($res->code, 200, 'importing the export') or diag($res->decoded_content);
    is(state_of($doc), $state, '... gives back the same issuers, DNs and rules');
    is(export_of($doc)->content, $xml, '... and the same export, byte for byte');

    # import the export under another name: a copy
    my $copy = new_doc("copy-$uniq");
    (my $cx = $xml) =~ s/oratrust:name="\Q$doc\E"/oratrust:name="$copy"/;
    is(xml_post($PF, $cx)->code, 200, 'the export imported into another document');
    is(state_of($copy), $state, '... copies the document');
    is(psql("SELECT display_name FROM idtrust.trust_document WHERE name = '$copy'"), 'Round trip',
        '... with the display name the XML gives');
    my $del = api(DELETE => "$WS/trustdocument?documentName=$copy&displayName=Round%20trip");
    is($del->code, 200, 'DELETE then takes the imported display name');
}

# ---- errors: envelope, status, nothing written ----
{
    my $state = state_of($doc);
    my $before = td_counts();
    my $export = export_of($doc)->content;
    my @cases = (
        [ 'Content-Type application/json', 415, qr/Content-Type must be application\/xml/,
            body => $full, type => 'application/json' ],
        [ 'no Content-Type (curl -d without -H)', 415, qr/application\/xml/,
            body => $full, type => 'application/x-www-form-urlencoded' ],
        [ 'an empty body', 400, qr/empty/, body => '', type => 'application/xml' ],
        [ 'malformed XML', 400, qr/line 3/, body => "<oratrust:TokenIssuerTrust $NS oratrust:name=\"$doc\">\n<oratrust:Issuers>\n</oops>",
            type => 'application/xml' ],
        [ 'another root element', 400, qr/root element must be oratrust:TokenIssuerTrust/,
            body => '<TokenIssuerTrust name="x"/>', type => 'application/xml' ],
        [ 'no oratrust:name', 400, qr/attribute oratrust:name is required/,
            body => "<oratrust:TokenIssuerTrust $NS/>", type => 'application/xml' ],
        [ 'an invalid document name', 400, qr/documentName may hold only/,
            body => doc_xml('a b', ''), type => 'application/xml' ],
        [ 'an unknown document', 404, qr/document named "nope-\Q$uniq\E" not found/,
            body => doc_xml("nope-$uniq", ''), type => 'application/xml' ],
        [ 'an unknown element, named with its line', 400, qr/\Aline 5: oratrust:TrustedKeys holds oratrust:TrustedKey only, not oratrust:Key\z/,
            body => doc_xml($doc, qq(<oratrust:Issuers>\n<oratrust:Issuer oratrust:name="i" oratrust:tokentype="jwt"><oratrust:TrustedKeys>\n<oratrust:Key/></oratrust:TrustedKeys></oratrust:Issuer></oratrust:Issuers>)),
            type => 'application/xml' ],
        [ 'an unknown token type', 400, qr/tokentype must be saml\.hok, saml\.sv or jwt/,
            body => doc_xml($doc, '<oratrust:Issuers><oratrust:Issuer oratrust:name="i" oratrust:tokentype="x509"/></oratrust:Issuers>'),
            type => 'application/xml' ],
        [ 'a DN that is not RFC 2253, after valid issuers', 400, qr/\Aline 5: oratrust:Issuer: issuer "j": dn 1: not an RFC 2253 DN/,
            body => doc_xml($doc, qq(<oratrust:Issuers>\n<oratrust:Issuer oratrust:name="i" oratrust:tokentype="jwt"/>\n<oratrust:Issuer oratrust:name="j" oratrust:tokentype="jwt"><oratrust:TrustedKeys><oratrust:TrustedKey oratrust:dn="CN=a,foo"/></oratrust:TrustedKeys></oratrust:Issuer></oratrust:Issuers>)),
            type => 'application/xml' ],
        [ 'a client-side rule with a filter', 400, qr/\Aline 4: oratrust:TokenAttributeRule "https:\/\/c\.example\.com": name-id: filter is not applicable on the client side/,
            body => doc_xml($doc, qq(<oratrust:TokenAttributeRules>\n<oratrust:TokenAttributeRule oratrust:dn="https://c.example.com"><oratrust:NameID><oratrust:Filter><oratrust:Value>v</oratrust:Value></oratrust:Filter><oratrust:Mapping oratrust:userMappingAttribute="uid"/></oratrust:NameID></oratrust:TokenAttributeRule></oratrust:TokenAttributeRules>)),
            type => 'application/xml' ],
        [ 'a rule given twice', 400, qr/"cn=a" is given twice/,
            body => doc_xml($doc, '<oratrust:TokenAttributeRules>' . ('<oratrust:TokenAttributeRule oratrust:dn="cn=a"><oratrust:NameID><oratrust:Mapping oratrust:userAttribute="mail"/></oratrust:NameID></oratrust:TokenAttributeRule>' x 2) . '</oratrust:TokenAttributeRules>'),
            type => 'application/xml' ],
        [ 'a control character in an issuer name', 400, qr/control characters/,
            body => doc_xml($doc, '<oratrust:Issuers><oratrust:Issuer oratrust:name="a&#x9;b" oratrust:tokentype="jwt"/></oratrust:Issuers>'),
            type => 'application/xml' ],
        [ 'an injection string as the document name', 400, qr/documentName may hold only/,
            body => doc_xml("x'; DELETE FROM idtrust.trust_document; --", ''), type => 'application/xml' ],
        [ 'a displayName of white space only', 400, qr/displayName must not be made only of white space/,
            body => doc_xml($doc, '', ' oratrust:displayName="  "'), type => 'application/xml' ],
    );
    for my $c (@cases) {
        my ($what, $status, $re, %o) = @$c;
        my $res = api(POST => "$WS/trustdocument/import", %o);
        td_error_ok($res, $status, "$what: $status", $re);
    }
    is(td_counts(), $before, 'no refused import wrote anything (documents, issuers, DNs, rules, audit)');
    is(state_of($doc), $state, 'and the document is as it was');
    is(export_of($doc)->content, $export, 'its export too');

    td_error_ok(api(POST => "$WS/trustdocument/import", body => $full, type => 'application/xml', auth => undef),
        401, 'no credentials: 401', qr/\S/);
    td_error_ok(api(POST => "$WS/trustdocument/import", body => $full, type => 'application/xml', auth => [ 'admin', 'wrong-password' ]),
        401, 'a wrong password: 401', qr/\S/);
    td_error_ok(export_of("nope-$uniq"), 404, 'export of an unknown document: 404', qr/not found/);
    td_error_ok(api(GET => "$WS/trustdocument/export"), 400, 'export without documentName: 400', qr/documentName is required/);
    td_error_ok(api(GET => "$WS/trustdocument/export?documentName=$doc&x=1"), 400, 'export with an unknown parameter: 400', qr/x/);
    td_error_ok(api(GET => "$WS/trustdocument/import"), 405, 'GET on import: 405', qr/\S/);
    is(td_counts(), $before, 'still nothing written');

    # the body limit of the import location (8 MiB), from httpd before the module
    my $big = doc_xml($doc, '<!--' . ('x' x (8 * 1024 * 1024)) . '-->');
    td_error_ok(xml_post($WS, $big), 413, 'an import over 8 MiB: 413', qr/\S/);
    is(td_counts(), $before, '... nothing written');
}

# ---- hostile XML through the import ----
{
    my $before = td_counts();
    my $state = state_of($doc);
    my $lol = qq(<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">)
        . join('', map { my $p = $_ - 1; qq(<!ENTITY lol$_ "&lol$p;&lol$p;&lol$p;&lol$p;&lol$p;&lol$p;&lol$p;&lol$p;&lol$p;&lol$p;">) } 1 .. 9)
        . qq(]>\n<oratrust:TokenIssuerTrust $NS oratrust:name="$doc"><oratrust:Issuers><oratrust:Issuer oratrust:name="&lol9;" oratrust:tokentype="jwt"/></oratrust:Issuers></oratrust:TokenIssuerTrust>);
    $lol =~ s/&lol0;/&lol;/g;
    my $xxe_file = qq(<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n)
        . qq(<oratrust:TokenIssuerTrust $NS oratrust:name="$doc"><oratrust:Issuers><oratrust:Issuer oratrust:name="&x;" oratrust:tokentype="jwt"/></oratrust:Issuers></oratrust:TokenIssuerTrust>);
    (my $xxe_http = $xxe_file) =~ s{file:///etc/passwd}{http://127.0.0.1:1/x};
    my $xxe_param = qq(<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n<oratrust:TokenIssuerTrust $NS oratrust:name="$doc"/>);
    my $deep = doc_xml($doc, ('<oratrust:Issuers>' x 10000) . ('</oratrust:Issuers>' x 10000));
    my $attrs = qq(<oratrust:TokenIssuerTrust $NS oratrust:name="$doc") . join('', map { sprintf(" a%05d='x'", $_) } 1 .. 80000) . '/>';
    my $elements = doc_xml($doc, '<oratrust:Issuers>' . ('<oratrust:Issuer oratrust:name="i" oratrust:tokentype="jwt"/>' x 100001) . '</oratrust:Issuers>');
    my (undef, $key_file) = openssl_cert(cn => 'import-leak.example.test');
    my $key = do { local $/; open(my $fh, '<', $key_file) or die $!; <$fh> };
    my $keyed = doc_xml($doc, qq(<oratrust:Issuers><oratrust:Issuer oratrust:name="i" oratrust:tokentype="jwt"><oratrust:TrustedKeys><oratrust:TrustedKey oratrust:dn="$key"/></oratrust:TrustedKeys></oratrust:Issuer></oratrust:Issuers>));
    my @hostile = (
        [ 'billion laughs', $lol, qr/DOCTYPE/ ],
        [ 'XXE, a file', $xxe_file, qr/DOCTYPE/ ],
        [ 'XXE, over http', $xxe_http, qr/DOCTYPE/ ],
        [ 'XXE, a parameter entity', $xxe_param, qr/DOCTYPE/ ],
        [ 'nesting 10,000 deep', $deep, qr/deeper than 64/ ],
        [ '80,000 attributes on one element', $attrs, qr/more than 256 attributes/ ],
        [ '100,001 issuers (element flood)', $elements, qr/more than 100000 elements/ ],
        [ 'a private key as a DN', $keyed, qr/private key/ ],
    );
    my @bodies;
    for my $h (@hostile) {
        my ($what, $xml, $re) = @$h;
        my $t0 = [Time::HiRes::gettimeofday()];
        my $res = xml_post($WS, $xml);
        my $ms = 1000 * Time::HiRes::tv_interval($t0);
        td_error_ok($res, 400, "$what: 400", $re);
        diag(sprintf('%s: refused over HTTP in %.1f ms (%d bytes)', $what, $ms, length $xml));
        push @bodies, $res->decoded_content;
        is(api(GET => "$WS/trust/issuers/$doc")->code, 200, "$what: the server still serves");
    }
    my $all = join("\n", @bodies);
    unlike($all, qr/root:|daemon:|lollol/, 'no entity was expanded into an answer');
    my $slice = substr(join('', grep { !/-----/ } split /\n/, $key), 100, 40);
    ok(index($all, $slice) < 0, 'no part of the key is in an answer');
    ok(index(error_log_text(), $slice) < 0, 'nor in the error log');
    is(td_counts(), $before, 'no hostile document wrote anything');
    is(state_of($doc), $state, 'the document is as it was');
}

# ---- roles: a reader may export, not import ----
{
    my $pw = 'reader-pass-' . $uniq;
    my $res = api(POST => '/idtrust/v1/accounts', body => { name => "td-reader-$uniq", password => $pw, role => 'reader' });
    is($res->code, 201, 'a reader account') or diag($res->decoded_content);
    is(api(GET => "$WS/trustdocument/export?documentName=$doc", auth => [ "td-reader-$uniq", $pw ])->code, 200,
        'a reader may export');
    td_error_ok(xml_post($WS, $full, auth => [ "td-reader-$uniq", $pw ]), 403, 'a reader may not import: 403', qr/\S/);
}

done_testing();
