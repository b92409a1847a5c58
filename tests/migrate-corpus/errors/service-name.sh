# expect: service-name.sh:2: invalid port/service `http2' specified
iptables -A INPUT -p tcp --dport http2 -j ACCEPT
