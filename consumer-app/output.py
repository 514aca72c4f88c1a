"""What the app prints: label/value lines, times, enum names.

Example:
    print_fields([("meter", "BSP-0002"), ("balance", "Rs 1,234.50")])
    # meter    BSP-0002
    # balance  Rs 1,234.50
"""


def print_fields(fields):
    """Prints (label, value) pairs as aligned lines; pairs whose value is None are left out."""
    shown = [(label, value) for label, value in fields if value is not None]
    width = max(len(label) for label, _ in shown)
    for label, value in shown:
        print(f"{label.ljust(width)}  {value}")


def format_time(timestamp):
    """A google.protobuf.Timestamp as "2026-12-05 04:50:01 UTC"; None when unset."""
    if timestamp.seconds == 0 and timestamp.nanos == 0:
        return None
    return timestamp.ToDatetime().strftime("%Y-%m-%d %H:%M:%S UTC")


def enum_text(enum_type, value, prefix=""):
    """An enum value as lower-case words: ORDER_PAID -> "paid" (with prefix "ORDER_")."""
    name = enum_type.Name(value) if value in enum_type.values() else str(value)
    if prefix and name.startswith(prefix):
        name = name[len(prefix):]
    return name.lower().replace("_", " ")
