/** @odoo-module **/
// Browser tours of the "Upload" of the lists a document is uploaded from, run by the addons' tests (HttpCase,
// headless Chromium). On the lists of RFQs, purchase orders and quotations without Odoo's own Upload, the addons'
// button calls ``action_digitize_upload`` with the ids selected in the list (none or some) and the upload dialog
// opens either way; where Odoo has its own Upload (vendor bills, the Quotations menu's list) it is the only one.
import { registry } from "@web/core/registry";

const UPLOAD = ".o_control_panel button[name='action_digitize_upload']";

function uploadButtons() {
    return [...document.querySelectorAll(".o_control_panel button")].filter(
        (button) => button.textContent.trim() === "Upload"
    );
}

const oneUploadButton = {
    content: "One Upload button, not two",
    trigger: ".o_control_panel button:contains('Upload')",
    run: () => {
        const count = uploadButtons().length;
        if (count !== 1) {
            throw new Error(`${count} Upload buttons on the list`);
        }
    },
};

function dialogSteps() {
    return [
        {
            content: "The upload dialog opens (no error dialog)",
            trigger: ".modal:not(.o_inactive_modal) .modal-title:contains('Upload documents to digitize')",
        },
        {
            content: "It takes files",
            trigger: ".modal:not(.o_inactive_modal) .o_field_many2many_binary",
        },
        {
            content: "Close it",
            trigger: ".modal:not(.o_inactive_modal) .modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "Back on the list",
            trigger: "body:not(:has(.modal)) .o_list_view",
        },
    ];
}

// Nothing selected: the button sends an empty list of ids.
registry.category("web_tour.tours").add("document_digitize_list_upload", {
    steps: () => [
        oneUploadButton,
        { content: "Click Upload on the list", trigger: UPLOAD, run: "click" },
        ...dialogSteps(),
    ],
});

// A record selected: the button sends its id.
registry.category("web_tour.tours").add("document_digitize_list_upload_selected", {
    steps: () => [
        {
            content: "Select the first record (a real one, not sample data)",
            trigger: ".o_list_view:not(.o_view_sample_data) .o_data_row:first .o_list_record_selector input:enabled",
            run: "click",
        },
        {
            content: "It is selected",
            trigger: ".o_list_view .o_data_row.o_data_row_selected",
        },
        { content: "Click Upload with the record selected", trigger: UPLOAD, run: "click" },
        ...dialogSteps(),
    ],
});

// Odoo's own Upload (vendor bills, the Quotations menu's list) asks the browser for files. Headless Chromium cannot
// show a file chooser: the click on the file input is caught and noted instead.
registry.category("web_tour.tours").add("document_digitize_list_upload_file_chooser", {
    steps: () => [
        oneUploadButton,
        {
            content: "Click Odoo's Upload on the list",
            trigger: ".o_control_panel button:contains('Upload')",
            run: () => {
                const input = document.querySelector("input.document_file_uploader");
                input.addEventListener("click", (ev) => {
                    ev.preventDefault();
                    document.body.classList.add("o_digitize_tour_file_chooser");
                }, { once: true });
                uploadButtons()[0].click();
            },
        },
        {
            content: "The file chooser was asked for, no error dialog",
            trigger: "body.o_digitize_tour_file_chooser:not(:has(.modal))",
        },
    ],
});
