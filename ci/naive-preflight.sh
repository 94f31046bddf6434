#!/usr/bin/env bash
# The comparison for ci/bench: the core checks done the naive way, one redis-cli process per
# question, target after target. Not part of the product.
#   ci/naive-preflight.sh host:port:user:password[:ca-file] …   (user/password may be empty;
#   with a CA file the target is spoken to over TLS, verified against that CA)
set -u
fail=0
for target in "$@"; do
  IFS=: read -r host port user pass ca <<< "$target"
  auth=()
  [ -n "$pass" ] && auth=(--no-auth-warning -a "$pass")
  [ -n "$user" ] && auth=(--no-auth-warning --user "$user" --pass "$pass")
  [ -n "${ca:-}" ] && auth+=(--tls --cacert "$ca" --sni "$host")
  r() { redis-cli -h "$host" -p "$port" "${auth[@]}" "$@" 2>&1; }
  echo "== $host:$port"
  if [ -n "${ca:-}" ]; then
    # What the TLS checks read: the chain and its dates.
    openssl s_client -connect "$host:$port" -servername "$host" -CAfile "$ca" </dev/null 2>/dev/null \
      | openssl x509 -noout -enddate >/dev/null 2>&1 && echo "ok tls" || { echo "FAIL tls"; fail=1; }
  fi
  if [ "$(r ping)" != PONG ]; then echo "FAIL login"; fail=1; continue; fi
  role=$(r role | head -1)
  [ "$role" = master ] && echo "ok role" || { echo "FAIL role $role"; fail=1; }
  mode=$(r info cluster | tr -d '\r' | grep '^cluster_enabled:' | cut -d: -f2)
  [ "$mode" = 0 ] && echo "ok non-cluster" || { echo "FAIL cluster mode"; fail=1; }
  policy=$(r config get maxmemory-policy | sed -n 2p)
  [ -z "$policy" ] && policy=$(r info memory | tr -d '\r' | grep '^maxmemory_policy:' | cut -d: -f2)
  [ "$policy" = noeviction ] && echo "ok noeviction" || { echo "FAIL policy $policy"; fail=1; }
  replicas=$(r info replication | tr -d '\r' | grep -c 'state=online')
  [ "$replicas" -gt 0 ] && echo "ok replica" || { echo "FAIL no replica"; fail=1; }
  version=$(r info server | tr -d '\r' | grep '^redis_version:' | cut -d: -f2)
  echo "ok version $version"
done
exit $fail
