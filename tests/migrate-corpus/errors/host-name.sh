# expect: host-name.sh:2: -d: "example.com" is not a numeric IPv4 address (host names are not resolved)
iptables -A OUTPUT -d example.com -j ACCEPT
