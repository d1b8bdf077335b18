"""Jupyter kernels forked from one warm process, for the build's own page execution.

Why: every executed page gets a fresh IPython kernel, and each kernel spends about a second
of CPU importing IPython, ipykernel, numpy, matplotlib and vgrad before it runs a cell.
That is paid eleven times per build. Here one process (the *zygote*) imports all of it
once, and every kernel is a ``fork`` of it: a real ``ipykernel`` with its own connection
file, process, cwd and environment, started from memory that already holds the modules.

How, in three processes per kernel:

* the **stub** is what Jupyter launches (the kernel spec's ``argv``): a stdlib-only Python
  that sends its argv, cwd and environment to the zygote over a Unix socket, forwards
  SIGINT/SIGTERM to the kernel, and exits with the kernel's exit status, so that
  ``jupyter_client`` sees an ordinary kernel process;
* the **zygote** accepts the request and forks a **waiter**, which forks the kernel, sends
  its pid to the stub, waits for it and sends its exit status;
* the **kernel** takes the stub's cwd and environment (and ``sys.path`` without the
  zygote's folder, as ``ipykernel_launcher`` drops its own) and runs ``IPKernelApp`` on the
  connection file. It exits if the stub goes away (Jupyter killed it): its socket ends.

The zygote sets ``MPLBACKEND`` to the inline backend before importing matplotlib, as
ipykernel does before a page imports it, so figures behave as in a fresh kernel.
Only ``preexecute`` uses this; myst-nb's own executions (a page that failed or changed)
use ordinary kernels. The tag ``plain_kernels`` (``sphinx-build -t plain_kernels``) uses
ordinary kernels throughout.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import sys

#: What the zygote imports before it forks: everything a page's first cell imports.
PRELOAD = (
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",  # not its backend: see serve()
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "vgrad",
    "vgrad.pages",
    "figures",  # this folder's: the figure hook the profile installs (sitebuild)
)
KERNEL_NAME = "vgrad-forked"


# --------------------------------------------------------------------------------------
# The stub (stdlib only: it runs with python -I -S)


def stub(address: str, argv: list[str]) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(address)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    conn.sendall(json.dumps(request).encode() + b"\n")
    replies = conn.makefile("rb")
    line = replies.readline()
    if not line:
        return 1
    pid = int(line)

    def forward(signum: int, frame: object) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    line = replies.readline()  # "exit N" when the kernel ends
    return int(line.split()[1]) if line.startswith(b"exit ") else 1


# --------------------------------------------------------------------------------------
# The zygote


def serve(address: str, ready_fd: int) -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in PRELOAD:
        importlib.import_module(name)
    # pyplot loads its backend at the first figure. matplotlib-inline hooks itself into the
    # IPython shell when it is imported, so it must first be imported in the kernel.
    if "matplotlib_inline.backend_inline" in sys.modules:
        raise RuntimeError("the zygote imported the inline backend before any kernel exists")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(16)
    # Reap each waiter (a waiter has reaped its kernel): the kernels' CPU time then adds up
    # to this process's children, and so to the build's, as ordinary kernels' does.
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, _stop)
    os.write(ready_fd, b"ready\n")
    os.close(ready_fd)
    parent = os.getppid()
    server.settimeout(1.0)
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if os.getppid() != parent:  # the build is gone (its own session spares us ^C)
                _stop(signal.SIGTERM, None)
            continue
        conn.settimeout(None)
        if os.fork() == 0:
            server.close()
            _waiter(conn)  # never returns
        conn.close()


def _stop(signum: int, frame: object) -> None:
    _reap(signum, frame)
    os._exit(0)


def _reap(signum: int, frame: object) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _waiter(conn: socket.socket) -> None:
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        request = json.loads(conn.makefile("rb").readline())
        pid = os.fork()
        if pid == 0:
            _kernel(conn, request)  # never returns
        conn.sendall(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
    finally:
        os._exit(0)


def _kernel(conn: socket.socket, request: dict) -> None:
    import random
    import threading

    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        del sys.path[0]  # this file's folder; ipykernel_launcher drops its own '' too
        sys.argv = [sys.argv[0], *request["argv"]]
        random.seed()  # not the zygote's state: each kernel draws its own, as a fresh one

        def watch() -> None:
            while conn.recv(64):
                pass
            os._exit(1)  # the stub is gone: Jupyter killed it

        threading.Thread(target=watch, daemon=True, name="stub-watch").start()
        from ipykernel.kernelapp import IPKernelApp

        try:
            # Traits that ipykernel reads from the environment when it is imported (that
            # was the zygote's): the parent the kernel polls, as for a fresh kernel.
            env = request["env"]
            IPKernelApp.launch_instance(
                argv=request["argv"],
                parent_handle=int(env.get("JPY_PARENT_PID") or 0),
                interrupt=int(env.get("JPY_INTERRUPT_EVENT") or 0),
            )
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# --------------------------------------------------------------------------------------
# The build's side


class Zygote:
    """A running zygote and the kernel spec that launches stubs for it."""

    def __init__(self, workdir: str) -> None:
        import subprocess

        self.workdir = workdir
        self.address = os.path.join(workdir, "zygote.sock")
        spec_dir = os.path.join(workdir, "kernels", KERNEL_NAME)
        os.makedirs(spec_dir)
        argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), "stub", self.address]
        spec = {
            "argv": [*argv, "-f", "{connection_file}"],
            "display_name": "Python 3 (forked)",
            "language": "python",
            "interrupt_mode": "signal",
        }
        with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
            json.dump(spec, f)
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "serve", self.address, str(write_fd)],
            pass_fds=(write_fd,),
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: close() ends every kernel too
        )
        os.close(write_fd)
        atexit.register(self.close)  # a build that stops without build-finished, too
        self._ready_fd = read_fd
        self._ready: bool | None = None
        self._manager: type | None = None  # the kernel manager class, made once

    def ready(self) -> bool:
        """Wait until the zygote has imported everything; False if it failed to start."""
        if self._ready is None:
            with os.fdopen(self._ready_fd, "rb") as f:
                self._ready = f.readline() == b"ready\n"
        return self._ready

    def client_options(self) -> dict:
        """Options for ``nbclient.NotebookClient`` that make it start a forked kernel (and,
        as it does with a kernel manager it creates, shut the kernel down at the end)."""
        if self._manager is None:
            from jupyter_client.kernelspec import KernelSpecManager
            from jupyter_client.manager import AsyncKernelManager  # what nbclient drives
            from traitlets import default

            spec_dirs = [os.path.join(self.workdir, "kernels")]

            class ForkedKernelManager(AsyncKernelManager):
                @default("kernel_spec_manager")
                def _spec_dirs(self) -> KernelSpecManager:
                    return KernelSpecManager(kernel_dirs=spec_dirs)

            self._manager = ForkedKernelManager
        return {"kernel_name": KERNEL_NAME, "kernel_manager_class": self._manager}

    def close(self) -> None:
        import shutil

        if self.process.returncode is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # a kernel left running ends too
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1] == "stub":
        sys.exit(stub(sys.argv[2], sys.argv[3:]))
    serve(sys.argv[2], int(sys.argv[3]))
