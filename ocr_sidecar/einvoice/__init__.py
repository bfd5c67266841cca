"""E-invoice fast path, the pipeline's first stage: read the structured XML an electronic invoice or order
carries. No model.

Supported syntaxes (detected from the XML root, namespace prefixes do not matter):

- UN/CEFACT CII 2.x ``CrossIndustryInvoice``: Factur-X, ZUGFeRD 2.x, XRechnung (CII) → model ``einvoice/cii``;
- ZUGFeRD 1.0 ``CrossIndustryDocument`` (its own element names) → ``einvoice/zugferd1``;
- Order-X ``SCRDMCCBDACIOMessageStructure`` (order, change, response) → ``einvoice/order-x``;
- OASIS UBL 2.x ``Invoice``, ``CreditNote``, ``Order``, ``OrderResponse`` (incl. XRechnung / Peppol UBL)
  → ``einvoice/ubl``.

The profile, when the document states one, follows after a colon (``einvoice/cii:en16931``).

Inputs: a PDF carrying the XML as an attachment (found with the ``factur-x`` library's
``get_xml_from_pdf``; the PDF is never parsed by hand), or the XML itself uploaded as a file.
The bytes decide which, whatever ``mime_type`` claims (the contract: the bytes win).

The pipeline's first stage (``inputs.open_document``, in the sandbox) calls ``read_einvoice``; it is the
only reader of the XML. ``try_extract(content, mime_type)`` is the reader itself:

- ``None``: no e-invoice here (a plain PDF, an image, an XML that is no known e-invoice) — use the model.
- ``BrokenEInvoice`` (a subclass of ``errors.InvalidDocument``, so an uncaught one still maps to
  INVALID_ARGUMENT with a readable message): an XML upload that is not well-formed, declares a DTD
  or entities (refused: e-invoices never need them, XML bombs do), or a PDF whose standard e-invoice
  attachment (factur-x.xml, zugferd-invoice.xml, xrechnung.xml, order-x.xml) is unreadable.
  ``read_einvoice`` turns it into a serious warning for a PDF (read from its pages instead) and lets it
  propagate for a bare XML upload (nothing else to read).
- ``EngineResult``: ``engine="einvoice"``, confidence 1.0 for every field path present, warnings for
  values the XML states but the canonical schema cannot hold (cut text, too many lines), and as evidence
  the XML element of each value.

A server that reads e-invoices only (``--engine einvoice``) runs this stage for every document; its engine,
``engines/einvoice.py``, reads nothing itself: it refuses what the stage found no e-invoice in.

Mapping choices (generic; the corpus README explains the gold they were checked against):
subtotal = tax basis total (so header allowances/charges make it differ from the line sum);
unit_price = net price per one unit (price / BasisQuantity); discount_percent = the line's own
allowances as a percentage of quantity × net price (what Odoo's discount field means); unit = the
UN/ECE Rec. 20 code as written (the Odoo side maps codes to units of measure); product_code = the
seller's item id; party email/phone = the contact's, else the party's electronic address; seller
IBAN = the payee's account, buyer IBAN = the direct-debit account; due date = the latest payment
term date (an early-payment discount date comes first). A document whose totals are negative is a
credit note: type ``credit_note`` and every amount positive, as the canonical schema wants.

Files: ``reader`` (find, parse hardened, classify; the entry point), ``cii`` and ``ubl`` (the two mappers),
``values`` (what both mappers share), ``finish`` (signs, line prices, schema bounds), ``xmltree`` (element
helpers), ``evidence`` (the XML element of each value). Sniffing and the PDF's attachments are
``ocr_sidecar.formats``'s.
"""

from .reader import ENGINE_NAME, STANDARD_ATTACHMENT_NAMES, BrokenEInvoice, read_einvoice, try_extract

__all__ = ["ENGINE_NAME", "STANDARD_ATTACHMENT_NAMES", "BrokenEInvoice", "read_einvoice", "try_extract"]
