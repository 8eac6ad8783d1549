#!/usr/bin/env bash
# Publishes the silo and the gateway self-contained for Linux x64 with the .NET SDK on this
# machine, into docker/publish/{silo,gateway}, each with its Dockerfile (docker/silo.Dockerfile,
# docker/gateway.Dockerfile): the build contexts of compose.yaml. The .NET runtime comes from
# NuGet's runtime packs with the restore; nothing else is downloaded.
#
#   docker/publish.sh
#
# Settings (environment): ORLEANSTASKS_PUBLISH_DIR (default docker/publish; compose.yaml reads the
# same variable), CONFIGURATION (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${ORLEANSTASKS_PUBLISH_DIR:-docker/publish}")
for app in Silo Gateway; do
  name=$(echo "$app" | tr '[:upper:]' '[:lower:]')
  rm -rf "${out:?}/$name"
  # Intermediate files under the publish directory, never the tree's obj/ and bin/: builds and
  # tests running in the tree at the same time are left alone.
  dotnet publish "$app/$app.csproj" -c "${CONFIGURATION:-Release}" -r linux-x64 --self-contained \
    --artifacts-path "$out/.build" -o "$out/$name" --nologo -v quiet
  cp "docker/$name.Dockerfile" "$out/$name/Dockerfile"
  # The images copy the files with their modes and run as user 1654: under a restrictive umask
  # (077) it could read nothing.
  chmod -R a+rX "$out/$name"
  echo "publish: $app in $out/$name"
done
