#!/usr/bin/env bash
# The README's main command: install packages, build, start walletd on a fresh
# embedded RocksDB with its neighbours (a payment-gateway simulator, Kannel
# with a fake SMSC and notifierd, simulated meters and meter-gatewayd) and
# walk through a short, readable demo with walletctl.
# Set KEEP=1 to leave the servers running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
# SKIP_BUILD=1 reruns the demo on the binaries already built.
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "Installing packages and building (first time: a few minutes)..."
  deploy/install.sh >/tmp/wallet-install.log 2>&1 || { cat /tmp/wallet-install.log; exit 1; }
  deploy/build.sh >/tmp/wallet-build.log 2>&1 || { tail -50 /tmp/wallet-build.log; exit 1; }
fi

BIN=build/api
DEMO=$(mktemp -d /tmp/wallet-demo-XXXXXX)
# The example tariffs, plus a laboratory tariff (Rs 100/kWh) so that the
# meter part of the demo runs out of credit in seconds rather than days.
cat deploy/config/tariffs.textproto - >"$DEMO/tariffs.textproto" <<'TARIFF'
tariffs {
  tariff_id: "LAB-100"
  version: 1
  effective_from: "2024-04-01"
  category: COMMERCIAL
  slabs { paise_per_kwh: 10000 }
}
TARIFF
# Mutual TLS with a self-made CA: walletd's certificate, and one for each
# client (walletctl, meter-gatewayd, notifierd).
deploy/make-certs.sh "$DEMO/certs" >/dev/null
CERTS="$DEMO/certs"
wait_for() {  # wait_for SECONDS COMMAND...: until the command succeeds
  local limit=$(( $1 * 10 )); shift
  for _ in $(seq "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "!! timed out waiting for: $*"; exit 1
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port VAR: sets VAR to a loopback port nobody listens on and not
# handed out before, drawn below the kernel's range for "port 0", which the
# servers here that take port 0 use.
TAKEN=""
free_port() {
  local port
  for port in $(shuf -i 10000-30000 -n 50); do
    [[ " $TAKEN " == *" $port "* ]] || listening "$port" ||
      { TAKEN+=" $port"; printf -v "$1" '%s' "$port"; return; }
  done
  return 1
}
# --settable_clock lets the demo move walletd's clock over notice days.
CONFIG=(--tariffs="$DEMO/tariffs.textproto" --policy=deploy/config/policy.textproto --settable_clock
  --tls_cert_file="$CERTS/walletd.crt" --tls_key_file="$CERTS/walletd.key"
  --tls_client_ca_file="$CERTS/ca.crt" --notification_log=none)
GATEWAY_TLS=(--wallet_tls_ca="$CERTS/ca.crt" --wallet_tls_cert="$CERTS/meter-gateway.crt"
  --wallet_tls_key="$CERTS/meter-gateway.key")
# Every process the demo starts, stopped at the end (SIGTERM) in this order:
# clients first, smsbox before bearerbox (the fake SMSC follows bearerbox).
PGPID=""; SMSBOX=""; BEARERBOX=""; FAKESMSC=""; WALLETD=""; NOTIFIERD=""; SIMPID=""; GWPID=""
stop() {
  for pid in $GWPID $SIMPID $NOTIFIERD $WALLETD $PGPID $SMSBOX $BEARERBOX $FAKESMSC; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
}
[[ "${KEEP:-0}" == 1 ]] || trap stop EXIT
# Online payments: a payment gateway (the simulator) that walletd creates
# orders at and that posts signed webhooks to walletd over HTTPS. The
# webhook port is chosen now: the gateway must know the URL before walletd
# starts.
free_port WEBHOOK_PORT
printf 'demo_gateway_key_secret_42\n' >"$DEMO/gateway-secret.key"
printf 'demo_gateway_webhook_secret_42\n' >"$DEMO/gateway-webhook.key"
build/payment-gateway-sim/payment-gateway-sim --listen=127.0.0.1:0 --key_id=rzp_demo \
  --key_secret_file="$DEMO/gateway-secret.key" --tls_cert_file="$CERTS/walletd.crt" \
  --tls_key_file="$CERTS/walletd.key" --webhook_secret_file="$DEMO/gateway-webhook.key" \
  --webhook_url="https://127.0.0.1:$WEBHOOK_PORT/webhooks/payment-gateway" \
  --webhook_ca_file="$CERTS/ca.crt" --webhook_copies=2 --ready_file="$DEMO/pg.ready" \
  >/dev/null 2>"$DEMO/payment-gateway-sim.log" &
PGPID=$!
for _ in $(seq 100); do [[ -f "$DEMO/pg.ready" ]] && break; sleep 0.1; done
PG_PORT=$(sed -n 's/^http_port=//p' "$DEMO/pg.ready")
CONFIG+=(--payment_gateway_url="https://127.0.0.1:$PG_PORT" --payment_gateway_key_id=rzp_demo
  --payment_gateway_secret_file="$DEMO/gateway-secret.key" --payment_gateway_ca_file="$CERTS/ca.crt"
  --webhook_listen="127.0.0.1:$WEBHOOK_PORT" --webhook_secret_file="$DEMO/gateway-webhook.key"
  --webhook_tls_cert_file="$CERTS/walletd.crt" --webhook_tls_key_file="$CERTS/walletd.key")
# Consumer sign-in: a one-time password waits in the notification outbox
# sealed under this key until notifierd takes it.
openssl rand -hex 32 >"$DEMO/seal.key"
chmod 600 "$DEMO/seal.key"
CONFIG+=(--seal_key_file="$DEMO/seal.key")
# SMS: Kannel (bearerbox, and smsbox for its HTTP sendsms interface) with
# Kannel's fake SMSC standing in for the operator's SMSC; notifierd (started
# below, once walletd is up) renders walletd's notifications from
# deploy/config/sms_templates.json and sends them through it. Kannel takes
# no port 0: the ports are chosen now. A long text (Hindi goes as UCS-2, 70
# characters a part) is split into up to five concatenated parts.
KANNEL="$DEMO/kannel"
mkdir -p "$KANNEL"
for port in KANNEL_ADMIN KANNEL_BOX KANNEL_SMSC KANNEL_HTTP; do free_port "$port"; done
printf 'demo_kannel_password_42\n' >"$KANNEL/sendsms.password"
cat >"$KANNEL/kannel.conf" <<KANNEL_CONF
group = core
admin-port = $KANNEL_ADMIN
admin-interface = 127.0.0.1
admin-password = $(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
smsbox-port = $KANNEL_BOX
smsbox-interface = 127.0.0.1
log-file = "$KANNEL/bearerbox.log"
log-level = 1
access-log = "$KANNEL/access.log"
store-type = file
store-location = "$KANNEL/store"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
port = $KANNEL_SMSC
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $KANNEL_HTTP
sendsms-interface = 127.0.0.1
log-file = "$KANNEL/smsbox.log"
log-level = 1

group = sendsms-user
username = notifier
password = $(cat "$KANNEL/sendsms.password")
max-messages = 5
concatenation = true
KANNEL_CONF
/usr/sbin/bearerbox "$KANNEL/kannel.conf" >/dev/null 2>&1 &
BEARERBOX=$!
wait_for 30 listening "$KANNEL_SMSC"
# -m 0: the fake SMSC sends nothing of its own; it prints what it receives.
/usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r "$KANNEL_SMSC" -m 0 "1 2 text x" \
  >"$KANNEL/fakesmsc.log" 2>&1 &
FAKESMSC=$!
/usr/sbin/smsbox "$KANNEL/kannel.conf" >/dev/null 2>&1 &
SMSBOX=$!
wait_for 30 listening "$KANNEL_HTTP"
"$BIN/walletd" --data_dir="$DEMO/data" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
  --ready_file="$DEMO/ready" "${CONFIG[@]}" 2>"$DEMO/walletd.log" &
WALLETD=$!
for _ in $(seq 100); do [[ -f "$DEMO/ready" ]] && break; sleep 0.1; done
[[ -f "$DEMO/ready" ]] || { echo "walletd did not start:"; cat "$DEMO/walletd.log"; exit 1; }
GRPC_PORT=$(sed -n 's/^grpc_port=//p' "$DEMO/ready")
HTTP_PORT=$(sed -n 's/^http_port=//p' "$DEMO/ready")

ctl() {
  build/walletctl/walletctl --server="127.0.0.1:$GRPC_PORT" --tls_ca="$CERTS/ca.crt" \
    --tls_cert="$CERTS/operator.crt" --tls_key="$CERTS/operator.key" "$@"
}
admin() { ctl --api_key_file="$DEMO/data/admin.key" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
expect_fail() { if "$@" 2>&1; then echo "!! expected an error"; exit 1; fi; }

say "walletd is up: gRPC over mutual TLS on 127.0.0.1:$GRPC_PORT (CA $CERTS/ca.crt), metrics http://127.0.0.1:$HTTP_PORT/metrics, data in $DEMO/data"

# notifierd: its own client certificate, and a key with the meter gateway's
# role (which may read the notification stream).
admin issue-key --request_id=key-notifier --role=meter_gateway --label=notifierd \
  >"$DEMO/notifier.key" 2>/dev/null
build/notifier/notifierd --wallet="127.0.0.1:$GRPC_PORT" --wallet_tls_ca="$CERTS/ca.crt" \
  --wallet_tls_cert="$CERTS/notifier.crt" --wallet_tls_key="$CERTS/notifier.key" \
  --api_key_file="$DEMO/notifier.key" --templates=deploy/config/sms_templates.json \
  --data_dir="$DEMO/notifier" --kannel_url="http://127.0.0.1:$KANNEL_HTTP/cgi-bin/sendsms" \
  --kannel_user=notifier --kannel_password_file="$KANNEL/sendsms.password" \
  --dlr_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --ready_file="$DEMO/notifier.ready" \
  2>"$DEMO/notifierd.log" &
NOTIFIERD=$!
wait_for 30 test -f "$DEMO/notifier.ready"
NOTIFIER_HTTP=$(sed -n 's/^http_port=//p' "$DEMO/notifier.ready")
metric() {  # metric PORT NAME: one value of a /metrics page
  curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2 + 0}'
}
# sms_settled: notifierd has taken every notification walletd committed
# (it acknowledges one once Kannel accepted its SMS), and the fake SMSC
# reported every SMS delivered.
sms_settled() {
  [[ $(metric "$HTTP_PORT" 'walletd_outbox_backlog{stream="notifications"}') == 0 &&
     $(metric "$NOTIFIER_HTTP" sms_sent_total) == $(metric "$NOTIFIER_HTTP" sms_delivered_total) ]]
}
# sms_about METER: every SMS about METER that reached the fake SMSC.
sms_about() {
  wait_for 20 sms_settled
  deploy/smsc-texts.sh "$KANNEL/fakesmsc.log" | grep -F "$1" || true
}
sms() { sms_about "$1" | tail -n "${2:-1}"; }  # sms METER [N]: the last N of them
sms_since() { sms_about "$1" | tail -n "+$(($2 + 1))"; }  # sms_since METER N: all after the first N
say "SMS: notifierd sends walletd's notifications through Kannel (bearerbox + smsbox) to a fake SMSC, in each consumer's language with the DLT template ids of deploy/config/sms_templates.json"

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
say "Gupta Traders pays Rs 2,000 at the counter: 20 % of it recovers their legacy arrears"
pos recharge --request_id=R-0004 --meter=BSP-0003 --amount=2000
say "Reusing receipt R-0001 for another amount is refused"
expect_fail pos recharge --request_id=R-0001 --meter=BSP-0001 --amount=900
say "Bad input gets a clear error and changes nothing"
expect_fail pos recharge --request_id=R-0002 --meter=NO-SUCH-METER --amount=100
expect_fail pos recharge --request_id=R-0003 --meter=BSP-0002 --amount=50000
expect_fail ctl --api_key=wk_wrong_key float
say "A client without a certificate from the utility's CA cannot even connect"
expect_fail build/walletctl/walletctl --server="127.0.0.1:$GRPC_PORT" --tls_ca="$CERTS/ca.crt" \
  --api_key_file="$DEMO/data/admin.key" float
expect_fail admin register-meter --meter=BSP-0004 --consumer=CON-103 --phone=+919826000103 \
  --category=domestic --load_w=2000 --tariff=DOM-LT9

say "Meena recharges Rs 300 in the mobile app; the payment gateway confirms (twice)"
admin issue-key --request_id=key-con102 --role=consumer --subject=CON-102 >"$DEMO/con102.key" 2>/dev/null
admin issue-key --request_id=key-pg --role=payment_gateway >"$DEMO/pg-api.key" 2>/dev/null
ORDER=$(ctl --api_key_file="$DEMO/con102.key" --json start-recharge --request_id=app-77 \
  --meter=BSP-0002 --amount=300 | sed -n 's/.*"order_id":"\([^"]*\)".*/\1/p')
echo "order $ORDER is pending until the gateway confirms"
ctl --api_key_file="$DEMO/pg-api.key" confirm-payment --payment_id=pay_Q7x1 --order_id="$ORDER" --amount=300
ctl --api_key_file="$DEMO/pg-api.key" confirm-payment --payment_id=pay_Q7x1 --order_id="$ORDER" --amount=300 >/dev/null
say "Meena's balance and history (consumer key: sees only her own meter)"
ctl --api_key_file="$DEMO/con102.key" balance --meter=BSP-0002
ctl --api_key_file="$DEMO/con102.key" history --meter=BSP-0002
expect_fail ctl --api_key_file="$DEMO/con102.key" balance --meter=BSP-0001

say "Meena signs in to the consumer app (Python) with a one-time password sent to her mobile by SMS"
app() {
  /usr/bin/python3 consumer-app/wallet_app.py --walletd="127.0.0.1:$GRPC_PORT" \
    --ca_file="$CERTS/ca.crt" --cert_file="$CERTS/operator.crt" --key_file="$CERTS/operator.key" "$@"
}
app request-otp --mobile=+919826000102
otp_sms() { deploy/smsc-texts.sh "$KANNEL/fakesmsc.log" | grep -F "is your OTP" | tail -n 1; }
wait_for 20 sms_settled
echo "at the fake SMSC: $(otp_sms)"
OTP=$(otp_sms | grep -o '[0-9]\{6\} is your OTP' | cut -c1-6)
app sign-in --mobile=+919826000102 --otp="$OTP" --token_file="$DEMO/meena.token"
app --token_file="$DEMO/meena.token" balance --meter=BSP-0002
echo "a second sign-in with the same OTP is refused (an OTP signs in once):"
expect_fail app sign-in --mobile=+919826000102 --otp="$OTP" --token_file="$DEMO/other.token"

say "Meena has a new mobile number: the utility updates it; every change is recorded for audit"
admin update-consumer --request_id=upd-1 --consumer=CON-102 --phone=+919826000999 \
  --reason="new SIM card, form at the Torwa office"
admin changes --consumer=CON-102
say "Meena starts another Rs 200 order in the app and cancels it; her orders"
ORDER2=$(ctl --api_key_file="$DEMO/con102.key" --json start-recharge --request_id=app-78 \
  --meter=BSP-0002 --amount=200 | sed -n 's/.*"order_id":"\([^"]*\)".*/\1/p')
ctl --api_key_file="$DEMO/con102.key" cancel-order --request_id=app-78-cancel --order_id="$ORDER2" \
  >/dev/null
ctl --api_key_file="$DEMO/con102.key" orders
echo "a payment for the cancelled order is refused, for the gateway to refund:"
expect_fail ctl --api_key_file="$DEMO/pg-api.key" confirm-payment --payment_id=pay_Q7x2 \
  --order_id="$ORDER2" --amount=200

say "The meter gateway reports register readings: energy is rated on the tariff and debited"
admin issue-key --request_id=key-gw --role=meter_gateway >"$DEMO/gw.key" 2>/dev/null
gw() { ctl --api_key_file="$DEMO/gw.key" "$@"; }
ist() { date -u -d "+330 minutes $1" +%Y-%m-%dT%H:%M:%S; }
gw ingest --batch_id=gw-1 --meter=BSP-0001 --register_wh=1200000 --at="$(ist '-2 hours')"
gw ingest --batch_id=gw-2 --meter=BSP-0001 --register_wh=1202500 --at="$(ist '-1 hour')"
say "A jump beyond the sanctioned load is quarantined, not debited"
gw ingest --batch_id=gw-3 --meter=BSP-0001 --register_wh=1290000 --at="$(ist '-30 minutes')" || true
admin meter-state --meter=BSP-0001

say "The SMS so far, as the fake SMSC received them ($KANNEL/fakesmsc.log)"
wait_for 20 sms_settled
deploy/smsc-texts.sh "$KANNEL/fakesmsc.log"

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
[[ -f "$DEMO/ready" ]] || { echo "walletd did not restart:"; tail -20 "$DEMO/walletd.log"; exit 1; }
HTTP_PORT=$(sed -n 's/^http_port=//p' "$DEMO/ready")
admin get-meter --meter=BSP-0001
pos recharge --request_id=R-0001 --meter=BSP-0001 --amount=500 >/dev/null && \
  echo "receipt R-0001 replayed after restart: still credited once"
admin check-ledger

# ---------------------------------------------------------------------------
# The meter side: a simulated DLMS/COSEM fleet, the gateway, relay cut and restore.
SIMDIR=build/meter-gateway/sim
say "meter-sim hosts 10,000 simulated DLMS/COSEM smart meters, one loopback address each"
"$SIMDIR/meter-sim" --meters=10000 --dlms_port=0 --control_listen=127.0.0.1:0 --load_w=500 \
  --directory_out="$DEMO/fleet.csv" --ready_file="$DEMO/sim.ready" 2>"$DEMO/meter-sim.log" &
SIMPID=$!
wait_for 30 test -f "$DEMO/sim.ready"
simctl() { "$SIMDIR/meter-simctl" --server="127.0.0.1:$(sed -n 's/^control_port=//p' "$DEMO/sim.ready")" "$@"; }
simctl summary
head -4 "$DEMO/fleet.csv"

say "Three of them are prepaid meters in this wallet (commercial, lab tariff Rs 100/kWh); shop 1's owner reads SMS in Hindi"
for i in 1 2 3; do
  language=english; [[ $i == 1 ]] && language=hindi
  admin register-meter --request_id="reg-sim-$i" --meter="SIM00000$i" --consumer="CON-30$i" \
    --name="Shop $i" --phone="+91982600030$i" --category=commercial --circle=Bilaspur \
    --division=City-2 --subdivision=Sarkanda --load_w=40000 --tariff=LAB-100 \
    --language="$language" >/dev/null
done
# Shop 1 is recharged before the clock moves: a meter left at zero would have
# run out of credit at registration, and once the grace period is over it may be
# cut at the first reading, before any recharge.
pos recharge --request_id=R-SIM-1 --meter=SIM000001 --amount=10
pos recharge --request_id=R-SIM-20 --meter=SIM000002 --amount=1000 >/dev/null
pos recharge --request_id=R-SIM-30 --meter=SIM000003 --amount=1000 >/dev/null
echo "SIM000001, SIM000002, SIM000003 registered; shop 1 prepaid just Rs 10, shops 2 and 3 Rs 1,000 each"
grep -E '^#|^SIM00000[123],' "$DEMO/fleet.csv" >"$DEMO/gateway-meters.csv"
"build/meter-gateway/gateway/meter-gatewayd" --wallet="127.0.0.1:$GRPC_PORT" "${GATEWAY_TLS[@]}" \
  --api_key_file="$DEMO/gw.key" --meters="$DEMO/gateway-meters.csv" --read_interval=1s \
  --armed_poll_interval=500ms --retry_initial=300ms --retry_max=2s --http_listen=127.0.0.1:0 \
  --ready_file="$DEMO/gateway.ready" 2>"$DEMO/meter-gatewayd.log" &
GWPID=$!
wait_for 30 test -f "$DEMO/gateway.ready"
GW_HTTP=$(sed -n 's/^http_port=//p' "$DEMO/gateway.ready")
echo "meter-gatewayd: reads each meter every second, takes relay commands from walletd; log $DEMO/meter-gatewayd.log"

# New prepaid meters have a 30-day grace period: move walletd's clock past it,
# to a Monday morning.
for d in $(seq 31 38); do
  DAY=$(date -u -d "+330 minutes +$d days" +%Y-%m-%d)
  [[ $(date -u -d "$DAY" +%u) == 1 ]] && break
done
on() { echo "$(date -u -d "$DAY +$1 days" +%Y-%m-%d)T$2:00"; }  # on DAYS_AFTER HH:MM
say "Time passes: walletd's clock moves to Monday $DAY 10:00 IST (grace period over)"
admin set-clock --at="$(on 0 10:00)"

notices() { admin --json meter-state --meter="$1" | grep -q "\"notices_sent\":$2"; }
relay_is() { admin --json meter-state --meter="$1" | grep -q "\"relay\":\"$2\""; }
sim_is() { simctl get --meter="$1" | grep -q "relay $2 "; }

say "Shop 1 (SIM000001), with its Rs 10, starts drawing 36 kW"
simctl configure --meter=SIM000001 --load_w=36000
echo "... the gateway reads the register every second; walletd rates and debits each reading"
wait_for 60 notices SIM000001 1
admin get-meter --meter=SIM000001 | grep -iE 'balance|meter'
sms SIM000001 4

say "Tuesday and Wednesday 10:05: the second and third daily notice"
admin set-clock --at="$(on 1 10:05)"
wait_for 10 notices SIM000001 2
admin set-clock --at="$(on 2 10:05)"
wait_for 10 notices SIM000001 3
sms SIM000001 2
say "Thursday 19:00: notice served, but no disconnection in the evening"
admin set-clock --at="$(on 3 19:00)"
sleep 2
simctl get --meter=SIM000001
say "Friday 08:00: the first allowed moment; the gateway opens the relay and reads it back"
admin set-clock --at="$(on 4 08:00)"
wait_for 10 sim_is SIM000001 disconnected
wait_for 10 relay_is SIM000001 RELAY_DISCONNECTED
grep -E "SIM000001" "$DEMO/meter-gatewayd.log" | grep -E "command|CONFIRMED" | tail -2 | sed 's/^.*\] //'
simctl get --meter=SIM000001
sleep 2
echo "two seconds later, the energy register has stopped:"
simctl get --meter=SIM000001
sms SIM000001 1

say "Shop 1 pays Rs 600 online: the Rs 500 reconnection fee is charged and the relay closes"
admin issue-key --request_id=key-con301 --role=consumer --subject=CON-301 >"$DEMO/con301.key" 2>/dev/null
shop1() { ctl --api_key_file="$DEMO/con301.key" "$@"; }
SEEN=$(sms_about SIM000001 | wc -l)
shop1 --json start-recharge --request_id=app-1 --meter=SIM000001 --amount=600 >"$DEMO/order.json"
GW_ORDER=$(grep -o '"gateway_order_id": *"[^"]*"' "$DEMO/order.json" | head -1 | cut -d'"' -f4)
echo "walletd created the order at the payment gateway: $GW_ORDER (Rs 600)"
echo "the consumer completes checkout in the payment app (UPI):"
T0=$(date +%s%N)
curl -sS --cacert "$CERTS/ca.crt" -H 'Content-Type: application/json' \
  -d '{"outcome":"captured","method":"upi"}' "https://127.0.0.1:$PG_PORT/sim/orders/$GW_ORDER/pay"
echo
wait_for 10 sim_is SIM000001 connected
echo "relay closed $(( ($(date +%s%N) - T0) / 1000000 )) ms after the payment, through the gateway's signed webhook"
grep -E "webhook" "$DEMO/payment-gateway-sim.log" | head -2 | sed 's/^.*\] //'
echo "(the simulator delivers every webhook twice, as gateways may: walletd credited once)"
shop1 orders --meter=SIM000001
simctl get --meter=SIM000001
wait_for 10 relay_is SIM000001 RELAY_CONNECTED
echo "the SMS shop 1 got since it paid:"
sms_since SIM000001 "$SEEN"

say "Shop 2's meter (SIM000002) is in control mode 1: a remote reconnect only arms the relay"
simctl configure --meter=SIM000002 --control_mode=1
admin set-hold --request_id=hold-1 --meter=SIM000002 --hold=keep_disconnected \
  --reason="meter box inspection" >/dev/null
wait_for 10 relay_is SIM000002 RELAY_DISCONNECTED
simctl get --meter=SIM000002
admin set-hold --request_id=hold-2 --meter=SIM000002 --hold=none --reason="inspection done" >/dev/null
wait_for 10 relay_is SIM000002 RELAY_ARMED
simctl get --meter=SIM000002
sms SIM000002 1
echo "the consumer presses the button on the meter:"
simctl press-button --meter=SIM000002
wait_for 10 relay_is SIM000002 RELAY_CONNECTED
echo "the gateway's next read reports it: walletd's relay state for SIM000002 is now connected"

say "Shop 3's meter (SIM000003) goes offline just before a disconnection order"
simctl configure --meter=SIM000003 --fault=offline
admin set-hold --request_id=hold-3 --meter=SIM000003 --hold=keep_disconnected \
  --reason="unsafe wiring reported" >/dev/null
sleep 2.5
{ grep "SIM000003" "$DEMO/meter-gatewayd.log" | grep "will retry" || true; } | tail -2 | sed 's/^.*\] //'
echo "the meter comes back:"
simctl configure --meter=SIM000003 --fault=none
wait_for 15 relay_is SIM000003 RELAY_DISCONNECTED
simctl get --meter=SIM000003

say "Someone bypasses SIM000003's open relay: energy flows, the utility gets a tamper alert"
simctl configure --meter=SIM000003 --fault=bypass --load_w=3000
tampered() { admin --json meter-state --meter="$1" | grep -q '"tamper_alerted":true'; }
wait_for 15 tampered SIM000003
admin meter-state --meter=SIM000003 | grep -iE 'tamper'
echo "(the alert is for the utility's control room: walletd's notification stream, not an SMS to the consumer)"

# ---------------------------------------------------------------------------
# A collection drive: post-paid dues imported from billing, defaulters
# listed, a drive previewed, approved by a second admin, cut at the drive's
# rate, and supply restored when the dues are paid.
say "Six post-paid shops join; their dues come from the billing system's export"
drive_meter() {  # drive_meter N CATEGORY
  admin register-meter --request_id="reg-sim-$1" --meter="SIM00000$1" --consumer="CON-40$1" \
    --name="Shop $1" --phone="+91982600040$1" --category="$2" --circle=Bilaspur \
    --division=City-2 --subdivision=Sarkanda --load_w=40000 --tariff=LAB-100 \
    --billing_mode=postpaid >/dev/null
}
admin topup-float --request_id=dep-2 --retailer=POS-17 --amount=20000 --reference=SLIP-5530 >/dev/null
drive_meter 4 commercial
drive_meter 5 commercial
drive_meter 6 government
drive_meter 7 commercial
drive_meter 8 commercial
drive_meter 9 commercial
cat >"$DEMO/dues-2026-11.csv" <<'CSV'
meter_id,principal,surcharge,unpaid_bills,oldest_due_date
SIM000004,2500,100,2,2026-09-15
SIM000005,24000,800,3,2026-08-15
SIM000006,29000,1000,4,2026-07-15
SIM000007,19500,500,2,2026-09-15
SIM000008,38500,1500,5,2026-06-15
SIM000009,21000,1000,2,2026-09-15
SIM999999,100,0,1,2026-09-15
CSV
echo "(the last row names a meter walletd does not know: rejected, the rest applied)"
expect_fail admin import-dues --file="$DEMO/dues-2026-11.csv" --import_id=bill-2026-11 \
  --errors="$DEMO/dues-rejected.csv"
cat "$DEMO/dues-rejected.csv"
admin set-hold --request_id=hold-7 --meter=SIM000007 --hold=never_disconnect \
  --reason="dialysis machine at home" >/dev/null
echo "the gateway restarts with the six new meters in its directory:"
kill -TERM "$GWPID"; wait "$GWPID" || true
grep -E '^#|^SIM00000[1-9],' "$DEMO/fleet.csv" >"$DEMO/gateway-meters.csv"
rm -f "$DEMO/gateway.ready"
"build/meter-gateway/gateway/meter-gatewayd" --wallet="127.0.0.1:$GRPC_PORT" "${GATEWAY_TLS[@]}" \
  --api_key_file="$DEMO/gw.key" --meters="$DEMO/gateway-meters.csv" --read_interval=1s \
  --armed_poll_interval=500ms --retry_initial=300ms --retry_max=2s --http_listen=127.0.0.1:0 \
  --ready_file="$DEMO/gateway.ready" 2>>"$DEMO/meter-gatewayd.log" &
GWPID=$!
wait_for 30 test -f "$DEMO/gateway.ready"
GW_HTTP=$(sed -n 's/^http_port=//p' "$DEMO/gateway.ready")

say "The control room lists the post-paid defaulters of division City-2 owing over Rs 1,000"
admin defaulters --division=City-2 --billing_mode=postpaid --min_dues=1000
admin --output=csv defaulters --division=City-2 --billing_mode=postpaid --min_dues=1000 --all >"$DEMO/defaulters.csv" 2>/dev/null
say "It creates a drive from that list: the preview sets the protected meters apart"
admin drive create --request_id=drive-dec --name="Sarkanda defaulters" \
  --reason="dues unpaid after the last bill" --meters_file="$DEMO/defaulters.csv" \
  --rate_per_minute=60 --reconnection_fee=350
say "The drive's creator cannot approve it; the superintending engineer's key can"
expect_fail admin drive approve --drive=drive-1
admin issue-key --request_id=key-se --role=admin --label="superintending engineer" >"$DEMO/se.key" 2>/dev/null
ctl --api_key_file="$DEMO/se.key" drive approve --drive=drive-1 --reason="list checked" | grep -E "state|approved"
say "The drive runs at one disconnect a second; the control room watches it"
admin drive watch --drive=drive-1 | grep -E "^(state|progress|recovery)"
wait_for 10 sim_is SIM000008 disconnected
sms SIM000008 1

say "Shop 4 pays all its Rs 2,600 of dues at the counter: supply is back at once"
T0=$(date +%s%N)
admin pay-dues --request_id=CR-4 --meter=SIM000004 --amount=2600 --receipt=CR-2231
wait_for 10 sim_is SIM000004 connected
echo "relay closed $(( ($(date +%s%N) - T0) / 1000000 )) ms after the payment; the Rs 350 reconnection fee is now owed:"
admin get-meter --meter=SIM000004 | grep -E "arrears|dues"
sms SIM000004 3
say "Shop 5 pays Rs 2,000 of its Rs 24,800 at a retailer: the drive's rule (all dues) is not met, it stays cut"
pos retailer-pay-dues --request_id=RP-5 --meter=SIM000005 --amount=2000
simctl get --meter=SIM000005
wait_for 10 relay_is SIM000004 RELAY_CONNECTED
admin drive show --drive=drive-1 | grep -E "^(preview|progress|recovery)"
admin drive meters --drive=drive-1

say "The gateway's view: http://127.0.0.1:$GW_HTTP/metrics (excerpt)"
curl -s "http://127.0.0.1:$GW_HTTP/metrics" | grep -E '^gateway_(relay|reads_ok|readings)' | head -12
say "Operators' view: http://127.0.0.1:$HTTP_PORT/metrics (excerpt)"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -E '^walletd_(rpc_total|commits_total|operations_total)' | head -12
say "Done. walletd's log: $DEMO/walletd.log"
