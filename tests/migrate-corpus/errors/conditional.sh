# expect: conditional.sh:2: cannot tell whether this iptables command runs
[ -e /etc/fw-open ] && iptables -P INPUT ACCEPT
