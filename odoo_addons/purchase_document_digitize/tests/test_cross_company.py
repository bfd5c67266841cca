"""A purchase user of company B tries to have company A's order document read onto B's own RFQ: every path of
``document_digitize/tests/cross_company.py`` (a plain ``write`` over RPC, create/copy defaults, a queue entry with
another record's file, the chatter, the Upload dialog). An Order-X PDF is used: the button reads such a file at
once, without the queue.
"""

from odoo.addons.document_digitize.tests.cross_company import CrossCompanyCase, CrossCompanyTests
from odoo.tests import tagged

from .test_digitize_purchase import ORDER_X


@tagged("post_install", "-at_install")
class TestCrossCompanyPurchase(CrossCompanyTests, CrossCompanyCase):
    user_b_groups = "purchase.group_purchase_user"
    model = "purchase.order"

    document_a = ORDER_X

    @classmethod
    def record_a_values(cls):
        vendor = cls.env["res.partner"].create({"name": "SELLER_NAME", "vat": "FR32123456789", "is_company": True})
        cls.vendor_b = cls.env["res.partner"].create({"name": "B's vendor", "company_id": cls.company_b.id})
        return {"partner_id": vendor.id}

    def record_b_values(self):
        return {"partner_id": self.vendor_b.id}

    def assert_untouched(self, record):
        self.assertEqual((record.partner_id, record.partner_ref, record.order_line),
                         (self.vendor_b, False, self.env["purchase.order.line"]))
