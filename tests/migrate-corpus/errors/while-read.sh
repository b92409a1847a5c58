# expect: while-read.sh:2: shell logic (while
while read ip; do iptables -A INPUT -s "$ip" -j DROP; done < /etc/blocklist
