# Slow clients: 1,000 connections that send their request headers one byte per second
# (each opened again when the server drops it) must not stop the server. /idtrust/live
# answers within 25 s of the attack starting and keeps answering while it goes on:
# mod_reqtimeout drops the slow connections (conf/idtrust-hardening.conf) and the event
# MPM has workers to spare beside them.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use IO::Select ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use IdtTest;
use IdtLoad;

my $SOCKETS = 1000;
my $FIRST_ANSWER = 25;   # seconds after the attack starts
my $KEEP = 20;           # then probe for this long: longer than one header timeout (10 s)

plan tests => 7, need {
    "ulimit -n of at least @{[$SOCKETS + 200]} (scripts/test raises it)" => fd_limit() >= $SOCKETS + 200 };

my $hostport = Apache::TestRequest::hostport();
ok t_cmp(http_get($hostport, '/idtrust/live', 5), 200, 'live answers before the attack');

# Workers reading a request ("R" in mod_status's scoreboard), when mod_status answers.
sub reading_workers {
    my (undef, $raw) = http_get($hostport, '/server-status?auto', 5);
    return undef unless $raw && $raw =~ /^Scoreboard: (\S+)/m;
    return ($1 =~ tr/R//);
}

my $started = time;
my ($pid, $report) = slow_attack($hostport, $SOCKETS, $FIRST_ANSWER + $KEEP + 15);
my ($established, $drops) = (0, 0);
my $read_report = sub {
    my $sel = IO::Select->new($report);
    while ($sel->can_read(0)) {
        my $line = <$report> // last;
        (undef, $established, $drops) = split ' ', $line;
    }
};

# the attack is in place when every socket has sent its first bytes
while (time - $started < 10) {
    $read_report->();
    last if $established >= $SOCKETS;
    sleep 0.2;
}
ok t_cmp($established, $SOCKETS, "the slow client holds $SOCKETS connections");

my ($first, $peak_reading) = (undef, 0);
while (time - $started < $FIRST_ANSWER) {
    my $code = http_get($hostport, '/idtrust/live', 3);
    if (($code // 0) == 200) { $first = time - $started; last }
    sleep 0.5;
}
ok t_cmp(defined $first ? 1 : 0, 1,
    "live answers within $FIRST_ANSWER s of the attack starting");
printf "# first answer %.1f s after the attack started\n", $first if defined $first;

my @fails;
my $keep_from = time;
while (time - $keep_from < $KEEP) {
    my $t = time;
    my $code = http_get($hostport, '/idtrust/live', 5);
    push @fails, sprintf('%.1fs: %s', $t - $started, $code // 'no answer') unless ($code // 0) == 200;
    my $r = reading_workers();
    $peak_reading = $r if defined $r && $r > $peak_reading;
    $read_report->();
    sleep 1 - (time - $t) if time - $t < 1;
}
ok t_cmp(scalar(@fails), 0, "live keeps answering for $KEEP s under the attack")
    or print "# failed probes: @fails\n";

# the attack was real: the slow connections held workers, and were dropped and renewed
ok t_cmp($peak_reading >= $SOCKETS * 0.9 ? 1 : 0, 1,
    "the slow connections held workers (peak $peak_reading reading a request)");
ok t_cmp($drops >= $SOCKETS / 2 ? 1 : 0, 1,
    "the server dropped slow connections and they came back ($drops drops)");

kill 'TERM', $pid;
waitpid($pid, 0);

my $timeouts = () = error_log_text() =~ /AH01382: Request header read timeout/g;
ok t_cmp($timeouts >= $SOCKETS / 2 ? 1 : 0, 1,
    "mod_reqtimeout closed them ($timeouts header read timeouts logged)");
