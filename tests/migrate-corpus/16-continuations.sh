#!/bin/bash
# Long commands split over lines.
iptables -A INPUT \
    -p tcp \
    -s 192.0.2.0/24 \
    --dport 443 \
    -m conntrack --ctstate NEW \
    -j ACCEPT
iptables \
  -P OUTPUT DROP
iptables -A OUTPUT -o lo -j ACCEPT; iptables -A OUTPUT -p udp --dport 53 -j ACCEPT
