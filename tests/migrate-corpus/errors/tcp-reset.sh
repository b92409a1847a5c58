# expect: tcp-reset.sh:2: --reject-with tcp-reset needs -p tcp
iptables -A INPUT -j REJECT --reject-with tcp-reset
