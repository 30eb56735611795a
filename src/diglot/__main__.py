from __future__ import annotations

from diglot.cli import main

raise SystemExit(main())
