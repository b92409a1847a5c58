#!/bin/sh
# Options in the order people write them: the state before the port, the owner before -p.
iptables -A INPUT -p tcp -m state --state NEW --dport 22 -j ACCEPT
iptables -A OUTPUT -m owner --uid-owner 0 -p tcp --dport 443 -j ACCEPT
iptables -A INPUT -m conntrack --ctstate ESTABLISHED -p udp --sport 53 -j ACCEPT
iptables -A INPUT -j ACCEPT -p tcp --dport 80 -i eth0
