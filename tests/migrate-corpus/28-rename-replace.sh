#!/bin/bash
# -E renames a chain, -R replaces a rule.
iptables -N old-name
iptables -A old-name -j ACCEPT
iptables -E old-name new-name
iptables -A INPUT -j new-name
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -R INPUT 2 -p tcp --dport 2222 -j ACCEPT
