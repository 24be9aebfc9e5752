# Shared by tpu-pod.sh and gpu-hosts.sh (sourced): printing or running commands, and staging a run config with its model.

# Prints a command as it would be typed (arguments with spaces in single quotes), prefixed with '+'.
launch_show() {
  local out="+" a
  for a in "$@"; do
    if [[ "$a" =~ [[:space:]\;\&\|\<\>\$] ]]; then out+=" '$a'"; else out+=" $a"; fi
  done
  printf '%s\n' "$out"
}

# Runs a command (shown on stderr first), or with DRY_RUN=true only prints it on stdout.
launch_run() {
  if [[ "$DRY_RUN" == true ]]; then launch_show "$@"; return 0; fi
  launch_show "$@" >&2
  "$@"
}

# launch_die MESSAGE: the script's name, the message, exit 2 (a usage error).
launch_die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# Stages CONFIG in a fresh directory as the workers will see it: the config file, and its model file when `model:`
# names one by a relative path, at the same relative place. Prints the directory.
launch_stage_config() {
  local config="$1" stage model
  stage="$(mktemp -d "${TMPDIR:-/tmp}/monet-launch.XXXXXX")"
  mkdir -p "$stage/config"
  cp "$config" "$stage/config/"
  model="$(sed -n 's/^model:[[:space:]]*\([^#[:space:]]*\).*/\1/p' "$config" | head -n1)"
  model="${model%\"}"; model="${model#\"}"; model="${model%\'}"; model="${model#\'}"
  if [[ -n "$model" && "$model" != /* ]]; then
    local from; from="$(dirname "$config")/$model"
    [[ -f "$from" ]] || launch_die "the run config's model file $from does not exist"
    mkdir -p "$stage/config/$(dirname "$model")"
    cp "$from" "$stage/config/$model"
  fi
  echo "$(basename "$0"): copying $(cd "$stage" && find config -type f | sort | tr '\n' ' ')" >&2
  printf '%s\n' "$stage"
}
