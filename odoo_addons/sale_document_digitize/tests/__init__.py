from . import test_digitize_sale
from . import test_mail_sale
from . import test_tour
from . import test_cross_company
