#!/usr/bin/env bash
# Adds a user to a users file (Auth:UsersFile; the compose site's USERS_FILE), making the file
# when it does not exist. The password is read from standard input and stored hashed by the
# gateway's own hash-password command (from docker/publish/gateway, made by docker/publish.sh;
# ORLEANSTASKS_PUBLISH_DIR names another publish directory).
#
#   echo 'a long password' | docker/add-user.sh docker/users.json admin admin   # FILE USERNAME [ROLE...]
# The file holds password hashes: it belongs to the user the gateways run as in their containers
# (1654) with mode 0600, so reading and writing it takes root (sudo, asked for when not root).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 USERS_FILE USERNAME [ROLE...]  (the password on standard input)" >&2; exit 2; }
file=$1 username=$2; shift 2
gateway="${ORLEANSTASKS_PUBLISH_DIR:-$(dirname "$0")/publish}/gateway/OrleansTasks.Gateway"
[ -x "$gateway" ] || { echo "add-user: $gateway not found: run docker/publish.sh first" >&2; exit 1; }
[[ "$username" =~ ^[A-Za-z0-9._@-]+$ ]] || { echo "add-user: a username is letters, digits and . _ @ -" >&2; exit 1; }
for role in "$@"; do
  [[ "$role" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "add-user: a role is letters, digits and . _ -" >&2; exit 1; }
done
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
current=""
if [ -e "$file" ]; then
  current=$(as_root cat "$file") || { echo "add-user: cannot read $file" >&2; exit 1; }
fi
if grep -q "\"Username\": \"$username\"" <<<"$current"; then
  echo "add-user: $username is already in $file" >&2; exit 1
fi

hash=$("$gateway" hash-password) || { echo "add-user: give the password on standard input" >&2; exit 1; }
roles=""
for role in "$@"; do roles+="${roles:+, }\"$role\""; done
entry="  {\"Username\": \"$username\", \"PasswordHash\": \"$hash\", \"Roles\": [$roles]}"

# One user per line between "[" and "]": appending replaces the closing bracket.
if grep -q '"Username"' <<<"$current"; then
  users=$(printf '%s\n' "$current" | sed '$d' | sed '$s/$/,/'; printf '%s\n]' "$entry")
else
  users=$(printf '[\n%s\n]' "$entry")
fi
# Written beside the file and renamed over it, readable by the gateways' user only.
printf '%s\n' "$users" | as_root sh -c 'umask 077 && cat >"$1.new" && chown 1654:1654 "$1.new" && mv -f "$1.new" "$1"' add-user "$file"
echo "add-user: $username added to $file (owner 1654, mode 0600)"
