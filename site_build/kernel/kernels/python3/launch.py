"""Start the build's Python kernel in a fraction of a second: forked from a warm parent.

Every page runs in a kernel of its own, and a fresh Python spends ~2.5 s importing
TensorFlow and Keras before a page's first line runs. So the first kernel a build asks for
starts a server that imports them once (this file, ``--serve``); each kernel after that is
a fork of the server, which then starts ipykernel as a fresh kernel would. Jupyter sees
this launcher as the kernel's process: it hands the server its stdout and stderr, forwards
signals (interrupt, terminate) to the forked kernel, and exits with it. The server exits
after ``IDLE`` seconds without kernels (a minute: the next build of a session, or an edit
under `nox -s serve`, finds it warm, and it does not outlive the build by more), or when
terminated; either way it removes its socket, log and lock from the temporary folder. A
build starts it as it starts (``--warm``), while Sphinx loads.

Isolation: each page still runs in a process of its own, from a snapshot of the server
taken right after the imports, never after another page. What the imports read from the
environment (KERAS_BACKEND, TF_* and JAX_* variables) is fixed when the server starts, so those
variables, the Python, and the installed versions of what it imports key the server: a
change starts another. Where fork is unavailable, or the server cannot start, the launcher
runs ipykernel the ordinary way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import select
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

#: What the server imports before it forks: what every page imports, and what a kernel
#: imports as it starts (IPython's shell and completer, the inline backend for figures).
PRELOAD = (
    "numpy", "tensorflow", "keras", "tf_keras", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "jedi",
)  # fmt: skip
#: Versions that key the server: a different install imports something else.
PACKAGES = ("numpy", "tensorflow", "keras", "tf-keras", "matplotlib", "ipykernel")
IDLE = float(os.environ.get("WARM_KERNEL_IDLE_SECONDS", 60))


def _server_key() -> str:
    key = hashlib.sha256(Path(__file__).read_bytes())
    key.update(sys.executable.encode() + sys.prefix.encode())
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            key.update(f"{package}=={metadata.version(package)}".encode())
    for name, value in sorted(os.environ.items()):
        if name.startswith(("KERAS_", "TF_", "JAX_", "CUDA_", "XLA_", "MPL", "WARM_KERNEL_TAG")):
            key.update(f"{name}={value}".encode())
    return key.hexdigest()[:16]


def _address(key: str) -> Path:
    return Path(tempfile.gettempdir()) / f"warm-kernel-{os.getuid()}-{key}.sock"


# --- The server ------------------------------------------------------------------------


def _kernel(request: dict, fds: list[int], server_fds: list) -> None:
    """In the forked child: become the kernel a fresh `python -m ipykernel_launcher` would
    be, and never return into the server's loop."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, *STOP):  # the server's handlers are not the kernel's
            signal.signal(signum, signal.SIG_DFL)
        for server_fd in server_fds:  # the listener, the launcher's connection, the wake pipe
            os.close(server_fd if isinstance(server_fd, int) else server_fd.detach())
        for target, fd in zip((1, 2), fds, strict=True):  # the launcher's stdout and stderr
            os.dup2(fd, target)
            os.close(fd)
        os.nice(request["nice"])
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        server_streams = {"stdout": sys.stdout, "stderr": sys.stderr}
        app = IPKernelApp.instance()
        app.initialize(request["argv"])  # replaces sys.stdout and sys.stderr with the kernel's
        # Log handlers made while the server imported (TensorFlow's) write to the server's
        # streams; a fresh kernel's import would have given them the kernel's: so do we.
        for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
            for handler in getattr(logger, "handlers", []):
                for name, stream in server_streams.items():
                    if isinstance(handler, logging.StreamHandler) and handler.stream is stream:
                        handler.setStream(getattr(sys, name))
        app.start()
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


#: The signals that stop the server, as its idle time does: with its files removed.
STOP = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _stop(*_) -> None:
    raise SystemExit(0)


def serve(address: Path) -> None:
    # What a kernel sets before a page's first import reads it: matplotlib's backend, and the
    # interactive prompt, by which TensorFlow's logger chooses stdout and the INFO level.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    sys.ps1 = "In : "
    for module in PRELOAD:
        with contextlib.suppress(ImportError):  # what is not installed, the pages do not import
            __import__(module)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address) + ".new")
    listener.listen()
    os.replace(str(address) + ".new", address)  # clients connect only once it accepts
    for signum in STOP:
        signal.signal(signum, _stop)
    own = {address: address.stat().st_ino, Path(f"{address}.log"): os.fstat(sys.stderr.fileno()).st_ino}
    # Exited kernels wake the loop through this pipe (a single thread: forking stays safe).
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}  # kernel pid -> its launcher's connection
    idle_since = time.monotonic()
    try:
        while kernels or time.monotonic() - idle_since < IDLE:
            for key, _ in selector.select(timeout=5):
                if key.fileobj is listener:
                    connection, _ = listener.accept()
                    message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 2)
                    if not message:  # `--warm`: a build making sure the server runs
                        connection.close()
                        continue
                    request = json.loads(message)
                    pid = os.fork()
                    if pid == 0:
                        _kernel(request, fds, [listener, connection, wake_read, wake_write, *kernels.values()])
                    for fd in fds:
                        os.close(fd)
                    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                    kernels[pid] = connection
                    selector.register(connection, selectors.EVENT_READ, pid)
                elif key.fileobj == wake_read:
                    os.read(wake_read, 512)
                    while kernels:
                        pid, status = os.waitpid(-1, os.WNOHANG)
                        if pid == 0:
                            break
                        if pid in kernels:
                            connection = kernels.pop(pid)
                            selector.unregister(connection)
                            with contextlib.suppress(OSError):
                                connection.sendall(
                                    json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n"
                                )
                            connection.close()
                else:  # a launcher went away (killed): its kernel goes too
                    with contextlib.suppress(OSError):
                        os.kill(key.data, signal.SIGKILL)
                    selector.unregister(key.fileobj)
            if kernels:
                idle_since = time.monotonic()
    finally:
        _remove(address, own)


def _remove(address: Path, own: dict[Path, int]) -> None:
    """Remove the server's socket and log, where they are still its own (a server started
    since may have replaced them), and the launchers' lock, while holding it."""
    import fcntl

    with open(f"{address}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # no launcher is starting a server meanwhile
        for path, inode in own.items():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_ino == inode:
                    path.unlink()
        if not address.exists():  # no other server: its launchers' lock goes too
            Path(f"{address}.lock").unlink(missing_ok=True)


# --- The launcher ----------------------------------------------------------------------


def _connect(address: Path) -> socket.socket | None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(address))
        return client
    except OSError:
        client.close()
        return None


def _server(address: Path) -> socket.socket | None:
    """A connection to the warm server, started if none runs (one at a time: a lock)."""
    import fcntl  # POSIX, as fork is

    client = _connect(address)
    if client:
        return client
    with open(str(address) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = _connect(address)
        if client:
            return client
        with contextlib.suppress(FileNotFoundError):
            address.unlink()
        with open(str(address) + ".log", "w") as log:  # the server's own start-up lines
            server = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(address)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        while server.poll() is None:  # until it accepts, or fails to start
            client = _connect(address)
            if client:
                return client
            time.sleep(0.05)
    return None


def launch(argv: list[str]) -> int:
    # --nice=N (the build's, not ipykernel's): a lower priority, for all but the slowest page.
    nice = sum(int(arg.split("=", 1)[1]) for arg in argv if arg.startswith("--nice="))
    argv = [arg for arg in argv if not arg.startswith("--nice=")]
    client = _server(_address(_server_key())) if hasattr(os, "fork") else None
    if client is None:  # run ipykernel the ordinary way
        if hasattr(os, "nice"):
            os.nice(nice)
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "nice": nice}
    socket.send_fds(client, [json.dumps(request).encode()], [sys.stdout.fileno(), sys.stderr.fileno()])
    parent = os.getppid()
    lines = _lines(client, parent)
    pid = json.loads(next(lines))["pid"]

    def forward(signum: int, _) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    # Until the kernel exits; if whatever started this launcher dies first (a build killed),
    # the kernel goes too, as ipykernel itself would when its parent dies.
    exit_message = next(lines, None)
    if exit_message is None and os.getppid() != parent:
        forward(signal.SIGKILL, None)
    return json.loads(exit_message)["exit"] if exit_message else 1


def _lines(client: socket.socket, parent: int):
    """The server's messages, a line each, while this launcher's parent lives (checked every second)."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            if not select.select([client], [], [], 1)[0]:
                if os.getppid() != parent:
                    return
                continue
            chunk = client.recv(65536)
            if not chunk:
                if buffer:
                    yield buffer.decode()
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line.decode()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(Path(sys.argv[2]))
    elif sys.argv[1:] == ["--warm"] and hasattr(os, "fork"):  # start it now: the first kernel finds it warm
        _server(_address(_server_key()))
    else:
        sys.exit(launch(sys.argv[1:]))
