# The order matters: the mixin's model is defined first (digitize_mixin), then each file extends it with one job;
# digitize_layout and digitize_order_mixin extend methods of the files before them (``_digitize_read`` of
# digitize_queue, ...) through super(), so they come after them.
# isort: skip_file
from . import digitize_mixin
from . import digitize_guard, digitize_actions, digitize_apply, digitize_queue
from . import digitize_layout, digitize_order_mixin, digitize_prefill, digitize_correct
from . import ir_attachment, res_config_settings
