# The largest trust document the limits allow (an 8 MiB import: the shipped
# LimitRequestBody), read by a reader in every format it has: the document's text, its
# issuers and its rules as JSON, its XML export; and a list of thousands of documents. Each
# answer must be complete and cost time and memory linear in its size: at most
# $US_PER_BYTE microseconds and $MEM_PER_BYTE bytes of a child's memory per answer byte
# (plus a fixed allowance), the bounds docs/performance.md documents. An answer built by
# re-copying itself per line (cost: the square of its size) takes minutes and gigabytes
# here, far past either bound.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Time::HiRes qw(time usleep);
use POSIX ();
use lib 't/lib';
use IdtTest;

my $US_PER_BYTE  = 5;                   # time: 5 us per answer byte, plus 2 s
my $MEM_PER_BYTE = 24;                  # memory: 24 bytes per answer byte, plus 64 MiB
my $FIXED_S      = 2;
my $FIXED_MEM    = 64 * 1024 * 1024;
# Under the sanitizers (scripts/test IDTRUST_SANITIZE=1) the code runs several times slower
# and ASan keeps up to 256 MB of freed memory in its quarantine: the bounds allow for that
# (a quadratic answer still exceeds them by orders of magnitude).
if ($ENV{IDTRUST_SANITIZE_DIR}) {
    $US_PER_BYTE *= 10;
    $FIXED_MEM += 320 * 1024 * 1024;
}

my $WS = '/idaas/webservice/admin/v1';
my $uniq = $$ . '-' . int(rand(1e9));
my $doc = "large-$uniq";

my $res = api(POST => '/idtrust/v1/accounts',
    body => { name => "large-reader-$uniq", password => "reader-password-$uniq", role => 'reader' });
die 'account create failed: ' . $res->as_string unless $res->code == 201;
my $reader = ["large-reader-$uniq", "reader-password-$uniq"];

# ---- the import: as many DNs and rules as 8 MiB holds ----
my $LIMIT = 8 * 1024 * 1024;
my @types = ('saml.hok', 'saml.sv', 'jwt');
my $head = qq(<?xml version="1.0" encoding="UTF-8"?>\n<oratrust:TokenIssuerTrust xmlns:oratrust="http://xmlns.oracle.com/wsm/security/trust" oratrust:name="$doc">\n);
my $rules = "    <oratrust:TokenAttributeRules>\n";
my $nrules = 1000;
for my $i (1 .. $nrules) {
    $rules .= sprintf(qq(        <oratrust:TokenAttributeRule oratrust:dn="cn=service%05d,ou=services,o=example"><oratrust:NameID><oratrust:Filter><oratrust:Value>user%05d</oratrust:Value></oratrust:Filter><oratrust:Mapping oratrust:userAttribute="mail" oratrust:userMappingAttribute="uid"/></oratrust:NameID></oratrust:TokenAttributeRule>\n), $i, $i);
}
$rules .= "    </oratrust:TokenAttributeRules>\n</oratrust:TokenIssuerTrust>\n";
my $dn_line = sub { sprintf(qq(                <oratrust:TrustedKey oratrust:dn="CN=Person %06d of a large trust list,OU=People,O=Example Corporation,C=US"/>\n), $_[0]) };
my $per_dn = length $dn_line->(1);
my $frame = length($head) + length($rules) + 3 * 200 + 100;
my $ndns = int(($LIMIT - $frame) / $per_dn);
my @xml = ($head, "    <oratrust:Issuers>\n");
my $n = 0;
for my $t (0 .. 2) {
    push @xml, qq(        <oratrust:Issuer oratrust:name="issuer$t.example.com" oratrust:tokentype="$types[$t]">\n            <oratrust:TrustedKeys>\n);
    my $last = $t == 2 ? $ndns : int($ndns * ($t + 1) / 3);
    push @xml, $dn_line->(++$n) while $n < $last;
    push @xml, "            </oratrust:TrustedKeys>\n        </oratrust:Issuer>\n";
}
push @xml, "    </oratrust:Issuers>\n", $rules;
my $xml = join '', @xml;
ok length($xml) <= $LIMIT && length($xml) > $LIMIT - 4096,
    sprintf('the import is %d bytes, just under the 8 MiB limit, with %d DNs and %d rules', length $xml, $ndns, $nrules);

is api(POST => "$WS/trustdocument?documentName=$doc")->code, 200, 'the document is made';
my $t0 = time;
$res = api(POST => "$WS/trustdocument/import", body => $xml, type => 'application/xml');
is $res->code, 200, sprintf('the import is accepted (%.1f s)', time - $t0) or diag $res->as_string;
like json_of($res)->{Result} // '', qr/3 trusted issuers, $ndns trusted DNs, $nrules token attribute rules/,
    'every DN and rule is stored';

# ---- a child's memory, sampled while a request runs ----
sub parent_pid {
    my $pidfile = Apache::Test::vars('t_logs') . '/httpd.pid';
    open(my $fh, '<', $pidfile) or die "$pidfile: $!";
    chomp(my $parent = <$fh>);
    return $parent;
}
sub children {
    my $parent = parent_pid();
    my @kids;
    for my $d (glob '/proc/[0-9]*') {
        open(my $s, '<', "$d/stat") or next;
        my @f = split ' ', scalar <$s>;
        push @kids, $f[0] if $f[3] == $parent;
    }
    return @kids;
}
sub rss_of {
    my $pid = shift;
    open(my $fh, '<', "/proc/$pid/status") or return 0;
    while (my $line = <$fh>) { return $1 * 1024 if $line =~ /^VmRSS:\s+(\d+) kB/ }
    return 0;
}
# Runs the request while a sampler watches every child; (response, seconds, the largest
# growth of one child's resident memory over its size before the request).
sub measured {
    my ($method, $path, %o) = @_;
    my %before = map { $_ => rss_of($_) } children();
    pipe(my $r, my $w) or die;
    my $sampler = fork // die;
    if (!$sampler) {
        close $r;
        my %peak = %before;
        my $stop = 0;
        local $SIG{TERM} = sub { $stop = 1 };
        until ($stop) {
            for my $pid (keys %before) { my $v = rss_of($pid); $peak{$pid} = $v if $v > $peak{$pid} }
            usleep(10_000);
        }
        my $grow = 0;
        for my $pid (keys %before) { my $g = $peak{$pid} - $before{$pid}; $grow = $g if $g > $grow }
        print $w "$grow\n";
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    my $t = time;
    my $res = api($method, $path, %o);
    my $secs = time - $t;
    kill TERM => $sampler;
    chomp(my $grow = <$r> // 0);
    waitpid $sampler, 0;
    return ($res, $secs, $grow);
}

# The import left its child's heap large (freed memory stays with the process), which
# would hide what a read costs: a graceful restart gives every read a fresh child.
{
    my %old = map { $_ => 1 } children();
    kill USR1 => parent_pid();
    my $t = time;
    usleep(100_000) until (time - $t > 20) || (children() && !grep { $old{$_} } children());
    ok !grep({ $old{$_} } children()), 'a graceful restart replaced every child';
    my $ready = 0;
    for (1 .. 100) { last if ($ready = api(GET => '/idtrust/live', auth => undef)->code == 200); usleep(100_000) }
    ok $ready, 'and the server answers again';
    diag sprintf('children after the restart: %s', join(', ', map { sprintf '%d (%.1f MB)', $_, rss_of($_) / 1e6 } children()));
}

my @figures;
sub linear_ok {
    my ($name, $res, $secs, $grow) = @_;
    my $bytes = length($res->content // '');
    my $t_max = $FIXED_S + $bytes * $US_PER_BYTE / 1e6;
    my $m_max = $FIXED_MEM + $bytes * $MEM_PER_BYTE;
    push @figures, sprintf('%s: %d bytes in %.2f s (%.1f MB/s), child grew %.1f MB', $name, $bytes,
        $secs, $bytes / 1e6 / ($secs || 1e-6), $grow / 1e6);
    ok $secs <= $t_max, sprintf('%s: %.2f s for %d bytes (bound %.1f s)', $name, $secs, $bytes, $t_max);
    ok $grow <= $m_max, sprintf('%s: a child grew %.1f MB (bound %.1f MB)', $name, $grow / 1e6, $m_max / 1e6);
}

# the document's text: every issuer, DN and rule, as the vendor's Result text
my ($r, $s, $g) = measured(GET => "$WS/trustdocument?documentName=$doc", auth => $reader);
is $r->code, 200, 'the text of the document, read by a reader' or diag $r->status_line;
my $text = json_of($r)->{Result} // '';
is scalar(() = $text =~ /Trusted DN : /g), $ndns, 'the text names every DN';
is scalar(() = $text =~ /Rule DN      : /g), $nrules, 'and every rule';
linear_ok('document text', $r, $s, $g);

($r, $s, $g) = measured(GET => "$WS/trust/issuers/$doc", auth => $reader);
is $r->code, 200, 'the issuers as JSON';
my $j = json_of($r);
my $got = 0;
$got += scalar @{ $_->{issuer}[0]{dn} } for values %{ $j->{'saml-trusted-dns'} };
is $got, $ndns, 'the JSON lists every DN';
linear_ok('issuers JSON', $r, $s, $g);

($r, $s, $g) = measured(GET => "$WS/trust/token/$doc", auth => $reader);
is $r->code, 200, 'the rules as JSON';
is scalar @{ json_of($r)->{'token-attribute-rules'}{'token-attribute-rule'} }, $nrules, 'every rule';
linear_ok('rules JSON', $r, $s, $g);

($r, $s, $g) = measured(GET => "$WS/trustdocument/export?documentName=$doc", auth => $reader);
is $r->code, 200, 'the XML export';
is scalar(() = ($r->content // '') =~ /<oratrust:TrustedKey /g), $ndns, 'the export holds every DN';
linear_ok('XML export', $r, $s, $g);

# ---- a list of thousands of documents (made directly, as a DBA could) ----
my $ndocs = 5000;
psql("INSERT INTO idtrust.trust_document (name, display_name) SELECT 'many-$uniq-' || i, "
    . "'Document number ' || i || ' of a long list' FROM generate_series(1, $ndocs) i");
($r, $s, $g) = measured(GET => "$WS/trustdocument", auth => $reader);
is $r->code, 200, 'the list of documents';
is scalar(() = (json_of($r)->{Result} // '') =~ /many-\Q$uniq\E-/g), $ndocs, 'it names every document';
linear_ok('document list', $r, $s, $g);

diag $_ for @figures;
psql("DELETE FROM idtrust.trust_document WHERE name LIKE 'many-$uniq-%' OR name = '$doc'");
api(DELETE => "/idtrust/v1/accounts/large-reader-$uniq");
done_testing();
