#!/bin/sh
# VPN kill switch: only the tunnel, the VPN server and loopback; the VPN user's packets are marked.
VPN_SERVER=203.0.113.10
iptables -t mangle -A OUTPUT -m owner --uid-owner 1000 -j MARK --set-mark 0x1
iptables -t mangle -A OUTPUT -m mark --mark 0x1 -j CONNMARK --save-mark
iptables -t mangle -A PREROUTING -j CONNMARK --restore-mark
iptables -P OUTPUT DROP
iptables -A OUTPUT -o lo -j ACCEPT
iptables -A OUTPUT -o tun0 -j ACCEPT
iptables -A OUTPUT -p udp -d $VPN_SERVER --dport 1194 -j ACCEPT
iptables -A OUTPUT -m mark ! --mark 0x1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables -A OUTPUT -j REJECT --reject-with icmp-net-unreachable
ip6tables -P OUTPUT DROP
ip6tables -A OUTPUT -o lo -j ACCEPT
ip6tables -A OUTPUT -o tun0 -j ACCEPT
