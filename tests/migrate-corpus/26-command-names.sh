#!/bin/bash
# The binaries by their other names and paths.
iptables-legacy -A INPUT -p tcp --dport 1 -j ACCEPT
/usr/sbin/iptables-legacy -A INPUT -p tcp --dport 2 -j ACCEPT
iptables-nft -A INPUT -p tcp --dport 3 -j ACCEPT
/sbin/iptables -A INPUT -p tcp --dport 4 -j ACCEPT
ip6tables-legacy -A INPUT -p tcp --dport 5 -j ACCEPT
/usr/sbin/ip6tables-nft -A INPUT -p tcp --dport 6 -j ACCEPT
command iptables -A INPUT -p tcp --dport 7 -j ACCEPT
