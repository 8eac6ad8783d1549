#!/usr/bin/env bash
# Makes a new site's settings (README "Deploy on-prem", the second of the three commands): publishes
# the silo and the gateway (docker/publish.sh), adds the first user to a users file beside the env
# file (docker/add-user.sh; the password on standard input), and writes the env file: a fresh
# signing key and database password, the users file, and with --local-images the base images
# docker/build-base-images.sh makes (never pulled). The users file belongs to the gateways' user
# 1654 with mode 0600 (add-user.sh asks sudo for that when not run as root). The env file is
# readable by its owner only and never overwritten: the volume keeps the database password it was
# first made with.
#
#   echo 'a long password' | docker/new-site.sh [--local-images] ENV_FILE USERNAME [ROLE...]
set -euo pipefail
usage="usage: $0 [--local-images] ENV_FILE USERNAME [ROLE...]  (the password on standard input)"
local_images=false
if [ "${1:-}" = --local-images ]; then local_images=true; shift; fi
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
env_file=$1; shift
[ ! -e "$env_file" ] || { echo "new-site: $env_file exists: it holds a site's signing key and database password; keep it" >&2; exit 1; }

docker_dir=$(cd "$(dirname "$0")" && pwd)
users=$(realpath -m "$(dirname "$env_file")/users.json")
# Compose resolves the path from docker/, where compose.yaml is, and takes a bare name for a volume.
users_setting=$(realpath -m --relative-to="$docker_dir" "$users")
[[ $users_setting == ../* ]] || users_setting=./$users_setting

# Read before publishing, which must not consume it.
password=$(cat)
[ -n "$password" ] || { echo "new-site: give the first user's password on standard input" >&2; exit 1; }
"$docker_dir/publish.sh"
printf '%s\n' "$password" | "$docker_dir/add-user.sh" "$users" "$@"
# The password goes into a connection string: letters and digits only.
settings=$(printf 'SIGNING_KEY=%s\nPOSTGRES_PASSWORD=%s\nUSERS_FILE=%s\n' \
  "$(head -c 48 /dev/urandom | base64 -w0)" "$(head -c 24 /dev/urandom | base64 -w0 | tr -d '/+=')" "$users_setting")
if $local_images; then
  # Never pulled: a missing local image is an error (Compose v2; 1.29 ignores pull_policy).
  settings+=$'\nORLEANSTASKS_RUNTIME_IMAGE=orleans-tasks/runtime-base:local\nORLEANSTASKS_POSTGRES_IMAGE=orleans-tasks/postgres:local\nORLEANSTASKS_PULL_POLICY=never'
fi
(umask 077 && set -o noclobber && printf '%s\n' "$settings" > "$env_file")
echo "new-site: $env_file written; users in $users"
