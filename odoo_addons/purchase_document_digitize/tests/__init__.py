from . import (
    test_app_tour,
    test_confirm,
    test_cross_company,
    test_digitize_purchase,
    test_evidence_tour,
    test_layout_purchase,
    test_mail_purchase,
    test_placeholder,
    test_two_companies,
    test_upload_list,
)
