"""Worker processes end with the build that started them.

A build killed with SIGKILL (or SIGTERM, or the OOM killer) cannot shut its process pool down; its spawned
extraction workers would stay behind, idle, each holding a loaded spaCy pipeline. Each worker therefore
watches its parent and exits as soon as the parent is gone (it is then re-parented, so ``getppid`` changes).
"""

from __future__ import annotations

import os
import threading
import time

from kg.config import Settings


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Start a daemon thread that ends this process once ``parent`` (the pid of the process that started it,
    passed from there: the parent may already be gone when a slow worker gets here) is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="kg-parent-watch", daemon=True).start()


def warm_up(settings: Settings, parent: int) -> None:
    """Initialiser of an extraction worker (any process pool): end with ``parent``, then load the spaCy pipeline
    once, before the first batch arrives. spaCy is imported here, in the worker, never in the module."""
    from kg.nlp import load_nlp
    from kg.seed import load_seed

    exit_with_parent(parent)
    load_nlp(settings, load_seed(settings))


__all__ = ["exit_with_parent", "warm_up"]
