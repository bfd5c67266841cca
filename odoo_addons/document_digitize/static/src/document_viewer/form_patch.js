/** @odoo-module **/
// The form around the document viewer (document_viewer.js):
// - one document beside the form at every width. Below 1534 px the viewer sits in the sheet, right of the
//   fields. From 1534 px (Odoo's XXL) mail's form renderer shows a file in its attachment preview, right of the
//   form with the chatter below it ("COMBO" layout): where the viewer shows, it takes that place instead of
//   Odoo's preview (bills have the preview in their arch; RFQs and quotations get one, `o_digitize_preview`,
//   that is used for the viewer only), and the sheet's own copy steps aside. So the file is never shown twice,
//   and the fields keep the form's full width;
// - the review banner's links (lib/review.py writes them as `#digitize?field=…[&line=…&column=…]`): a click
//   brings the field (or the line's cell) into view, focuses it and makes it flash; the viewer then lights the
//   value's boxes as for any focused field.
import { AttachmentView } from "@mail/core/common/attachment_view";
import { Component, useEffect, useRef, useSubEnv, xml } from "@odoo/owl";
import { evaluateBooleanExpr } from "@web/core/py_js/py";
import { SIZES } from "@web/core/ui/ui_service";
import { patch } from "@web/core/utils/patch";
import { FormCompiler } from "@web/views/form/form_compiler";
import { FormRenderer } from "@web/views/form/form_renderer";
import { DigitizeDocumentViewer } from "./document_viewer";

const VIEWER_WIDGET = "digitize_document_viewer";
const LINK = "a[href^='#digitize?']";
const FLASH_MS = 2000;
// mail's layouts that show Odoo's attachment preview in another window → the same without it
const WITHOUT_PREVIEW = {
    EXTERNAL_COMBO_XXL: "SIDE_CHATTER",
    EXTERNAL_COMBO: "BOTTOM_CHATTER",
};

function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

function visible(el) {
    return Boolean(el && el.getClientRects().length);
}

function flash(el) {
    el.classList.remove("o_digitize_flash");
    void el.offsetWidth; // restart the animation when the same place is asked for again
    el.classList.add("o_digitize_flash");
    setTimeout(() => el.classList.remove("o_digitize_flash"), FLASH_MS);
}

/** What mail's form compiler puts in the attachment preview: the document viewer where it shows, else Odoo's
 * own preview (bills without evidence, and every form where the viewer is not shown). */
export class DigitizePreview extends Component {
    static template = xml`
        <DigitizeDocumentViewer t-if="env.digitizeForm?.digitizeInPanel()" record="env.digitizeForm.props.record" inPanel="true"/>
        <AttachmentView t-elif="!env.digitizeForm?.digitizeOwnPreview" threadId="props.threadId" threadModel="props.threadModel"/>`;
    static components = { AttachmentView, DigitizeDocumentViewer };
    static props = ["threadId?", "threadModel"];
}

patch(FormCompiler.prototype, {
    compile() {
        const res = super.compile(...arguments);
        if (res.querySelector(".o_attachment_preview.o_digitize_preview")) {
            // the preview RFQs and quotations get is the viewer's place only: no "open the preview in a
            // window" button in their chatter, as before
            for (const chatter of res.querySelectorAll("t[t-component='__comp__.mailComponents.Chatter']")) {
                chatter.setAttribute("hasAttachmentPreview", "false");
            }
        }
        return res;
    },
});

patch(FormRenderer.prototype, {
    setup() {
        super.setup(...arguments);
        const xmlDoc = this.props.archInfo.xmlDoc;
        this.digitizeViewerNode = xmlDoc.querySelector(`widget[name='${VIEWER_WIDGET}']`);
        this.digitizeHasPreview = Boolean(xmlDoc.querySelector("div.o_attachment_preview"));
        this.digitizeOwnPreview = Boolean(xmlDoc.querySelector("div.o_attachment_preview.o_digitize_preview"));
        if (this.mailComponents) {
            this.mailComponents = { ...this.mailComponents, AttachmentView: DigitizePreview };
        }
        useSubEnv({ digitizeForm: this });
        const root = useRef("compiled_view_root");
        useEffect(
            (el) => {
                if (!el) {
                    return;
                }
                const onClick = (ev) => this.onDigitizeLinkClick(ev, el);
                el.addEventListener("click", onClick, true);
                return () => el.removeEventListener("click", onClick, true);
            },
            () => [root.el]
        );
    },

    /** Whether the form shows the document viewer now: the widget is in the arch and nothing around it is
     * invisible for this record. */
    digitizeViewerShown() {
        const xmlDoc = this.props.archInfo.xmlDoc;
        let node = this.digitizeViewerNode;
        if (!node) {
            return false;
        }
        const context = this.props.record.evalContextWithVirtualIds;
        for (; node && node !== xmlDoc; node = node.parentElement) {
            const invisible = node.getAttribute("invisible");
            if (invisible && evaluateBooleanExpr(invisible, context)) {
                return false;
            }
        }
        return true;
    },

    /** Whether the viewer takes the attachment preview's place (wide screens), not the sheet's. */
    digitizeInPanel() {
        return (
            this.digitizeHasPreview &&
            Boolean(this.mailStore) &&
            !this.env.inDialog &&
            this.uiService.size >= SIZES.XXL &&
            this.digitizeViewerShown()
        );
    },

    mailLayout(hasAttachmentContainer) {
        if (this.digitizeInPanel()) {
            return "COMBO"; // the viewer right of the form, the chatter below it
        }
        if (this.digitizeOwnPreview) {
            hasAttachmentContainer = false; // the viewer's place only: Odoo lays the form out as without it
        }
        const layout = super.mailLayout(hasAttachmentContainer);
        return (this.digitizeViewerShown() && WITHOUT_PREVIEW[layout]) || layout;
    },

    // --- the review banner's links ----------------------------------------------------------------

    onDigitizeLinkClick(ev, rootEl) {
        const link = ev.target instanceof Element && ev.target.closest(LINK);
        if (!link || !rootEl.contains(link)) {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
        const params = new URLSearchParams(link.getAttribute("href").slice("#digitize?".length));
        this.digitizeShow(rootEl, params.get("field"), Number(params.get("line")) || null, params.get("column"));
    },

    /** Open the notebook page that holds ``fieldName`` (when it is on one that is not shown). */
    async digitizeOpenPage(rootEl, fieldName) {
        const field = this.props.archInfo.xmlDoc.querySelector(`field[name='${fieldName}']`);
        const page = field?.closest("page[name]");
        if (!page) {
            return;
        }
        const tab = rootEl.querySelector(`.o_notebook_headers .nav-link[name='${page.getAttribute("name")}']`);
        if (tab && !tab.classList.contains("active")) {
            tab.click();
            await nextFrame();
        }
    },

    async digitizeShow(rootEl, fieldName, lineId, column) {
        if (!fieldName) {
            return;
        }
        await this.digitizeOpenPage(rootEl, fieldName);
        const widget = [...rootEl.querySelectorAll(`.o_form_sheet .o_field_widget[name='${fieldName}']`)].find(
            visible
        );
        if (!widget) {
            return;
        }
        if (lineId) {
            const line = this.props.record.data[fieldName]?.records?.find((record) => record.resId === lineId);
            const row = line && widget.querySelector(`.o_data_row[data-id='${line.id}']`);
            if (row) {
                row.scrollIntoView({ block: "center" });
                const cell = (column && row.querySelector(`td[name='${column}']`)) || row.querySelector("td.o_data_cell");
                cell?.click(); // the row opens for editing with that cell focused; the viewer lights its boxes
                await nextFrame();
                const current = widget.querySelector(`.o_data_row[data-id='${line.id}']`) || row;
                current.scrollIntoView({ block: "center" });
                flash(current);
                return;
            }
        }
        widget.scrollIntoView({ block: "center" });
        const input = widget.querySelector("input:not([type='hidden']), textarea, select, [contenteditable='true']");
        if (input && !input.disabled) {
            input.focus();
        } else {
            // a widget without an input (the totals): tell the viewer as a focus would
            // marked: the viewer lights the value's boxes, and offers no words to click until the person focuses it
            const event = new FocusEvent("focusin", { bubbles: true });
            event.digitizeLink = true;
            widget.dispatchEvent(event);
        }
        flash(widget);
    },
});
