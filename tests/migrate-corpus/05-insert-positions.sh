#!/bin/bash
# -I with and without a position.
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -A INPUT -p tcp --dport 80 -j ACCEPT
iptables -I INPUT -p tcp --dport 443 -j ACCEPT
iptables -I INPUT 2 -p tcp --dport 8080 -j ACCEPT
iptables -I INPUT 5 -p tcp --dport 8443 -j DROP
iptables --insert INPUT 1 -i lo -j ACCEPT
iptables -A INPUT -j DROP
