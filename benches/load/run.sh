#!/usr/bin/env bash
# Side-by-side load harness: nginx (proxy_pass, keep-alive) vs Consentry in
# front of the same nginx upstream. See BENCHMARKS.md for the method.
#
#   benches/load/run.sh [--duration S] [--rounds N] [--connections C]
#                       [--no-build] [--out FILE] [--smoke]
#
# The proxy under test runs on core 1; wrk and the upstream share core 0.
# Needs: nginx (Debian nginx-light), wrk, curl, python3, taskset.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DURATION=10
ROUNDS=3
CONNS=64
BUILD=1
SMOKE=0
OUT="$HERE/results/latest.json"
PAGES="${CORPUS_PAGES:-$REPO/../shared/corpus/pages}"
PAGE50="${PAGE50:-arstechnica-article.html}"
BASE="${BENCH_PORT_BASE:-18480}"
IDLE_CONNS=1000
TTFB_SAMPLES=5
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
PROXY_CORE="${PROXY_CORE:-1}"
LOAD_CORE="${LOAD_CORE:-0}"

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --connections) CONNS="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --out) OUT="$2"; shift 2 ;;
        --smoke) SMOKE=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ "$SMOKE" = 1 ]; then
    DURATION=2; ROUNDS=1; TTFB_SAMPLES=1
    OUT="${OUT%/latest.json}/smoke.json"
fi

for tool in wrk curl python3 taskset "$NGINX"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y nginx-light wrk curl python3 util-linux)" >&2; exit 1; }
done
[ -f "$PAGES/$PAGE50" ] || { echo "missing corpus page $PAGES/$PAGE50 (set CORPUS_PAGES)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

if [ "$BUILD" = 1 ]; then
    (cd "$REPO" && cargo build --release --locked --bin consentry)
fi
CONSENTRY="$REPO/target/release/consentry"

T="$(mktemp -d /tmp/consentry-load.XXXXXX)"
chmod 755 "$T" # nginx workers may run as another user
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT

UP=$BASE; NGX=$((BASE + 1)); CSY=$((BASE + 2)); SLOW=$((BASE + 3)); CSY_SLOW=$((BASE + 4)); CSY_IDLE=$((BASE + 5))

# ---- content: a real ~50 KB page (read from the corpus at run time), our 1 KB page, generated JS
mkdir -p "$T/www" "$T/up" "$T/ngx"
cp "$PAGES/$PAGE50" "$T/www/page50k.html"
cp "$HERE/page1k.html" "$T/www/page1k.html"
python3 "$HERE/gen_js.py" > "$T/www/app.js"

temp_paths() {
    for p in client_body proxy fastcgi uwsgi scgi; do echo "  ${p}_temp_path $1/${p}_temp;"; done
}

cat > "$T/up/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $T/up/nginx.pid;
error_log $T/up/error.log warn;
events { worker_connections 8192; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  keepalive_requests 1000000;
$(temp_paths "$T/up")
  server {
    listen 127.0.0.1:$UP;
    root $T/www;
    add_header Set-Cookie "_ga=GA1.2.1234567890.1700000000; Path=/; Max-Age=63072000; SameSite=Lax" always;
    add_header Set-Cookie "_fbp=fb.1.1700000000.1234567890; Path=/; Max-Age=7776000" always;
    add_header Set-Cookie "sessionid=abc123; Path=/; HttpOnly; SameSite=Lax" always;
  }
}
CONF

cat > "$T/ngx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
$(temp_paths "$T/ngx")
  upstream origin { server 127.0.0.1:$UP; keepalive 64; }
  server {
    listen 127.0.0.1:$NGX;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF

wait_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2; exit 1
}

taskset -c "$LOAD_CORE" "$NGINX" -p "$T/up" -c "$T/up/nginx.conf" 2>"$T/up/stderr" & PIDS+=($!)
taskset -c "$PROXY_CORE" "$NGINX" -p "$T/ngx" -c "$T/ngx/nginx.conf" 2>"$T/ngx/stderr" & PIDS+=($!); NGX_PID=$!
taskset -c "$PROXY_CORE" "$CONSENTRY" run --workers 1 --listen "127.0.0.1:$CSY" --admin-listen "127.0.0.1:$((BASE + 6))" --upstream "http://127.0.0.1:$UP" \
    2>"$T/consentry.log" & PIDS+=($!); CSY_PID=$!
wait_port "$UP"; wait_port "$NGX"; wait_port "$CSY"

# ---- correctness of one response of each kind before measuring
fail() { echo "CORRECTNESS: $*" >&2; exit 1; }
fetch() { curl -sS -D "$T/h" -o "$T/b" "${@:3}" "http://127.0.0.1:$1$2"; }
fetch "$UP" /app.js; cp "$T/b" "$T/js.up"
fetch "$CSY" /app.js
cmp -s "$T/b" "$T/js.up" || fail "JavaScript body changed by Consentry"
grep -qi '^set-cookie: sessionid=' "$T/h" || fail "necessary cookie sessionid was stripped"
grep -qi '^set-cookie: _ga=' "$T/h" && fail "_ga Set-Cookie passed without consent"
grep -qi '^set-cookie: _fbp=' "$T/h" && fail "_fbp Set-Cookie passed without consent"
fetch "$CSY" /page1k.html
grep -q '^HTTP/1.1 200' "$T/h" || fail "1 KB page: status $(head -1 "$T/h")"
grep -q 'src="https://www.googletagmanager.com' "$T/b" && fail "1 KB page: GA script still loads"
grep -q '</html>' "$T/b" || fail "1 KB page: truncated"
fetch "$CSY" /page50k.html
grep -q '^HTTP/1.1 200' "$T/h" || fail "50 KB page: status $(head -1 "$T/h")"
[ "$(wc -c <"$T/b")" -gt 30000 ] || fail "50 KB page: body too short"
# Full consent from the site's own consent manager (OneTrust): the page must
# come back byte for byte. Consent given through Consentry's own banner adds
# exactly one thing, the "Cookie settings" link.
FULL="OptanonConsent=groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1"
fetch "$UP" /page50k.html; cp "$T/b" "$T/html.up"
fetch "$CSY" /page50k.html -H "Cookie: $FULL"
cmp -s "$T/b" "$T/html.up" || fail "full consent: the page was modified"
grep -qi '^set-cookie: _ga=' "$T/h" || fail "full consent: _ga was stripped"
fetch "$CSY" /page50k.html -H "Cookie: consentry=necessary%2Cpreferences%2Canalytics%2Cmarketing"
python3 - "$T/html.up" "$T/b" <<'PY' || fail "full consent via Consentry's cookie: more than the settings link changed"
import re, sys
up, got = (open(f, "rb").read() for f in sys.argv[1:])
link = re.search(rb'<consentry-settings data-consentry-injected="settings-link".*?</consentry-settings>', got, re.S)
sys.exit(0 if link and got[:link.start()] + got[link.end():] == up else 1)
PY
fetch "$NGX" /page50k.html
cmp -s "$T/b" "$T/html.up" || fail "nginx proxy: body differs from upstream"
echo "correctness: ok (JS untouched, _ga/_fbp stripped, sessionid kept, GA tag blocked, full consent untouched, own cookie adds only the settings link)"

# ---- load
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # utime+stime of a process and its children processes (nginx workers)
    local total=0 p
    for p in "$1" $(pgrep -P "$1" || true); do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$total"
}
# workload name, path, extra wrk args
WORKLOADS=(
    "js50k|/app.js|"
    "html1k|/page1k.html|"
    "html50k|/page50k.html|"
    "html50k_consent|/page50k.html|Cookie: $FULL"
)
RAW="$T/raw.jsonl"; : >"$RAW"
run_wrk() { # proxy port workload path header duration
    local hdr=()
    [ -n "$5" ] && hdr=(-H "$5")
    taskset -c "$LOAD_CORE" wrk -t1 -c"$CONNS" -d"$6s" --latency -s "$HERE/report.lua" "${hdr[@]}" \
        "http://127.0.0.1:$2$4" >"$T/wrk.out" 2>&1 || { cat "$T/wrk.out" >&2; exit 1; }
}
measure() { # round proxy pid port workload path header
    local before after line
    before=$(cpu_ticks "$3")
    run_wrk "$2" "$4" "$5" "$6" "$7" "$DURATION"
    after=$(cpu_ticks "$3")
    line=$(grep '^WRKJSON' "$T/wrk.out" | sed 's/^WRKJSON //')
    python3 - "$1" "$2" "$5" "$((after - before))" "$CLK_TCK" "$line" >>"$RAW" <<'PY'
import json, sys
rnd, proxy, w, ticks, tck, line = sys.argv[1:7]
d = json.loads(line)
e = d.pop("errors")
d.update(round=int(rnd), proxy=proxy, workload=w, errors=sum(e.values()),
         rps=d["requests"] / (d["duration_us"] / 1e6),
         cpu_us_per_req=int(ticks) / int(tck) * 1e6 / max(d["requests"], 1))
print(json.dumps(d))
PY
    tail -1 "$RAW" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("  round %d %-16s %-9s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %6.1f CPU us/req  errors %d" % (d["round"], d["workload"], d["proxy"], d["rps"], d["p50_us"]/1000, d["p99_us"]/1000, d["cpu_us_per_req"], d["errors"]))'
}

if [ "$SMOKE" = 0 ]; then
    echo "warm-up"
    for wl in "${WORKLOADS[@]}"; do
        IFS='|' read -r name path hdr <<<"$wl"
        run_wrk nginx "$NGX" "$name" "$path" "$hdr" 1; run_wrk consentry "$CSY" "$name" "$path" "$hdr" 1
    done
fi
echo "load: $ROUNDS rounds x ${DURATION}s, $CONNS connections, proxy on core $PROXY_CORE, wrk + upstream on core $LOAD_CORE"
for r in $(seq 1 "$ROUNDS"); do
    for wl in "${WORKLOADS[@]}"; do
        IFS='|' read -r name path hdr <<<"$wl"
        if [ $((r % 2)) = 1 ]; then order="nginx consentry"; else order="consentry nginx"; fi
        for proxy in $order; do
            if [ "$proxy" = nginx ]; then
                measure "$r" nginx "$NGX_PID" "$NGX" "$name" "$path" "$hdr"
            else
                measure "$r" consentry "$CSY_PID" "$CSY" "$name" "$path" "$hdr"
            fi
        done
    done
done

# ---- memory with 1,000 idle keep-alive connections (a fresh instance)
taskset -c "$PROXY_CORE" "$CONSENTRY" run --workers 1 --listen "127.0.0.1:$CSY_IDLE" --admin-listen "127.0.0.1:$((BASE + 7))" --upstream "http://127.0.0.1:$UP" \
    2>/dev/null & PIDS+=($!); IDLE_PID=$!
wait_port "$CSY_IDLE"
RSS=$(taskset -c "$LOAD_CORE" python3 "$HERE/idle_conns.py" "$CSY_IDLE" "$IDLE_PID" "$IDLE_CONNS" /page1k.html)
echo "rss: $RSS"

# ---- time to first byte through a slow upstream (first chunk now, the rest after 1 s)
taskset -c "$LOAD_CORE" python3 "$HERE/slow_upstream.py" "$SLOW" 1.0 & PIDS+=($!)
taskset -c "$PROXY_CORE" "$CONSENTRY" run --workers 1 --listen "127.0.0.1:$CSY_SLOW" --admin-listen "127.0.0.1:$((BASE + 8))" --upstream "http://127.0.0.1:$SLOW" \
    2>/dev/null & PIDS+=($!)
wait_port "$SLOW"; wait_port "$CSY_SLOW"
TTFB_UP=$(python3 "$HERE/ttfb.py" "$SLOW" "$TTFB_SAMPLES")
TTFB_CSY=$(python3 "$HERE/ttfb.py" "$CSY_SLOW" "$TTFB_SAMPLES")

# ---- results
MACHINE=$(python3 - <<PY
import json, platform, subprocess
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
nginx = subprocess.run(["$NGINX", "-v"], capture_output=True, text=True).stderr.strip()
wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
print(json.dumps({"cpus": __import__("os").cpu_count(), "cpu_model": model, "kernel": platform.release(),
                  "nginx": nginx, "wrk": wrk}))
PY
)
GIT=$(cd "$REPO" && git rev-parse --short HEAD)$(cd "$REPO" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo "-dirty")
cat >"$T/extra.json" <<JSON
{"commit": "$GIT", "date": "$(date -u +%FT%TZ)", "machine": $MACHINE,
 "config": {"duration_s": $DURATION, "rounds": $ROUNDS, "connections": $CONNS, "page50k": "$PAGE50",
            "proxy_core": $PROXY_CORE, "load_core": $LOAD_CORE, "smoke": $([ "$SMOKE" = 1 ] && echo true || echo false)},
 "rss": $RSS,
 "ttfb": {"upstream_direct": $TTFB_UP, "consentry": $TTFB_CSY}}
JSON
mkdir -p "$(dirname "$OUT")"
python3 "$HERE/summarize.py" "$RAW" "$T/extra.json" "$OUT" | tee "$T/table.txt"
echo "results: $OUT"
if [ "$SMOKE" = 1 ]; then
    grep -q 'Consentry/nginx' "$T/table.txt" || { echo "smoke: no ratios printed" >&2; exit 1; }
    python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for w, row in d["workloads"].items():
    assert row["ratio_rps"] > 0, w
    assert row["consentry"]["errors"] == 0 and row["nginx"]["errors"] == 0, f"{w}: errors"
print("smoke: ok")
PY
elif python3 -c 'import matplotlib' 2>/dev/null; then
    python3 "$HERE/plot.py" "$OUT" "${OUT%.json}.png"
else
    echo "(matplotlib not installed: skipping the plot; pip install matplotlib; python3 $HERE/plot.py $OUT)"
fi
