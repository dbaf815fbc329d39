#!/bin/sh
# Makes the secrets of the container dev stack into one directory (default /secrets): a private
# CA and a TLS certificate for the catalog and runner services (and localhost), the RSA key the
# catalog signs tokens with, and the OAuth2 client secrets of the runners' operator and the demo
# tenant. Run once by the compose file's `secrets` service; anything already there is kept, so
# tokens and certificates survive `docker compose restart`. Needs only openssl.
#
#   localstack/secrets/make.sh DIR
#
# For local development only: production keys come from a secret store (see infra/terraform).
set -eu

dir="${1:-/secrets}"
mkdir -p "$dir"
cd "$dir"
umask 077

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=Floe dev CA" \
    -keyout ca-key.pem -out ca.pem 2>/dev/null
fi
if [ ! -f server.pem ]; then
  openssl req -newkey rsa:2048 -nodes -subj "/CN=floe" -keyout server-key.pem -out server.csr 2>/dev/null
  printf 'subjectAltName=DNS:catalog,DNS:runner,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 \
    -extfile server.ext -out server.pem 2>/dev/null
  rm -f server.csr server.ext
fi
if [ ! -f signing-key.pem ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signing-key.pem 2>/dev/null
fi
for client in operator demo; do
  if [ ! -f "$client.secret" ]; then
    openssl rand -hex 24 > "$client.secret"
  fi
done
# The runners' catalog credential, client_id:client_secret, as Iceberg's clients take it.
printf 'floe-operator:%s\n' "$(cat operator.secret)" > operator.credential
# The Floe containers run as uid 10001: they may read, nobody else on the host.
chown -R 10001:10001 "$dir" 2>/dev/null || true
chmod 0600 ./*
chmod 0644 ca.pem server.pem
echo "secrets: ready in $dir (CA $dir/ca.pem)"
