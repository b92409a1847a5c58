# expect: wrong-family.sh:2: -s: "2001:db8::1" is not a numeric IPv4 address
iptables -A INPUT -s 2001:db8::1 -j ACCEPT
