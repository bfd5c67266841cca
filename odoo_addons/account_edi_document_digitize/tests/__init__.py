from . import test_odoo_decoder_attachments
