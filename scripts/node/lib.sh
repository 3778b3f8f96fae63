# Shared helpers for every node step. The rendered script is: header (NETLAB_* variables), this file, the step.
# Each step defines create(), delete() and check(); the command line chooses one
# ("bash -c <script> <file> create|delete|check").
# Every file a step reads or writes on the node is named under NETLAB_ROOT, the node's root directory ("" on a
# bench); paths inside the files it writes, and commands, are the node's own.
set -euo pipefail

log() { printf '[netlab %s/%s %(%T)T] %s\n' "$NETLAB_NODE" "$NETLAB_STEP" -1 "$*" >&2; }

# api CMD...: runs CMD, which talks to the API server, again every 5 s while it fails, for up to
# NETLAB_API_TIMEOUT seconds, and prints the output of the run that succeeded. A busy control plane drops
# connections for a while ("TLS handshake timeout", "connection refused") while a join or a restart loads it.
api() {
  local limit="${NETLAB_API_TIMEOUT:-60}" out
  local deadline=$((SECONDS + limit))
  until out="$("$@")"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "gave up after ${limit}s: $1 $2 $3"
      return 1
    fi
    log "the API server did not answer '$1 $2 $3'; again in 5 s"
    sleep 5
  done
  if [ -n "$out" ]; then printf '%s\n' "$out"; fi
}

# put_file PATH CONTENT [MODE]: writes CONTENT to PATH (under NETLAB_ROOT, a root-owned directory) atomically.
# The temporary file is made by mktemp (O_EXCL: never an existing name or link). Files in the lab user's
# home go through put_user_file (home.sh) instead.
put_file() {
  local path="$NETLAB_ROOT$1" mode="${3:-0644}" tmp
  mkdir -p "$(dirname "$path")"
  tmp="$(umask 077 && mktemp "$(dirname "$path")/.netlab-XXXXXX")"
  printf '%s\n' "$2" >"$tmp"
  chmod "$mode" "$tmp"
  mv -fT "$tmp" "$path"
  log "wrote $1"
}

# Package installs: never a prompt (a re-run keeps the config files netlab rewrote: --force-confold), the index
# refreshed first. With the bundle as source, apt reads only the bundle's repository on the node: its files were
# checked against the sha256 sums the provisioner sent over the pinned SSH connection, so it is trusted as is.
apt_get() {
  # --force-unsafe-io: dpkg skips its fsync after each file (a crash mid-install means re-running the step, which
  # is idempotent); on a slow disk or an emulated node it saves minutes.
  local -a opts=(-y -q -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-unsafe-io)
  if [ "$NETLAB_PACKAGE_SOURCE" = bundle ]; then
    opts+=(-o "Dir::Etc::SourceList=$NETLAB_BUNDLE_DIR/apt.list" -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0)
  fi
  DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" "$@"
}

# Installs the named packages that are missing. Packages the bench already has stay at their version
# (--no-upgrade, like Kubespray's `state: present`): an upgrade now and then is the bench owner's call, and
# on slow machines upgrading ca-certificates alone re-runs update-ca-certificates for minutes.
install_packages() {
  if [ "$NETLAB_PACKAGE_SOURCE" = bundle ]; then
    [ -f "$NETLAB_BUNDLE_DIR/debs/Packages" ] || { log "no bundle at $NETLAB_BUNDLE_DIR (it is pushed before the first step)"; return 1; }
    printf 'deb [trusted=yes] file:%s/debs ./\n' "$NETLAB_BUNDLE_DIR" >"$NETLAB_BUNDLE_DIR/apt.list"
  fi
  apt_get update
  apt_get install --no-install-recommends --no-upgrade "$@"
}

remove_file() {
  rm -f "$NETLAB_ROOT$1"
  log "removed $1"
}

# Copies what students left in the lab user's home into a timestamped archive before anything is wiped:
# /var/backups/netlab/<node>-<time>.tar.gz on the node itself (never copied off it), root's only (directory
# 0700, archive 0600), without the kubeconfigs (admin credentials), holes of sparse files kept as holes, one
# file system, and at most NETLAB_ARCHIVE_SECONDS (default 600) of tar: a student cannot stall a destroy.
archive_student_files() {
  local home="$NETLAB_ROOT/home/$NETLAB_LAB_USER" dest="$NETLAB_ROOT/var/backups/netlab" archive
  [ -d "$home" ] && [ ! -L "$home" ] || return 0
  mkdir -p "$dest"
  chown root: "$dest" 2>/dev/null || true
  chmod 0700 "$dest"
  archive="$dest/$NETLAB_NODE-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  if (umask 077 && timeout "${NETLAB_ARCHIVE_SECONDS:-600}" tar --sparse --one-file-system --exclude=./admin.conf --exclude=./.kube \
    -czf "$archive" -C "$home" .); then
    log "archived $home to $archive"
  else
    log "archive of $home incomplete (tar failed or took over ${NETLAB_ARCHIVE_SECONDS:-600} s): $archive"
  fi
}

# Each step's check() prints "key=value" lines of what the step is responsible for on the host, compared with
# the render's expectations on refresh (host drift). check_files: the files it writes (NETLAB_CHECK_FILES).
check_files() {
  local path
  while IFS= read -r path; do
    [ -n "$path" ] || continue
    if [ -f "$NETLAB_ROOT$path" ]; then
      printf 'file:%s=%s\n' "$path" "$(sha256sum <"$NETLAB_ROOT$path" | cut -d' ' -f1)"
    else
      printf 'file:%s=missing\n' "$path"
    fi
  done <<<"$NETLAB_CHECK_FILES"
}
