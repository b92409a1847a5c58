#!/bin/bash
# Every option spelled long.
iptables --policy FORWARD DROP
iptables --append INPUT --in-interface eth0 --protocol tcp --source 192.0.2.10 --destination-port 22 --jump ACCEPT
iptables --append OUTPUT --out-interface eth0 --protocol udp --destination 198.51.100.1 --source-port 1024:65535 --destination-port 53 --jump ACCEPT
iptables --append FORWARD --in-interface eth1 --out-interface eth0 --src 203.0.113.0/24 --dst 198.51.100.0/24 --jump ACCEPT
iptables --append INPUT --match tcp --protocol tcp --dport 25 --jump REJECT --reject-with tcp-reset
iptables --new-chain extra
iptables --append extra --jump RETURN
iptables --insert INPUT 1 --jump extra
