"""The Sales settings in a real browser (Odoo tour, headless Chromium from Debian's ``chromium`` package): type
the address for customers' orders, save, and a mail sent to it becomes a queued quotation. Skipped (with a
notice) where no Chromium is installed."""

import shutil

from odoo.addons.document_digitize.tests.common import DOCS, deliver, set_alias_domain
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestAliasSettingsTour(HttpCase):
    def test_type_the_alias_in_settings_then_mail_an_order_to_it(self):
        if not (shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chromium-browser")):
            self.skipTest("no Chromium: `apt-get install chromium` to run the browser tour")
        set_alias_domain(self.env, "sales.digitize.example.com")
        self.env["ir.config_parameter"].sudo().set_param("document_digitize.auto_mail", "True")
        self.start_tour("/odoo/settings#sale_management", "document_digitize_sale_alias_settings", login="admin")
        alias = self.env.ref(f"sale_document_digitize.mail_alias_sale_documents_{self.env.company.id}")
        self.assertEqual(alias.display_name, "orders@sales.digitize.example.com")
        [order] = deliver(self.env, "sale.order", alias.display_name, DOCS / "img_heroltd_po_Form_2.jpg")
        self.assertEqual(order.digitize_state, "queued")
