#!/bin/sh
# Serves the site on 8800; when a certificate is mounted, HTTPS on 8443 and 8800 only redirects to
# it (https://host:$ORLEANSTASKS_HTTPS_PORT, the port published on the host). Logs to stdout.
set -eu
# ORLEANSTASKS_HTTPS_PORT is set by the TLS profile (compose.tls.yaml) only: with it, a missing
# certificate is an error, never a silent fall back to plain HTTP.
if [ -n "${ORLEANSTASKS_HTTPS_PORT:-}" ] && ! { [ -f /etc/nginx/tls/site.crt ] && [ -f /etc/nginx/tls/site.key ]; }; then
  echo "nginx: the TLS profile is on (ORLEANSTASKS_HTTPS_PORT=$ORLEANSTASKS_HTTPS_PORT) but /etc/nginx/tls/site.crt or site.key is missing: make them with docker/make-certificates.sh into the directory ORLEANSTASKS_TLS_DIR names (README, TLS)" >&2
  exit 1
fi
# conf.d is read in name order: the shared settings first.
rm -f /etc/nginx/conf.d/*-orleans-tasks-*.conf
cp /etc/nginx/orleans-tasks/common.conf /etc/nginx/conf.d/00-orleans-tasks-common.conf
if [ -f /etc/nginx/tls/site.crt ] && [ -f /etc/nginx/tls/site.key ]; then
  port=${ORLEANSTASKS_HTTPS_PORT:-8443}
  case "$port" in *[!0-9]*|'') echo "nginx: ORLEANSTASKS_HTTPS_PORT '$port' is not a port number" >&2; exit 1 ;; esac
  sed "s/HTTPS_PORT/$port/" /etc/nginx/orleans-tasks/http-redirect.conf >/etc/nginx/conf.d/10-orleans-tasks-http.conf
  cp /etc/nginx/orleans-tasks/https.conf /etc/nginx/conf.d/20-orleans-tasks-https.conf
  echo "nginx: HTTPS on 8443 with /etc/nginx/tls/site.crt; plain HTTP redirects to port $port"
else
  cp /etc/nginx/orleans-tasks/http.conf /etc/nginx/conf.d/10-orleans-tasks-http.conf
fi
# SIGQUIT waits for open sockets; close them after 10 s, before compose's grace period (15 s) ends in SIGKILL.
exec nginx -g 'daemon off; worker_shutdown_timeout 10s;'
