#!/usr/bin/python3
"""wallet_app.py: a consumer's app for the prepaid energy wallet, on the
command line. See `wallet_app.py --help` and README.md, "Consumer app
(Python)".

Runs on Debian's python3 with python3-grpcio and python3-protobuf; the gRPC
stubs are generated from proto/ at build time (consumer-app/CMakeLists.txt).
"""

import sys

# The app runs from the source tree: leave no __pycache__ in it (nor in the
# build tree's stubs).
sys.dont_write_bytecode = True

import cli  # noqa: E402
from errors import AppError  # noqa: E402


def main(argv):
    args = cli.build_parser().parse_args(argv)
    if args.timeout <= 0:
        print("wallet_app.py: --timeout must be above zero", file=sys.stderr)
        return 2
    connection = None
    try:
        # Imported here so that --help works without python3-grpcio.
        from connection import Connection
        connection = Connection(args)
        args.run(args, connection)
        return 0
    except ImportError as error:
        print(f"wallet_app.py: {error}: install Debian's python3-grpcio and python3-protobuf "
              f"and run with /usr/bin/python3", file=sys.stderr)
        return 2
    except AppError as error:
        print(f"wallet_app.py: {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    finally:
        if connection is not None:
            connection.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
