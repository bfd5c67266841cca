from . import (
    test_app_tour,
    test_confirm,
    test_cross_company,
    test_digitize_sale,
    test_evidence_tour,
    test_layout_sale,
    test_mail_sale,
    test_tour,
    test_upload_list,
)
