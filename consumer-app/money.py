"""Money as the wallet keeps it: integer paise, shown as rupees.

No floating point anywhere: 0.1 + 0.2 rupees must not become 0.30000000000000004.

Example:
    parse_rupees("350.5")    # 35050
    format_rupees(123456789)  # "Rs 12,34,567.89"
"""

import re

_RUPEES = re.compile(r"^([0-9]{1,16})(?:\.([0-9]{1,2}))?$")


def parse_rupees(text):
    """Returns the paise in `text` ("350", "350.5", "350.50").

    Raises ValueError for anything else: a sign, more than two decimals,
    separators, or a figure too large for the wallet's int64 paise.
    """
    match = _RUPEES.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an amount in rupees (e.g. 350 or 350.50)")
    whole, fraction = match.group(1), match.group(2) or ""
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def format_rupees(paise):
    """Renders paise with Indian digit grouping: "Rs 1,23,456.78", "-Rs 5.00".

    The same text as walletctl's (wallet/money.h FormatRupees).
    """
    sign = "-" if paise < 0 else ""
    whole, rest = divmod(abs(paise), 100)
    digits = str(whole)
    # Indian grouping: the last three digits, then groups of two.
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    grouped = ",".join(groups + [tail])
    return f"{sign}Rs {grouped}.{rest:02d}"


def format_delta(paise):
    """Renders a change of a balance with its sign: "+Rs 250.00", "-Rs 12.40"."""
    return format_rupees(paise) if paise < 0 else "+" + format_rupees(paise)
