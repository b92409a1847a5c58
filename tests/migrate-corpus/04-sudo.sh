#!/bin/bash
# Written to be run by a user with sudo rights.
sudo iptables -P FORWARD DROP
sudo iptables -A INPUT -p tcp --dport 443 -j ACCEPT
sudo -n /usr/sbin/iptables -A INPUT -p tcp --dport 80 -j ACCEPT
sudo ip6tables -A INPUT -p tcp --dport 443 -j ACCEPT
