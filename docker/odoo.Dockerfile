# Official Odoo 18 image plus the Python packages the digitize addons import (gRPC client,
# VAT/IBAN validation, fuzzy matching). The addons themselves are mounted, not copied.
# The base is pinned to an exact dated tag of the official image (a rebuild gets the same Odoo).
FROM odoo:18.0-20260817
USER root
RUN pip3 install --no-cache-dir --break-system-packages \
      "grpcio>=1.85,<2" "protobuf>=6.31" "python-stdnum>=1.19" "rapidfuzz>=3"
USER odoo
