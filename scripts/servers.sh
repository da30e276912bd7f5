#!/usr/bin/env bash
# The servers CrewUp needs, where its settings point: DATABASE_URL (PostgreSQL), REDIS_URL and
# RABBITMQ_URL (each from the environment, else .env, else .env.example). Each must answer a
# real check: pg_isready, a Redis PING, the AMQP handshake. One on this machine that does not
# is installed from Debian's packages when missing and started the Debian way; anything else
# gets one line saying what to do, and the exit status is 1.
#   scripts/servers.sh            check, install, start (scripts/bootstrap.sh runs it first)
#   scripts/servers.sh --dry-run  check, and print what would be run instead of running it
set -uo pipefail
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin:/sbin  # rabbitmq-server, service
dry_run=false
[ "${1:-}" = --dry-run ] && dry_run=true
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
failed=0
fail() {  # the one line: what is wrong and what to do
  echo "$*" >&2
  failed=1
}

setting() {  # NAME: its value from the environment, else .env, else .env.example
  local file
  if [ -n "${!1:-}" ]; then
    printf '%s\n' "${!1}"
    return
  fi
  for file in .env .env.example; do
    if [ -f "$file" ] && grep -q "^$1=" "$file"; then
      sed -n "s/^$1=//p" "$file" | tail -n 1
      return
    fi
  done
}

# --- real checks: a connection that speaks the server's protocol ---
listens() {  # host port: something accepts a TCP connection
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}
answers() {  # server host port url
  case $1 in
    PostgreSQL)
      if command -v pg_isready >/dev/null; then
        pg_isready -q -h "$2" -p "$3" -t 3
      else
        listens "$2" "$3"
      fi ;;
    Redis)
      if command -v redis-cli >/dev/null; then
        [ "$(timeout 5 redis-cli -u "$4" ping 2>/dev/null)" = PONG ]
      else
        [[ "$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && head -c 5 <&3' "$2" "$3" 2>/dev/null)" == "+PONG" ]]
      fi ;;
    RabbitMQ)
      # AMQP 0-9-1: after the protocol header, the server's first frame is a method frame (1).
      [ "$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "AMQP\0\0\11\1" >&3 && head -c 1 <&3' "$2" "$3" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 01 ] ;;
  esac
}
wait_until_answers() {  # server host port url seconds
  local deadline=$((SECONDS + $5))
  until answers "$1" "$2" "$3" "$4"; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 1
  done
}

can_be_root() { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null; }
as_root() {  # command...: run it (or, with --dry-run, say it), as root
  local sudo=()
  if $dry_run; then
    log "would run: ${*@Q}"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "$@"
}
systemd() { [ -d /run/systemd/system ]; }

# --- what is missing or stopped on this machine, and how Debian starts it ---
installed() {  # server
  case $1 in
    PostgreSQL) command -v pg_ctlcluster >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ;;
    Redis) command -v redis-server >/dev/null ;;
    RabbitMQ) command -v rabbitmq-server >/dev/null ;;
  esac
}
declare -A PACKAGE=([PostgreSQL]=postgresql [Redis]=redis-server [RabbitMQ]=rabbitmq-server)
declare -A VARIABLE=([PostgreSQL]=DATABASE_URL [Redis]=REDIS_URL [RabbitMQ]=RABBITMQ_URL)
declare -A DEFAULT_PORT=([PostgreSQL]=5432 [Redis]=6379 [RabbitMQ]=5672)

start_command() {  # server host port: prints the command that starts it there; else the line, and 1
  local server=$1 host=$2 port=$3 version cluster cluster_port status
  case $server in
    PostgreSQL)
      # Debian's clusters (pg_lsclusters): the one on this port; pg_ctlcluster goes through
      # systemd where it runs.
      while read -r version cluster cluster_port status _; do
        [ "$cluster_port" = "$port" ] || continue
        if [ "$status" = down ]; then
          echo "pg_ctlcluster $version $cluster start"
          return 0
        fi
        echo "PostgreSQL $version/$cluster on port $port is $status but does not answer at $host:$port (DATABASE_URL): see its log under /var/log/postgresql" >&2
        return 1
      done < <(pg_lsclusters --no-header 2>/dev/null)
      version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
      if [ -z "$(pg_lsclusters --no-header 2>/dev/null)" ]; then
        echo "pg_createcluster --start $version main --port $port"
        return 0
      fi
      echo "PostgreSQL here has no cluster on port $port ($(pg_lsclusters --no-header | awk '{printf "%s%s/%s on %s, %s", sep, $1, $2, $3, $4; sep="; "}')): set the port of DATABASE_URL (.env) to one of them, or create one: pg_createcluster --start $version crewup --port $port" >&2
      return 1 ;;
    Redis)
      if systemd && [ "$port" = 6379 ]; then
        echo "systemctl start redis-server"
      else
        # Debian's binary on this address. CrewUp keeps nothing in Redis that must outlive it
        # (the channel layer, rate-limit windows): nothing is saved to disk.
        echo "redis-server --daemonize yes --bind $host --port $port --save '' --appendonly no --dir /var/lib/redis --logfile /var/log/redis/redis-server.log"
      fi ;;
    RabbitMQ)
      if [ "$port" != 5672 ]; then
        echo "RabbitMQ does not answer at $host:$port (RABBITMQ_URL), and the RabbitMQ of this machine listens on 5672 (unless /etc/rabbitmq says otherwise): set RABBITMQ_URL (.env) to amqp://guest:guest@127.0.0.1:5672//" >&2
        return 1
      fi
      if systemd; then echo "systemctl start rabbitmq-server"; else echo "rabbitmq-server -detached"; fi ;;
  esac
}

local_host() { [[ "$1" =~ ^(127\.[0-9.]+|localhost)$ ]]; }

# --- each server: answers, or why not ---
servers=(PostgreSQL Redis RabbitMQ)
declare -A HOST PORT URL STATE  # STATE: missing (not installed here) or stopped (installed)
for server in "${servers[@]}"; do
  variable=${VARIABLE[$server]}
  url=$(setting "$variable")
  # scheme://[user[:password]@]host[:port][/...]
  pattern='^[a-z0-9+]+://([^@/]*@)?([^:/?]*)(:([0-9]+))?'
  [[ "$url" =~ $pattern ]] || { fail "$server: $variable is not a URL: '$url'"; continue; }
  host=${BASH_REMATCH[2]:-127.0.0.1}
  port=${BASH_REMATCH[4]:-${DEFAULT_PORT[$server]}}
  HOST[$server]=$host PORT[$server]=$port URL[$server]=$url
  answers "$server" "$host" "$port" "$url" && continue
  if ! local_host "$host"; then
    fail "$server does not answer at $host:$port ($variable): start it there, or set $variable (.env) to one that runs"
  elif listens "$host" "$port"; then
    # Starting up, or another program on its port.
    wait_until_answers "$server" "$host" "$port" "$url" 10 ||
      fail "Something listens on $host:$port but does not answer as $server ($variable): stop it, or set $variable (.env) to where $server runs"
  elif installed "$server"; then
    STATE[$server]=stopped
  else
    STATE[$server]=missing
  fi
done

# --- install what is missing, in one go ---
missing=()
for server in "${servers[@]}"; do
  [ "${STATE[$server]:-}" = missing ] && missing+=("$server")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages=()
  for server in "${missing[@]}"; do packages+=("${PACKAGE[$server]}"); done
  if ! can_be_root; then
    fail "Not installed: ${missing[*]}: as root, run: apt-get install ${packages[*]}"
    missing=()
  elif log "Not installed: ${missing[*]}; installing from Debian: ${packages[*]}" &&
    as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
    for server in "${missing[@]}"; do
      if $dry_run; then
        log "would then start $server if the package did not"
        unset "STATE[$server]"
      else
        STATE[$server]=stopped  # Debian starts a service on install where it can
      fi
    done
  else
    fail "Could not install ${packages[*]}: see apt-get's messages above"
  fi
fi

# --- start what is stopped, and wait until it answers ---
for server in "${servers[@]}"; do
  [ "${STATE[$server]:-}" = stopped ] || continue
  host=${HOST[$server]} port=${PORT[$server]} url=${URL[$server]}
  answers "$server" "$host" "$port" "$url" && continue
  command=$(start_command "$server" "$host" "$port") || { failed=1; continue; }
  if $dry_run; then
    log "$server does not answer at $host:$port: would start it: $command"
    continue
  fi
  if ! can_be_root; then
    fail "$server does not answer at $host:$port: as root, run: $command"
    continue
  fi
  log "$server does not answer at $host:$port: starting it ($command)"
  # A server already on its way up (just installed, the machine just started) makes a second
  # start fail: whether it answers in time decides.
  eval "as_root $command" || true
  wait_until_answers "$server" "$host" "$port" "$url" 90 ||
    fail "$server does not answer at $host:$port after '$command': see its log under /var/log"
done

# --- PostgreSQL lets CrewUp in (a new Debian cluster wants a password over TCP) ---
if [ -n "${PORT[PostgreSQL]:-}" ] && ! $dry_run && command -v psql >/dev/null &&
  answers PostgreSQL "${HOST[PostgreSQL]}" "${PORT[PostgreSQL]}" "${URL[PostgreSQL]}"; then
  login=$(sed -E 's#^[a-z0-9+]+://#postgresql://#; s#^(postgresql://[^/]*).*#\1/postgres#' <<<"${URL[PostgreSQL]}")
  if ! error=$(PGCONNECT_TIMEOUT=5 psql -w "$login" -Atc 'SELECT 1' 2>&1 >/dev/null); then
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v p="${PORT[PostgreSQL]}" '$3 == p {print $1 "/" $2}')
    fail "PostgreSQL at ${HOST[PostgreSQL]}:${PORT[PostgreSQL]} refuses CrewUp's login (DATABASE_URL): $(tail -n 1 <<<"$error" | sed 's/^psql: error: //'); on a development machine allow it in ${cluster:+/etc/postgresql/$cluster/}pg_hba.conf ('host all postgres 127.0.0.1/32 trust', then ${cluster:+pg_ctlcluster ${cluster/\// } }reload), or put the password in DATABASE_URL (.env)"
  fi
fi
exit $failed
