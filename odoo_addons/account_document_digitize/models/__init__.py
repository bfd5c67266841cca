from . import account_journal
from . import account_move
from . import ir_attachment
from . import res_config_settings
