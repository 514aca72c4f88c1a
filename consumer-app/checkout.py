"""The consumer's side of the payment gateway's checkout, at the simulator.

A real app hands the checkout (the gateway's order id and walletd's key id)
to the gateway's SDK, where the consumer pays. Against payment-gateway-sim
the payment is one unauthenticated call (README, "The consumer's checkout"):
    POST <sim>/sim/orders/{gateway_order_id}/pay {"outcome":"captured","method":"upi"}
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from errors import AppError

_TIMEOUT_SECONDS = 30


def pay(gateway_sim_url, gateway_order_id, ca_file=None, method="upi"):
    """Pays the order in full at the simulator; returns the payment id.

    For an https:// URL the server's certificate is checked against
    `ca_file` (the system's CAs when None). Raises AppError with the HTTP
    status and the gateway's answer when the payment is refused, or with the
    reason when the simulator cannot be reached.
    """
    url = (gateway_sim_url.rstrip("/") + "/sim/orders/" +
           urllib.parse.quote(gateway_order_id, safe="") + "/pay")
    body = json.dumps({"outcome": "captured", "method": method}).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS, context=context) as reply:
            answer = json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise AppError(f"checkout at the payment gateway: HTTP {error.code}: "
                       f"{error.read().decode('utf-8', 'replace').strip()}")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise AppError(f"checkout at the payment gateway {gateway_sim_url}: {reason}")
    except ValueError:
        raise AppError("checkout at the payment gateway: the answer is not JSON")
    payment_id = answer.get("payment_id") if isinstance(answer, dict) else None
    if not payment_id:
        raise AppError(f"checkout at the payment gateway: no payment id in {answer}")
    return payment_id
