#!/bin/sh
# Starts PostgreSQL as the postgres user; on the first start (PGDATA empty) makes the cluster with
# the superuser POSTGRES_USER and password POSTGRES_PASSWORD, and the database POSTGRES_DB.
set -eu
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

# As the official image: a first argument that is a flag (command: ["-c", "..."]) is for postgres.
case "${1:-}" in -*) set -- postgres "$@" ;; esac
if [ "${1:-}" != "postgres" ]; then exec "$@"; fi

mkdir -p "$PGDATA"
if [ -s "$PGDATA/PG_VERSION" ] && [ "$(cat "$PGDATA/PG_VERSION")" != "$POSTGRES_MAJOR" ]; then
  echo "postgres: $PGDATA holds a PostgreSQL $(cat "$PGDATA/PG_VERSION") cluster and this image runs PostgreSQL $POSTGRES_MAJOR: build the image with ORLEANSTASKS_POSTGRES_MAJOR=$(cat "$PGDATA/PG_VERSION") sudo --preserve-env=DOCKER_HOST,ORLEANSTASKS_POSTGRES_MAJOR docker/build-base-images.sh, or move the data with pg_upgrade or a dump and restore" >&2
  exit 1
fi
# A cluster made by another image (the official one runs PostgreSQL as uid 999, with its own
# locales) is not this image's to take over: its files belong to another user. One made by an
# earlier build of this image whose postgres user got another uid (Debian allots it at install)
# is, once its files are given to this one.
if [ -s "$PGDATA/PG_VERSION" ] && [ "$(stat -c %u "$PGDATA/PG_VERSION")" != "$(id -u postgres)" ]; then
  echo "postgres: $PGDATA holds a cluster whose files belong to uid $(stat -c %u "$PGDATA/PG_VERSION"), not to this image's postgres (uid $(id -u postgres)): if another image made it (the official one runs as 999), move the data with a dump and restore; if an earlier build of this image made it, give the files to this one as root: chown -R $(id -u postgres):$(id -g postgres) $PGDATA (README, Where data lives)" >&2
  exit 1
fi
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: POSTGRES_PASSWORD is not set: give the superuser a password" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.auto.conf"
  if [ "$POSTGRES_DB" != "postgres" ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" \
      | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "postgres: made the cluster in $PGDATA with user $POSTGRES_USER and database $POSTGRES_DB"
fi
shift
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
