from . import test_digitize_purchase
