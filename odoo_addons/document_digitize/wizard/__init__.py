from . import digitize_upload
