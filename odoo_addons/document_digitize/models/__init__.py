from . import digitize_mixin
from . import digitize_upload
from . import ir_attachment
from . import res_config_settings
