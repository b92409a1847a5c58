# expect: fragment.sh:2: -f (fragments) is not supported
iptables -A INPUT -f -j DROP
