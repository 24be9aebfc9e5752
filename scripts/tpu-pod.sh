#!/usr/bin/env bash
# Launches `monet train` on every worker of a Cloud TPU VM slice (e.g. a v4-64: 32 chips on 8 VMs), one process per VM.
#
#   scripts/tpu-pod.sh NAME --zone ZONE --config RUN.yaml [--project P] [--workers N] [--run-dir DIR]
#                      [--coordinator-port PORT] [--bundle monet-bundle.tar.gz] [--dry-run] [-- MONET TRAIN ARGS...]
#
# 1. the worker count and worker 0's internal IP from `gcloud compute tpus tpu-vm describe` (--workers N overrides the count);
# 2. the bundle (scripts/bundle.sh: a JDK 25 runtime, the jars, bin/monet; built when missing), the run config with
#    its model file and the llama2 tokenizer, copied to ~/monet on every worker (`gcloud compute tpus tpu-vm scp`);
# 3. stale processes that hold the TPU stopped on every worker (an earlier monet train, anything holding /dev/accel*);
# 4. `monet train --process-id I --num-processes N --coordinator WORKER0_IP:PORT` started on worker I, in the background,
#    logging to ~/monet/logs/worker-I.log; then worker 0's log is streamed here (Ctrl-C stops watching, not training).
# --dry-run prints every command instead; with --workers N it asks gcloud nothing and names worker 0's IP WORKER0_IP.
# Arguments after -- go to every worker's `monet train` (e.g. -- --resume --set data.train=/mnt/disks/tokens/train).
# The libtpu PJRT plugin must be on each worker: `pip install libtpu` (found in site-packages) or MONET_PJRT_PLUGIN.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/launch-lib.sh"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

NAME="" ZONE="" CONFIG="" PROJECT="" WORKERS="" RUN_DIR="" PORT=8476 BUNDLE="" DRY_RUN=false
TRAIN_ARGS=()
while (($#)); do
  case "$1" in
    --zone|--config|--project|--workers|--run-dir|--coordinator-port|--bundle)
      (($# >= 2)) || launch_die "$1 needs a value"
      case "$1" in
        --zone) ZONE="$2" ;; --config) CONFIG="$2" ;; --project) PROJECT="$2" ;; --workers) WORKERS="$2" ;;
        --run-dir) RUN_DIR="$2" ;; --coordinator-port) PORT="$2" ;; --bundle) BUNDLE="$2" ;;
      esac
      shift 2 ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; TRAIN_ARGS=("$@"); break ;;
    -*) launch_die "unknown option $1 (see --help)" ;;
    *) [[ -z "$NAME" ]] || launch_die "one TPU name expected, got '$NAME' and '$1'"; NAME="$1"; shift ;;
  esac
done
[[ -n "$NAME" ]] || launch_die "the TPU name is missing: tpu-pod.sh NAME --zone ZONE --config RUN.yaml (see --help)"
[[ -n "$ZONE" ]] || launch_die "--zone is required (the zone the TPU VM $NAME was created in)"
launch_check_config_and_port
[[ -z "$WORKERS" || "$WORKERS" =~ ^[1-9][0-9]*$ ]] || launch_die "--workers must be a positive integer, got '$WORKERS'"

GCLOUD=(gcloud compute tpus tpu-vm)
WHERE=(--zone "$ZONE"); [[ -z "$PROJECT" ]] || WHERE+=(--project "$PROJECT")

# The workers' internal IPs, worker 0 first, from the TPU's network endpoints. A dry run with --workers asks nothing.
COORDINATOR_IP=WORKER0_IP
if [[ "$DRY_RUN" == true && -n "$WORKERS" ]]; then
  :
elif command -v gcloud >/dev/null; then
  mapfile -t IPS < <(gcloud compute tpus tpu-vm describe "$NAME" "${WHERE[@]}" --format='value[delimiter="\n"](networkEndpoints.ipAddress)')
  ((${#IPS[@]} > 0)) && [[ -n "${IPS[0]}" ]] || launch_die "gcloud describe $NAME gave no network endpoints (are the name, --zone and --project right?)"
  COORDINATOR_IP="${IPS[0]}"
  if [[ -n "$WORKERS" && "$WORKERS" != "${#IPS[@]}" ]]; then
    launch_die "--workers $WORKERS, but TPU $NAME has ${#IPS[@]} workers"
  fi
  WORKERS="${#IPS[@]}"
elif [[ "$DRY_RUN" != true ]]; then
  launch_die "gcloud is not on PATH (install the Google Cloud CLI; --dry-run --workers N prints the commands without it)"
else
  launch_die "without gcloud, --dry-run needs --workers N (a v4-64 slice has 8)"
fi

REMOTE=monet # under each worker's home directory
launch_prepare "$WORKERS" workers
REMOTE_CONFIG="$REMOTE/config/$(basename "$CONFIG")"

echo "tpu-pod: $NAME ($WORKERS workers), coordinator $COORDINATOR_IP:$PORT, config $REMOTE_CONFIG, run directory $RUN_DIR" >&2
launch_run "${GCLOUD[@]}" ssh "$NAME" "${WHERE[@]}" --worker=all --command "mkdir -p $REMOTE/logs && rm -rf $REMOTE/config $REMOTE/cache"
launch_run "${GCLOUD[@]}" scp --recurse "$BUNDLE" "${STAGED[@]}" "$NAME:$REMOTE/" "${WHERE[@]}" --worker=all
# A TPU is held by one process; an earlier run (or a crashed one's libtpu lock) would make the new ones fail. ([m]: the
# pattern does not match the shell that runs it.)
launch_run "${GCLOUD[@]}" ssh "$NAME" "${WHERE[@]}" --worker=all --command \
  "cd $REMOTE && tar xzf $(basename "$BUNDLE") && (pkill -f \"[m]onetj.train.cli.MonetCli train\" || true) && (sudo fuser -k /dev/accel* 2>/dev/null || true) && sudo rm -f /tmp/libtpu_lockfile"

EXTRA=""
for a in "${TRAIN_ARGS[@]}"; do EXTRA+=" $(printf '%q' "$a")"; done
pids=()
for ((i = 0; i < WORKERS; i++)); do
  train="monet-bundle/bin/monet train --config config/$(basename "$CONFIG") --run-dir $RUN_DIR --process-id $i --num-processes $WORKERS --coordinator $COORDINATOR_IP:$PORT$EXTRA"
  if [[ "$DRY_RUN" == true ]]; then
    launch_run "${GCLOUD[@]}" ssh "$NAME" "${WHERE[@]}" --worker="$i" --command "cd $REMOTE && MONET_CACHE=\$HOME/$REMOTE/cache nohup setsid $train > logs/worker-$i.log 2>&1 < /dev/null &"
  else
    launch_run "${GCLOUD[@]}" ssh "$NAME" "${WHERE[@]}" --worker="$i" --command "cd $REMOTE && MONET_CACHE=\$HOME/$REMOTE/cache nohup setsid $train > logs/worker-$i.log 2>&1 < /dev/null &" &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || launch_die "starting a worker failed (see above)"; done

echo "tpu-pod: started; streaming worker 0's log (Ctrl-C stops watching; training goes on). Others: ~/$REMOTE/logs/worker-I.log on worker I" >&2
launch_run "${GCLOUD[@]}" ssh "$NAME" "${WHERE[@]}" --worker=0 --command "tail -n +1 -F $REMOTE/logs/worker-0.log"
