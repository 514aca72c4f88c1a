"""The file that keeps the sign-in token between commands, and the reading
of the other small files the app is given (keys, certificates).

The token is a bearer credential: the file is created readable by its owner
only (mode 0600), and narrowed to that if it existed, before the token is
written into it."""

import os

from errors import AppError, usage_error


def read_file(path, what):
    """Returns the bytes of `path`; a usage AppError naming `what` if it cannot be read."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise usage_error(f"cannot read the {what} {path}: {error.strerror}")


def read_token(path):
    """Returns the token stored in `path` by sign-in."""
    token = read_file(path, "token file").decode("ascii", "replace").strip()
    if not token:
        raise usage_error(f"the token file {path} is empty: sign in again")
    return token


def write_token(path, token):
    """Stores `token` in `path` with mode 0600."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(token + "\n")
    except OSError as error:
        raise AppError(f"cannot write the token file {path}: {error.strerror}")
