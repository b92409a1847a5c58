#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for scripts/bench.sh.

  bench-gen.py policy N MIX          a policy of N rules on stdout; MIX is ipv4 or mixed
  bench-gen.py per-rule              reads `show` output on stdin, prints a shell script that
                                     runs one iptables-legacy / ip6tables-legacy process per rule
  bench-gen.py run [--stdin FILE] -- CMD...
                                     runs CMD, prints "WALL_MS MAXRSS_KIB EXIT_STATUS"

The policy is an allow-list as the users who asked for this have them: mostly single
destination addresses with a port, plus the odd port list, source rule, comment and user chain,
so that the common matches (tcp, udp, multiport, conntrack, comment) are all exercised. Every
rule names one address, so N rules are N kernel entries in all: MIX ipv4 puts all of them in
the IPv4 table, mixed puts every other one in the IPv6 table. Output is deterministic.

`run` times one process the way /usr/bin/time -v does (the peak resident set size is wait4's
ru_maxrss, the number time prints as "Maximum resident set size"), but with a monotonic
clock read in microseconds around fork and wait, instead of time's 10 ms wall resolution.
"""
import json
import os
import shlex
import sys
import time


def address(i, v6):
    # Documentation prefixes only: 198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24 repeat, so
    # the counter goes into the high part of a /16 taken from 2001:db8:: for IPv6 and into
    # 10.0.0.0/8 for IPv4 (a rule may name any address; nothing is ever sent there).
    if v6:
        return "2001:db8:%x:%x::%x" % (i >> 16, i & 0xFFFF, i % 251 + 1)
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def policy(n, mix):
    rules = [
        {"chain": "INPUT", "in_interface": "lo", "target": "ACCEPT"},
        {"chain": "INPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT"},
        {"chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT"},
        {"chain": "OUTPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT"},
        {"chain": "OUTPUT", "target": "allow"},
    ]
    # The fixed rules above are not addressed, so they exist in both families: keep them
    # within N by counting them, two entries each (IPv4 and IPv6) only for the mixed case.
    fixed = len(rules) * (2 if mix == "mixed" else 1)
    if mix == "ipv4":
        # Without addresses the fixed rules would be in both families; pin them to IPv4.
        for r in rules:
            r["family"] = "ipv4"
    chains = ["allow"] if mix == "mixed" else [{"name": "allow", "family": "ipv4"}]
    for i in range(max(n - fixed, 0)):
        v6 = mix == "mixed" and i % 2 == 1
        a = address(i, v6)
        kind = i % 10
        if kind < 6:
            r = {"chain": "allow", "protocol": "tcp", "destination": a, "dport": 443,
                 "target": "ACCEPT"}
        elif kind == 6:
            r = {"chain": "allow", "protocol": "udp", "destination": a, "dport": 53,
                 "target": "ACCEPT"}
        elif kind == 7:
            r = {"chain": "allow", "protocol": "tcp", "destination": a, "dport": [80, 443, 8080],
                 "target": "ACCEPT"}
        elif kind == 8:
            r = {"chain": "INPUT", "protocol": "tcp", "source": a, "dport": 22,
                 "ctstate": ["NEW"], "target": "ACCEPT"}
        else:
            r = {"chain": "allow", "destination": a, "comment": "host %d" % i,
                 "target": "ACCEPT"}
        rules.append(r)
    doc = {
        "version": 1,
        "description": "bench-gen.py: %d rules, %s" % (n, mix),
        "policy": {"INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP"},
        "chains": chains,
        "rules": rules,
    }
    # One rule a line keeps 100,000 rules well under the 16 MiB limit and readable.
    out = sys.stdout
    head = json.dumps({k: v for k, v in doc.items() if k != "rules"})
    out.write(head[:-1] + ', "rules": [\n')
    out.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in rules))
    out.write("\n]}\n")


def per_rule():
    # `show` prints "# IPv4 (iptables-legacy-restore)" then the IPv4 table, then IPv6. A
    # script turns each -N/-P/-A line into one command, as the scripts users migrate from do.
    # -w waits for the xtables lock instead of failing when another iptables runs meanwhile.
    cmd = None
    print("set -e")
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.startswith("# IPv4"):
            cmd = "iptables-legacy -w"
        elif line.startswith("# IPv6"):
            cmd = "ip6tables-legacy -w"
        elif line.startswith(":"):
            name, pol = line[1:].split()[:2]
            if pol == "-":
                print("%s -N %s" % (cmd, name))
            elif pol != "ACCEPT":
                print("%s -P %s %s" % (cmd, name, pol))
        elif line.startswith("-A "):
            # iptables-save quotes like a shell does for what render prints ("..." strings
            # without $ or `); shlex checks that it splits as intended.
            shlex.split(line)
            print("%s %s" % (cmd, line))


def run(argv):
    stdin = None
    if argv[:1] == ["--stdin"]:
        stdin = argv[1]
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    fd = os.open(stdin, os.O_RDONLY) if stdin else None
    t0 = time.monotonic_ns()
    pid = os.fork()
    if pid == 0:
        try:
            if fd is not None:
                os.dup2(fd, 0)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.monotonic_ns()
    code = os.waitstatus_to_exitcode(status)
    print("%.3f %d %d" % ((t1 - t0) / 1e6, ru.ru_maxrss, code))
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "policy" and len(sys.argv) == 4:
        n, mix = int(sys.argv[2]), sys.argv[3]
        if mix not in ("ipv4", "mixed"):
            sys.exit("bench-gen.py: MIX is ipv4 or mixed")
        policy(n, mix)
    elif sys.argv[1:2] == ["per-rule"]:
        per_rule()
    elif sys.argv[1:2] == ["run"]:
        return run(sys.argv[2:])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
