# Response formats (seed 004, "Response messages"): text/plain, application/json and
# application/xml by Accept, with q-values and wildcards; text when Accept says nothing
# or accepts none of the three; objects, lists and empty lists in each; escaping; HEAD;
# Vary; the read cache keyed by format, and its invalidation by writes of this node and
# by changes made in the database.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

sso_reset();
sso(PUT => '/site/F', form => [['description', 'Ampersand & <tags> "quoted"'], ['description', 'Ünïcödé ✓']]);
sso(POST => '/site/F', form => ['type=group', 'name=g']);

my $text = "site /site/F\n";
my $json = '{"type":"site","id":"/site/F","attributes":{"name":"F","description":["Ampersand & <tags> \"quoted\"","Ünïcödé ✓"]}}';
my $xml = '<object type="site" id="/site/F"><attribute name="name" value="F"/><attribute name="description">'
    . '<value>Ampersand &amp; &lt;tags&gt; &quot;quoted&quot;</value><value>Ünïcödé ✓</value></attribute></object>';

my @cases = (
    [undef, 'text', 'no Accept'],
    ['*/*', 'text', '*/* (what curl sends)'],
    ['text/plain', 'text', 'text/plain'],
    ['application/json', 'json', 'application/json'],
    ['application/xml', 'xml', 'application/xml'],
    ['text/xml', 'xml', 'text/xml'],
    ['APPLICATION/JSON', 'json', 'types in any case'],
    ['application/json;q=0.5, application/xml', 'xml', 'the higher q wins'],
    ['application/json, */*;q=0.1', 'json', 'a type over the wildcard'],
    ['application/*', 'json', 'application/*: JSON, the first application type offered'],
    ['text/*', 'text', 'text/*: text/plain'],
    ['*/*;q=0, application/xml;q=0.2', 'xml', 'q=0 refuses'],
    ['application/json;q=0, */*', 'text', 'json refused, anything else: text'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'xml', 'a browser\'s Accept'],
    ['image/png', 'text', 'none of the three: text rather than 406'],
    ['application/json;charset=UTF-8', 'json', 'parameters other than q are ignored'],
);
my %body = (text => $text, json => $json, xml => $xml);
my %ct = (text => 'text/plain;charset=UTF-8', json => 'application/json;charset=UTF-8', xml => 'application/xml;charset=UTF-8');
for my $c (@cases) {
    my ($accept, $format, $what) = @$c;
    my $res = sso(GET => '/site/F', (defined $accept ? (headers => { Accept => $accept }) : ()));
    subtest "Accept: $what" => sub {
        is($res->code, 200, 'status 200');
        is($res->header('Content-Type'), $ct{$format}, $ct{$format});
        is($res->content, $body{$format}, "the $format body");
        like($res->header('Vary') // '', qr/^Accept$/, 'Vary: Accept');
    };
}

# lists, and empty lists
is(sso(GET => '/site/F/$link/sub', accept => 'text')->content, "site /site/F\ngroup /group/F/g\n", 'a list in text: a line each');
is(sso(GET => '/site/F/$link/sub/group', accept => 'json')->content,
    '[{"type":"group","id":"/group/F/g","attributes":{"name":"g"}}]', 'in JSON: an array');
is(sso(GET => '/site/F/$link/sub/group', accept => 'xml')->content,
    '<objects><object type="group" id="/group/F/g"><attribute name="name" value="g"/></object></objects>', 'in XML: <objects>');
my $res = sso(GET => '/site/F/$link/one/user', accept => 'text');
is($res->code . '|' . $res->content, '200|', 'an empty list in text: no lines');
is(sso(GET => '/site/F/$link/one/user', accept => 'json')->content, '[]', 'in JSON: []');
is(sso(GET => '/site/F/$link/one/user', accept => 'xml')->content, '<objects></objects>', 'in XML: <objects></objects>');
$res = sso(PUT => '/group/F/g', form => [['condition', 'a<b&c>"d"']], accept => 'xml');
like($res->content, qr{<attribute name="condition" value="a&lt;b&amp;c&gt;&quot;d&quot;"/>}, 'an XML attribute value escaped');
sso(PUT => '/group/F/g', form => [['condition', "line1\nline2\t\"x\""]]);
like(sso(GET => '/group/F/g', accept => 'xml')->content, qr{value="line1&#10;line2&#9;&quot;x&quot;"},
    'newlines and tabs kept as character references');
is(json_of(sso(GET => '/group/F/g', accept => 'json'))->{attributes}{condition}, "line1\nline2\t\"x\"", 'and in JSON');

# HEAD
$res = sso(HEAD => '/site/F', accept => 'json');
is($res->code, 200, 'HEAD: 200');
is($res->header('Content-Type'), $ct{json}, 'with the GET\'s Content-Type');
is($res->content, '', 'and no body');

# the read cache: one entry per format; a write makes them stale at once
for (1 .. 2) {
    is(sso(GET => '/site/F', accept => 'xml')->content, $xml, "XML ($_)");
    is(sso(GET => '/site/F', accept => 'json')->content, $json, "JSON ($_)");
    is(sso(GET => '/site/F', accept => 'text')->content, $text, "text ($_): each format cached apart");
}
sso(PUT => '/site/F', form => ['description=changed']);
is(json_of(sso(GET => '/site/F', accept => 'json'))->{attributes}{description}[0], 'changed', 'a write is read back at once');
like(sso(GET => '/site/F', accept => 'xml')->content, qr/<value>changed<\/value>/, 'in every format');
psql(q{UPDATE idtrust.sso_object SET attributes = '{"description": ["by a DBA"]}' WHERE path = '/F'});
my $seen;
for (1 .. 50) {
    $seen = json_of(sso(GET => '/site/F', accept => 'json'))->{attributes}{description}[0];
    last if $seen eq 'by a DBA';
    select(undef, undef, undef, 0.1);
}
is($seen, 'by a DBA', 'a change made in the database is seen once its NOTIFY arrives');

done_testing();
