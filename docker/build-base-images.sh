#!/usr/bin/env bash
# Builds the base images of an OrleansTasks site from Debian packages, for hosts that cannot pull
# from a public registry (air-gapped sites): nothing is downloaded but Debian packages, from the
# mirror this machine's own apt configuration names.
#
#   sudo docker/build-base-images.sh [--refresh]
#
# --refresh: a fresh root file system from the mirror, never the cached one (ORLEANSTASKS_BASE_CACHE),
# and PostgreSQL's image built without Docker's layer cache: for security updates the mirrors have
# taken in since the last run (README, air-gapped). The base's apt sources are the suite and its
# -updates and -security archives, as this machine's apt names them; it is upgraded from them.
#
# Makes:
#   orleans-tasks/runtime-base:local  a minimal Debian root file system (debootstrap) with what a
#                                     self-contained .NET application needs; stands in for
#                                     mcr.microsoft.com/dotnet/runtime-deps
#   orleans-tasks/postgres:local      PostgreSQL from Debian on that base, started as the official
#                                     postgres image is (POSTGRES_USER, POSTGRES_PASSWORD,
#                                     POSTGRES_DB, PGDATA)
# Then: export ORLEANSTASKS_RUNTIME_IMAGE=orleans-tasks/runtime-base:local
#       export ORLEANSTASKS_POSTGRES_IMAGE=orleans-tasks/postgres:local
#
# Settings (environment): DOCKER_HOST (the Docker engine, as for docker itself);
# ORLEANSTASKS_BASE_CACHE (a directory that keeps the root file system tarball between runs;
# unset: nothing is kept); ORLEANSTASKS_DEBIAN_MIRROR and ORLEANSTASKS_DEBIAN_SUITE (override
# the mirror and suite of the archive apt takes Debian's base-files from); ORLEANSTASKS_POSTGRES_MAJOR
# (PostgreSQL's major version in orleans-tasks/postgres:local, 15 unless set: a volume's data is
# read by its own major only, so it must not follow the Debian suite).
set -euo pipefail
cd "$(dirname "$0")"

refresh=false
case "${1:-}" in
  --refresh) refresh=true ;;
  '') ;;
  *) echo "usage: $0 [--refresh]" >&2; exit 2 ;;
esac
POSTGRES_MAJOR=${ORLEANSTASKS_POSTGRES_MAJOR:-15}
[[ $POSTGRES_MAJOR =~ ^[0-9]+$ ]] || { echo "build-base-images: ORLEANSTASKS_POSTGRES_MAJOR '$POSTGRES_MAJOR' is not a major version such as 15" >&2; exit 2; }

RUNTIME_IMAGE=orleans-tasks/runtime-base:local
POSTGRES_IMAGE=orleans-tasks/postgres:local

log() { echo "build-base-images: $*"; }
fail() { echo "build-base-images: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "debootstrap needs root: run it with sudo"
command -v debootstrap >/dev/null || fail "debootstrap is not installed: sudo apt-get install debootstrap"
command -v docker >/dev/null || fail "docker is not installed: sudo apt-get install docker.io"

# The Debian archive that provides base-files, as this machine's apt resolves it from its own
# sources: other sources (PostgreSQL's, Node's) may also name a "main" component, but never carry
# Debian's base-files. Update, security and backports suites are skipped. A line of the policy:
#   "500 http://<mirror>/debian bookworm/main amd64 Packages"
apt_source() {
  apt-cache policy base-files 2>/dev/null | awk '
    $1 ~ /^[0-9]+$/ && $2 ~ /:/ && $5 == "Packages" {
      split($3, parts, "/")
      if (parts[1] !~ /-(updates|security|backports)$/) { print $2, parts[1]; exit }
    }'
}

read -r source_mirror source_suite <<<"$(apt_source)" || true
MIRROR=${ORLEANSTASKS_DEBIAN_MIRROR:-${source_mirror:-}}
SUITE=${ORLEANSTASKS_DEBIAN_SUITE:-${source_suite:-}}
[ -n "$MIRROR" ] && [ -n "$SUITE" ] || fail "apt names no Debian archive that provides base-files (apt-cache policy base-files): run apt-get update, or set ORLEANSTASKS_DEBIAN_MIRROR and ORLEANSTASKS_DEBIAN_SUITE"

# The suite's -updates and -security archives of Debian (the release line below the policy line
# names o=Debian), as this machine's apt names them: "URL SUITE-security" a line. They go into the
# base's sources.list beside the suite, and the base is upgraded from them, so that a rebuild takes
# in the security updates the mirrors carry. None when the suite is one apt here does not know.
update_sources() {
  apt-cache policy 2>/dev/null | awk -v suite="$SUITE" '
    pending != "" { if ($0 ~ /[ ,]o=Debian,/) print pending; pending = "" }
    $1 ~ /^[0-9]+$/ && $2 ~ /:/ && $5 == "Packages" && ($3 == suite "-updates/main" || $3 == suite "-security/main") {
      split($3, parts, "/"); pending = $2 " " parts[1]
    }' | sort -u
}
UPDATES=$(update_sources)
if ! grep -q -- "-security\$" <<<"$UPDATES"; then
  log "apt names no $SUITE-security archive of Debian (apt-cache policy): the images get only the security updates $MIRROR $SUITE itself carries"
fi

# PostgreSQL's major must be one the suite carries (bookworm: 15; trixie: 17 only). Checked here,
# before anything is built, where apt knows the suite; the image's build checks it again.
if apt-cache policy 2>/dev/null | awk -v s="$SUITE/main" '$3 == s { found = 1 } END { exit !found }'; then
  if ! apt-cache madison "postgresql-$POSTGRES_MAJOR" 2>/dev/null | awk -v s="$SUITE" '$6 == s "/main" || $6 == s "-updates/main" || $6 == s "-security/main" { found = 1 } END { exit !found }'; then
    suite_major=$(apt-cache madison postgresql 2>/dev/null | awk -v s="$SUITE/main" '$6 == s { split($3, v, "+"); print v[1]; exit }' || true)
    fail "$SUITE carries no postgresql-$POSTGRES_MAJOR${suite_major:+ (its PostgreSQL is $suite_major)}: for a new site, or one whose volume holds that major, run ORLEANSTASKS_POSTGRES_MAJOR=${suite_major:-N} sudo --preserve-env=DOCKER_HOST,ORLEANSTASKS_POSTGRES_MAJOR docker/build-base-images.sh; a site with data of another major moves it by dump and restore (README, Where data lives)"
  fi
fi

# What a self-contained .NET application needs beyond a minimal Debian: TLS, ICU, zlib, time zones,
# the CA certificates, and GSSAPI (loaded by .NET's TLS stack; without it each process prints an
# error at its first handshake). ICU's and OpenSSL's package names differ between Debian releases
# (libicu72, libicu76; libssl3, libssl3t64): ask this machine's apt for the newest name that the
# chosen suite itself carries (another source, backports or a pinned newer suite may know newer ones).
package_named() {
  apt-cache pkgnames "$1" 2>/dev/null | grep -E "^$1$2\$" | sort -V -r | while read -r name; do
    if apt-cache madison "$name" 2>/dev/null | grep -F " $SUITE/" >/dev/null; then echo "$name"; break; fi
  done
}
icu=$(package_named libicu '[0-9]+')
ssl=$(package_named libssl3 '(t64)?')
[ -n "$icu" ] && [ -n "$ssl" ] || fail "apt knows no libicuNN or libssl3 package: run apt-get update"
PACKAGES="ca-certificates,tzdata,zlib1g,$ssl,libgssapi-krb5-2,$icu"

work=$(mktemp -d "${TMPDIR:-/tmp}/orleans-tasks-base-XXXXXX")
# A debootstrap cut short leaves the root file system's /proc and /sys mounted: unmount whatever is
# mounted under the work directory before removing it, and never cross into another file system.
clean_up() {
  awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf --one-file-system "$work"
}
trap clean_up EXIT
cache=${ORLEANSTASKS_BASE_CACHE:-$work}
mkdir -p "$cache"
tarball="$cache/runtime-base-$SUITE-$(echo "$MIRROR $PACKAGES $UPDATES" | md5sum | cut -c1-8).tar"

if $refresh && [ -e "$tarball" ]; then
  log "--refresh: not using the cached $tarball"
  rm -f "$tarball"
fi
if [ ! -s "$tarball" ]; then
  log "debootstrap $SUITE from $MIRROR (with $PACKAGES)"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
  if [ -n "$UPDATES" ]; then
    log "upgrading from $(cut -d' ' -f2 <<<"$UPDATES" | paste -sd' ')"
    while read -r url suite; do echo "deb $url $suite main"; done <<<"$UPDATES" >>"$work/rootfs/etc/apt/sources.list"
    mount -t proc proc "$work/rootfs/proc"
    # A clean environment: the caller's (TMPDIR above all) names paths that do not exist in the root file system.
    chroot "$work/rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
      sh -c 'apt-get update -q && apt-get upgrade -y -q' >"$work/upgrade.log" 2>&1 \
      || { tail -20 "$work/upgrade.log" >&2; fail "the upgrade from $SUITE's updates failed (log above)"; }
    umount "$work/rootfs/proc"
  fi
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/*.bin "$work"/rootfs/var/cache/apt/archives/*.deb
  tar -C "$work/rootfs" --numeric-owner -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  rm -rf "$work/rootfs"
else
  log "using the cached root file system $tarball"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  "$tarball" "$RUNTIME_IMAGE" >/dev/null
log "made $RUNTIME_IMAGE"

no_cache=()
if $refresh; then no_cache=(--no-cache); fi
docker build -q --network host "${no_cache[@]}" --build-arg BASE_IMAGE="$RUNTIME_IMAGE" \
  --build-arg POSTGRES_MAJOR="$POSTGRES_MAJOR" -t "$POSTGRES_IMAGE" postgres >/dev/null
log "made $POSTGRES_IMAGE (PostgreSQL $POSTGRES_MAJOR)"
