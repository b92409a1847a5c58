#!/bin/bash
# Comma lists in -s and -d become one rule per pair (sources outer); -I reverses them.
iptables -A INPUT -s 192.0.2.1,192.0.2.2,198.51.100.0/24 -j ACCEPT
iptables -A OUTPUT -d 203.0.113.1,203.0.113.2 -p tcp --dport 443 -j ACCEPT
iptables -A FORWARD -s 192.0.2.0/25,192.0.2.128/25 -d 198.51.100.1,198.51.100.2 -j ACCEPT
iptables -I INPUT 1 -s 203.0.113.10,203.0.113.11 -j DROP
iptables -A INPUT -s 10.11.12.13/8 -j DROP
ip6tables -A INPUT -s 2001:db8::1,2001:db8::2 -j ACCEPT
