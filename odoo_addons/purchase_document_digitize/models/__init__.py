from . import account_move, purchase_order, res_config_settings
