from . import account_journal
from . import account_move
from . import account_move_line
from . import digitize_memory
from . import ir_attachment
from . import res_config_settings
