/** @odoo-module **/
// A list that shows a record sent to digitization reloads that row when the server says it is done, needs
// review or failed ("document_digitize/updated" on the user's bus channel): the upload result list showed its
// new drafts at $0.00 with "Queued" until a manual reload. A row being edited is left alone.
import { ListController } from "@web/views/list/list_controller";
import { patch } from "@web/core/utils/patch";
import { useService } from "@web/core/utils/hooks";
import { onMounted, onWillUnmount } from "@odoo/owl";

export const UPDATED = "document_digitize/updated";

patch(ListController.prototype, {
    setup() {
        super.setup(...arguments);
        const busService = useService("bus_service");
        const onUpdated = async ({ model, id }) => {
            if (model !== this.props.resModel) {
                return;
            }
            const record = this.model.root.records?.find((r) => r.resId === id);
            if (record && !record.isInEdition) {
                await record.load();
            }
        };
        onMounted(() => busService.subscribe(UPDATED, onUpdated));
        onWillUnmount(() => busService.unsubscribe(UPDATED, onUpdated));
    },
});
