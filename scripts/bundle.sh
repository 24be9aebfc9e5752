#!/usr/bin/env bash
# Builds a self-contained Monet-J bundle for accelerator hosts that have no JDK 25 (TPU VMs, GPU boxes):
# a jlink'ed Java runtime with just the modules Monet-J uses, the application jars and a launcher.
#
#   scripts/bundle.sh            -> bundle/monet-bundle/ and bundle/monet-bundle.tar.gz (sizes printed)
#   scripts/bundle.sh --with-xla-cpu   the same with the xla-cpu backend (TensorFlow's XLA, +161 MB of jars)
#
# On the GPU host (with `pip install jax-cuda13-pjrt`, or MONET_PJRT_PLUGIN set to its xla_cuda_plugin.so),
# this one line runs the cross-backend check, every op and gradient rule on the GPU against the Java executor:
#
#   tar xzf monet-bundle.tar.gz && monet-bundle/bin/monet selftest
#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/find-jdk.sh"
JAVA_HOME="$(monet_find_jdk)" || exit 1
export JAVA_HOME

WITH_XLA_CPU=false
for arg in "$@"; do
  case "$arg" in
    --with-xla-cpu) WITH_XLA_CPU=true ;;
    *) echo "bundle: unknown option $arg (known: --with-xla-cpu)" >&2; exit 2 ;;
  esac
done

OUT="$ROOT/bundle"
BUNDLE="$OUT/monet-bundle"
APP="$ROOT/monet-train/target"
LIMIT_MB=60 # for the archive that is shipped to a host (and carried whole where a copy is capped at 64 MiB)
# java.sql: Jackson's date handling; jdk.incubator.vector: the Java executor's kernels; jdk.unsupported:
# sun.misc.Signal, so `monet train` checkpoints on SIGINT/SIGTERM; jdk.jfr: the Parquet reader's events;
# jdk.httpserver and java.net.http: the key-value store of multi-process runs (and the TPU metadata server).
# jdeps also lists java.compiler and jdk.management (optional code paths of DJL) and java.desktop (`monet plot`,
# 15 MB): left out, since accelerator hosts train and plots are drawn anywhere with scripts/monet.
MODULES="java.base,java.sql,jdk.unsupported,jdk.jfr,jdk.incubator.vector,jdk.httpserver,java.net.http"

echo "bundle: building the jars (JDK at $JAVA_HOME)..." >&2
XLA_CPU="$ROOT/monet-xla-cpu/target"
rm -rf "$APP/lib" # copy-dependencies never removes jars that are no longer dependencies
modules=monet-train; if $WITH_XLA_CPU; then modules=monet-train,monet-xla-cpu; rm -rf "$XLA_CPU/lib"; fi
(cd "$ROOT" && mvn -q -B -ntp -pl "$modules" -am -DskipTests package) >&2

rm -rf "$BUNDLE" "$OUT/monet-bundle.tar.gz"
mkdir -p "$OUT"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --output "$BUNDLE/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9
# The JVM library ships with its symbol table (5 MB); strip it when binutils is installed.
if command -v strip >/dev/null; then strip --strip-unneeded "$BUNDLE/runtime/lib/server/libjvm.so"; fi
mkdir -p "$BUNDLE/lib" "$BUNDLE/bin"
cp "$APP"/monet-train-*.jar "$APP"/lib/*.jar "$BUNDLE/lib/"
if $WITH_XLA_CPU; then cp "$XLA_CPU"/monet-xla-cpu-*.jar "$XLA_CPU"/lib/*.jar "$BUNDLE/lib/"; fi
# The runtime above only runs on this platform, so jars that carry native libraries for every platform keep
# only this one's: the tokenizers (native/lib/linux-ARCH/) and snappy (org/xerial/snappy/native/Linux/ARCH/).
arch="$(uname -m)"; [[ "$arch" == amd64 ]] && arch=x86_64; [[ "$arch" == arm64 ]] && arch=aarch64
keep_only_natives() { # JAR PREFIX KEEP
  local others
  others=$(unzip -Z1 "$1" "$2*" | grep "^$2[^/]*/." | grep -v "^$2$3/" | grep -v '/$' || true) # files in other platforms' folders
  if [[ -n "$others" ]]; then zip -q -d "$1" $others >/dev/null; fi
}
if command -v zip >/dev/null && command -v unzip >/dev/null; then
  for jar in "$BUNDLE"/lib/tokenizers-*.jar; do keep_only_natives "$jar" native/lib/ "linux-$arch"; done
  for jar in "$BUNDLE"/lib/snappy-java-*.jar; do keep_only_natives "$jar" org/xerial/snappy/native/ "Linux/$arch"; done
fi

cat > "$BUNDLE/bin/monet" <<'LAUNCHER'
#!/usr/bin/env bash
# Runs the monet CLI on the bundled Java runtime. JVM options can be added with MONET_JAVA_OPTS.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)" # also when started through a symlink on PATH
export MONET_COMMAND="${MONET_COMMAND:-$0}"
# Drops the JVM's incubator-module notice; one filter for both streams when they share a target keeps their order.
filter() { trap '' INT TERM; grep --line-buffered -v 'WARNING: Using incubator modules'; }
JAVA=("$HERE/runtime/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow -XX:+UseG1GC ${MONET_JAVA_OPTS:-} -cp "$HERE/lib/*" monetj.train.cli.MonetCli "$@")
if [[ /dev/stdout -ef /dev/stderr ]]; then
  exec "${JAVA[@]}" > >(filter) 2>&1
else
  exec "${JAVA[@]}" 2> >(filter >&2)
fi
LAUNCHER
chmod +x "$BUNDLE/bin/monet"

"$BUNDLE/bin/monet" --version >/dev/null || { echo "bundle: the bundled launcher does not start" >&2; exit 1; }
tar -C "$OUT" -czf "$OUT/monet-bundle.tar.gz" monet-bundle

dir_mb=$(du -sm "$BUNDLE" | cut -f1)
tar_mb=$(( ($(stat -c %s "$OUT/monet-bundle.tar.gz") + 1048575) / 1048576 ))
echo "bundle: $BUNDLE ($dir_mb MB unpacked), $OUT/monet-bundle.tar.gz ($tar_mb MB)"
# The archive shipped to accelerator hosts stays small; the xla-cpu one is for CPU hosts that want XLA.
if ! $WITH_XLA_CPU && (( tar_mb > LIMIT_MB )); then echo "bundle: monet-bundle.tar.gz is larger than $LIMIT_MB MB" >&2; exit 1; fi
