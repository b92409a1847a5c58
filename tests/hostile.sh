#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input: policy files, policy names, OCI states, bundles and migration input that are
# wrong on purpose. Each case must fail with a non-zero exit, print one error line that names
# the input and the place in it, and leave the target namespace's tables exactly as they were.
# The target namespace holds a known policy first, so "unchanged" means something.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need_root
for b in iptables-legacy-save ip6tables-legacy-save; do
        command -v "$b" >/dev/null || { echo "# SKIP: $b missing"; exit 77; }
done
diag() { sed 's/^/# /' <<<"$*"; }

ns=$(new_netns hostile)
T_NETNS+=("$ns")
W=$T_TMP
P=$W/policies
R=$W/rules
mkdir -p "$P" "$R" "$W/bundle"
chmod 755 "$R"

cat >"$W/baseline.json" <<'EOF'
{ "version": 1, "description": "hostile.sh: what must survive every refused input",
  "policy": { "INPUT": "DROP", "OUTPUT": { "ipv4": "ACCEPT", "ipv6": "DROP" } },
  "chains": ["keep"],
  "rules": [ { "chain": "INPUT", "in_interface": "lo", "target": "keep" },
             { "chain": "keep", "comment": "hostile.sh baseline", "target": "ACCEPT" } ] }
EOF
"$OIH_BIN" apply --netns "/run/netns/$ns" "$W/baseline.json" >/dev/null 2>&1
tables() { save4 "$ns"; save6 "$ns"; }
before=$(tables)
grep -q 'hostile.sh baseline' <<<"$before" || { echo "not ok 1 - the baseline policy is in place"; exit 1; }

# refused DESCRIPTION REGEX COMMAND...: a non-zero exit, exactly one error line (migrate's
# "skipped line" notes aside) matching REGEX, and the namespace's tables unchanged. Every
# COMMAND runs under `timeout` (124 and up count as failures: a FIFO must not block).
refused() {
        local d=$1 want=$2 out rc=0 lines after
        shift 2
        out=$("$@" 2>&1 >/dev/null) || rc=$?
        out=$(grep -v '^skipped line' <<<"$out" || true)
        lines=$(grep -c . <<<"$out" || true)
        after=$(tables)
        if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
                not_ok "$d: exit status $rc"
                diag "$out"
        elif [ "$lines" -ne 1 ]; then
                not_ok "$d: $lines error lines, want 1"
                diag "$out"
        elif ! grep -qE -- "$want" <<<"$out"; then
                not_ok "$d: the error does not match /$want/"
                diag "$out"
        elif [ "$after" != "$before" ]; then
                not_ok "$d: the namespace's tables changed"
                diag "$(diff <(echo "$before") <(echo "$after"))"
        else
                ok "$d: refused ($out)"
        fi
}

# --- policy files, through apply --------------------------------------------------------------
pol() { cat >"$P/$1.json"; }   # NAME <<<JSON
apply() { timeout 30 "$OIH_BIN" apply --netns "/run/netns/$ns" "$P/$1.json"; }
# bad NAME DESCRIPTION REGEX: apply P/NAME.json is refused; REGEX follows "NAME.json" and ": ".
bad() {
        local name=$1 d=$2 want=$3
        refused "policy file: $d" "^oci-iptables-hook: apply: [^ ]*/$name\\.json:$want" apply "$name"
}
rule() { printf '{ "version": 1, "rules": [ %s ] }\n' "$1"; }

printf 'this is not JSON\n' | pol not-json
bad not-json "not JSON" '1:[0-9]+: invalid JSON'
: | pol empty
bad empty "empty file" '1:1: invalid JSON: unexpected end of file'
printf '{ "version": 1, "rules": [ { "chain": "INPUT", "target": "DROP" } ] }\n}garbage\n' | pol trailing
bad trailing "trailing garbage" '2:1: invalid JSON: unexpected'
printf '{ "version": 1, "rules": [ { "chain": "INPUT", "target": "DROP",\n  "target": "ACCEPT" } ] }\n' | pol dupkey
bad dupkey "duplicate key in a rule" '2:3: invalid policy: duplicate key "target"'
printf '{ "version": 1, "policy": { "INPUT": "DROP" },\n  "policy": { "INPUT": "ACCEPT" } }\n' | pol duptop
bad duptop "duplicate top-level key" '2:3: invalid policy: duplicate key "policy"'
printf '{ "version": 1, "policy": { "INPUT": "DROP" }, "\\u0070olicy": { "INPUT": "ACCEPT" } }\n' | pol escaped-key
bad escaped-key "a duplicate key spelled with escapes" '1:48: invalid policy: duplicate key "policy"'
rule '{ "chain": "INPUT", "target": "DROP", "colour": "red" }' | pol unknown-key
bad unknown-key "unknown key" ' rules\[0\]: unknown key "colour"'
rule '{ "chain": "INPUT", "protocol": "tcp", "dport": true }' | pol wrong-type
bad wrong-type "wrong type" ' rules\[0\]\.dport: .*boolean'
printf '{ "version": 3 }\n' | pol version3
bad version3 "version 3" ' version: unsupported version 3 \(this program reads versions 1 and 2\)'
{ printf '{ "version": 1, "description": '; head -c 10000 /dev/zero | tr '\0' '['; } | pol deep
bad deep "nesting 10,000 deep" '1:[0-9]+: invalid JSON: nested deeper than 16 levels'
{ printf '{ "version": 1, "rules": [] }'; head -c $((5 << 20)) /dev/zero | tr '\0' ' '; printf 'x\n'; } | pol five-mb
bad five-mb "5 MB file with garbage at its end" '1:5242910: invalid JSON: unexpected'
{ printf '{ "version": 1, "description": "'; head -c $((17 << 20)) /dev/zero | tr '\0' 'a'; printf '" }\n'; } | pol huge
bad huge "17 MB file" ' file of [0-9]+ bytes is larger than the limit of 16777216'
{ printf '{ "version": 1, "rules": [ {}'; for _ in $(seq 999); do printf ',{}'; done; } >"$P/million.json"
# 1,000,000 rules: 999 x 1,000 more, written in blocks
blk=$(for _ in $(seq 1000); do printf ',{}'; done)
for _ in $(seq 999); do printf '%s' "$blk"; done >>"$P/million.json"
printf ' ] }\n' >>"$P/million.json"
bad million "1,000,000 rules" ' rules: 1000000 rules, more than the limit of 100000'
printf '{ "version": 1, "description": "caf\xc3\x28" }\n' | pol bad-utf8
bad bad-utf8 "invalid UTF-8" '1:36: invalid JSON: invalid UTF-8'
printf '{ "version": 1, "description": "a\0b" }\n' | pol nul
bad nul "NUL byte" ' not a JSON text \(it contains a NUL byte\)'
rule '{ "chain": "INPUT", "source": "198.51.100.0/abc", "target": "DROP" }' | pol bad-cidr
bad bad-cidr "bad CIDR" ' rules\[0\]\.source: mask "/abc" out of range 0-32'
rule '{ "chain": "INPUT", "source": "198.51.100.300", "target": "DROP" }' | pol bad-addr
bad bad-addr "bad address" ' rules\[0\]\.source: "198.51.100.300" is not an IPv4 or IPv6 address'
rule '{ "chain": "INPUT", "source": "198.51.100.0/33", "target": "DROP" }' | pol mask33
bad mask33 "mask /33" ' rules\[0\]\.source: mask "/33" out of range 0-32'
rule '{ "chain": "INPUT", "destination": "2001:db8::/129", "target": "DROP" }' | pol mask129
bad mask129 "mask /129" ' rules\[0\]\.destination: mask "/129" out of range 0-128'
rule '{ "chain": "INPUT", "family": "ipv4", "source": "2001:db8::1", "target": "DROP" }' | pol v6-in-v4
bad v6-in-v4 "IPv6 address in an IPv4-only rule" ' rules\[0\]: source: IPv6 address 2001:db8::1 in a rule that is IPv4 only'
rule '{ "chain": "INPUT", "protocol": "tcp", "dport": 65536, "target": "DROP" }' | pol port65536
bad port65536 "port 65536" ' rules\[0\]\.dport: port 65536 out of range 0-65535'
rule '{ "chain": "INPUT", "protocol": "tcp", "dport": "2000:1000", "target": "DROP" }' | pol reversed
bad reversed "reversed port range" ' rules\[0\]\.dport: .*2000.*1000'
rule '{ "chain": "INPUT", "protocol": "tcp", "dport": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16], "target": "DROP" }' | pol slots16
bad slots16 "16 multiport slots" ' rules\[0\]\.dport: .*15'
rule '{ "chain": "INPUT", "target": "TARPIT" }' | pol unknown-target
bad unknown-target "unknown target" ' rules\[0\]: target "TARPIT": no such chain'
rule '{ "chain": "INPUT", "target": "nowhere" }' | pol missing-chain
bad missing-chain "jump to a missing chain" ' rules\[0\]: target "nowhere": no such chain'
printf '{ "version": 1, "chains": ["a", "b"], "rules": [ { "chain": "a", "target": "b" }, { "chain": "b", "target": "a" } ] }\n' | pol loop
bad loop "chain loop" ' .*loop'
printf '{ "version": 1, "chains": ["%s"] }\n' "$(printf 'c%.0s' $(seq 29))" | pol long-chain
bad long-chain "chain name of 29 characters" ' chains\[0\]: .*28'
rule "{ \"chain\": \"INPUT\", \"target\": \"LOG\", \"log_prefix\": \"$(printf 'p%.0s' $(seq 30))\" }" | pol log-prefix
bad log-prefix "LOG prefix too long" ' rules\[0\]\.log_prefix: .*29'
rule '{ "chain": "INPUT", "uid_owner": 1000, "target": "DROP" }' | pol owner-input
bad owner-input "owner match outside OUTPUT" ' rules\[0\]: uid_owner/gid_owner only work in OUTPUT'
addrs=$(for i in $(seq 0 1024); do printf ',"2001:db8::%x"' "$i"; done)
rule "{ \"chain\": \"INPUT\", \"source\": [ ${addrs#,} ], \"target\": \"DROP\" }" | pol addrs1025
bad addrs1025 "1,025 addresses in one list" ' rules\[0\]\.source: 1025 addresses, more than 1024'
a4=$(for i in $(seq 0 511); do printf ',"198.51.%d.%d"' $((100 + i / 256)) $((i % 256)); done)
rule "{ \"chain\": \"INPUT\", \"source\": [ ${a4#,} ], \"destination\": [ ${a4#,} ], \"target\": \"DROP\" }" | pol expands
bad expands "lists expanding to 262,144 entries" ' rules: the address lists expand to more than 200000 IPv4 rules'
rule '{ "chain": "INPUT", "limit": { "rate": "1/day" }, "target": "ACCEPT" }' | pol limit-day
bad limit-day "a limit the kernel refuses (1/day, burst 5)" ' rules\[0\]\.limit: rate "1/day" with burst 5 .*the largest burst for this rate is 1$'
rule '{ "chain": "INPUT", "in_interface": "!lo", "target": "ACCEPT" }' | pol bang-iface
bad bang-iface "an interface name starting with !" ' rules\[0\]\.in_interface: interface name "!lo" starts with .!.'
rule '{ "chain": "OUTPUT", "out_interface": "eth0:1", "target": "DROP" }' | pol colon-iface
bad colon-iface "an interface name no interface can have" ' rules\[0\]\.out_interface: invalid interface name "eth0:1"'
rule '{ "chain": "OUTPUT", "destination": "::ffff:198.51.100.1", "target": "DROP" }' | pol v4mapped
bad v4mapped "an IPv4-mapped IPv6 address" ' rules\[0\]\.destination: .*IPv4-mapped.*; write 198\.51\.100\.1$'
rule '{ "chain": "OUTPUT", "family": "ipv6", "destination": { "not": "198.51.100.1" }, "target": "ACCEPT" }' | pol neg-other
bad neg-other "a negated address of a family the rule is not built for" ' rules\[0\]: destination: negated IPv4 address 198\.51\.100\.1 in a rule that is IPv6 only'

ln -s "$P/not-json.json" "$P/symlink.json"
refused "policy file: a symbolic link" "symlink\\.json: is a symbolic link" apply symlink
mkdir "$P/directory.json"
refused "policy file: a directory" "directory\\.json: (not a regular file|.*directory)" apply directory
mkfifo "$P/fifo.json"
refused "policy file: a FIFO (must not block)" "fifo\\.json: not a regular file" apply fifo
refused "policy file: missing" "absent\\.json: cannot open: No such file" apply absent

# --- --netns that is not a network namespace: refused before anything is read from it ---------
mkfifo "$W/netns-fifo"
echo '{}' >"$W/netns-file"
for cmd in apply inspect verify; do
        args=()
        [ "$cmd" = inspect ] || args=("$W/baseline.json")
        refused "--netns on a FIFO: $cmd (must not block)" "$W/netns-fifo is not a network namespace\$" \
                timeout 10 "$OIH_BIN" "$cmd" --netns "$W/netns-fifo" "${args[@]}"
done
refused "--netns on a regular file" "$W/netns-file is not a network namespace\$" \
        timeout 10 "$OIH_BIN" apply --netns "$W/netns-file" "$W/baseline.json"
refused "--netns on a character device" "/dev/null is not a network namespace\$" \
        timeout 10 "$OIH_BIN" apply --netns /dev/null "$W/baseline.json"
refused "--netns on another kind of namespace (mount)" "/proc/self/ns/mnt is not a network namespace\$" \
        timeout 10 "$OIH_BIN" apply --netns /proc/self/ns/mnt "$W/baseline.json"

# --- the hook: policy names, policy files in a rules directory, the OCI state, the bundle -------
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$W/bundle/config.json"
good=$(rule '{ "chain": "INPUT", "comment": "hostile.sh: must never land", "target": "ACCEPT" }')
for n in good world-writable; do echo "$good" >"$R/$n.json"; chmod 644 "$R/$n.json"; done
chmod 666 "$R/world-writable.json"
ln -s "$R/good.json" "$R/link.json"
mkdir "$R/dir.json"
mkfifo -m 644 "$R/fifo.json"
printf '{ "version": 1, "rules": [ { "chain": "OUTPUT", ' >"$R/broken.json"
mkdir -m 775 "$W/group-writable"
echo "$good" >"$W/group-writable/good.json"
chmod 644 "$W/group-writable/good.json"

hook() { # STAGE [hook options]: the state on stdin
        local stage=$1
        shift
        timeout 30 ip netns exec "$ns" "$OIH_BIN" hook --stage "$stage" --rules-dir "$R" "$@"
}
# state POLICY-JSON-VALUE [PID]: a state as runc writes it, with the annotation's raw JSON value.
state() {
        printf '{"ociVersion":"1.0.2","id":"hostile","status":"creating","pid":%s,"bundle":"%s","annotations":{"oci-iptables-hook.policy":%s}}' \
                "${2:-1}" "$W/bundle" "$1"
}
# name_refused DESCRIPTION JSON-VALUE REGEX
name_refused() {
        state "$2" >"$W/state"
        local want="hostile: $3"
        [ "${3:0:1}" = "|" ] && want=${3:1}     # the state itself refused: no id yet
        refused "policy name: $1" "^oci-iptables-hook: $want" hook createContainer <"$W/state"
}
name_refused "empty" '""' 'empty policy name'
name_refused '".."' '".."' 'invalid policy name ".."'
name_refused '"../good"' '"../good"' 'invalid policy name "../good"'
name_refused '"a/b" (a slash)' '"a/b"' 'invalid policy name "a/b"'
name_refused "absolute path" '"/etc/passwd"' 'invalid policy name "/etc/passwd"'
name_refused "hidden file" '".good"' 'invalid policy name ".good"'
name_refused "NUL byte" '"good\u0000x"' '|\?: state: invalid JSON at byte [0-9]+: \\u0000 is not allowed in a string'
name_refused "newline (log forging)" '"good\nforged"' 'invalid policy name "good\\x0aforged"'
name_refused "200 bytes" "\"$(printf 'n%.0s' $(seq 200))\"" 'policy name longer than 128 bytes'
name_refused "not a string" '42' '|\?: state: annotation oci-iptables-hook.policy is not a string'
name_refused "unknown" '"nope"' 'policy "nope" not found: no nope.json in '
name_refused "a symbolic link" '"link"' '.*link\.json is a symbolic link; refusing it'
name_refused "a directory" '"dir"' 'refusing policy .*dir\.json: not a regular file'
name_refused "a FIFO (must not block)" '"fifo"' 'refusing policy .*fifo\.json: not a regular file'
name_refused "world-writable file" '"world-writable"' 'refusing policy .*world-writable\.json: it is writable by group or others'
name_refused "malformed policy" '"broken"' '.*broken\.json:1:[0-9]+: invalid JSON'
# Enforcing mode: an annotation (an image's, as far as the hook can tell) may not replace the
# default with a policy that is not listed.
state '"good"' >"$W/state"
refused "enforcing mode: an annotation naming a policy that is not selectable" \
        '^oci-iptables-hook: hostile: annotation oci-iptables-hook.policy=good names a policy that is not selectable here .*it may name only fifo \(the default\), dir: add --selectable good' \
        hook createContainer --default-policy fifo --selectable dir <"$W/state"
refused "policy name: a group-writable rules directory" \
        "refusing policy $W/group-writable/good\\.json: $W/group-writable is writable by group or others" \
        timeout 30 ip netns exec "$ns" "$OIH_BIN" hook --rules-dir "$W/group-writable" <"$W/state"

# Owners: the policy file, the rules directory and every directory above it are root's, and
# no one else can write them (docs/security.md).
owner_refused() { # DESCRIPTION RULES-DIR REGEX
        state '"good"' >"$W/state"
        refused "owners: $1" "^oci-iptables-hook: hostile: refusing policy $2/good\\.json: $3" \
                timeout 30 ip netns exec "$ns" "$OIH_BIN" hook --rules-dir "$2" <"$W/state"
}
mkrules() { # DIR: DIR/good.json, 0755/0644, root's
        mkdir -p "$1"
        chmod 755 "$1"
        echo "$good" >"$1/good.json"
        chmod 644 "$1/good.json"
}
mkrules "$W/o/file"
chown nobody "$W/o/file/good.json"
owner_refused "a policy file of another user (0644)" "$W/o/file" 'it is owned by uid 65534, not root'
mkrules "$W/o/dir"
chown nobody "$W/o/dir"
owner_refused "a rules directory of another user (0755)" "$W/o/dir" "$W/o/dir is owned by uid 65534, not root"
mkrules "$W/o/parent/rules"
chown nobody "$W/o/parent"
owner_refused "a directory above the rules directory of another user" "$W/o/parent/rules" \
        "$W/o/parent is owned by uid 65534, not root"
mkrules "$W/o/swap/rules"
chmod 1777 "$W/o/swap"
owner_refused "a rules directory under a sticky world-writable one (as /tmp: swappable)" "$W/o/swap/rules" \
        "$W/o/swap is writable by group or others .*sticky bit"
mkrules "$W/o/real"
ln -s "$W/o/real" "$W/o/link"
owner_refused "a rules directory reached through a symbolic link" "$W/o/link" "$W/o/link is a symbolic link"
mkdir -p /tmp/oih-hostile-$$ && mkrules /tmp/oih-hostile-$$/rules
owner_refused "a rules directory under /tmp" "/tmp/oih-hostile-$$/rules" "/tmp is writable by group or others"
rm -rf /tmp/oih-hostile-$$
# The log names the file read: the rules directory as the hook opened it, never a name that
# was swapped since.
state '"good"' >"$W/state"
mkrules "$W/o/ok"
out=$(timeout 30 ip netns exec "$ns" "$OIH_BIN" hook --rules-dir "$W/o/ok" <"$W/state" 2>&1) || true
check "owners: an accepted policy is logged with the file read" \
        grep -q "hostile: applied policy \"good\" from $W/o/ok/good.json: ipv4 1 entries" <<<"$out"
"$OIH_BIN" apply --netns "/run/netns/$ns" "$W/baseline.json" >/dev/null 2>&1

# A writer that never closes stdin: the hook gives up after its 5 s deadline, not the runtime's.
state '"good"' >"$W/state"
mkfifo "$W/stdin-fifo"
(cat "$W/state"; exec sleep 20) >"$W/stdin-fifo" &
writer=$!
t0=$(date +%s)
refused "OCI state: stdin never closed" \
        '^oci-iptables-hook: \?: the state on stdin did not end within 5 s$' hook createContainer <"$W/stdin-fifo"
check "and the hook gave up within 10 s ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -lt 10
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true

# Without /proc/self/ns/net the hook cannot tell the container's namespace from the host's.
state '"good"' >"$W/state"
refused "createContainer without /proc (no /proc/self/ns/net)" \
        "^oci-iptables-hook: hostile: cannot apply policy \"good\": cannot open /proc/self/ns/net to tell" \
        timeout 30 ip netns exec "$ns" unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' _ \
        "$OIH_BIN" hook --rules-dir "$R" <"$W/state"

# state_refused DESCRIPTION REGEX [STAGE]: the state is on $W/state
state_refused() {
        refused "OCI state: $1" "^oci-iptables-hook: [^ ]+: $2" hook "${3:-createContainer}" <"$W/state"
}
echo 'not json at all' >"$W/state"
state_refused "not JSON" 'state: invalid JSON at byte 0: unexpected character'
state '"good"' | head -c 60 >"$W/state"
state_refused "truncated" 'state: unexpected end of input'
{ printf '{"id":"x","bundle":"/","pad":"'; head -c $((2 << 20)) /dev/zero | tr '\0' 'a'; printf '"}'; } >"$W/state"
state_refused "2 MiB" 'the state on stdin is larger than 1048576 bytes'
printf '[1, 2, 3]' >"$W/state"
state_refused "an array" 'state: not a JSON object'
printf '{"id":"x","bundle":"/b"}{"id":"y"}' >"$W/state"
state_refused "two objects" 'state: trailing data at byte 24'
printf '{"id":"x","bundle":"%s","annotations":{"oci-iptables-hook.policy":"good"}}\0' "$W/bundle" >"$W/state"
state_refused "a NUL byte after the object" 'state: trailing data at byte'
printf '{"bundle":"%s","annotations":{"oci-iptables-hook.policy":"good"}}' "$W/bundle" >"$W/state"
state_refused 'no "id"' 'state: "id" is missing or not a printable string'
printf '{"id":"evil\\nid","bundle":"%s"}' "$W/bundle" >"$W/state"
state_refused '"id" with a newline' 'state: "id" is missing or not a printable string'
printf '{"id":"x","annotations":{"oci-iptables-hook.policy":"good"}}' >"$W/state"
state_refused 'no "bundle"' 'state: "bundle" is missing or not an absolute path'
printf '{"id":"x","bundle":"relative/dir","annotations":{"oci-iptables-hook.policy":"good"}}' >"$W/state"
state_refused 'relative "bundle"' 'state: "bundle" is missing or not an absolute path'
printf '{"id":"x","bundle":"%s","pid":"1","annotations":{"oci-iptables-hook.policy":"good"}}' "$W/bundle" >"$W/state"
state_refused '"pid" is a string' 'state: "pid" is not a process id'
printf '{"id":"x","bundle":"%s","pid":-5,"annotations":{"oci-iptables-hook.policy":"good"}}' "$W/bundle" >"$W/state"
state_refused '"pid" is negative' 'state: "pid" is not a process id'
printf '{"id":"x","bundle":"%s","annotations":["good"]}' "$W/bundle" >"$W/state"
state_refused '"annotations" is an array' 'state: "annotations" is not an object'
printf '{"id":"x","bundle":"%s","Annotations":{"oci-iptables-hook.policy":"good"}}' "$W/bundle" >"$W/state"
state_refused '"Annotations" (a key that differs only by case)' 'state: \(top level\): key "Annotations" differs from "annotations" only by case'
printf '{"id":"x","bundle":"%s","annotations":{"oci-iptables-hook.policy":"good","oci-iptables-hook.policy":"dir"}}' "$W/bundle" >"$W/state"
state_refused 'the annotation twice' 'state: byte [0-9]+: duplicate key "oci-iptables-hook.policy"'
printf '{"id":"x","bundle":"%s"}' "$W/bundle" >"$W/state"
state_refused 'no annotations, no --default-policy' 'no annotation oci-iptables-hook.policy and no --default-policy'
printf '{"id":"x","bundle":"%s","annotations":{"oci-iptables-hook.policy":"good"}}' "$W/bundle" >"$W/state"
state_refused 'no "pid" at createRuntime' 'cannot apply policy "good": the state has no container pid \(needed at stage createRuntime\)' createRuntime
printf '{"id":"x","bundle":"%s","pid":2147483647,"annotations":{"oci-iptables-hook.policy":"good"}}' "$W/bundle" >"$W/state"
state_refused '"pid" of no process at createRuntime' 'cannot apply policy "good": cannot open network namespace /proc/2147483647/ns/net: No such file' createRuntime

# bundle_refused DESCRIPTION REGEX: with $W/bundle/config.json as the test left it
bundle_refused() {
        state '"good"' >"$W/state"
        refused "bundle: $1" "^oci-iptables-hook: hostile: $2" hook createContainer <"$W/state"
}
rm "$W/bundle/config.json"
bundle_refused "no config.json" "cannot open $W/bundle/config.json: No such file"
printf '{"linux":{"namespaces":[{"type":"network"}]}' >"$W/bundle/config.json"
bundle_refused "truncated config.json" 'config.json: unexpected end of input'
printf '{"linux":{"namespaces":{"type":"network"}}}' >"$W/bundle/config.json"
bundle_refused "namespaces not an array" 'config.json: linux.namespaces is not an array'
printf '{"linux":{"namespaces":[{"type":"network"},{"type":"network","path":"/x"}]}}' >"$W/bundle/config.json"
bundle_refused "two network namespaces" 'config.json: two network namespaces'
printf '{"linux":{"namespaces":[{"type":"pid"}]}}' >"$W/bundle/config.json"
bundle_refused "no network namespace (--network host)" 'the container shares the host.s network namespace'
printf '{"process":{"capabilities":{"ambient":["CAP_NET_ADMIN"]}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused "CAP_NET_ADMIN kept" 'container has CAP_NET_ADMIN \(ambient set\): it can rewrite or flush its own rules; start it with --cap-drop NET_ADMIN'
# podman 4.3's compiled-in default capabilities hold NET_RAW: AF_PACKET frames pass no iptables chain
printf '{"process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_NET_RAW","CAP_SETUID"]}},"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused "CAP_NET_RAW kept (podman 4.3's defaults)" 'container has CAP_NET_RAW \(bounding set\): it can send packets no iptables rule sees.*; start it with --cap-drop NET_RAW'
printf '{"process":{"capabilities":{"effective":["CAP_SYS_ADMIN"]}},"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused "CAP_SYS_ADMIN kept" 'container has CAP_SYS_ADMIN \(effective set\): it can enter another network namespace'
printf '{"process":{"capabilities":{"permitted":["CAP_SYS_PTRACE"]}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused "CAP_SYS_PTRACE with the host's PID namespace" 'container has CAP_SYS_PTRACE \(permitted set\): it shares a PID namespace.*--cap-drop SYS_PTRACE or with a PID namespace of its own'
# runc reads config.json with Go's encoding/json: keys match ignoring case, a repeated key merges
printf '{"process":{},"Process":{"capabilities":{"bounding":["CAP_NET_ADMIN"]}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused '"Process" beside "process" (runc merges them)' 'config.json: \(top level\): key "Process" differs from "process" only by case'
printf '{"process":{"capabilities":{}},"process":{"capabilities":{"ambient":["CAP_NET_ADMIN"]}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused 'a second "process"' 'config.json: byte 31: duplicate key "process"'
printf '{"proce\xc5\xbfs":{"capabilities":{"bounding":["CAP_NET_ADMIN"]}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused '"proce\u017fs" (Go folds it to "process")' 'config.json: \(top level\): key "proce.*s" differs from "process" only by case'
printf '{"process":{"Capabilities":{"bounding":["CAP_NET_ADMIN"]}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused '"Capabilities"' 'config.json: process: key "Capabilities" differs from "capabilities" only by case'
printf '{"linux":{"namespaces":[{"type":"network","Path":"/proc/1/ns/net"}]}}' >"$W/bundle/config.json"
bundle_refused 'a namespace "Path"' 'config.json: linux.namespaces\[0\]: key "Path" differs from "path" only by case'
printf '{"process":{"capabilities":{"bounding":"CAP_NET_ADMIN"}},"linux":{"namespaces":[{"type":"network"}]}}' >"$W/bundle/config.json"
bundle_refused "capability set not an array" 'config.json: process.capabilities.bounding is not an array'
rm "$W/bundle/config.json"
mkfifo "$W/bundle/config.json"
bundle_refused "config.json is a FIFO (must not block)" 'config.json: unexpected end of input'
rm "$W/bundle/config.json"
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$W/bundle/config.json"

# The one dangerous stage: a pid in the hook's own (here: this script's) namespace. The policy
# would only count packets, yet it must be refused before anything is read from the kernel.
state '"good"' $$ >"$W/state"
host_before=$(iptables-legacy-save -t filter | strip_save; ip6tables-legacy-save -t filter | strip_save)
refused "createRuntime with a pid in the hook's own namespace" \
        "^oci-iptables-hook: hostile: cannot apply policy \"good\": the container's network namespace is the hook's own" \
        timeout 30 "$OIH_BIN" hook --stage createRuntime --rules-dir "$R" <"$W/state"
host_after=$(iptables-legacy-save -t filter | strip_save; ip6tables-legacy-save -t filter | strip_save)
check "the host's own tables are unchanged" test "$host_before" = "$host_after"

# --- migration input ---------------------------------------------------------------------------
if "$OIH_BIN" migrate --help >/dev/null 2>&1; then
        mig() { cat >"$W/m-$1"; }
        mig_refused() { # NAME DESCRIPTION REGEX
                refused "migrate: $2" "^oci-iptables-hook: migrate: $W/m-$1:$3" timeout 30 "$OIH_BIN" migrate --family ipv4 "$W/m-$1"
        }
        printf 'iptables -P INPUT DROP\niptables -A INPUT -m comment --comment "oops -j ACCEPT\n' | mig quote.sh
        mig_refused quote.sh "unterminated quote" '2: unterminated quote'
        printf 'iptables -A INPUT -j ACCEPT\n\x01\x02\x00\xff junk\n' | mig junk.sh
        mig_refused junk.sh "binary junk" '2: not a text file'
        printf 'iptables -t security -A OUTPUT -j ACCEPT\n' | mig security.sh
        mig_refused security.sh "the security table" "1: table .security' is not supported"
        printf 'iptables -A INPUT -m nosuchmatch --set\n' | mig nomatch.sh
        mig_refused nomatch.sh "an unknown match" "1: Couldn't load match .nosuchmatch'"
        printf 'iptables -t nat -A PREROUTING -j DROP\n' | mig natdrop.sh
        mig_refused natdrop.sh "DROP in nat, as iptables refuses it" '1: The "nat" table is not intended for filtering'
        printf 'for p in 22 80; do\n  iptables -A INPUT -p tcp --dport $p -j ACCEPT\ndone\n' | mig loop.sh
        mig_refused loop.sh "a shell loop" '[0-9]+: shell logic'
        printf 'iptables -A INPUT -s db.example.com -j ACCEPT\n' | mig host.sh
        mig_refused host.sh "a host name" '1: .*host name'
        printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\n' | mig nocommit.save
        mig_refused nocommit.save "a dump without COMMIT" '[0-9]+: .*COMMIT'
else
        echo "# skipped: migrate not built"
fi

# --- control characters in what is printed ---------------------------------------------------
# File names, JSON keys, comments and chain names read from the kernel reach the output of
# every command; raw, they could forge lines or send terminal escapes. Each is printed with its
# non-printable bytes as \xHH. (The policies above are refused before anything is applied.)
E=$'\x1b[31m\r\nforged'         # ESC, CR, LF
e='\x1b[31m\x0d\x0aforged'       # as printed
# escaped DESCRIPTION WANT COMMAND...: every byte COMMAND prints is printable ASCII or a line
# end, and one line holds WANT (a fixed string).
escaped() {
        local d=$1 want=$2 out
        shift 2
        out=$("$@" 2>&1) || true
        if LC_ALL=C grep -q '[^[:print:]]' <<<"$out"; then
                not_ok "$d: control characters printed raw"
                diag "$(cat -v <<<"$out")"
        elif ! grep -qF -- "$want" <<<"$out"; then
                not_ok "$d: no line holds $want"
                diag "$out"
        else
                ok "$d: printed escaped"
        fi
}
esc_ns=$(new_netns escape)
T_NETNS+=("$esc_ns")
bad_file="$P/bad$E.json"
printf '{ "version": 1, "rules": [ { "chain": "INPUT", "target": "DROP", "x%s": 1 } ] }\n' '\u001b[2J\r\nforged' >"$bad_file"
good_file="$P/good$E.json"
rule '{ "chain": "INPUT", "comment": "escape test", "target": "ACCEPT" }' >"$good_file"
escaped "check: file name and JSON key" "$P/bad$e.json: rules[0]: unknown key \"x\x1b[2J\x0d\x0aforged\"" \
        "$OIH_BIN" check "$bad_file"
escaped "show: file name" "$P/bad$e.json: rules[0]: unknown key" "$OIH_BIN" show "$bad_file"
escaped "apply: file name in an error" "oci-iptables-hook: apply: $P/bad$e.json: rules[0]" \
        timeout 30 "$OIH_BIN" apply --netns "/run/netns/$esc_ns" "$bad_file"
escaped "apply: file name in what was applied" "/run/netns/$esc_ns: applied $P/good$e.json (" \
        timeout 30 "$OIH_BIN" apply --netns "/run/netns/$esc_ns" "$good_file"
# A table written by another tool: a comment with ESC, CR and LF, a chain name with ESC (iptables
# refuses white space in chain names; the kernel takes any byte).
ip netns exec "$esc_ns" iptables-legacy -w -A INPUT -m comment --comment "evil$E -j ACCEPT" -j DROP
ip netns exec "$esc_ns" iptables-legacy -w -N $'c\x1b[1m'
escaped "inspect: a comment from the kernel" "-A INPUT -m comment --comment \"evil$e -j ACCEPT\" -j DROP" \
        timeout 30 "$OIH_BIN" inspect --netns "/run/netns/$esc_ns" -4
escaped "inspect: a chain name from the kernel" ':c\x1b[1m - [0:0]' \
        timeout 30 "$OIH_BIN" inspect --netns "/run/netns/$esc_ns" -4
escaped "inspect --json: a comment from the kernel" "\"comment\": \"evil${e//\\/\\\\} -j ACCEPT\"" \
        timeout 30 "$OIH_BIN" inspect --netns "/run/netns/$esc_ns" --json
escaped "verify: file name and the kernel's comment in the difference" "+-A INPUT -m comment --comment \"evil$e -j ACCEPT\" -j DROP" \
        timeout 30 "$OIH_BIN" verify "$good_file" --netns "/run/netns/$esc_ns"
escaped "verify: file name in the verdict" "the live rules differ from $P/good$e.json: " \
        timeout 30 "$OIH_BIN" verify "$good_file" --netns "/run/netns/$esc_ns"
if "$OIH_BIN" migrate --help >/dev/null 2>&1; then
        # a line of the script ends at LF: ESC and CR in it
        printf 'echo "a\x1b[31m\rb"\niptables -A INPUT -m bogus -j ACCEPT\n' >"$W/m$E.sh"
        escaped "migrate: a skipped line" 'skipped line 1: echo "a\x1b[31m\x0db"' "$OIH_BIN" migrate --family ipv4 "$W/m$E.sh"
        escaped "migrate: file name in an error" "$W/m$e.sh:2: Couldn't load match \`bogus'" \
                "$OIH_BIN" migrate --family ipv4 "$W/m$E.sh"
fi

check "after everything, the namespace still holds the baseline policy" test "$(tables)" = "$before"
done_testing
