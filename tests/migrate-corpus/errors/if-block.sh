# expect: if-block.sh:2: shell logic (if, lines 2-2)
if [ -n "$LAN" ]; then iptables -A INPUT -s "$LAN" -j ACCEPT; fi
