from . import test_digitize_purchase
from . import test_mail_purchase
from . import test_cross_company
