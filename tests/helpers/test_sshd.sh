#!/usr/bin/env bash
# A throwaway OpenSSH server on 127.0.0.1 for the ssh provider's tests.
#   test_sshd.sh start DIR   creates keys and config in DIR, starts sshd on a
#                            free port, prints "PORT" and writes DIR/port,
#                            DIR/user_key (the client key), DIR/known_hosts
#   test_sshd.sh stop DIR    stops it
# Runs as the current user; as root it needs /run/sshd (created here).
set -eu
cmd=${1:?start|stop}; dir=${2:?directory}
sshd=/usr/sbin/sshd
case "$cmd" in
start)
	mkdir -p "$dir"
	[ -x "$sshd" ] || { echo "test_sshd: $sshd not found (install openssh-server)" >&2; exit 1; }
	[ "$(id -u)" = 0 ] && mkdir -p /run/sshd && chmod 755 /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" -C envctl-test-host
	ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key" -C envctl-test-user
	cp "$dir/user_key.pub" "$dir/authorized_keys"
	chmod 600 "$dir/authorized_keys"
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
CONF
		"$sshd" -D -e -f "$dir/sshd_config" >"$dir/sshd.log" 2>&1 &
		echo $! >"$dir/sshd.pid.bg"
		for _ in $(seq 50); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				echo "$port" >"$dir/port"
				printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
				echo "$port"
				exit 0
			fi
			kill -0 "$(cat "$dir/sshd.pid.bg")" 2>/dev/null || break
			sleep 0.1
		done
		kill "$(cat "$dir/sshd.pid.bg")" 2>/dev/null || true
	done
	echo "test_sshd: could not start sshd: $(cat "$dir/sshd.log")" >&2
	exit 1
	;;
stop)
	if [ -f "$dir/sshd.pid.bg" ]; then
		pid=$(cat "$dir/sshd.pid.bg")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$dir/sshd.pid.bg"
	fi
	;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
