#!/bin/bash
# -g and --goto into user chains.
iptables -N allow
iptables -N deny
iptables -A allow -j ACCEPT
iptables -A deny -j DROP
iptables -A INPUT -s 192.0.2.0/24 -g allow
iptables -A INPUT --goto deny
ip6tables -N allow
ip6tables -A allow -j ACCEPT
ip6tables -A INPUT -s 2001:db8::/32 --goto allow
