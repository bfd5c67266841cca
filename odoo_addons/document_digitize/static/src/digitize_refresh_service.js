/** @odoo-module **/
// When a document the user sent to digitization is done (or needs review, or failed), the server sends
// "document_digitize/updated" on the user's bus channel; if that record is open in a form, reload it so
// the filled-in values, the badge and the banner appear without a manual refresh.
import { registry } from "@web/core/registry";

export const digitizeRefreshService = {
    dependencies: ["bus_service", "action"],
    start(env, { bus_service, action }) {
        bus_service.subscribe("document_digitize/updated", async ({ model, id }) => {
            const controller = action.currentController;
            const props = controller && controller.props;
            if (!props || controller.view?.type !== "form" || props.resModel !== model || props.resId !== id) {
                return;
            }
            await action.restore(controller.jsId);
        });
        bus_service.start();
    },
};

registry.category("services").add("document_digitize_refresh", digitizeRefreshService);
