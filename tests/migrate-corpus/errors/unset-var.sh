# expect: unset-var.sh:2: "ADMIN_NET" is a variable that this file does not set
iptables -A INPUT -s $ADMIN_NET -j ACCEPT
