#!/bin/sh
# -w, redirections, || true, ; and &&.
set -eu
iptables -w -A INPUT -i lo -j ACCEPT
iptables -w 5 -A INPUT -p tcp --dport 22 -j ACCEPT >/dev/null 2>&1
iptables --wait -A INPUT -p tcp --dport 25 -j DROP 2>/dev/null || true
iptables --wait=3 -A INPUT -p tcp --dport 110 -j DROP || :
iptables -A INPUT -p tcp --dport 143 -j DROP && iptables -A INPUT -p tcp --dport 993 -j ACCEPT
iptables -nvL INPUT > /dev/null
iptables -S
echo "firewall loaded" | logger -t fw
exit 0
iptables -A INPUT -j DROP
