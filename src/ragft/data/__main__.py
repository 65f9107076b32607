"""``python -m ragft.data [FOLDER]``: validate the course data (or another data folder)."""

from .validation import main

raise SystemExit(main())
