#!/bin/bash
# Comments with spaces and quotes of every kind.
iptables -A INPUT -p tcp --dport 22 -m comment --comment "ssh from anywhere" -j ACCEPT
iptables -A INPUT -p tcp --dport 80 -m comment --comment 'web: plain "http"' -j ACCEPT
iptables -A INPUT -m comment --comment it\'s\ fine -j ACCEPT   # a trailing comment
iptables -A INPUT -m comment --comment "cost: \$5 \"quoted\"" -j ACCEPT
