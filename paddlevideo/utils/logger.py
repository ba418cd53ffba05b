"""One logger for the whole framework: console plus an optional plain-text file."""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional

_FORMAT = "[%(asctime)s] %(levelname)s: %(message)s"


def get_logger(name: str = "paddlevideo", log_file: Optional[str] = None,
               level: int = logging.INFO) -> logging.Logger:
    """Return the named logger; the first call adds a console handler.

    ``log_file`` makes the logger write (also) to that file, replacing the file of an earlier
    run in the same process.
    """
    logger = logging.getLogger(name)
    if not any(getattr(h, "_pv_console", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(_FORMAT, "%Y-%m-%d %H:%M:%S"))
        handler._pv_console = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    if log_file:
        path = os.path.abspath(log_file)
        for h in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
            if h.baseFilename != path:
                logger.removeHandler(h)
                h.close()
        if not any(getattr(h, "baseFilename", None) == path for h in logger.handlers):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fh = logging.FileHandler(path, encoding="utf-8")
            fh.setFormatter(logging.Formatter(_FORMAT, "%Y-%m-%d %H:%M:%S"))
            logger.addHandler(fh)
    return logger
