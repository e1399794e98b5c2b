"""payroll's rules, free of I/O: tips today; staff pay, hours and pay runs as they arrive."""
