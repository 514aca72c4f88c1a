"""Finds and imports the gRPC stubs generated from proto/ at build time.

consumer-app/CMakeLists.txt generates them into <build>/consumer-app/stubs
(target consumer_app_stubs; they are never committed). The app looks there:
    1. $CONSUMER_APP_STUBS, when set;
    2. build/consumer-app/stubs of this checkout (the default build folder).
"""

import importlib
import os
import sys

from errors import usage_error

_DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "build",
                        "consumer-app", "stubs")


def stubs_dir():
    return os.path.normpath(os.environ.get("CONSUMER_APP_STUBS") or _DEFAULT)


def load(name):
    """Returns the modules (messages, services) of wallet/v1/<name>.proto.

    Raises a usage AppError saying what to install or build when gRPC or the
    generated code is missing.
    """
    try:
        import grpc  # noqa: F401  (the services' module needs it)
        import google.protobuf  # noqa: F401
    except ImportError as error:
        raise usage_error(
            f"{error}: the app needs Debian's python3-grpcio and python3-protobuf "
            f"(apt-get install python3-grpcio python3-protobuf), run with /usr/bin/python3")
    where = stubs_dir()
    if not os.path.isfile(os.path.join(where, "wallet", "v1", f"{name}_pb2.py")):
        raise usage_error(
            f"no generated stubs for wallet/v1/{name}.proto in {where}: build them with "
            f"`cmake --build build --target consumer_app_stubs`, or point $CONSUMER_APP_STUBS "
            f"at <build>/consumer-app/stubs")
    if where not in sys.path:
        sys.path.insert(0, where)
    messages = importlib.import_module(f"wallet.v1.{name}_pb2")
    services = importlib.import_module(f"wallet.v1.{name}_pb2_grpc")
    return messages, services
