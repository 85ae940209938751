#!/usr/bin/env bash
# Build a local Debian bookworm base image with Python 3.11 without any image registry:
# debootstrap a minbase rootfs (cached under deploy/.build/, git-ignored) and
# `podman import` it.
#
#   deploy/make_base_image.sh [IMAGE]      # default IMAGE: localhost/gan-lab-base:bookworm
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), BUILD_DIR (default
# deploy/.build), FORCE=1 to rebuild the rootfs even when the cache is valid.
# Needs root, debootstrap and podman. Idempotent: a complete cached rootfs is reused, and
# the import is skipped when IMAGE already carries the cached rootfs's id in its label.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${1:-localhost/gan-lab-base:bookworm}
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/deploy/.build}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
INCLUDE=python3,python3-venv,python3-pip,ca-certificates
ROOTFS=$BUILD_DIR/rootfs-$SUITE

unmount_under() {
    # every mount point below $1, deepest first
    local m
    while read -r m; do
        [[ -n $m ]] && umount -l "$m"
    done < <(findmnt -rn -o TARGET | grep -E "^$1/" | sort -r)
}
STAMP=$ROOTFS/.gan-lab-rootfs
# Anything that changes the rootfs recipe changes this spec and invalidates the cache.
SPEC="debootstrap --variant=minbase --include=$INCLUDE $SUITE (recipe v1)"
PODMAN=(podman --runtime runc)

log() { printf '[make_base_image] %s\n' "$*"; }

if [[ $EUID -ne 0 ]]; then
    echo "make_base_image.sh: must run as root (debootstrap, podman import)" >&2
    exit 1
fi

mkdir -p "$BUILD_DIR"

if [[ "${FORCE:-0}" != 1 && -f $STAMP ]] && grep -qxF "spec: $SPEC" "$STAMP"; then
    log "reusing cached rootfs $ROOTFS ($(grep '^id:' "$STAMP"))"
else
    tmp=$ROOTFS.tmp
    rm -rf "$tmp" "$ROOTFS"
    log "debootstrap $SUITE (minbase + $INCLUDE) from $DEBIAN_MIRROR into $tmp"
    debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$DEBIAN_MIRROR" \
        >"$BUILD_DIR/debootstrap.log" 2>&1 || {
        tail -n 30 "$BUILD_DIR/debootstrap.log" >&2
        echo "make_base_image.sh: debootstrap failed (log: $BUILD_DIR/debootstrap.log)" >&2
        exit 1
    }
    # debootstrap mounts /proc (and may mount /sys) in the target; seen here left mounted
    # after a successful run, when the import below archived the host's /proc and failed.
    unmount_under "$tmp"
    # Smaller and host-independent: no package caches or lists (the image never runs
    # apt), no docs/man pages/locales, and none of the host files debootstrap copied in.
    rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin \
        "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* \
        "$tmp"/usr/share/info/* "$tmp"/usr/share/locale/* "$tmp"/var/log/*.log \
        "$tmp"/var/log/apt/* "$tmp"/tmp/* "$tmp"/root/.cache
    mkdir -p "$tmp"/var/lib/apt/lists/partial
    : >"$tmp"/etc/resolv.conf
    : >"$tmp"/etc/machine-id
    rm -f "$tmp"/etc/hostname
    find "$tmp"/usr/lib/python3* -name __pycache__ -type d -prune -exec rm -rf {} +
    # The venv module must work (python3-venv + ensurepip's bundled wheels).
    chroot "$tmp" /usr/bin/python3 -m venv /tmp/venv-check
    chroot "$tmp" /tmp/venv-check/bin/python -c 'import sys; print(sys.version)' >/dev/null
    rm -rf "$tmp"/tmp/venv-check
    find "$tmp"/usr/lib/python3* -name __pycache__ -type d -prune -exec rm -rf {} +
    py_version=$(chroot "$tmp" /usr/bin/python3 -c \
        'import sys; print("%d.%d.%d" % sys.version_info[:3])')
    {
        echo "spec: $SPEC"
        echo "id: $SUITE-$(date -u +%Y%m%dT%H%M%SZ)-$RANDOM"
        echo "python: $py_version"
    } >"$tmp/.gan-lab-rootfs"
    mv "$tmp" "$ROOTFS"
    log "rootfs ready: $(du -sh "$ROOTFS" | cut -f1), Python $py_version"
fi

rootfs_id=$(sed -n 's/^id: //p' "$STAMP")
python_version=$(sed -n 's/^python: //p' "$STAMP")
if "${PODMAN[@]}" image exists "$IMAGE" &&
    [[ $("${PODMAN[@]}" image inspect --format '{{index .Labels "org.gan-lab.rootfs-id"}}' \
        "$IMAGE") == "$rootfs_id" ]]; then
    log "image $IMAGE already imported from this rootfs ($rootfs_id)"
    exit 0
fi

if "${PODMAN[@]}" image exists "$IMAGE"; then
    log "removing the stale $IMAGE (imported from an older rootfs)"
    "${PODMAN[@]}" rmi "$IMAGE" >/dev/null || true
fi
log "importing $ROOTFS as $IMAGE"
unmount_under "$ROOTFS"  # a cached rootfs from an interrupted earlier run
# --one-file-system: never into a file system mounted inside the rootfs
tar -C "$ROOTFS" --one-file-system --numeric-owner --exclude=./.gan-lab-rootfs -c . |
    "${PODMAN[@]}" import --quiet \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        --change "LABEL org.gan-lab.rootfs-id=$rootfs_id" \
        --change "LABEL org.gan-lab.python-version=$python_version" \
        --message "debootstrap $SUITE minbase + $INCLUDE" \
        - "$IMAGE" >/dev/null
log "imported $IMAGE ($("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE") bytes)"
