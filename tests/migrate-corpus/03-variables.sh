#!/bin/sh
# Variables for the binary and the addresses, quoted and not.
IPT=/sbin/iptables
LAN="192.0.2.0/24"
DNS=198.51.100.53
SSH_PORT=22
$IPT -F
$IPT -P INPUT DROP
$IPT -A INPUT -i lo -j ACCEPT
$IPT -A INPUT -s "$LAN" -p tcp --dport $SSH_PORT -j ACCEPT
$IPT -A OUTPUT -d ${DNS} -p udp --dport 53 -j ACCEPT
"${IPT}" -A OUTPUT -d "${DNS}" -p tcp --dport 53 -j ACCEPT
