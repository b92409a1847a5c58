# expect: pipeline.sh:2: an iptables command in a pipeline is not supported
iptables -A INPUT -j ACCEPT | tee /tmp/log
