"""The connection to walletd: the channel (plaintext or TLS), the caller's
credentials as metadata, and gRPC errors turned into AppErrors.

Credentials, in this order:
    --api_key / --api_key_file   a consumer API key, as `x-api-key`;
    --token_file                 the token `sign-in` stored, as
                                 `authorization: Bearer <token>`.
Calls that need none (request-otp, sign-in) are made with call(...,
authenticated=False).

Example:
    connection = Connection(args)
    balance = connection.call(consumer_stub.GetBalance, request, "GetBalance")
"""

import grpc

from errors import AppError, usage_error
from token_file import read_file, read_token


def _channel(args):
    if not args.ca_file:
        if args.cert_file or args.key_file:
            raise usage_error("--cert_file and --key_file need --ca_file (TLS)")
        return grpc.insecure_channel(args.walletd)
    if bool(args.cert_file) != bool(args.key_file):
        raise usage_error("--cert_file and --key_file go together")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read_file(args.ca_file, "CA file"),
        private_key=read_file(args.key_file, "key file") if args.key_file else None,
        certificate_chain=read_file(args.cert_file, "certificate file") if args.cert_file else None)
    return grpc.secure_channel(args.walletd, credentials)


def _credentials(args):
    if args.api_key:
        return [("x-api-key", args.api_key)]
    if args.api_key_file:
        key = read_file(args.api_key_file, "API key file").decode("ascii", "replace").strip()
        return [("x-api-key", key)]
    if args.token_file:
        return [("authorization", "Bearer " + read_token(args.token_file))]
    raise usage_error("not signed in: run sign-in with --token_file, then give the same "
                      "--token_file (or a consumer key with --api_key)")


class Connection:
    """One channel to walletd for the life of a command."""

    def __init__(self, args):
        self._args = args
        self.channel = _channel(args)

    def call(self, method, request, what, authenticated=True):
        """Calls the unary `method` (a stub's bound method) with `request`.

        Returns the response. Raises AppError "<what>: <CODE>: <message>" for
        a gRPC error (the status as walletd gave it).
        """
        metadata = _credentials(self._args) if authenticated else []
        try:
            return method(request, metadata=metadata, timeout=self._args.timeout)
        except grpc.RpcError as error:
            raise AppError(f"{what}: {error.code().name}: {error.details()}")

    def close(self):
        self.channel.close()
