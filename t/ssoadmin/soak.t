# A soak of SSO writes through one child (issue 15, item 6): thousands of PUTs that update
# an existing site, with reads between them, over one keep-alive connection, so that one
# httpd child serves them all; its resident memory (/proc/PID/status VmRSS) must not grow
# with the number of requests. Found: every such write made each child reload its keyring
# and verify every bearer token again, remembering each new verdict in a pool that was
# cleared only by the number of distinct tokens: about 1.4 KB more per write, without end.
# Also: a write that touches no key leaves the child's keyring as it is (no "SA00310:
# signing keys loaded" line for that child; the ring's generation is in the line), and a
# change of a credential does make it reload (the same line, a later ring).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use IO::Socket::INET ();
use lib 't/lib';
use IdtTest;

# writes (and as many reads) per measured batch; the leak found cost 2.5 MB per batch
my $N = 2000;
# what a batch may add to the child's resident memory: allocator noise, not a per-request cost
my $SLACK_KB = 1024;
# Under the sanitizers (scripts/test IDTRUST_SANITIZE=1) ASan keeps up to 256 MB of freed
# memory in its quarantine, which the child's resident memory shows as growth until it is
# full: the bound allows that much there. The soak's evidence is the normal build's.
$SLACK_KB += 300 * 1024 if $ENV{IDTRUST_SANITIZE_DIR};

sso_reset();
# the virtual host of t/conf/ssoadmin_soak.conf.in, which keeps the connection as long as
# the soak lasts; a token of its own, as its issuer is its own URL
Apache::TestRequest::module('ssoadmin_soak');
my $hostport = Apache::TestRequest::hostport();
sso_token(undef);
my $token = sso_token();
my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 30) or die "connect $hostport: $!";

# One request on the kept-alive connection; returns (status, body).
sub req {
    my ($method, $path, $body) = @_;
    $body //= '';
    print $sock "$method /sso-api$path HTTP/1.1\r\nHost: $hostport\r\nAuthorization: Bearer $token\r\nAccept: application/json\r\n"
        . "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " . length($body)
        . "\r\n\r\n$body";
    my $status = <$sock> // die "the server closed the connection\n";
    my ($len, $chunked, $close) = (0, 0, 0);
    while (defined(my $l = <$sock>)) {
        last if $l eq "\r\n";
        $len = $1 if $l =~ /^Content-Length:\s*(\d+)/i;
        $chunked = 1 if $l =~ /^Transfer-Encoding:\s*chunked/i;
        $close = 1 if $l =~ /^Connection:\s*close/i;
    }
    die "a chunked answer: this test reads Content-Length only\n" if $chunked;
    die "the server closes the connection: one child cannot serve the soak\n" if $close;
    my $got = '';
    while (length $got < $len) { my $n = read($sock, $got, $len - length $got, length $got) or last }
    my ($code) = $status =~ /^HTTP\/1\.1 (\d{3})/;
    return ($code // 0, $got);
}

# The httpd child at the other end of $sock: the process holding the server's side of
# the connection (its socket's inode in /proc/net/tcp, found in the child's fds).
sub child_pid {
    my ($port, $peer) = ($sock->peerport, $sock->sockport);
    my $inode;
    open(my $t, '<', '/proc/net/tcp') or die "/proc/net/tcp: $!";
    while (<$t>) {
        my @f = split;
        next unless $f[1] && $f[2] && $f[1] =~ /:([0-9A-F]{4})$/ && hex($1) == $port;
        next unless $f[2] =~ /:([0-9A-F]{4})$/ && hex($1) == $peer;
        $inode = $f[9];
    }
    return undef unless $inode;
    for my $dir (glob '/proc/[0-9]*/fd') {
        opendir(my $d, $dir) or next;
        for my $fd (readdir $d) {
            my $l = readlink("$dir/$fd") // next;
            return ($dir =~ m{/proc/(\d+)/})[0] if $l eq "socket:[$inode]";
        }
    }
    return undef;
}

sub rss_kb {
    my $pid = shift;
    open(my $s, '<', "/proc/$pid/status") or die "/proc/$pid/status: $!";
    while (<$s>) { return $1 if /^VmRSS:\s+(\d+) kB/ }
    die "no VmRSS for $pid\n";
}

# $n updates of the site (each changes its description, so each is a write and a
# NOTIFY), each followed by a read; the count of answers that were not 201 and 200.
my $serial = 0;
sub batch {
    my $n = shift;
    my $bad = 0;
    for (1 .. $n) {
        $serial++;
        my ($put) = req(PUT => '/site/SoakSite', "description=soak+$serial");
        my ($get, $body) = req(GET => '/site/SoakSite');
        $bad++ unless $put == 201 && $get == 200 && $body =~ /"soak $serial"/;
    }
    return $bad;
}

# The "signing keys loaded" lines of child $pid after byte $from of the error log.
sub ring_loads {
    my ($pid, $from) = @_;
    my $log = substr(error_log_text(), $from);
    return [$log =~ /\[pid \Q$pid\E[^\]]*\][^\n]*SA00310: signing keys loaded: ring (\d+)/g];
}

my ($st) = req(PUT => '/site/SoakSite');
is($st, 201, 'the site to update');
my $pid = child_pid();
ok($pid, 'the child serving the connection is found') or die "cannot tell which child serves the soak\n";
diag("the soak runs in child $pid");

is(batch(300), 0, 'a first round of updates and reads (the child warms up)');
my $log_from = length error_log_text();
my @rss = (rss_kb($pid));
is(batch($N), 0, "$N updates and $N reads, every one answered");
push @rss, rss_kb($pid);
is(batch($N), 0, "$N more of each");
push @rss, rss_kb($pid);
my @grew = ($rss[1] - $rss[0], $rss[2] - $rss[1]);
diag("child $pid: VmRSS $rss[0] kB, then $rss[1] kB, then $rss[2] kB");
cmp_ok($grew[0], '<', $SLACK_KB, "the first $N writes add less than $SLACK_KB kB to the child ($grew[0] kB)");
cmp_ok($grew[1], '<', $SLACK_KB, "the next $N add less than $SLACK_KB kB too ($grew[1] kB): no growth per write");
is_deeply(ring_loads($pid, $log_from), [], 'no write of the soak made the child load its signing keys again');

# A change of a credential does: the next request on the connection loads a new ring.
my ($before_key) = (error_log_text() =~ /.*\[pid \Q$pid\E[^\]]*\][^\n]*SA00310: signing keys loaded: ring (\d+)/s);
my $from = length error_log_text();
($st) = req(PUT => '/credential/System/ServerKeyContainer/soakkey', 'kty=RSA&use=sig');
is($st, 200, 'a new credential (a key)');
select(undef, undef, undef, 0.3); # the NOTIFY reaches the child's listener
($st) = req(GET => '/site/SoakSite');
is($st, 200, 'a read after it');
my $loads = ring_loads($pid, $from);
is(scalar @$loads, 1, 'a change of the keys makes the child load them once');
cmp_ok($loads->[0] // 0, '>', $before_key // 0, 'into a new ring');
is(batch(20), 0, 'and site updates after it');
is(scalar @{ ring_loads($pid, $from) }, 1, 'load nothing more');
close $sock;
Apache::TestRequest::module('default');
sso_token(undef);

done_testing();
