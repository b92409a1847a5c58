# expect: match-order.sh:2: -m comment comes before -m conntrack
iptables -A INPUT -m comment --comment x -m conntrack --ctstate NEW -j ACCEPT
