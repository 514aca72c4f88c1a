"""The one error the app's commands raise, and its exit codes.

wallet_app.py prints the message on standard error, prefixed with the
program's name, and exits with the code:
    EXIT_FAILED  (1): the operation failed: a gRPC status from walletd, the
                      payment gateway refusing the checkout, an order that
                      was not paid in time;
    EXIT_USAGE   (2): the command line or the set-up is wrong (a bad amount,
                      no credentials, the stubs or python3-grpcio missing);
                      argparse's own usage errors use 2 as well.
"""

EXIT_FAILED = 1
EXIT_USAGE = 2


class AppError(Exception):
    """A failure to report to the user: `message` and the exit code."""

    def __init__(self, message, exit_code=EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code


def usage_error(message):
    return AppError(message, EXIT_USAGE)
