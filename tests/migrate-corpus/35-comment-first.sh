#!/bin/sh
# Comments first, as many generators write them.
iptables -A INPUT -m comment --comment "ssh from the office" -p tcp -s 198.51.100.0/24 --dport 22 -j ACCEPT
iptables -A INPUT -m comment --comment 'web' -p tcp -m multiport --dports 80,443 -j ACCEPT
iptables -A INPUT -m comment --comment "drop the rest" -m comment --comment "second comment" -j DROP
