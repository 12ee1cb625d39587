# A private PostgreSQL server for tests: initdb + pg_ctl in a fresh
# directory, listening only on a unix socket there (listen_addresses=''),
# run as an unprivileged user (the server refuses root; CI runs as root),
# stopped by pg_stop. Nothing here touches a system-wide server.
#
#   . tests/helpers/pg.sh
#   pg_start            # sets PG_DIR, PG_URL (database "envctl"); trap pg_stop
#   pg_new_db NAME      # creates database NAME, prints its URL
#   pg_stop
#
# PG_BIN overrides the server's bin directory; ENVCTL_PG_USER the user the
# server runs as when we are root (default: nobody).

pg_bin_dir() {
	if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
	return 1
}

# Runs a server program as the server's user.
pg_as() {
	# From / : the caller's directory may be closed to that user.
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u "${ENVCTL_PG_USER:-nobody}" -- "$@")
	else
		(cd / && "$@")
	fi
}

pg_start() {
	local bin
	bin=$(pg_bin_dir) || { echo "pg.sh: no PostgreSQL server (initdb) found; make deps installs postgresql" >&2; return 1; }
	# Under /tmp itself: the server's user must reach the directory, and a
	# unix socket path must stay short.
	PG_DIR=$(mktemp -d /tmp/envctl-pg.XXXXXX) || return 1
	chmod 0755 "$PG_DIR"
	mkdir "$PG_DIR/data"
	[ "$(id -u)" = 0 ] && chown "${ENVCTL_PG_USER:-nobody}" "$PG_DIR" "$PG_DIR/data"
	if ! pg_as "$bin/initdb" -D "$PG_DIR/data" -U envctl --auth=trust --locale=C.UTF-8 \
		--encoding=UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		echo "pg.sh: initdb failed:" >&2; cat "$PG_DIR/initdb.log" >&2; return 1
	fi
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
	if ! pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null; then
		echo "pg.sh: the server did not start:" >&2; cat "$PG_DIR/server.log" >&2; return 1
	fi
	PG_BIN_DIR=$bin
	PG_URL=$(pg_new_db envctl) || return 1
	export PG_DIR PG_URL PG_BIN_DIR
}

# postgresql://envctl@/NAME?host=DIR: the socket in DIR, no password.
pg_url() {
	echo "postgresql://envctl@/$1?host=$PG_DIR"
}

pg_new_db() {
	"$PG_BIN_DIR/psql" -X -q -h "$PG_DIR" -U envctl -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE \"$1\"" >/dev/null || return 1
	pg_url "$1"
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
	pg_as "$PG_BIN_DIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_operators B_HOME: two consoles on $ENVCTL_DB with keys of their own,
# as two operators' machines have: this HOME's console (operator alice)
# creates the registry and admits B_HOME's (operator bob, its config in
# B_HOME/config), so a test of two consoles needs no shared master key.
pg_operators() {
	local bh=$1 pub
	unset ENVCTL_MASTER_KEY
	"$ENVCTL_BIN" operator init alice >/dev/null || return 1
	pub=$(HOME="$bh" XDG_CONFIG_HOME="$bh/config" XDG_DATA_HOME="$bh/data" \
		"$ENVCTL_BIN" operator init bob | sed -n 's/^public key: *//p')
	[ -n "$pub" ] || return 1
	"$ENVCTL_BIN" operator add bob "$pub" >/dev/null
}
