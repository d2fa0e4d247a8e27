#!/usr/bin/env bash
# End to end against a genuine kube-apiserver 1.20.2 (scripts/real-cluster.sh): populate it through
# kubectl, dump it as YAML and JSON, scan both and the live cluster, and compare every finding with
# expected-findings.txt; a user who may not list Secrets gets "not assessable"; the API server's own
# audit log of the run is kept. With --admission, also the webhook: policy-server (Kubewarden 1.35)
# serving kubewarden.wasm over TLS as a ValidatingWebhookConfiguration.
#
#   tests/real-cluster/run.sh [--admission] [--keep]    (--keep: leave the cluster running)
#
# Skips (exit 0, loudly) only when the Debian packages cannot be installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/real-cluster"
cd "$ROOT"
admission=false keep=false
for arg in "$@"; do
  case "$arg" in
    --admission) admission=true ;;
    --keep) keep=true ;;
    *) echo "unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[real-cluster test]\033[0m %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }
failures=0

if ! scripts/real-cluster.sh build >&2; then
  if ! apt-get install -y -qq --dry-run etcd-server >/dev/null 2>&1; then
    say "SKIPPED: the Debian packages (etcd-server, golang-1.19-go, the kubernetes source) cannot be installed here"
    exit 0
  fi
  say "FAIL: the build failed although the packages install"
  exit 1
fi
eval "$(scripts/real-cluster.sh env)"
KUBECONFIG_ADMIN="$(scripts/real-cluster.sh start)"
$keep || trap 'scripts/real-cluster.sh stop' EXIT
scripts/real-cluster.sh populate >&2
kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# One request per way in, so the audit log shows each: anonymous (bound to `view`), the bootstrap
# token, a ServiceAccount token from the TokenRequest API, the authenticating proxy's headers
# (front-proxy client certificate), and kubectl's client certificate above.
API="https://127.0.0.1:$API_PORT"
curl -s --cacert "$PKI/ca.crt" "$API/api/v1/namespaces/default/configmaps" >/dev/null
curl -s --cacert "$PKI/ca.crt" -H "Authorization: Bearer abcdef.0123456789abcdef" \
  "$API/apis/certificates.k8s.io/v1/certificatesigningrequests" >/dev/null
sa_token="$(kubectl -n team-a create token ci-deployer --duration 10m)"
curl -s --cacert "$PKI/ca.crt" -H "Authorization: Bearer $sa_token" "$API/api/v1/namespaces/team-a/pods" >/dev/null
unset sa_token
curl -s --cacert "$PKI/ca.crt" --cert "$PKI/front-proxy-client.crt" --key "$PKI/front-proxy-client.key" \
  -H "X-Remote-User: proxied-alice" -H "X-Remote-Group: developers" "$API/api/v1/namespaces/team-a/pods" >/dev/null
sleep 2 # the audit backend writes in batches
for user in kubernetes-admin system:anonymous system:bootstrap:abcdef system:serviceaccount:team-a:ci-deployer proxied-alice; do
  grep -q "\"username\":\"$user\"" "$STATE/audit/audit.log" || fail "no request of $user in the audit log"
done

BIN="${AUTHN_AUDIT_BIN:-$ROOT/target/debug/authn-audit}"
[ -x "$BIN" ] || cargo build -q -p authn-audit
OUT="$STATE/out"
mkdir -p "$OUT"

# What the server itself did with the system:masters CSR (CertificateSubjectRestriction).
if grep -q 'system:masters' "$STATE/masters-csr.out" && ! kubectl get csr masters >/dev/null 2>&1; then
  say "ok: the server refused the system:masters CSR: $(tr -d '\n' <"$STATE/masters-csr.out")"
else
  fail "the server did not refuse the system:masters CSR: $(cat "$STATE/masters-csr.out")"
fi

# One line per finding: code, severity, kind, namespace/name (sorted, stable across formats).
findings() { jq -r '.findings[] | "\(.code) \(.severity) \(.object.kind) \(.object.namespace // "-")/\(.object.name)"' "$1" | sort; }

RESOURCES="pods,deployments,statefulsets,daemonsets,jobs,cronjobs,secrets,serviceaccounts,configmaps,certificatesigningrequests,clusterroles,clusterrolebindings,roles,rolebindings"
for format in yaml json; do
  kubectl get "$RESOURCES" -A -o "$format" >"$OUT/dump.$format"
  "$BIN" scan "$OUT/dump.$format" --format json --fail-on never >"$OUT/report-$format.json"
  findings "$OUT/report-$format.json" >"$OUT/findings-$format.txt"
  if diff -u "$HERE/expected-findings.txt" "$OUT/findings-$format.txt" >&2; then
    say "ok: the $format dump gives exactly the expected findings ($(wc -l <"$OUT/findings-$format.txt"))"
  else
    fail "the $format dump's findings differ from expected-findings.txt"
  fi
  # The preview rules for the impersonation and CSR-approval grants, selected by name.
  "$BIN" scan "$OUT/dump.$format" --select IM001,CC008 --format json --fail-on never >"$OUT/preview-$format.json"
  if diff -u "$HERE/expected-preview-findings.txt" <(findings "$OUT/preview-$format.json") >&2; then
    say "ok: the $format dump gives exactly the expected IM001/CC008 findings"
  else
    fail "the $format dump's IM001/CC008 findings differ from expected-preview-findings.txt"
  fi
  # Every finding points into its object in the dump: its object line starts an object whose
  # name follows before the next one starts, and its own line (the field) is inside that object.
  bad_lines="$(jq -r '.findings[] | "\(.source.objectLine // .source.line // 0) \(.source.line // 0) \(.object.name)"' \
    "$OUT/report-$format.json" |
    while read -r from at name; do
      awk -v from="$from" -v at="$at" -v name="$name" -v format="$format" '
        NR == from { start = ($0 ~ /^- apiVersion: / || $0 ~ /^        \{$/); next }
        NR > from && ($0 ~ /^- apiVersion: / || $0 ~ /^        \{$/) { end = NR; exit }
        NR > from && index($0, (format == "yaml" ? "    name: " name : "\"name\": \"" name "\"")) { found = 1 }
        END { exit !(start && found && at >= from && (end == 0 || at < end)) }' "$OUT/dump.$format" ||
        echo "$from:$at $name"
    done)"
  [ -z "$bad_lines" ] && say "ok: every $format finding's line is inside its object" ||
    fail "$format findings whose line is not inside their object: $bad_lines"
done

# The server's own objects (bootstrap RBAC, system namespaces) give nothing above info: every
# finding above info is on an object `populate` planted.
PLANTED='["kubeadm-config","ci-deployer","ci-deployer-token","ci-deployer-admin","anonymous-view","bootstrap-token-abcdef",
  "kubeadm:node-autoapprove-bootstrap","alice","break-glass-kubeconfig","impersonator","helpdesk-impersonator",
  "csr-approver","csr-approvers","default-edit","web","auditor","auditors"]'
above_info="$(jq -r --argjson planted "$PLANTED" '.findings[] | select(.severity != "info")
  | select(.object.namespace != "team-a" and (.object.name as $n | $planted | index($n) | not))
  | "\(.code) \(.object.kind) \(.object.name)"' "$OUT/report-yaml.json")"
[ -z "$above_info" ] && say "ok: the server's defaults give nothing above info" || fail "defaults above info: $above_info"

# The live scan sees what the dump shows.
AUTHN_AUDIT_KUBECTL="$KUBECTL" "$BIN" scan --cluster --kubeconfig "$KUBECONFIG_ADMIN" --format json --fail-on never \
  >"$OUT/report-live.json" 2>"$OUT/live.stderr" || true
findings "$OUT/report-live.json" >"$OUT/findings-live.txt"
if diff -u "$OUT/findings-yaml.txt" "$OUT/findings-live.txt" >&2; then
  say "ok: the live scan gives the dump's findings"
else
  fail "the live scan's findings differ from the dump's"
fi
grep -q 'reading secrets from the cluster' "$OUT/live.stderr" || fail "no progress on stderr"

# A user who may not list Secrets: those are not assessable, named, and the scan is not a pass.
set +e
AUTHN_AUDIT_KUBECTL="$KUBECTL" "$BIN" scan --cluster --kubeconfig "$STATE/viewer.kubeconfig" --format json \
  >"$OUT/report-viewer.json" 2>"$OUT/viewer.stderr"
status=$?
set -e
message="$(jq -r '.inputs[] | select(.path == "cluster/secrets") | .diagnostics[0] | "\(.code): \(.message)"' "$OUT/report-viewer.json")"
if [ "$status" = 2 ] && [[ "$message" == "forbidden: not assessable: the caller may not list \`secrets\`"* ]] &&
  [[ "$message" == *'User "auditor" cannot list resource "secrets"'* ]]; then
  say "ok: without list on Secrets: exit 2, $message"
else
  fail "viewer scan: exit $status, secrets input: $message"
fi

if $admission; then
  # shellcheck source=admission.sh
  source "$HERE/admission.sh"
fi

# The API server's audit log of this run, for the audit-log input (tests/fixtures/audit).
cp "$STATE/audit/audit.log" "$OUT/audit.log"
if [ -n "${AUTHN_AUDIT_KEEP_AUDIT_LOG:-}" ]; then
  cp "$STATE/audit/audit.log" "$AUTHN_AUDIT_KEEP_AUDIT_LOG"
fi

if [ "$failures" -gt 0 ]; then
  say "$failures check(s) FAILED (outputs in $OUT)"
  exit 1
fi
say "every real-cluster check passed (outputs in $OUT)"
