# expect: port-range.sh:2: invalid port/service `70000' specified
iptables -A INPUT -p tcp --dport 70000 -j ACCEPT
