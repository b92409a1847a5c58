#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks (issue 6): apply time, hook overhead and memory of oci-iptables-hook against
# iptables-legacy-restore and one iptables-legacy process per rule; where apply's time goes
# against the kernel's own replace time; podman run without a hook, with a hook that is
# /bin/true and with ours. Prints a table and writes docs/benchmarks.md (between its
# bench:begin/bench:end markers) and docs/benchmarks.png.
#
#   scripts/bench.sh [--bin PATH] [--counts "10 100 ..."] [--mixes "ipv4 mixed plain"] [--runs N]
#                    [--podman-runs N] [--no-podman] [--out DIR]
#
# Needs root. Every rule-changing command runs in a network namespace this script creates
# (ip netns add oihb<pid>-N) and deletes right after; containers run with --network none and
# podman's state lives in a temporary directory of the script's own. Nothing is ever sent
# anywhere: the policies only name addresses. About 5 minutes on 2 cores with the defaults.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${OIH_BIN:-}
COUNTS="10 100 1000 10000 100000"
MIXES="ipv4 mixed plain"
RUNS=5
PODMAN_RUNS=20
PODMAN=1
OUT=$top/docs
# One iptables-legacy process per rule is quadratic: a run that passes this is stopped, and
# no larger rule count is tried with that method.
PER_RULE_LIMIT=60

usage() { sed -n '8,9p' "$0" | sed 's/^# \{0,3\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
        case $1 in
        --bin) BIN=$2; shift 2 ;;
        --counts) COUNTS=$2; shift 2 ;;
        --mixes) MIXES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --podman-runs) PODMAN_RUNS=$2; shift 2 ;;
        --no-podman) PODMAN=0; shift ;;
        --out) OUT=$2; shift 2 ;;
        *) usage ;;
        esac
done
if [ -z "$BIN" ]; then
        for b in "$PWD/oci-iptables-hook" "$top/build/oci-iptables-hook" "$top/oci-iptables-hook"; do
                [ -x "$b" ] && { BIN=$b; break; }
        done
fi
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "bench.sh: no binary: give --bin PATH or OIH_BIN" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
if [ "$(id -u)" -ne 0 ]; then
        echo "bench.sh: needs root (network namespaces, iptables)" >&2
        exit 1
fi

# --- tools -------------------------------------------------------------------------------------
need=(iptables-legacy-restore:iptables /usr/bin/time:time strace:strace gnuplot:gnuplot-nox
        gcc:gcc python3:python3)
[ "$PODMAN" = 1 ] && need+=(podman:podman runc:runc busybox:busybox-static)
missing=()
for t in "${need[@]}"; do command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
        echo "bench.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
                { apt-get update -qq >/dev/null 2>&1 &&
                  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } || true
fi
for t in iptables-legacy-restore ip6tables-legacy-restore strace gcc python3; do
        command -v "$t" >/dev/null || { echo "bench.sh: $t is missing" >&2; exit 1; }
done

# not under /tmp: the hook refuses rules below a directory others can write
W=$(mktemp -d /run/oih-bench.XXXXXX)
chmod 755 "$W"
NSP=oihb$$
NS_SEQ=0
cleanup() {
        set +e
        local ns
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NSP-"); do
                ip netns del "$ns"
        done
        if [ -n "${CONTAINERS_CONF:-}" ]; then
                podman rm -af -t 0 >/dev/null 2>&1
                podman rmi -af >/dev/null 2>&1
        fi
        rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -static -o "$W/bench-run" "$top/scripts/bench-run.c" 2>/dev/null ||
        gcc -O2 -o "$W/bench-run" "$top/scripts/bench-run.c"
RUN=$W/bench-run
# strace stops the traced process only at the traced calls with --seccomp-bpf (strace >= 5.3),
# so that the other system calls of the apply are not slowed down.
STRACE_OPTS=()
strace --seccomp-bpf -f -o /dev/null true 2>/dev/null && STRACE_OPTS=(--seccomp-bpf)
GEN=$top/scripts/bench-gen.py

fresh_ns() { NS_SEQ=$((NS_SEQ + 1)); NS=$NSP-$NS_SEQ; ip netns add "$NS"; }
drop_ns() { ip netns del "$NS"; }
# spread: the interquartile range of the values, in % of their median (nearest-rank quartiles).
spread() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "-"; exit}
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f\n", (v[int((3 * NR + 3) / 4)] - v[int((NR + 3) / 4)]) / m * 100}'; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
rules_in_ns() {
        { ip netns exec "$NS" iptables-legacy-save -t filter; ip netns exec "$NS" ip6tables-legacy-save -t filter; } |
                grep -c '^-A' || true
}

# --- the measurements, one function a method: each appends "N MIX WALL_MS RSS_KIB" ---------
m_apply() { # N MIX
        local out
        fresh_ns
        # apply's own "applied" line comes first on stdout; bench-run's figures are the last line
        out=$("$RUN" -- "$BIN" apply --timings --netns "/run/netns/$NS" "$W/p-$1-$2.json" 2>"$W/apply.err" | tail -1)
        [ "${out##* }" = 0 ] || { echo "bench.sh: apply failed: $(cat "$W/apply.err")" >&2; exit 1; }
        # Where the time went: "N MIX PARSE COMPILE COMMIT TOTAL OTHER READBACK" (ms): the phases
        # the binary timed itself, OTHER, the rest of the wall time (exec, loading libraries, exit),
        # and READBACK, reading the tables back after the commit (part of TOTAL).
        sed -n "s/.*timings: parse \([0-9.]*\) ms, compile \([0-9.]*\) ms, commit \([0-9.]*\) ms, total \([0-9.]*\) ms (of which reading the tables back \([0-9.]*\) ms).*/\1 \2 \3 \4 \5/p" \
                "$W/apply.err" | awk -v n="$1" -v m="$2" -v w="${out%% *}" \
                '{printf "%s %s %s %s %s %s %.3f %s\n", n, m, $1, $2, $3, $4, w - $4, $5; k++} END {exit !k}' >>"$W/phases.dat" ||
                { echo "bench.sh: apply --timings printed no timings: $(cat "$W/apply.err")" >&2; exit 1; }
        if [ -z "${checked[$1-$2]:-}" ]; then
                # Once per policy: the namespace holds the rules show prints (tests/oracle.sh
                # checks that byte for byte; here the count is enough to catch a broken run).
                local want got
                want=$(grep -c '^-A' "$W/p-$1-$2.txt")
                got=$(rules_in_ns)
                [ "$want" = "$got" ] || { echo "bench.sh: apply left $got rules, not $want" >&2; exit 1; }
                checked[$1-$2]=1
        fi
        drop_ns
        echo "$1 $2 ${out% *}" >>"$W/apply.dat"
}

m_restore() { # N MIX: both families, as the two restore commands a user would run
        local a b
        fresh_ns
        a=$("$RUN" --netns "/run/netns/$NS" --stdin "$W/p-$1-$2.v4" -- iptables-legacy-restore)
        b=$("$RUN" --netns "/run/netns/$NS" --stdin "$W/p-$1-$2.v6" -- ip6tables-legacy-restore)
        [ "${a##* }" = 0 ] && [ "${b##* }" = 0 ] || { echo "bench.sh: restore failed" >&2; exit 1; }
        drop_ns
        read -r wa ra _ <<<"$a"
        read -r wb rb _ <<<"$b"
        awk -v n="$1" -v m="$2" -v wa="$wa" -v wb="$wb" -v ra="$ra" -v rb="$rb" \
                'BEGIN {printf "%s %s %.3f %d\n", n, m, wa + wb, (ra > rb ? ra : rb)}' >>"$W/restore.dat"
}

m_per_rule() { # N MIX
        local out
        [ -n "${per_rule_stopped[$2]:-}" ] && return 0
        fresh_ns
        out=$("$RUN" --netns "/run/netns/$NS" -- timeout "$PER_RULE_LIMIT" bash "$W/p-$1-$2.sh")
        local code=${out##* }
        if [ "$code" = 124 ]; then
                per_rule_stopped[$2]="$1 $(rules_in_ns)"
        elif [ "$code" != 0 ]; then
                echo "bench.sh: the per-rule script failed (status $code)" >&2
                exit 1
        fi
        drop_ns
        [ "$code" = 0 ] && echo "$1 $2 ${out% *}" >>"$W/per-rule.dat"
        return 0
}

m_kernel() { # N MIX: the replace system calls of our apply, both families together
        fresh_ns
        strace "${STRACE_OPTS[@]}" -f -ttt -T -e trace=getsockopt,setsockopt -o "$W/strace.out" \
                "$BIN" apply --netns "/run/netns/$NS" "$W/p-$1-$2.json" 2>/dev/null
        drop_ns
        # kernel.dat: the IPT_SO_SET_REPLACE calls alone. span.dat: libiptc's whole session, from
        # its first read of a table (GET_INFO) to the end of its last write (ADD_COUNTERS): the
        # kernel plus libiptc building the tables, without parsing, compiling or the fork.
        awk -v n="$1" -v m="$2" -v k="$W/kernel.dat" -v sp="$W/span.dat" '
                { d = $NF; if (d !~ /^<[0-9.]+>$/) next; gsub(/[<>]/, "", d) }
                /getsockopt/ && first == "" { first = $2 }
                /setsockopt/ { last = $2 + d }
                /SET_REPLACE/ { s += d; c++ }
                END {
                        if (c == 0 || first == "") exit 1
                        printf "%s %s %.3f 0\n", n, m, s * 1000 >>k
                        printf "%s %s %.3f\n", n, m, (last - first) * 1000 >>sp
                }' "$W/strace.out"
}

# --- rule counts ------------------------------------------------------------------------------
declare -A checked per_rule_stopped
: >"$W/apply.dat"; : >"$W/restore.dat"; : >"$W/per-rule.dat"; : >"$W/kernel.dat"
: >"$W/phases.dat"; : >"$W/span.dat"
stopped_notes=()
SECONDS=0
for n in $COUNTS; do
        for mix in $MIXES; do
                python3 "$GEN" policy "$n" "$mix" >"$W/p-$n-$mix.json"
                "$BIN" show "$W/p-$n-$mix.json" >"$W/p-$n-$mix.txt"
                "$BIN" show -4 "$W/p-$n-$mix.json" >"$W/p-$n-$mix.v4"
                "$BIN" show -6 "$W/p-$n-$mix.json" >"$W/p-$n-$mix.v6"
                python3 "$GEN" per-rule <"$W/p-$n-$mix.txt" >"$W/p-$n-$mix.sh"
                echo "# $n rules, $mix: $RUNS runs of each method, interleaved" >&2
                methods=(m_apply m_restore m_per_rule m_kernel)
                for ((r = 0; r < RUNS; r++)); do
                        # Rotate the order, so that no method always runs right after another.
                        for ((k = 0; k < ${#methods[@]}; k++)); do
                                "${methods[(k + r) % ${#methods[@]}]}" "$n" "$mix"
                        done
                done
                if [ -n "${per_rule_stopped[$mix]:-}" ] && [ "${per_rule_stopped[$mix]%% *}" = "$n" ]; then
                        read -r sn sk <<<"${per_rule_stopped[$mix]}"
                        stopped_notes+=("One iptables-legacy process per rule ($mix): the first run with $sn rules passed ${PER_RULE_LIMIT} s and was stopped after $sk of $sn rules; larger rule counts were not tried.")
                fi
        done
done

# --- the hook process alone, 10-rule policy ---------------------------------------------------
mkdir -p "$W/rules" "$W/bundle"
python3 "$GEN" policy 10 mixed >"$W/rules/bench10.json"
chmod 644 "$W/rules/bench10.json"
chmod 755 "$W/rules"
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"},{"type":"mount"}]},
 "process":{"capabilities":{"bounding":["CAP_CHOWN"],"effective":["CAP_CHOWN"]}}}' >"$W/bundle/config.json"
printf '{"ociVersion":"1.0.2","id":"bench","status":"creating","pid":1,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"bench10"}}' \
        "$W/bundle" >"$W/state.json"
: >"$W/hook.dat"
echo "# the hook process, 10-rule policy: 20 runs" >&2
for ((r = 0; r < 20; r++)); do
        fresh_ns
        # createContainer: the runtime runs the hook inside the container's namespace already.
        out=$("$RUN" --netns "/run/netns/$NS" --stdin "$W/state.json" -- "$BIN" hook --rules-dir "$W/rules" 2>"$W/hook.err")
        [ "${out##* }" = 0 ] || { echo "bench.sh: the hook failed: $(cat "$W/hook.err")" >&2; exit 1; }
        drop_ns
        echo "10 mixed ${out% *}" >>"$W/hook.dat"
done

# --- podman run: without a hook, with a hook that does nothing, with ours ----------------------
# The do-nothing hook (/bin/true, the same `when` and stage as ours) measures what runc charges
# for running any hook at all: when that alone passes the 3% target, no hook can meet it.
podman_line=
if [ "$PODMAN" = 1 ]; then
        echo "# podman run --rm /bin/true: no hook, a /bin/true hook, our hook: $PODMAN_RUNS runs each, interleaved" >&2
        mkdir -p "$W/pm/hooks" "$W/pm/hooks-true" "$W/pm/hooks-false" "$W/pm/tmp" "$W/pm/networks"
        . "$top/scripts/podman-sandbox.sh"
        podman_sandbox "$W/pm"
        sed -e "s|@BINDIR@|$(dirname "$BIN")|g" -e "s|@RULESDIR@|$W/rules|g" \
                "$top/hooks/oci-iptables-hook.json.in" >"$W/pm/hooks/oci-iptables-hook.json"
        # The same hook file with another program: the same `when` and stages by construction.
        for prog in true false; do
                python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))
h["hook"] = {"path": sys.argv[2], "args": [sys.argv[3]]}
json.dump(h, sys.stdout, indent=2)' "$W/pm/hooks/oci-iptables-hook.json" "/bin/$prog" $prog \
                        >"$W/pm/hooks-$prog/oci-iptables-hook.json"
        done
        "$top/scripts/mkrootfs.sh" "$W/pm/rootfs" --image localhost/oih-bench
        # Each arm names its hooks directory; the one without a hook uses ours, unmatched.
        prun() { # HOOKS_DIR [PODMAN RUN ARGS]...
                local d=$1; shift
                timeout 60 podman --hooks-dir "$d" run --rm --network none "$@" localhost/oih-bench /bin/true
        }
        # Both hooks must really run: an unknown policy has to stop the container, and so must
        # the /bin/false twin of the /bin/true hook.
        if prun "$W/pm/hooks" --annotation oci-iptables-hook.policy=no-such-policy >/dev/null 2>&1; then
                echo "bench.sh: podman started a container with an unknown policy: the hook is not run" >&2
                exit 1
        fi
        if prun "$W/pm/hooks-false" --annotation oci-iptables-hook.policy=bench10 >/dev/null 2>&1; then
                echo "bench.sh: podman started a container whose hook is /bin/false: hooks are not run" >&2
                exit 1
        fi
        arm() { # ARM: sets hd (its hooks directory) and ann (its podman run arguments)
                hd=$W/pm/hooks ann=(--annotation oci-iptables-hook.policy=bench10)
                case $1 in
                none) ann=() ;;
                true) hd=$W/pm/hooks-true ;;
                esac
        }
        arms=(none true ours)
        for a in "${arms[@]}"; do
                arm "$a"
                prun "$hd" "${ann[@]+"${ann[@]}"}" >/dev/null
                : >"$W/podman-$a.dat"
        done
        for ((r = 0; r < PODMAN_RUNS; r++)); do
                # Rotate the order, so that no arm always runs right after another.
                for ((k = 0; k < ${#arms[@]}; k++)); do
                        a=${arms[(k + r) % ${#arms[@]}]}
                        arm "$a"
                        out=$("$RUN" -- timeout 60 podman --hooks-dir "$hd" run --rm --network none \
                                "${ann[@]+"${ann[@]}"}" localhost/oih-bench /bin/true)
                        [ "${out##* }" = 0 ] || { echo "bench.sh: podman run failed ($a)" >&2; exit 1; }
                        echo "${out% * *}" >>"$W/podman-$a.dat"
                done
        done
        pn=$(median <"$W/podman-none.dat")
        pt=$(median <"$W/podman-true.dat")
        pw=$(median <"$W/podman-ours.dat")
        sn=$(spread <"$W/podman-none.dat"); st=$(spread <"$W/podman-true.dat"); sw=$(spread <"$W/podman-ours.dat")
        podman_line=$(awk -v n="$PODMAN_RUNS" -v o="$pn" -v t="$pt" -v w="$pw" 'BEGIN {
                printf "`podman run --rm --network none` of a busybox image with `/bin/true`, runc, median of %d runs of each, interleaved (ms):\n\n", n
                printf "| without a hook | with a hook that is `/bin/true` | with our hook and a 10-rule policy | /bin/true hook / without | our hook / without | our hook / /bin/true hook |\n"
                printf "|---:|---:|---:|---:|---:|---:|\n"
                printf "| %.1f | %.1f | %.1f | %.3f (%+.1f%%) | %.3f (%+.1f%%) | %.3f (%+.1f%%) |", o, t, w,
                        t / o, (t / o - 1) * 100, w / o, (w / o - 1) * 100, w / t, (w / t - 1) * 100}')
        podman_line+=$'\n\n'"Run-to-run spread of each arm (interquartile range, in % of its median): without a hook $sn%,"
        podman_line+=" with the /bin/true hook $st%, with ours $sw%. A difference smaller than that is not resolved."
fi
bench_seconds=$SECONDS

# --- the table --------------------------------------------------------------------------------
col() { # FILE N MIX FIELD(3 wall, 4 rss)
        awk -v n="$2" -v m="$3" -v f="$4" '$1 == n && $2 == m {print $f}' "$W/$1.dat" | median
}
# The table, and where apply's time goes against the kernel's floor: the phases apply --timings
# prints (medians of the same runs as the table), and libiptc's session as strace saw it.
table=$W/table.md
plot=$W/plot.dat
breakdown=$W/breakdown.md
{
        echo "| rules | mix | our apply (ms) | iptables-legacy-restore (ms) | one iptables-legacy per rule (ms) | kernel replace (ms) | apply / restore | apply / kernel | apply peak RSS (KiB) | restore peak RSS (KiB) |"
        echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$table"
{
        echo "| rules | mix | our apply (ms) | start and exit | parse | compile | commit | read back | of which libiptc + kernel | of which kernel replace | 2x kernel | libiptc + kernel / kernel |"
        echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$breakdown"
: >"$plot"
: >"$W/breakdown.dat"
for n in $COUNTS; do
        for mix in $MIXES; do
                a=$(col apply "$n" "$mix" 3); rs=$(col restore "$n" "$mix" 3)
                p=$(col per-rule "$n" "$mix" 3); k=$(col kernel "$n" "$mix" 3)
                ar=$(col apply "$n" "$mix" 4); rr=$(col restore "$n" "$mix" 4)
                sp=$(col span "$n" "$mix" 3)
                pp=$(col phases "$n" "$mix" 3); pc=$(col phases "$n" "$mix" 4); pm=$(col phases "$n" "$mix" 5)
                po=$(col phases "$n" "$mix" 7); pr=$(col phases "$n" "$mix" 8)
                if [ "$p" = - ]; then
                        p="not run (a smaller count passed ${PER_RULE_LIMIT} s)"
                        [ "${per_rule_stopped[$mix]%% *}" = "$n" ] && p="stopped (> ${PER_RULE_LIMIT} s)"
                fi
                awk -v n="$n" -v m="$mix" -v a="$a" -v r="$rs" -v p="$p" -v k="$k" -v ar="$ar" -v rr="$rr" 'BEGIN {
                        printf "| %s | %s | %.1f | %.1f | %s | %.1f | %.2f | %.2f | %d | %d |\n",
                                n, m, a, r, (p ~ /^[0-9.]+$/ ? sprintf("%.1f", p) : p), k, a / r, (k > 0 ? a / k : 0), ar, rr}' >>"$table"
                echo "$n $mix $a $rs ${p%% *} $k $ar $rr" >>"$plot"
                echo "$n $mix $a $pp $pc $pm $sp $k $po" >>"$W/breakdown.dat"
                awk -v n="$n" -v m="$mix" -v a="$a" -v po="$po" -v pp="$pp" -v pc="$pc" -v pm="$pm" -v pr="$pr" -v sp="$sp" -v k="$k" 'BEGIN {
                        printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |\n",
                                n, m, a, po, pp, pc, pm, pr, sp, k, 2 * k, (k > 0 ? sp / k : 0)}' >>"$breakdown"
        done
done

hook_ms=$(awk '{print $3}' "$W/hook.dat" | median)
hook_rss=$(awk '{print $4}' "$W/hook.dat" | median | awk '{printf "%d", $1}')

# --- targets ----------------------------------------------------------------------------------
targets=$W/targets.md
: >"$targets"
target() { # OK(0/1) TEXT
        if [ "$1" = 1 ]; then echo "- met: $2" >>"$targets"; else echo "- MISSED: $2" >>"$targets"; fi
}
for mix in $MIXES; do
        row=$(awk -v m="$mix" '$1 == 10000 && $2 == m' "$plot")
        [ -n "$row" ] || continue
        read -r _ _ a rs _ k _ _ <<<"$row"
        target "$(awk -v a="$a" -v r="$rs" 'BEGIN {print (a <= r / 2) ? 1 : 0}')" \
                "10,000 rules ($mix): our apply $a ms <= half of iptables-legacy-restore's $rs ms"
        read -r _ _ _ pp pc pm sp _ _ <<<"$(awk -v m="$mix" '$1 == 10000 && $2 == m' "$W/breakdown.dat")"
        # The fixed cost of any apply process (exec, libraries, exit), from the smallest policy.
        fixed=$(awk -v m="$mix" '$2 == m {print $9; exit}' "$W/breakdown.dat")
        # When libiptc and the kernel, with a process around them, take more than 2x the kernel
        # before a byte of the policy is read, no parser can make up for it: say so, with numbers.
        why=$(awk -v a="$a" -v k="$k" -v pp="$pp" -v pc="$pc" -v pm="$pm" -v sp="$sp" -v f="$fixed" 'BEGIN {
                if (a <= 2 * k) exit
                if (sp > 2 * k)
                        printf ": out of reach while libiptc does the commit: libiptc + kernel alone (no parsing, no fork) take %.1f ms, %.2fx the kernel", sp, sp / k
                else if (sp + f > 2 * k)
                        printf ": out of reach while libiptc does the commit: libiptc + kernel alone take %.1f ms (%.2fx the kernel), and starting and ending the process %.1f ms (measured with the smallest policy): %.1f ms before the policy is read", sp, sp / k, f, sp + f
                else
                        printf ": parse %.1f ms, compile %.1f ms, commit %.1f ms (of which libiptc + kernel %.1f ms); %.1f ms of the budget is left for parsing and compiling", pp, pc, pm, sp, 2 * k - sp - f}')
        target "$(awk -v a="$a" -v k="$k" 'BEGIN {print (a <= 2 * k) ? 1 : 0}')" \
                "10,000 rules ($mix): our apply $a ms <= 2x the kernel's replace time $k ms$why"
done
# Issue 11: through libxtables, no slower than iptables-legacy-restore for the same rules, and
# a 10-rule policy in at most 5 ms (median), applied or hooked.
for mix in $MIXES; do
        row=$(awk -v m="$mix" '$1 == 10000 && $2 == m' "$plot")
        [ -n "$row" ] || continue
        read -r _ _ a rs _ _ _ _ <<<"$row"
        target "$(awk -v a="$a" -v r="$rs" 'BEGIN {print (a <= r) ? 1 : 0}')" \
                "10,000 rules ($mix): our apply $a ms <= iptables-legacy-restore's $rs ms (issue 11)"
done
a10=$(awk '$1 == 10 && $2 == "mixed" {print $3}' "$plot")
[ -z "$a10" ] || target "$(awk -v a="$a10" 'BEGIN {print (a <= 5) ? 1 : 0}')" \
        "apply with a 10-rule policy (mixed): $a10 ms <= 5 ms (issue 11)"
target "$(awk -v h="$hook_ms" 'BEGIN {print (h <= 5) ? 1 : 0}')" \
        "the hook process with a 10-rule policy: $hook_ms ms <= 5 ms (peak RSS $hook_rss KiB)"
if [ -n "$podman_line" ]; then
        # runc's share: a hook that does nothing costs this much; when it alone passes 3%, so must
        # every hook, ours included.
        why=$(awk -v w="$pw" -v o="$pn" -v t="$pt" 'BEGIN {
                if (w <= o * 1.03) exit
                if (t > o * 1.03)
                        printf ": out of reach for any hook run by runc: a hook that is /bin/true already costs %+.1f%% (%+.1f ms); ours against that one: %+.1f%% (%+.1f ms)", (t / o - 1) * 100, t - o, (w / t - 1) * 100, w - t
                else
                        printf ": a hook that is /bin/true costs %+.1f%% (%+.1f ms); ours against that one: %+.1f%% (%+.1f ms)", (t / o - 1) * 100, t - o, (w / t - 1) * 100, w - t}')
        # On a busy machine the arms' own spread can exceed the differences: say when it does.
        noise=$(awk -v w="$pw" -v o="$pn" -v sn="$sn" 'BEGIN {
                d = (w / o - 1) * 100; d = d < 0 ? -d : d
                if (d < sn)
                        printf "; NOT RESOLVED by this run: the runs without a hook alone spread %s%% (interquartile range), more than this difference", sn}')
        target "$(awk -v w="$pw" -v o="$pn" 'BEGIN {print (w <= o * 1.03) ? 1 : 0}')" \
                "podman run with our hook within 3% of without: $(awk -v w="$pw" -v o="$pn" 'BEGIN {printf "%+.1f%% (%.1f ms against %.1f ms)", (w / o - 1) * 100, w, o}')$why$noise"
fi
r10=$(awk '$1 == 10 {print $7}' "$plot" | sort -g | tail -1)
target "$(awk -v r="$r10" 'BEGIN {print (r < 4096) ? 1 : 0}')" "peak RSS of apply with 10 rules: $r10 KiB < 4096 KiB"
# Linear: the RSS added per rule does not grow from one rule count to the next (10% slack for
# allocator granularity); measured from 1,000 rules up, below that the fixed part dominates.
lin=$(awk '$1 >= 1000 {n[$2] = n[$2] " " $1 ":" $7} END {
        ok = 1
        for (m in n) {
                k = split(substr(n[m], 2), a, " "); prev = -1
                split(a[1], b, ":"); n0 = b[1]; r0 = b[2]
                for (i = 2; i <= k; i++) {
                        split(a[i], c, ":"); per = (c[2] - r0) / (c[1] - n0)
                        if (prev > 0 && per > prev * 1.1) ok = 0
                        printf "%s%s %.2f KiB/rule up to %d", (out ? "; " : ""), m, per, c[1]; out = 1
                        prev = per; n0 = c[1]; r0 = c[2]
                }
        }
        printf "|%d", ok}' "$plot")
if [ -n "${lin%|*}" ]; then
        target "${lin##*|}" "peak RSS grows no faster than linearly: ${lin%|*}"
fi

# --- output -----------------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
        echo "Measured $(date -u +%Y-%m-%d) on $(nproc) x ${cpu:-unknown CPU}, kernel $(uname -r), $("$BIN" --version),"
        echo "$(iptables-legacy --version | head -1). Medians of $RUNS runs; every run into a fresh network"
        echo "namespace; the methods interleaved. Wall times in ms; peak RSS is wait4's ru_maxrss (what"
        echo "\`/usr/bin/time -v\` prints as \"Maximum resident set size\"), for restore the larger of its two"
        echo "processes. The kernel replace time is the sum of the IPv4 and IPv6 \`IPT_SO_SET_REPLACE\`"
        echo "system calls of our apply (\`strace -f -T\`). The whole run took ${bench_seconds} s."
        echo
        cat "$table"
        echo
        echo "Where apply's time goes (\`apply --timings\`, medians of the same runs; ms): parse reads and"
        echo "checks the policy; compile, in a child inside the namespace, runs the libxtables workers that"
        echo "build the kernel entries (one per family, or one per CPU for a family with thousands of"
        echo "entries, all at once); commit hands them to libiptc, which replaces the tables; read back"
        echo "reads the tables again and compares them with what was built; \"start and exit\" is the"
        echo "rest of the wall time (exec, loading libraries, forking the child, exit). \"libiptc + kernel\" is libiptc's session inside the"
        echo "child as \`strace --seccomp-bpf -f -T -ttt\` sees it (the run that times the kernel), from its first"
        echo "read of a table to the end of its last write; \"kernel replace\" is the \`IPT_SO_SET_REPLACE\` calls"
        echo "within it. Each column is a median of its own, so the columns do not add up exactly."
        echo
        cat "$breakdown"
        echo
        for note in "${stopped_notes[@]+"${stopped_notes[@]}"}"; do echo "$note"; echo; done
        echo "The hook process alone (\`oci-iptables-hook hook\`, createContainer, 10-rule policy, into a fresh"
        echo "namespace), median of 20 runs: $hook_ms ms, peak RSS $hook_rss KiB."
        echo
        [ -n "$podman_line" ] && { echo "$podman_line"; echo; }
        echo "Targets (issues 6 and 11):"
        echo
        cat "$targets"
} >"$W/results.md"

echo
cat "$W/results.md"

mkdir -p "$OUT"
md=$OUT/benchmarks.md
if [ -f "$md" ] && grep -q '^<!-- bench:begin -->' "$md" && grep -q '^<!-- bench:end -->' "$md"; then
        awk -v f="$W/results.md" '/^<!-- bench:begin -->/ {print; while ((getline l < f) > 0) print l; skip = 1; next}
                /^<!-- bench:end -->/ {skip = 0} !skip' "$md" >"$W/md.new"
        cat "$W/md.new" >"$md"
else
        { echo "# Benchmarks"; echo; echo "Written by \`scripts/bench.sh\`."; echo
          echo "<!-- bench:begin -->"; cat "$W/results.md"; echo "<!-- bench:end -->"; } >"$md"
fi

if command -v gnuplot >/dev/null; then
        # One file per mix and method, so that gnuplot joins each series with a line.
        for mix in ipv4 mixed; do
                awk -v m="$mix" '$2 == m' "$plot" >"$W/plot-$mix.dat"
                awk -v m="$mix" '$2 == m && $5 ~ /^[0-9.]+$/' "$plot" >"$W/plot-pr-$mix.dat"
        done
        gnuplot <<EOF
set terminal pngcairo size 900,600 noenhanced font ",10"
set output "$OUT/benchmarks.png"
set title "Replacing the filter tables of a fresh network namespace (median of $RUNS runs)"
set logscale xy
set xlabel "rules (kernel entries, IPv4 + IPv6)"
set ylabel "wall time (ms)"
set key outside bottom center horizontal maxrows 4 width -4
set grid
set format x "%.0f"
plot "$W/plot-ipv4.dat" using 1:3 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "oci-iptables-hook apply (IPv4)", \
     "$W/plot-mixed.dat" using 1:3 with linespoints lw 2 pt 6 dt 2 lc rgb "#1f77b4" title "oci-iptables-hook apply (IPv4+IPv6)", \
     "$W/plot-ipv4.dat" using 1:4 with linespoints lw 2 pt 5 lc rgb "#ff7f0e" title "iptables-legacy-restore (IPv4)", \
     "$W/plot-mixed.dat" using 1:4 with linespoints lw 2 pt 4 dt 2 lc rgb "#ff7f0e" title "ip(6)tables-legacy-restore (IPv4+IPv6)", \
     "$W/plot-pr-ipv4.dat" using 1:5 with linespoints lw 2 pt 9 lc rgb "#d62728" title "one iptables-legacy per rule (IPv4)", \
     "$W/plot-pr-mixed.dat" using 1:5 with linespoints lw 2 pt 8 dt 2 lc rgb "#d62728" title "one ip(6)tables-legacy per rule (IPv4+IPv6)", \
     "$W/plot-ipv4.dat" using 1:6 with linespoints lw 2 pt 13 lc rgb "#2ca02c" title "kernel replace system call (IPv4)", \
     "$W/plot-mixed.dat" using 1:6 with linespoints lw 2 pt 12 dt 2 lc rgb "#2ca02c" title "kernel replace system calls (IPv4+IPv6)"
EOF
else
        echo "bench.sh: gnuplot is missing: no plot written" >&2
fi
echo "bench.sh: wrote $md${OUT:+ and $OUT/benchmarks.png}" >&2
