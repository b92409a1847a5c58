# expect: subst.sh:2: "$(hostname -I | cut -d' ' -f1)" is a command substitution
iptables -A INPUT -d "$(hostname -I | cut -d' ' -f1)" -j ACCEPT
