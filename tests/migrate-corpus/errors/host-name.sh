# expect: host-name.sh:2: host name "example.com" is not supported
iptables -A OUTPUT -d example.com -j ACCEPT
