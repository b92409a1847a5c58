#!/bin/bash
# User-defined chains with jumps, returns and a goto.
iptables -N ssh-in
iptables -N web-in
iptables -N logdrop
iptables -A logdrop -j LOG --log-prefix "dropped: "
iptables -A logdrop -j DROP
iptables -A ssh-in -s 192.0.2.0/24 -j ACCEPT
iptables -A ssh-in -j logdrop
iptables -A web-in -p tcp -m multiport --dports 80,443 -j ACCEPT
iptables -A web-in -j RETURN
iptables -A INPUT -p tcp --dport 22 -j ssh-in
iptables -A INPUT -p tcp -j web-in
iptables -A INPUT -g logdrop
ip6tables -N web-in
ip6tables -A web-in -p tcp --dport 443 -j ACCEPT
ip6tables -A INPUT -j web-in
