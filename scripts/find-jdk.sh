# Sourced by the scripts: prints the home of a JDK >= 25, looking at JAVA_HOME first, then /usr/lib/jvm/*.
monet_jdk_major() {
  local v
  v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  echo "${v%%.*}"
}
monet_find_jdk() {
  local candidates=() c tried=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    if [[ -x "$c/bin/java" && -x "$c/bin/javac" ]]; then
      local major; major="$(monet_jdk_major "$c")"
      if [[ -n "$major" && "$major" -ge 25 ]]; then echo "$c"; return 0; fi
      tried+=("$c (Java $major)")
    else
      tried+=("$c (no bin/java and bin/javac)")
    fi
  done
  echo "monet: no JDK 25 or newer found. Looked at JAVA_HOME and /usr/lib/jvm/*:" >&2
  for c in "${tried[@]}"; do echo "  $c" >&2; done
  echo "Install a JDK 25 (e.g. Temurin 25) or point JAVA_HOME at one." >&2
  return 1
}
