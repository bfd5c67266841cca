from . import (
    test_bench_overhead,
    test_cross_company,
    test_digitize_bill,
    test_evidence,
    test_evidence_tour,
    test_faults,
    test_layout_reuse,
    test_mail_ingestion,
    test_tls,
    test_tour,
    test_upload_list,
)
