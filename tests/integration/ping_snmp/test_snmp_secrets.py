"""Communities and SNMPv3 keys never show in logs, error messages or measurements."""

from __future__ import annotations

import logging

import pytest

from probes.base import Credentials, Deadline, ProbeError, Secret, Target
from probes.snmp import probe
from tests.integration.ping_snmp.conftest import SNMPD_COMMUNITY, SNMPD_USERS
from vmon.sim.snmp.snmpd import SnmpdAgent

SECRETS = ("Comm-Secret-7781", "Auth-Secret-5512", "Priv-Secret-9043", "tiny")


def _targets(agent: SnmpdAgent) -> list[Target]:
    host, port = agent.address
    user = SNMPD_USERS[0]
    community, auth, priv, short = (Secret(s) for s in SECRETS)

    def v3(name: str, auth_key: Secret, priv_key: Secret, **extra: object) -> Target:
        options = {"snmp_version": "3", "snmp_priv_key": priv_key, "snmp_timeout": 0.3}
        return Target(host, port, Credentials(name, auth_key), {**options, **extra})

    return [
        Target(host, port, options={"snmp_community": community, "snmp_timeout": 0.3}),
        v3(user.name, auth, Secret(user.priv_key)),  # wrong auth key
        v3(user.name, Secret(user.auth_key), priv, snmp_retries=0),  # wrong priv key
        v3("intruder", auth, priv),  # unknown user
        v3(user.name, short, priv),  # too short for pysnmp
        v3(user.name, auth, priv, snmp_auth_protocol="SHA-999"),  # unknown protocol
    ]


async def test_secrets_stay_out_of_logs_and_errors(
    snmpd: SnmpdAgent, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors = []
    for target in _targets(snmpd):
        with pytest.raises(ProbeError) as caught:
            await probe(target, Deadline(1.0))
        errors.append(caught.value)
    assert {e.reason.value for e in errors} == {"timeout", "auth", "config"}
    shown = caplog.text + "".join(f"{e}{e!r}{e.message}{e.args}" for e in errors)
    for secret in SECRETS:
        assert secret not in shown


async def test_secrets_stay_out_of_measurements(
    snmpd: SnmpdAgent, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = SNMPD_USERS[0]
    host, port = snmpd.address
    target = Target(
        host,
        port,
        Credentials(user.name, Secret(user.auth_key)),
        {"snmp_version": "3", "snmp_priv_key": Secret(user.priv_key)},
    )
    result = await probe(target, Deadline(3))
    v2c = await probe(
        Target(host, port, options={"snmp_community": Secret(SNMPD_COMMUNITY)}), Deadline(3)
    )
    shown = repr(result) + repr(v2c) + caplog.text + repr(target)
    for secret in (user.auth_key, user.priv_key, SNMPD_COMMUNITY):
        assert secret not in shown
