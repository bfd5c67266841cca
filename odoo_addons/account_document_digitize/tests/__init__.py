from . import test_digitize_bill
