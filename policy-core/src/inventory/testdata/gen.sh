#!/bin/sh
# Regenerates the unit-test certificates of inventory/certs.rs (fixed validity dates, throwaway keys).
# Usage: sh gen.sh  (needs openssl; run from this directory)
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = local
[local]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = optional
organizationName = optional
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
CNF
: > "$work/index.txt"; echo 1000 > "$work/serial"
sign() { # sign <csr> <out> <ext> <start> <end> [ca-cert ca-key | selfsign key]
  openssl ca -batch -config "$work/ca.cnf" -notext -preserveDN -extensions "$3" \
    -startdate "$4" -enddate "$5" -in "$1" -out "$2" $6 2>/dev/null
}
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$work/ca.key"
openssl req -new -key "$work/ca.key" -subj "/CN=test-ca" -out "$work/ca.csr"
sign "$work/ca.csr" ca.crt root 20250101000000Z 20350101000000Z "-selfsign -keyfile $work/ca.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out eve.key
openssl req -new -key eve.key -subj "/O=system:masters/O=dev/CN=eve" -out "$work/eve.csr"
sign "$work/eve.csr" eve-masters.crt client 20250101000000Z 20350101000000Z "-cert ca.crt -keyfile $work/ca.key"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null \
  -subj "/O=system:masters/CN=mallory" -out mallory.csr 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null \
  -subj "/O=system:nodes/CN=system:node:n1" -out node-n1.csr 2>/dev/null
sign node-n1.csr node-n1.crt client 20250101000000Z 20350101000000Z "-cert ca.crt -keyfile $work/ca.key"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null \
  -subj "/O=dev/CN=alice" -out "$work/alice.csr" 2>/dev/null
sign "$work/alice.csr" alice-90d.crt client 20251101000000Z 20260130000000Z "-cert ca.crt -keyfile $work/ca.key"
# The same CA (subject and key) re-issued with another serial and dates: AP002 must see through it.
openssl req -new -key "$work/ca.key" -subj "/CN=test-ca" -out "$work/ca2.csr"
sign "$work/ca2.csr" ca-reissued.crt root 20250601000000Z 20350601000000Z "-selfsign -keyfile $work/ca.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$work/fp.key"
openssl req -new -key "$work/fp.key" -subj "/CN=front-proxy-ca" -out "$work/fp.csr"
sign "$work/fp.csr" front-proxy-ca.crt root 20250101000000Z 20350101000000Z "-selfsign -keyfile $work/fp.key"
