#!/bin/bash
# Scripts that start by cleaning up, and delete rules again.
iptables -F
iptables -X
iptables -N tmp
iptables -A tmp -j ACCEPT
iptables -A INPUT -j tmp
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -A INPUT -p tcp --dport 23 -j ACCEPT
iptables -D INPUT -p tcp --dport 23 -j ACCEPT
iptables -D INPUT 1
iptables -F tmp
iptables -X tmp
iptables -N keep
iptables -A keep -j RETURN
iptables -A INPUT -p udp --dport 514 -j DROP
iptables -F INPUT
iptables -A INPUT -j keep
