"""Where io_uring is blocked (a container runtime's default seccomp profile; here a real
seccomp filter, libseccomp's python3-seccomp, refuses io_uring_setup in the server's process
the way those profiles do) the server exits 1 and says what to do: the flag that lifts the
block in a container and the sysctl to check on a host, once, not once per worker."""

import errno
import os
import subprocess

import pytest

from conftest import DATA_ROOT, free_port, listeners_of, server_binary

seccomp = pytest.importorskip("seccomp")  # scripts/install-deps.sh installs python3-seccomp

HINT = "run it with --security-opt seccomp=unconfined"


def refuse_io_uring(code):
    def install():
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        f.add_rule(seccomp.ERRNO(code), "io_uring_setup")
        f.load()
    return install


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EPERM], ids=["ENOSYS", "EPERM"])
def test_blocked_io_uring_says_what_to_do(code):
    # Every listener on a free port (the port checks run before io_uring is set up: a fixed
    # port taken by anything else on the machine would end the server before the check).
    listen = [a for index, name, _ in listeners_of(server_binary()) if index > 0
              for a in ("--listen", f"{name}={free_port()}")]
    r = subprocess.run([str(server_binary()), "--port", str(free_port()), *listen, "--workers", "2",
                        "--data-root", str(DATA_ROOT)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15,
                       preexec_fn=refuse_io_uring(code))
    assert r.returncode == 1, r.stderr
    assert f"io_uring setup failed: {os.strerror(code)}" in r.stderr
    assert r.stderr.count(HINT) == 1, r.stderr
    assert "kernel.io_uring_disabled" in r.stderr
