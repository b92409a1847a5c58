#!/bin/bash
# NFLOG to a userspace logger.
iptables -A INPUT -p tcp --dport 22 -j NFLOG --nflog-group 5 --nflog-prefix "ssh"
iptables -A INPUT -j NFLOG
ip6tables -A INPUT -j NFLOG --nflog-group 65535
