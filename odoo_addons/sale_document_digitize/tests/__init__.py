from . import test_cross_company, test_digitize_sale, test_evidence_tour, test_mail_sale, test_tour
