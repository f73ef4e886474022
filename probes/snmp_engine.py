"""The SNMP transport under `probes.snmp`: one pysnmp engine per event loop, shared by all probes.

pysnmp's high-level API registers an SNMP-TARGET-MIB entry in the engine for every
(address, timeout, retries) it talks to and never removes it: about 20 KB and 3-4 ms each,
gigabytes at 10^5 cameras. Requests here go straight to the engine's message dispatcher with
the address in hand, so the engine keeps one entry per community and per SNMPv3 user only.

Credentials are `Secret`s until the single place they are handed to pysnmp; nothing here logs
them or puts them in an exception message.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.error import PySnmpError
from pysnmp.proto import errind
from pysnmp.proto.api import v2c
from pysnmp.proto.error import StatusInformation
from pysnmp.proto.proxy import rfc2576
from pysnmp.smi.error import NoSuchInstanceError

from probes.base import Deadline, ProbeError, Reason, Secret

__all__ = [
    "AUTH_PROTOCOLS",
    "PRIV_PROTOCOLS",
    "SnmpAuth",
    "SnmpClient",
    "Varbind",
    "close_clients",
    "get_client",
]

Varbind = tuple[str, Any]

AUTH_PROTOCOLS: dict[str, Any] = {
    "NONE": config.USM_AUTH_NONE,
    "MD5": config.USM_AUTH_HMAC96_MD5,
    "SHA": config.USM_AUTH_HMAC96_SHA,
    "SHA1": config.USM_AUTH_HMAC96_SHA,
    "SHA224": config.USM_AUTH_HMAC128_SHA224,
    "SHA256": config.USM_AUTH_HMAC192_SHA256,
    "SHA384": config.USM_AUTH_HMAC256_SHA384,
    "SHA512": config.USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS: dict[str, Any] = {
    "NONE": config.USM_PRIV_NONE,
    "DES": config.USM_PRIV_CBC56_DES,
    "3DES": config.USM_PRIV_CBC168_3DES,
    "AES": config.USM_PRIV_CFB128_AES,
    "AES128": config.USM_PRIV_CFB128_AES,
    "AES192": config.USM_PRIV_CFB192_AES,
    "AES256": config.USM_PRIV_CFB256_AES,
    # Blumenthal key extension (RFC draft), what Cisco calls AES-192/256.
    "AES192C": config.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "AES256C": config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}

_AUTH_ERRORS = (
    errind.WrongDigest,
    errind.UnknownUserName,
    errind.UnknownSecurityName,
    errind.DecryptionError,
    errind.AuthenticationError,
    errind.AuthenticationFailure,
    errind.UnsupportedSecurityLevel,
    errind.UnknownCommunityName,
)
_DISCOVERY = (errind.UnknownEngineID, errind.NotInTimeWindow)
_DISCOVERY_ROUNDS = 3
_MIN_KEY_LENGTH = 8
_MP_MODELS = {"1": 0, "2c": 1, "3": 3}
_SECURITY_MODELS = {"1": 1, "2c": 2, "3": 3}


def protocol_key(name: str) -> str:
    """Normalise a protocol name from configuration: 'SHA-256' -> 'SHA256'."""
    return name.upper().replace("-", "").replace("_", "")


@dataclass(frozen=True)
class SnmpAuth:
    """How to authenticate: a v1/v2c community or an SNMPv3 USM user (keys stay `Secret`)."""

    version: str = "2c"
    community: Secret | None = None
    user: str = ""
    auth_protocol: str = "SHA"
    auth_key: Secret | None = None
    priv_protocol: str = "AES"
    priv_key: Secret | None = None
    context: str = ""

    @property
    def security_level(self) -> int:
        """1 noAuthNoPriv, 2 authNoPriv, 3 authPriv (v1/v2c are always 1)."""
        if self.version != "3" or not self.auth_key:
            return 1
        return 3 if self.priv_key else 2

    def material(self) -> tuple[str, ...]:
        """Everything the engine must hold for this user; compared, never shown."""
        return (
            self.user,
            protocol_key(self.auth_protocol),
            self.auth_key.reveal() if self.auth_key else "",
            protocol_key(self.priv_protocol),
            self.priv_key.reveal() if self.priv_key else "",
        )


@dataclass(frozen=True)
class _Request:
    """One request: where, as whom, what."""

    domain: tuple[int, ...]
    address: tuple[str, int]
    auth: SnmpAuth
    security_name: str
    pdu: Any


class _UserSlot:
    """One USM user name: requests with the same keys run together; new keys wait their turn.

    The engine's USM table is indexed by user name, and pysnmp clones the entry per remote
    engine on first contact, so a change of keys must not happen under a request in flight.
    """

    def __init__(self) -> None:
        self.material: tuple[str, ...] | None = None
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()


class SnmpClient:
    """Sends SNMP requests through one pysnmp engine bound to the running event loop."""

    def __init__(self) -> None:
        self.engine = SnmpEngine()
        self._transports: set[tuple[int, ...]] = set()
        self._communities: set[str] = set()
        self._users: dict[str, _UserSlot] = {}
        (self._admin_string,) = self.engine.get_mib_builder().import_symbols(
            "SNMP-FRAMEWORK-MIB", "SnmpAdminString"
        )

    def close(self) -> None:
        """Close the UDP sockets and stop the engine's timer."""
        self.engine.close_dispatcher()
        self._transports.clear()

    async def request(
        self,
        address: tuple[str, int],
        auth: SnmpAuth,
        pdu: Any,
        deadline: Deadline,
        *,
        try_timeout: float = 1.0,
        retries: int = 1,
    ) -> Any:
        """Send `pdu` and return the response PDU; raise `ProbeError` on failure.

        Each try waits `try_timeout` seconds at most; everything ends by `deadline`.
        """
        domain = self._transport_for(address[0])
        if auth.version != "3":
            name = self._community_name(auth)
            return await self._exchange(
                _Request(domain, address, auth, name, pdu), deadline, try_timeout, retries
            )
        slot = await self._acquire_user(auth, deadline)
        try:
            request = _Request(domain, address, auth, auth.user, pdu)
            return await self._exchange(request, deadline, try_timeout, retries)
        finally:
            self._release_user(slot)

    async def _exchange(
        self, request: _Request, deadline: Deadline, try_timeout: float, retries: int
    ) -> Any:
        attempts, discoveries = 0, 0
        while True:
            per_try = min(try_timeout, deadline.remaining())
            indication, response = await deadline.run(
                self._send_once(request, per_try), "SNMP request"
            )
            if indication is None:
                if request.auth.version == "1":
                    return rfc2576.v1_to_v2(response, request.pdu)
                return response
            if isinstance(indication, _DISCOVERY) and discoveries < _DISCOVERY_ROUNDS:
                discoveries += 1
                continue
            if isinstance(indication, errind.RequestTimedOut) and attempts < retries:
                attempts += 1
                continue
            raise _classify(indication, attempts + 1)

    def _send_once(self, request: _Request, seconds: float) -> asyncio.Future[tuple[Any, Any]]:
        future: asyncio.Future[tuple[Any, Any]] = asyncio.get_running_loop().create_future()
        version = request.auth.version
        pdu = rfc2576.v2_to_v1(request.pdu) if version == "1" else request.pdu
        try:
            self.engine.message_dispatcher.send_pdu(
                self.engine,
                request.domain,
                request.address,
                _MP_MODELS[version],
                _SECURITY_MODELS[version],
                self._admin_string(request.security_name),
                request.auth.security_level,
                None,
                self._admin_string(request.auth.context),
                0 if version == "1" else 1,
                pdu,
                True,
                seconds / self.engine.transport_dispatcher.get_timer_resolution(),
                _on_response,
                future,
            )
        except StatusInformation as exc:
            future.set_result((exc["errorIndication"], None))
        except PySnmpError as exc:
            future.set_exception(
                ProbeError(Reason.PROTOCOL, f"SNMP send failed: {type(exc).__name__}")
            )
        return future

    def _transport_for(self, host: str) -> tuple[int, ...]:
        v6 = ipaddress.ip_address(host).version == 6
        domain: tuple[int, ...] = udp6.DOMAIN_NAME if v6 else udp.DOMAIN_NAME
        if domain not in self._transports:
            carrier = udp6.Udp6AsyncioTransport() if v6 else udp.UdpAsyncioTransport()
            config.add_transport(self.engine, domain, carrier.open_client_mode())
            self._transports.add(domain)
        return domain

    def _community_name(self, auth: SnmpAuth) -> str:
        """The engine-side name of a community: a digest, so the community never shows."""
        community = auth.community.reveal() if auth.community else "public"
        name = "c" + hashlib.sha256(community.encode()).hexdigest()[:20]
        if name not in self._communities:
            config.add_v1_system(self.engine, name, community)
            self._communities.add(name)
        return name

    async def _acquire_user(self, auth: SnmpAuth, deadline: Deadline) -> _UserSlot:
        """Count a request in for its user; new keys wait until the user's requests drain."""
        slot = self._users.setdefault(auth.user, _UserSlot())
        material = auth.material()
        while slot.material != material:
            if slot.in_flight == 0:
                slot.material = None
                self._configure_user(auth)
                slot.material = material
                break
            await deadline.run(slot.idle.wait(), "SNMPv3 user busy with other keys")
        slot.in_flight += 1
        slot.idle.clear()
        return slot

    @staticmethod
    def _release_user(slot: _UserSlot) -> None:
        slot.in_flight -= 1
        if slot.in_flight == 0:
            slot.idle.set()

    def _configure_user(self, auth: SnmpAuth) -> None:
        """Give the user its keys in the local entry and in every per-engine clone."""
        auth_proto, priv_proto = _protocols(auth)
        for key in (auth.auth_key, auth.priv_key):
            if key is not None and len(key.reveal()) < _MIN_KEY_LENGTH:
                raise ProbeError(Reason.CONFIG, "SNMPv3 pass phrases need 8 characters or more")
        engine_ids: list[bytes | None] = list(_user_engine_ids(self.engine, auth.user)) or [None]
        for engine_id in engine_ids:
            try:
                config.add_v3_user(
                    self.engine,
                    auth.user,
                    auth_proto,
                    auth.auth_key.reveal() if auth.auth_key else None,
                    priv_proto,
                    auth.priv_key.reveal() if auth.priv_key else None,
                    securityEngineId=engine_id,
                )
            except Exception:  # pysnmp's message would quote the key: never pass it on
                raise ProbeError(Reason.CONFIG, "SNMPv3 user setup rejected the keys") from None


def _protocols(auth: SnmpAuth) -> tuple[Any, Any]:
    try:
        auth_proto = AUTH_PROTOCOLS[protocol_key(auth.auth_protocol)]
        priv_proto = PRIV_PROTOCOLS[protocol_key(auth.priv_protocol)]
    except KeyError as exc:
        raise ProbeError(Reason.CONFIG, f"unknown SNMPv3 protocol {exc.args[0]}") from None
    if auth.security_level == 1:
        return config.USM_AUTH_NONE, config.USM_PRIV_NONE
    if auth.security_level == 2:
        return auth_proto, config.USM_PRIV_NONE
    return auth_proto, priv_proto


def _on_response(*args: Any) -> None:
    """pysnmp's callback: (engine, mp model, ..., PDU, status information, handle, future)."""
    pdu, status, _, future = args[-4:]
    if future.done():
        return
    if status:
        future.set_result((status["errorIndication"], None))
    else:
        future.set_result((None, pdu))


def _user_engine_ids(engine: SnmpEngine, user: str) -> list[bytes]:
    """Engine ids under which the USM table holds `user`: ours and pysnmp's per-peer clones.

    Keys are changed by writing every entry again: deleting a cloned entry leaves a broken
    row behind in pysnmp 7.1 (its usmUserSecurityName turns into a schema object).
    """
    engine_id_column, name_column = engine.get_mib_builder().import_symbols(
        "SNMP-USER-BASED-SM-MIB", "usmUserEngineID", "usmUserName"
    )
    engine_ids = []
    node = engine_id_column
    while True:
        try:
            node = engine_id_column.getNextNode(node.name)
        except NoSuchInstanceError:
            break
        instance = node.name[len(engine_id_column.name) :]
        if str(name_column.getNode(name_column.name + instance).syntax) == user:
            engine_ids.append(bytes(node.syntax.asOctets()))
    return engine_ids


def _classify(indication: Any, tries: int) -> ProbeError:
    text = str(indication)
    if isinstance(indication, errind.RequestTimedOut):
        return ProbeError(Reason.TIMEOUT, f"no SNMP response after {tries} tries")
    if isinstance(indication, _AUTH_ERRORS):
        return ProbeError(Reason.AUTH, f"SNMP authentication failed: {text}")
    return ProbeError(Reason.PROTOCOL, f"SNMP error: {text}")


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SnmpClient] = (
    weakref.WeakKeyDictionary()
)


def get_client() -> SnmpClient:
    """The shared client of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = SnmpClient()
    return client


def close_clients() -> None:
    """Close the shared client of the running loop (runner shutdown, test teardown)."""
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        client.close()


def make_pdu(kind: str, oids: Sequence[str], max_repetitions: int = 10) -> Any:
    """A GET, GETNEXT or GETBULK request PDU for `oids`."""
    pdu = {"get": v2c.GetRequestPDU, "next": v2c.GetNextRequestPDU, "bulk": v2c.GetBulkRequestPDU}[
        kind
    ]()
    v2c.apiPDU.set_defaults(pdu)
    if kind == "bulk":
        v2c.apiBulkPDU.set_non_repeaters(pdu, 0)
        v2c.apiBulkPDU.set_max_repetitions(pdu, max_repetitions)
    v2c.apiPDU.set_varbinds(pdu, [(v2c.ObjectIdentifier(oid), v2c.null) for oid in oids])
    return pdu
