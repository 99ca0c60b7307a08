"""`python ui.py`: the chat UI (same as `rag serve`). Thin on purpose: see rag/webui.py."""

import sys

from rag.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
