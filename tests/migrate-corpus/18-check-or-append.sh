#!/bin/bash
# Idempotent style: add a rule only when it is not there yet.
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -C INPUT -p tcp --dport 22 -j ACCEPT 2>/dev/null || iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -C INPUT -p tcp --dport 80 -j ACCEPT 2>/dev/null || iptables -A INPUT -p tcp --dport 80 -j ACCEPT
iptables -C INPUT -p tcp --dport 80 -j ACCEPT && echo "port 80 open"
iptables -N mychain 2>/dev/null || true
iptables -N mychain 2>/dev/null || true
