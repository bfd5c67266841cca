from . import test_digitize_sale
