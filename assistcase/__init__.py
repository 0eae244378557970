"""AssistCase domain core: models, services, calculations, reports, import/export, CLI.

This package never imports Qt or the ``ui`` package (a test enforces it).
"""

__version__ = "0.1.0"
