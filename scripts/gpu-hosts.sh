#!/usr/bin/env bash
# Launches `monet train` on GPU hosts over ssh, one process per host (each drives its local GPUs through the CUDA plugin).
#
#   scripts/gpu-hosts.sh HOSTFILE --config RUN.yaml [--run-dir DIR] [--coordinator-port PORT]
#                        [--bundle monet-bundle.tar.gz] [--dry-run] [-- MONET TRAIN ARGS...]
#
# HOSTFILE: one host per line ([user@]host, as ssh takes it; blank lines and # comments skipped). The first line is
# process 0 and the coordinator: the others reach it at its host name and PORT.
# 1. the bundle (scripts/bundle.sh; built when missing), the run config with its model file and the llama2 tokenizer,
#    copied to ~/monet on every host (scp), and unpacked;
# 2. an earlier `monet train` on a host stopped (only Monet's own processes: GPUs may be shared);
# 3. `monet train --process-id I --num-processes N --coordinator HOST0:PORT` started on host I in the background,
#    logging to ~/monet/logs/process-I.log; then process 0's log is streamed here (Ctrl-C stops watching, not training).
# --dry-run prints every command instead. Arguments after -- go to every host's `monet train`.
# The CUDA PJRT plugin must be on each host: `pip install jax-cuda13-pjrt` (found in site-packages) or MONET_PJRT_PLUGIN.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/launch-lib.sh"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

HOSTFILE="" CONFIG="" RUN_DIR="" PORT=8476 BUNDLE="" DRY_RUN=false
TRAIN_ARGS=()
while (($#)); do
  case "$1" in
    --config|--run-dir|--coordinator-port|--bundle)
      (($# >= 2)) || launch_die "$1 needs a value"
      case "$1" in
        --config) CONFIG="$2" ;; --run-dir) RUN_DIR="$2" ;; --coordinator-port) PORT="$2" ;; --bundle) BUNDLE="$2" ;;
      esac
      shift 2 ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; TRAIN_ARGS=("$@"); break ;;
    -*) launch_die "unknown option $1 (see --help)" ;;
    *) [[ -z "$HOSTFILE" ]] || launch_die "one host file expected, got '$HOSTFILE' and '$1'"; HOSTFILE="$1"; shift ;;
  esac
done
[[ -n "$HOSTFILE" ]] || launch_die "the host file is missing: gpu-hosts.sh HOSTFILE --config RUN.yaml (see --help)"
[[ -f "$HOSTFILE" ]] || launch_die "host file $HOSTFILE: no such file"
launch_check_config_and_port

HOSTS=()
while IFS= read -r line || [[ -n "$line" ]]; do
  line="${line%%#*}"; line="${line//[[:space:]]/}"
  [[ -z "$line" ]] || HOSTS+=("$line")
done < "$HOSTFILE"
((${#HOSTS[@]} > 0)) || launch_die "host file $HOSTFILE names no host (one [user@]host per line)"
dups="$(printf '%s\n' "${HOSTS[@]}" | sort | uniq -d)"
[[ -z "$dups" ]] || launch_die "host file $HOSTFILE names a host twice: $dups (one process per host)"
N=${#HOSTS[@]}
COORDINATOR="${HOSTS[0]#*@}:$PORT"

REMOTE=monet # under each host's home directory
launch_prepare "$N" hosts

EXTRA=""
for a in "${TRAIN_ARGS[@]}"; do EXTRA+=" $(printf '%q' "$a")"; done
echo "gpu-hosts: $N hosts, coordinator $COORDINATOR, config $REMOTE/config/$(basename "$CONFIG"), run directory $RUN_DIR" >&2
for host in "${HOSTS[@]}"; do
  launch_run ssh "$host" "mkdir -p $REMOTE/logs && rm -rf $REMOTE/config $REMOTE/cache"
  launch_run scp -q -r "$BUNDLE" "${STAGED[@]}" "$host:$REMOTE/"
  launch_run ssh "$host" "cd $REMOTE && tar xzf $(basename "$BUNDLE") && (pkill -f \"[m]onetj.train.cli.MonetCli train\" || true)"
done
for ((i = 0; i < N; i++)); do
  train="monet-bundle/bin/monet train --config config/$(basename "$CONFIG") --run-dir $RUN_DIR --process-id $i --num-processes $N --coordinator $COORDINATOR$EXTRA"
  launch_run ssh "${HOSTS[$i]}" "cd $REMOTE && MONET_CACHE=\$HOME/$REMOTE/cache nohup setsid $train > logs/process-$i.log 2>&1 < /dev/null &"
done

echo "gpu-hosts: started; streaming process 0's log (Ctrl-C stops watching; training goes on). Others: ~/$REMOTE/logs/process-I.log on host I" >&2
launch_run ssh "${HOSTS[0]}" "tail -n +1 -F $REMOTE/logs/process-0.log"
