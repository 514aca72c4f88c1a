"""The commands of consumer sign-in (SignInService, wallet/v1/signin.proto):
request-otp, sign-in, link and sign-out.

The token sign-in gets is short-lived and revocable; it is kept in the file
named by --token_file, readable by its owner only, and sent on later calls
as `authorization: Bearer <token>`."""

import os

import stubs
from token_file import write_token
from errors import AppError, usage_error
from output import format_time, print_fields


class _Api:
    def __init__(self, connection):
        self.connection = connection
        self.signin, services = stubs.load("signin")
        self.stub = services.SignInServiceStub(connection.channel)

    def call(self, name, request, authenticated=True):
        return self.connection.call(getattr(self.stub, name), request, name, authenticated)


def _print_otp_sent(sent, to):
    print_fields([("otp sent", f"{to} {sent.masked_mobile}".strip()),
                  ("valid until", format_time(sent.expire_time))])


def _linked(consumer_ids):
    return ", ".join(consumer_ids) if consumer_ids else "none yet (link --consumer C)"


def request_otp(args, connection):
    api = _Api(connection)
    sent = api.call("RequestSignInOtp", api.signin.RequestSignInOtpRequest(mobile=args.mobile),
                    authenticated=False)
    _print_otp_sent(sent, "to")


def sign_in(args, connection):
    if not args.token_file:
        raise usage_error("sign-in needs --token_file: where to keep the token")
    api = _Api(connection)
    response = api.call("SignIn", api.signin.SignInRequest(mobile=args.mobile, otp=args.otp),
                        authenticated=False)
    write_token(args.token_file, response.token)
    until = format_time(response.expire_time)
    print_fields([("signed in", args.mobile),
                  ("token", f"in {args.token_file}" + (f", valid until {until}" if until else "")),
                  ("consumers", _linked(response.consumer_ids))])


def link(args, connection):
    api = _Api(connection)
    if args.otp is None:
        sent = api.call("RequestLinkOtp",
                        api.signin.RequestLinkOtpRequest(consumer_id=args.consumer))
        _print_otp_sent(sent, f"to the mobile of consumer {args.consumer}:")
        print(f"then: link --consumer {args.consumer} --otp <the OTP>")
        return
    response = api.call("LinkConsumer",
                        api.signin.LinkConsumerRequest(consumer_id=args.consumer, otp=args.otp))
    print_fields([("linked", args.consumer), ("consumers", _linked(response.consumer_ids))])


def sign_out(args, connection):
    if not args.token_file:
        raise usage_error("sign-out needs --token_file: the token to revoke")
    api = _Api(connection)
    api.call("SignOut", api.signin.SignOutRequest())
    try:
        os.remove(args.token_file)
    except OSError as error:
        raise AppError(f"signed out, but cannot remove {args.token_file}: {error.strerror}")
    print("signed out")
