"""fit has glibc keep the memory a training step frees, once per process, and leaves malloc
alone where glibc is not the C library or the user set its thresholds."""

import os
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from aelearn import allocator
from aelearn.models import Autoencoder


class FakeMallopt:
    """Records its calls; answers as glibc's mallopt does (1 for done, 0 for refused)."""

    def __init__(self):
        self.calls, self.answer = [], 1

    def __call__(self, param, value):
        self.calls.append((param, value))
        return self.answer


class FakeLibc:
    def __init__(self):
        self.mallopt = FakeMallopt()


@pytest.fixture
def fresh(monkeypatch):
    """A process in which keep_freed_memory has not run yet, with glibc as its C library and
    no MALLOC_*_THRESHOLD_ set; yields the fake mallopt that records its calls."""
    libc = FakeLibc()
    monkeypatch.setattr(allocator, "_kept", None)
    monkeypatch.setattr(allocator, "_glibc", lambda: libc)
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    return libc.mallopt


def test_keep_freed_memory_sets_the_mmap_then_the_trim_threshold_once(fresh):
    assert allocator.keep_freed_memory() is True
    assert allocator.keep_freed_memory() is True
    assert fresh.calls == [(-3, 32 * 2**20), (-1, 2**30)]


def test_a_refused_mmap_threshold_leaves_the_trim_threshold_to_glibc(fresh):
    fresh.answer = 0
    assert allocator.keep_freed_memory() is False
    assert fresh.calls == [(-3, allocator.MMAP_THRESHOLD)]


def test_the_users_own_malloc_thresholds_are_left_alone(fresh, monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert allocator.keep_freed_memory() is False
    assert fresh.calls == []


def test_nothing_is_set_where_glibc_is_not_the_c_library(fresh, monkeypatch):
    monkeypatch.setattr(allocator, "_glibc", lambda: None)
    assert allocator.keep_freed_memory() is False
    assert fresh.calls == []


@pytest.mark.parametrize("system, libc", [("Linux", ("", "")), ("Darwin", ("", ""))])
def test_glibc_is_looked_for_only_on_linux_with_glibc(monkeypatch, system, libc):
    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "libc_ver", lambda: libc)
    assert allocator._glibc() is None


def test_fit_keeps_freed_memory(fresh):
    X = np.random.default_rng(0).uniform(size=(32, 16))
    Autoencoder((16, 4), rng=0).fit(X, epochs=1, verbose=False)
    assert fresh.calls == [(-3, allocator.MMAP_THRESHOLD), (-1, allocator.TRIM_THRESHOLD)]


# Allocates 8 arrays of 16 MB, frees them all (more than glibc's own trim threshold can
# reach, 2 x 16 MB), and counts the page faults of allocating them again.
REALLOCATE = """
import resource, sys
import numpy as np
from aelearn.allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()

def faults_of_eight_arrays():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(2**22, dtype=np.float32) for _ in range(8)]
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults_of_eight_arrays()
print(faults_of_eight_arrays())
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_memory_freed_by_one_step_is_reused_by_the_next_without_page_faults():
    def faults(mode):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
        env["NUMPY_MADVISE_HUGEPAGE"] = "0"  # 4 kB pages, so that the count is the same anywhere
        command = [sys.executable, "-c", textwrap.dedent(REALLOCATE), mode]
        return int(subprocess.run(command, capture_output=True, env=env, check=True).stdout)

    # 128 MB of fresh pages are 32,768 faults of 4 kB.
    assert faults("default") > 1000
    assert faults("keep") < 100
