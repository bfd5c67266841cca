#!/usr/bin/env bash
# Build the sidecar image, push it to your registry, and point deploy/k8s at it:
#   deploy/k8s/build-and-push.sh REGISTRY/REPOSITORY [TAG] [cpu|gpu]
#   e.g. deploy/k8s/build-and-push.sh registry.example.com/odoo-digitize        → …/ocr-sidecar:0.1.0-gpu
# Needs docker (with buildx/BuildKit) logged in to the registry (`docker login REGISTRY`). TAG defaults to
# the package version and the flavour; the GPU flavour builds on the CUDA base, cpu on Ubuntu (both pinned in
# docker/sidecar.Dockerfile and docker-compose.yml). Then: kubectl apply -k deploy/k8s -n <namespace>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
repository=${1%/}
flavour=${3:-gpu}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/pyproject.toml" | head -1)
tag=${2:-$version-$flavour}
image="$repository/ocr-sidecar:$tag"
case "$flavour" in
  gpu) args=() ;;
  cpu) args=(--build-arg BASE_IMAGE=ubuntu:noble-20260810 --build-arg TORCH_INDEX=cpu) ;;
  *) echo "build-and-push.sh: flavour must be cpu or gpu, not '$flavour'" >&2; exit 2 ;;
esac
docker build -f "$root/docker/sidecar.Dockerfile" "${args[@]}" -t "$image" "$root"
docker push "$image"
# the two marked lines of kustomization.yaml (what `kustomize edit set image` would write)
sed -i -e "s|^\(    newName: \).*\(  # image-name\)$|\1$repository/ocr-sidecar\2|" \
       -e "s|^\(    newTag: \).*\(  # image-tag\)$|\1\"$tag\"\2|" "$here/kustomization.yaml"
echo "pushed $image; deploy/k8s/kustomization.yaml now names it. Next: kubectl apply -k deploy/k8s -n <namespace>"
