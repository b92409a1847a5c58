#!/bin/bash
# Only IPv6: the IPv4 table gets these policies too (the Core rule), and no rules.
ip6tables -P INPUT DROP
ip6tables -P FORWARD DROP
ip6tables -A INPUT -p ipv6-icmp -j ACCEPT
ip6tables -A INPUT -s fe80::/10 -j ACCEPT
