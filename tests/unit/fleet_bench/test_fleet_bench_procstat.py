"""CPU time and memory from /proc, against real child processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bench.fleet.procstat import (
    Sampler,
    Watch,
    descendants,
    read_process,
    read_system,
    read_tree,
)

# allocates and touches 64 MiB, burns CPU for a while, starts a sleeping grandchild, waits
CHILD = """
import subprocess, sys, time
block = bytearray(64 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
end = time.process_time() + 0.4
while time.process_time() < end:
    pass
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
print("ready", flush=True)
time.sleep(30)
"""


@pytest.fixture
def child() -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    for pid in descendants(proc.pid):
        subprocess.run(["kill", str(pid)], check=False)
    proc.kill()
    proc.wait()


def test_process_cpu_and_memory(child: subprocess.Popen[str]) -> None:
    sample = read_process(child.pid)
    assert sample is not None
    assert sample.cpu_seconds >= 0.35
    assert sample.rss_bytes >= 64 * 2**20
    assert sample.hwm_bytes >= sample.rss_bytes


def test_tree_sums_the_live_descendants(child: subprocess.Popen[str]) -> None:
    kids = descendants(child.pid)
    assert len(kids) == 1
    tree, root, kid = read_tree(child.pid), read_process(child.pid), read_process(kids[0])
    assert tree is not None and root is not None and kid is not None
    assert tree.rss_bytes == pytest.approx(root.rss_bytes + kid.rss_bytes, rel=0.05)


def test_gone_process_reads_as_none(child: subprocess.Popen[str]) -> None:
    child.kill()
    child.wait()
    assert read_process(child.pid) is None


def test_sampler_and_system(child: subprocess.Popen[str]) -> None:
    sampler = Sampler([Watch("child", child.pid), Watch("tree", child.pid, tree=True)], 0.1)
    sampler.start()
    time.sleep(0.35)
    sampler.stop()
    assert len(sampler.times) >= 3
    assert all(s is not None for s in sampler.samples["child"])
    system = read_system()
    assert 0 < system.busy_seconds <= system.total_seconds
