#!/usr/bin/env bash
# Makes the certificates of the compose site's TLS profile (docker/compose.tls.yaml) with openssl:
#   DIR/ca/          the cluster CA (keep ca.key offline; it is mounted nowhere)
#   DIR/cluster/     cluster-ca.pem, and cluster.pem + cluster.key, presented by every silo and
#                    gateway (client and server authentication; peers are accepted when they chain
#                    to the CA, host names do not matter)
#   DIR/site/        site.crt + site.key, nginx's HTTPS certificate, issued by the same CA for
#                    localhost and the names given (browsers must trust the CA, or use your own)
#
#   sudo docker/make-certificates.sh --env-file ENV_FILE [SITE_NAME...]
#   sudo docker/make-certificates.sh [DIR] [SITE_NAME...]
# With --env-file (the site's docker/site.env) the directory is the one compose.tls.yaml mounts,
# found as compose finds it: ORLEANSTASKS_TLS_DIR from the environment (sudo drops it unless run
# with --preserve-env=ORLEANSTASKS_TLS_DIR), else from the file; a relative path is relative to
# docker/, where compose.yaml is; else docker/tls. Without it, DIR defaults to ORLEANSTASKS_TLS_DIR
# from the environment (relative to the current directory), else docker/tls.
# An existing CA is reused, so certificates can be renewed without touching the others' trust.
# Root, because the cluster directory goes to the user the silos and gateways run as in their
# containers (1654), the only one that reads cluster.key; every private key is mode 0600.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "make-certificates: run it as root (sudo): cluster.key must belong to the containers' user 1654 and be readable by it only" >&2; exit 1; }
if [ "${1:-}" = --env-file ]; then
  if [ $# -lt 2 ] || [ ! -f "$2" ]; then
    echo "make-certificates: --env-file needs the site's env file (docker/site.env), which ${2:-was not given}${2:+ does not exist}" >&2
    exit 1
  fi
  from_file=$(sed -n 's/^ORLEANSTASKS_TLS_DIR=//p' "$2" | tail -n 1)
  case $from_file in \"*\" | \'*\') from_file=${from_file:1:${#from_file}-2} ;; esac
  dir=$(cd "$(dirname "$0")" && realpath -m "${ORLEANSTASKS_TLS_DIR:-${from_file:-./tls}}")
  shift 2
else
  dir=$(realpath -m "${1:-${ORLEANSTASKS_TLS_DIR:-$(dirname "$0")/tls}}")
  [ $# -gt 0 ] && shift
fi
command -v openssl >/dev/null || { echo "make-certificates: openssl is not installed: sudo apt-get install openssl" >&2; exit 1; }
mkdir -p "$dir/ca" "$dir/cluster" "$dir/site"
chmod 0700 "$dir/ca"
days=825

if [ ! -f "$dir/ca/ca.key" ]; then
  openssl req -x509 -new -newkey rsa:3072 -nodes -days 3650 -subj "/CN=OrleansTasks cluster CA" \
    -keyout "$dir/ca/ca.key" -out "$dir/ca/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "make-certificates: made the CA in $dir/ca"
fi
cp "$dir/ca/ca.pem" "$dir/cluster/cluster-ca.pem"

issue() { # name, key file, certificate file, extensions
  local csr; csr=$(mktemp)
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$2" -out "$csr" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$dir/ca/ca.pem" -CAkey "$dir/ca/ca.key" -CAcreateserial -days "$days" \
    -out "$3" -extfile <(printf '%s\n' "$4") 2>/dev/null
  rm -f "$csr"
}

issue orleans-tasks-cluster "$dir/cluster/cluster.key" "$dir/cluster/cluster.pem" \
  "$(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth')"
names="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do names+=",DNS:$name"; done
issue "${1:-localhost}" "$dir/site/site.key" "$dir/site/site.crt" \
  "$(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s' "$names")"

# The silos and gateways run as user 1654 in their containers and read the cluster key; nginx
# reads the site key as root before it drops privileges.
chown -R 1654:1654 "$dir/cluster"
chmod 0600 "$dir/ca/ca.key" "$dir/cluster/cluster.key"
chmod 0600 "$dir/site/site.key"
echo "make-certificates: cluster certificate in $dir/cluster, site certificate ($names) in $dir/site"
