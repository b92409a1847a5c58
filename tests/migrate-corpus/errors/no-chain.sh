# expect: no-chain.sh:2: Couldn't load target `web':No such file or directory
iptables -A INPUT -j web
