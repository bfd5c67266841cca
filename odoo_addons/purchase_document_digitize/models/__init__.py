from . import account_move, purchase_order, res_company, res_config_settings
