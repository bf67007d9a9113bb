# Trust documents (seed 001): POST, GET and DELETE /trustdocument under both prefixes,
# the seed's curl examples as printed, the decisions of docs/trustdoc.md, each error in
# the OWSM envelope with the repository unchanged, and the roles.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

my $WS = '/idaas/webservice/admin/v1';
my $PF = '/idaas/platform/admin/v1';
my $uniq = $$ . '-' . int(rand(1e9));
td_reset('myTrustDocument', 'plain-doc');

my $res = api(POST => '/idtrust/v1/accounts',
    body => { name => "td-reader-$uniq", password => "reader-password-$uniq", role => 'reader' });
die 'account create failed: ' . $res->as_string unless $res->code == 201;
my @reader = ("td-reader-$uniq", "reader-password-$uniq");

# --- the seed's POST example: curl -X POST .../trustdocument?"documentName=myTrustDocument&displayName=myTrustDocument"
my $audit = psql('SELECT count(*) FROM idtrust.audit');
$res = api(POST => "$WS/trustdocument?documentName=myTrustDocument&displayName=myTrustDocument");
is $res->code, 200, 'POST trustdocument (the seed example) answers 200' or diag $res->as_string;
like $res->header('Content-Type') // '', qr{^application/json}, 'in JSON';
is_deeply json_of($res),
    { STATUS => 'Succeeded', Result => 'New Token Issuer Trust document named "myTrustDocument" created.' },
    'with the seed\'s body (its quotes escaped, as JSON needs)';
is psql("SELECT display_name || ' ' || status FROM idtrust.trust_document WHERE name = 'myTrustDocument'"),
    'myTrustDocument DOCUMENT_STATUS_COMMITED', 'the document is stored, committed';
is psql('SELECT count(*) FROM idtrust.audit') - $audit, 1, 'with one audit row';
is psql("SELECT action || ' ' || object_id || ' ' || actor FROM idtrust.audit ORDER BY id DESC LIMIT 1"),
    'trust_document.create myTrustDocument admin', 'naming the change, the document and who';

# --- the seed's GET example, on the other prefix
$res = api(GET => "$PF/trustdocument?documentName=myTrustDocument");
is $res->code, 200, 'GET trustdocument (the seed example, /idaas/platform) answers 200';
is_deeply json_of($res), { STATUS => 'Succeeded', Result =>
    "List of token issuer trust documents in the Repository:\nDetails of the document matching your request:\n"
    . "Name         : myTrustDocument\tDisplay Name : myTrustDocument\tStatus       : DOCUMENT_STATUS_COMMITED \n"
    . "List of trusted issuers for this type:\tNone\nList of Token Attribute Rules\tNone" },
    'the Result text is the seed\'s, character for character';
is api(GET => "$WS/trustdocument?documentName=myTrustDocument")->content, $res->content,
    'both prefixes serve the same resource';

# --- decisions: displayName defaults to the name; GET without a name lists the documents
$res = api(POST => "$PF/trustdocument?documentName=plain-doc");
is $res->code, 200, 'POST without displayName (on /idaas/platform) is accepted';
is psql("SELECT display_name FROM idtrust.trust_document WHERE name = 'plain-doc'"), 'plain-doc',
    'and the display name is the document name';
$res = api(GET => "$WS/trustdocument");
is $res->code, 200, 'GET without documentName answers 200';
my $list = json_of($res)->{Result} // '';
like $list, qr/\AList of token issuer trust documents in the Repository:\n/, 'with the heading';
like $list, qr/^Name         : myTrustDocument\tDisplay Name : myTrustDocument\tStatus       : DOCUMENT_STATUS_COMMITED $/m,
    'a line per document';
like $list, qr/^Name         : oracle-default\tDisplay Name : Domain trust document\t/m,
    'the domain context\'s document among them';

# --- errors, each in the envelope, each leaving the repository as it was
my $before = td_counts();
td_error_ok(api(POST => "$WS/trustdocument?documentName=myTrustDocument&displayName=x"), 409,
    'POST of a document that exists: 409', qr/"myTrustDocument" already exists/);
td_error_ok(api(POST => "$WS/trustdocument?displayName=x"), 400, 'POST without documentName: 400',
    qr/documentName is required/);
td_error_ok(api(POST => "$WS/trustdocument?documentName=a%20b"), 400, 'a name with a space: 400',
    qr/documentName may hold only/);
td_error_ok(api(POST => "$WS/trustdocument?documentName=" . ('a' x 129)), 400, 'a name of 129 characters: 400',
    qr/longer than 128/);
td_error_ok(api(POST => "$WS/trustdocument?documentName=ok&displayName=%01x"), 400,
    'a display name with a control character: 400', qr/control characters/);
td_error_ok(api(POST => "$WS/trustdocument?documentName=ok&colour=red"), 400, 'an unknown parameter: 400',
    qr/colour/);
td_error_ok(api(GET => "$PF/trustdocument?documentName=noSuchDocument"), 404, 'GET of no such document: 404',
    qr/"noSuchDocument" not found/);
td_error_ok(api(DELETE => "$WS/trustdocument?documentName=noSuchDocument&displayName=x"), 404,
    'DELETE of no such document: 404');
td_error_ok(api(DELETE => "$WS/trustdocument?documentName=myTrustDocument"), 400,
    'DELETE without displayName: 400', qr/displayName is required/);
td_error_ok(api(DELETE => "$WS/trustdocument?documentName=myTrustDocument&displayName=other"), 409,
    'DELETE whose displayName does not match: 409', qr/does not match/);
td_error_ok(api(DELETE => "$WS/trustdocument?documentName=oracle-default&displayName=Domain%20trust%20document"),
    409, 'DELETE of the domain context\'s document: 409', qr/domain context/);
td_error_ok(api(PUT => "$WS/trustdocument?documentName=myTrustDocument"), 405, 'PUT: 405');
td_error_ok(api(GET => "$WS/no-such-resource"), 404, 'an unknown path under the prefix: 404');
is td_counts(), $before, 'none of these changed the repository';

# --- httpd's own errors in the same envelope; the roles
td_error_ok(api(GET => "$WS/trustdocument", auth => undef), 401, 'no credentials: 401');
td_error_ok(api(GET => "$PF/trustdocument", auth => ['admin', 'wrong-password']), 401, 'a wrong password: 401');
$res = api(GET => "$PF/trustdocument?documentName=myTrustDocument", auth => \@reader);
is $res->code, 200, 'a reader may GET';
td_error_ok(api(POST => "$WS/trustdocument?documentName=readerDoc", auth => \@reader), 403,
    'a reader may not POST: 403 in the envelope');
td_error_ok(api(DELETE => "$WS/trustdocument?documentName=myTrustDocument&displayName=myTrustDocument",
    auth => \@reader), 403, 'nor DELETE');
td_error_ok(api(POST => "$WS/trustdocument?documentName=big", body => 'x' x 1048577, type => 'text/plain'),
    413, 'a body over LimitRequestBody: 413');
is td_counts(), $before, 'the repository is still as it was';

# --- the seed's DELETE example
$res = api(DELETE => "$WS/trustdocument?documentName=myTrustDocument&displayName=myTrustDocument");
is $res->code, 200, 'DELETE trustdocument (the seed example) answers 200' or diag $res->as_string;
is_deeply json_of($res),
    { STATUS => 'Succeeded', Result => 'Token Issuer Trust document named "myTrustDocument" deleted from the repository.' },
    'with the seed\'s body';
td_error_ok(api(GET => "$PF/trustdocument?documentName=myTrustDocument"), 404, 'and GET finds it no more');
is psql("SELECT action FROM idtrust.audit ORDER BY id DESC LIMIT 1"), 'trust_document.delete', 'audited';
is api(DELETE => "$PF/trustdocument?documentName=plain-doc&displayName=plain-doc")->code, 200,
    'DELETE on /idaas/platform too';

done_testing();
