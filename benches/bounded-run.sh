# Sourced by benches/hardening-*.sh: `run LABEL COMMAND…` runs COMMAND under GNU time -v,
# bounded to 20 s and $BOUND_KB KiB of address space (default 4 GiB), its standard output in
# $out/stdout, and prints the label, exit status, wall time and peak RSS.
# Needs $out, a scratch directory.
run() { # label, command...
  local label=$1; shift
  (ulimit -v "${BOUND_KB:-4194304}"; timeout 20 /usr/bin/time -v "$@") >"$out/stdout" 2>"$out/time"
  local status=$?
  local rss wall
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f MB", $2/1024}' "$out/time")
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$out/time")
  [ "$status" = 124 ] && wall="killed at 20 s"
  printf '%-52s exit %-3s %-16s %s\n' "$label" "$status" "${wall:-?}" "${rss:-?}"
}
