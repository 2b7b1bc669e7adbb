"""Children that die with their parent: `make run`'s processes do not outlive `lt_run`.

`lt_run` starts each child in a session of its own (so that Ctrl-C reaches `lt_run` alone)
and stops them itself. When `lt_run` is killed outright (SIGKILL, the OOM killer) nothing
stops them, and they ran on orphaned: the web server, the job cluster and its workers, the
sandbox and anvil. So `lt_run` holds the write end of a pipe that it never writes, and each
child watches the read end (named by LT_LIFELINE): the kernel closes the write end when `lt_run`
dies, however it dies, and the read returns end-of-file. The child then asks itself to stop
(SIGTERM, its usual orderly stop) and leaves a small process behind that kills the child's
whole process group (its workers, anvil) GRACE_SECONDS later, whatever the child does.

Standard library only: `manage.py`-started processes call `lifeline_watch` early.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading
import time
from collections.abc import MutableMapping

ENV = "LT_LIFELINE"  # "<fd>:<parent pid>"
GRACE_SECONDS = 5.0  # from the parent's death to the group's SIGKILL: all gone within 10 s

_pipe: tuple[int, int] | None = None


def lifeline_fd() -> int:
    """In the parent: the read end to hand each child (`pass_fds`, with `lifeline_env`).

    The write end stays open, unwritten, for as long as this process lives.
    """
    global _pipe
    if _pipe is None:
        _pipe = os.pipe()  # neither end is inherited unless passed on purpose
    return _pipe[0]


def lifeline_env() -> dict[str, str]:
    """In the parent: what a child's environment gets beside `pass_fds=(lifeline_fd(),)`."""
    return {ENV: f"{lifeline_fd()}:{os.getpid()}"}


def lifeline_watch(environ: MutableMapping[str, str] = os.environ) -> bool:
    """In a child: watch the lifeline named by the environment, if any (True when it does).

    Only a child of the process that named it watches: a command run with a copy of a
    child's environment (read from /proc, say) has no such pipe, or another file there.
    """
    named = environ.pop(ENV, "")  # not handed down: grandchildren have their own parent
    fd, _, parent = named.partition(":")
    if not (fd.isdigit() and parent.isdigit() and os.getppid() == int(parent)):
        return False
    try:
        if not stat.S_ISFIFO(os.fstat(int(fd)).st_mode):
            return False
    except OSError:
        return False
    os.set_inheritable(int(fd), False)
    threading.Thread(target=_watch, args=(int(fd),), name="lt-lifeline", daemon=True).start()
    return True


def _watch(fd: int) -> None:
    while os.read(fd, 1):
        pass  # nobody writes; only end-of-file ends the wait
    _undertaker(GRACE_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def _undertaker(grace: float) -> None:
    """Fork a process that SIGKILLs this process group after `grace` seconds, itself too."""
    if os.fork() != 0:
        return
    try:  # the child: one thread, nothing but a wait and a kill
        time.sleep(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(0)
