#!/bin/sh
# Every command in another table: -N -A -I -R -D -E -F -X -P.
iptables -t nat -N web
iptables -t nat -A web -p tcp --dport 80 -j DNAT --to-destination 192.0.2.1
iptables -t nat -A web -p tcp --dport 81 -j DNAT --to-destination 192.0.2.2
iptables -t nat -I web 2 -p tcp --dport 82 -j DNAT --to-destination 192.0.2.3
iptables -t nat -R web 1 -p tcp --dport 8080 -j DNAT --to-destination 192.0.2.1
iptables -t nat -D web -p tcp --dport 81 -j DNAT --to-destination 192.0.2.2
iptables -t nat -A PREROUTING -j web
iptables -t nat -E web www
iptables -t nat -N old
iptables -t nat -A old -j RETURN
iptables -t nat -F old
iptables -t nat -X old
iptables -t mangle -P PREROUTING DROP
iptables -t mangle -P PREROUTING ACCEPT
iptables -t raw -P OUTPUT DROP
iptables -t mangle -A INPUT -j MARK --set-xmark 0x10/0xff
iptables -t mangle -D INPUT 1
