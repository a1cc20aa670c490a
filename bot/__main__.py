import sys

from bot.cli import main

# Guarded so that a process that imports this module (multiprocessing's spawn does for its
# main module) does not start the command line again.
if __name__ == "__main__":
    sys.exit(main())
