from . import account_edi_common
