# Starts a throwaway PostgreSQL cluster for the store tests and exports
# its URL as LIAISON_TEST_POSTGRES; the cluster is stopped and removed
# when the shell that sourced this file exits. Source it, do not run it:
#   source .ci/postgres.sh
# Installs the distribution's server when it is missing. Works as root
# (the cluster then runs as the unprivileged `postgres` user, created if
# need be) and as an ordinary user.

pg_bin=""
for d in /usr/lib/postgresql/*/bin; do
  if [ -x "$d/initdb" ]; then pg_bin="$d"; fi
done
if [ -z "$pg_bin" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed and this user cannot install it: apt-get install postgresql" >&2
    return 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then pg_bin="$d"; fi
  done
fi
if [ -z "$pg_bin" ]; then
  echo "no initdb found under /usr/lib/postgresql after installing" >&2
  return 1
fi

pg_dir=$(mktemp -d /tmp/liaison-pg.XXXXXX)
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  chown postgres "$pg_dir"
  pg_as() { runuser -u postgres -- "$@"; }
else
  pg_as() { "$@"; }
fi

# A free port on 127.0.0.1.
pg_port=""
for p in $(seq 54320 54400); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then pg_port=$p; break; fi
done
if [ -z "$pg_port" ]; then
  echo "no free port for PostgreSQL in 54320-54400" >&2
  return 1
fi

pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U liaison --auth=trust -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log" >&2; return 1; }
pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=50" start >/dev/null \
  || { cat "$pg_dir/server.log" >&2; return 1; }

liaison_pg_stop() {
  pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap liaison_pg_stop EXIT

export LIAISON_TEST_POSTGRES="postgres://liaison@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') at $LIAISON_TEST_POSTGRES (socket in $pg_dir)"
