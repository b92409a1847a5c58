# expect: no-chain.sh:2: Couldn't load target "web": no chain of that name
iptables -A INPUT -j web
