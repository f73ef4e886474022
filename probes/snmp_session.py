"""SNMP operations on one agent within one deadline: GET and capped GETBULK table walks.

A walk reads several columns at once (ifTable, ifXTable and the vendor's tables in the same
requests), each until it leaves its subtree or reaches its row cap, and stops if the agent
makes no progress. SNMPv1 agents get GETNEXT and per-object GETs instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pysnmp.proto import rfc1902, rfc1905
from pysnmp.proto.api import v2c

from probes.base import Deadline, ProbeError, Reason
from probes.snmp_engine import SnmpAuth, SnmpClient, get_client, make_pdu

__all__ = ["SnmpSession", "plain"]

_BULK_VARBINDS = 48
_TOO_BIG = 1
_NO_SUCH_NAME = 2


class SnmpSession:
    """GET and bounded GETBULK walks against one agent, all within one deadline."""

    def __init__(
        self,
        address: tuple[str, int],
        auth: SnmpAuth,
        deadline: Deadline,
        *,
        try_timeout: float = 1.0,
        retries: int = 1,
        client: SnmpClient | None = None,
    ) -> None:
        self.address = address
        self.auth = auth
        self.deadline = deadline
        self.try_timeout = try_timeout
        self.retries = retries
        self.client = client or get_client()

    async def _exchange(self, pdu: Any) -> tuple[int, int, list[tuple[str, Any]]]:
        """(error-status, error-index, varbinds) of one request."""
        response = await self.client.request(
            self.address,
            self.auth,
            pdu,
            self.deadline,
            try_timeout=self.try_timeout,
            retries=self.retries,
        )
        status = int(v2c.apiPDU.get_error_status(response))
        index = int(v2c.apiPDU.get_error_index(response, muteErrors=True))
        varbinds = [(str(oid), value) for oid, value in v2c.apiPDU.get_varbinds(response)]
        return status, index, varbinds

    async def _request(self, pdu: Any) -> list[tuple[str, Any]]:
        status, index, varbinds = await self._exchange(pdu)
        if status:
            raise ProbeError(Reason.PROTOCOL, f"SNMP error-status {status} at varbind {index}")
        return varbinds

    async def get(self, oids: Sequence[str]) -> dict[str, Any]:
        """Values by OID; objects the agent does not have come back as None."""
        if self.auth.version == "1":
            return await self._get_v1(list(oids))
        varbinds = await self._request(make_pdu("get", oids))
        return {oid: plain(value) for oid, value in varbinds}

    async def _get_v1(self, oids: list[str]) -> dict[str, Any]:
        """SNMPv1 fails a whole GET on one missing object: fetch one by one instead."""
        values: dict[str, Any] = {}
        for oid in oids:
            try:
                values.update((o, plain(v)) for o, v in await self._request(make_pdu("get", [oid])))
            except ProbeError as exc:
                if exc.reason is not Reason.PROTOCOL:
                    raise
                values[oid] = None
        return values

    async def walk(self, limits: dict[str, int]) -> dict[str, dict[str, Any]]:
        """Rows of each column OID in `limits` (column -> max rows), index -> value."""
        rows: dict[str, dict[str, Any]] = {column: {} for column in limits}
        cursor = {column: column for column in limits}
        repetitions = max(limits.values())
        while cursor:
            columns = list(cursor)
            starts = [cursor[column] for column in columns]
            status, index, varbinds = await self._exchange(self._walk_pdu(starts, repetitions))
            if status == _NO_SUCH_NAME and 0 < index <= len(columns):
                cursor.pop(columns[index - 1])  # SNMPv1: this column ran off the end
                continue
            if status == _TOO_BIG and repetitions > 1:
                repetitions = min(repetitions, _BULK_VARBINDS // len(columns)) // 2
                continue
            if status:
                raise ProbeError(Reason.PROTOCOL, f"SNMP error-status {status} while walking")
            before = dict(cursor)
            for position, varbind in enumerate(varbinds):
                column = columns[position % len(columns)]
                if column in cursor:
                    _take(column, varbind, rows, cursor, limits[column])
            if cursor == before:
                break  # the agent made no progress: stop rather than loop
        return rows

    def _walk_pdu(self, starts: list[str], repetitions: int) -> Any:
        if self.auth.version == "1":
            return make_pdu("next", starts)
        per_column = max(1, min(repetitions, _BULK_VARBINDS // len(starts)))
        return make_pdu("bulk", starts, per_column)


def _take(
    column: str,
    varbind: tuple[str, Any],
    rows: dict[str, dict[str, Any]],
    cursor: dict[str, str],
    limit: int,
) -> None:
    """Record one walked varbind, or close the column when it left its subtree."""
    oid, value = varbind
    prefix = column + "."
    if (
        isinstance(value, rfc1905.EndOfMibView)
        or not oid.startswith(prefix)
        or _oid_key(oid) <= _oid_key(cursor[column])
    ):
        cursor.pop(column, None)
        return
    rows[column][oid[len(prefix) :]] = plain(value)
    cursor[column] = oid
    if len(rows[column]) >= limit:
        cursor.pop(column, None)


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split(".") if part)


_ABSENT = (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView, rfc1902.Null)
_INTEGERS = (
    rfc1902.Integer32,
    rfc1902.Counter32,
    rfc1902.Gauge32,
    rfc1902.Unsigned32,
    rfc1902.TimeTicks,
    rfc1902.Counter64,
)


def plain(value: Any) -> Any:
    """A pysnmp value as int, bytes or str; None for noSuchObject/Instance, endOfMibView."""
    if isinstance(value, _ABSENT):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(str(b) for b in value.asOctets())
    if isinstance(value, rfc1902.OctetString | rfc1902.Opaque):
        return bytes(value.asOctets())
    if isinstance(value, rfc1902.ObjectIdentifier):
        return ".".join(str(part) for part in value)
    return int(value) if isinstance(value, _INTEGERS) else str(value)
