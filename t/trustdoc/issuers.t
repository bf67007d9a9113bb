# Trusted issuers and DN lists (seed 001): POST and GET /trust/issuers (the domain
# context) and /trust/issuers/{documentName}, the seed's bodies sent exactly as printed
# (trailing commas and all) on both prefixes, merge and DN comparison, removal, the jwt
# group's two names, errors in the envelope with the repository unchanged, roles, and the
# read cache following changes made outside the API.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Time::HiRes ();
use lib 't/lib';
use IdtTest;

my $WS = '/idaas/webservice/admin/v1';
my $PF = '/idaas/platform/admin/v1';
my $uniq = $$ . '-' . int(rand(1e9));
td_reset('mydocument');

# the seed's request body (POST Domain / Document Trusted Issuers), verbatim
my $seed = <<'JSON';
{ 
    "saml-trusted-dns": 
    { 
         "saml-hok-trusted-dns": 
         { 
             "issuer": [ 
             { 
                 "-name": "www.oracle.com", 
                 "dn": [ "wls1", ]
             } 
             ] 
         }, 
        "saml-sv-trusted-dns": 
        { 
            "issuer": [ 
                { 
                    "-name": "www.oracle.com", 
                    "dn": [ "wls2", ] 
                } 
           ] 
        }, 
        "jwt-trusted-issuers": 
        { 
            "issuer": [ 
            { 
                "-name": "www.oracle.com", 
                "dn": [ "CN=orakey, OU=Orakey,O=Oracle, C=US", ] 
            }
            ] 
        } 
    } 
}
JSON
# what the seed's GET examples print (their trailing commas aside)
sub lists {
    my ($hok, $sv, $jwt) = @_;
    my $g = sub { { issuer => [ map { { '-name' => $_->[0], dn => $_->[1] } } @{ $_[0] } ] } };
    return { 'saml-trusted-dns' => { 'saml-hok-trusted-dns' => $g->($hok),
        'saml-sv-trusted-dns' => $g->($sv), 'jwt-trusted-issuers' => $g->($jwt) } };
}
my $seed_get = lists([[ 'www.oracle.com', ['wls1'] ]], [[ 'www.oracle.com', ['wls2'] ]],
    [[ 'www.oracle.com', ['CN=orakey, OU=Orakey,O=Oracle, C=US'] ]]);

my $res = api(POST => '/idtrust/v1/accounts',
    body => { name => "td-reader-$uniq", password => "reader-password-$uniq", role => 'reader' });
die 'account create failed: ' . $res->as_string unless $res->code == 201;
my @reader = ("td-reader-$uniq", "reader-password-$uniq");

# --- the domain context
$res = api(GET => "$PF/trust/issuers");
is $res->code, 200, 'GET /trust/issuers answers 200 before anything was added';
is_deeply json_of($res), lists([], [], []), 'with the three groups, each with no issuer';
$res = api(POST => "$WS/trust/issuers", body => $seed);
is $res->code, 200, 'POST /trust/issuers with the seed\'s body as printed answers 200' or diag $res->as_string;
is_deeply json_of($res), { STATUS => 'Succeeded' }, 'with {"STATUS": "Succeeded"}';
$res = api(GET => "$PF/trust/issuers");
is $res->code, 200, 'the seed\'s GET example (/idaas/platform/admin/v1/trust/issuers) answers 200';
is_deeply json_of($res), $seed_get, 'with what the seed prints';
is psql(q{SELECT count(*) FROM idtrust.trust_issuer WHERE document_name = 'oracle-default'}), 3,
    'stored in the domain context\'s document, oracle-default';

# --- the document context
is api(POST => "$WS/trustdocument?documentName=mydocument&displayName=mydocument")->code, 200,
    'a document mydocument';
(my $as_curl_sends = $seed) =~ s/[\r\n]//g;   # curl --data @file drops the line ends
$res = api(POST => "$WS/trust/issuers/mydocument", body => $as_curl_sends);
is $res->code, 200, 'POST /trust/issuers/mydocument with the body as curl --data @file sends it: 200'
    or diag $res->as_string;
$res = api(GET => "$PF/trust/issuers/mydocument");
is $res->code, 200, 'the seed\'s GET example (/idaas/platform/.../trust/issuers/mydocument) answers 200';
is_deeply json_of($res), $seed_get, 'with what the seed prints';
is api(GET => "$WS/trust/issuers/mydocument")->content, $res->content, 'both prefixes serve the same';
$res = api(POST => "$PF/trust/issuers/mydocument", body => $seed);
is $res->code, 200, 'POST on /idaas/platform, the body as printed: 200';
is_deeply json_of(api(GET => "$WS/trust/issuers/mydocument")), $seed_get,
    'the same body again changes nothing: DNs already there are not repeated';

# --- merge, DN comparison, the jwt group's other name
my $audit = psql('SELECT count(*) FROM idtrust.audit');
$res = api(POST => "$WS/trust/issuers/mydocument", body => { 'saml-trusted-dns' => {
    'saml-hok-trusted-dns' => { issuer => [ { '-name' => 'www.oracle.com', dn => [ ' WLS1 ', 'CN=wls3,O=Example' ] },
                                            { '-name' => 'issuer.example.test', dn => [] } ] },
    'jwt-trusted-dns' => { issuer => [ { '-name' => 'www.oracle.com',
        dn => [ 'cn=orakey,ou=orakey,o=oracle,c=US', 'CN = orakey ,OU=Orakey, O=Oracle,C=us' ] } ] } } });
is $res->code, 200, 'a second POST (jwt-trusted-dns, as the attribute table names the group): 200'
    or diag $res->as_string;
is_deeply json_of(api(GET => "$PF/trust/issuers/mydocument")),
    lists([[ 'www.oracle.com', [ 'wls1', 'CN=wls3,O=Example' ] ], [ 'issuer.example.test', [] ]],
          [[ 'www.oracle.com', ['wls2'] ]], [[ 'www.oracle.com', ['CN=orakey, OU=Orakey,O=Oracle, C=US'] ]]),
    'merged: new DNs appended, DNs differing only in spacing and case kept once as first given, '
    . 'the sv list untouched, jwt-trusted-dns is jwt-trusted-issuers';
is psql('SELECT count(*) FROM idtrust.audit') - $audit, 1, 'one audit row for the request';
like psql(q{SELECT action || ' ' || object_id || ' ' || detail::text FROM idtrust.audit ORDER BY id DESC LIMIT 1}),
    qr/^trust_issuers\.add mydocument .*"dns_added": 1/, 'saying what was added';
$res = api(GET => "$PF/trustdocument?documentName=mydocument");
my $text = json_of($res)->{Result} // '';
like $text,
    qr/List of trusted issuers for this type:\n\tIssuer       : www\.oracle\.com\tToken Type   : saml\.hok\n\t\tTrusted DN : wls1\n\t\tTrusted DN : CN=wls3,O=Example\n\tIssuer       : www\.oracle\.com\tToken Type   : saml\.sv\n/,
    'GET /trustdocument lists the issuers in the order added, each with its DNs';
like $text, qr/\n\tIssuer       : issuer\.example\.test\tToken Type   : saml\.hok\nList of Token Attribute Rules\tNone\z/,
    'an issuer without DNs has its line alone';

# --- errors, each leaving the repository as it was
my $before = td_counts();
my $one = sub { my ($g, $i) = @_; return { 'saml-trusted-dns' => { $g => { issuer => [ $i ] } } } };
td_error_ok(api(POST => "$WS/trust/issuers/noSuchDocument", body => $seed), 404,
    'POST to no such document: 404', qr/"noSuchDocument" not found/);
td_error_ok(api(GET => "$PF/trust/issuers/noSuchDocument"), 404, 'GET of no such document: 404');
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => $seed, type => 'text/plain'), 415,
    'a body that is not application/json: 415');
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => "{\n  \"saml-trusted-dns\": {\n    \"issuer\": [1,,]\n}}"),
    400, 'malformed JSON: 400', qr/line 3, column \d+/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => { 'saml-trusted-dns' => {
    'jwt-trusted-dns' => { issuer => [] }, 'jwt-trusted-issuers' => { issuer => [] } } }), 400,
    'both names of the jwt group in one body: 400', qr/not both/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => { 'saml-trusted-dns' => {
    'saml-hok-trusted-dns' => { issuer => [ { '-name' => 'a', dn => ['ok'] } ] },
    'saml-sv-trusted-dns' => { issuer => [ { '-name' => 'www.oracle.com', dn => [ 'wls9', 'CN=a,foo' ] } ] } } }),
    400, 'a DN that is not RFC 2253 (after a good issuer): 400',
    qr/saml-sv-trusted-dns: issuer "www\.oracle\.com": dn 2: not an RFC 2253 DN/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => $one->('saml-hok-trusted-dns', { dn => ['x'] })),
    400, 'an issuer without -name: 400', qr/-name is required/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => $one->('saml-hok-trusted-dns', { '-name' => 'x' })),
    400, 'an issuer without dn: 400', qr/dn is required/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => $one->('saml-hok-trusted-dns', { '-name' => 'x', dn => [1] })),
    400, 'a DN that is not a string: 400', qr/dn 1 must be a non-empty string/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => $one->('saml-oauth-trusted-dns', { '-name' => 'x', dn => [] })),
    400, 'an unknown token type group: 400', qr/unknown member "saml-oauth-trusted-dns"/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => { issuers => [] }), 400,
    'no saml-trusted-dns: 400', qr/unknown member "issuers"/);
td_error_ok(api(POST => "$WS/trust/issuers/mydocument", body => $seed, auth => \@reader), 403,
    'a reader may not POST: 403 in the envelope');
is td_counts(), $before, 'none of these changed the repository';
is api(GET => "$PF/trust/issuers/mydocument", auth => \@reader)->code, 200, 'a reader may GET';

# --- removal: DELETE ?tokenType=&issuer=[&dn=]
$res = api(DELETE => "$WS/trust/issuers/mydocument?tokenType=saml.hok&issuer=www.oracle.com&dn=cn%3Dwls3%2C%20o%3Dexample");
is $res->code, 200, 'DELETE of one DN (named in another spelling) answers 200' or diag $res->as_string;
is json_of($res)->{STATUS}, 'Succeeded', 'Succeeded';
is_deeply json_of(api(GET => "$PF/trust/issuers/mydocument"))->{'saml-trusted-dns'}{'saml-hok-trusted-dns'}{issuer}[0],
    { '-name' => 'www.oracle.com', dn => ['wls1'] }, 'the DN is gone, the other stays';
$before = td_counts();
td_error_ok(api(DELETE => "$WS/trust/issuers/mydocument?tokenType=saml.hok&issuer=www.oracle.com&dn=wls3"), 404,
    'DELETE of a DN the issuer does not have: 404');
td_error_ok(api(DELETE => "$WS/trust/issuers/mydocument?tokenType=saml.hok&issuer=www.oracle.com&dn="), 400,
    'an empty dn= does not widen the delete to the issuer: 400', qr/dn must not be empty/);
td_error_ok(api(DELETE => "$WS/trust/issuers/mydocument?tokenType=oauth&issuer=www.oracle.com"), 400,
    'an unknown tokenType: 400');
td_error_ok(api(DELETE => "$WS/trust/issuers/mydocument?tokenType=jwt&issuer=nobody"), 404, 'no such issuer: 404');
td_error_ok(api(DELETE => "$WS/trust/issuers/mydocument?tokenType=jwt&issuer=www.oracle.com", auth => \@reader), 403,
    'a reader may not DELETE: 403');
is td_counts(), $before, 'the refused deletes changed nothing';
$res = api(DELETE => "$PF/trust/issuers/mydocument?tokenType=jwt-trusted-issuers&issuer=www.oracle.com");
is $res->code, 200, 'DELETE without dn removes the issuer (the group name works as tokenType)';
is_deeply json_of(api(GET => "$PF/trust/issuers/mydocument"))->{'saml-trusted-dns'}{'jwt-trusted-issuers'},
    { issuer => [] }, 'the jwt issuer is gone';
is api(DELETE => "$WS/trust/issuers?tokenType=saml.sv&issuer=www.oracle.com")->code, 200,
    'DELETE in the domain context';
is scalar @{ json_of(api(GET => "$WS/trust/issuers"))->{'saml-trusted-dns'}{'saml-sv-trusted-dns'}{issuer} }, 0,
    'removed there';

# --- the read cache follows changes made outside the API (NOTIFY idtrust_trustdoc)
my $url = "$PF/trust/issuers/mydocument";
api(GET => $url) for 1 .. 3;
psql(q{INSERT INTO idtrust.trust_issuer (document_name, token_type, name) VALUES ('mydocument', 'saml.sv', 'by-hand')});
my $seen = 0;
for (1 .. 50) {
    my $j = json_of(api(GET => $url));
    $seen = grep { $_->{'-name'} eq 'by-hand' } @{ $j->{'saml-trusted-dns'}{'saml-sv-trusted-dns'}{issuer} };
    last if $seen;
    Time::HiRes::sleep(0.1);
}
ok $seen, 'an issuer added with psql is served within 5 s';

# --- a deleted document takes its issuers with it
is api(DELETE => "$WS/trustdocument?documentName=mydocument&displayName=mydocument")->code, 200, 'DELETE mydocument';
td_error_ok(api(GET => $url), 404, 'its issuers are no longer served');
is psql(q{SELECT count(*) FROM idtrust.trust_issuer WHERE document_name = 'mydocument'}), 0, 'nor stored';

done_testing();
