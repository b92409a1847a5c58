# expect: unknown-match.sh:2: match "recent" is not supported
iptables -A INPUT -p tcp --dport 22 -m recent --set --name ssh
