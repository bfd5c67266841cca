"""Shared by the purchase and the sales tests: a repeat partner's order documents read from the layout learned
when a person confirmed the first one.

The documents are the Order-X samples (one piece of software, two profiles) with their XML taken out, so that
their printed text is read (an Order-X PDF is otherwise answered from its XML, no layout needed): the basic
profile is digitized by the model (the replay engine) and confirmed; the partner's next order is the same
software's next print (another number, date, price and totals) and its fuller profile. The replay engine
counts its calls: a document read from the layout is never sent to the model.
"""

import json
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import DOCS, printed_pdf

ORDER_BASIC = DOCS / "ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT.pdf"
ORDER_FULL = DOCS / "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT.pdf"
# The partner's next order from the same software: another number and date, line 3 at 27.50 instead of 25.00,
# and the totals that follow (lines 325.00, charges 21.00, allowances 31.00: 315.00 without VAT).
NEXT_ORDER = {1: {"PO123456789": "PO123457012", "31/03/2020": "28/04/2020", "310,00": "325,00",
                  "300,00": "315,00", "60,00": "63,00", "360,00": "378,00"},
              2: {"PO123456789": "PO123457012", "25,00": "27,50", "150,00": "165,00"}}


def gold(path):
    return json.loads(path.with_name(path.stem + ".gold.json").read_text())


def next_order_gold():
    """What a person reads on the next order (NEXT_ORDER applied to the basic profile's gold)."""
    document = gold(ORDER_BASIC)
    document.update(document_number="PO123457012", issue_date="2020-04-28", subtotal=315.0, total_tax=63.0,
                    total=378.0)
    document["lines"][2].update(unit_price=27.5, amount=165.0)
    return document


class OrderLayoutTests:
    """Test methods for an order model; the test class (also a ``DigitizeCase``) says which one."""

    model = layout_target = reference_field = confirm_method = fallback_field = tax_use = ""
    party = ""  # the gold's party that the order's partner is: "seller" (purchase) or "buyer" (sales)
    user_groups = manager_groups = other_app_groups = ""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        party = gold(ORDER_BASIC)[cls.party]
        cls.partner = cls.env["res.partner"].create({"name": party["name"], "vat": party["vat"], "is_company": True})
        cls.tax20 = cls.env["account.tax"].create({"name": f"VAT 20 % ({cls.tax_use})", "amount": 20.0,
                                                   "type_tax_use": cls.tax_use, "company_id": cls.env.company.id})
        cls.fallback = cls.env["product.product"].create({"name": "Unlisted item", "purchase_ok": True,
                                                          "sale_ok": True})
        cls.env.company[cls.fallback_field] = cls.fallback
        prefix = cls.layout_target.split("_")[0]
        cls.user = new_test_user(cls.env, f"layout_{prefix}_user", groups=cls.user_groups)
        cls.manager = new_test_user(cls.env, f"layout_{prefix}_manager", groups=cls.manager_groups)
        cls.other_app = new_test_user(cls.env, f"layout_{prefix}_other_app", groups=cls.other_app_groups)
        cls.first_pdf = printed_pdf(ORDER_BASIC)
        cls.sidecar.add(cls.first_pdf, gold(ORDER_BASIC))  # the model's answer for the first document

    # --- helpers -----------------------------------------------------------------------------------

    def digitize(self, content, user=None, company=None):
        """A draft order of ``user`` (in ``company``) with ``content`` attached, digitized through the queue."""
        user = user or self.user
        env = self.env(user=user)
        if company:
            env = env(context=dict(env.context, allowed_company_ids=company.ids))
        Orders = env[self.model]
        order = Orders.create({"partner_id": Orders._digitize_placeholder_partner().id})
        env["ir.attachment"].create({"name": "order.pdf", "raw": content, "res_model": self.model,
                                     "res_id": order.id})
        order.action_digitize()
        self.env[self.model]._digitize_process_queue(10, commit=False)
        self.assertIn(order.digitize_state, ("done", "needs_review"), order.digitize_error)
        return order

    def confirm(self, order):
        getattr(order, self.confirm_method)()
        self.assertIn(order.state, order._digitize_confirmed_states)

    def layouts(self, **domain):
        return self.env["document.digitize.layout"].search([(k, "=", v) for k, v in domain.items()])

    def chatter(self, order):
        return " ".join(order.message_ids.mapped(lambda m: m.body or ""))

    def learn_from_the_first_order(self):
        first = self.digitize(self.first_pdf)
        self.assertEqual(first.partner_id, self.partner)
        self.assertFalse(first.digitize_engine.startswith("layout"), "no layout yet: the model read it")
        self.confirm(first)
        [layout] = self.layouts(partner_id=self.partner.id)
        return first, layout

    # --- the tests -----------------------------------------------------------------------------------

    def test_confirming_a_digitized_order_learns_the_layout_and_the_next_order_needs_no_model(self):
        first, layout = self.learn_from_the_first_order()
        self.assertEqual((layout.target, layout.company_id, layout.learned_from),
                         (self.layout_target, self.env.company, first.display_name))
        for name in ("document_number", "issue_date", "subtotal", "total", "lines"):
            self.assertIn(name, layout.fields_learned)
        self.assertIn(f"Layout of {self.partner.name} learned", self.chatter(first))

        calls = self.sidecar.engine.calls
        order = self.digitize(printed_pdf(ORDER_BASIC, NEXT_ORDER))
        self.assertEqual(self.sidecar.engine.calls, calls, "read from the layout: the model was not asked")
        self.assertTrue(order.digitize_engine.startswith("layout"), order.digitize_engine)
        self.assertEqual(order.partner_id, self.partner, "identified by the VAT id the page prints")
        self.assertEqual(order[self.reference_field], "PO123457012", "the next order's own number")
        self.assertEqual(str(order.date_order.date()), "2020-04-28")
        products = order.order_line.filtered(lambda l: not l.display_type)
        qty = "product_qty" if self.model == "purchase.order" else "product_uom_qty"
        self.assertEqual(products[:3].mapped(qty), [6.0, 10.0, 6.0])
        self.assertEqual(products[2].price_unit, 27.5, "the new price, not the one learned from")
        self.assertIn("698325417", products[2].name, "the seller's code, read from its own row")
        self.assertEqual((order.amount_untaxed, order.amount_total), (315.0, 378.0),
                         "3 lines and the document-level allowance, at 20 %")
        self.assertEqual((layout.times_read, layout.stale), (1, False))

    def test_the_same_softwares_fuller_profile_is_read_with_the_layout(self):
        _first, layout = self.learn_from_the_first_order()
        calls = self.sidecar.engine.calls
        order = self.digitize(printed_pdf(ORDER_FULL))  # more rows per line, the blocks and totals further down
        self.assertEqual(self.sidecar.engine.calls, calls)
        self.assertTrue(order.digitize_engine.startswith("layout"), order.digitize_engine)
        self.assertEqual(order[self.reference_field], "PO123456789")
        self.assertEqual(order.amount_untaxed, 300.0)
        self.assertEqual(len(order.order_line.filtered(lambda l: not l.display_type)), 4, "3 lines + the allowance")
        self.assertEqual(layout.times_read, 1)

    def test_a_layout_learned_in_one_company_is_not_used_for_another_companys_orders(self):
        self.learn_from_the_first_order()
        company_b = self.env["res.company"].create({"name": f"Layout Company B ({self.layout_target})",
                                                    "currency_id": self.eur.id})
        user_b = new_test_user(self.env, f"layout_{self.layout_target}_b", groups=self.user_groups,
                               company_id=company_b.id, company_ids=[company_b.id])
        self.assertFalse(self.env["document.digitize.layout"].with_user(user_b).search([]), "layouts are per company")
        next_pdf = printed_pdf(ORDER_BASIC, NEXT_ORDER)
        self.sidecar.add(next_pdf, next_order_gold())
        calls = self.sidecar.engine.calls
        order = self.digitize(next_pdf, user=user_b, company=company_b)
        self.assertEqual(order.company_id, company_b)
        self.assertEqual(self.sidecar.engine.calls, calls + 1, "company B has no layout: the model read it")
        self.assertEqual(order.digitize_engine, "replay (gold files)")
        self.assertEqual(order[self.reference_field], "PO123457012")
        self.assertEqual(self.layouts(partner_id=self.partner.id).times_read, 0, "company A's layout unused")

    def test_users_read_their_apps_layouts_managers_edit_them_other_apps_see_none(self):
        _first, layout = self.learn_from_the_first_order()
        self.assertEqual(layout.with_user(self.user).fields_learned, layout.fields_learned)
        with self.assertRaises(AccessError):
            layout.with_user(self.user).write({"stale": True})
        layout.with_user(self.manager).write({"stale": True})
        self.assertTrue(layout.stale)
        Layouts = self.env["document.digitize.layout"]
        self.assertFalse(Layouts.with_user(self.other_app).search([("id", "=", layout.id)]),
                         "another app's users do not see this app's layouts")
        with self.assertRaises(AccessError):
            layout.with_user(self.other_app).read(["layout"])
        layout.with_user(self.manager).unlink()
        self.assertFalse(layout.exists())

    def test_another_apps_manager_who_uses_this_app_reads_but_cannot_edit_its_layouts(self):
        """Rules of a user's groups add up: with all-operation rules another app's manager who is also this app's
        user could edit or delete this app's layouts (their manager ACL, this app's user rule)."""
        _first, layout = self.learn_from_the_first_order()
        both = new_test_user(self.env, f"layout_{self.layout_target}_both",
                             groups=f"{self.other_app_groups},{self.user_groups}")
        self.assertEqual(layout.with_user(both).fields_learned, layout.fields_learned, "this app's user reads it")
        with self.assertRaises(AccessError):
            layout.with_user(both).write({"stale": True})
        with self.assertRaises(AccessError):
            layout.with_user(both).unlink()
        with self.assertRaises(AccessError):
            another = self.env["res.partner"].create({"name": "Another partner", "is_company": True})
            self.env["document.digitize.layout"].with_user(both).create({
                "partner_id": another.id, "target": self.layout_target, "layout": layout.layout})
        self.assertTrue(layout.exists() and not layout.stale)

    def test_an_order_that_was_not_digitized_teaches_nothing(self):
        Orders = self.env[self.model].with_user(self.user)
        order = Orders.create({"partner_id": self.partner.id, "order_line": [
            (0, 0, {"product_id": self.fallback.id, "name": "Typed by hand", "price_unit": 5.0})]})
        self.confirm(order)
        self.assertFalse(self.layouts(partner_id=self.partner.id))

    def test_a_layout_that_cannot_be_learned_never_stops_the_confirmation_and_the_chatter_says_so(self):
        first = self.digitize(self.first_pdf)
        Layouts = type(self.env["document.digitize.layout"])
        with patch.object(Layouts, "_learn", side_effect=ValueError("broken layout store")), \
                self.assertLogs("odoo.addons.document_digitize.models.digitize_layout", "ERROR"):
            self.confirm(first)
        self.assertFalse(self.layouts(partner_id=self.partner.id))
        self.assertIn(f"The layout of {self.partner.name} could not be learned", self.chatter(first))
