#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# Echo server for tests/traffic.sh: echo.pl tcp:PORT|udp:PORT...
# Sends back what each TCP connection (one line) or UDP datagram brings, IPv4 and IPv6 alike.
# netcat-openbsd cannot do this for UDP (its listener serves one peer and never answers the
# next), and perl-base is in every Debian system. One process, no fork: the probes come one at
# a time. It prints "ready" once every port listens, and runs until killed.
use strict;
use warnings;
use IO::Select;
use IO::Socket::IP;

my $sel = IO::Select->new;
my %is_udp;
for my $spec (@ARGV) {
        my ($proto, $port) = $spec =~ /^(tcp|udp):(\d+)$/ or die "echo.pl: bad port '$spec'\n";
        # One socket on :: with V6Only off takes both families.
        my $s = IO::Socket::IP->new(
                LocalHost => '::', LocalPort => $port, Proto => $proto, V6Only => 0,
                ReuseAddr => 1, $proto eq 'tcp' ? (Listen => 16) : (),
        ) or die "echo.pl: cannot listen on $spec: $@\n";
        $is_udp{ fileno $s } = 1 if $proto eq 'udp';
        $sel->add($s);
}
$| = 1;
print "ready\n";

for (;;) {
        for my $s ($sel->can_read) {
                if ($is_udp{ fileno $s }) {
                        my $peer = $s->recv(my $buf, 2048);
                        $s->send($buf, 0, $peer) if defined $peer && length $peer;
                        next;
                }
                my $c = $s->accept or next;
                # A client that connects and says nothing must not stall the others for long.
                if (IO::Select->new($c)->can_read(2)) {
                        my $n = sysread($c, my $line, 2048);
                        syswrite($c, $line) if $n;
                }
                close $c;
        }
}
