#!/bin/bash
# Interface names and wildcards.
iptables -A FORWARD -i br-+ -o eth0 -j ACCEPT
iptables -A FORWARD -i eth0 -o br-+ -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables -A INPUT -i veth+ -j DROP
iptables -A INPUT -i wlp2s0 -p udp --dport 68 -j ACCEPT
iptables -A OUTPUT -o tun0 -j ACCEPT
ip6tables -A FORWARD -i br-+ -j ACCEPT
