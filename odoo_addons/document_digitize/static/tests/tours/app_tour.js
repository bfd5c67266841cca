/** @odoo-module **/
// A clerk's whole day in one app (issue #36), run by each app's tests/test_app_tour.py from an empty database:
// upload a PDF, a scan and a photo from the app's list (Odoo's own Upload where the list has it, else the addon's
// Upload dialog), let the scheduled action read them, then open each result, look at it at 1366 and 1920 px (one
// document, no field cut, no raw path on screen), follow every link of the review banner (each brings its field
// or line into focus), fill in what is still empty and confirm it: no error anywhere.
import { registry } from "@web/core/registry";
import { assertNoClippedField, assertWords, describe, isShown } from "@document_digitize/../tests/tours/clerk_tour";

const FORM = ".o_form_view";
const MIME = { pdf: "application/pdf", jpg: "image/jpeg", png: "image/png", xml: "application/xml" };
export const SOURCE_PREFIX = "digitize_app_tour_source_"; // the files the test prepared as attachments

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The files the test prepared (a browser tour cannot open a file chooser), as the browser would hand them over. */
async function preparedFiles() {
    const response = await fetch("/web/dataset/call_kw/ir.attachment/search_read", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            jsonrpc: "2.0",
            method: "call",
            params: {
                model: "ir.attachment",
                method: "search_read",
                args: [[["name", "=like", `${SOURCE_PREFIX}%`]], ["name", "datas"]],
                kwargs: { order: "name" },
            },
        }),
    });
    const { result } = await response.json();
    if (!result?.length) {
        throw new Error("the test prepared no files to upload");
    }
    return result.map(({ name, datas }) => {
        const bytes = Uint8Array.from(atob(datas), (c) => c.charCodeAt(0));
        const fileName = name.slice(SOURCE_PREFIX.length);
        return new File([bytes], fileName, { type: MIME[fileName.split(".").pop().toLowerCase()] });
    });
}

async function dropFiles(input) {
    const transfer = new DataTransfer();
    for (const file of await preparedFiles()) {
        transfer.items.add(file);
    }
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

function noErrorDialog() {
    const error = document.querySelector(".o_error_dialog, .o_dialog .modal-title");
    if (error && /error|oops/i.test(error.textContent)) {
        throw new Error(`an error dialog: ${error.closest(".modal")?.innerText.slice(0, 400)}`);
    }
}

async function rpc(model, method, args) {
    const response = await fetch(`/web/dataset/call_kw/${model}/${method}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { model, method, args, kwargs: {} } }),
    });
    return (await response.json()).result;
}

/** Waits until the server holds ``count`` records of ``model`` queued or read (the uploads are done), no error. */
const uploadedList = (model, count) => ({
    content: `The ${count} uploaded documents are drafts, queued; no error`,
    trigger: ".o_list_view",
    async run() {
        for (let wait = 0; wait < 300; wait++) {
            noErrorDialog();
            if ((await rpc(model, "search_count", [[["digitize_state", "!=", false]]])) >= count) {
                return;
            }
            await delay(100);
        }
        throw new Error(`after 30 s, fewer than ${count} digitized ${model} records`);
    },
});

/** Odoo's own Upload (bills, quotations, expenses: ``input``, its hidden file input): one draft per file. */
export function uploadWithOdoo(model, count, input = "input.document_file_uploader") {
    return [
        {
            content: "Upload the files with the list's Upload",
            trigger: ".o_control_panel button:contains('Upload')",
            run: () => dropFiles(document.querySelector(input)),
        },
        uploadedList(model, count),
    ];
}

/** The addon's Upload dialog (RFQs and purchase orders): files added, then "Upload and digitize". */
export function uploadWithDialog(model, count) {
    const modal = ".modal:not(.o_inactive_modal)";
    return [
        { content: "Click Upload on the list", trigger: ".o_control_panel button[name='action_digitize_upload']", run: "click" },
        {
            content: "Add the files in the dialog (its file input is hidden behind the button)",
            trigger: `${modal} .o_field_many2many_binary`,
            run: () => dropFiles(document.querySelector(`${modal} .o_field_many2many_binary input[type='file']`)),
        },
        {
            content: `The ${count} files are uploaded`,
            trigger: `${modal} .o_field_many2many_binary .o_attachment:nth-child(${count})`,
        },
        { content: "Upload and digitize", trigger: `${modal} button[name='action_upload']`, run: "click" },
        uploadedList(model, count),
    ];
}

/** Throws unless at most one document is shown beside the form (the viewer or Odoo's preview, never both) and the
 * viewer, when there, has drawn its pages. */
function assertOneDocument() {
    const viewers = [...document.querySelectorAll(`${FORM} .o_digitize_viewer`)].filter(isShown);
    const odoo = [...document.querySelectorAll(`${FORM} .o_attachment_preview iframe, ${FORM} .o-mail-Attachment`)]
        .filter(isShown);
    if (viewers.length + (odoo.length ? 1 : 0) > 1) {
        throw new Error(`${viewers.length} viewers and ${odoo.length} Odoo previews show the document`);
    }
    if (viewers.length && !viewers[0].querySelector(".o_digitize_page_rendered")) {
        throw new Error("the viewer shows no page");
    }
}

function assertScreenInWords() {
    assertWords("the form", document.querySelector(`${FORM} .o_form_sheet_bg`).innerText);
    for (const viewer of [...document.querySelectorAll(`${FORM} .o_digitize_viewer`)].filter(isShown)) {
        assertWords("the document viewer", viewer.innerText);
        assertWords("the viewer's tooltips", [...viewer.querySelectorAll("[title]")].map((el) => el.title).join("\n"));
    }
}

/** ``field``: a field every record of the app shows (its partner; an expense's total). */
const lookSteps = (field = "partner_id") => [
    {
        content: "The digitized record is open",
        trigger: `${FORM} .o_form_sheet .o_field_widget[name='${field}']`,
    },
    {
        content: "Its document is drawn (when the viewer shows it)",
        trigger: `${FORM}:not(:has(.o_digitize_viewer)), ${FORM} .o_digitize_viewer .o_digitize_page_rendered`,
    },
    {
        content: "One document, no field cut, nothing raw on screen, no error",
        trigger: `${FORM} .o_form_sheet .o_field_widget`,
        run() {
            noErrorDialog();
            assertOneDocument();
            assertNoClippedField();
            assertScreenInWords();
        },
    },
];

/** Looking only (the first width): the record stays as it is. */
export function lookAtRecordSteps(field = "partner_id") {
    return lookSteps(field);
}

async function followEveryBannerLink() {
    const links = [...document.querySelectorAll(`${FORM} .alert-warning a.o_digitize_review_link`)];
    for (const [index, link] of links.entries()) {
        const href = link.getAttribute("href");
        // the banner may be drawn again after a click: take the link anew by its address
        const current = [...document.querySelectorAll(`${FORM} .alert-warning a.o_digitize_review_link`)].find(
            (a) => a.getAttribute("href") === href
        );
        current.click();
        let flashed = null;
        for (let wait = 0; wait < 30 && !flashed; wait++) {
            await delay(100);
            flashed = document.querySelector(`${FORM} .o_digitize_flash`);
        }
        if (!flashed) {
            throw new Error(`link ${index + 1} of the banner (“${link.textContent.trim()}”) showed nothing`);
        }
        const focusable = flashed.querySelector("input, textarea, select") || flashed.matches(".o_data_row");
        if (focusable && !flashed.contains(document.activeElement)) {
            throw new Error(`link “${link.textContent.trim()}” left the focus on ${describe(document.activeElement)}`);
        }
        noErrorDialog();
        await delay(200); // the flash fades; the next link's must be its own
        document.querySelectorAll(`${FORM} .o_digitize_flash`).forEach((el) => el.classList.remove("o_digitize_flash"));
    }
}

/** Look, follow the banner's links, fill in what is still empty, confirm: ``confirm`` is the button's name,
 * ``state`` the status the record then shows, ``partner`` the name a clerk types when no partner was found. */
export function fixAndConfirmSteps({ confirm, state, partner, dateField = null }) {
    return [
        ...lookSteps(),
        {
            content: "Follow every link of the review banner: each brings its field or line into view",
            trigger: `${FORM} .o_form_sheet`,
            timeout: 60000, // one click, a flash and a pause per link (60 s: the most Odoo allows)
            run: followEveryBannerLink,
        },
        {
            content: "Back to the form (a line opened by a link is closed)",
            trigger: `${FORM} .o_form_sheet`,
            run: () => document.querySelector(`${FORM} .o_form_sheet .o_field_widget[name='partner_id']`).click(),
        },
        {
            content: `A partner is set, or the clerk creates “${partner}”`,
            trigger: `${FORM} .o_field_widget[name='partner_id'] input`,
            async run(helpers) {
                const value = document.querySelector(`${FORM} .o_field_widget[name='partner_id'] input`).value;
                if (!value || /to identify/i.test(value)) { // empty, or the placeholder of a partner not found
                    await helpers.edit(partner);
                }
            },
        },
        {
            content: "…picking it from the dropdown (when one was typed)",
            timeout: 60000,
            trigger: `${FORM} .o_field_widget[name='partner_id'] input`,
            async run() {
                if (document.querySelector(`${FORM} .o_field_widget[name='partner_id'] input`).value !== partner) {
                    return;
                }
                // "Create “name”", or, where the field has no quick create (bills), "Create and edit..." and its dialog
                let option = null;
                for (let wait = 0; wait < 150 && !option; wait++) {
                    await delay(100);
                    const items = [...document.querySelectorAll(".o-autocomplete--dropdown-menu li")];
                    option = items.find((el) => el.textContent.includes(partner)) ||
                        items.find((el) => /create and edit/i.test(el.textContent));
                }
                if (!option) {
                    throw new Error(`no “${partner}” nor “Create and edit” in the partner dropdown`);
                }
                (option.querySelector("a") || option).click();
                if (!option.textContent.includes(partner)) {
                    let save = null;
                    for (let wait = 0; wait < 150 && !save; wait++) {
                        await delay(100);
                        save = document.querySelector(".modal:not(.o_inactive_modal) .o_form_button_save");
                    }
                    if (!save) {
                        throw new Error("“Create and edit” opened no partner form");
                    }
                    save.click();
                    for (let wait = 0; wait < 150 && document.querySelector(".modal .o_form_view"); wait++) {
                        await delay(100);
                    }
                }
                await delay(500);
            },
        },
        ...(dateField
            ? [
                  {
                      content: `The ${dateField} is set, or the clerk types today's`,
                      trigger: `${FORM} .o_field_widget[name='${dateField}'] input`,
                      async run(helpers) {
                          if (!document.querySelector(`${FORM} .o_field_widget[name='${dateField}'] input`).value) {
                              await helpers.edit(new Date().toLocaleDateString("en-US", {
                                  month: "2-digit", day: "2-digit", year: "numeric",
                              }));
                              await helpers.press("Enter");
                          }
                      },
                  },
              ]
            : []),
        {
            content: "Confirm",
            trigger: `${FORM} .o_form_statusbar button[name='${confirm}']:visible`,
            run: "click",
        },
        {
            content: `The record is ${state}: no error, the review banner and its marks are gone`,
            trigger: `${FORM} .o_statusbar_status:has(button.o_arrow_button_current:contains('${state}'))`,
            run() {
                noErrorDialog();
                if (document.querySelector(`${FORM} .alert-warning a.o_digitize_review_link, ${FORM} .o_digitize_mark:not(.o_invisible_modifier)`)) {
                    throw new Error("the review banner or its marks stay on the confirmed record");
                }
                assertNoClippedField();
                assertScreenInWords();
            },
        },
    ];
}

const tours = registry.category("web_tour.tours");
tours.add("document_digitize_app_look", { steps: lookAtRecordSteps });
tours.add("document_digitize_app_upload_bills", { steps: () => uploadWithOdoo("account.move", 3) });
tours.add("document_digitize_app_upload_quotations", { steps: () => uploadWithOdoo("sale.order", 3) });
tours.add("document_digitize_app_upload_rfqs", { steps: () => uploadWithDialog("purchase.order", 3) });
tours.add("document_digitize_app_confirm_bill", {
    steps: () => fixAndConfirmSteps({ confirm: "action_post", state: "Posted", partner: "Vendor typed by the clerk",
                                      dateField: "invoice_date" }),
});
tours.add("document_digitize_app_confirm_rfq", {
    steps: () => fixAndConfirmSteps({ confirm: "button_confirm", state: "Purchase Order",
                                      partner: "Vendor typed by the clerk" }),
});
tours.add("document_digitize_app_confirm_quotation", {
    steps: () => fixAndConfirmSteps({ confirm: "action_confirm", state: "Sales Order",
                                      partner: "Customer typed by the clerk" }),
});

// Expenses: an employee's receipt photo, uploaded with My Expenses' own Upload. What it was read into is on the form
// (description, date, total, currency), the photo beside it; put in a report, the review is over.
const EXPENSE_FILLED = ["name", "date", "total_amount_currency"];

/** Throws unless the expense's description, date, total and currency are filled in and the viewer shows the photo. */
function assertExpenseFilled() {
    for (const name of EXPENSE_FILLED) {
        const widget = document.querySelector(`${FORM} .o_form_sheet .o_field_widget[name='${name}']`);
        const text = widget && (widget.querySelector("input, textarea")?.value ?? widget.innerText).trim();
        if (!text || (name === "total_amount_currency" && /^\D*0[.,]00\D*$/.test(text))) {
            throw new Error(`the expense's ${name} is not filled in: “${text ?? "no field"}”`);
        }
    }
    // the currency: its own field where several are in use, else the total's symbol
    const currency = [...document.querySelectorAll(`${FORM} .o_form_sheet .o_field_widget[name='currency_id']`)]
        .find(isShown);
    const shown = currency
        ? currency.querySelector("input")?.value || currency.innerText
        : document.querySelector(`${FORM} .o_field_widget[name='total_amount_currency']`).innerText;
    if (!/USD|\$/.test(shown)) {
        throw new Error(`the receipt's currency (USD) is not shown: “${shown.trim()}”`);
    }
    const viewer = [...document.querySelectorAll(`${FORM} .o_digitize_viewer`)].find(isShown);
    const photo = viewer?.querySelector(".o_digitize_page_rendered img");
    if (!photo?.complete || !photo.naturalWidth) {
        throw new Error("the document viewer does not show the receipt's photo");
    }
}

/** Clicks ``el``; throws unless the viewer then lights a box of the receipt (or says the value is not on it). */
async function lights(el, what) {
    el.click();
    for (let wait = 0; wait < 30; wait++) {
        await delay(100);
        if (document.querySelector(`${FORM} .o_digitize_box_active, ${FORM} .o_digitize_missing_active`)) {
            return;
        }
    }
    throw new Error(`${what} lit nothing on the receipt`);
}

const expenseLookSteps = () => [
    ...lookSteps("total_amount_currency"),
    {
        content: "The receipt's photo is drawn in the viewer beside the expense",
        trigger: `${FORM} .o_digitize_viewer .o_digitize_page_rendered`,
    },
    {
        content: "Description, date, total and currency are filled in",
        trigger: `${FORM} .o_form_sheet .o_field_widget[name='name']`,
        run: assertExpenseFilled,
    },
];

tours.add("document_digitize_app_upload_receipts", {
    steps: () => uploadWithOdoo("hr.expense", 1, ".o_control_panel input[name='ufile']"),
});
tours.add("document_digitize_app_look_expense", { steps: expenseLookSteps });
tours.add("document_digitize_app_confirm_expense", {
    steps: () => [
        ...expenseLookSteps(),
        {
            content: "The receipt is from 2019: the banner asks to check the expense's date",
            trigger: `${FORM} .alert-warning a.o_digitize_review_link[href='#digitize?field=date']`,
        },
        {
            content: "Follow every link of the review banner: each brings its field into view",
            trigger: `${FORM} .o_form_sheet`,
            timeout: 60000,
            run: followEveryBannerLink,
        },
        {
            content: "Each low-confidence mark says so in words and, clicked, lights its place on the receipt",
            trigger: `${FORM} .o_form_sheet`,
            async run() {
                for (const mark of [...document.querySelectorAll(`${FORM} .o_digitize_mark`)].filter(isShown)) {
                    assertWords("a low-confidence mark's tooltip", mark.title);
                    await lights(mark, `the ${mark.dataset.digitizeField} mark`);
                }
            },
        },
        {
            content: "Clicking the total lights where it was read on the receipt",
            trigger: `${FORM} .o_field_widget[name='total_amount_currency'] input`,
            run: () => lights(document.querySelector(`${FORM} .o_field_widget[name='total_amount_currency'] input`),
                              "the total"),
        },
        {
            content: "Create the report",
            trigger: `${FORM} .o_form_statusbar button[name='action_submit_expenses']:visible`,
            run: "click",
        },
        {
            // (Odoo's own report form: its title, the description, is an input that cuts a long one)
            content: "The report is open with the expense in it; no error",
            trigger: `${FORM} .o_field_widget[name='expense_line_ids'] .o_data_row:contains('Contoso')`,
            run: noErrorDialog,
        },
    ],
});
