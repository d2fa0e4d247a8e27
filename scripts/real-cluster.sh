#!/usr/bin/env bash
# A real, kubeadm-like Kubernetes control plane on 127.0.0.1, from software no one here wrote:
# Debian's kube-apiserver 1.20.2 (built once from `apt-get source kubernetes`, cached by version)
# and Debian's etcd-server. The end-to-end test bed of docs/testing.md.
#
#   scripts/real-cluster.sh build      install the Debian packages, build and cache kube-apiserver
#   scripts/real-cluster.sh start      start etcd + kube-apiserver; prints the admin kubeconfig path
#   scripts/real-cluster.sh populate   plant the test objects through kubectl, as an operator would
#   scripts/real-cluster.sh stop       stop everything it started (leaves nothing running)
#   scripts/real-cluster.sh env        print the paths the tests read (KUBECONFIG, STATE, ...)
#
# State (PKI, kubeconfigs, etcd data, audit log, logs) lives in $AUTHN_AUDIT_CLUSTER_DIR
# (default /tmp/authn-audit-cluster); binaries in $AUTHN_AUDIT_CACHE (default ~/.cache/authn-audit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

K8S_VERSION="1.20.2"
DEB_SRC_VERSION_GLOB="kubernetes-1.20*"
CACHE="${AUTHN_AUDIT_CACHE:-$HOME/.cache/authn-audit}"
APISERVER="$CACHE/kube-apiserver-$K8S_VERSION"
# The machine's kubectl. (Debian's kubernetes-client 1.20.2 cannot be used: built with a newer Go
# than its vendored reflect2 supports, it panics in json-iterator on its first request.)
KUBECTL="${AUTHN_AUDIT_KUBECTL:-$(command -v kubectl || true)}"
STATE="${AUTHN_AUDIT_CLUSTER_DIR:-/tmp/authn-audit-cluster}"
ETCD_PORT="${AUTHN_AUDIT_ETCD_PORT:-23790}"
API_PORT="${AUTHN_AUDIT_API_PORT:-16443}"
WEBHOOK_PORT="${AUTHN_AUDIT_WEBHOOK_PORT:-13443}"

log() { printf '\033[1m[real-cluster]\033[0m %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# build: Debian packages, kube-apiserver from Debian's source package, kubectl of the same version
# ---------------------------------------------------------------------------------------------
apt_ready() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_deb_src() {
  # `apt-get source` needs a deb-src entry for the same archive as the machine's deb lines.
  local list=/etc/apt/sources.list.d/authn-audit-src.sources
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    log "adding a deb-src entry ($list)"
    cat >"$list" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
}

# Packages the cluster needs at run time (and to build it): a non-zero status means "cannot install".
ensure_packages() {
  ensure_deb_src
  apt-get update -qq || return 1
  apt_ready etcd-server openssl curl dpkg-dev || return 1
}

ensure_apiserver() {
  [ -x "$APISERVER" ] && return 0
  apt_ready golang-1.19-go rsync || return 1  # the Makefile copies with rsync
  local build="$CACHE/build-kubernetes"
  rm -rf "$build"
  mkdir -p "$build"
  log "apt-get source kubernetes into $build"
  (cd "$build" && apt-get source -qq kubernetes >/dev/null) || return 1
  local src
  src="$(find "$build" -maxdepth 1 -type d -name "$DEB_SRC_VERSION_GLOB" | head -n1)"
  [ -n "$src" ] || die "no kubernetes source tree under $build"
  log "building kube-apiserver $K8S_VERSION (about 13 minutes on 2 free cores, once; cached at $APISERVER)"
  local start=$SECONDS
  # No .git in a source package: give the version stamp explicitly, so /version says 1.20.2.
  (cd "$src" && env PATH="/usr/lib/go-1.19/bin:$PATH" GOPATH="$build/gopath" GOCACHE="$build/gocache" \
    GOFLAGS=-mod=vendor GO111MODULE=on KUBE_GIT_VERSION="v$K8S_VERSION" KUBE_GIT_TREE_STATE=clean \
    KUBE_GIT_COMMIT=debian-$K8S_VERSION KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20 \
    nice make WHAT=cmd/kube-apiserver) || return 1
  local bin
  bin="$(find "$src/_output" -type f -name kube-apiserver -perm -u+x | head -n1)"
  [ -n "$bin" ] || die "the build produced no kube-apiserver"
  mkdir -p "$CACHE"
  cp "$bin" "$APISERVER.tmp" && mv "$APISERVER.tmp" "$APISERVER"
  log "built kube-apiserver in $((SECONDS - start)) s; removing the build tree"
  chmod -R u+w "$build" 2>/dev/null || true
  rm -rf "$build"
}

cmd_build() {
  ensure_packages || die "cannot install the Debian packages (etcd-server, dpkg-dev)"
  [ -x "$KUBECTL" ] || die "no kubectl on the PATH (set AUTHN_AUDIT_KUBECTL)"
  ensure_apiserver || die "cannot build kube-apiserver $K8S_VERSION"
  "$APISERVER" --version
}

# ---------------------------------------------------------------------------------------------
# start: PKI, etcd, kube-apiserver, kubeconfigs
# ---------------------------------------------------------------------------------------------
PKI="$STATE/pki"

# A key and a certificate signed by the CA `$ca` (self-signed when `$ca` is empty).
# cert NAME SUBJECT CA [EXTENSIONS]
cert() {
  local name="$1" subject="$2" ca="$3" ext="${4:-}"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  if [ -z "$ca" ]; then
    openssl req -x509 -new -key "$PKI/$name.key" -subj "$subject" -days 3650 -out "$PKI/$name.crt" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
    return
  fi
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days 365 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

make_pki() {
  mkdir -p "$PKI"
  cert ca "/CN=kubernetes" ""
  cert front-proxy-ca "/CN=front-proxy-ca" ""
  cert apiserver "/CN=kube-apiserver" ca "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert front-proxy-client "/CN=front-proxy-client" front-proxy-ca "extendedKeyUsage=clientAuth"
  cert admin "/O=system:masters/CN=kubernetes-admin" ca "extendedKeyUsage=clientAuth"
  # A user with only the binding `populate` gives it: may read RBAC and workloads, not Secrets.
  cert viewer "/O=auditors/CN=auditor" ca "extendedKeyUsage=clientAuth"
  # policy-server's serving certificate, for the admission webhook.
  cert webhook "/CN=policy-server" ca "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

write_kubeconfig() {
  local file="$1" user="$2"
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: authn-audit-e2e
    cluster:
      server: https://127.0.0.1:$API_PORT
      certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $(base64 -w0 <"$PKI/$user.crt")
      client-key-data: $(base64 -w0 <"$PKI/$user.key")
contexts:
  - name: $user@authn-audit-e2e
    context: {cluster: authn-audit-e2e, user: $user}
current-context: $user@authn-audit-e2e
EOF
  )
}

write_audit_policy() {
  # Metadata for everything (who, what, from where, how authenticated, the decision), never a
  # request or response body: Secrets and tokens stay out of the log.
  cat >"$STATE/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: Metadata
EOF
}

running() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

cmd_start() {
  { [ -x "$APISERVER" ] && command -v etcd >/dev/null; } || cmd_build
  if running kube-apiserver; then
    log "already running"
    echo "$STATE/admin.kubeconfig"
    return
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE/audit"
  make_pki
  write_audit_policy
  write_kubeconfig "$STATE/admin.kubeconfig" admin
  write_kubeconfig "$STATE/viewer.kubeconfig" viewer

  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  nohup etcd --name authn-audit-e2e --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "authn-audit-e2e=http://127.0.0.1:$((ETCD_PORT + 1))" \
    >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"

  log "starting kube-apiserver $K8S_VERSION on 127.0.0.1:$API_PORT"
  # The flags kubeadm 1.20 gives its kube-apiserver, on loopback (no kubelets, so no kubelet client).
  # BoundServiceAccountTokenVolume (on by default from 1.21): Pods get a projected token, so the
  # ServiceAccount admission does not wait for a token Secret that no controller-manager makes.
  nohup "$APISERVER" \
    --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$API_PORT" --insecure-port=0 \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --enable-bootstrap-token-auth=true \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/12 \
    --feature-gates=BoundServiceAccountTokenVolume=true \
    --audit-policy-file="$STATE/audit-policy.yaml" --audit-log-path="$STATE/audit/audit.log" \
    --audit-log-maxage=1 --audit-log-maxbackup=1 --audit-log-maxsize=100 \
    >"$STATE/kube-apiserver.log" 2>&1 &
  echo $! >"$STATE/kube-apiserver.pid"

  local i
  for i in $(seq 1 180); do
    if curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
      "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then
      log "kube-apiserver ready after ${i} s"
      echo "$STATE/admin.kubeconfig"
      return
    fi
    running kube-apiserver || { tail -20 "$STATE/kube-apiserver.log" >&2; die "kube-apiserver exited"; }
    sleep 1
  done
  tail -20 "$STATE/kube-apiserver.log" >&2
  die "kube-apiserver not ready after 180 s"
}

cmd_stop() {
  local name pid
  for name in policy-server kube-apiserver etcd; do
    if running "$name"; then
      pid="$(cat "$STATE/$name.pid")"
      log "stopping $name ($pid)"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/$name.pid"
  done
}

cmd_env() {
  printf 'STATE=%s\nKUBECTL=%s\nAPISERVER=%s\nPKI=%s\nAPI_PORT=%s\nWEBHOOK_PORT=%s\n' \
    "$STATE" "$KUBECTL" "$APISERVER" "$PKI" "$API_PORT" "$WEBHOOK_PORT"
}

# ---------------------------------------------------------------------------------------------
# populate: what an operator would do through kubectl (each item is one planted problem, or a
# check of what the server itself does)
# ---------------------------------------------------------------------------------------------
admin() { "$KUBECTL" --kubeconfig "$STATE/admin.kubeconfig" "$@"; }

# A CSR object for the kube-apiserver-client signer, its key and request made by openssl.
# csr NAME SUBJECT
csr_manifest() {
  local name="$1" subject="$2"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/csr-$name.key" -subj "$subject" \
    -out "$PKI/csr-$name.csr" 2>/dev/null
  cat <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: $name
spec:
  request: $(base64 -w0 <"$PKI/csr-$name.csr")
  signerName: kubernetes.io/kube-apiserver-client
  usages: ["client auth"]
EOF
}

cmd_populate() {
  running kube-apiserver || die "not running: scripts/real-cluster.sh start first"
  log "populating through kubectl"
  admin create namespace team-a

  # What `kubeadm init` uploads: its ClusterConfiguration, with the server's version and the flags
  # given beyond kubeadm's own (the dump's only record of how the API server runs).
  admin -n kube-system create configmap kubeadm-config --from-literal=ClusterConfiguration="apiVersion: kubeadm.k8s.io/v1beta2
kind: ClusterConfiguration
kubernetesVersion: v$K8S_VERSION
clusterName: authn-audit-e2e
controlPlaneEndpoint: 127.0.0.1:$API_PORT
networking:
  serviceSubnet: 10.96.0.0/12
apiServer:
  extraArgs:
    audit-policy-file: $STATE/audit-policy.yaml
    audit-log-path: $STATE/audit/audit.log
    feature-gates: BoundServiceAccountTokenVolume=true
"

  # A privileged ServiceAccount with a legacy (non-expiring) token Secret.
  admin -n team-a create serviceaccount ci-deployer
  admin create clusterrolebinding ci-deployer-admin --clusterrole=cluster-admin --serviceaccount=team-a:ci-deployer
  admin apply -f - <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: ci-deployer-token
  namespace: team-a
  annotations:
    kubernetes.io/service-account.name: ci-deployer
type: kubernetes.io/service-account-token
EOF

  # Anonymous requests may read everything `view` allows.
  admin create clusterrolebinding anonymous-view --clusterrole=view --user=system:anonymous

  # A bootstrap token without expiry, as `kubeadm token create --ttl 0` writes it.
  admin -n kube-system create secret generic bootstrap-token-abcdef --type=bootstrap.kubernetes.io/token \
    --from-literal=token-id=abcdef --from-literal=token-secret=0123456789abcdef \
    --from-literal=usage-bootstrap-authentication=true --from-literal=usage-bootstrap-signing=true \
    --from-literal=auth-extra-groups=system:bootstrappers:kubeadm:default-node-token
  admin create clusterrolebinding kubeadm:node-autoapprove-bootstrap \
    --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient \
    --group=system:bootstrappers:kubeadm:default-node-token

  # A normal user's CSR, approved through the real CSR API (no controller-manager signs it here).
  csr_manifest alice "/O=developers/CN=alice" | admin apply -f -
  admin certificate approve alice
  # One asking for system:masters: the 1.20 server's CertificateSubjectRestriction admission
  # refuses it for this signer. Record what it said; the test asserts it.
  csr_manifest masters "/O=system:masters/CN=break-glass" | admin apply -f - >"$STATE/masters-csr.out" 2>&1 || true
  # So the system:masters certificate gets planted where such certificates end up: a kubeconfig
  # Secret, with its client key.
  cp "$STATE/admin.kubeconfig" "$STATE/break-glass.kubeconfig"
  admin -n team-a create secret generic break-glass-kubeconfig --from-file=kubeconfig="$STATE/break-glass.kubeconfig"
  rm -f "$STATE/break-glass.kubeconfig"

  # Impersonation and CSR-approval grants.
  admin create clusterrole impersonator --verb=impersonate --resource=users,groups,serviceaccounts
  admin create clusterrolebinding helpdesk-impersonator --clusterrole=impersonator --user=helpdesk
  admin apply -f - <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: csr-approver
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests/approval"]
    verbs: ["update"]
  - apiGroups: ["certificates.k8s.io"]
    resources: ["signers"]
    resourceNames: ["kubernetes.io/kube-apiserver-client"]
    verbs: ["approve"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: csr-approvers
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: csr-approver}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: csr-approvers}
EOF

  # The namespace's `default` ServiceAccount (the controller-manager would make it) with a role.
  admin -n team-a create serviceaccount default
  admin -n team-a create rolebinding default-edit --clusterrole=edit --serviceaccount=team-a:default

  # A pod template with a projected token valid for a year.
  admin apply -f - <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: ci-deployer
      containers:
        - name: web
          image: registry.k8s.io/pause:3.2
          volumeMounts: [{name: token, mountPath: /var/run/secrets/tokens}]
      volumes:
        - name: token
          projected:
            sources:
              - serviceAccountToken: {path: token, expirationSeconds: 31536000}
EOF

  # The auditor may read RBAC, workloads and ConfigMaps cluster-wide, not Secrets.
  admin apply -f - <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: auditor
rules:
  - apiGroups: [""]
    resources: ["namespaces", "nodes", "pods", "replicationcontrollers", "serviceaccounts", "configmaps"]
    verbs: ["get", "list"]
  - apiGroups: ["apps"]
    resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
    verbs: ["get", "list"]
  - apiGroups: ["batch"]
    resources: ["jobs", "cronjobs"]
    verbs: ["get", "list"]
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles", "clusterrolebindings", "roles", "rolebindings"]
    verbs: ["get", "list"]
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests"]
    verbs: ["get", "list"]
  - apiGroups: ["apiregistration.k8s.io"]
    resources: ["apiservices"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auditors
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: auditor}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: auditors}
EOF
  log "populated"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  populate) cmd_populate ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
