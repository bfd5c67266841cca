from . import hr_expense, hr_expense_digitize_memory, res_company, res_config_settings
