"""The commands on the consumer's meters (ConsumerService): meters, balance,
history and recharge. Each takes the parsed arguments and a Connection,
prints its result and raises AppError on failure."""

import time
import uuid

import checkout
import stubs
from errors import AppError, usage_error
from money import format_delta, format_rupees, parse_rupees
from output import enum_text, format_time, print_fields

# How often recharge asks walletd whether the order is paid yet.
_POLL_SECONDS = 0.2


class _Api:
    """The consumer service's stub and the message modules it needs."""

    def __init__(self, connection):
        self.connection = connection
        self.consumer, services = stubs.load("consumer")
        self.common, _ = stubs.load("common")
        self.stub = services.ConsumerServiceStub(connection.channel)

    def call(self, name, request):
        return self.connection.call(getattr(self.stub, name), request, name)

    def balance(self, meter_id):
        return self.call("GetBalance", self.consumer.GetBalanceRequest(meter_id=meter_id))


def meters(args, connection):
    api = _Api(connection)
    response = api.call("ListMyMeters", api.consumer.ListMyMetersRequest())
    if not response.meters:
        print("no meters: link a consumer number with `link --consumer C`")
        return
    width = max(len(meter.meter_id) for meter in response.meters)
    for meter in response.meters:
        status = enum_text(api.consumer.MeterStatus, meter.status)
        print(f"{meter.meter_id.ljust(width)}  {format_rupees(meter.balance_paise):>16}  {status}")


def _print_balance(api, balance):
    last_recharge = None
    if balance.last_recharge_paise:
        when = format_time(balance.last_recharge_time)
        last_recharge = format_rupees(balance.last_recharge_paise) + (f" on {when}" if when else "")
    print_fields([
        ("meter", balance.meter_id),
        ("balance", format_rupees(balance.balance_paise)),
        ("status", enum_text(api.consumer.MeterStatus, balance.status)),
        ("supply", enum_text(api.consumer.SupplyState, balance.supply, "SUPPLY_")),
        ("last recharge", last_recharge),
        ("dues", format_rupees(balance.arrears_paise + balance.surcharge_paise)
         if balance.arrears_paise or balance.surcharge_paise else None),
        ("days left", str(balance.days_left) if balance.HasField("days_left") else None),
    ])


def balance(args, connection):
    api = _Api(connection)
    _print_balance(api, api.balance(args.meter))


def history(args, connection):
    api = _Api(connection)
    entries = []
    page_token = ""
    while len(entries) < args.limit:
        response = api.call("ListTransactions", api.consumer.ListTransactionsRequest(
            meter_id=args.meter, page_size=min(args.limit - len(entries), 1000),
            page_token=page_token))
        entries.extend(response.entries)
        page_token = response.next_page_token
        if not page_token:
            break
    if not entries:
        print(f"no transactions on meter {args.meter}")
        return
    for entry in entries[:args.limit]:
        transfer = entry.transfer
        kind = enum_text(api.common.TransferType, transfer.type)
        print(f"{format_time(transfer.create_time) or '-':<23}  {kind:<20}"
              f"  {format_delta(entry.delta_paise):>14}  balance {format_rupees(entry.balance_after_paise)}"
              f"  {transfer.request_ref}")


def _wait_until_paid(api, order_id, wait_seconds):
    """Returns the order once walletd has it paid (the gateway's webhook
    credited it); AppError if it failed, was cancelled or expired, or was not
    paid within `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    while True:
        order = api.call("GetOrder", api.consumer.GetOrderRequest(order_id=order_id))
        state = order.state
        if state == api.common.ORDER_PAID:
            return order
        if state in (api.common.ORDER_FAILED, api.common.ORDER_CANCELLED,
                     api.common.ORDER_EXPIRED):
            reason = order.failure_reason or order.cancel_reason
            raise AppError(f"order {order_id} is {enum_text(api.common.OrderState, state, 'ORDER_')}"
                           + (f": {reason}" if reason else ""))
        if time.monotonic() >= deadline:
            raise AppError(f"order {order_id} was not paid within {wait_seconds:g} s (still "
                           f"{enum_text(api.common.OrderState, state, 'ORDER_')}): the payment "
                           f"gateway's webhook has not reached walletd")
        time.sleep(_POLL_SECONDS)


def recharge(args, connection):
    try:
        amount_paise = parse_rupees(args.amount_rupees)
    except ValueError as error:
        raise usage_error(f"--amount_rupees: {error}")
    api = _Api(connection)
    # A retry with the same --request_id gets the same order, not a second one.
    request_id = args.request_id or "app-" + uuid.uuid4().hex
    started = api.call("StartRecharge", api.consumer.StartRechargeRequest(
        request_id=request_id, meter_id=args.meter, amount_paise=amount_paise))
    order_id = started.order.order_id
    if not started.HasField("checkout"):
        raise AppError(f"order {order_id} was created, but walletd runs without a payment "
                       f"gateway: there is no checkout to pay it through")
    gateway_order = started.checkout.gateway_order_id
    print_fields([("order", order_id),
                  ("checkout", f"{gateway_order} {format_rupees(started.checkout.amount_paise)}"
                               f" {started.checkout.currency}")])
    payment_id = checkout.pay(args.gateway_sim, gateway_order, args.ca_file)
    print_fields([("payment", f"{payment_id} (captured at the payment gateway)")])
    order = _wait_until_paid(api, order_id, args.wait)
    print_fields([("paid", format_time(order.pay_time) or "yes")])
    _print_balance(api, api.balance(args.meter))
