#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rules/policy.schema.json says what `oci-iptables-hook check` says.
#
# 1. The schema is a valid JSON Schema (draft 2020-12).
# 2. Every policy in rules/ and under tests/ that check accepts, the schema accepts.
# 3. Cases below, one per shape the format has: check and the schema give the expected verdict
#    (both accept or both refuse). What the schema cannot express (chains declared before use,
#    address families agreeing, loops, multiport slots, ranges in order) is not among them.
#
# Needs python3 with the jsonschema module (Debian: python3-jsonschema); SKIP without it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

SCHEMA=$OIH_SRCDIR/rules/policy.schema.json
PY=
for py in python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import jsonschema' 2>/dev/null; then
                PY=$py
                break
        fi
done
if [ -z "$PY" ]; then
        echo "SKIP: no python3 with the jsonschema module (apt-get install python3-jsonschema)"
        exit 77
fi

# validate FILE...: one line per file, "valid" or "invalid: why", in order.
validate() {
        "$PY" - "$SCHEMA" "$@" <<'EOF'
import json, sys
import jsonschema
with open(sys.argv[1]) as f:
    schema = json.load(f)
v = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        print("invalid: not JSON: %s" % e)
        continue
    err = jsonschema.exceptions.best_match(v.iter_errors(doc))
    if err is None:
        print("valid")
    else:
        print("invalid: %s: %s" % ("/".join(str(p) for p in err.absolute_path) or "(top)",
                                   err.message[:200]))
EOF
}

# shellcheck disable=SC2016 # python, not shell
check "schema is a valid draft 2020-12 JSON Schema" "$PY" -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
jsonschema.Draft202012Validator.check_schema(s)' "$SCHEMA"

# ---- 2. the policies shipped and used by the tests ----
# (OCI state files of the fuzz corpus are not policies.)
mapfile -t files < <(find "$OIH_SRCDIR/rules" "$OIH_SRCDIR/tests" -name '*.json' \
        ! -name policy.schema.json ! -path '*/corpus/state/*' | LC_ALL=C sort)
mapfile -t verdicts < <(validate "${files[@]}")
for i in "${!files[@]}"; do
        f=${files[$i]}
        rel=${f#"$OIH_SRCDIR"/}
        if "$OIH_BIN" check "$f" >/dev/null 2>&1; then
                if [ "${verdicts[$i]}" = valid ]; then
                        ok "$rel: check and the schema accept it"
                else
                        not_ok "$rel: check accepts it, the schema does not (${verdicts[$i]})"
                fi
        elif [ "${verdicts[$i]}" = valid ]; then
                # A deliberately broken policy whose fault is beyond a schema.
                echo "# $rel: check refuses it, the schema cannot tell"
        else
                ok "$rel: check and the schema refuse it"
        fi
done

# ---- 3. the shapes, case by case ----
# "+ JSON" both accept, "- JSON" both refuse. A JSON starting with '{"chain"' is a rule, put in
# a policy that declares the chain "web"; anything else is a whole policy.
cases=$(cat <<'EOF'
+ {"version": 1}
+ {"version": 1, "description": "d", "policy": {"INPUT": "DROP", "OUTPUT": {"ipv4": "DROP"}, "FORWARD": {"ipv4": "ACCEPT", "ipv6": "DROP"}}}
- {}
- {"version": 3}
- {"version": "1"}
- {"version": 1, "extra": true}
- {"version": 1, "description": 5}
+ {"version": 1, "description": "caf\u00e9\nanything goes here"}
+ {"version": 1, "allow_capabilities": ["NET_RAW", "CAP_SYS_PTRACE"]}
- {"version": 1, "allow_capabilities": ["CHOWN"]}
- {"version": 1, "allow_capabilities": ["net_raw"]}
+ {"version": 1, "name_grace": 0}
+ {"version": 1, "name_grace": 86400}
- {"version": 1, "name_grace": 86401}
+ {"version": 1, "name_grace": "600"}
- {"version": 1, "name_grace": "86401"}
- {"version": 1, "name_grace": 1.5}
- {"version": 1, "name_grace": -1}
- {"version": 1, "allow_capabilities": "NET_RAW"}
- {"version": 1, "allow_capabilities": ["NET_RAW", "NET_RAW"]}
- {"version": 1, "policy": {"PREROUTING": "DROP"}}
- {"version": 1, "policy": {"INPUT": "REJECT"}}
- {"version": 1, "policy": {"INPUT": {}}}
- {"version": 1, "policy": {"INPUT": {"ipv4": "DROP", "ipx": "DROP"}}}
+ {"version": 1, "chains": ["web", {"name": "v6only", "family": "ipv6"}, "a.b:c-d_9", "a234567890123456789012345678"]}
- {"version": 1, "chains": ["-bad"]}
- {"version": 1, "chains": ["LOG"]}
- {"version": 1, "chains": ["has space"]}
- {"version": 1, "chains": ["a2345678901234567890123456789"]}
- {"version": 1, "chains": [""]}
- {"version": 1, "chains": [{"family": "ipv4"}]}
- {"version": 1, "chains": [{"name": "x", "family": "ipv5"}]}
- {"version": 1, "chains": [{"name": "x", "colour": "red"}]}
- {"version": 1, "chains": ["web", "web"]}
- {"version": 1, "chains": "web"}
- {"version": 1, "rules": {}}
- {"version": 1, "rules": [[]]}
- {"version": 1, "rules": [{"target": "ACCEPT"}]}
+ {"chain": "OUTPUT"}
- {"chain": "OUTPUT", "bogus": 1}
- {"chain": "a2345678901234567890123456789"}
+ {"chain": "OUTPUT", "protocol": "tcp", "dport": 443, "target": "ACCEPT"}
+ {"chain": "OUTPUT", "protocol": 6, "dport": "0443", "sport": "1024:65535", "target": "ACCEPT"}
+ {"chain": "OUTPUT", "protocol": "udp", "dport": [53, "5353", "6000:6010"], "target": "ACCEPT"}
+ {"chain": "OUTPUT", "protocol": "tcp", "dport": {"not": [80, 443]}, "sport": {"not": 22}}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": 65536}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": -1}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": "http"}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": "80-90"}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": "80:70000"}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": []}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": 80.5}
- {"chain": "OUTPUT", "dport": 80}
- {"chain": "OUTPUT", "protocol": {"not": "tcp"}, "dport": 80}
- {"chain": "OUTPUT", "protocol": "icmp", "sport": 80}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": {"not": 80, "x": 1}}
+ {"chain": "OUTPUT", "protocol": {"not": "udp"}, "target": "DROP"}
+ {"chain": "OUTPUT", "protocol": "all"}
+ {"chain": "OUTPUT", "protocol": 132}
- {"chain": "OUTPUT", "protocol": "gre"}
- {"chain": "OUTPUT", "protocol": 256}
- {"chain": "OUTPUT", "protocol": "6"}
- {"chain": "OUTPUT", "protocol": {"not": "all"}}
- {"chain": "OUTPUT", "protocol": {"not": 0}}
+ {"chain": "INPUT", "source": "192.0.2.7/24", "destination": {"not": "198.51.100.1"}, "target": "DROP"}
+ {"chain": "OUTPUT", "destination": ["192.0.2.1", "2001:db8::/32", "64:ff9b::192.0.2.1", "fe80::1/064"]}
+ {"chain": "OUTPUT", "destination": "example.com"}
+ {"chain": "OUTPUT", "destination": "API-1.Example.COM."}
+ {"chain": "OUTPUT", "destination": ["api.example.com", "192.0.2.0/24", {"name": "x.example.org", "family": "ipv6"}]}
+ {"chain": "OUTPUT", "destination": {"name": "api.example.com"}}
+ {"chain": "OUTPUT", "destination": "a.b.c.d.e.example.123a"}
- {"chain": "OUTPUT", "destination": "localhost"}
- {"chain": "OUTPUT", "destination": "*.example.com"}
- {"chain": "OUTPUT", "destination": "_dmarc.example.com"}
- {"chain": "OUTPUT", "destination": "-a.example.com"}
- {"chain": "OUTPUT", "destination": "a-.example.com"}
- {"chain": "OUTPUT", "destination": "a..example.com"}
- {"chain": "OUTPUT", "destination": "example.com.."}
- {"chain": "OUTPUT", "destination": "example.1234"}
- {"chain": "OUTPUT", "destination": "a234567890123456789012345678901234567890123456789012345678901234.example.com"}
- {"chain": "OUTPUT", "destination": {"not": "example.com"}}
- {"chain": "OUTPUT", "destination": {"name": "example.com", "family": "ipv5"}}
- {"chain": "OUTPUT", "destination": {"name": "example.com", "ttl": 5}}
- {"chain": "OUTPUT", "destination": {"family": "ipv4"}}
- {"chain": "OUTPUT", "destination": {"name": "192.0.2.1"}}
- {"chain": "OUTPUT", "destination": "192.0.2.0/33"}
- {"chain": "OUTPUT", "destination": "2001:db8::/129"}
- {"chain": "OUTPUT", "destination": "192.0.2.01"}
- {"chain": "OUTPUT", "destination": "fe80::1%eth0"}
- {"chain": "OUTPUT", "destination": "1:2:3:4:5:6:7:8:9"}
- {"chain": "OUTPUT", "destination": {"not": ["192.0.2.1"]}}
- {"chain": "OUTPUT", "destination": []}
- {"chain": "OUTPUT", "source": 3232235777}
+ {"chain": "FORWARD", "in_interface": "eth+", "out_interface": {"not": "veth0"}}
+ {"chain": "OUTPUT", "out_interface": "a23456789012345"}
- {"chain": "OUTPUT", "in_interface": "eth0"}
- {"chain": "INPUT", "out_interface": "eth0"}
- {"chain": "FORWARD", "in_interface": "e+th"}
- {"chain": "FORWARD", "in_interface": "a234567890123456"}
- {"chain": "FORWARD", "in_interface": ""}
- {"chain": "FORWARD", "in_interface": "a/b"}
- {"chain": "FORWARD", "in_interface": "a b"}
- {"chain": "FORWARD", "in_interface": "eth0\n"}
- {"chain": "FORWARD", "in_interface": "!eth0"}
- {"chain": "FORWARD", "in_interface": {"not": "!eth0"}}
- {"chain": "FORWARD", "in_interface": "!"}
- {"chain": "FORWARD", "out_interface": "eth0:1"}
- {"chain": "FORWARD", "out_interface": ".."}
- {"chain": "FORWARD", "out_interface": "."}
+ {"chain": "FORWARD", "out_interface": "..."}
+ {"chain": "FORWARD", "out_interface": "a!b"}
+ {"chain": "FORWARD", "in_interface": "+", "out_interface": {"not": "eth+"}}
- {"chain": "OUTPUT", "protocol": "tcp", "dport": "80\n"}
- {"chain": "OUTPUT", "destination": "192.0.2.1\n"}
+ {"chain": "INPUT", "protocol": "tcp", "syn": true, "target": "DROP"}
+ {"chain": "INPUT", "protocol": "tcp", "syn": {"not": true}}
- {"chain": "INPUT", "protocol": "tcp", "syn": false}
- {"chain": "INPUT", "syn": true}
+ {"chain": "INPUT", "protocol": "tcp", "tcp_flags": {"mask": ["SYN", "ACK"], "set": ["SYN"]}}
+ {"chain": "INPUT", "protocol": "tcp", "tcp_flags": {"not": {"mask": ["ALL"], "set": ["NONE"]}}}
- {"chain": "INPUT", "protocol": "tcp", "tcp_flags": {"mask": ["SYN"]}}
- {"chain": "INPUT", "protocol": "tcp", "tcp_flags": {"mask": ["FOO"], "set": []}}
- {"chain": "INPUT", "protocol": "udp", "tcp_flags": {"mask": ["SYN"], "set": []}}
- {"chain": "INPUT", "protocol": "tcp", "syn": true, "tcp_flags": {"mask": ["SYN"], "set": []}}
+ {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": "echo-request"}
+ {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": "3/3", "family": "ipv4"}
+ {"chain": "OUTPUT", "protocol": 1, "icmp_type": 8}
+ {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": {"not": "any"}}
+ {"chain": "OUTPUT", "protocol": "icmpv6", "icmp_type": "neighbour-solicitation"}
+ {"chain": "OUTPUT", "protocol": "ipv6-icmp", "icmp_type": "128"}
- {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": "neighbour-solicitation"}
- {"chain": "OUTPUT", "protocol": "icmpv6", "icmp_type": "any"}
- {"chain": "OUTPUT", "icmp_type": "echo-request"}
- {"chain": "OUTPUT", "protocol": "tcp", "icmp_type": 8}
- {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": 256}
- {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": "3/256"}
- {"chain": "OUTPUT", "protocol": "icmp", "icmp_type": "3/3:4"}
- {"chain": "OUTPUT", "protocol": "icmp", "family": "ipv6"}
- {"chain": "OUTPUT", "protocol": "icmpv6", "family": "ipv4"}
+ {"chain": "INPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT"}
+ {"chain": "INPUT", "ctstate": {"not": ["INVALID"]}, "state": "NEW"}
- {"chain": "INPUT", "ctstate": ["BOGUS"]}
- {"chain": "INPUT", "ctstate": []}
- {"chain": "INPUT", "state": [1]}
+ {"chain": "OUTPUT", "uid_owner": 1000, "gid_owner": "100-200"}
+ {"chain": "OUTPUT", "uid_owner": {"not": 0}, "gid_owner": "4294967294"}
+ {"chain": "web", "uid_owner": 0}
- {"chain": "INPUT", "uid_owner": 0}
- {"chain": "FORWARD", "gid_owner": 0}
- {"chain": "OUTPUT", "uid_owner": -1}
- {"chain": "OUTPUT", "uid_owner": 4294967295}
- {"chain": "OUTPUT", "uid_owner": "root"}
+ {"chain": "INPUT", "limit": {"rate": "10/second", "burst": 20}}
+ {"chain": "INPUT", "limit": {"rate": "10000/d", "burst": "10000"}}
- {"chain": "INPUT", "limit": {"burst": 5}}
- {"chain": "INPUT", "limit": {"rate": "0/s"}}
- {"chain": "INPUT", "limit": {"rate": "10/week"}}
- {"chain": "INPUT", "limit": {"rate": "10001/s"}}
- {"chain": "INPUT", "limit": {"rate": "1/s", "burst": 0}}
- {"chain": "INPUT", "limit": {"rate": "1/s", "burst": 10001}}
- {"chain": "INPUT", "limit": {"rate": "1/s", "size": 1}}
- {"chain": "INPUT", "limit": "1/s"}
+ {"chain": "INPUT", "comment": "allow: the web (port 443) ~ \"quoted\""}
- {"chain": "INPUT", "comment": "two\nlines"}
- {"chain": "INPUT", "comment": "caf\u00e9"}
- {"chain": "INPUT", "comment": 5}
+ {"chain": "OUTPUT", "target": "web"}
+ {"chain": "OUTPUT", "goto": "web"}
- {"chain": "OUTPUT", "target": "OUTPUT"}
- {"chain": "OUTPUT", "goto": "ACCEPT"}
- {"chain": "OUTPUT", "target": "web", "goto": "web"}
- {"chain": "OUTPUT", "target": "QUEUE"}
+ {"chain": "INPUT", "protocol": "tcp", "target": "REJECT", "reject_with": "tcp-reset"}
+ {"chain": "INPUT", "target": "REJECT", "reject_with": "icmp6-adm-prohibited"}
+ {"chain": "INPUT", "target": "REJECT", "reject_with": "icmp-host-prohibited"}
- {"chain": "INPUT", "target": "REJECT", "reject_with": "tcp-reset"}
- {"chain": "INPUT", "target": "REJECT", "reject_with": "bogus"}
- {"chain": "INPUT", "target": "DROP", "reject_with": "icmp-port-unreachable"}
+ {"chain": "INPUT", "target": "LOG", "log_prefix": "in: ", "log_level": "info"}
+ {"chain": "INPUT", "target": "LOG", "log_level": 7}
+ {"chain": "INPUT", "target": "LOG", "log_level": "4"}
- {"chain": "INPUT", "target": "LOG", "log_level": 8}
- {"chain": "INPUT", "target": "LOG", "log_level": "loud"}
- {"chain": "INPUT", "target": "LOG", "log_prefix": "a23456789012345678901234567890"}
- {"chain": "INPUT", "target": "DROP", "log_prefix": "x"}
+ {"chain": "INPUT", "target": "NFLOG", "nflog_group": 5, "nflog_prefix": "p"}
+ {"chain": "INPUT", "target": "NFLOG", "nflog_group": "65535"}
- {"chain": "INPUT", "target": "NFLOG", "nflog_group": 65536}
- {"chain": "INPUT", "target": "LOG", "nflog_group": 1}
- {"chain": "INPUT", "target": "NFLOG", "nflog_prefix": "a234567890123456789012345678901234567890123456789012345678901234"}
+ {"chain": "OUTPUT", "family": "ipv6", "destination": "2001:db8::1"}
+ {"chain": "OUTPUT", "family": "both"}
- {"chain": "OUTPUT", "family": "ipv5"}
+ {"chain": "OUTPUT", "destination": {"not": "192.0.2.1"}, "target": "DROP"}
+ {"chain": "INPUT", "target": "REJECT", "reject_with": "icmp-admin-prohibited"}
- {"chain": "OUTPUT", "destination": "::ffff:192.0.2.1"}
- {"chain": "OUTPUT", "destination": "::FFFF:c000:0201"}
- {"chain": "OUTPUT", "source": {"not": "0:0:0:0:0:ffff:192.0.2.0/120"}}
- {"chain": "OUTPUT", "source": ["2001:db8::1", "0::ffff:192.0.2.1"]}
+ {"chain": "OUTPUT", "source": "::ffff:0:0/80"}
+ {"chain": "OUTPUT", "source": "::ffff:1"}
+ {"chain": "INPUT", "limit": {"rate": "1/day", "burst": 1}}
+ {"chain": "INPUT", "limit": {"rate": "1/minute", "burst": 1864}}
EOF
)

n=0
docs=()
want=()
while IFS= read -r line; do
        n=$((n + 1))
        json=${line#? }
        if [[ $json == '{"chain"'* ]]; then
                json="{\"version\": 1, \"chains\": [\"web\"], \"rules\": [$json]}"
        fi
        printf '%s\n' "$json" >"$T_TMP/case$n.json"
        docs+=("$T_TMP/case$n.json")
        want+=("${line%% *}")
done <<<"$cases"
mapfile -t verdicts < <(validate "${docs[@]}")
for i in "${!docs[@]}"; do
        f=${docs[$i]}
        what=$(head -c 150 "$f")
        if "$OIH_BIN" check "$f" >/dev/null 2>&1; then c=+; else c=-; fi
        if [ "${verdicts[$i]}" = valid ]; then s=+; else s=-; fi
        word=$([ "${want[$i]}" = + ] && echo accept || echo refuse)
        if [ "$c" = "${want[$i]}" ] && [ "$s" = "${want[$i]}" ]; then
                ok "both $word $what"
        else
                not_ok "both $word $what (check: $c, schema: $s ${verdicts[$i]})"
        fi
done

done_testing
