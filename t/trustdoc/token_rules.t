# Token attribute rules (seed 001): POST and GET /trust/token (the domain context) and
# /trust/token/{documentName} on both prefixes, the seed's bodies sent exactly as printed:
# the service-side example succeeds; the client-side example, whose two
# token-attribute-rule members lack a comma, is a 400 naming line and column (the same
# rules in one list succeed). Replacement by -dn, DN comparison, GET /trustdocument's
# rules line, errors in the envelope with the repository unchanged, roles.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

my $WS = '/idaas/webservice/admin/v1';
my $PF = '/idaas/platform/admin/v1';
my $uniq = $$ . '-' . int(rand(1e9));
td_reset('mydocument');

# the seed's service-side request body (POST Token Attribute Rule, both contexts), verbatim
my $service = <<'JSON';
{
    "token-attribute-rules":
    {
        "token-attribute-rule": 
        [
            {
                "-dn": "cn=orcladmin,o=oracle",
                "name-id":{
                    "filter": 
                    {
                        "value":[ "filter1" ]
                    },
                    "mapping":
                    {
                        "user-attribute": "val3",
                        "user-mapping-attribute":"val4"
                    }
                },
                "attributes":
                [
                    {
                        "-name": "tenant1",
                        "attribute":
                        {
                            "filter":
                            {
                                "value": [
                                    "filter1",
                                    "filter2"
                                ]
                            },
                            "mapping":{
                                "user-attribute": "val1",
                                "user-mapping-attribute":"val2"
                            }
                        }
                    }
                ]
            }
        ]
    }
}
JSON
# the seed's client-side request body, verbatim (no comma after the first list)
my $client = <<'JSON';
{
    "token-attribute-rules":
    {
        "token-attribute-rule": 
        [
            {
                "-dn": "https://messaging.us2.com/",
                "name-id":{
                    "mapping":
                    {
                        "user-mapping-attribute":"mail"
                    }
                },
            }
        ]
        "token-attribute-rule": 
        [
            {
                "-dn": "https://messaging.us2.com/mysvcInstance1-acme/",
                "name-id":{
                    "mapping":
                    {
                        "user-mapping-attribute":"uid"
                    }
                },
            }
        ]
    }
}
JSON
# its evident meaning, written as JSON: both rules in one list
my $client_fixed = <<'JSON';
{
    "token-attribute-rules":
    {
        "token-attribute-rule": 
        [
            {
                "-dn": "https://messaging.us2.com/",
                "name-id":{
                    "mapping":
                    {
                        "user-mapping-attribute":"mail"
                    }
                },
            },
            {
                "-dn": "https://messaging.us2.com/mysvcInstance1-acme/",
                "name-id":{
                    "mapping":
                    {
                        "user-mapping-attribute":"uid"
                    }
                },
            }
        ]
    }
}
JSON
# what the seed's GET examples print
my $service_rule = {
    '-dn' => 'cn=orcladmin,o=oracle',
    attributes => [ { '-name' => 'tenant1', attribute => {
        filter => { value => [ 'filter1', 'filter2' ] },
        mapping => { 'user-attribute' => 'val1', 'user-mapping-attribute' => 'val2' } } } ],
    'name-id' => { filter => { value => ['filter1'] },
        mapping => { 'user-attribute' => 'val3', 'user-mapping-attribute' => 'val4' } } };
my @client_rules = (
    { '-dn' => 'https://messaging.us2.com/', 'name-id' => { mapping => { 'user-mapping-attribute' => 'mail' } } },
    { '-dn' => 'https://messaging.us2.com/mysvcInstance1-acme/',
      'name-id' => { mapping => { 'user-mapping-attribute' => 'uid' } } });
sub rules { return { 'token-attribute-rules' => { 'token-attribute-rule' => [@_] } } }
sub repo {
    return td_counts() . ' ' . psql(q{SELECT coalesce(string_agg(document_name || side || dn || dn_key
        || coalesce(name_id::text, '-') || coalesce(attributes::text, '-'), '|' ORDER BY id), '')
        FROM idtrust.trust_token_rule});
}

my $res = api(POST => '/idtrust/v1/accounts',
    body => { name => "td-reader-$uniq", password => "reader-password-$uniq", role => 'reader' });
die 'account create failed: ' . $res->as_string unless $res->code == 201;
my @reader = ("td-reader-$uniq", "reader-password-$uniq");

# --- the domain context
$res = api(GET => "$PF/trust/token");
is $res->code, 200, 'GET /trust/token answers 200 before any rule was added';
is_deeply json_of($res), rules(), 'with an empty token-attribute-rule list';
my $audit = psql('SELECT count(*) FROM idtrust.audit');
$res = api(POST => "$WS/trust/token", body => $service);
is $res->code, 200, 'POST /trust/token with the seed\'s service-side body as printed: 200' or diag $res->as_string;
is_deeply json_of($res), { STATUS => 'Succeeded' }, 'with {"STATUS": "Succeeded"}';
is psql('SELECT count(*) FROM idtrust.audit') - $audit, 1, 'one audit row';
like psql(q{SELECT action || ' ' || object_id FROM idtrust.audit ORDER BY id DESC LIMIT 1}),
    qr/^trust_token_rules\.set oracle-default$/, 'naming the domain context\'s document';
$res = api(GET => "$PF/trust/token");
is $res->code, 200, 'the seed\'s GET example (/idaas/platform/admin/v1/trust/token) answers 200';
is_deeply json_of($res), rules($service_rule), 'with what the seed prints for the service side';
like $res->content, qr/\{"-dn":\s*"cn=orcladmin,o=oracle",\s*"attributes":.*"name-id":/s,
    'members in the seed\'s order';
is psql(q{SELECT side FROM idtrust.trust_token_rule WHERE document_name = 'oracle-default'}), 'service',
    'stored in oracle-default as a service-side rule';

my $before = repo();
$res = td_error_ok(api(POST => "$WS/trust/token", body => $client), 400,
    'the seed\'s client-side body as printed (a comma missing): 400', qr/line 16, column \d+/);
like $res->{ERROR_MSG}, qr/malformed JSON/, 'saying the JSON is malformed';
is repo(), $before, 'and nothing changed';
$res = api(POST => "$PF/trust/token", body => $client_fixed);
is $res->code, 200, 'the client-side rules in one list (on /idaas/platform): 200' or diag $res->as_string;
is_deeply json_of(api(GET => "$WS/trust/token")), rules($service_rule, @client_rules),
    'GET lists the service rule and both client rules';

# --- the document context
is api(POST => "$WS/trustdocument?documentName=mydocument&displayName=mydocument")->code, 200,
    'a document mydocument';
$res = api(POST => "$WS/trust/token/mydocument", body => $service);
is $res->code, 200, 'POST /trust/token/mydocument, the service-side body as printed: 200' or diag $res->as_string;
(my $as_curl_sends = $client_fixed) =~ s/[\r\n]//g;   # curl --data @file drops the line ends
is api(POST => "$PF/trust/token/mydocument", body => $as_curl_sends)->code, 200,
    'the client rules as curl --data @file sends them, on /idaas/platform: 200';
td_error_ok(api(POST => "$PF/trust/token/mydocument", body => $client), 400,
    'the seed\'s client-side body as printed in the document context: 400 too', qr/line 16, column \d+/);
$res = api(GET => "$PF/trust/token/mydocument");
is $res->code, 200, 'GET /trust/token/mydocument answers 200';
is_deeply json_of($res), rules($service_rule, @client_rules), 'with the document\'s rules';
is api(GET => "$WS/trust/token/mydocument")->content, $res->content, 'both prefixes serve the same';

# --- replacement by -dn, DN and URL comparison
$res = api(POST => "$WS/trust/token/mydocument", body => { 'token-attribute-rules' => { 'token-attribute-rule' => {
    '-dn' => 'CN=OrclAdmin, O=Oracle', 'name-id' => { mapping => { 'user-mapping-attribute' => 'cn' } } } } });
is $res->code, 200, 'a rule for the same DN in another spelling (one rule given bare): 200' or diag $res->as_string;
$res = api(POST => "$WS/trust/token/mydocument", body => { 'token-attribute-rules' => { 'token-attribute-rule' => [
    { '-dn' => 'HTTPS://Messaging.US2.com/', 'name-id' => { mapping => { 'user-mapping-attribute' => 'uid' } } } ] } });
is $res->code, 200, 'a client rule for the same URL, scheme and host in upper case: 200';
is_deeply json_of(api(GET => "$PF/trust/token/mydocument")), rules(
    { '-dn' => 'CN=OrclAdmin, O=Oracle', 'name-id' => { mapping => { 'user-mapping-attribute' => 'cn' } } },
    { '-dn' => 'HTTPS://Messaging.US2.com/', 'name-id' => { mapping => { 'user-mapping-attribute' => 'uid' } } },
    $client_rules[1]),
    'each replaced the rule of its -dn in place (name-id, attributes and -dn as last given)';
is_deeply json_of(api(GET => "$PF/trust/token"))->{'token-attribute-rules'}{'token-attribute-rule'}[0], $service_rule,
    'the domain context is untouched';

# --- GET /trustdocument's rules line
my $text = json_of(api(GET => "$PF/trustdocument?documentName=mydocument"))->{Result} // '';
like $text, qr/\nList of Token Attribute Rules\n\tRule DN      : CN=OrclAdmin, O=Oracle\tSide         : service\n\tRule DN      : HTTPS:\/\/Messaging\.US2\.com\/\tSide         : client\n\tRule DN      : https:\/\/messaging\.us2\.com\/mysvcInstance1-acme\/\tSide         : client\z/,
    'GET /trustdocument lists the rules, one line each';
is api(POST => "$WS/trustdocument?documentName=emptydoc-$$&displayName=e")->code, 200, 'another document';
like json_of(api(GET => "$PF/trustdocument?documentName=emptydoc-$$"))->{Result},
    qr/\nList of Token Attribute Rules\tNone\z/, 'one without rules says None';
is api(DELETE => "$WS/trustdocument?documentName=emptydoc-$$&displayName=e")->code, 200, 'removed';

# the vendor's curl line (--data @createrule.json, no -H) sends the JSON as
# application/x-www-form-urlencoded: taken as JSON, as documented
my $curl = api(POST => "$WS/trust/token/mydocument", body => $service,
    type => 'application/x-www-form-urlencoded');
is $curl->code, 200, "the vendor's curl line without Content-Type: 200";
is((json_of($curl) // {})->{STATUS}, 'Succeeded', 'and Succeeded');

# --- errors, each leaving the repository as it was
$before = repo();
my $one = sub { return { 'token-attribute-rules' => { 'token-attribute-rule' => [ @_ ] } } };
td_error_ok(api(POST => "$WS/trust/token/noSuchDocument", body => $service), 404,
    'POST to no such document: 404', qr/"noSuchDocument" not found/);
td_error_ok(api(GET => "$PF/trust/token/noSuchDocument"), 404, 'GET of no such document: 404');
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $service, type => 'text/plain'), 415,
    'a body that is not application/json: 415');
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => { rules => [] }), 400,
    'no token-attribute-rules: 400', qr/unknown member "rules"/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->()), 400,
    'an empty rule list: 400', qr/non-empty list/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ 'name-id' => { mapping => { 'user-attribute' => 'a' } } })),
    400, 'a rule without -dn: 400', qr/-dn is required/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'CN=a,foo', 'name-id' => { mapping => { 'user-attribute' => 'a' } } })),
    400, 'a -dn that is neither a URL nor an RFC 2253 DN: 400', qr/token-attribute-rule 1: -dn: /);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'https://x.example/',
    'name-id' => { filter => { value => ['a'] }, mapping => { 'user-mapping-attribute' => 'mail' } } })),
    400, 'a client-side filter: 400', qr/filter is not applicable on the client side/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'https://x.example/',
    'name-id' => { mapping => { 'user-attribute' => 'mail' } } })),
    400, 'a client-side user-attribute: 400', qr/user-attribute is not applicable on the client side/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'https://x.example/',
    'name-id' => { mapping => { 'user-mapping-attribute' => 'mail' } }, attributes => [] })),
    400, 'client-side attributes: 400', qr/attributes are not applicable on the client side/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'https:///root' ,
    'name-id' => { mapping => { 'user-mapping-attribute' => 'mail' } } })),
    400, 'a client URL without host: 400', qr/http\(s\):\/\/host/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'cn=a',
    attributes => [ { attribute => { mapping => { 'user-attribute' => 'a' } } } ] })),
    400, 'an attribute without -name: 400', qr/attribute 1: -name is required/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'cn=a',
    'name-id' => { filter => { value => [ 'ok', 7 ] } } })),
    400, 'a filter value that is not a string: 400', qr/filter: value 2 must be a non-empty string/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'cn=a', 'name-id' => { groups => 1 } })),
    400, 'an unknown member in name-id: 400', qr/unknown member "groups"/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->({ '-dn' => 'cn=a' })),
    400, 'a service rule with neither name-id nor attributes: 400', qr/needs name-id or attributes/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->(
    { '-dn' => 'cn=b', 'name-id' => { mapping => { 'user-attribute' => 'a' } } },
    { '-dn' => 'CN=B', 'name-id' => { mapping => { 'user-attribute' => 'b' } } })),
    400, 'one body naming a DN twice: 400', qr/given twice/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $one->(
    { '-dn' => 'cn=good', 'name-id' => { mapping => { 'user-attribute' => 'a' } } },
    { '-dn' => 'cn=bad', 'name-id' => { mapping => {} } })),
    400, 'a bad rule after a good one: 400, nothing stored', qr/mapping must not be empty/);
td_error_ok(api(POST => "$WS/trust/token/mydocument", body => $service, auth => \@reader), 403,
    'a reader may not POST: 403 in the envelope');
td_error_ok(api(POST => "$WS/trust/token", body => $service, auth => \@reader), 403,
    'nor in the domain context');
is repo(), $before, 'none of these changed the repository';
is api(GET => "$PF/trust/token/mydocument", auth => \@reader)->code, 200, 'a reader may GET';
is api(GET => "$WS/trust/token", auth => \@reader)->code, 200, 'also the domain context';

# --- the read cache follows changes made outside the API (NOTIFY idtrust_trustdoc)
my $url = "$PF/trust/token/mydocument";
api(GET => $url) for 1 .. 3;
psql(q{DELETE FROM idtrust.trust_token_rule WHERE document_name = 'mydocument' AND side = 'client'});
my $n;
for (1 .. 50) {
    $n = scalar @{ json_of(api(GET => $url))->{'token-attribute-rules'}{'token-attribute-rule'} };
    last if $n == 1;
    select undef, undef, undef, 0.1;
}
is $n, 1, 'rules deleted with psql are gone from GET within 5 s';

# --- a deleted document takes its rules with it
is api(DELETE => "$WS/trustdocument?documentName=mydocument&displayName=mydocument")->code, 200, 'DELETE mydocument';
td_error_ok(api(GET => $url), 404, 'its rules are no longer served');
is psql(q{SELECT count(*) FROM idtrust.trust_token_rule WHERE document_name = 'mydocument'}), 0, 'nor stored';
td_reset();

done_testing();
