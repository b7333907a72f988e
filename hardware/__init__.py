"""Device adapters (printer, LED signs, speaker ...), each with a fake beside the real one."""
