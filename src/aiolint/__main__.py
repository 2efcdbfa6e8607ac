from aiolint.cli import main

raise SystemExit(main())
