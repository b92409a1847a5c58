#!/bin/bash
# multiport: lists and ranges, both directions, and the --dport abbreviation iptables accepts.
iptables -A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT
iptables -A INPUT -p udp -m multiport --sports 53,123 -j ACCEPT
iptables -A INPUT -p tcp -m multiport --destination-ports 8000:8100,9000 -j ACCEPT
iptables -A INPUT -p tcp -m multiport --dport 25,587 -j ACCEPT
iptables -A INPUT -p tcp -m multiport ! --dports 1:1023,6000 -j DROP
iptables -A INPUT -p tcp -m multiport --sports 1024:2047,4096:65535 -m multiport --dports 80,443 -j ACCEPT
