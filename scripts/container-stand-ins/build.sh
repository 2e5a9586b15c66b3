#!/usr/bin/env bash
# Builds local stand-ins for the public base images the Dockerfile and docker-compose.yml name, tagged with their
# public names: docker.io/library/debian:bookworm, postgres:15, mcr.microsoft.com/dotnet/sdk:10.0 and aspnet:10.0.
# Only for machines that cannot pull from public registries; scripts/compose-smoke.sh calls it when a pull fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
engine="${CONTAINER_ENGINE:-podman}"
work="$(mktemp -d /tmp/idarati-stand-ins.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if ! "$engine" image exists docker.io/library/debian:bookworm 2>/dev/null; then
  echo "stand-in: docker.io/library/debian:bookworm (debootstrap)" >&2
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  tar -C "$work/rootfs" -c . | "$engine" import - docker.io/library/debian:bookworm >/dev/null
  rm -rf "$work/rootfs"
fi

if ! "$engine" image exists docker.io/library/postgres:15 2>/dev/null; then
  echo "stand-in: postgres:15" >&2
  "$engine" build --network host -q -t docker.io/library/postgres:15 -f "$here/postgres.Dockerfile" "$here" >/dev/null
fi

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
for target in sdk aspnet; do
  image="mcr.microsoft.com/dotnet/$target:10.0"
  if "$engine" image exists "$image" 2>/dev/null; then continue; fi
  echo "stand-in: $image (the .NET of $dotnet_root)" >&2
  context="$work/$target"
  mkdir -p "$context/dotnet" "$context/ca"
  cp "$here/dotnet.Dockerfile" "$context/Dockerfile"
  cp /usr/local/share/ca-certificates/*.crt "$context/ca/" 2>/dev/null || true
  if [ "$target" = sdk ]; then
    cp -a "$dotnet_root/." "$context/dotnet/"
  else
    cp -a "$dotnet_root/dotnet" "$dotnet_root/shared" "$dotnet_root/host" "$context/dotnet/"
    rm -rf "$context/dotnet/shared/Microsoft.WindowsDesktop.App"
  fi
  "$engine" build --network host -q -t "$image" "$context" >/dev/null
  rm -rf "$context"
done
