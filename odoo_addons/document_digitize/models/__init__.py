from . import digitize_layout, digitize_mixin, digitize_order_mixin, ir_attachment, res_config_settings
