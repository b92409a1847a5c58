#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Mutation testing: proves that the tests catch what they claim. Applies each mutation of
# tests/mutations.txt, one at a time, to a scratch copy of the source tree, rebuilds it, runs the
# tests the mutation names and reports KILLED (a check failed that passes on the unmutated
# tree), SURVIVED (none did: a gap in the tests) or ERROR (the mutation's text does not occur
# exactly once, or the mutant does not build). Ends with "mutations: N killed, M survived";
# exits 1 when any survived or erred. The real tree is never edited.
#
# Usage (as root): scripts/mutate.sh [--list FILE] [--keep] [NAME...]
#   NAME...     only these mutations (default: all)
#   --list F    the mutation list (default: tests/mutations.txt)
#   --keep      keep the scratch tree (its path is printed)
#
# Every test runs in a sandbox: a new network, mount and PID namespace with a /proc of its own and
# an empty /run/netns, so that neither /proc/1 nor /proc/2 nor any /run/netns name leads to the
# machine's own network namespace, whatever the mutant does. A test spec "check-all@host:S:C"
# runs that check tcase outside the sandbox; only the read-only host-netns tcase needs that.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
list=$src/tests/mutations.txt
keep=false
only=()
while [ $# -gt 0 ]; do
        case $1 in
        --list) list=$2; shift 2 ;;
        --keep) keep=true; shift ;;
        -h|--help) sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "mutate.sh: unknown option $1" >&2; exit 2 ;;
        *) only+=("$1"); shift ;;
        esac
done
if [ "$(id -u)" != 0 ]; then
        echo "mutate.sh: needs root (the tests create network namespaces)" >&2
        exit 2
fi
list=$(realpath "$list")
start=$(date +%s)

# Under /run, not /tmp: the hook refuses rules directories below a world-writable directory.
work=$(mktemp -d /run/oih-mutate.XXXXXX)
chmod 755 "$work" # tests run the binary as an unprivileged user too
cleanup() {
        if $keep; then echo "# scratch tree kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/src" "$work/build" "$work/out" "$work/orig" /run/netns

# The working tree's tracked files (uncommitted edits included), as git archive would pack them.
(cd "$src" && git ls-files -z | tar --null --ignore-failed-read -T - -cf -) | tar -C "$work/src" -xf -
flags=(--enable-werror)
if [ -x "$src/build/config.status" ]; then
        eval "flags=($("$src/build/config.status" --config))"
fi
echo "# scratch tree $work/src, configure ${flags[*]}"
(cd "$work/src" && autoreconf -fi) >"$work/out/build.log" 2>&1
(cd "$work/build" && ../src/configure -q "${flags[@]}" && make -j2 && make -j2 check TESTS=) \
        >>"$work/out/build.log" 2>&1 || { echo "mutate.sh: the unmutated tree does not build: $work/out/build.log" >&2; keep=true; exit 2; }

# ---- the list: blocks of "[name]", "file:", "tests:", "what:", "find:" and "replace:" followed
# by "| text" lines (verbatim after "| "); "#" lines are comments ----
python3 - "$list" "$work/list" <<'EOF'
import sys, json
blocks, cur, mode = [], None, None
for n, line in enumerate(open(sys.argv[1]).read().split("\n"), 1):
    if line.startswith("#") or (line.strip() == "" and mode is None):
        continue
    if line.startswith("[") and line.rstrip().endswith("]"):
        cur = {"name": line.strip()[1:-1], "find": [], "replace": [], "line": n}
        blocks.append(cur); mode = None
    elif cur is None:
        sys.exit(f"{sys.argv[1]}:{n}: text before the first [name]")
    elif line.startswith("| ") or line == "|":
        if mode not in ("find", "replace"):
            sys.exit(f"{sys.argv[1]}:{n}: a '| ' line outside find: or replace:")
        cur[mode].append(line[2:])
    elif line.strip() == "":
        mode = None
    else:
        key, _, val = line.partition(":")
        if key not in ("file", "tests", "what", "find", "replace"):
            sys.exit(f"{sys.argv[1]}:{n}: unknown key {key!r}")
        if key in ("find", "replace"):
            mode = key
        else:
            cur[key] = val.strip(); mode = None
names = set()
for b in blocks:
    for k in ("file", "tests", "what"):
        if not b.get(k):
            sys.exit(f"{sys.argv[1]}:{b['line']}: [{b['name']}] has no {k}:")
    if not b["find"]:
        sys.exit(f"{sys.argv[1]}:{b['line']}: [{b['name']}] has no find: text")
    if b["name"] in names:
        sys.exit(f"{sys.argv[1]}:{b['line']}: [{b['name']}] twice")
    names.add(b["name"])
    b["find"] = "\n".join(b["find"]); b["replace"] = "\n".join(b["replace"])
json.dump(blocks, open(sys.argv[2], "w"))
EOF
mapfile -t names < <(python3 -c 'import json,sys; [print(b["name"]) for b in json.load(open(sys.argv[1]))]' "$work/list")
field() { python3 -c 'import json,sys; print(next(b for b in json.load(open(sys.argv[1])) if b["name"] == sys.argv[2])[sys.argv[3]])' "$work/list" "$1" "$2"; }
if [ ${#only[@]} -gt 0 ]; then
        for n in "${only[@]}"; do
                printf '%s\n' "${names[@]}" | grep -qxF -- "$n" || { echo "mutate.sh: no mutation named $n" >&2; exit 2; }
        done
        names=("${only[@]}")
fi

# ---- running one test spec: prints its failures, one signature a line ----
sandbox() {
        unshare --net --mount --pid --fork --mount-proc --propagation private -- \
                bash -c 'ip link set lo up && mount -t tmpfs -o mode=0755 oih-mutate /run/netns && exec "$@"' sandbox "$@"
}
run_spec() { # SPEC LOG
        local spec=$1 log=$2 rc=0 where=sandbox
        export OIH_BIN=$work/build/oci-iptables-hook OIH_SRCDIR=$work/src OIH_BUILDDIR=$work/build
        case $spec in
        check-all@host:*) where=; spec=check-all:${spec#check-all@host:} ;;
        esac
        case $spec in
        check-all*)
                local s c
                IFS=: read -r _ s c <<<"$spec"
                local env=(CK_DEFAULT_TIMEOUT=60)
                [ -z "$s" ] || env+=(CK_RUN_SUITE="$s")
                [ -z "${c:-}" ] || env+=(CK_RUN_CASE="$c")
                (cd "$work/build" && $where timeout 600 env "${env[@]}" ./tests/check-all) >"$log" 2>&1 || rc=$?
                # "file:line:F:tcase:test:iteration: message": the tcase, test and iteration
                grep -E '^[^:]+:[0-9]+:[FE]:' "$log" | cut -d: -f3-6 || true
                ;;
        *.sh)
                (cd "$work/build" && $where timeout 900 bash "$work/src/tests/$spec") >"$log" 2>&1 || rc=$?
                grep -E '^(not ok|Bail out!)' "$log" | sed -E 's/^not ok [0-9]+ /not ok /' || true
                ;;
        *) echo "unknown test spec $spec" ;;
        esac
        case $rc in
        0|77) ;;
        124) echo "timed out" ;;
        *) echo "exit status $rc" ;;
        esac
}

# ---- the unmutated tree: what fails there already cannot tell a mutant ----
declare -A base
all_specs=$(for n in "${names[@]}"; do field "$n" tests; done | tr ' ' '\n' | sed '/^$/d' | sort -u)
for spec in $all_specs; do
        f=$work/out/base-${spec//[:@\/]/_}
        run_spec "$spec" "$f.log" >"$f.sig"
        if [ -s "$f.sig" ]; then
                echo "# baseline $spec fails on the unmutated tree (ignored for the mutants):"
                sed 's/^/#   /' "$f.sig"
        fi
done

killed=0 survived=0 errors=0
for n in "${names[@]}"; do
        file=$(field "$n" file)
        tests=$(field "$n" tests)
        python3 -c 'import json,sys; b=next(b for b in json.load(open(sys.argv[1])) if b["name"]==sys.argv[2]); open(sys.argv[3],"w").write(b["find"]); open(sys.argv[4],"w").write(b["replace"])' \
                "$work/list" "$n" "$work/find" "$work/replace"
        t=$work/src/$file
        if [ ! -f "$t" ]; then
                echo "ERROR    $n: no file $file"; errors=$((errors + 1)); continue
        fi
        cp "$t" "$work/orig/file"
        count=$(python3 - "$t" "$work/find" "$work/replace" <<'EOF'
import sys
text, find, repl = (open(p).read() for p in sys.argv[1:4])
k = text.count(find)
if k == 1:
    open(sys.argv[1], "w").write(text.replace(find, repl))
print(k)
EOF
)
        if [ "$count" != 1 ]; then
                echo "ERROR    $n: its find: text occurs $count times in $file (must be once)"
                errors=$((errors + 1)); continue
        fi
        t0=$(date +%s)
        if ! (cd "$work/build" && make -j2 && make -j2 check TESTS=) >"$work/out/$n.build.log" 2>&1; then
                echo "ERROR    $n: the mutant does not build ($(grep -m1 -E 'error' "$work/out/$n.build.log" || echo see log))"
                errors=$((errors + 1))
                cp "$work/orig/file" "$t"
                continue
        fi
        by=
        for spec in $tests; do
                b=$work/out/base-${spec//[:@\/]/_}.sig
                run_spec "$spec" "$work/out/$n.${spec//[:@\/]/_}.log" >"$work/out/$n.sig"
                new=$(grep -vxF -f "$b" "$work/out/$n.sig" || true)
                [ -s "$b" ] || new=$(cat "$work/out/$n.sig")
                if [ -n "$new" ]; then
                        by="$spec: $(head -1 <<<"$new") ($(wc -l <<<"$new") new)"
                        break # the first test that kills it is enough
                fi
        done
        if [ -n "$by" ]; then
                echo "KILLED   $n ($(($(date +%s) - t0)) s) by $by"
                killed=$((killed + 1))
        else
                echo "SURVIVED $n ($(($(date +%s) - t0)) s): $tests all pass"
                survived=$((survived + 1))
        fi
        # a fresh mtime, so that the next make rebuilds what the mutant built
        cp "$work/orig/file" "$t"
done
echo "# $((killed + survived + errors)) mutations in $(($(date +%s) - start)) s; $errors errors"
echo "mutations: $killed killed, $survived survived"
[ "$survived" = 0 ] && [ "$errors" = 0 ]
