# expect: positional.sh:2: "$1" is a positional or special parameter
iptables -A INPUT -s "$1" -j ACCEPT
