# expect: wrong-family.sh:2: host/network "2001:db8::1" not found
iptables -A INPUT -s 2001:db8::1 -j ACCEPT
