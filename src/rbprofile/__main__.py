import sys

from rbprofile.cli.app import main

sys.exit(main())
