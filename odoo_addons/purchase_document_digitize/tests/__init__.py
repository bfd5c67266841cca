from . import test_cross_company, test_digitize_purchase, test_evidence_tour, test_mail_purchase
