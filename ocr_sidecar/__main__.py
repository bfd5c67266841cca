"""`python -m ocr_sidecar` = the `ocr-sidecar` command."""

from .cli import main

if __name__ == "__main__":
    main()
