#!/usr/bin/env bash
# Builds Quarry's engine as a library and the sample trainer that depends on it (tools/examples/java-trainer,
# a Maven project outside the reactor), then runs the trainer with the flags `./quarry jvm-flags` prints:
# what a Java user's own build does, checked end to end. By default in an empty Maven repository of its own
# (a temporary directory, deleted at the end), so nothing is taken from a developer's ~/.m2 that a new
# user would not have; --repo DIR uses (and fills) DIR instead, for quicker reruns. --gradle builds and runs
# the same sample with its build.gradle too (Debian's gradle, installed with apt-get when missing), offline
# from the repository the Maven steps filled.
# Exit code: 0 when the trainer mined and its checks passed, else the failing step's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO=""
GRADLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) REPO="${2:?--repo needs a directory}"; shift 2 ;;
    --gradle) GRADLE=1; shift ;;
    *) echo "usage: scripts/java-example.sh [--repo DIR] [--gradle]" >&2; exit 2 ;;
  esac
done
WORK="$(mktemp -d -t quarry-java-example.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
[ -n "$REPO" ] || REPO="$WORK/repository"
JDK="$("$ROOT/quarry" jdk)"
start=$(date +%s)

# Short Maven runs spend much of their CPU in the JIT's optimizing compiler: C1 alone and the serial collector cut
# the builds' CPU time by about a third here (Maven's own JVM, and the javadoc tool's). A MAVEN_OPTS given wins.
export MAVEN_OPTS="${MAVEN_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"

echo "java-example: installing the engine (classes, sources, javadoc) into $REPO" >&2
# -Dmaven.test.skip: the engine's tests are neither compiled nor packaged, and their dependencies (JUnit, ArchUnit,
# Jazzer: the test-dependencies profile) not downloaded; ./quarry test runs them. -DskipTests leaves out the tests'
# javadoc check (profile javadoc-check) too: -Plibrary's javadoc jar runs the same javadoc.
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -Dmaven.repo.local="$REPO" -Plibrary -Dmaven.test.skip=true -DskipTests \
  -DadditionalJOption=-J-XX:TieredStopAtLevel=1 -pl engine -am install)
echo "java-example: building tools/examples/java-trainer against it ($(( $(date +%s) - start ))s so far)" >&2
# The example builds in a copy, so the checkout gets no target/ of it and a user's run never races CI's.
cp -r "$ROOT/tools/examples/java-trainer" "$WORK/java-trainer"
(cd "$WORK/java-trainer" && JAVA_HOME="$JDK" mvn -B -q -ntp -Dmaven.repo.local="$REPO" package)
echo "java-example: running it with ./quarry jvm-flags ($(( $(date +%s) - start ))s so far)" >&2
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
"$JDK/bin/java" "${FLAGS[@]}" -cp "$WORK/java-trainer/target/java-trainer-1.0.jar:$WORK/java-trainer/target/lib/*" \
  dev.quarry.examples.JavaTrainer "$WORK/data"
if [ -n "$GRADLE" ]; then
  if ! command -v gradle >/dev/null 2>&1; then
    echo "java-example: installing Debian's gradle with apt-get" >&2
    # shellcheck source=lib/apt-install.sh
    . "$ROOT/scripts/lib/apt-install.sh"
    apt_install java-example gradle
  fi
  echo "java-example: building it again with Gradle ($(gradle --version 2>/dev/null | grep -m1 '^Gradle'))" >&2
  cp -r "$ROOT/tools/examples/java-trainer" "$WORK/java-trainer-gradle"
  (cd "$WORK/java-trainer-gradle" && JAVA_HOME="$JDK" GRADLE_USER_HOME="$WORK/gradle-home" \
    gradle -q --offline --no-daemon -Dmaven.repo.local="$REPO" assemble)
  "$JDK/bin/java" "${FLAGS[@]}" -cp "$WORK/java-trainer-gradle/build/libs/*:$WORK/java-trainer-gradle/build/lib/*" \
    dev.quarry.examples.JavaTrainer "$WORK/data-gradle"
fi
echo "java-example: passed in $(( $(date +%s) - start ))s (engine installed, example built from that repository, mined)" >&2
