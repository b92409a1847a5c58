#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The commit path under faults a unit test cannot stage (tests/cksuite-faults.c has the rest:
# a scripted EAGAIN, a kernel without IPv6):
#  1. another iptables user changes the same table in a loop while we apply again and again:
#     every apply ends with exactly its policy (the other user's own rule aside) or with one
#     clear error (EAGAIN after 5 tries, or: read back, the tables are not the policy), and never
#     with a stale or mixed table;
#  2. apply is killed with SIGKILL at random points: each family's table is whole (the old
#     policy or the new one, never a part), and a fresh apply afterwards gives the right table;
#  3. two applies of different policies to one namespace at once (as two hooks of a pod): the
#     namespace ends with one policy whole, in both families, never IPv4 of one and IPv6 of the
#     other.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need_root
command -v iptables-legacy >/dev/null || skip_all "iptables-legacy is missing"
W=$T_TMP

# addrs PREFIX N: a JSON list of N addresses
addrs() { local i out=; for i in $(seq 1 "$2"); do out+=",\"$1$i\""; done; echo "[${out#,}]"; }
cat >"$W/small.json" <<'EOF'
{ "version": 1, "policy": { "OUTPUT": "DROP" },
  "rules": [ { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" } ] }
EOF
cat >"$W/medium.json" <<EOF
{ "version": 1, "policy": { "INPUT": "DROP" }, "chains": ["m"],
  "rules": [ { "chain": "INPUT", "target": "m" },
             { "chain": "m", "protocol": "tcp", "source": $(addrs 192.0.2. 8), "target": "ACCEPT" },
             { "chain": "m", "protocol": "udp", "source": $(addrs 2001:db8::1: 8), "target": "ACCEPT" } ] }
EOF
s4=$(for a in 0 1; do for b in $(seq 0 99); do printf ',"198.51.%d.%d"' $((100 + a)) "$b"; done; done)
d4=$(for a in 0 1; do for b in $(seq 0 99); do printf ',"203.0.%d.%d"' $((113 + a)) "$b"; done; done)
cat >"$W/big.json" <<EOF
{ "version": 1, "policy": { "INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP" }, "chains": ["big"],
  "rules": [ { "chain": "INPUT", "target": "big" },
             { "chain": "big", "protocol": "tcp", "source": [${s4#,}], "destination": [${d4#,}],
               "dport": 443, "target": "ACCEPT" },
             { "chain": "big", "protocol": "tcp", "source": $(addrs 2001:db8:1:: 200),
               "destination": $(addrs 2001:db8:2:: 200), "dport": 443, "target": "ACCEPT" } ] }
EOF
# big4: big.json's IPv4 rules and one IPv6 rule; big6 the other way round, and larger. Applied
# at once without a lock, big4's long IPv4 commit ends after big6's quick one, and big6's longer
# IPv6 commit after big4's: IPv4 of one policy, IPv6 of the other.
cat >"$W/big4.json" <<EOF
{ "version": 1, "policy": { "INPUT": "DROP" }, "chains": ["big"],
  "rules": [ { "chain": "INPUT", "target": "big" },
             { "chain": "big", "protocol": "tcp", "source": [${s4#,}], "destination": [${d4#,}],
               "dport": 443, "target": "ACCEPT" },
             { "chain": "big", "protocol": "tcp", "source": "2001:db8:1::1", "target": "ACCEPT" } ] }
EOF
cat >"$W/big6.json" <<EOF
{ "version": 1, "policy": { "OUTPUT": "DROP" }, "chains": ["big"],
  "rules": [ { "chain": "OUTPUT", "target": "big" },
             { "chain": "big", "protocol": "tcp", "source": $(addrs 2001:db8:1:: 250),
               "destination": $(addrs 2001:db8:2:: 250), "dport": 443, "target": "ACCEPT" },
             { "chain": "big", "protocol": "tcp", "source": "192.0.2.1", "target": "ACCEPT" } ] }
EOF
for p in small medium big big4 big6; do
        "$OIH_BIN" show -4 "$W/$p.json" | grep -v '^#' >"$W/$p.4"
        "$OIH_BIN" show -6 "$W/$p.json" | grep -v '^#' >"$W/$p.6"
done

# --- 1. a concurrent iptables user ----------------------------------------------------------------
ns=$(new_netns race)
T_NETNS+=("$ns")
"$OIH_BIN" apply --netns "/run/netns/$ns" "$W/small.json" >/dev/null 2>&1
# The other user adds and removes a rule of its own, as fast as it can, for at most 60 s.
# Its own failures (EAGAIN when we win, a missing rule to delete) are its business.
timeout 60 ip netns exec "$ns" bash -c '
        while [ ! -e "$1" ]; do
                iptables-legacy -w -A INPUT -m comment --comment racer -j ACCEPT 2>/dev/null
                iptables-legacy -w -D INPUT -m comment --comment racer -j ACCEPT 2>/dev/null
        done' racer "$W/stop" &
racer=$!
without_racer() { grep -v -- '--comment racer' || true; }
# strace counts the commits the kernel answered EAGAIN (it does not change what happens).
trace=(strace -f -qq -e trace=setsockopt -e signal=none)
command -v strace >/dev/null || trace=(env)
prev=small
bad=0
applied=0
refusals=0
eagain=0
# At least 40 applies, and on until the race has happened (a commit answered EAGAIN), at most
# 200 or while the racer runs.
for i in $(seq 1 200); do
        [ "$i" -gt 40 ] && { [ "$eagain" -gt 0 ] || [ "${trace[0]}" != strace ] || ! kill -0 "$racer" 2>/dev/null; } && break
        p=small
        [ $((i % 2)) = 1 ] && p=medium
        rc=0
        out=$("${trace[@]}" -o "$W/strace.$i" "$OIH_BIN" apply --netns "/run/netns/$ns" "$W/$p.json" 2>&1) || rc=$?
        t4=$(save4 "$ns" | without_racer)
        t6=$(save6 "$ns")
        if [ "$rc" = 0 ]; then
                applied=$((applied + 1))
                want=$p
        else
                refusals=$((refusals + 1))
                want=$prev
                # read back after the commit, the racer's rule was there: ours went in, the
                # caller is told that the tables are not exactly the policy
                grep -q 'the tables read back after the commit are not the policy' <<<"$out" && want=$p
                if [ "$(grep -c . <<<"$out")" != 1 ] ||
                        ! grep -qE 'cannot commit the IPv4 filter table: Resource temporarily unavailable|the tables read back after the commit are not the policy: another program changed them' <<<"$out"; then
                        bad=$((bad + 1))
                        diag "apply $i ($p) failed unclearly: $out"
                fi
        fi
        # The racer may have changed IPv4 again after us; only its own rule can be there.
        if [ "$t4" != "$(cat "$W/$want.4")" ] || [ "$t6" != "$(cat "$W/$want.6")" ]; then
                bad=$((bad + 1))
                diag "after apply $i of $p (exit $rc) the tables are not $want:"
                diag "$(diff "$W/$want.4" <(echo "$t4") | head -10)"
        fi
        prev=$want
        eagain=$((eagain + $(grep -c 'EAGAIN' "$W/strace.$i" 2>/dev/null || true)))
done
touch "$W/stop"
wait "$racer" 2>/dev/null || true
n=$((applied + refusals))
# EINVAL: libiptc's second step (the counters) failed because the racer replaced the table
# right after our replace went in; apply must replace again, not report a failure.
einval=$(cat "$W"/strace.* 2>/dev/null | grep -c 'EINVAL' || true)
diag "$n applies against a concurrent iptables-legacy: $applied applied, $refusals refused after 5 tries, $eagain commits answered EAGAIN, $einval EINVAL"
check "a concurrent iptables user: every apply ends with exactly its policy or a clear error" test "$bad" = 0
# Without a lost race the check above proves nothing about it (tests/cksuite-faults.c forces
# one deterministically; this is the real kernel and a real other user).
if [ "${trace[0]}" = strace ]; then
        check "the race happened: the kernel answered EAGAIN to at least one commit" test "$eagain" -gt 0
else
        skip "the race happened: the kernel answered EAGAIN to at least one commit" "strace is not installed"
fi

# --- 2. SIGKILL at random points ------------------------------------------------------------------
ns=$(new_netns kill)
T_NETNS+=("$ns")
"$OIH_BIN" apply --netns "/run/netns/$ns" "$W/big.json" >/dev/null 2>&1
t0=$(date +%s%N)
"$OIH_BIN" apply --netns "/run/netns/$ns" "$W/big.json" >/dev/null 2>&1
span=$((($(date +%s%N) - t0) / 1000))       # microseconds one apply of big takes
diag "one apply of big.json (40,000 entries a family) takes $((span / 1000)) ms"
declare -A seen=()
bad=0
for i in $(seq 1 30); do
        "$OIH_BIN" apply --netns "/run/netns/$ns" "$W/small.json" >/dev/null 2>&1
        delay=$((RANDOM * 32768 + RANDOM))
        delay=$((delay % (span + 1)))
        # Its own process group: SIGKILL reaches the parent and the child in the namespace.
        setsid "$OIH_BIN" apply --netns "/run/netns/$ns" "$W/big.json" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '0.%06d' "$delay")"
        if [ $((i % 3)) = 0 ]; then
                kill -KILL "$pid" 2>/dev/null || true      # the parent only: the child is orphaned
        else
                kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        # An orphaned child finishes (or not) on its own; give it a bounded moment.
        for _ in $(seq 50); do pgrep -g "$pid" >/dev/null || break; sleep 0.1; done
        s4=$(save4 "$ns" | md5sum)
        s6=$(save6 "$ns" | md5sum)
        st4=mixed st6=mixed
        [ "$s4" = "$(md5sum <"$W/small.4")" ] && st4=old
        [ "$s4" = "$(md5sum <"$W/big.4")" ] && st4=new
        [ "$s6" = "$(md5sum <"$W/small.6")" ] && st6=old
        [ "$s6" = "$(md5sum <"$W/big.6")" ] && st6=new
        seen["ipv4 $st4, ipv6 $st6"]=$((${seen["ipv4 $st4, ipv6 $st6"]:-0} + 1))
        if [ "$st4" = mixed ] || [ "$st6" = mixed ]; then
                bad=$((bad + 1))
                diag "kill $i after ${delay} us: a family holds neither the old nor the new policy"
        fi
        "$OIH_BIN" apply --netns "/run/netns/$ns" "$W/big.json" >/dev/null 2>&1 || bad=$((bad + 1))
        if [ "$(save4 "$ns")" != "$(cat "$W/big.4")" ] || [ "$(save6 "$ns")" != "$(cat "$W/big.6")" ]; then
                bad=$((bad + 1))
                diag "kill $i: a fresh apply afterwards does not give big.json's tables"
        fi
done
for k in "${!seen[@]}"; do diag "after SIGKILL: $k: ${seen[$k]} times"; done
check "SIGKILL at random points: each family is whole, a fresh apply gives the right table" test "$bad" = 0

# --- 3. two writers to one namespace ----------------------------------------------------------------
ns=$(new_netns shared)
T_NETNS+=("$ns")
ip netns exec "$ns" sleep 300 &
holder=$!
for _ in $(seq 50); do [ "$(ip netns identify "$holder")" = "$ns" ] && break; sleep 0.1; done
bad=0
declare -A won=()
for i in $(seq 1 10); do
        # one by the namespace's path, one by a pid in it: the lock is the namespace's own
        timeout 60 "$OIH_BIN" apply --netns "/run/netns/$ns" "$W/big4.json" >"$W/a.out" 2>&1 &
        a=$!
        timeout 60 "$OIH_BIN" apply --pid "$holder" "$W/big6.json" >"$W/b.out" 2>&1 &
        b=$!
        rca=0 rcb=0
        wait "$a" || rca=$?
        wait "$b" || rcb=$?
        s4=$(save4 "$ns" | md5sum)
        s6=$(save6 "$ns" | md5sum)
        got=mixed
        [ "$s4" = "$(md5sum <"$W/big4.4")" ] && [ "$s6" = "$(md5sum <"$W/big4.6")" ] && got=big4
        [ "$s4" = "$(md5sum <"$W/big6.4")" ] && [ "$s6" = "$(md5sum <"$W/big6.6")" ] && got=big6
        won[$got]=$((${won[$got]:-0} + 1))
        if [ "$got" = mixed ] || [ "$rca" != 0 ] || [ "$rcb" != 0 ]; then
                bad=$((bad + 1))
                diag "round $i: the namespace holds $got (exit $rca and $rcb)"
                diag "$(cat "$W/a.out" "$W/b.out")"
        fi
done
kill "$holder" 2>/dev/null || true
for k in "${!won[@]}"; do diag "two applies at once: $k ${won[$k]} times"; done
check "two applies at once to one namespace: both succeed, one policy whole in both families" test "$bad" = 0
done_testing
