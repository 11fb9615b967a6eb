"""Set-up shared by the whole test run, notebooks included.

Matplotlib builds its font cache on first import and says so on stderr, which
strict nbval would count as an unexpected output. Building it here, in the
pytest process, before any notebook kernel starts, keeps that message out.
"""

import matplotlib.font_manager  # noqa: F401
