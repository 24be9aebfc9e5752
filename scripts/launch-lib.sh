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

# Stages CONFIG in a fresh directory as the workers will see it: config/ with the config file and, when `model:` names
# one by a relative path, the model file at the same relative place; cache/ with the LLaMA-2 tokenizer when the config
# names `tokenizer: llama2` (the shards are checked against it; run the processes with MONET_CACHE=~/monet/cache).
# Prints the directory.
launch_stage_config() {
  local config="$1" stage model tokenizer
  stage="$(mktemp -d "${TMPDIR:-/tmp}/monet-launch.XXXXXX")"
  mkdir -p "$stage/config"
  cp "$config" "$stage/config/"
  model="$(launch_yaml_value model "$config")"
  if [[ -n "$model" && "$model" != /* ]]; then
    local from; from="$(dirname "$config")/$model"
    [[ -f "$from" ]] || launch_die "the run config's model file $from does not exist"
    mkdir -p "$stage/config/$(dirname "$model")"
    cp "$from" "$stage/config/$model"
  fi
  tokenizer="$(launch_yaml_value tokenizer "$config")"
  if [[ "$tokenizer" == llama2 ]]; then
    local cached="${MONET_CACHE:-$HOME/.cache/monet-j}/tokenizers/llama2/tokenizer.json"
    if [[ -f "$cached" ]]; then
      mkdir -p "$stage/cache/tokenizers/llama2"
      cp "$cached" "$stage/cache/tokenizers/llama2/"
    else
      echo "$(basename "$0"): warning: the llama2 tokenizer is not in $cached (scripts/fetch-tokenizer.sh makes it); the workers need it to check the shards" >&2
    fi
  fi
  echo "$(basename "$0"): copying $(cd "$stage" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')" >&2
  printf '%s\n' "$stage"
}

# launch_yaml_value KEY FILE: the first plain `KEY: value` of a YAML file (any indentation), without quotes or comment.
launch_yaml_value() {
  local v
  v="$(sed -n "s/^[[:space:]]*$1:[[:space:]]*\([^#[:space:]]*\).*/\1/p" "$2" | head -n1)"
  v="${v%\"}"; v="${v#\"}"; v="${v%\'}"; v="${v#\'}"
  printf '%s' "$v"
}

# The options both launchers take: --config names an existing file, --coordinator-port a port.
launch_check_config_and_port() {
  [[ -n "$CONFIG" ]] || launch_die "--config RUN.yaml is required"
  [[ -f "$CONFIG" ]] || launch_die "--config $CONFIG: no such file"
  [[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || launch_die "--coordinator-port must be a port number, got '$PORT'"
}

# launch_prepare COUNT WHAT: what both launchers do before starting processes. Defaults RUN_DIR to runs/<config stem>
# (warning, when COUNT > 1, that the WHAT (workers, hosts) then write checkpoints on their own disks), builds the
# bundle when no BUNDLE is given, and stages CONFIG; sets RUN_DIR, BUNDLE, STAGE (removed on exit) and STAGED.
launch_prepare() {
  local count="$1" what="$2" stem
  stem="$(basename "${CONFIG%.*}")"
  if [[ -z "$RUN_DIR" ]]; then
    RUN_DIR="runs/$stem"
    ((count == 1)) || echo "$(basename "$0" .sh): warning: no --run-dir: each of the $what writes ~/monet/$RUN_DIR on its own disk; checkpoints of a multi-host run need one directory all $what share" >&2
  fi
  if [[ -z "$BUNDLE" ]]; then
    BUNDLE="$ROOT/bundle/monet-bundle.tar.gz"
    [[ -f "$BUNDLE" ]] || launch_run "$ROOT/scripts/bundle.sh"
  elif [[ ! -f "$BUNDLE" ]]; then
    launch_die "--bundle $BUNDLE: no such file"
  fi
  STAGE="$(launch_stage_config "$CONFIG")"
  trap 'rm -rf "$STAGE"' EXIT
  STAGED=("$STAGE/config"); [[ ! -d "$STAGE/cache" ]] || STAGED+=("$STAGE/cache")
}
