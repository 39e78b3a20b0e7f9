from tracktion_sdk.cli import main

raise SystemExit(main())
