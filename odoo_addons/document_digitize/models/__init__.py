# The mixin's model is defined first (digitize_mixin); each file after it extends it with one job.
from . import digitize_mixin  # isort: skip
from . import (
    digitize_actions,
    digitize_apply,
    digitize_guard,
    digitize_layout,
    digitize_order_mixin,
    digitize_queue,
    ir_attachment,
    res_config_settings,
)
