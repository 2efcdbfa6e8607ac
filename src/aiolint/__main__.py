from aiolint.frontends.cli import main

raise SystemExit(main())
