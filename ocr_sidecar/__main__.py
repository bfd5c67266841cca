"""`python -m ocr_sidecar` = the `ocr-sidecar` command."""

from .cli import main

main()
