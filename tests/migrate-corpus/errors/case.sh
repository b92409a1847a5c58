# expect: case.sh:2: shell logic (case
case "$1" in
  start) iptables -P INPUT DROP ;;
  stop) iptables -P INPUT ACCEPT ;;
esac
