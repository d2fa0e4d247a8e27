# Sourced by run.sh --admission: Kubewarden's policy-server 1.35 serving kubewarden.wasm over TLS
# (a certificate from the cluster's own CA), registered as a ValidatingWebhookConfiguration with
# failurePolicy Fail. Every admission fixture's object goes through `kubectl create`: the bad ones
# must be refused by the API server with our message, the good twins admitted, the
# annotation bypass refused; a malformed and an oversized review must fail closed.
# Writes the kubectl transcript to $OUT/admission-transcript.txt (docs/engines.md shows it).

TOOLS="${AUTHN_AUDIT_KUBEWARDEN_TOOLS:-$ROOT/../shared/tools/kubewarden}"
WASM="${AUTHN_AUDIT_DIST:-$ROOT/dist/policy}/kubewarden.wasm"
[ -x "$TOOLS/policy-server" ] || { fail "no policy-server at $TOOLS"; return; }
[ -f "$WASM" ] || { fail "no $WASM: run cargo xtask wasm"; return; }

# The owner states the cluster's version (CC003: before 1.22 the server drops a CSR's
# expirationSeconds before the webhook sees it). A second policy without it shows the safe default.
server_version="$(kubectl version -o json 2>/dev/null | jq -r '.serverVersion.gitVersion // empty')"
[ -n "$server_version" ] || { fail "kubectl version gave no server version"; return; }
server_minor="$(sed -E 's/^v?1\.([0-9]+).*/\1/' <<<"$server_version")"
ps_home="$STATE/policy-server-home"
mkdir -p "$ps_home/downloads"
printf 'authn-audit:\n  module: file://%s\n  settings: {kubernetesVersion: "%s"}\nauthn-audit-unversioned:\n  module: file://%s\n  settings: {}\n' \
  "$WASM" "$server_version" "$WASM" >"$ps_home/policies.yml"
say "policy settings: kubernetesVersion $server_version"
(
  cd "$ps_home"
  export HOME="$ps_home" XDG_CONFIG_HOME="$ps_home/.config" XDG_DATA_HOME="$ps_home/.local/share" \
    XDG_CACHE_HOME="$ps_home/.cache"
  exec nohup "$TOOLS/policy-server" --addr 127.0.0.1 --port "$WEBHOOK_PORT" \
    --cert-file "$PKI/webhook.crt" --key-file "$PKI/webhook.key" --policies "$ps_home/policies.yml" \
    --policies-download-dir "$ps_home/downloads" --ignore-kubernetes-connection-failure --workers 2 \
    --readiness-probe-port "$((WEBHOOK_PORT + 1))" --sigstore-cache-dir "$ps_home/sigstore" \
    >"$STATE/policy-server.log" 2>&1
) &
echo $! >"$STATE/policy-server.pid"
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$((WEBHOOK_PORT + 1))/readiness" >/dev/null 2>&1 && break
  sleep 1
done

kubectl apply -f - >&2 <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: authn-audit
webhooks:
  - name: authn-audit.kubewarden.admission
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 10
    clientConfig:
      url: https://127.0.0.1:$WEBHOOK_PORT/validate/authn-audit
      caBundle: $(base64 -w0 <"$PKI/ca.crt")
    rules:
      - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["secrets", "serviceaccounts", "pods"]}
      - {apiGroups: ["certificates.k8s.io"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["certificatesigningrequests"]}
      - {apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]}
EOF
sleep 2

transcript="$OUT/admission-transcript.txt"
: >"$transcript"
fixtures="$ROOT/tests/fixtures/admission"
for file in "$fixtures"/*.json; do
  name="$(basename "$file" .json)"
  [ "$name" = expected ] && continue
  operation="$(jq -r '.request.operation' "$file")"
  object="$(jq -c '.request.object // empty' "$file")"
  # A DELETE or a review without an object is not something kubectl create can send.
  [ "$operation" = CREATE ] && [ -n "$object" ] || continue
  namespace="$(jq -r '.metadata.namespace // empty' <<<"$object")"
  if [ -n "$namespace" ]; then
    # With no kube-controller-manager, a namespace gets no `default` ServiceAccount by itself, and
    # the ServiceAccount admission plugin refuses Pods without one.
    kubectl create namespace "$namespace" >/dev/null 2>&1 || true
    kubectl -n "$namespace" create serviceaccount default >/dev/null 2>&1 || true
  fi
  allowed="$(jq -r --arg n "$name" '.[$n].allowed' "$fixtures/expected.json")"
  deny="$(jq -r --arg n "$name" '.[$n].deny | join(" ")' "$fixtures/expected.json")"
  set +e
  # --validate=false: kubectl 1.20's schema predates fields some fixtures carry (the server
  # itself drops them, as it would for any client).
  said="$(kubectl create --validate=false -f - <<<"$object" 2>&1)"
  status=$?
  set -e
  printf '$ kubectl create -f %s.yaml\n%s\n\n' "$name" "$said" >>"$transcript"
  # Twins share names: remove what was admitted before the next one comes.
  [ "$status" != 0 ] || kubectl delete --wait=false -f - <<<"$object" >/dev/null 2>&1 || true
  if [ "$name" = bad_csr_no_expiration ] && [ "$server_minor" -lt 22 ]; then
    # Before 1.22 no request can carry a lifetime (the server drops the field from the good twin
    # too, so the webhook sees the same object): the signer's duration decides, which the audit's
    # CC003 reports. The policy without the version still refuses it (below).
    [ "$status" = 0 ] && say "ok: $name admitted on $server_version (no request can bound its lifetime there)" ||
      fail "$name: on $server_version expected admitted, got: $said"
  elif [ "$allowed" = true ]; then
    if [ "$status" = 0 ]; then
      say "ok: $name admitted"
    elif [[ "$said" == *'(AlreadyExists)'* ]]; then
      # Storage runs after admission: the webhook admitted it, the server already holds one
      # (system:public-info-viewer is its own bootstrap binding).
      say "ok: $name admitted by the webhook (the server already holds an object of that name)"
    else
      fail "$name refused: $said"
    fi
  elif [[ "$said" == *'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed'* ]]; then
    # The server's own CertificateSubjectRestriction admission (1.19+) runs before the webhook.
    say "ok: $name refused by the server itself (CertificateSubjectRestriction) before the webhook"
  else
    missing=""
    for code in $deny; do [[ "$said" == *"$code: "* ]] || missing="$missing $code"; done
    if [ "$status" != 0 ] && [[ "$said" == *'denied the request'* ]] && [ -z "$missing" ]; then
      say "ok: $name refused ($deny)"
    else
      fail "$name: exit $status, missing codes:${missing:- none}: $said"
    fi
  fi
done

# The safe default: without the owner's version, the policy demands the lifetime (the review as
# the fixture has it, straight to the unversioned policy).
said="$(curl -s --cacert "$PKI/ca.crt" -H 'content-type: application/json' \
  --data-binary @"$fixtures/bad_csr_no_expiration.json" "https://127.0.0.1:$WEBHOOK_PORT/validate/authn-audit-unversioned" || true)"
if [ "$(jq -r '.response.allowed' <<<"$said" 2>/dev/null)" = false ] && [[ "$said" == *'CC003: '* ]]; then
  say "ok: without kubernetesVersion, bad_csr_no_expiration is refused (CC003)"
else
  fail "without kubernetesVersion, bad_csr_no_expiration was not refused by CC003: $(head -c 300 <<<"$said")"
fi

# Straight to the webhook, as only a broken or hostile client could: malformed JSON and an
# oversized review must not come back allowed.
for case in malformed oversized; do
  if [ "$case" = malformed ]; then
    printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":' >"$OUT/$case.json"
  else
    head -c 4000000 /dev/zero | tr '\0' a >"$OUT/pad.txt"
    jq -c --rawfile pad "$OUT/pad.txt" '.request.object.metadata.annotations.pad = $pad' \
      "$fixtures/ok_rolebinding_user.json" >"$OUT/$case.json"
    rm -f "$OUT/pad.txt"
  fi
  answer="$(curl -s -o "$OUT/$case.answer" -w '%{http_code}' --cacert "$PKI/ca.crt" -H 'content-type: application/json' \
    --data-binary @"$OUT/$case.json" "https://127.0.0.1:$WEBHOOK_PORT/validate/authn-audit" || true)"
  if [ "$answer" != 200 ] || [ "$(jq -r '.response.allowed' "$OUT/$case.answer" 2>/dev/null)" = false ]; then
    say "ok: a $case review fails closed (HTTP $answer)"
  else
    fail "a $case review came back allowed: $(head -c 300 "$OUT/$case.answer")"
  fi
  rm -f "$OUT/$case.json"
done
kubectl delete validatingwebhookconfiguration authn-audit >&2
