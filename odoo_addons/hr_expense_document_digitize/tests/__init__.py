from . import (
    test_access,
    test_app_tour,
    test_cross_company,
    test_digitize_expense,
    test_mail_expense,
    test_memory,
    test_review,
    test_upload,
)
