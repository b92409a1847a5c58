#!/bin/sh
# Fragments, protocol numbers, time and string matches, LOG options.
iptables -A INPUT -f -j DROP
iptables -A INPUT -p 47 -j ACCEPT
iptables -A INPUT -p esp -j ACCEPT
iptables -A INPUT -p tcp --dport 80 -m string --string "GET /admin" --algo bm -j DROP
iptables -A INPUT -m time --timestart 09:00 --timestop 17:00 --weekdays Mon,Tue,Wed,Thu,Fri -j ACCEPT
iptables -A INPUT -j LOG --log-prefix "dropped: " --log-level 4 --log-tcp-options --log-uid
iptables -A INPUT -m length --length 1400:65535 -j DROP
iptables -A INPUT -p tcp -m tcp --dport 25 -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0x50" -j ACCEPT
