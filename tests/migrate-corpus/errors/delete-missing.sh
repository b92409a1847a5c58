# expect: delete-missing.sh:3: Bad rule (does a matching rule exist in that chain?).
iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
iptables -t nat -D POSTROUTING -o eth1 -j MASQUERADE
