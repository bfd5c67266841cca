/** @odoo-module **/
// Browser tour of verified bills, run by tests/test_verified_tour.py (HttpCase, headless Chromium): on the vendor
// bills list, filter the verified ones, select them, Actions → "Confirm verified bills", see them posted.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("document_digitize_confirm_verified", {
    steps: () => [
        {
            content: "The list marks the verified bills",
            trigger: ".o_list_view .o_data_row .o_field_boolean_icon .fa-check-circle",
        },
        {
            content: "Open the search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter: Verified",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Verified')",
            run: "click",
        },
        {
            content: "Three verified bills listed, the unverified one gone",
            trigger: ".o_list_view:not(:has(.o_data_row:nth-child(4))) .o_data_row:nth-child(3)",
        },
        {
            content: "Select them all",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Confirm verified bills",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Confirm verified bills')",
            run: "click",
        },
        {
            content: "Odoo says the three were posted",
            trigger: ".o_notification:contains('Posted 3 verified bill(s)')",
        },
        {
            content: "The list shows them posted: no longer drafts, to be paid",
            trigger: ".o_list_view:not(:has(.o_data_row td[name='status_in_payment']:contains('Draft'))) .o_data_row td[name='status_in_payment']:contains('Not Paid')",
        },
    ],
});
