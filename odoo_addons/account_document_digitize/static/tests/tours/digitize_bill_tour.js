/** @odoo-module **/
// Browser tours of the vendor bill flow, run by tests/test_tour.py (HttpCase, headless Chromium).
import { registry } from "@web/core/registry";

// On a draft bill with the document attached: click Digitize, see the bill queued.
registry.category("web_tour.tours").add("document_digitize_bill_queue", {
    steps: () => [
        {
            content: "The bill shows the Digitize button",
            trigger: ".o_form_view .o_form_statusbar button[name='action_digitize']",
            run: "click",
        },
        {
            content: "The bill is queued: banner and state",
            trigger: ".o_form_view .alert-info:contains('Queued')",
        },
        {
            content: "While it is queued the button is gone",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_digitize']))",
        },
    ],
});

// After the scheduled action: the list shows the badge, the bill is filled in.
registry.category("web_tour.tours").add("document_digitize_bill_done", {
    steps: () => [
        {
            content: "The bills list shows the digitization badge",
            trigger: ".o_list_view .o_data_row .badge:contains('Digitized'), .o_list_view .o_data_row .badge:contains('Needs review')",
        },
        {
            content: "Open the bill",
            trigger: ".o_list_view .o_data_row td.o_data_cell:contains('Netpresse')",
            run: "click",
        },
        {
            content: "How sure the vendor is, beside it (by its name, or by the bank account the first bill added)",
            trigger: ".o_form_view .o_field_widget[name='digitize_partner_confidence'] .badge:contains('Sure'), .o_form_view .o_field_widget[name='digitize_partner_confidence'] .badge:contains('Likely')",
        },
        {
            content: "The vendor's reference was read from the document",
            trigger: ".o_form_view .o_field_widget[name='ref'] input:value('2022089083'), .o_form_view .o_field_widget[name='ref']:contains('2022089083')",
        },
        {
            content: "The Digitization tab is there",
            trigger: ".o_form_view .o_notebook a:contains('Digitization')",
        },
    ],
});

// Upload a PDF with the vendor bills list's own Upload button: a draft bill per file, queued at once.
// The file's bytes come from an attachment the test prepared (a browser tour cannot open a file chooser).
async function uploadTourSource(fileName) {
    const response = await fetch("/web/dataset/call_kw/ir.attachment/search_read", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            jsonrpc: "2.0", method: "call", params: {
                model: "ir.attachment", method: "search_read",
                args: [[["name", "=", "digitize_tour_source.pdf"]], ["datas"]], kwargs: {},
            },
        }),
    });
    const { result } = await response.json();
    const bytes = Uint8Array.from(atob(result[0].datas), (c) => c.charCodeAt(0));
    const input = document.querySelector("input.document_file_uploader");
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], fileName, { type: "application/pdf" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("document_digitize_bill_upload", {
    steps: () => [
        {
            content: "Upload a bill from the vendor bills list",
            trigger: ".o_control_panel button:contains('Upload')",
            run: () => uploadTourSource("uploaded_bill.pdf"),
        },
        {
            content: "The new bill opens, already queued for digitization",
            trigger: ".o_form_view .alert-info:contains('Queued')",
        },
    ],
});
