package IdtLoad;
# Many connections from one process, for the hardening tests (t/core/slow_clients.t,
# t/core/db_budget.t): non-blocking sockets driven by IO::Select, loopback only.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use IO::Select ();
use IO::Socket::INET ();
use Socket qw(PF_INET SOCK_STREAM sockaddr_in inet_aton);
use Errno qw(EINPROGRESS EAGAIN EWOULDBLOCK);
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Time::HiRes qw(time);

our @EXPORT = qw(http_get concurrent_gets slow_attack fd_limit);

# The soft limit on open files of this process (scripts/test raises it).
sub fd_limit {
    my $n = `sh -c 'ulimit -n'`;
    chomp $n;
    return $n eq 'unlimited' ? 1 << 30 : $n + 0;
}

sub _connect_nb {
    my ($port) = @_;
    socket(my $fh, PF_INET, SOCK_STREAM, 0) or return undef;
    my $flags = fcntl($fh, F_GETFL, 0);
    fcntl($fh, F_SETFL, $flags | O_NONBLOCK) or return undef;
    if (!connect($fh, sockaddr_in($port, inet_aton('127.0.0.1')))) {
        return undef unless $! == EINPROGRESS || $! == EAGAIN;
    }
    return $fh;
}

sub _port { (split /:/, shift)[-1] }

# GET path over a new connection, answered within timeout seconds: the status code, or
# undef (no connection, no answer in time). Also returns the raw response in list context.
sub http_get {
    my ($hostport, $path, $timeout) = @_;
    my $deadline = time + $timeout;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => _port($hostport),
        Timeout => $timeout) or return;
    local $SIG{PIPE} = 'IGNORE';
    syswrite($sock, "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n") or return;
    my ($raw, $sel) = ('', IO::Select->new($sock));
    while ((my $left = $deadline - time) > 0) {
        last unless $sel->can_read($left);
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $sock;
    my ($code) = $raw =~ m{\AHTTP/1\.\d (\d{3})};
    return wantarray ? ($code, $raw) : $code;
}

# n requests GET path at once, each on its own connection; waits up to timeout seconds
# for all. Calls $o{tick}->() about every 100 ms meanwhile (e.g. to sample the database).
# Returns a hash: status code => count ('none' for connections that got no answer).
sub concurrent_gets {
    my ($hostport, $path, $n, $timeout, %o) = @_;
    my $port = _port($hostport);
    my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    my (%c, %codes);
    local $SIG{PIPE} = 'IGNORE';
    for (1 .. $n) {
        my $fh = _connect_nb($port);
        if (!$fh) { $codes{none}++; next }
        $c{ fileno $fh } = { fh => $fh, out => $req, in => '' };
    }
    my $deadline = time + $timeout;
    my $next_tick = time;
    while (%c && time < $deadline) {
        my ($r, $w) = (IO::Select->new, IO::Select->new);
        for my $x (values %c) {
            (length $x->{out} ? $w : $r)->add($x->{fh});
        }
        my ($can_r, $can_w) = IO::Select->select($r, $w, undef, 0.1);
        for my $fh (@{ $can_w // [] }) {
            my $x = $c{ fileno $fh };
            my $k = syswrite($fh, $x->{out});
            if (defined $k) { substr($x->{out}, 0, $k) = '' }
            elsif ($! != EAGAIN && $! != EWOULDBLOCK) { _done(\%c, \%codes, $fh) }
        }
        for my $fh (@{ $can_r // [] }) {
            my $x = $c{ fileno $fh } or next;
            my $k = sysread($fh, my $buf, 65536);
            if ($k) { $x->{in} .= $buf; next }
            next if !defined $k && ($! == EAGAIN || $! == EWOULDBLOCK);
            _done(\%c, \%codes, $fh);
        }
        if ($o{tick} && time >= $next_tick) {
            $o{tick}->();
            $next_tick = time + 0.1;
        }
    }
    _done(\%c, \%codes, $_->{fh}) for values %c;
    return %codes;
}

sub _done {
    my ($c, $codes, $fh) = @_;
    my $x = delete $c->{ fileno $fh } or return;
    my ($code) = $x->{in} =~ m{\AHTTP/1\.\d (\d{3})};
    $codes->{ $code // 'none' }++;
    close $fh;
}

# Forks a slow client: n connections that send request headers one byte per second each
# and never finish them; a connection the server drops is opened again at once. It runs
# until killed (or for at most max_seconds). Returns (pid, reader): the reader gets one
# line per second, "<seconds since start> <connections established> <drops so far>".
sub slow_attack {
    my ($hostport, $n, $max_seconds) = @_;
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if ($pid) {
        close $wr;
        return ($pid, $rd);
    }
    close $rd;
    $wr->autoflush(1);
    local $SIG{PIPE} = 'IGNORE';
    my $port = _port($hostport);
    my $head = "GET /idtrust/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-client\r\nX-Slow: ";
    my (%c, $drops);
    my $open = sub {
        my $fh = _connect_nb($port) or return;
        $c{ fileno $fh } = { fh => $fh, sent => 0 };
    };
    $open->() for 1 .. $n;
    my $start = time;
    my $next_byte = $start;
    $drops = 0;
    while (time - $start < $max_seconds) {
        my $r = IO::Select->new(map { $_->{fh} } values %c);
        my @ready = $r->can_read(0.05);
        for my $fh (@ready) {
            my $k = sysread($fh, my $buf, 4096);
            next if $k || (!defined $k && ($! == EAGAIN || $! == EWOULDBLOCK));
            delete $c{ fileno $fh };
            close $fh;
            $drops++;
            $open->();
        }
        next if time < $next_byte;
        $next_byte += 1;
        my $established = 0;
        for my $x (values %c) {
            my $byte = $x->{sent} < length $head ? substr($head, $x->{sent}, 1) : 'a';
            my $k = syswrite($x->{fh}, $byte);
            if ($k) { $x->{sent}++ }
            $established++ if $x->{sent};
        }
        printf $wr "%.1f %d %d\n", time - $start, $established, $drops;
    }
    exit 0;
}

1;
