# expect: owner-input.sh:2: uid_owner/gid_owner only work in OUTPUT
iptables -A INPUT -m owner --uid-owner 0 -j ACCEPT
