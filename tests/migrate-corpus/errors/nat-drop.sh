# expect: nat-drop.sh:3: The "nat" table is not intended for filtering
iptables -A INPUT -j ACCEPT
iptables -t nat -A PREROUTING -s 192.0.2.9 -j DROP
