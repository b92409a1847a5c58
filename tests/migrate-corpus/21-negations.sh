#!/bin/bash
# ! before options.
iptables -A INPUT ! -s 192.0.2.0/24 -p tcp --dport 22 -j DROP
iptables -A INPUT ! -i lo -d 127.0.0.0/8 -j DROP
iptables -A INPUT -p tcp ! --dport 80 -j ACCEPT
iptables -A INPUT ! -p tcp -j ACCEPT
iptables -A INPUT -p udp ! --sport 53 -j DROP
iptables -A OUTPUT ! -o eth+ -j ACCEPT
iptables -A INPUT -p icmp ! --icmp-type echo-request -j ACCEPT
