"""How the multi-process test workers end."""

import os
import sys


def leave() -> None:
    """Exits a worker whose records are closed and whose process group is destroyed, without the
    interpreter's teardown: there gloo's threads can abort a rank (SIGABRT, "terminate called
    without an active exception") once its peers have exited, failing a test that passed."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
