/** @odoo-module **/
// Browser tours of correcting on the page (document_viewer.js, models/digitize_correct.py), run by
// tests/test_correct_tour.py (HttpCase, headless Chromium) on bills a replay sidecar digitized with the second reader:
// - a total misread as 43.73: focus the totals, click the printed "34,73" on page 2, the review lets it go;
// - a due date misread: focus the due date, pick the second reader's candidate 21 May 2014.
import { registry } from "@web/core/registry";

const VIEWER = ".o_form_view .o_digitize_viewer";

registry.category("web_tour.tours").add("document_digitize_correct_total", {
    steps: () => [
        {
            content: "The review says the document's total, as read, differs",
            trigger: ".o_form_view .o_digitize_review:contains('43.73')",
        },
        {
            content: "Both pages are drawn",
            trigger: `${VIEWER} .o_digitize_page[data-page='2'].o_digitize_page_rendered`,
        },
        {
            content: "Focus the totals",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']",
            run: "click",
        },
        {
            content: "The viewer offers to set the total from a word, Total chosen",
            trigger: `${VIEWER} .o_digitize_pick .o_digitize_total_choice.btn-primary[data-path='total']`,
        },
        {
            content: "Click the total printed on page 2",
            trigger: `${VIEWER} .o_digitize_page[data-page='2'] .o_digitize_word[data-text='34,73']`,
            run: "click",
        },
        {
            content: "Odoo says it was set from the page",
            trigger: ".o_notification:contains('set to 34.73 from the page')",
        },
        {
            content: "The chatter says who set it, from what was printed",
            trigger: ".o-mail-Message:contains('Set from the page'):contains('34,73')",
        },
        {
            content: "The misread total is no longer to check",
            trigger: ".o_form_view:not(:has(.o_digitize_review:contains('43.73')))",
        },
    ],
});

registry.category("web_tour.tours").add("document_digitize_pick_due_date", {
    steps: () => [
        {
            content: "Page 1 is drawn",
            trigger: `${VIEWER} .o_digitize_page[data-page='1'].o_digitize_page_rendered`,
        },
        {
            content: "Focus the due date",
            trigger: ".o_form_view .o_field_widget[name='invoice_date_due'] input",
            run: "click",
        },
        {
            content: "The second reader's candidates are offered, their places outlined on the page",
            trigger: `${VIEWER} .o_digitize_candidates .o_digitize_candidate_pick[data-value='2014-05-21']`,
        },
        {
            content: "Pick 21 May 2014",
            trigger: `${VIEWER} .o_digitize_candidates .o_digitize_candidate_pick[data-value='2014-05-21']`,
            run: "click",
        },
        {
            content: "Odoo says it was set from the page",
            trigger: ".o_notification:contains('from the page')",
        },
        {
            content: "The due date is 21 May 2014",
            trigger: ".o_form_view .o_field_widget[name='invoice_date_due'] input",
            run() {
                if (this.anchor.value !== "05/21/2014") {
                    throw new Error(`the due date shows ${this.anchor.value}, not 05/21/2014`);
                }
            },
        },
    ],
});
