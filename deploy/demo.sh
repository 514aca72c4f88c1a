#!/usr/bin/env bash
# The README's main command: install packages, build, start walletd on a fresh
# embedded RocksDB and walk through a short, readable demo with walletctl.
# Set KEEP=1 to leave walletd running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Installing packages and building (first time: a few minutes)..."
deploy/install.sh >/tmp/wallet-install.log 2>&1 || { cat /tmp/wallet-install.log; exit 1; }
deploy/build.sh >/tmp/wallet-build.log 2>&1 || { tail -50 /tmp/wallet-build.log; exit 1; }

BIN=build/api
DEMO=$(mktemp -d /tmp/wallet-demo-XXXXXX)
CONFIG=(--tariffs=deploy/config/tariffs.textproto --policy=deploy/config/policy.textproto)
"$BIN/walletd" --data_dir="$DEMO/data" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
  --ready_file="$DEMO/ready" "${CONFIG[@]}" 2>"$DEMO/walletd.log" &
WALLETD=$!
stop() { kill -TERM "$WALLETD" 2>/dev/null && wait "$WALLETD" 2>/dev/null || true; }
[[ "${KEEP:-0}" == 1 ]] || trap stop EXIT
for _ in $(seq 100); do [[ -f "$DEMO/ready" ]] && break; sleep 0.1; done
[[ -f "$DEMO/ready" ]] || { echo "walletd did not start:"; cat "$DEMO/walletd.log"; exit 1; }
GRPC_PORT=$(sed -n 's/^grpc_port=//p' "$DEMO/ready")
HTTP_PORT=$(sed -n 's/^http_port=//p' "$DEMO/ready")

ctl() { "$BIN/walletctl" --server="127.0.0.1:$GRPC_PORT" "$@"; }
admin() { ctl --api_key_file="$DEMO/data/admin.key" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
expect_fail() { if "$@" 2>&1; then echo "!! expected an error"; exit 1; fi; }

say "walletd is up: gRPC 127.0.0.1:$GRPC_PORT, metrics http://127.0.0.1:$HTTP_PORT/metrics, data in $DEMO/data"

say "The utility registers three prepaid meters (one with Rs 25,000 legacy arrears)"
admin register-meter --request_id=reg-1 --meter=BSP-0001 --consumer=CON-101 --name="Ramesh Sahu" \
  --phone=+919826000101 --category=domestic --circle=Bilaspur --division=City-1 --subdivision=Torwa \
  --load_w=3000 --tariff=DOM-LT1 >/dev/null
admin register-meter --request_id=reg-2 --meter=BSP-0002 --consumer=CON-102 --name="Meena Verma" \
  --phone=+919826000102 --category=domestic --circle=Bilaspur --division=City-1 --subdivision=Torwa \
  --load_w=2000 --tariff=DOM-LT1 >/dev/null
admin register-meter --request_id=reg-3 --meter=BSP-0003 --consumer=CON-201 --name="Gupta Traders" \
  --phone=+919826000201 --category=commercial --circle=Bilaspur --division=City-2 \
  --subdivision=Sarkanda --load_w=10000 --tariff=NDLT-1 --arrears=25000 >/dev/null
admin list-meters --circle=Bilaspur

say "A retailer opens a float of Rs 10,000 (1.5 % commission) and gets a point-of-sale key"
admin create-retailer --request_id=ret-1 --retailer=POS-17 --name="Sharma Mobile Point" \
  --commission_bps=150 >/dev/null
admin topup-float --request_id=dep-1 --retailer=POS-17 --amount=10000 --reference=SLIP-5521
admin issue-key --request_id=key-pos17 --role=retailer --subject=POS-17 >"$DEMO/pos17.key" 2>/dev/null
pos() { ctl --api_key_file="$DEMO/pos17.key" "$@"; }

say "The retailer recharges Ramesh's meter with Rs 500 (receipt R-0001)"
pos recharge --request_id=R-0001 --meter=BSP-0001 --amount=500
say "The POS terminal lost the answer and retries receipt R-0001: same result, credited once"
pos recharge --request_id=R-0001 --meter=BSP-0001 --amount=500
say "Reusing receipt R-0001 for another amount is refused"
expect_fail pos recharge --request_id=R-0001 --meter=BSP-0001 --amount=900
say "Bad input gets a clear error and changes nothing"
expect_fail pos recharge --request_id=R-0002 --meter=NO-SUCH-METER --amount=100
expect_fail pos recharge --request_id=R-0003 --meter=BSP-0002 --amount=50000
expect_fail ctl --api_key=wk_wrong_key float

say "Meena recharges Rs 300 in the mobile app; the payment gateway confirms (twice)"
admin issue-key --request_id=key-con102 --role=consumer --subject=CON-102 >"$DEMO/con102.key" 2>/dev/null
admin issue-key --request_id=key-pg --role=payment_gateway >"$DEMO/pg.key" 2>/dev/null
ORDER=$(ctl --api_key_file="$DEMO/con102.key" --json start-recharge --request_id=app-77 \
  --meter=BSP-0002 --amount=300 | sed -n 's/.*"order_id":"\([^"]*\)".*/\1/p')
echo "order $ORDER is pending until the gateway confirms"
ctl --api_key_file="$DEMO/pg.key" confirm-payment --payment_id=pay_Q7x1 --order_id="$ORDER" --amount=300
ctl --api_key_file="$DEMO/pg.key" confirm-payment --payment_id=pay_Q7x1 --order_id="$ORDER" --amount=300 >/dev/null
say "Meena's balance and history (consumer key: sees only her own meter)"
ctl --api_key_file="$DEMO/con102.key" balance --meter=BSP-0002
ctl --api_key_file="$DEMO/con102.key" history --meter=BSP-0002
expect_fail ctl --api_key_file="$DEMO/con102.key" balance --meter=BSP-0001

say "The meter gateway reports register readings: energy is rated on the tariff and debited"
admin issue-key --request_id=key-gw --role=meter_gateway >"$DEMO/gw.key" 2>/dev/null
gw() { ctl --api_key_file="$DEMO/gw.key" "$@"; }
ist() { date -u -d "+330 minutes $1" +%Y-%m-%dT%H:%M:%S; }
gw ingest --batch_id=gw-1 --meter=BSP-0001 --register_wh=1200000 --at="$(ist '-2 hours')"
gw ingest --batch_id=gw-2 --meter=BSP-0001 --register_wh=1202500 --at="$(ist '-1 hour')"
say "A jump beyond the sanctioned load is quarantined, not debited"
gw ingest --batch_id=gw-3 --meter=BSP-0001 --register_wh=1290000 --at="$(ist '-30 minutes')" || true
admin meter-state --meter=BSP-0001

say "Notifications so far (SMS stand-in: $DEMO/data/notifications.log)"
sleep 0.3
cat "$DEMO/data/notifications.log"

say "The retailer's float and today's statement"
pos float
pos statement

say "The ledger: every balance rebuilt from the journal, all accounts sum to zero"
admin check-ledger

say "Restart walletd (SIGTERM, then start again on the same data): nothing is lost"
kill -TERM "$WALLETD"; wait "$WALLETD" || true
rm -f "$DEMO/ready"
"$BIN/walletd" --data_dir="$DEMO/data" --listen="127.0.0.1:$GRPC_PORT" --http_listen=127.0.0.1:0 \
  --ready_file="$DEMO/ready" "${CONFIG[@]}" 2>>"$DEMO/walletd.log" &
WALLETD=$!
for _ in $(seq 100); do [[ -f "$DEMO/ready" ]] && break; sleep 0.1; done
HTTP_PORT=$(sed -n 's/^http_port=//p' "$DEMO/ready")
admin get-meter --meter=BSP-0001
pos recharge --request_id=R-0001 --meter=BSP-0001 --amount=500 >/dev/null && \
  echo "receipt R-0001 replayed after restart: still credited once"
admin check-ledger

say "Operators' view: http://127.0.0.1:$HTTP_PORT/metrics (excerpt)"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -E '^walletd_(rpc_total|commits_total|operations_total)' | head -12
say "Done. walletd's log: $DEMO/walletd.log"
