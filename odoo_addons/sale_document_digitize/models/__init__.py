from . import res_config_settings, sale_order
