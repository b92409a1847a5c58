# expect: function.sh:2: shell logic (function
allow() {
  iptables -A INPUT -p tcp --dport "$1" -j ACCEPT
}
allow 22
