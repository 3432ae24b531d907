"""`python -m conveyor_local`: what `make dev` runs."""

from conveyor_local.dev import main

raise SystemExit(main())
