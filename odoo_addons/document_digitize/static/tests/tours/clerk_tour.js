/** @odoo-module **/
// What a clerk sees on a digitized document in review (issue #36), at the width the test gives the browser (1366
// and 1920 px): one document beside the form (the addon's viewer, never also Odoo's own attachment preview), no
// field cut or hidden under it, the review banner, the viewer, the Digitization tab and the chatter's note in
// words — no JSON path, field name or raw list — and a banner link that brings its field or line into focus.
// Run by each app's tests/test_evidence_tour.py on a record digitized through the real pipeline.
import { registry } from "@web/core/registry";

const FORM = ".o_form_view";
const VIEWER = `${FORM} .o_digitize_viewer`;
const RAW = [
    [/\w+\[\d*\]\.\w+/, "a JSON path"],
    [/\[\d*\]/, "a list index or an empty list"],
    [/\b[a-z]+(?:_[a-z0-9]+)+\b/, "a field name"],
];
const FILE_NAME = /[\w.-]+\.(?:pdf|png|jpe?g|tiff?|webp|xml)\b/gi;

export function isShown(el) {
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0 && getComputedStyle(el).visibility !== "hidden";
}

export function describe(el) {
    const owner = el.closest("[name]");
    return `${el.tagName.toLowerCase()}${owner ? `[name=${owner.getAttribute("name")}]` : ""} “${(
        el.value ||
        el.textContent ||
        ""
    )
        .trim()
        .slice(0, 40)}”`;
}

/** Throws unless exactly one document is shown: the viewer, and no Odoo attachment preview beside it. */
function assertOneDocument() {
    const viewers = [...document.querySelectorAll(VIEWER)].filter(isShown);
    if (viewers.length !== 1) {
        throw new Error(`${viewers.length} document viewers are shown, not 1`);
    }
    const odoo = [...document.querySelectorAll(`${FORM} .o-mail-Attachment, ${FORM} .o_attachment_preview iframe`)];
    if (odoo.some(isShown)) {
        throw new Error("Odoo's attachment preview shows the document a second time");
    }
    const pages = viewers[0].querySelectorAll(".o_digitize_page_rendered");
    if (!pages.length) {
        throw new Error("the viewer shows no page");
    }
}

/** Throws unless the document is in view (beside the field or line the clerk looks at, not scrolled away). */
function assertDocumentInView() {
    const viewer = [...document.querySelectorAll(VIEWER)].find(isShown);
    const rect = viewer.getBoundingClientRect();
    if (rect.bottom < 100 || rect.top > window.innerHeight - 100) {
        throw new Error(`the document is out of view (${Math.round(rect.top)}–${Math.round(rect.bottom)} px)`);
    }
}

/** Throws when a field of the sheet is cut (its text wider than its box) or reaches under the viewer or past the
 * sheet; the lines' list must show all its columns without scrolling sideways. */
export function assertNoClippedField() {
    const sheet = document.querySelector(`${FORM} .o_form_sheet`);
    const sheetRect = sheet.getBoundingClientRect();
    const aside = [...sheet.querySelectorAll(":scope > .o_digitize_aside")].find(isShown);
    const right = aside ? aside.getBoundingClientRect().left : sheetRect.right;
    const problems = [];
    const inFields = (el) => !el.closest(".o_digitize_aside") && isShown(el);
    const boxes = sheet.querySelectorAll(
        [
            ".o_field_widget input:not([type='checkbox']):not([type='radio'])",
            ".o_field_widget textarea",
            ".o_field_widget select",
            ".o_field_widget > span",
            ".o_form_label",
            ".o_list_renderer th",
            ".o_list_renderer td.o_data_cell",
        ].join(", ")
    );
    for (const el of [...boxes].filter(inFields)) {
        const rect = el.getBoundingClientRect();
        if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
            problems.push(`${describe(el)} is cut (${el.scrollWidth} px of text in ${el.clientWidth} px)`);
        }
        if (rect.left < sheetRect.left - 1 || rect.right > right + 1) {
            problems.push(`${describe(el)} reaches outside the fields' column (${Math.round(rect.left)}–` +
                `${Math.round(rect.right)} px, the column ${Math.round(sheetRect.left)}–${Math.round(right)} px)`);
        }
    }
    for (const list of [...sheet.querySelectorAll(".o_list_renderer")].filter(inFields)) {
        if (list.scrollWidth > list.clientWidth + 1) {
            problems.push(`the lines' list scrolls sideways (${list.scrollWidth} px in ${list.clientWidth} px)`);
        }
    }
    if (problems.length) {
        throw new Error(`At ${window.innerWidth} px:\n${problems.join("\n")}`);
    }
}

/** Throws when ``text`` (what a person reads) holds a path, a field name or a raw list. */
export function assertWords(where, text) {
    const read = text.replace(FILE_NAME, "");
    for (const [pattern, what] of RAW) {
        const found = read.match(pattern);
        if (found) {
            const at = read.indexOf(found[0]);
            throw new Error(`${where} shows ${what} “${found[0]}”: …${read.slice(Math.max(0, at - 60), at + 60)}…`);
        }
    }
}

function assertFormInWords() {
    const form = document.querySelector(FORM);
    assertWords("the form", form.querySelector(".o_form_sheet_bg").innerText);
    const viewer = [...document.querySelectorAll(VIEWER)].find(isShown);
    assertWords("the document viewer", viewer.innerText);
    const titles = [...viewer.querySelectorAll("[title]")].map((el) => el.getAttribute("title"));
    assertWords("the viewer's tooltips", titles.join("\n"));
}

/** The tour for one app: ``linkField``, the record's field a banner link leads to (its input gets the focus), or
 * ``linesField`` alone: a line's link (its row opens with the cell focused). */
export function clerkSteps({ linkField = null, linesField = null, lineColumn = "price_unit" }) {
    const steps = [
        {
            content: "The document is drawn beside the form",
            trigger: `${VIEWER} .o_digitize_page.o_digitize_page_rendered`,
        },
        {
            content: "One document: the viewer, not also Odoo's preview",
            trigger: `${VIEWER} .o_digitize_page.o_digitize_page_rendered`,
            run: assertOneDocument,
        },
        {
            content: "No field of the form is cut or hidden under the document",
            trigger: `${FORM} .o_form_sheet .o_field_widget`,
            run: assertNoClippedField,
        },
        {
            content: "The banner says what to check in words",
            trigger: `${FORM} .alert-warning .o_digitize_review_link`,
            run() {
                assertWords("the review banner", document.querySelector(`${FORM} .alert-warning`).innerText);
                assertFormInWords();
            },
        },
        {
            content: "The chatter's note says the same, without the form's links",
            trigger: ".o-mail-Message-body:contains('Digitized by')",
            run() {
                const note = [...document.querySelectorAll(".o-mail-Message-body")].find((el) =>
                    el.textContent.includes("Digitized by")
                );
                assertWords("the chatter's note", note.innerText);
                if (note.querySelector("a[href^='#digitize?']")) {
                    throw new Error("the chatter's note links to the form's fields");
                }
            },
        },
        {
            content: "Open the Digitization tab",
            trigger: `${FORM} .o_notebook .nav-link:contains('Digitization')`,
            run: "click",
        },
        {
            content: "The Digitization tab is in words too",
            trigger: `${FORM} .o_notebook .tab-pane.active .o_field_widget[name='digitize_state']`,
            run() {
                const pane = document.querySelector(`${FORM} .o_notebook .tab-pane.active`);
                assertWords("the Digitization tab", pane.innerText);
                if (/\bDigitize Attempts\b|\bWarnings\b/.test(pane.innerText)) {
                    throw new Error(`the Digitization tab shows a technical label: ${pane.innerText}`);
                }
            },
        },
    ];
    if (linkField) {
        steps.push(
            {
                content: `Click the banner's link to the ${linkField} field`,
                trigger: `${FORM} .alert-warning a.o_digitize_review_link[href='#digitize?field=${linkField}']`,
                run: "click",
            },
            {
                content: "That field has the focus, the lines' tab is back",
                trigger: `${FORM} .o_field_widget[name='${linkField}'].o_digitize_flash`,
                run() {
                    const widget = document.querySelector(`${FORM} .o_field_widget[name='${linkField}']`);
                    if (!widget.contains(document.activeElement)) {
                        throw new Error(`the focus is on ${describe(document.activeElement)}, not ${linkField}`);
                    }
                },
            }
        );
    } else {
        steps.push(
            {
                content: "Click the banner's link to a line",
                trigger: `${FORM} .alert-warning a.o_digitize_review_link[href*='field=${linesField}&line=']`,
                run: "click",
            },
            {
                content: "The line's row opens with its cell focused, and flashes",
                trigger: `${FORM} .o_field_widget[name='${linesField}'] .o_data_row.o_selected_row.o_digitize_flash`,
                run() {
                    const row = document.querySelector(`${FORM} .o_data_row.o_selected_row`);
                    if (!row.contains(document.activeElement)) {
                        throw new Error(`the focus is on ${describe(document.activeElement)}, not the line`);
                    }
                    const cell = document.activeElement.closest("td[name]");
                    if (lineColumn && cell?.getAttribute("name") !== lineColumn) {
                        throw new Error(`the focus is in ${cell?.getAttribute("name")}, not ${lineColumn}`);
                    }
                },
            }
        );
    }
    steps.push({
        content: "Still one document, in view beside what the link showed, nothing cut",
        trigger: `${VIEWER} .o_digitize_page.o_digitize_page_rendered`,
        run() {
            assertOneDocument();
            assertDocumentInView();
            assertNoClippedField();
        },
    });
    return steps;
}

registry.category("web_tour.tours").add("document_digitize_clerk_bill", {
    steps: () => clerkSteps({ linkField: "partner_id" }),
});
registry.category("web_tour.tours").add("document_digitize_clerk_rfq", {
    steps: () => clerkSteps({ linesField: "order_line", lineColumn: null }),
});
registry.category("web_tour.tours").add("document_digitize_clerk_quotation", {
    steps: () => clerkSteps({ linkField: "partner_id" }),
});

// Records the viewer has nothing for keep Odoo's own layout at 1920 px: a bill's file in Odoo's attachment
// preview, an RFQ's chatter beside the form (the preview RFQs got is the viewer's place only).
registry.category("web_tour.tours").add("document_digitize_odoo_preview_bill", {
    steps: () => [
        {
            content: "Odoo's own preview shows the file of a bill that was not digitized",
            trigger: `${FORM} .o_attachment_preview .o-mail-Attachment iframe`,
        },
        {
            content: "…and no document viewer",
            trigger: `${FORM}:not(:has(.o_digitize_viewer))`,
        },
    ],
});
registry.category("web_tour.tours").add("document_digitize_odoo_layout_rfq", {
    steps: () => [
        {
            content: "An RFQ that was not digitized has its chatter beside the form, as in Odoo",
            trigger: `${FORM} .o-mail-Form-chatter.o-aside .o-mail-Chatter-topbar`,
        },
        {
            content: "…no attachment preview, no viewer, no button to pop a preview out",
            trigger: `${FORM}:not(:has(.o_attachment_preview)):not(:has(.o_digitize_viewer)):not(:has(.fa-window-restore))`,
        },
    ],
});
