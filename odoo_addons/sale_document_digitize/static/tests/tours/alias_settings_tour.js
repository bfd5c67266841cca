/** @odoo-module **/
// Browser tour of the Sales settings, run by tests/test_tour.py (HttpCase, headless Chromium).
import { registry } from "@web/core/registry";

// Type the address customers mail their orders to, save, see it kept after the settings reload.
registry.category("web_tour.tours").add("document_digitize_sale_alias_settings", {
    steps: () => [
        {
            content: "Find the digitization settings",
            trigger: ".o_searchview_input",
            run: "edit Orders by e-mail",
        },
        {
            content: "Type the alias name (the company's alias domain is shown beside it)",
            trigger: ".o_setting_box:contains('Orders by e-mail'):contains('@sales.digitize.example.com') div[name='document_digitize_sale_alias'] input",
            run: "edit orders",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the settings reload, the search is cleared",
            trigger: ".o_searchview_input:not(:value('Orders'))",
        },
        {
            content: "The alias is kept",
            trigger: "div[name='document_digitize_sale_alias'] input:value('orders')",
        },
    ],
});
