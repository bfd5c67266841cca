/** @odoo-module **/
// Run by tests/test_two_companies.py as a user of each company: the draft that company's alias received shows
// that company's products only (they are named "… (A)" and "… (B)").
import { registry } from "@web/core/registry";

for (const [own, other] of [["A", "B"], ["B", "A"]]) {
    const lines = (field, names) => [
        ...names.map((name) => ({
            content: `The line on ${name} (${own}) is there`,
            trigger: `.o_form_view .o_field_widget[name='${field}'] .o_data_row:contains('${name} (${own})')`,
        })),
        {
            content: `No product of company ${other}`,
            trigger: `.o_form_view .o_field_widget[name='${field}']:not(:contains('(${other})'))`,
        },
    ];
    registry.category("web_tour.tours").add(`document_digitize_two_companies_order_${own}`, {
        steps: () => [
            { content: "The vendor read from the order", trigger: ".o_form_view .o_field_widget[name='partner_id']:has(input:value('SELLER_NAME')), .o_form_view .o_field_widget[name='partner_id']:contains('SELLER_NAME')" },
            ...lines("order_line", ["Widget", "Gadget", "Unlisted"]),
        ],
    });
    registry.category("web_tour.tours").add(`document_digitize_two_companies_bill_${own}`, {
        steps: () => [
            { content: "The vendor created from the bill", trigger: ".o_form_view .o_field_widget[name='partner_id']:has(input:value('e-Luscious Nederland B.V.')), .o_form_view .o_field_widget[name='partner_id']:contains('e-Luscious')" },
            ...lines("invoice_line_ids", ["Maintenance kit", "Flyer"]),
        ],
    });
}
