# Official Odoo 18 image plus the Python packages the digitize addons import (gRPC client,
# VAT/IBAN validation, fuzzy matching). The addons themselves are mounted, not copied.
FROM odoo:18
USER root
RUN pip3 install --no-cache-dir --break-system-packages \
      "grpcio>=1.85,<2" "protobuf>=6.31" "python-stdnum>=1.19" "rapidfuzz>=3"
USER odoo
