from . import test_digitize_bill
from . import test_mail_ingestion
from . import test_faults
from . import test_bench_overhead
from . import test_tour
from . import test_cross_company
from . import test_tls
