#!/bin/bash
# REJECT with every reply type.
iptables -A INPUT -p tcp --dport 113 -j REJECT --reject-with tcp-reset
iptables -A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable
iptables -A INPUT -s 203.0.113.0/24 -j REJECT --reject-with icmp-host-prohibited
iptables -A INPUT -s 198.51.100.0/24 -j REJECT --reject-with icmp-net-unreachable
iptables -A INPUT -j REJECT --reject-with icmp-admin-prohibited
iptables -A FORWARD -j REJECT
ip6tables -A INPUT -p tcp --dport 113 -j REJECT --reject-with tcp-reset
ip6tables -A INPUT -j REJECT --reject-with icmp6-adm-prohibited
ip6tables -A FORWARD -j REJECT --reject-with icmp6-no-route
ip6tables -A OUTPUT -d 2001:db8::/32 -j REJECT --reject-with icmp6-addr-unreachable
