#!/bin/sh
# A DNS server that skips connection tracking.
iptables -t raw -A PREROUTING -p udp --dport 53 -j CT --notrack
iptables -t raw -A OUTPUT -p udp --sport 53 -j NOTRACK
iptables -A INPUT -m conntrack --ctstate UNTRACKED -p udp --dport 53 -j ACCEPT
