# Files in the lab user's home. Students are root on a bench for hours and the home is theirs: any name in it
# may be a planted symbolic link (to /etc/shadow, /root/.ssh, ...), the home itself included. Root never
# writes, chowns or removes through one:
# - every write and removal runs as the lab user (setpriv), so the kernel's permission checks stop a link from
#   leading anywhere the students' account could not write anyway (and no chown is needed);
# - and, should that account be privileged after all: a link where the lab's own file or directory goes is
#   removed, never followed; files are created with mktemp (O_EXCL: no link followed) and renamed over the name
#   (rename replaces a link, never writes through it); a home that is itself a link is refused.

lab_home() { printf '%s/home/%s' "$NETLAB_ROOT" "$NETLAB_LAB_USER"; }

# as_lab_user CMD...: CMD as the lab user.
as_lab_user() {
  local uid gid
  if ! uid="$(id -u "$NETLAB_LAB_USER")" || ! gid="$(id -g "$NETLAB_LAB_USER")"; then
    log "no account $NETLAB_LAB_USER on this node (netlab:labUser)"
    return 1
  fi
  setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"
}

# The home exists and neither it nor /home is a link.
require_real_home() {
  local home d
  home="$(lab_home)"
  if [ ! -e "$home" ] && [ ! -L "$home" ] && [ ! -L "$NETLAB_ROOT/home" ]; then
    mkdir -p "$home"
    chown "$NETLAB_LAB_USER:" "$home"
  fi
  for d in "$NETLAB_ROOT/home" "$home"; do
    if [ -L "$d" ] || [ ! -d "$d" ]; then
      log "refusing to write in $home: $d is not a real directory (a planted link?); make it a directory owned by $NETLAB_LAB_USER again"
      return 1
    fi
  done
}

# put_user_file REL CONTENT [MODE]: writes ~/REL (a name or dir/name, the lab's own) atomically, as the lab user.
put_user_file() {
  local rel="$1" mode="${3:-0644}" home dir
  case "$rel" in /* | */*/* | *..*) log "put_user_file: bad path $rel"; return 1 ;; esac
  require_real_home
  home="$(lab_home)"
  dir="$home"
  if [[ "$rel" == */* ]]; then
    dir="$home/${rel%/*}"
    if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then
      as_lab_user rm -f -- "$dir"
      log "removed ~$NETLAB_LAB_USER/${rel%/*}: not a directory (a planted link?)"
    fi
    as_lab_user mkdir -p -m 0700 -- "$dir"
  fi
  if [ -d "$home/$rel" ] && [ ! -L "$home/$rel" ]; then
    log "refusing to replace ~$NETLAB_LAB_USER/$rel: it is a directory; move it away and run again"
    return 1
  fi
  # shellcheck disable=SC2016 # expanded by the inner shell
  printf '%s\n' "$2" | as_lab_user bash -c 'cd / && umask 077 && t="$(mktemp "$1/.netlab-XXXXXX")" && { cat >"$t" && chmod "$2" "$t" && mv -fT -- "$t" "$3"; } || { rm -f -- "${t:-}"; exit 1; }' put_user_file "$dir" "$mode" "$home/$rel"
  log "wrote ~$NETLAB_LAB_USER/$rel"
}

# remove_user_file REL: removes ~/REL, never through a linked home or directory (then there is nothing of ours).
remove_user_file() {
  local rel="$1" home
  home="$(lab_home)"
  if [ -L "$NETLAB_ROOT/home" ] || [ -L "$home" ] || [ ! -d "$home" ] || { [[ "$rel" == */* ]] && { [ -L "$home/${rel%/*}" ] || [ ! -d "$home/${rel%/*}" ]; }; }; then
    log "left ~$NETLAB_LAB_USER/$rel alone: it is not inside a real directory"
    return 0
  fi
  as_lab_user rm -f -- "$home/$rel"
  log "removed ~$NETLAB_LAB_USER/$rel"
}
