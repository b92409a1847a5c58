#!/bin/bash
# The binary found at run time.
IPT=$(which iptables)
IP6T=`command -v ip6tables`
export FW_LOG="/var/log/fw.log"
$IPT -P INPUT DROP
$IPT -A INPUT -p tcp --dport 22 -j ACCEPT
$IP6T -P INPUT DROP
$IP6T -A INPUT -p tcp --dport 22 -j ACCEPT
echo "$(date): done" >> "$FW_LOG"
