/** @odoo-module **/
// The document beside the form, with a box on each value that was read (where the page prints it).
// Focusing a field of the form (or a cell of a line), or clicking its low-confidence mark ([data-digitize-field]),
// highlights the boxes of its value and scrolls the viewer to them. The values read but found nowhere on the page
// are listed under the pages. The data comes from the record's `digitize_evidence_view` (computed server-side as the
// current user); the file is fetched as that user from /web/content: without read access there is no file and the
// viewer says so once — it never retries in a loop.
// Correcting on the page (models/digitize_correct.py): while a field or a line's cell is focused on a record the
// user may change, every word of the page can be clicked to set it from its printed text, and the second reader's
// candidates for that field are offered to pick from; the server reads the value (in the document's format),
// writes it as the user and says it in the chatter; the form then reloads.
// It sits in the sheet, right of the fields, or (wide screens) in the place of Odoo's attachment preview
// (form_patch.js): the copy in the sheet then draws nothing, so the document is shown once.
import { Component, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { loadPDFJSAssets } from "@web/libs/pdfjs";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const PDF_WORKER = "/web/static/lib/pdfjs/build/pdf.worker.js";
// a line's cells the page can set (models/digitize_correct.py: quantity, price, discount, description)
const PICK_LINE_FIELDS = new Set(["quantity", "product_qty", "product_uom_qty", "price_unit", "discount", "name"]);

export class DigitizeDocumentViewer extends Component {
    static template = "document_digitize.DocumentViewer";
    static props = { ...standardWidgetProps, inPanel: { type: Boolean, optional: true } };

    setup() {
        const ui = useService("ui");
        useBus(ui.bus, "resize", () => this.render()); // the panel or the sheet: it depends on the width
        this.root = useRef("root");
        this.pane = useRef("pane");
        this.state = useState({
            status: "idle",
            message: "",
            pages: [],
            active: null,
            totalPath: "total", // which of the document's totals a click on the totals widget sets
            busy: false,
        });
        this.orm = useService("orm");
        this.wordPages = new WeakMap(); // the viewer's data → its words per page, as drawn (wordsOf)
        this.notification = useService("notification");
        this.pdf = null;
        this.pdfPages = new Map(); // page number → pdf.js page, kept out of the reactive state (private fields)
        this.drawn = new WeakSet(); // the canvases drawn (or being drawn): a canvas OWL puts anew is drawn anew
        this.drawing = Promise.resolve(); // one page at a time
        this.loading = 0; // the load in progress: an older one stops when a newer one starts
        this.onFormEvent = this.onFormEvent.bind(this);
        useEffect(
            () => {
                this.load();
            },
            () => [this.fileKey]
        );
        useEffect(
            () => {
                this.scrollToActive();
            },
            () => [this.state.active]
        );
        // after every render: draw the pages' canvases that are in the DOM and not drawn yet
        useEffect(() => {
            this.drawCanvases();
        });
        useEffect(
            (el) => {
                const form = el && (el.closest(".o_form_renderer") || el.closest(".o_form_view"));
                if (!form) {
                    return;
                }
                form.addEventListener("focusin", this.onFormEvent);
                form.addEventListener("click", this.onFormEvent, true);
                return () => {
                    form.removeEventListener("focusin", this.onFormEvent);
                    form.removeEventListener("click", this.onFormEvent, true);
                };
            },
            () => [this.root.el]
        );
        onWillUnmount(() => {
            this.loading++;
            this.pdf?.destroy();
        });
    }

    /** The sheet's copy while the viewer is in the attachment preview's place: nothing is drawn. */
    get hidden() {
        return !this.props.inPanel && Boolean(this.env.digitizeForm?.digitizeInPanel());
    }

    get data() {
        return this.hidden ? null : this.props.record.data.digitize_evidence_view || null;
    }

    get file() {
        return this.data?.file || null;
    }

    get fileKey() {
        const file = this.file;
        return file ? `${file.id}:${file.unique}:${file.viewable}` : "";
    }

    get url() {
        const file = this.file;
        return `/web/content/${file.id}?unique=${encodeURIComponent(file.unique || "")}`;
    }

    get missing() {
        return this.data?.missing || [];
    }

    /** Whether any value read has boxes on a page. */
    get placed() {
        return (this.data?.evidence || []).some((item) => item.page && item.boxes.length);
    }

    // --- loading the document ------------------------------------------------------------------------

    async load() {
        const token = ++this.loading;
        this.pdf?.destroy();
        this.pdf = null;
        this.pdfPages = new Map();
        Object.assign(this.state, { pages: [], message: "", active: null });
        const file = this.file;
        if (!file) {
            this.state.status = this.data ? "forbidden" : "idle";
            return;
        }
        if (!file.viewable) {
            this.state.status = "unsupported";
            return;
        }
        this.state.status = "loading";
        try {
            if (file.mimetype === "application/pdf") {
                await this.loadPdf(token);
            } else {
                this.state.pages = [{ number: 1, image: this.url, ratio: null, rendered: false }];
            }
        } catch (error) {
            if (token === this.loading) {
                this.fail(error?.message || String(error));
            }
        }
    }

    async loadPdf(token) {
        const response = await fetch(this.url, { credentials: "same-origin" });
        if (!response.ok) {
            throw new Error(_t("the server answered %s", response.status));
        }
        const data = new Uint8Array(await response.arrayBuffer());
        await loadPDFJSAssets();
        const pdfjs = globalThis.pdfjsLib;
        pdfjs.GlobalWorkerOptions.workerSrc = PDF_WORKER;
        const pdf = await pdfjs.getDocument({ data, isEvalSupported: false }).promise;
        if (token !== this.loading) {
            pdf.destroy();
            return;
        }
        this.pdf = pdf;
        const pages = [];
        for (let number = 1; number <= pdf.numPages; number++) {
            const page = await pdf.getPage(number);
            const { width, height } = page.getViewport({ scale: 1 });
            this.pdfPages.set(number, page);
            pages.push({ number, ratio: `${width} / ${height}`, rendered: false });
        }
        if (token !== this.loading) {
            return;
        }
        this.state.pages = pages;
        this.state.status = "ready";
    }

    drawCanvases() {
        const token = this.loading;
        for (const canvas of this.root.el?.querySelectorAll("canvas[data-page]") || []) {
            const number = Number(canvas.dataset.page);
            if (this.drawn.has(canvas) || !this.pdfPages.has(number)) {
                continue;
            }
            this.drawn.add(canvas);
            this.drawing = this.drawing
                .then(() => (token === this.loading ? this.drawPage(number, canvas, token) : null))
                .catch((error) => token === this.loading && this.fail(error?.message || String(error)));
        }
    }

    async drawPage(number, canvas, token) {
        const pdfPage = this.pdfPages.get(number);
        const base = pdfPage.getViewport({ scale: 1 });
        const shown = canvas.parentElement.clientWidth || 600;
        const scale = Math.min(4, Math.max(1, (shown * (window.devicePixelRatio || 1)) / base.width));
        const viewport = pdfPage.getViewport({ scale });
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        await pdfPage.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
        const page = this.state.pages.find((p) => p.number === number);
        if (page && token === this.loading && canvas.isConnected) {
            page.rendered = true;
        }
    }

    onImageLoad(page, ev) {
        page.ratio = `${ev.target.naturalWidth} / ${ev.target.naturalHeight}`;
        page.rendered = true;
        this.state.status = "ready";
    }

    onImageError() {
        this.fail(_t("the image could not be loaded"));
    }

    fail(reason) {
        Object.assign(this.state, {
            status: "error",
            pages: [],
            message: _t("The document could not be shown (%s). Its values are listed in the form.", reason),
        });
    }

    // --- boxes ---------------------------------------------------------------------------------------

    boxesOf(number) {
        const out = [];
        for (const item of this.data?.evidence || []) {
            if (item.page !== number) {
                continue;
            }
            item.boxes.forEach(([x0, y0, x1, y1], index) => {
                out.push({
                    key: `${item.path}#${index}`,
                    item,
                    style: `left:${x0 * 100}%;top:${y0 * 100}%;width:${(x1 - x0) * 100}%;height:${(y1 - y0) * 100}%`,
                });
            });
        }
        return out;
    }

    /** The evidence the active field (or line cell) shows; for a line cell without its own, the whole line's. */
    get activeItems() {
        const active = this.state.active;
        const items = this.data?.evidence || [];
        if (!active) {
            return [];
        }
        if (active.lineId) {
            const ofLine = items.filter((item) => item.line_id === active.lineId);
            const ofCell = ofLine.filter((item) => item.line_field === active.lineField);
            return ofCell.length ? ofCell : ofLine;
        }
        return items.filter((item) => item.field && item.field === active.field);
    }

    get activePaths() {
        return new Set(this.activeItems.map((item) => item.path));
    }

    isMissingActive(entry) {
        const active = this.state.active;
        if (!active) {
            return false;
        }
        if (active.lineId) {
            return entry.line_id === active.lineId && (!active.lineField || entry.line_field === active.lineField);
        }
        return entry.field === active.field;
    }

    activate(active) {
        const current = this.state.active;
        if (
            current &&
            current.field === active.field &&
            current.lineId === active.lineId &&
            current.lineField === active.lineField &&
            Boolean(current.look) === Boolean(active.look)
        ) {
            this.scrollToActive();
            return;
        }
        this.state.active = active;
    }

    scrollToActive() {
        const pane = this.pane.el;
        const box = pane?.querySelector(".o_digitize_box_active");
        if (!box) {
            return;
        }
        // scroll the viewer only: the form keeps the focused field where it is
        const boxRect = box.getBoundingClientRect();
        const paneRect = pane.getBoundingClientRect();
        pane.scrollTop += boxRect.top - paneRect.top - (paneRect.height - boxRect.height) / 2;
        pane.scrollLeft += boxRect.left - paneRect.left - (paneRect.width - boxRect.width) / 2;
    }

    onBoxClick(item) {
        this.activate(
            item.line_id
                ? { lineId: item.line_id, lineField: item.line_field, field: null }
                : { field: item.field || `path:${item.path}`, lineId: null, lineField: null }
        );
    }

    // --- correcting on the page --------------------------------------------------------------------------

    /** What a click on the page sets now: the focused field (or line cell) when the record may be changed and the
     * field is one the page can set; null otherwise. */
    get pickTarget() {
        const active = this.state.active;
        // nothing to click without the page's words (an e-invoice read from its XML, a page without text or OCR)
        if (!active || active.look || !this.data?.editable || !this.data.words?.length) {
            return null;
        }
        if (active.lineId) {
            return PICK_LINE_FIELDS.has(active.lineField)
                ? { lineId: active.lineId, field: active.lineField, path: this.activeItems[0]?.path || null }
                : null;
        }
        if (!active.field || !(active.field in (this.data.settable || {}))) {
            return null; // a field the page does not set (a journal, a payment term): no words to click
        }
        if (active.field === "tax_totals") {
            return { field: "tax_totals", path: this.state.totalPath, totals: true };
        }
        const item = this.activeItems[0] || this.missing.find((entry) => entry.field === active.field);
        return { field: active.field, path: item?.path || null };
    }

    get totalChoices() {
        return [
            { path: "subtotal", label: _t("Untaxed") },
            { path: "total_tax", label: _t("Taxes") },
            { path: "total", label: _t("Total") },
            { path: "amount_due", label: _t("Amount due") },
        ];
    }

    get pickLabel() {
        const target = this.pickTarget;
        if (!target) {
            return "";
        }
        if (target.totals) {
            return this.totalChoices.find((choice) => choice.path === target.path)?.label || "";
        }
        // the form's own label of the field (never its technical name)
        return this.data.settable?.[target.field] || "";
    }

    wordsOf(number) {
        if (!this.pickTarget) {
            return [];
        }
        // built once per record's data (every render asks again: a page may hold thousands of words)
        let pages = this.wordPages.get(this.data);
        if (!pages) {
            pages = new Map();
            for (const page of this.data.words || []) {
                pages.set(
                    page.page,
                    page.words.map(([text, x0, y0, x1, y1], index) => ({
                        key: `${page.page}:${index}`,
                        text,
                        box: [x0, y0, x1, y1],
                        style: `left:${x0 * 100}%;top:${y0 * 100}%;width:${(x1 - x0) * 100}%;height:${(y1 - y0) * 100}%`,
                    }))
                );
            }
            this.wordPages.set(this.data, pages);
        }
        return pages.get(number) || [];
    }

    /** The second reader's candidates for the focused field, best first. */
    get activeCandidates() {
        const target = this.pickTarget;
        if (!target || target.lineId) {
            return [];
        }
        return (this.data?.candidates || []).filter((c) =>
            target.totals ? c.path === target.path : c.field === target.field
        );
    }

    candidateBoxesOf(number) {
        const out = [];
        for (const candidate of this.activeCandidates) {
            if (candidate.page !== number) {
                continue;
            }
            candidate.boxes.forEach(([x0, y0, x1, y1], index) => {
                out.push({
                    key: `${candidate.path}#${candidate.rank}#${index}`,
                    candidate,
                    style: `left:${x0 * 100}%;top:${y0 * 100}%;width:${(x1 - x0) * 100}%;height:${(y1 - y0) * 100}%`,
                });
            });
        }
        return out;
    }

    chooseTotal(path) {
        this.state.totalPath = path;
    }

    onWordClick(number, word) {
        const target = this.pickTarget;
        if (target) {
            this.setFromPage(target, { text: word.text, page: number, boxes: [word.box] });
        }
    }

    onCandidateClick(candidate) {
        const target = this.pickTarget;
        if (target) {
            this.setFromPage({ ...target, path: candidate.path }, { candidate: candidate.rank });
        }
    }

    /** Ask the server to set the target from the page (as the user), then reload the form. The form's unsaved
     * changes are saved first: the server writes the record. */
    async setFromPage(target, what) {
        if (this.state.busy) {
            return;
        }
        const record = this.props.record;
        this.state.busy = true;
        try {
            if (record.isDirty && !(await record.save())) {
                return;
            }
            const kwargs = { field: target.field === "tax_totals" ? null : target.field, path: target.path, ...what };
            if (target.lineId) {
                kwargs.line_id = target.lineId;
            }
            const result = await this.orm.call(record.resModel, "digitize_set_from_page", [[record.resId]], kwargs);
            await record.model.root.load();
            this.notification.add(result.message, { type: "success" });
        } catch (error) {
            const message = error?.data?.message || error?.message || String(error);
            this.notification.add(message, { type: "warning", title: _t("Not set from the page") });
        } finally {
            this.state.busy = false;
        }
    }

    // --- what the user focuses in the form ----------------------------------------------------------

    lineResId(linesField, datapointId) {
        const list = this.props.record.data[linesField];
        const line = list?.records?.find((record) => record.id === datapointId);
        return line?.resId || null;
    }

    onFormEvent(ev) {
        const target = ev.target;
        if (!(target instanceof Element) || this.root.el?.contains(target)) {
            return;
        }
        const mark = target.closest("[data-digitize-field]");
        if (mark) {
            this.activate({ field: mark.dataset.digitizeField, lineId: null, lineField: null });
            return;
        }
        const row = target.closest(".o_data_row");
        if (row) {
            const linesField = row.closest(".o_field_widget[name]")?.getAttribute("name");
            const lineId = linesField && this.lineResId(linesField, row.dataset.id);
            if (lineId) {
                const cell = target.closest("td[name]");
                this.activate({ lineId, lineField: cell?.getAttribute("name") || null, field: null });
            }
            return;
        }
        const field = target.closest(".o_field_widget[name]");
        if (field) {
            // a review link's focus (form_patch.js) shows where the value is; picking starts on the person's own
            this.activate({ field: field.getAttribute("name"), lineId: null, lineField: null, look: !!ev.digitizeLink });
        }
    }
}

export const digitizeDocumentViewer = {
    component: DigitizeDocumentViewer,
    fieldDependencies: [{ name: "digitize_evidence_view", type: "json" }],
};

registry.category("view_widgets").add("digitize_document_viewer", digitizeDocumentViewer);
