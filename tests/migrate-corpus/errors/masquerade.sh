# expect: masquerade.sh:2: target "MARK" is not supported
iptables -A OUTPUT -j MARK --set-mark 1
