#!/bin/sh
# Serves the site on 8800, and on 8443 with TLS when a certificate is mounted; logs to stdout.
set -eu
# conf.d is read in name order: the http server defines what the https one uses.
cp /etc/nginx/orleans-tasks/http.conf /etc/nginx/conf.d/10-orleans-tasks-http.conf
rm -f /etc/nginx/conf.d/20-orleans-tasks-https.conf
if [ -f /etc/nginx/tls/site.crt ] && [ -f /etc/nginx/tls/site.key ]; then
  cp /etc/nginx/orleans-tasks/https.conf /etc/nginx/conf.d/20-orleans-tasks-https.conf
  echo "nginx: HTTPS on 8443 with /etc/nginx/tls/site.crt"
fi
exec nginx -g 'daemon off;'
