# expect: for-loop.sh:2: shell logic (for, lines 2-4) around iptables commands is not supported
for port in 22 80 443; do
  iptables -A INPUT -p tcp --dport $port -j ACCEPT
done
