"""Worker processes end with the build that started them.

A build killed with SIGKILL (or SIGTERM, or the OOM killer) cannot shut its process pool down; its spawned
extraction workers would stay behind, idle, each holding a loaded spaCy pipeline. Each worker therefore
watches its parent and exits as soon as the parent is gone (it is then re-parented, so ``getppid`` changes).
"""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Start a daemon thread that ends this process once ``parent`` (the pid of the process that started it,
    passed from there: the parent may already be gone when a slow worker gets here) is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="kg-parent-watch", daemon=True).start()


__all__ = ["exit_with_parent"]
