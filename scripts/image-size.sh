#!/usr/bin/env bash
# Measures what each service image's node_modules would hold, without a Docker engine: runs the
# Dockerfile's instructions natively, one stage directory per FROM, and prints the size of every
# node_modules directory in the final stage's /app.
#
#   scripts/image-size.sh [--rev REV] [--keep] [SERVICE...]    (default: cti-gateway media pbx-adapter)
#
# --rev REV measures the Dockerfile and build context of a commit (e.g. the branch start) instead of the
# working tree. The build context is the files git tracks (plus untracked ones it does not ignore): a
# subset of what .dockerignore lets through that leaves out only build output and local data.
# Interpreted: FROM [AS], ARG, ENV, WORKDIR, COPY [--from] [--chown], RUN; other instructions do not change
# files. `RUN apt-get …` is skipped (the base image's OS packages are not node_modules). With
# MEDIASOUP_WORKER_BIN set (the offline toolchain), mediasoup's install does not fetch its worker, so the
# media size lacks the prebuilt worker binary the image downloads (the line says so). Then it checks that
# the final stage runs: the service's dist/app.js loads, and the cti-gateway's database opens.
# Needs Node 22 and npm on the PATH and the npm registry; uses a temporary directory it removes.
set -euo pipefail
cd "$(dirname "$0")/.."
rev='' keep=0 services=()
while [ $# -gt 0 ]; do
  case $1 in
    --rev) rev=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "image-size: unknown option $1" >&2; exit 2 ;;
    *) services+=("$1") ;;
  esac
  shift
done
[ ${#services[@]} -gt 0 ] || services=(cti-gateway media pbx-adapter)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/image-size.XXXX")
[ $keep -eq 1 ] && echo "image-size: keeping $tmp" >&2 || trap 'rm -rf "$tmp"' EXIT
log() { printf 'image-size: %s\n' "$*" >&2; }

# The build context, and the Dockerfile's instructions one per line (continuations joined, comments dropped).
mkdir -p "$tmp/context"
if [ -n "$rev" ]; then
  git archive "$rev" | tar -x -C "$tmp/context"
else
  git ls-files -co --exclude-standard -z | tar --null -T - -c | tar -x -C "$tmp/context"
fi
sed -e '/^[[:space:]]*#/d' "$tmp/context/Dockerfile" | sed -e ':a' -e '/\\$/{N;s/\\\n[[:space:]]*/ /;ba' -e '}' \
  | grep -v '^[[:space:]]*$' > "$tmp/instructions"

# Expands ${VAR} and $VAR from the build's ARG/ENV values, nothing else.
expand() { local s=$1 k; for k in "${!vars[@]}"; do s=${s//\$\{$k\}/${vars[$k]}}; s=${s//\$$k/${vars[$k]}}; done; printf '%s' "$s"; }

# COPY SRC... DST, SRC relative to FROM_ROOT, DST relative to the stage's WORKDIR unless absolute.
copy_into() {
  local from_root=$1; shift
  local args=("$@") dst=${args[-1]} n=$(($# - 1)) i src target
  [[ $dst = /* ]] || dst=$workdir/$dst
  target=$root$dst
  for ((i = 0; i < n; i++)); do
    src=${args[i]}
    [[ $src = /* ]] && src=$from_root$src || src=$from_root/$src
    if [ -d "$src" ]; then
      mkdir -p "$target" && cp -a "$src/." "$target/"
    elif [ "$n" -gt 1 ] || [[ $dst = */ ]]; then
      mkdir -p "$target" && cp -a "$src" "$target/"
    else
      mkdir -p "$(dirname "$target")" && cp -a "$src" "$target"
    fi
  done
}

measure() {
  local service=$1 dir=$tmp/$1 line op rest stage=0 root='' workdir=/ name from_root
  declare -gA vars=() stages=() workdirs=()
  local -a envs=()
  mkdir -p "$dir"
  while IFS= read -r line; do
    op=${line%%[[:space:]]*}; rest=${line#"$op"}; rest=${rest#"${rest%%[![:space:]]*}"}
    case ${op^^} in
      FROM)
        [ -n "$root" ] && workdirs[$root]=$workdir
        stage=$((stage + 1)); root=$dir/stage$stage; workdir=/; envs=(); mkdir -p "$root"
        name=$(sed -n 's/.*[[:space:]][Aa][Ss][[:space:]]\+\([^[:space:]]\+\).*/\1/p' <<<"$rest")
        base=${rest%%[[:space:]]*}
        # FROM <earlier stage>: start from a copy of its files, in its WORKDIR (its ENV is not carried over).
        if [ -n "${stages[$base]:-}" ]; then cp -a "${stages[$base]}/." "$root/"; workdir=${workdirs[${stages[$base]}]}; fi
        [ -n "$name" ] && stages[$name]=$root
        ;;
      ARG)
        local k=${rest%%=*} v=''
        [[ $rest = *=* ]] && v=${rest#*=}
        [ "$k" = SERVICE ] && v=$service
        vars[$k]=$v ;;
      ENV)
        for kv in $(expand "$rest"); do vars[${kv%%=*}]=${kv#*=}; envs+=("$kv"); done ;;
      WORKDIR)
        workdir=$(expand "$rest"); mkdir -p "$root$workdir" ;;
      COPY)
        from_root=$tmp/context
        local words=() w
        read -r -a words <<<"$(expand "$rest")"
        while [[ ${words[0]} = --* ]]; do
          w=${words[0]}; words=("${words[@]:1}")
          [[ $w = --from=* ]] && from_root=${stages[${w#--from=}]}
        done
        copy_into "$from_root" "${words[@]}" ;;
      RUN)
        local cmd; cmd=$(expand "$rest")
        if [[ $cmd = apt-get* ]]; then log "$service: skipped RUN ${cmd:0:60}…"; continue; fi
        log "$service: RUN $cmd"
        (cd "$root$workdir" && env "${envs[@]}" bash -ec "$cmd") >"$dir/run.log" 2>&1 \
          || { cat "$dir/run.log" >&2; log "$service: RUN failed"; return 1; } ;;
    esac
  done < "$tmp/instructions"
  # The final stage is the image.
  local app=$root/app total
  total=$(find "$app" -name node_modules -type d -prune -exec du -sm {} + | awk '{ s += $1 } END { print s + 0 }')
  printf '%-12s node_modules %4d MB' "$service" "$total"
  if [ -d "$app/node_modules/mediasoup" ] && [ ! -e "$app/node_modules/mediasoup/worker/out/Release/mediasoup-worker" ]; then
    printf ' + the mediasoup worker the image downloads'
  fi
  printf '; biggest: %s\n' "$(cd "$app/node_modules" && du -sm -- [!@]* @*/* 2>/dev/null | sort -rn | head -n 6 | awk '{ printf "%s %s, ", $2, $1 }' | sed 's/, $//')"
  # The image must run: its entry module's imports resolve, and the cti-gateway's database opens (PGlite,
  # the packaged migrations) and finds its PostgreSQL driver.
  (cd "$app" && NODE_ENV=production node --input-type=module -e "
    await import('./services/$service/dist/app.js');
    const manifest = JSON.parse((await import('node:fs')).readFileSync('services/$service/package.json', 'utf8'));
    if (manifest.dependencies['@electric-sql/pglite']) {
      const { openDatabase } = await import('@ucserver/shared/db');
      const database = await openDatabase({ pgliteDir: 'memory://' });
      await database.close();
      (await import('node:module')).createRequire(process.cwd() + '/packages/shared/dist/db/Database.js').resolve('pg');
    }") >"$dir/check.log" 2>&1 \
    && log "$service: the image's entry module loads" || { cat "$dir/check.log" >&2; log "$service: the image does not load"; return 1; }
  # docker-compose.yml's secrets-init runs the gateway image's initSecrets: it must run from the image too.
  if [ "$service" = cti-gateway ]; then
    (cd "$app" && NODE_ENV=production node packages/shared/dist/deploy/initSecrets.js --dir "$dir/secrets-init") >>"$dir/check.log" 2>&1 \
      && [ -s "$dir/secrets-init/nats/auth.conf" ] && [ -s "$dir/secrets-init/pbx-adapter/nats.nk" ] \
      && log "$service: the image's secrets-init (initSecrets.js) runs" || { cat "$dir/check.log" >&2; log "$service: the image's secrets-init fails"; return 1; }
  fi
  rm -rf "$dir/stage"*
}

for s in "${services[@]}"; do measure "$s"; done
