#!/bin/sh
# Port forwarding, and the filter rule that allows only what was forwarded.
iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8443 -j DNAT --to-destination 192.0.2.10:443
iptables -P FORWARD DROP
iptables -A FORWARD -p tcp -d 192.0.2.10 -m conntrack --ctstate DNAT --ctorigdstport 8443 -j ACCEPT
iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
