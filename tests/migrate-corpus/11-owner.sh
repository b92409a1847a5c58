#!/bin/bash
# Owner matches (OUTPUT only).
iptables -A OUTPUT -m owner --uid-owner 0 -j ACCEPT
iptables -A OUTPUT -m owner --uid-owner 1000-1999 -j DROP
iptables -A OUTPUT -p tcp --dport 443 -m owner --gid-owner 33 -j ACCEPT
iptables -A OUTPUT -p tcp --dport 25 -m owner ! --uid-owner 100 -j REJECT
iptables -A OUTPUT -m owner --uid-owner 0 --gid-owner 0 -j ACCEPT
