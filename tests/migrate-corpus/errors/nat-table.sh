# expect: nat-table.sh:3: table "nat" is not supported
iptables -A INPUT -j ACCEPT
iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
