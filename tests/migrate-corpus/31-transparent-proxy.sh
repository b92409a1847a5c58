#!/bin/sh
# A gateway sends the LAN's web traffic to the local proxy (squid on 3128), except its own.
LAN=192.0.2.0/24
PROXY_UID=13
iptables -t nat -N PROXY
iptables -t nat -A PROXY -d 192.0.2.0/24 -j RETURN
iptables -t nat -A PROXY -p tcp --dport 80 -j REDIRECT --to-ports 3128
iptables -t nat -A PREROUTING -i eth1 -s $LAN -j PROXY
iptables -t nat -A OUTPUT -p tcp --dport 80 -m owner ! --uid-owner $PROXY_UID -j REDIRECT --to-ports 3128
iptables -A INPUT -i eth1 -p tcp --dport 3128 -j ACCEPT
