#!/usr/bin/env bash
# make test-systemd: corpusd as a real systemd service, in a booted Debian 12 container.
#
# 1. The release build; a minimal Debian 12 root file system with systemd and the packages of the
#    libraries the binaries load, made once by debootstrap from the mirror apt uses here and cached
#    outside the repository ($CORPUSD_ROOTFS_CACHE, default /var/cache/corpusd-test, one folder per
#    package list); every run works on a fresh copy of it, into which `make install DESTDIR=…` installs.
# 2. The copy is booted with systemd-nspawn (systemd as PID 1); commands run inside with nsenter.
# 3. Inside: start, drop files as a member of group corpusd, corpusctl as that member, structured
#    journal fields, the watchdog killing a stopped daemon and systemd restarting it with nothing lost
#    (and leaving a daemon busy with a long dump alone),
#    reload, stop, systemd-analyze verify and security; then power-off, and no process may be left.
#
# Skipped, with the reason printed, when this machine cannot: not root, or CORPUSD_SKIP_SYSTEMD_TEST set.
set -euo pipefail
# (Outputs are captured before grep -q reads them: with pipefail, `cmd | grep -q` fails when grep
# exits at the first match and cmd gets SIGPIPE.)
cd "$(dirname "$0")/../.."
REPO=$(pwd)

skip() { echo "test-systemd: SKIPPED — $*"; exit 0; }
[ -z "${CORPUSD_SKIP_SYSTEMD_TEST:-}" ] || skip "CORPUSD_SKIP_SYSTEMD_TEST is set"
[ "$(id -u)" -eq 0 ] || skip "needs root to boot a container with systemd-nspawn (run: sudo make test-systemd)"
command -v apt-get >/dev/null || skip "needs a Debian-like machine (apt-get) to install systemd-nspawn and debootstrap"

# Tools this test needs, installed like the build's own packages.
missing=""
command -v systemd-nspawn >/dev/null || missing="$missing systemd-container"
command -v debootstrap >/dev/null || missing="$missing debootstrap"
if [ -n "$missing" ]; then
    echo "test-systemd: installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

CACHE=${CORPUSD_ROOTFS_CACHE:-/var/cache/corpusd-test}
mkdir -p "$CACHE"
CACHE_LOG="$CACHE/build-$$.log"
START=$(date +%s)
step_start=$START
step() {  # step NAME: prints the time the previous step took, then the new step's name
    local now; now=$(date +%s)
    echo "test-systemd: [$((now - START))s] $*"
    step_start=$now
}
PASSED=0
passed() { PASSED=$((PASSED + 1)); step "ok — $*"; }
fail() {
    echo "test-systemd: FAILED — $*" >&2
    if [ -n "${LEADER:-}" ] && kill -0 "$LEADER" 2>/dev/null; then
        echo "--- journal of corpusd.service, last 60 lines ---" >&2
        inside journalctl -u corpusd --no-pager -n 60 >&2 || true
    fi
    echo "test-systemd: $PASSED passed, 1 failed"
    exit 1
}

# --- 1. the build and the root file system -----------------------------------------------------------
make --no-print-directory install-build >"$CACHE_LOG" 2>&1 || { tail -n 30 "$CACHE_LOG"; fail "make install-build failed"; }
step "release build done (make install-build)"

# Beyond the minimal system with systemd: the packages of the libraries corpusd and corpusctl load
# (make runtime-deps: libsqlite3-0, libxml2, …), procps for /bin/kill in the unit's ExecReload, and
# man-db so that systemd-analyze verify checks the unit's Documentation=man:… pages.
RUNTIME=$(make --no-print-directory -s runtime-deps)
PACKAGES=$(echo "systemd systemd-sysv dbus procps man-db $RUNTIME" | tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd, -)
SUITE=bookworm
ROOTFS="$CACHE/$SUITE-$(echo "$PACKAGES" | sha256sum | cut -c1-12)"
(
    flock 9
    if [ ! -e "$ROOTFS/.complete" ]; then
        # The mirror apt uses on this machine for the suite (else its first Debian archive).
        mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
            awk -v s="$SUITE" '$2 == s { print $1; exit }')
        [ -n "$mirror" ] || mirror=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null |
            grep -v security | head -n1)
        [ -n "$mirror" ] || fail "no Debian mirror in apt's sources (run apt-get update)"
        echo "test-systemd: building the $SUITE root file system once, from $mirror, into $ROOTFS"
        echo "test-systemd: with $PACKAGES"
        rm -rf "$ROOTFS.tmp"
        debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS.tmp" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
            { tail -n 20 "$CACHE/debootstrap.log"; fail "debootstrap failed (log: $CACHE/debootstrap.log)"; }
        rm -rf "$ROOTFS" && mv "$ROOTFS.tmp" "$ROOTFS" && touch "$ROOTFS/.complete"
    fi
) 9>"$CACHE/.lock"
step "root file system ready ($ROOTFS)"

WORK=$(mktemp -d /var/tmp/corpusd-systemd-test.XXXXXX)
ROOT="$WORK/root"
MACHINE="corpusd-test-$$"
NSPAWN_PID=""
LEADER=""
# Every process whose root is the container's (its init first, by pid order).
container_processes() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && basename "$p"
    done | sort -n || true
}
cleanup() {
    local status=$?
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        # Killing a PID namespace's init kills every process in it; then systemd-nspawn exits.
        local init; init=${LEADER:-$(container_processes | head -n1)}
        [ -n "$init" ] && kill -KILL "$init" 2>/dev/null
        local end=$(($(date +%s) + 30))
        while kill -0 "$NSPAWN_PID" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.2; done
        kill -KILL "$NSPAWN_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit $status
}
trap cleanup EXIT

cp -a "$ROOTFS" "$ROOT"
install -d -m 0755 "$ROOT/opt/corpusd-test/seeds"
install -m 0644 seeds/*.txt "$ROOT/opt/corpusd-test/seeds/"
SEEDS=$(ls seeds/*.txt | wc -l)
# Entries in the one dump of the long-batch check: it must take well over 8 s to ingest inside the container.
DUMP_ENTRIES=${CORPUSD_SYSTEMD_DUMP_ENTRIES:-20000}
step "copied the root file system to $ROOT"
# The container's systemd version, not this machine's, picks the unit's Type.
target_systemd=$(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f '${Version}' systemd | cut -d. -f1)
make --no-print-directory install DESTDIR="$ROOT" PREFIX=/usr/local SYSTEMD_VERSION="$target_systemd" >"$WORK/install.log" 2>&1 ||
    { tail -n 30 "$WORK/install.log"; fail "make install DESTDIR=$ROOT failed"; }
rm -f "$CACHE_LOG"
step "make install DESTDIR=… SYSTEMD_VERSION=$target_systemd done"

# --- 2. boot -----------------------------------------------------------------------------------------
# These machines need both: a private mount namespace with its own /run/systemd (the host's systemd
# is not PID 1), and --register=no --keep-unit (no machined to register with).
unshare --mount --propagation private sh -c \
    "mount -t tmpfs tmpfs /run/systemd && exec systemd-nspawn -q -D '$ROOT' -b --register=no --keep-unit --console=pipe -M '$MACHINE'" \
    >"$WORK/console.log" 2>&1 &
NSPAWN_PID=$!

deadline() { echo $(($(date +%s) + $1)); }
until_deadline() {  # until_deadline SECONDS WHAT COMMAND…: runs COMMAND until it succeeds
    local end; end=$(deadline "$1"); local what=$2; shift 2
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || fail "timed out waiting for: $what"
        sleep 0.2
    done
}
# The container's init: the child of systemd-nspawn that is PID 1 in its own PID namespace
# (systemd-nspawn forks short-lived helpers too).
leader_found() {
    local child
    for child in $(pgrep -P "$NSPAWN_PID"); do
        if awk '/^NSpid:/ { exit !($NF == 1) }' "/proc/$child/status" 2>/dev/null; then LEADER=$child; return 0; fi
    done
    return 1
}
until_deadline 30 "the container's init" leader_found

# inside COMMAND…: runs COMMAND inside the container as root, with a clean environment.
inside() { nsenter -t "$LEADER" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# as_member COMMAND…: the same as the user alice, a member of group corpusd.
as_member() { inside runuser -u alice -- env HOME=/home/alice "$@"; }
booted() { case "$(inside systemctl is-system-running 2>/dev/null)" in running|degraded) return 0;; *) return 1;; esac; }
until_deadline 180 "the container to finish booting" booted
step "booted: $(inside systemctl --version | head -n1)"

inside systemd-sysusers
inside systemd-tmpfiles --create corpusd.conf
inside systemctl daemon-reload
inside useradd --create-home --groups corpusd alice

# --- 3. the service ----------------------------------------------------------------------------------
t0=$(date +%s%N)
inside systemctl start corpusd || fail "systemctl start corpusd failed"
[ "$(inside systemctl is-active corpusd)" = active ] || fail "corpusd is not active after start"
passed "systemctl start corpusd → active in $((($(date +%s%N) - t0) / 1000000)) ms (Type=notify: returns after READY=1)"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
status_field() { as_member corpusctl status --json | json "$1"; }
documents_are() { [ "$(status_field "d['documents']")" = "$1" ]; }
settled() {  # settled N: N items, each with its outcome, and an empty inbox
    local s; s=$(as_member corpusctl status --json) || return 1
    [ "$(echo "$s" | json "sum(d['items'][k] for k in ('stored','duplicate','failed'))")" = "$1" ] &&
        [ "$(echo "$s" | json "d['items']['pending'] + d['items']['processing']")" = 0 ] &&
        [ -z "$(inside find /var/lib/corpusd/inbox -type f)" ]
}

as_member sh -c 'cp /opt/corpusd-test/seeds/*.txt /var/lib/corpusd/inbox/' || fail "alice cannot drop files into the inbox"
until_deadline 60 "$SEEDS seeds stored" documents_are "$SEEDS"
passed "alice (group corpusd) dropped $SEEDS seeds; corpusctl status as alice shows $SEEDS documents"

status=$(as_member corpusctl status) || fail "corpusctl status as alice failed"
echo "$status" | sed 's/^/    /'
grep -q "running" <<<"$status" || fail "corpusctl status does not say the daemon runs"
listing=$(as_member corpusctl list --tag china) || fail "corpusctl list --tag china as alice failed"
echo "$listing" | sed 's/^/    /'
[ "$(as_member corpusctl list --tag china --json | json 'len(d)')" = "$SEEDS" ] ||
    fail "corpusctl list --tag china does not show the $SEEDS seeds"
# (Her files in archive/ are her originals, moved there by the daemon.)
[ -z "$(inside find /var/lib/corpusd -maxdepth 1 -user alice)" ] ||
    fail "alice's corpusctl created files in the state folder"
inside ls -l /var/lib/corpusd | sed 's/^/    /'
[ "$(inside stat -c %a /var/lib/corpusd/corpus.sqlite)" = 640 ] || fail "the database is not mode 0640"
inside test -e /var/lib/corpusd/corpus.sqlite-wal -a -e /var/lib/corpusd/corpus.sqlite-shm || fail "no -wal/-shm"
passed "corpusctl status and list --tag china as alice show both seeds"

# A file that cannot be an article fails, with its reason in the journal entry.
as_member sh -c ': > /var/lib/corpusd/inbox/empty.txt'
until_deadline 60 "the empty file to get its outcome" settled $((SEEDS + 1))
failed_entry=$(inside journalctl -u corpusd CORPUSD_OUTCOME=failed -o json --no-pager)
[ "$(grep -c '"CORPUSD_FILE":"empty.txt"' <<<"$failed_entry")" = 1 ] ||
    fail "journalctl -u corpusd CORPUSD_OUTCOME=failed does not give the empty file's entry"
grep -q '"CORPUSD_REASON"' <<<"$failed_entry" || fail "the failed entry has no CORPUSD_REASON"
grep -q '"PRIORITY":"4"' <<<"$failed_entry" || fail "a failed file is not logged as a warning"
journal_stored=$(inside journalctl -u corpusd CORPUSD_OUTCOME=stored -o json --no-pager)
[ "$(grep -c '"CORPUSD_OUTCOME":"stored"' <<<"$journal_stored")" = "$SEEDS" ] ||
    fail "journalctl -u corpusd CORPUSD_OUTCOME=stored does not give one entry per seed"
for field in CORPUSD_ITEM CORPUSD_FILE CORPUSD_DOC PRIORITY SYSLOG_IDENTIFIER CODE_FILE; do
    grep -q "\"$field\"" <<<"$journal_stored" || fail "the journal entries lack $field"
done
grep -q '"SYSLOG_IDENTIFIER":"corpusd"' <<<"$journal_stored" || fail "SYSLOG_IDENTIFIER is not corpusd"
inside journalctl -u corpusd CORPUSD_OUTCOME=stored -o verbose --no-pager -n 1 | grep -E "MESSAGE=|CORPUSD_|PRIORITY=" | sed "s/^/    /" || true
status_shows_documents() { grep -q "0 pending, $SEEDS documents" <<<"$(inside systemctl show -P StatusText corpusd)"; }
until_deadline 20 "STATUS= to show $SEEDS documents" status_shows_documents
echo "    StatusText=$(inside systemctl show -P StatusText corpusd)"
passed "journalctl -u corpusd CORPUSD_OUTCOME=stored gives $SEEDS entries, CORPUSD_OUTCOME=failed the empty file with CORPUSD_REASON"

# Reload: a changed config file takes effect without a restart, and systemd sees RELOADING → READY.
pid_before=$(inside systemctl show -P MainPID corpusd)
inside sh -c 'printf "log_level: debug\n" >> /etc/corpusd/corpusd.yaml'
t0=$(date +%s%N)
inside systemctl reload corpusd || fail "systemctl reload corpusd failed"
reloaded() { grep -q 'log_level info → debug' <<<"$(inside journalctl -u corpusd -o json --no-pager CORPUSD_TRIGGER=SIGHUP)"; }
until_deadline 30 "the reload to be logged" reloaded
[ "$(inside systemctl show -P MainPID corpusd)" = "$pid_before" ] || fail "reload restarted the daemon"
[ "$(inside systemctl is-active corpusd)" = active ] || fail "corpusd is not active after reload"
reply=$(as_member corpusctl reload) || fail "corpusctl reload as alice failed: $reply"
echo "    corpusctl reload (as alice, over /run/corpusd/control.sock): $reply"
passed "systemctl reload corpusd → config re-read (log_level info → debug) in $((($(date +%s%N) - t0) / 1000000)) ms, same pid"

# Watchdog: a short WatchdogSec; a stopped daemon stops pinging, systemd kills and restarts it.
inside mkdir -p /run/systemd/system/corpusd.service.d
inside sh -c 'printf "[Service]\nWatchdogSec=4s\nTimeoutAbortSec=5s\nRestartSec=1s\n" > /run/systemd/system/corpusd.service.d/watchdog.conf'
inside systemctl daemon-reload
inside systemctl restart corpusd
[ "$(inside systemctl show -P WatchdogUSec corpusd)" = 4s ] || fail "the watchdog drop-in did not apply"
pid=$(inside systemctl show -P MainPID corpusd)
restarts=$(inside systemctl show -P NRestarts corpusd)
inside kill -STOP "$pid"
t0=$(date +%s%N)
# Files dropped while the daemon hangs must all be taken by the restarted one.
for n in 1 2 3; do
    as_member sh -c "printf 'Watchdog test %s\n\nA short note number %s, written while the daemon was stopped.\n' $n $n > /var/lib/corpusd/inbox/stopped-$n.txt"
done
restarted() {
    [ "$(inside systemctl show -P NRestarts corpusd)" -gt "$restarts" ] &&
        [ "$(inside systemctl is-active corpusd)" = active ] &&
        [ "$(inside systemctl show -P MainPID corpusd)" != "$pid" ]
}
until_deadline 60 "systemd to kill the stopped daemon and restart it" restarted
elapsed=$((($(date +%s%N) - t0) / 1000000))
grep -q "Watchdog timeout" <<<"$(inside journalctl -u corpusd --no-pager)" || fail "the restart was not the watchdog's"
until_deadline 60 "the files dropped during the hang to be taken" settled $((SEEDS + 4))
[ "$(status_field "d['documents']")" -ge "$SEEDS" ] || fail "documents were lost"
passed "kill -STOP → watchdog timeout, killed and restarted in $elapsed ms; $((SEEDS + 4)) items all with an outcome, inbox empty"

# A dump that takes many times hung_after to ingest is one long batch: each chunk of entries it records is progress,
# so the pings go on and systemd leaves the daemon alone (before, the batch counted as hung after hung_after, the
# pings stopped and the watchdog restarted the daemon in the middle of the dump).
inside sh -c 'printf "hung_after: 2\n" >> /etc/corpusd/corpusd.yaml'
inside systemctl restart corpusd
pid=$(inside systemctl show -P MainPID corpusd)
restarts=$(inside systemctl show -P NRestarts corpusd)
items_before=$(status_field "sum(d['items'][k] for k in ('stored','duplicate','failed'))")
python3 bench/gen_corpus.py --out "$WORK/dump" --count "$DUMP_ENTRIES" --start 100000 --format jsonl --per-file "$DUMP_ENTRIES" \
    --seed 7 >/dev/null || fail "could not generate the dump"
install -m 0644 "$WORK"/dump/*.jsonl "$ROOT/opt/corpusd-test/dump.jsonl"
t0=$(date +%s%N)
as_member sh -c 'cp /opt/corpusd-test/dump.jsonl /home/alice/dump.jsonl && mv /home/alice/dump.jsonl /var/lib/corpusd/inbox/'
until_deadline 600 "the dump's $DUMP_ENTRIES entries to be recorded" settled $((items_before + DUMP_ENTRIES + 1))
elapsed=$((($(date +%s%N) - t0) / 1000000))
[ "$(inside systemctl show -P NRestarts corpusd)" = "$restarts" ] && [ "$(inside systemctl show -P MainPID corpusd)" = "$pid" ] ||
    fail "the daemon was restarted during the dump: $(inside journalctl -u corpusd --no-pager | grep -i watchdog | tail -n 3)"
# The dump must have lasted long enough for the old behaviour to fail: hung after 2 s, then the 4 s watchdog.
[ "$elapsed" -gt 8000 ] || fail "the dump took only $elapsed ms: too short to show the watchdog left the daemon alone"
passed "a dump of $DUMP_ENTRIES entries in one batch of $elapsed ms (hung_after 2 s, WatchdogSec 4 s): no restart, same pid"
inside sed -i '/^hung_after:/d' /etc/corpusd/corpusd.yaml
inside rm -rf /run/systemd/system/corpusd.service.d
inside systemctl daemon-reload

t0=$(date +%s%N)
inside systemctl stop corpusd || fail "systemctl stop corpusd failed"
result=$(inside systemctl show -P Result corpusd)
code=$(inside systemctl show -P ExecMainStatus corpusd)
[ "$result" = success ] && [ "$code" = 0 ] || fail "stop: Result=$result ExecMainStatus=$code"
passed "systemctl stop corpusd → Result=success, exit status 0, in $((($(date +%s%N) - t0) / 1000000)) ms"

# --- 4. the unit itself ------------------------------------------------------------------------------
UNIT=/usr/local/lib/systemd/system/corpusd.service
verify=$(inside systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify failed: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify warns: $verify"
passed "systemd-analyze verify: no output"
security=$(inside systemd-analyze security --offline=true --threshold=15 --no-pager "$UNIT" 2>&1) ||
    { echo "$security" | grep -E "✗|Overall" >&2; fail "systemd-analyze security: exposure above 1.5"; }
score=$(echo "$security" | grep -o "Overall exposure level for corpusd.service: [0-9.]*" | awk '{print $NF}')
passed "systemd-analyze security --offline=true --threshold=15: exposure $score"

# --- 5. power off ------------------------------------------------------------------------------------
t0=$(date +%s%N)
inside systemctl poweroff || true
until_deadline 60 "the container to power off" sh -c "! kill -0 $NSPAWN_PID"
wait "$NSPAWN_PID" || fail "systemd-nspawn exited with an error after power-off"
NSPAWN_PID=""
left=$(container_processes)
[ -z "$left" ] || fail "processes left behind: $left"
LEADER=""
passed "powered off in $((($(date +%s%N) - t0) / 1000000)) ms; no process left"
echo "test-systemd: all checks passed in $(($(date +%s) - START))s"
echo "test-systemd: $PASSED passed, 0 failed"
