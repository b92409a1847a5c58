#!/bin/sh
# A small router: MSS clamping, SNAT, rate limits, connection limits.
iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
iptables -t mangle -A PREROUTING -i eth1 -j TTL --ttl-set 64
iptables -t nat -A POSTROUTING -o ppp0 -j SNAT --to-source 198.51.100.1
iptables -A INPUT -p tcp --syn -m connlimit --connlimit-above 20 -j REJECT --reject-with tcp-reset
iptables -A INPUT -m hashlimit --hashlimit-above 10/sec --hashlimit-mode srcip --hashlimit-name conn -j DROP
iptables -A INPUT -p icmp -m limit --limit 1/s --limit-burst 4 -j ACCEPT
iptables -A INPUT -m iprange --src-range 192.0.2.10-192.0.2.20 -j ACCEPT
iptables -A INPUT -p tcp -m tcp --tcp-flags ALL NONE -j DROP
iptables -A INPUT -m pkttype --pkt-type broadcast -j DROP
