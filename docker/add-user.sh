#!/usr/bin/env bash
# Adds a user to a users file (Auth:UsersFile; the compose site's USERS_FILE), making the file
# when it does not exist. The password is read from standard input and stored hashed by the
# gateway's own hash-password command (from docker/publish/gateway, made by docker/publish.sh;
# ORLEANSTASKS_PUBLISH_DIR names another publish directory).
#
#   echo 'a long password' | docker/add-user.sh docker/users.json admin admin   # FILE USERNAME [ROLE...]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 USERS_FILE USERNAME [ROLE...]  (the password on standard input)" >&2; exit 2; }
file=$1 username=$2; shift 2
gateway="${ORLEANSTASKS_PUBLISH_DIR:-$(dirname "$0")/publish}/gateway/OrleansTasks.Gateway"
[ -x "$gateway" ] || { echo "add-user: $gateway not found: run docker/publish.sh first" >&2; exit 1; }
[[ "$username" =~ ^[A-Za-z0-9._@-]+$ ]] || { echo "add-user: a username is letters, digits and . _ @ -" >&2; exit 1; }
for role in "$@"; do
  [[ "$role" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "add-user: a role is letters, digits and . _ -" >&2; exit 1; }
done
if [ -f "$file" ] && grep -q "\"Username\": \"$username\"" "$file"; then
  echo "add-user: $username is already in $file" >&2; exit 1
fi

hash=$("$gateway" hash-password) || { echo "add-user: give the password on standard input" >&2; exit 1; }
roles=""
for role in "$@"; do roles+="${roles:+, }\"$role\""; done
entry="  {\"Username\": \"$username\", \"PasswordHash\": \"$hash\", \"Roles\": [$roles]}"

# One user per line between "[" and "]": appending replaces the closing bracket.
if [ -s "$file" ] && grep -q '"Username"' "$file"; then
  sed -i '$d' "$file"
  sed -i '$s/$/,/' "$file"
  printf '%s\n]\n' "$entry" >>"$file"
else
  printf '[\n%s\n]\n' "$entry" >"$file"
fi
# The gateway runs as user 1654 in its container and must read the file.
chmod 0644 "$file"
echo "add-user: $username added to $file"
