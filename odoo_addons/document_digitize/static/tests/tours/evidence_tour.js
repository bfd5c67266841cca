/** @odoo-module **/
// Browser tours of the document viewer (document_viewer.js): the document beside the form with a box on each
// value read; focusing a field or a line's cell, or clicking a low-confidence mark, highlights that value's boxes;
// the values found nowhere are listed. Run by the addons' tests (HttpCase, headless Chromium) on records a
// replay sidecar digitized through the real pipeline (its evidence comes from the PDF's text layer or OCR).
import { registry } from "@web/core/registry";

const VIEWER = ".o_form_view .o_digitize_aside .o_digitize_viewer";

/** Throws unless every PDF page's canvas has ink on it (drawn, not only sized). */
function assertPagesInked() {
    const canvases = [...document.querySelectorAll(`${VIEWER} canvas.o_digitize_page_canvas`)];
    for (const canvas of canvases) {
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let dark = 0;
        for (let i = 0; i < pixels.length; i += 4) {
            dark += pixels[i + 3] > 0 && pixels[i] < 128 ? 1 : 0;
        }
        if (dark < 1000) {
            throw new Error(`page ${canvas.dataset.page} of the PDF is blank (${dark} dark pixels)`);
        }
    }
    if (canvases.length < 2) {
        throw new Error(`${canvases.length} page(s) drawn, the PDF has 2`);
    }
}

/** Click an element without asserting anything else (the next step's trigger is the check). */
function clickStep(content, trigger) {
    return { content, trigger, run: "click" };
}

/** The steps every form shares: the document is drawn, its boxes are there, the totals and a line lead to theirs. */
function commonSteps(linesField) {
    return [
        {
            content: "The viewer shows the document beside the fields, its boxes drawn",
            trigger: `${VIEWER} .o_digitize_page.o_digitize_page_rendered .o_digitize_box`,
        },
        clickStep("Focus the totals", ".o_form_view .o_field_widget[name='tax_totals']"),
        {
            content: "The total's box is highlighted",
            trigger: `${VIEWER} .o_digitize_box_active[data-path='total']`,
        },
        clickStep(
            "Focus the unit price of the document's second line",
            `.o_form_view .o_field_widget[name='${linesField}'] .o_data_row:has(td[name='price_unit']):eq(1) td[name='price_unit']`
        ),
        {
            content: "That line's value is highlighted, the total no longer",
            trigger: `${VIEWER}:not(:has(.o_digitize_box_active[data-path='total'])) .o_digitize_box_active[data-line-id]`,
        },
    ];
}

// A two-page PDF bill (i2d_QualityHosting.pdf): every page drawn, the same amount as subtotal and total has its
// box for both, the reference field leads to its box, the low-confidence mark beside the vendor to the vendor's.
registry.category("web_tour.tours").add("document_digitize_evidence_bill_pdf", {
    steps: () => [
        {
            content: "Both pages of the PDF are drawn",
            trigger: `${VIEWER} .o_digitize_page[data-page='2'].o_digitize_page_rendered`,
        },
        {
            content: "Both pages carry the document's print, not only its boxes",
            trigger: `${VIEWER} .o_digitize_page[data-page='1'].o_digitize_page_rendered`,
            run: assertPagesInked,
        },
        {
            content: "Page 1 is drawn too, with boxes",
            trigger: `${VIEWER} .o_digitize_page[data-page='1'].o_digitize_page_rendered .o_digitize_box[data-field='ref']`,
        },
        clickStep("Focus the bill reference", ".o_form_view .o_field_widget[name='ref'] input"),
        {
            content: "Its box on page 1 is highlighted",
            trigger: `${VIEWER} .o_digitize_page[data-page='1'] .o_digitize_box_active[data-field='ref']`,
        },
        ...commonSteps("invoice_line_ids"),
        clickStep("Focus the totals again", ".o_form_view .o_field_widget[name='tax_totals']"),
        {
            content: "Subtotal and total are the same printed amount on page 2: the box is lit for both",
            trigger: `${VIEWER} .o_digitize_page[data-page='2']:has(.o_digitize_box_active[data-path='subtotal']) .o_digitize_box_active[data-path='total']`,
        },
        clickStep(
            "Click the low-confidence mark beside the vendor",
            ".o_form_view .o_digitize_mark[data-digitize-field='partner_id']"
        ),
        {
            content: "The vendor's boxes are highlighted",
            trigger: `${VIEWER} .o_digitize_box_active[data-field='partner_id']`,
        },
        {
            content: "The value found nowhere is in the needs-review banner, with the value read",
            trigger: ".o_form_view .alert-warning li:contains('Not found on the page'):contains('99999')",
        },
        {
            content: "…and under the document",
            trigger: `${VIEWER} .o_digitize_missing .o_digitize_missing_item[data-path='seller.address.zip']:contains('99999')`,
        },
    ],
});

// A phone photo of a receipt (img_contoso_receipt_photo1.png): OCR's boxes on the image.
registry.category("web_tour.tours").add("document_digitize_evidence_bill_photo", {
    steps: () => [
        {
            content: "The photo is shown",
            trigger: `${VIEWER} .o_digitize_page.o_digitize_page_rendered img.o_digitize_page_image`,
        },
        ...commonSteps("invoice_line_ids"),
        {
            content: "A value the photo does not show is in the needs-review banner, with the value read",
            trigger: ".o_form_view .alert-warning li:contains('Not found on the page'):contains('amount of line 1 (999.00)')",
        },
        {
            content: "…and under the document",
            trigger: `${VIEWER} .o_digitize_missing_item[data-path='lines[0].amount']`,
        },
    ],
});

// An RFQ or a quotation from a scanned purchase order (img_heroltd_po_Form_*.jpg).
for (const [name, linesField] of [
    ["document_digitize_evidence_rfq", "order_line"],
    ["document_digitize_evidence_quotation", "order_line"],
]) {
    registry.category("web_tour.tours").add(name, {
        steps: () => [
            {
                content: "The scan is shown",
                trigger: `${VIEWER} .o_digitize_page.o_digitize_page_rendered img.o_digitize_page_image`,
            },
            ...commonSteps(linesField),
        ],
    });
}
