"""A repeat vendor's order documents read from its learned layout: confirm a digitized request for quotation, and
the vendor's next quotation or order confirmation is read from the layout, without a model call
(document_digitize/tests/order_layout.py has the story and the test methods)."""

from odoo.addons.document_digitize.tests.common import DigitizeCase
from odoo.addons.document_digitize.tests.order_layout import OrderLayoutTests
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestPurchaseLayoutReuse(OrderLayoutTests, DigitizeCase):
    model, layout_target, reference_field = "purchase.order", "purchase_order", "partner_ref"
    confirm_method = "button_confirm"
    fallback_field, tax_use, party = "document_digitize_purchase_fallback_product_id", "purchase", "seller"
    user_groups, manager_groups = "purchase.group_purchase_user", "purchase.group_purchase_manager"
    other_app_groups = "sales_team.group_sale_manager"
    allow_inherited_tests_method = True  # the test methods are OrderLayoutTests' (Odoo 18 takes inherited ones only so)
