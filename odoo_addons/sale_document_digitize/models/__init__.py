from . import res_config_settings
from . import sale_order
