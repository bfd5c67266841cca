"""A repeat customer's purchase orders read from its learned layout: confirm a quotation digitized from the
customer's purchase order, and the customer's next purchase order is read from the layout, without a model call
(document_digitize/tests/order_layout.py has the story and the test methods)."""

from odoo.addons.document_digitize.tests.common import DigitizeCase
from odoo.addons.document_digitize.tests.order_layout import OrderLayoutTests
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestSaleLayoutReuse(OrderLayoutTests, DigitizeCase):
    model, layout_target, reference_field = "sale.order", "sale_order", "client_order_ref"
    confirm_method = "action_confirm"
    fallback_field, tax_use, party = "document_digitize_sale_fallback_product_id", "sale", "buyer"
    user_groups, manager_groups = "sales_team.group_sale_salesman", "sales_team.group_sale_manager"
    other_app_groups = "purchase.group_purchase_manager"
    allow_inherited_tests_method = True  # the test methods are OrderLayoutTests' (Odoo 18 takes inherited ones only so)
