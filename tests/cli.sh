#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line as a user meets it: exit codes, the one-line errors, refusals.
. "$(dirname "$0")/lib.sh"
need_root

bin=$OIH_BIN
good=$OIH_SRCDIR/rules/web-egress.json
run() { if "$@" > "$T_TMP/out" 2> "$T_TMP/err"; then echo 0 > "$T_TMP/rc"; else echo $? > "$T_TMP/rc"; fi; }
rc() { cat "$T_TMP/rc"; }
err_is() { grep -qxF -- "$1" "$T_TMP/err" || { echo "# stderr was:"; sed 's/^/#   /' "$T_TMP/err"; false; }; }

run "$bin" --version
check "--version prints the version" grep -qE '^oci-iptables-hook [0-9]+\.[0-9]+\.[0-9]+$' "$T_TMP/out"
run "$bin" --help
check "--help lists every command" grep -q 'check POLICY' "$T_TMP/out"
check "--help documents the exit status" grep -q 'Exit status: 0 success; 1 ' "$T_TMP/out"
run "$bin" frobnicate
check "an unknown command exits 2" [ "$(rc)" = 2 ]
check "and says which" err_is "oci-iptables-hook: unknown command 'frobnicate'"

run "$bin" hook --selectable ../rules/x --default-policy deny-all </dev/null
check "hook --selectable with a bad name exits 2" [ "$(rc)" = 2 ]
check "and says why" err_is 'oci-iptables-hook: hook: --selectable: invalid policy name "../rules/x": only A-Z a-z 0-9 _ . - are allowed'
run "$bin" hook $(for i in $(seq 65); do printf -- '--selectable p%d ' "$i"; done) </dev/null
check "hook takes at most 64 --selectable" err_is "oci-iptables-hook: hook: at most 64 --selectable"
run "$bin" hook --help
check "hook --help documents --selectable" grep -q -- '--selectable NAME' "$T_TMP/out"

run "$bin" check $(shipped_policies)
check "check passes every shipped policy" [ "$(rc)" = 0 ]
printf '{"version": 1, "rules": [\n  {"chain": "INPUT", "protocol": "tcp", "dport": 70000},\n  {"chain": "INPUT", "source": "192.0.2.0/33"}\n]}\n' > "$T_TMP/bad.json"
run "$bin" check "$T_TMP/bad.json" "$good"
check "check of a bad policy exits 1" [ "$(rc)" = 1 ]
check "check names the file, the JSON path and what was expected" err_is "oci-iptables-hook: check: $T_TMP/bad.json: rules[0].dport: port 70000 out of range 0-65535"
check "check prints every error it finds" err_is "oci-iptables-hook: check: $T_TMP/bad.json: rules[1].source: mask \"/33\" out of range 0-32"
check "check says ok for the good policy, on stdout" [ "$(cat "$T_TMP/out")" = "$good: ok (14 rules)" ]
printf '{"version": 1,\n "rules": [}\n' > "$T_TMP/syntax.json"
run "$bin" check "$T_TMP/syntax.json"
check "a JSON syntax error names the line and column" err_is "oci-iptables-hook: check: $T_TMP/syntax.json:2:12: invalid JSON: unexpected character"
run "$bin" check /nonexistent.json
check "a missing file is an error" err_is "oci-iptables-hook: check: /nonexistent.json: cannot open: No such file or directory"
ln -s "$good" "$T_TMP/link.json"
run "$bin" check "$T_TMP/link.json"
check "a symbolic link is refused" err_is "oci-iptables-hook: check: $T_TMP/link.json: is a symbolic link; give the file itself"
run "$bin" check "$T_TMP"
check "a directory is refused" [ "$(rc)" = 1 ]

run setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" show "$good"
check "show needs no privileges" [ "$(rc)" = 0 ]
check "show heads each family with a comment line" \
        [ "$(grep -c '^# IPv[46] (ip6\?tables-legacy-restore)$' "$T_TMP/out")" = 2 ]
run "$bin" show -6 "$good"
check "show -6 prints one table" [ "$(grep -c '^\*filter$' "$T_TMP/out")" = 1 ]

# --- every command answers --help and -h with its own usage, on stdout, exit 0 -----------------
for c in check show apply inspect verify reload doctor hook migrate; do
        for h in --help -h; do
                run "$bin" "$c" "$h"
                check "$c $h prints its own usage on stdout and exits 0" \
                        [ "$(rc)" = 0 ] && [ ! -s "$T_TMP/err" ] && \
                        [ "$(head -1 "$T_TMP/out" | cut -d' ' -f1-3)" = "Usage: oci-iptables-hook $c" ]
        done
done
run "$bin" check --help
check_fails "check --help does not take --help for a file" grep -q "cannot open" "$T_TMP/err" "$T_TMP/out"
run "$bin" apply --bogus
check "an unknown option exits 2" [ "$(rc)" = 2 ]
check "and says which, and where help is" [ "$(cat "$T_TMP/err")" = "oci-iptables-hook: apply: unknown option or missing argument '--bogus'
Try 'oci-iptables-hook apply --help'." ]
run "$bin" verify --netns /run/netns/nonexistent
check "verify without a policy and without --container is a usage error" [ "$(rc)" = 2 ]
check "and says so" grep -q "^oci-iptables-hook: verify: give the policy" "$T_TMP/err"
run "$bin" doctor --bogus
check "doctor: an unknown option exits 2" [ "$(rc)" = 2 ]

# --- check: every independent error once, in one run ---------------------------------------
printf '{"policy": {"OUTPUT": "REJECT"}, "colour": 1,\n "rules": [\n  {"chain": "INPUT", "protocol": "tcp", "dport": 70000},\n  {"chain": "NOPE", "target": "ACCEPT"}\n]}\n' >"$T_TMP/many.json"
run "$bin" check "$T_TMP/many.json"
m=$T_TMP/many.json
want="oci-iptables-hook: check: $m: (top level): unknown key \"colour\" (expected version, description, policy, chains, rules, allow_capabilities, name_grace)
oci-iptables-hook: check: $m: version: missing: this file must say \"version\": 1 (or 2)
oci-iptables-hook: check: $m: policy.OUTPUT: policy \"REJECT\" is not ACCEPT or DROP
oci-iptables-hook: check: $m: rules[0].dport: port 70000 out of range 0-65535
oci-iptables-hook: check: $m: rules[1]: chain \"NOPE\" is not declared in \"chains\""
if [ "$(cat "$T_TMP/err")" = "$want" ]; then
        ok "check prints five independent errors, each once, in one run"
else
        not_ok "check prints five independent errors, each once, in one run"; diff <(echo "$want") "$T_TMP/err" | sed 's/^/# /'
fi
check "and exits 1, printing no ok line" [ "$(rc)" = 1 ] && [ ! -s "$T_TMP/out" ]
printf '{"version": 1, "policy": {"OUTPUT": "REJECT"}}\n' >"$T_TMP/reject.json"
run "$bin" check "$T_TMP/reject.json"
check "a chain policy REJECT is one error, printed once" [ "$(cat "$T_TMP/err")" = \
        "oci-iptables-hook: check: $T_TMP/reject.json: policy.OUTPUT: policy \"REJECT\" is not ACCEPT or DROP" ]

# --- policies by name, as the hook finds them ----------------------------------------------
# The hook takes a rules directory only when every directory from / down is root's and not
# writable by group or others (and has no ".." on the way): a copy under /run is.
rd=$T_TMP/rules
mkdir -p "$rd" && cp "$OIH_SRCDIR/rules/"*.json "$rd/" && chmod -R go-w "$rd"
run "$bin" check --rules-dir "$rd" web-egress
check "check NAME looks the policy up in --rules-dir" [ "$(cat "$T_TMP/out")" = "$rd/web-egress.json: ok (14 rules)" ]
run "$bin" show --rules-dir "$rd" web-egress
check "show NAME prints what show PATH prints" [ "$(cat "$T_TMP/out")" = "$("$bin" show "$good")" ]
run "$bin" check --rules-dir "$rd" nope
check "an unknown name says where it looked" [ "$(cat "$T_TMP/err")" = \
        "oci-iptables-hook: check: policy \"nope\" not found: no nope.json in $rd" ]
mkdir -p "$T_TMP/bundle"
echo '{"linux":{"namespaces":[{"type":"network"}]}}' >"$T_TMP/bundle/config.json"
hns=$(new_netns hint)
out=$(printf '{"ociVersion":"1.0.2","id":"hint","status":"creating","pid":1,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"web-egress.json"}}' "$T_TMP/bundle" |
        ip netns exec "$hns" "$bin" hook --rules-dir "$rd" 2>&1) && rc=0 || rc=$?
check "an annotation naming a file gets a hint" [ "$rc" = 1 ] && [ "$out" = \
        "oci-iptables-hook: hint: no policy named \"web-egress.json\" (no web-egress.json.json in $rd); did you mean \"web-egress\"?" ]

ns=$(new_netns cli)
run "$bin" apply "$good"
check "apply without a target is a usage error (exit 2)" [ "$(rc)" = 2 ]
run "$bin" apply --netns "/run/netns/$ns" --pid 1 "$good"
check "apply with two targets is a usage error" [ "$(rc)" = 2 ]
before4=$(save4 "$ns"); before6=$(save6 "$ns")
run "$bin" apply --netns "/run/netns/$ns" "$T_TMP/bad.json"
check "apply of a bad policy exits 1" [ "$(rc)" = 1 ]
check "and says why on its first line" \
        [ "$(head -1 "$T_TMP/err")" = "oci-iptables-hook: apply: $T_TMP/bad.json: rules[0].dport: port 70000 out of range 0-65535" ]
check "and applies nothing (IPv4)" [ "$before4" == "$(save4 "$ns")" ]
check "and applies nothing (IPv6)" [ "$before6" == "$(save6 "$ns")" ]
run "$bin" apply --netns /run/netns/nonexistent "$good"
check "an unknown namespace is an error" err_is "oci-iptables-hook: apply: cannot open network namespace /run/netns/nonexistent: No such file or directory"
run "$bin" apply --netns /proc/self/ns/net "$good"
check "apply refuses the caller's own network namespace" [ "$(rc)" = 1 ]
check "and says so" grep -q "is this process's own network namespace: refusing to change its firewall" "$T_TMP/err"
# The host's namespace named from elsewhere is refused too. The policy is an empty one, the
# same as a fresh table, so that even a broken guard would change nothing.
echo '{"version": 1}' > "$T_TMP/empty.json"
run unshare -n "$bin" apply --netns /proc/2/ns/net "$T_TMP/empty.json"
check "apply refuses the machine's initial (host's) network namespace named from another one" \
        grep -q "is the machine's initial (the host's) network namespace: refusing" "$T_TMP/err"
run "$bin" apply --pid $$ "$good"
check "apply --pid of a process in the caller's namespace is refused too" grep -q "own network namespace" "$T_TMP/err"
run "$bin" apply --netns "/run/netns/$ns" "$good"
check "apply to a namespace succeeds" [ "$(rc)" = 0 ]
check "and reports what it did, on stdout" [ "$(cat "$T_TMP/out")" = "/run/netns/$ns: applied $good (11 IPv4 and 12 IPv6 rules)" ]
check "and nothing on stderr" [ ! -s "$T_TMP/err" ]
check "and the namespace holds what show prints" [ "$(save4 "$ns")" == "$("$bin" show -4 "$good")" ]
sleep 60 & sleeper=$!
ip netns exec "$ns" true
ip netns exec "$ns" sleep 60 & nspid=$!
sleep 0.2
run "$bin" apply --pid "$nspid" "$OIH_SRCDIR/rules/deny-all.json"
check "apply --pid reaches that process's namespace" [ "$(save4 "$ns")" == "$("$bin" show -4 "$OIH_SRCDIR/rules/deny-all.json")" ]
kill "$sleeper" "$nspid" 2>/dev/null || true
check "the machine's own firewall was never touched" \
        [ "$(iptables-legacy-save -t filter | strip_save | grep -c '^-A' || true)" = 0 ]

# The hooks.d files set a timeout (seconds): a hook that hangs must not hold the container's start.
for f in "$OIH_SRCDIR"/hooks/*.json.in; do
        check "$(basename "$f") sets hook.timeout (1-60 s)" python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["hook"].get("timeout")
sys.exit(0 if type(t) is int and 0 < t <= 60 else 1)' "$f"
done

# The host's namespace is told without /proc's PID namespace: from a throwaway network namespace,
# inside a PID and mount namespace with a /proc of its own, apply still tells its own namespace
# (refused) from another throwaway one (applied). (cksuite-hook.c checks the host's is still
# recognised there, read-only.)
ns2=$(new_netns guard)
T_NETNS+=("$ns2")
run ip netns exec "$ns" unshare -pmf --mount-proc "$bin" apply --netns /proc/self/ns/net "$good"
check "apply in a PID namespace with its own /proc: its own namespace is refused" [ "$(rc)" = 1 ]
check "and says why" grep -q "is this process's own network namespace: refusing" "$T_TMP/err"
run ip netns exec "$ns" unshare -pmf --mount-proc "$bin" apply --netns "/run/netns/$ns2" "$good"
check "apply in a PID namespace with its own /proc: another namespace is applied" [ "$(rc)" = 0 ]
check "and holds what show prints" [ "$(save4 "$ns2")" == "$("$bin" show -4 "$good")" ]

done_testing
