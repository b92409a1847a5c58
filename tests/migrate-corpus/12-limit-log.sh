#!/bin/bash
# Rate-limited logging, then drop.
iptables -A INPUT -p icmp -m limit --limit 1/s --limit-burst 3 -j ACCEPT
iptables -A INPUT -m limit --limit 10/minute -j LOG --log-prefix "IN-DROP " --log-level 4
iptables -A INPUT -m limit -j LOG
iptables -A INPUT -m limit --limit 2/hour -j LOG --log-level debug
iptables -A INPUT -m limit --limit-burst 20 -j LOG --log-prefix 'burst: '
iptables -A INPUT -m limit --limit 100/day -j LOG --log-level alert
iptables -A INPUT -j DROP
