# Paperclip's own docker sandbox plugin (../shared/upstream-plugins/docker),
# unmodified, on a real Docker daemon this test starts for itself: a temp
# --data-root, its unix socket and pidfile in a temp dir, and an image
# made offline from busybox-static with `docker import`. Drives create,
# probe, acquire, exec, release, destroy and a crash mid-acquire.
# Exits 77 (SKIP, with the reason) when no daemon can run on this machine.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
shared="$src/../shared/upstream-plugins"
t0=$(date +%s%N)
skip() { echo "SKIP: $*"; exit 77; }

[ -d "$shared/docker" ] || fail "no $shared/docker (the shared test data)"
command -v dockerd >/dev/null || skip "dockerd is not installed (make deps installs docker.io)"
command -v docker >/dev/null || skip "the docker CLI is not installed (docker.io)"
busybox=$(command -v busybox) || skip "busybox is not installed (busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q "statically linked" ||
	skip "$busybox is not statically linked (install busybox-static)"

# ------------------------------------------------------------ the daemon
d="$TMPDIR/dockerd"
mkdir -p "$d"
export DOCKER_HOST="unix://$d/docker.sock"
dpid=""
cleanup() {
	local rc=$?
	set +e
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- plugin log"; envctl plugin log paperclip.docker-sandbox-provider 2>&1 | tail -20
		echo "--- dockerd log"; tail -5 "$d/dockerd.log"
	fi
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		# every container this test made, then the daemon itself
		docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1
		kill "$dpid"
		for _ in $(seq 1 200); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$dpid" 2>/dev/null
	fi
	# a daemon killed hard leaves its containerd shims (and their
	# containers) running: end the ones of this daemon, found by its dir
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "-address $d/exec/" || continue
		pkill -9 -P "${p#/proc/}" 2>/dev/null
		kill -9 "${p#/proc/}" 2>/dev/null
	done
	# overlay mounts under the data root must go before the files
	grep -o " $d/[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT

dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
	-H "$DOCKER_HOST" --iptables=false --ip6tables=false --bridge=none \
	>"$d/dockerd.log" 2>&1 &
dpid=$!
# wait for the daemon's answer (or its death), with a deadline
up=no
for _ in $(seq 1 600); do
	if ! kill -0 "$dpid" 2>/dev/null; then break; fi
	if [ -S "$d/docker.sock" ] && docker info >/dev/null 2>&1; then up=yes; break; fi
	sleep 0.1
done
if [ $up != yes ]; then
	why=$(grep -m1 -i -e "level=fatal" -e "level=error" -e "failed to start" "$d/dockerd.log" | tail -1)
	skip "dockerd cannot start here: ${why:-no answer within 60 s}"
fi
[ "$(cat "$d/docker.pid")" = "$dpid" ] || fail "dockerd's pidfile does not name it"

# ------------------------------------------------------------ the image, offline
root="$d/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/workspace" "$root/home/paperclip"
cp "$busybox" "$root/bin/busybox"
for c in sh ls cat id pwd sleep echo env mkdir rm true whoami printf test kill; do
	ln -s busybox "$root/bin/$c"
done
printf 'root:x:0:0:root:/root:/bin/sh\npaperclip:x:1000:1000:paperclip:/home/paperclip:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\npaperclip:x:1000:\n' >"$root/etc/group"
chown 1000:1000 "$root/workspace" "$root/home/paperclip"
chmod 1777 "$root/tmp"
image=envctl-e2e/busybox:1
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'WORKDIR /workspace' - "$image" >/dev/null ||
	fail "docker import of the busybox rootfs failed"

# ------------------------------------------------------------ the plugin
cache="$BUILD_DIR/tests/upstream-npm/docker"
if [ ! -f "$cache/node_modules/@paperclipai/plugin-sdk/package.json" ]; then
	rm -rf "$cache"
	mkdir -p "$(dirname "$cache")"
	cp -r "$shared/docker" "$cache"
	(cd "$cache" && npm install --no-audit --no-fund --loglevel=error) ||
		fail "npm install of @paperclipai/plugin-sdk failed: the npm registry must be reachable"
fi
mkdir plugins
cp -r "$shared/docker" plugins/docker
cp -r "$cache/node_modules" plugins/docker/
expect_rc 0 envctl plugin import plugins/docker --inherit-env DOCKER_HOST
contains "$out" "providers docker"
expect_rc 0 envctl plugin lint plugins/docker/manifest.json

# ------------------------------------------------------------ create, probe
printf '{"image": "%s"}' "$image" >cfg.json
expect_rc 0 envctl env create box --provider docker --config-file cfg.json --json
[ "$(json_get "$out" 'j.config.image')" = "$image" ] || fail "the image was not kept: $out"
env_id=$(json_get "$out" j.id)
# the operator's value is never silently replaced
printf '{"image": 123}' >bad.json
expect_rc 4 envctl env create bad --provider docker --config-file bad.json
contains "$errout" "Image (/image): must be a string"
expect_rc 0 envctl env probe box
contains "$out" "OK   box: Docker daemon reachable for $image."

# ------------------------------------------------------------ acquire, exec, release
expect_rc 0 envctl lease acquire box --run run-1 --json
lease=$(json_get "$out" j.id)
cid=$(json_get "$out" j.providerLeaseId)
[ -n "$cid" ] || fail "no container id: $out"
[ "$(docker inspect -f '{{.State.Running}}' "$cid")" = true ] || fail "container $cid is not running"
[ "$(docker inspect -f '{{index .Config.Labels "com.paperclip.environment"}}' "$cid")" = "$env_id" ] ||
	fail "container $cid is not labelled with the environment"
expect_rc 0 envctl lease exec "$lease" --cwd /workspace -- sh -c 'id -un; pwd; echo hi >note; cat note'
[ "$out" = "$(printf 'paperclip\n/workspace\nhi')" ] || fail "exec output: $out"
expect_rc 3 envctl lease exec "$lease" --cwd /workspace -- sh -c 'exit 3'
expect_rc 0 envctl lease release "$lease"
docker inspect "$cid" >/dev/null 2>&1 && fail "release left container $cid"
expect_rc 0 envctl lease show "$lease" --json
[ "$(json_get "$out" j.status)" = released ] || fail "lease not released: $out"

# ------------------------------------------------------------ destroy
expect_rc 0 envctl lease acquire box --run run-2 --json
lease=$(json_get "$out" j.id)
cid=$(json_get "$out" j.providerLeaseId)
expect_rc 0 envctl lease destroy "$lease" --yes
docker inspect "$cid" >/dev/null 2>&1 && fail "destroy left container $cid"

# ------------------------------------------------------------ crash mid-acquire
# envctl is SIGKILLed (its crash hook) before the provider call, then
# right after the plugin made the container and before envctl wrote its id
# down; each time the sweep must leave no active lease and no container.
ENVCTL_CRASH_AT=acquire:intent envctl lease acquire box --run run-early >/dev/null 2>&1 &&
	fail "acquire:intent: envctl did not die"
expect_rc 0 envctl lease sweep
[ -z "$(docker ps -aq --filter label=com.paperclip.run=run-early)" ] ||
	fail "a container was made for an acquire that died before the provider call"
ENVCTL_CRASH_AT=acquire:provider envctl lease acquire box --run run-crash >crash.out 2>&1 &&
	fail "acquire:provider: envctl did not die"
[ -n "$(docker ps -aq --filter label=com.paperclip.run=run-crash)" ] ||
	fail "the crashed acquire made no container to test with: $(cat crash.out)"
expect_rc 0 envctl lease list --json
crash_lease=$(json_get "$out" 'j.find(l=>l.heartbeatRunId==="run-crash").id')
[ -n "$crash_lease" ] || fail "no lease row for the crashed acquire: $out"
expect_rc 0 envctl lease sweep
expect_rc 0 envctl lease show "$crash_lease" --json
[ "$(json_get "$out" j.status)" != active ] || fail "the crashed lease is still active: $out"
left=$(docker ps -aq --filter label=com.paperclip.run=run-crash)
if [ -n "$left" ]; then
	# KNOWN GAP (expected failure): the container was made but envctl died
	# before it heard the id; the sweep asks the plugin to destroy the
	# lease with providerLeaseId null, and the docker plugin (unmodified)
	# can only remove a container by id. Said loudly, not passed silently;
	# when this starts to pass, make it a plain assertion.
	echo "XFAIL: after the sweep, container $left of the crashed lease $crash_lease remains" \
		"(the docker plugin cannot find a container whose id envctl never received)"
	docker rm -f $left >/dev/null
else
	echo "XPASS: the sweep left no container of the crashed lease" >&2
	fail "the crash path now cleans up: turn the XFAIL above into an assertion"
fi

expect_rc 0 envctl db check
t1=$(date +%s%N)
echo "docker e2e: $(( (t1 - t0) / 1000000 )) ms"
