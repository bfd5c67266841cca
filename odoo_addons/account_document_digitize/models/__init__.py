from . import (
    account_journal,
    account_move,
    account_move_layout,
    account_move_line,
    digitize_memory,
    ir_attachment,
    res_config_settings,
    res_partner,
)
