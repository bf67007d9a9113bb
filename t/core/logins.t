# Admin logins (AuthBasicProvider idtrust): unknown names take as long as wrong
# passwords; a user name that is not UTF-8 is a 401; failed logins lock a user name and
# client address out (t/conf/extra.conf.in: IdtrustLoginThrottle 5 60 3 12, so 5
# failures lock the pair out for 3 s, then 6 s) with 429 in the envelope, across all
# child processes, logged once per lockout; the success cache is shared and a burst of
# the same credentials waits for one check.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use HTTP::Request ();
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time sleep);
use lib 't/lib';
use IdtTest;

plan tests => 38;

my $uniq = "$$-" . int(rand(1e9));
my $PATH = '/idtrust/v1/identity-stores';
my $N = 15;    # requests per timing series

# accounts of this test; cost 10 as idt_admin and the docs make them
sub account {
    my ($name, $pw, %o) = @_;
    my $enabled = $o{disabled} ? 'false' : 'true';
    psql("INSERT INTO idtrust.admin_account (name, password_hash, enabled) "
        . "VALUES ('$name', crypt('$pw', gen_salt('bf', 10)), $enabled) "
        . 'ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, '
        . 'enabled = EXCLUDED.enabled');
}

sub get_as { my ($u, $p, %o) = @_; return api(GET => $PATH, auth => [$u, $p], %o) }

sub median {
    my @s = sort { $a <=> $b } @_;
    return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

# ---- 1. unknown and disabled names answer as slowly as a wrong password ----
for my $i (1 .. $N) {
    account("known-$i-$uniq", "right-$i");
    account("off-$i-$uniq", "right-$i", disabled => 1);
}
get_as("warm-$_-$uniq", 'x') for 1 .. 3;    # connections and code paths warmed up
my (%t, %codes);
for my $i (1 .. $N) {
    # interleaved, so a busy moment of the machine falls on every series alike; each
    # name is tried once, so the throttle stays out of it
    for my $case ([unknown => "nobody-$i-$uniq"], [wrong => "known-$i-$uniq"],
        [disabled => "off-$i-$uniq"]) {
        my ($kind, $user) = @$case;
        my $t0 = time;
        my $res = get_as($user, "wrong-$i");
        push @{ $t{$kind} }, time - $t0;
        $codes{$kind}{ $res->code }++;
    }
}
my %m = map { $_ => median(@{ $t{$_} }) } keys %t;
diag(sprintf('medians of %d: unknown %.1f ms, wrong password %.1f ms, disabled %.1f ms',
    $N, map { 1000 * $m{$_} } qw(unknown wrong disabled)));
is_deeply $codes{$_}, { 401 => $N }, "$_: every answer is 401" for qw(unknown wrong disabled);
for my $kind (qw(unknown disabled)) {
    my $diff = abs($m{$kind} - $m{wrong}) / ($m{$kind} > $m{wrong} ? $m{$kind} : $m{wrong});
    ok $diff <= 0.2, sprintf('%s user: median within 20%% of a wrong password (%.0f%%)', $kind,
        100 * $diff);
}
ok $m{wrong} > 0.01, 'a wrong password costs a bcrypt check (median over 10 ms)';

# ---- 2. a user name that is not UTF-8 is refused like any unknown name ----
iic_error_ok(get_as("\xff\xfe", 'x'), 401, 'IIC.401', 'user name bytes ff fe: 401, not 500');
iic_error_ok(get_as("adm\xc0\xafin", 'x'), 401, 'IIC.401', 'an overlong UTF-8 form: 401');
iic_error_ok(get_as("j\xc3\xbcrgen-$uniq", 'x'), 401, 'IIC.401', 'a UTF-8 name without account: 401');

# ---- 3. throttling ----
my $user = "lock-$uniq";
my $pw = "pw-$uniq";
account($user, $pw);
account("other-$uniq", $pw);
my $log_before = length error_log_text();

is get_as($user, $pw)->code, 200, 'the account logs in';
my @fail = map { get_as($user, "bad-$_-$uniq")->code } 1 .. 5;
is_deeply \@fail, [(401) x 5], 'five wrong passwords: five 401s';
my $t_lock = time;
my $res = get_as($user, "bad-6-$uniq");
iic_error_ok($res, 429, 'IIC.429', 'the sixth attempt: 429', qr/too many failed logins/);
my $retry = $res->header('Retry-After') // '';
like $retry, qr/\A[1-3]\z/, 'with Retry-After: the seconds left of the 3 s lockout';
is $res->header('Cache-Control'), 'no-store', 'and Cache-Control: no-store';
$res = get_as($user, $pw);
iic_error_ok($res, 429, 'IIC.429', 'the right password is refused too while locked out');
like $res->header('Retry-After') // '', qr/\A[1-3]\z/, 'with Retry-After';

# many requests on new connections: every child process sees the lockout
my %seen;
for my $i (1 .. 24) {
    my $r = get_as($user, $i % 2 ? $pw : "bad-x-$i");
    $seen{ $r->code }++;
    $seen{retry}++ if ($r->header('Retry-After') // '') =~ /\A[1-3]\z/;
}
is_deeply \%seen, { 429 => 24, retry => 24 }, '24 more attempts, right and wrong: all 429 with Retry-After';

is get_as("other-$uniq", $pw)->code, 200, 'another user name from the same address is not locked out';
my (undef, $port) = split /:/, Apache::TestRequest::hostport();
$res = _from('127.0.0.2', $port, $user, $pw);
is $res && $res->code, 200, 'the same user name from another address is not locked out';
my $elapsed = time - $t_lock;
ok $elapsed < 3, sprintf('(all of that within the lockout: %.2f s)', $elapsed);

my @pids = keys %{ { map { $_ => 1 }
    (substr(error_log_text(), $log_before) =~ /\[pid (\d+)[^\]]*\][^\n]*IS00100: request \S+: 429 /g) } };
ok @pids >= 2, 'the 429s came from ' . scalar(@pids) . ' child processes (at least 2)';

sleep(3.2 - (time - $t_lock)) if time - $t_lock < 3.2;
is get_as($user, $pw)->code, 200, 'after the lockout the right password works';
# the success forgot the failures: 4 + 4 wrong with a success between lock nothing out
my @codes = map { get_as($user, "again-$_")->code } 1 .. 4;
push @codes, get_as($user, $pw)->code;
push @codes, map { get_as($user, "again2-$_")->code } 1 .. 4;
push @codes, get_as($user, $pw)->code;
is_deeply \@codes, [(401) x 4, 200, (401) x 4, 200], 'a success resets the count of failures';

# a repeat offender's second lockout lasts twice as long
my $rep = "twice-$uniq";
account($rep, $pw);
get_as($rep, "bad-$_") for 1 .. 5;
$t_lock = time;
$res = get_as($rep, $pw);
is $res->code, 429, 'a second user locked out';
like $res->header('Retry-After') // '', qr/\A[1-3]\z/, 'for 3 s';
sleep(3.2 - (time - $t_lock)) if time - $t_lock < 3.2;
@codes = map { get_as($rep, "bad2-$_")->code } 1 .. 5;
is_deeply \@codes, [(401) x 5], 'once that is over, five more wrong passwords: 401s';
$res = get_as($rep, "bad2-6");
iic_error_ok($res, 429, 'IIC.429', 'then locked out again');
like $res->header('Retry-After') // '', qr/\A[4-6]\z/, 'for twice as long: 6 s';

# the log: one warning per lockout, naming user and address, never a password
my $log = substr(error_log_text(), $log_before);
my @lines = grep { /IT00071/ } split /\n/, $log;
is scalar(grep { /"\Q$user\E"/ } @lines), 1, 'one IT00071 line for the first user\'s one lockout';
is scalar(grep { /"\Q$rep\E"/ } @lines), 2, 'two for the second user\'s two lockouts';
like $lines[0] // '', qr/:warn\].*IT00071: request \S+: logins for user "\Q$user\E" from 127\.0\.0\.1 locked out for 3 s after 5 failed attempts/,
    'at warning level, naming user, address and duration';
unlike $log, qr/\Q$pw\E|bad-6-\Q$uniq\E/, 'no password in the error log';

# ---- 4. the success cache is shared by all child processes ----
account("fast-$uniq", $pw);
is get_as("fast-$uniq", $pw)->code, 200, 'an account logs in';
my @fast;
for (1 .. 12) {
    my $t0 = time;
    my $c = get_as("fast-$uniq", $pw)->code;
    push @fast, [$c, time - $t0];
}
is_deeply [map { $_->[0] } @fast], [(200) x 12], 'twelve more logins on new connections: 200';
ok median(map { $_->[1] } @fast) < $m{wrong} / 2,
    sprintf('remembered in every process: median %.1f ms, under half a bcrypt check (%.1f ms)',
        1000 * median(map { $_->[1] } @fast), 1000 * $m{wrong});

# requests with the same credentials at the same moment wait for one check of them
account("burst-$uniq", $pw);
is_deeply [sort(parallel(12, sub { get_as("burst-$uniq", $pw)->code }))], [(200) x 12],
    'twelve simultaneous first logins of one account: all 200';
is_deeply [sort(parallel(4, sub { get_as("burst-$uniq", 'wrong')->code }))], [(401) x 4],
    'four simultaneous wrong passwords: all 401, none let in by another\'s check';
is get_as("burst-$uniq", $pw)->code, 200, 'and the right password still works';

# Runs code in n processes at once; returns what each returned.
sub parallel {
    my ($n, $code) = @_;
    my @fh;
    for (1 .. $n) {
        my $pid = open(my $fh, '-|') // die "fork: $!";
        if (!$pid) { print $code->(); require POSIX; POSIX::_exit(0) }
        push @fh, $fh;
    }
    return map { local $/; my $v = readline($_); close $_; $v } @fh;
}

# a request from another loopback address (the server listens on all of them)
sub _from {
    my ($addr, $port, $u, $p) = @_;
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 0);
    # the kernel would pick 127.0.0.1 as the source of any loopback connection
    $ua->local_address($addr);
    my $req = HTTP::Request->new(GET => "http://127.0.0.1:$port$PATH");
    $req->header(Authorization => 'Basic ' . encode_base64("$u:$p", ''));
    return $ua->request($req);
}
