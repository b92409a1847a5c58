#!/bin/sh
# IPv6 extension headers: routing header type 0, fragments, router advertisements with hop limit 255.
ip6tables -A INPUT -m rt --rt-type 0 -j DROP
ip6tables -A INPUT -m ipv6header --header frag --soft -j DROP
ip6tables -A INPUT -m frag --fragmore -j DROP
ip6tables -A INPUT -p ipv6-icmp --icmpv6-type router-advertisement -m hl --hl-eq 255 -j ACCEPT
ip6tables -A INPUT -p icmpv6 --icmpv6-type echo-request -m limit --limit 5/second -j ACCEPT
