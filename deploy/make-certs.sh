#!/usr/bin/env bash
# make-certs.sh DIR: a self-made certificate authority and the certificates
# signed by it that the demo and the tests use for TLS:
#   ca.crt                          the CA (give it to clients: walletctl --tls_ca)
#   walletd.crt, walletd.key        walletd's server certificate, for 127.0.0.1 and localhost
#   meter-gateway.crt/.key          a client certificate for meter-gatewayd (mutual TLS)
#   notifier.crt/.key               a client certificate for the notifier (mutual TLS)
#   operator.crt/.key               a client certificate for walletctl (mutual TLS)
# Keys are EC P-256, mode 0600. A real utility uses its own CA and names.
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
days=825

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 \
  -days "$days" -subj "/CN=Prepaid wallet demo CA" -keyout ca.key -out ca.crt 2>/dev/null

# sign NAME SUBJECT EXTENSIONS: a key and a certificate signed by the CA.
sign() {
  local name=$1 subject=$2 ext=$3
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 \
    -subj "$subject" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
    -days "$days" -extfile <(printf '%s\n' "$ext") -out "$name.crt" 2>/dev/null
  rm -f "$name.csr"
}

sign walletd "/CN=walletd" \
  "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
sign meter-gateway "/CN=meter-gateway" "extendedKeyUsage=clientAuth"
sign notifier "/CN=notifier" "extendedKeyUsage=clientAuth"
sign operator "/CN=operator" "extendedKeyUsage=clientAuth"
chmod 0644 ca.crt walletd.crt meter-gateway.crt notifier.crt operator.crt
echo "certificates in $dir: ca.crt walletd meter-gateway notifier operator (.crt/.key)"
