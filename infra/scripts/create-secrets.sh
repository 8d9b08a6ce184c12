#!/usr/bin/env bash
# Create the Secrets the manifests in infra/k8s read, with fresh random values (never committed):
#   nats-credentials  auth-password, tickets-password   NATS users (infra/nats/nats.conf)
#   nats-route-credentials  route-password              NATS servers' routes to each other (infra/nats/cluster.conf)
#   jwt-signing-key   kid, private.pem                  ES256 private key: auth only
#   jwt-public-keys   <kid>.pem                         public keys: every service verifies with them
#   keys-encryption-key  key                            seals the keys POST /api/keys/rotate stores: auth only
#   tickets-credential private.pem                      tickets' ES256 service key: tickets only
#   service-keys      keys.json                         the services' public keys: auth only
# A Secret that already exists is left alone (re-running never rotates anything by accident; see
# infra/README.md for rotation). Needs kubectl (current context and namespace) and openssl.
#
# Usage: infra/scripts/create-secrets.sh [kid]     (kid: default "k1")
set -euo pipefail

kid="${1:-k1}"
if [[ ! "$kid" =~ ^[A-Za-z0-9][-A-Za-z0-9_.]*$ ]]; then
  echo "create-secrets: kid \"$kid\" must be letters, digits, '-', '_' or '.' (it names a file)" >&2
  exit 2
fi
for tool in kubectl openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "create-secrets: $tool is not on PATH" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

exists() { kubectl get secret "$1" >/dev/null 2>&1; }

if exists nats-credentials; then
  echo "nats-credentials: exists, kept"
else
  kubectl create secret generic nats-credentials \
    --from-literal=auth-password="$(openssl rand -hex 24)" \
    --from-literal=tickets-password="$(openssl rand -hex 24)"
fi

# A Secret of its own (not a key of nats-credentials), so that running this again on a deployment
# made before the routes had credentials creates it. Hex: it goes into the route URLs as it is.
if exists nats-route-credentials; then
  echo "nats-route-credentials: exists, kept"
else
  kubectl create secret generic nats-route-credentials \
    --from-literal=route-password="$(openssl rand -hex 24)"
fi

if exists keys-encryption-key; then
  echo "keys-encryption-key: exists, kept"
else
  # 32 random bytes (AES-256-GCM); changing it makes the rotated keys in auth's store unreadable.
  kubectl create secret generic keys-encryption-key --from-literal=key="$(openssl rand -base64 32)"
fi

if exists jwt-signing-key && exists jwt-public-keys; then
  echo "jwt-signing-key, jwt-public-keys: exist, kept"
elif exists jwt-signing-key || exists jwt-public-keys; then
  # Half a key pair: making the other half now would not match it.
  echo "create-secrets: only one of jwt-signing-key and jwt-public-keys exists; delete it and run again" >&2
  exit 1
else
  # EC P-256 (ES256). The private key goes only to auth; the public key to every service.
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/private.pem"
  openssl ec -in "$work/private.pem" -pubout -out "$work/$kid.pem" 2>/dev/null
  kubectl create secret generic jwt-signing-key \
    --from-literal=kid="$kid" \
    --from-file=private.pem="$work/private.pem"
  kubectl create secret generic jwt-public-keys \
    --from-file="$kid.pem=$work/$kid.pem"
fi

if exists tickets-credential && exists service-keys; then
  echo "tickets-credential, service-keys: exist, kept"
elif exists tickets-credential || exists service-keys; then
  echo "create-secrets: only one of tickets-credential and service-keys exists; delete it and run again" >&2
  exit 1
else
  # Tickets' own credential (private-key JWT client authentication): the private key goes to
  # tickets, the public key to auth, in SERVICE_KEYS ({"<service>": "<public PEM>"}).
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/tickets.pem"
  openssl ec -in "$work/tickets.pem" -pubout -out "$work/tickets-public.pem" 2>/dev/null
  printf '{"tickets":"%s"}' "$(awk '{printf "%s\\n", $0}' "$work/tickets-public.pem")" > "$work/keys.json"
  kubectl create secret generic tickets-credential \
    --from-file=private.pem="$work/tickets.pem"
  kubectl create secret generic service-keys \
    --from-file=keys.json="$work/keys.json"
fi
