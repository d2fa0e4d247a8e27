#!/usr/bin/env bash
# Regenerates examples/sample-cluster.yaml: the dump of a kubeadm cluster ("prod-eu1", snapshot
# 2025-11-28T12:00:00Z) with authentication problems across every mechanism of the guide, plus
# clean objects. Every object comes from `kubectl create … --dry-run=client -o yaml` or from a
# hand-written manifest normalised by `kubectl patch --local`; every certificate, CSR and key from
# openssl. Needs kubectl and openssl (3.x), and python3 with PyYAML for the audit log written
# after it (make-sample-cluster-audit.py); no cluster. Keys, serials and signatures are random,
# so each run gives a different (equally valid) file.
set -euo pipefail

cd "$(dirname "$0")"
OUT="$PWD/sample-cluster.yaml"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W"

b64() { base64 -w0; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
k() { kubectl "$1" "$2" --dry-run=client -o yaml "${@:3}"; }  # flags before any `--`
# Normalise a manifest (stdin) through kubectl and strategic-merge-patch it with $1.
kp() { kubectl patch --local -f - --type strategic -p "${1:-{\}}" -o yaml; }
emit() { { echo '---'; cat; } >>"$OUT.tmp"; }
: >"$OUT.tmp"

# --- PKI: kubeadm-style CAs (RSA 2048) and user certificates (ECDSA P-256), dated with `openssl ca`.
mkdir -p newcerts && : >index.txt && echo 1000 >serial
cat >ca.cnf <<'EOF'
[ca]
default_ca = ca
[ca]
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = any
unique_subject = no
preserve = yes
email_in_dn = no
[any]
organizationName = optional
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
subjectKeyIdentifier = hash
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
EOF
sign() { # csr ca-name start end extensions out
  openssl ca -batch -notext -config ca.cnf -cert "$2.crt" -keyfile "$2.key" -in "$1" \
    -startdate "$3" -enddate "$4" -extensions "$5" -out "$6" 2>/dev/null
}
selfsigned_ca() { # name CN
  openssl genrsa -out "$1.key" 2048 2>/dev/null
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  openssl ca -batch -notext -config ca.cnf -selfsign -keyfile "$1.key" -in "$1.csr" \
    -startdate 20240304101500Z -enddate 20340302101500Z -extensions v3_ca -out "$1.crt" 2>/dev/null
}
user_csr() { # name subject
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
}
selfsigned_ca ca kubernetes
selfsigned_ca front-proxy-ca front-proxy-ca
user_csr alice "/O=system:masters/O=platform-admins/CN=alice"
sign alice.csr ca 20250601090000Z 20270601090000Z client alice.crt          # two years
user_csr bob "/O=developers/CN=bob"
user_csr kubelet "/O=system:nodes/CN=system:node:worker-2"
sign kubelet.csr ca 20251120081000Z 20261120081000Z client kubelet.crt      # one year, as kubelet CSRs get
user_csr velero "/O=backup-operators/CN=velero-backup"
sign velero.csr ca 20250115120000Z 20260115120000Z client velero.crt
# The request-header bundle wrongly holds the cluster CA too (the client CA): AP002.
cat front-proxy-ca.crt ca.crt >requestheader-ca.crt

# A service-account JWT signed for real (RS256) with the cluster's SA key.
openssl genrsa -out sa.key 2048 2>/dev/null
jwt() { # namespace sa secret uid
  local header payload signature
  header=$(printf '{"alg":"RS256","kid":"Xq3nB8QJ0dH2cK5rWm7tYv9pZa1sLe4uGi6oNf8hDk0"}' | b64url)
  payload=$(printf '{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"%s","kubernetes.io/serviceaccount/secret.name":"%s","kubernetes.io/serviceaccount/service-account.name":"%s","kubernetes.io/serviceaccount/service-account.uid":"%s","sub":"system:serviceaccount:%s:%s"}' \
    "$1" "$3" "$2" "$4" "$1" "$2" | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign sa.key -binary | b64url)
  printf '%s.%s.%s' "$header" "$payload" "$signature"
}

# --- Namespaces
for ns in kube-system kube-public auth ci shop monitoring ops velero; do
  k create namespace "$ns" | emit
done

# --- Control plane: mirror Pods of the kubeadm static Pods
cat <<'EOF' | kp | emit
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver-cp-1
  namespace: kube-system
  creationTimestamp: "2024-03-04T10:21:07Z"
  labels: {component: kube-apiserver, tier: control-plane}
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.0.11:6443
    kubernetes.io/config.hash: 4c5b0b2d8e6f3a7d9b1c2e4f6a8b0c1d
    kubernetes.io/config.mirror: 4c5b0b2d8e6f3a7d9b1c2e4f6a8b0c1d
    kubernetes.io/config.source: file
  ownerReferences:
  - {apiVersion: v1, controller: true, kind: Node, name: cp-1, uid: 0b6f4d1e-3c2a-4e8b-9f7d-5a1c2b3d4e5f}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.32.4
    command:
    - kube-apiserver
    - --advertise-address=10.0.0.11
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --enable-admission-plugins=NodeRestriction
    - --enable-bootstrap-token-auth=true
    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    - --etcd-servers=https://127.0.0.1:2379
    - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
    - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
    - --token-auth-file=/etc/kubernetes/auth/static-tokens.csv
    - --oidc-issuer-url=http://dex.auth.svc.cluster.local:5556/dex
    - --oidc-client-id=kubernetes
    - --oidc-username-claim=sub
    - --oidc-groups-claim=groups
    - --authentication-token-webhook-config-file=/etc/kubernetes/auth/guard-webhook.yaml
    - --authentication-token-webhook-cache-ttl=30m
    - --proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt
    - --proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key
    - --requestheader-allowed-names=
    - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    - --requestheader-extra-headers-prefix=X-Remote-Extra-
    - --requestheader-group-headers=X-Remote-Group
    - --requestheader-username-headers=X-Remote-User
    - --secure-port=6443
    - --service-account-issuer=https://kubernetes.default.svc.cluster.local
    - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    - --service-account-lookup=false
    - --service-account-signing-key-file=/etc/kubernetes/pki/sa.key
    - --service-cluster-ip-range=10.96.0.0/12
    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    resources: {requests: {cpu: 250m}}
    volumeMounts:
    - {mountPath: /etc/kubernetes/pki, name: k8s-certs, readOnly: true}
    - {mountPath: /etc/kubernetes/auth, name: k8s-auth, readOnly: true}
  hostNetwork: true
  nodeName: cp-1
  priorityClassName: system-node-critical
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  tolerations:
  - {effect: NoExecute, operator: Exists}
  volumes:
  - {hostPath: {path: /etc/kubernetes/pki, type: DirectoryOrCreate}, name: k8s-certs}
  - {hostPath: {path: /etc/kubernetes/auth, type: DirectoryOrCreate}, name: k8s-auth}
status:
  phase: Running
  hostIP: 10.0.0.11
  podIP: 10.0.0.11
  startTime: "2025-10-02T07:40:12Z"
EOF

cat <<'EOF' | kp | emit
apiVersion: v1
kind: Pod
metadata:
  name: kube-controller-manager-cp-1
  namespace: kube-system
  creationTimestamp: "2024-03-04T10:21:09Z"
  labels: {component: kube-controller-manager, tier: control-plane}
  annotations:
    kubernetes.io/config.hash: 9e2d7c1b5a3f8e6d4c2b0a9f7e5d3c1b
    kubernetes.io/config.mirror: 9e2d7c1b5a3f8e6d4c2b0a9f7e5d3c1b
    kubernetes.io/config.source: file
  ownerReferences:
  - {apiVersion: v1, controller: true, kind: Node, name: cp-1, uid: 0b6f4d1e-3c2a-4e8b-9f7d-5a1c2b3d4e5f}
spec:
  containers:
  - name: kube-controller-manager
    image: registry.k8s.io/kube-controller-manager:v1.32.4
    command:
    - kube-controller-manager
    - --authentication-kubeconfig=/etc/kubernetes/controller-manager.conf
    - --authorization-kubeconfig=/etc/kubernetes/controller-manager.conf
    - --bind-address=127.0.0.1
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --cluster-name=prod-eu1
    - --cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt
    - --cluster-signing-key-file=/etc/kubernetes/pki/ca.key
    - --cluster-signing-duration=87600h
    - --controllers=*,bootstrapsigner
    - --kubeconfig=/etc/kubernetes/controller-manager.conf
    - --leader-elect=true
    - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    - --root-ca-file=/etc/kubernetes/pki/ca.crt
    - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    - --use-service-account-credentials=true
    volumeMounts:
    - {mountPath: /etc/kubernetes/pki, name: k8s-certs, readOnly: true}
  hostNetwork: true
  nodeName: cp-1
  priorityClassName: system-node-critical
  volumes:
  - {hostPath: {path: /etc/kubernetes/pki, type: DirectoryOrCreate}, name: k8s-certs}
status:
  phase: Running
EOF

# --- kubeadm's ConfigMaps
cat >ClusterConfiguration <<'EOF'
apiServer:
  certSANs:
  - api.prod-eu1.example.com
  extraArgs:
    authorization-mode: Node,RBAC
    enable-bootstrap-token-auth: "true"
    token-auth-file: /etc/kubernetes/auth/static-tokens.csv
    service-account-lookup: "false"
  timeoutForControlPlane: 4m0s
apiVersion: kubeadm.k8s.io/v1beta3
certificatesDir: /etc/kubernetes/pki
clusterName: prod-eu1
controlPlaneEndpoint: api.prod-eu1.example.com:6443
controllerManager:
  extraArgs:
    cluster-signing-duration: 87600h
dns: {}
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: v1.32.4
networking:
  dnsDomain: cluster.local
  podSubnet: 192.168.0.0/16
  serviceSubnet: 10.96.0.0/12
scheduler: {}
EOF
k create configmap kubeadm-config -n kube-system --from-file=ClusterConfiguration | emit

cat >kubelet <<'EOF'
apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: true
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
kind: KubeletConfiguration
rotateCertificates: true
serverTLSBootstrap: true
EOF
k create configmap kubelet-config -n kube-system --from-file=kubelet | emit

k create configmap extension-apiserver-authentication -n kube-system \
  --from-file=client-ca-file=ca.crt \
  --from-file=requestheader-client-ca-file=requestheader-ca.crt \
  --from-literal=requestheader-allowed-names='[]' \
  --from-literal=requestheader-extra-headers-prefix='["X-Remote-Extra-"]' \
  --from-literal=requestheader-group-headers='["X-Remote-Group"]' \
  --from-literal=requestheader-username-headers='["X-Remote-User"]' | emit

k create configmap cluster-info -n kube-public --from-literal=kubeconfig="$(cat <<EOF
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(b64 <ca.crt)
    server: https://api.prod-eu1.example.com:6443
  name: ""
contexts: null
current-context: ""
kind: Config
preferences: {}
users: null
EOF
)" | emit

# --- aws-auth, left over from the EKS pilot; still read by the IAM authenticator's webhook
cat >mapRoles <<'EOF'
- rolearn: arn:aws:iam::111122223333:role/prod-eu1-nodes
  username: system:node:{{EC2PrivateDNSName}}
  groups:
  - system:bootstrappers
  - system:nodes
- rolearn: arn:aws:iam::111122223333:role/PlatformAdmins
  username: platform-admin:{{SessionName}}
  groups:
  - system:masters
EOF
cat >mapUsers <<'EOF'
- userarn: arn:aws:iam::111122223333:user/ci-robot
  username: ci-robot
  groups:
  - deployers
EOF
k create configmap aws-auth -n kube-system --from-file=mapRoles --from-file=mapUsers | emit

# --- Bootstrap tokens: no expiration and an extra group (and kubeadm's doc example secret),
# expired, and a fine one (24 h TTL).
k create secret generic bootstrap-token-abcdef -n kube-system --type=bootstrap.kubernetes.io/token \
  --from-literal=auth-extra-groups=system:bootstrappers:kubeadm:default-node-token,system:bootstrappers:ops \
  --from-literal=description="manual token for the worker-3 rebuild" \
  --from-literal=token-id=abcdef --from-literal=token-secret=0123456789abcdef \
  --from-literal=usage-bootstrap-authentication=true --from-literal=usage-bootstrap-signing=true | \
  kp '{"metadata":{"creationTimestamp":"2025-09-17T15:31:02Z"}}' | emit
k create secret generic bootstrap-token-k7x2pq -n kube-system --type=bootstrap.kubernetes.io/token \
  --from-literal=auth-extra-groups=system:bootstrappers:kubeadm:default-node-token \
  --from-literal=description="The default bootstrap token generated by 'kubeadm init'." \
  --from-literal=expiration=2024-03-05T10:21:30Z \
  --from-literal=token-id=k7x2pq --from-literal=token-secret=t3n8vzq1m4w7c2rh \
  --from-literal=usage-bootstrap-authentication=true --from-literal=usage-bootstrap-signing=true | \
  kp '{"metadata":{"creationTimestamp":"2024-03-04T10:21:30Z"}}' | emit
k create secret generic bootstrap-token-9t4mzw -n kube-system --type=bootstrap.kubernetes.io/token \
  --from-literal=auth-extra-groups=system:bootstrappers:kubeadm:default-node-token \
  --from-literal=description="Bootstrap token for joining worker-4." \
  --from-literal=expiration=2025-11-29T08:05:00Z \
  --from-literal=token-id=9t4mzw --from-literal=token-secret=hb5kq2xw7r9fj3ne \
  --from-literal=usage-bootstrap-authentication=true --from-literal=usage-bootstrap-signing=true | \
  kp '{"metadata":{"creationTimestamp":"2025-11-28T08:05:00Z"}}' | emit

# --- Service accounts
k create serviceaccount ci-deployer -n ci | emit
k create serviceaccount prometheus -n monitoring | emit
k create serviceaccount web -n shop | emit
k create serviceaccount api -n shop | kp '{"automountServiceAccountToken":false}' | emit
k create serviceaccount dex -n auth | emit
k create serviceaccount guard -n auth | emit
k create serviceaccount oauth2-proxy -n auth | emit

# --- Legacy service-account token Secrets (never expire)
sa_token_secret() { # namespace sa secret uid last-used
  local patch='{"metadata":{"annotations":{"kubernetes.io/service-account.name":"'"$2"'","kubernetes.io/service-account.uid":"'"$4"'"}}}'
  if [ -n "${5:-}" ]; then
    patch='{"metadata":{"annotations":{"kubernetes.io/service-account.name":"'"$2"'","kubernetes.io/service-account.uid":"'"$4"'"},"labels":{"kubernetes.io/legacy-token-last-used":"'"$5"'"}}}'
  fi
  k create secret generic "$3" -n "$1" --type=kubernetes.io/service-account-token \
    --from-file=ca.crt --from-literal=namespace="$1" --from-literal=token="$(jwt "$1" "$2" "$3" "$4")" | kp "$patch" |
    kp '{"metadata":{"creationTimestamp":"2024-03-11T14:02:19Z"}}' | emit
}
sa_token_secret ci ci-deployer ci-deployer-token 5d1f3a9e-2b7c-4e61-8f0a-c4d2b6e8a1f3 2025-11-27
sa_token_secret monitoring prometheus prometheus-token 8a2c4e6f-1b3d-4f5a-9c7e-0d2f4b6a8c1e 2024-06-14

# --- Certificate signing requests
csr() { # name signer csr-file username [patch]
  cat <<EOF | kp "${5:-{\}}" | emit
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: $1
spec:
  request: $(b64 <"$3")
  signerName: $2
  usages: [digital signature, key encipherment, client auth]
  username: $4
  groups: [system:authenticated]
EOF
}
csr alice-admin kubernetes.io/kube-apiserver-client alice.csr bob@example.com \
  '{"metadata":{"creationTimestamp":"2025-06-01T09:00:00Z"},"status":{"certificate":"'"$(b64 <alice.crt)"'","conditions":[{"type":"Approved","status":"True","reason":"KubectlApprove","message":"This CSR was approved by kubectl certificate approve.","lastUpdateTime":"2025-06-01T09:02:41Z","lastTransitionTime":"2025-06-01T09:02:41Z"}]}}'
csr bob-developer kubernetes.io/kube-apiserver-client bob.csr bob@example.com \
  '{"metadata":{"creationTimestamp":"2025-11-27T16:40:00Z"}}'
csr csr-8x2kq kubernetes.io/kube-apiserver-client-kubelet kubelet.csr system:bootstrap:9t4mzw \
  '{"metadata":{"creationTimestamp":"2025-11-20T08:10:00Z"},"spec":{"groups":["system:bootstrappers","system:bootstrappers:kubeadm:default-node-token","system:authenticated"],"usages":["digital signature","client auth"]},"status":{"certificate":"'"$(b64 <kubelet.crt)"'","conditions":[{"type":"Approved","status":"True","reason":"AutoApproved","message":"Auto approving kubelet client certificate after SubjectAccessReview.","lastUpdateTime":"2025-11-20T08:10:01Z","lastTransitionTime":"2025-11-20T08:10:01Z"}]}}'

# --- Kubeconfigs stored in Secrets: a static token with TLS verification off, and a client key
cat >ops-kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: prod-eu1
  cluster:
    server: https://api.prod-eu1.example.com:6443
    insecure-skip-tls-verify: true
contexts:
- name: ops@prod-eu1
  context: {cluster: prod-eu1, user: ops}
current-context: ops@prod-eu1
users:
- name: ops
  user:
    token: $(openssl rand -hex 24)
EOF
k create secret generic ops-kubeconfig -n ops --from-file=config=ops-kubeconfig | emit
cat >velero-kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: prod-eu1
  cluster:
    server: https://api.prod-eu1.example.com:6443
    certificate-authority-data: $(b64 <ca.crt)
contexts:
- name: velero-backup@prod-eu1
  context: {cluster: prod-eu1, user: velero-backup}
current-context: velero-backup@prod-eu1
users:
- name: velero-backup
  user:
    client-certificate-data: $(b64 <velero.crt)
    client-key-data: $(b64 <velero.key)
EOF
k create secret generic velero-kubeconfig -n velero --from-file=kubeconfig=velero-kubeconfig | emit
k create secret generic shop-db -n shop --from-literal=username=shop --from-literal=password="$(openssl rand -hex 12)" | emit

# --- RBAC. `kubectl create role` needs API discovery for --resource, so roles with resource rules
# are written as manifests and normalised by kubectl; bindings come from `kubectl create`.
role() { # kind name namespace rules-json [metadata-json]
  local ns=""
  [ -n "$3" ] && ns="\"namespace\":\"$3\","
  echo "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"$1\",\"metadata\":{${ns}\"name\":\"$2\"},\"rules\":$4}" | kp "${5:-{\}}"
}

# Kubernetes and kubeadm defaults (not findings) ...
defaults='{"metadata":{"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"},"labels":{"kubernetes.io/bootstrapping":"rbac-defaults"}}}'
role ClusterRole cluster-admin "" '[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["*"],"verbs":["*"]}]' "$defaults" | emit
k create clusterrolebinding cluster-admin --clusterrole=cluster-admin --group=system:masters | kp "$defaults" | emit
k create clusterrole system:public-info-viewer --verb=get --non-resource-url=/healthz,/livez,/readyz,/version,/version/ | kp "$defaults" | emit
k create clusterrolebinding system:public-info-viewer --clusterrole=system:public-info-viewer \
  --group=system:authenticated --group=system:unauthenticated | kp "$defaults" | emit
k create clusterrolebinding kubeadm:kubelet-bootstrap --clusterrole=system:node-bootstrapper \
  --group=system:bootstrappers:kubeadm:default-node-token | emit
k create clusterrolebinding kubeadm:node-autoapprove-bootstrap \
  --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient \
  --group=system:bootstrappers:kubeadm:default-node-token | emit
role Role kubeadm:bootstrap-signer-clusterinfo kube-public \
  '[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["cluster-info"],"verbs":["get"]}]' | emit
k create rolebinding kubeadm:bootstrap-signer-clusterinfo -n kube-public \
  --role=kubeadm:bootstrap-signer-clusterinfo --user=system:anonymous | emit

# ... and what the cluster's operators added.
k create clusterrolebinding ci-deployer-cluster-admin --clusterrole=cluster-admin --serviceaccount=ci:ci-deployer | emit
role ClusterRole metrics-reader "" \
  '[{"apiGroups":[""],"resources":["pods","nodes","secrets"],"verbs":["get","list","watch"]},{"nonResourceURLs":["/metrics"],"verbs":["get"]}]' | emit
k create clusterrolebinding anonymous-metrics --clusterrole=metrics-reader --user=system:anonymous | emit
role ClusterRole secret-reader "" '[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list","watch"]}]' | emit
k create clusterrolebinding support-secret-reader --clusterrole=secret-reader --group=support-team | emit
role Role token-minter ci '[{"apiGroups":[""],"resources":["serviceaccounts/token"],"verbs":["create"]}]' | emit
k create rolebinding dev-token-minter -n ci --role=token-minter --user=dev@example.com | emit
k create clusterrolebinding bootstrappers-view --clusterrole=view --group=system:bootstrappers | emit
k create clusterrolebinding dex-cluster-admin --clusterrole=cluster-admin --serviceaccount=auth:dex | emit
k create clusterrolebinding prometheus-metrics --clusterrole=metrics-reader --serviceaccount=monitoring:prometheus | emit
k create rolebinding shop-web-view -n shop --clusterrole=view --serviceaccount=shop:web | emit

# --- dex (OIDC) sharing the `auth` namespace with an unrelated app, 24 h ID tokens
cat >config.yaml <<'EOF'
issuer: http://dex.auth.svc.cluster.local:5556/dex
storage:
  type: kubernetes
  config:
    inCluster: true
web:
  http: 0.0.0.0:5556
expiry:
  signingKeys: 6h
  idTokens: 24h
connectors:
- type: github
  id: github
  name: GitHub
  config:
    clientID: $GITHUB_CLIENT_ID
    clientSecret: $GITHUB_CLIENT_SECRET
    redirectURI: https://dex.prod-eu1.example.com/callback
    orgs:
    - name: example-org
staticClients:
- id: kubernetes
  name: Kubernetes
  redirectURIs:
  - http://localhost:8000
  secretEnv: KUBERNETES_CLIENT_SECRET
EOF
k create configmap dex -n auth --from-file=config.yaml | emit
k create deployment dex -n auth --image=ghcr.io/dexidp/dex:v2.41.1 --port=5556 -- dex serve /etc/dex/cfg/config.yaml | \
  kp '{"spec":{"template":{"spec":{"serviceAccountName":"dex","containers":[{"name":"dex","volumeMounts":[{"name":"config","mountPath":"/etc/dex/cfg"}]}],"volumes":[{"name":"config","configMap":{"name":"dex"}}]}}}}' | emit
k create deployment guard -n auth --image=ghcr.io/kubeguard/guard:v0.18.0 --port=8443 -- \
  guard run --auth-providers=github --tls-ca-file=/etc/guard/pki/ca.crt --tls-cert-file=/etc/guard/pki/tls.crt \
  --tls-private-key-file=/etc/guard/pki/tls.key | kp '{"spec":{"template":{"spec":{"serviceAccountName":"guard"}}}}' | emit
k create deployment oauth2-proxy -n auth --image=quay.io/oauth2-proxy/oauth2-proxy:v7.7.1 --port=4180 -- \
  /bin/oauth2-proxy --provider=oidc --oidc-issuer-url=https://dex.prod-eu1.example.com/dex \
  --upstream=https://kubernetes.default.svc --ssl-upstream-insecure-skip-verify=true \
  --pass-authorization-header=true --email-domain='*' | \
  kp '{"spec":{"template":{"spec":{"serviceAccountName":"oauth2-proxy"}}}}' | emit
k create deployment wiki -n auth --image=docker.io/requarks/wiki:2.5 --port=3000 | emit

# --- Workloads: a day-long projected token and automounted tokens; a clean API Deployment;
# a Pod with the default kube-api-access volume; a CronJob that mounts the legacy token.
k create deployment web -n shop --image=registry.example.com/shop/web:1.14.2 --port=8080 | \
  kp '{"spec":{"template":{"spec":{"serviceAccountName":"web","containers":[{"name":"web","volumeMounts":[{"name":"vault-token","mountPath":"/var/run/secrets/vault","readOnly":true}]}],"volumes":[{"name":"vault-token","projected":{"sources":[{"serviceAccountToken":{"audience":"vault","expirationSeconds":86400,"path":"token"}}]}}]}}}}' | emit
k create deployment api -n shop --image=registry.example.com/shop/api:3.2.0 --port=8080 | \
  kp '{"spec":{"template":{"spec":{"serviceAccountName":"api","automountServiceAccountToken":false}}}}' | emit
cat <<'EOF' | kp | emit
apiVersion: v1
kind: Pod
metadata:
  name: prometheus-0
  namespace: monitoring
  labels: {app: prometheus}
spec:
  serviceAccountName: prometheus
  containers:
  - name: prometheus
    image: quay.io/prometheus/prometheus:v2.54.1
    ports: [{containerPort: 9090}]
    volumeMounts:
    - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: kube-api-access-7x9qz, readOnly: true}
  volumes:
  - name: kube-api-access-7x9qz
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap:
          name: kube-root-ca.crt
          items: [{key: ca.crt, path: ca.crt}]
      - downwardAPI:
          items:
          - fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}
            path: namespace
status:
  phase: Running
EOF
k create cronjob nightly-deploy -n ci --image=registry.example.com/ci/deployer:2.3 --schedule='0 2 * * *' -- /deploy.sh | \
  kp '{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"automountServiceAccountToken":false,"containers":[{"name":"nightly-deploy","volumeMounts":[{"name":"token","mountPath":"/var/run/secrets/deployer","readOnly":true}]}],"volumes":[{"name":"token","secret":{"secretName":"ci-deployer-token"}}]}}}}}}' | emit

mv "$OUT.tmp" "$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes, $(grep -c '^---$' "$OUT") documents)"
# The log follows the dump: its credential-ids are the SHA-256s of the certificates just made.
python3 "$(dirname "$OUT")/make-sample-cluster-audit.py"
