/** @odoo-module **/
// Browser tour of the Expenses settings, run by tests/test_app_tour.py (HttpCase, headless Chromium).
import { registry } from "@web/core/registry";

const BLOCK = ".o_settings_container:has(.o_setting_box:contains('Oldest receipt'))";

// The block "Receipt digitization" is drawn with its two settings in words; the oldest receipt's age is typed, saved
// and kept after the settings reload.
registry.category("web_tour.tours").add("hr_expense_document_digitize_settings", {
    steps: () => [
        {
            content: "The Expenses settings show the block under its title",
            trigger: BLOCK,
            run() {
                const title = [...document.querySelectorAll("h2")].find((h) => /Receipt digitization/.test(h.textContent));
                if (!title) {
                    throw new Error("no “Receipt digitization” title in the Expenses settings");
                }
                const block = [...document.querySelectorAll(".o_settings_container")].find((el) =>
                    el.innerText.includes("Oldest receipt"));
                for (const words of ["Default category", "Oldest receipt", "days"]) {
                    if (!block.innerText.includes(words)) {
                        throw new Error(`the block does not say “${words}”: ${block.innerText}`);
                    }
                }
                for (const name of ["document_digitize_expense_product_id", "document_digitize_expense_max_age"]) {
                    const input = block.querySelector(`.o_field_widget[name='${name}'] input`);
                    const rect = input?.getBoundingClientRect();
                    if (!rect?.width || !rect.height) {
                        throw new Error(`the setting ${name} has no visible input`);
                    }
                }
                if (!block.querySelector(".o_field_widget[name='document_digitize_expense_product_id'] input").value) {
                    throw new Error("the default category is not shown");
                }
            },
        },
        { content: "Find the setting", trigger: ".o_searchview_input", run: "edit Oldest receipt" },
        {
            content: "Type the oldest receipt's age",
            trigger: `${BLOCK} .o_field_widget[name='document_digitize_expense_max_age'] input`,
            run: "edit 45",
        },
        { content: "Save", trigger: ".o_form_button_save", run: "click" },
        {
            content: "Saved: the settings reload, the search is cleared",
            trigger: ".o_searchview_input:not(:value('Oldest'))",
        },
        {
            content: "The age is kept",
            trigger: ".o_field_widget[name='document_digitize_expense_max_age'] input:value('45')",
        },
    ],
});
