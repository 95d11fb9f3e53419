"""One attempt of one delivery: a signed POST over httpx, within 10 s all told."""

import asyncio
from importlib.metadata import version

import httpx

from adapters.webhooks.signing import signed_headers
from adapters.webhooks.targets import AddressPolicy, RefusedAddress
from application.ports import Clock
from domain.webhooks import AttemptOutcome, ClaimedDelivery

TIMEOUT_SECONDS = 10.0
USER_AGENT = f"taskboard-webhooks/{version('taskboard')}"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class WebhookSender:
    """POSTs a delivery's payload to its URL, signed (adapters/webhooks/signing.py).

    The answer's status is all that is read: no body (a receiver could send gigabytes), no redirect
    followed (it could lead inside the network), no proxy from the environment. Where private
    addresses are refused, the host is resolved here, every address checked, and the request sent
    to the first one, the host name kept for the Host header, TLS's SNI and its certificate check:
    a name that resolves to a public address when checked and to a private one when connecting
    (DNS rebinding) gains nothing.
    """

    def __init__(
        self,
        clock: Clock,
        policy: AddressPolicy,
        *,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clock = clock
        self._policy = policy
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    async def send(self, delivery: ClaimedDelivery) -> AttemptOutcome:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._post(delivery)
        except TimeoutError:
            return AttemptOutcome(None, f"no answer within {self._timeout:g} s")
        except RefusedAddress as refusal:
            return AttemptOutcome(None, str(refusal))
        except (httpx.HTTPError, OSError) as error:
            return AttemptOutcome(None, f"{type(error).__name__}: {error}".rstrip(": "))

    async def _post(self, delivery: ClaimedDelivery) -> AttemptOutcome:
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            **signed_headers(delivery.secret, delivery.event_id, timestamp, delivery.payload),
        }
        url = httpx.URL(delivery.url)
        extensions: dict[str, str] = {}
        if not self._policy.allow_private:
            host = url.raw_host.decode("ascii")
            address = await self._policy.address_to_connect(host, url.port or _DEFAULT_PORTS[url.scheme])
            headers["Host"] = url.netloc.decode("ascii")
            if url.scheme == "https":
                extensions["sni_hostname"] = host
            url = url.copy_with(host=str(address))
        request = self._client.build_request(
            "POST", url, content=delivery.payload, headers=headers, extensions=extensions
        )
        response = await self._client.send(request, stream=True)
        await response.aclose()
        code = response.status_code
        return AttemptOutcome(
            code, None if 200 <= code < 300 else f"answered {code} {response.reason_phrase}"
        )

    async def aclose(self) -> None:
        await self._client.aclose()
