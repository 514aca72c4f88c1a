"""The app's command line: global options, commands and their options.

Global options may come before or after the command:
    wallet_app.py --walletd=127.0.0.1:50051 balance --meter=BSP-0002
    wallet_app.py balance --meter BSP-0002 --walletd 127.0.0.1:50051
"""

import argparse

import consumer_commands
import signin_commands

DESCRIPTION = """\
A consumer's app for the prepaid energy wallet: sign in with a one-time
password sent by SMS, link a consumer number, see balances and history, and
recharge online through the payment gateway (its simulator)."""

EPILOG = """\
Exit codes: 0 done; 1 the operation failed (walletd's gRPC status, the
payment gateway's answer); 2 a usage or set-up error."""


def _add_global_options(parser, defaults):
    """Adds the connection and credential options. `defaults` False leaves an
    option unset when absent (a command's copy must not undo the one given
    before the command)."""

    def default(value):
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("connection and credentials")
    group.add_argument("--walletd", metavar="HOST:PORT", default=default("127.0.0.1:50051"),
                       help="walletd's gRPC address (default 127.0.0.1:50051)")
    group.add_argument("--ca_file", metavar="PEM", default=default(None),
                       help="TLS: the CA that signed walletd's (and the simulator's) "
                            "certificate; without it, plaintext")
    group.add_argument("--cert_file", metavar="PEM", default=default(None),
                       help="TLS: this client's certificate, for mutual TLS")
    group.add_argument("--key_file", metavar="PEM", default=default(None),
                       help="TLS: this client's private key, for mutual TLS")
    group.add_argument("--token_file", metavar="FILE", default=default(None),
                       help="where sign-in keeps the token (mode 0600) and later commands "
                            "read it")
    group.add_argument("--api_key", metavar="KEY", default=default(None),
                       help="a consumer API key instead of a token (x-api-key)")
    group.add_argument("--api_key_file", metavar="FILE", default=default(None),
                       help="a file holding a consumer API key")
    group.add_argument("--gateway_sim", metavar="URL", default=default("http://127.0.0.1:8090"),
                       help="the payment-gateway simulator, for recharge's checkout "
                            "(default http://127.0.0.1:8090)")
    group.add_argument("--timeout", metavar="SECONDS", type=float, default=default(10.0),
                       help="deadline of each call to walletd, seconds (default 10)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="wallet_app.py", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, run, help_text):
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(run=run)
        return sub

    sub = command("request-otp", signin_commands.request_otp,
                  "send a one-time password by SMS to a mobile number")
    sub.add_argument("--mobile", required=True, help="digits, optional leading '+'")

    sub = command("sign-in", signin_commands.sign_in,
                  "sign in with the mobile and its OTP; stores the token in --token_file")
    sub.add_argument("--mobile", required=True)
    sub.add_argument("--otp", required=True)

    sub = command("link", signin_commands.link,
                  "link a consumer number (on the bill): without --otp, send an OTP to the "
                  "consumer's registered mobile; with it, link")
    sub.add_argument("--consumer", required=True, help="the consumer number on the bill")
    sub.add_argument("--otp", help="the OTP sent to the consumer's registered mobile")

    command("sign-out", signin_commands.sign_out,
            "revoke the token in --token_file and remove the file")

    command("meters", consumer_commands.meters, "the meters this account sees, with balances")

    sub = command("balance", consumer_commands.balance, "one meter's balance and status")
    sub.add_argument("--meter", required=True)

    sub = command("recharge", consumer_commands.recharge,
                  "recharge a meter online: start the order, pay it at the payment gateway, "
                  "wait until walletd has credited it, show the new balance")
    sub.add_argument("--meter", required=True)
    sub.add_argument("--amount_rupees", required=True, metavar="RUPEES",
                     help="e.g. 500 or 499.50")
    sub.add_argument("--request_id", help="the order's idempotency id; a retry with the same "
                                          "id gets the same order (default: a new one)")
    sub.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                     help="how long to wait for walletd to credit the payment "
                          "(default %(default)s)")

    sub = command("history", consumer_commands.history, "a meter's transactions, newest first")
    sub.add_argument("--meter", required=True)
    sub.add_argument("--limit", type=int, default=20, help="at most this many (default %(default)s)")
    return parser
