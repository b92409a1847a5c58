#!/bin/bash
# The original project's set_iptable_rules_denyall.sh, without its home-directory log.
iptables -P INPUT DROP
iptables -P OUTPUT DROP
iptables -P FORWARD DROP
